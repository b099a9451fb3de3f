//! Administration (companies, users) and the audit log.

messages! {
    ADMIN;
    // Companies.
    payson_agent_id { en: "Payson agent id", sv: "Payson agent-id" }
    payson_api_key { en: "Payson API key", sv: "Payson API-nyckel" }
    unchanged { en: "unchanged", sv: "oförändrad" }
    payson_base_url { en: "Payson base URL", sv: "Payson bas-URL" }
    save_credentials { en: "Save credentials", sv: "Spara inloggningsuppgifter" }
    test_connection { en: "Test connection", sv: "Testa anslutningen" }
    api_keys { en: "API keys (x-api-key)", sv: "API-nycklar (x-api-key)" }
    none_listed { en: "None.", sv: "Inga." }
    key_id { en: "Key id", sv: "Nyckel-id" }
    notes { en: "Notes", sv: "Anteckningar" }
    addresses { en: "Addresses", sv: "Adresser" }
    revoke { en: "Revoke", sv: "Återkalla" }
    revoked { en: "revoked", sv: "återkallad" }
    allowed_addresses { en: "Allowed addresses or ranges such as 10.0.0.0/8 (comma-separated)", sv: "Tillåtna adresser eller adressrymder som 10.0.0.0/8 (kommaseparerade)" }
    expires_in_days_field { en: "Expires in days", sv: "Löper ut om (dagar)" }
    issue_api_key { en: "Issue API key", sv: "Utfärda API-nyckel" }
    add_a_company { en: "Add a company", sv: "Lägg till ett företag" }
    add_company { en: "Add company", sv: "Lägg till företag" }

    // Secrets, shown once on the answer to the POST that made them.
    new_api_key_shown_once { en: "New x-api-key (shown once)", sv: "Ny x-api-key (visas en gång)" }
    new_password_shown_once(email: &str) {
        en: "New password for {email} (shown once)",
        sv: "Nytt lösenord för {email} (visas en gång)",
    }
    api_token_shown_once(email: &str) {
        en: "API token for {email} (shown once)",
        sv: "API-token för {email} (visas en gång)",
    }
    copy_it_now {
        en: "Copy it now; it is stored only as a hash and cannot be shown again.",
        sv: "Kopiera den nu; den lagras bara som hash och kan inte visas igen.",
    }

    // Users.
    user { en: "User", sv: "Användare" }
    roles_and_company { en: "Roles and company", sv: "Roller och företag" }
    api_tokens { en: "API tokens", sv: "API-token" }
    account { en: "Account", sv: "Konto" }
    disabled { en: "disabled", sv: "avstängd" }
    no_company { en: "none", sv: "inget" }
    save_roles { en: "Save roles", sv: "Spara roller" }
    /// A token-name field, for screen readers.
    token_name_for(email: &str) { en: "Token name for {email}", sv: "Tokennamn för {email}" }
    token_name { en: "token name", sv: "tokennamn" }
    issue_token { en: "Issue token", sv: "Utfärda token" }
    reset_password { en: "Reset password", sv: "Återställ lösenord" }
    enable { en: "Enable", sv: "Aktivera" }
    disable { en: "Disable", sv: "Stäng av" }
    add_a_user { en: "Add a user", sv: "Lägg till en användare" }
    new_password_field { en: "Password (12+ characters)", sv: "Lösenord (minst 12 tecken)" }
    roles { en: "Roles", sv: "Roller" }
    add_user { en: "Add user", sv: "Lägg till användare" }

    // The audit log.
    user_email { en: "User (e-mail)", sv: "Användare (e-post)" }
    older_events { en: "Older events", sv: "Äldre händelser" }
}
