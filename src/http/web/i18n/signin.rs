//! Signing in and out, and the landing page.

messages! {
    SIGNIN;
    sign_in { en: "Sign in", sv: "Logga in" }
    sign_in_with(label: &str) { en: "Sign in with {label}", sv: "Logga in med {label}" }
    /// The login page again after an OpenID sign-in failed.
    sign_in_with_failed(label: &str, problem: &str) {
        en: "Sign in with {label}: {problem}",
        sv: "Logga in med {label}: {problem}",
    }
    wrong_email_or_password { en: "Wrong e-mail or password.", sv: "Fel e-post eller lösenord." }
    signed_in { en: "Signed in", sv: "Inloggad" }
    continue_to_worklist { en: "Continue to the worklist", sv: "Fortsätt till arbetslistan" }
    signed_out { en: "Signed out", sv: "Utloggad" }
    sign_out_at_provider {
        en: "Sign out at the identity provider too",
        sv: "Logga ut hos inloggningstjänsten också",
    }

    // The landing page, around the API's paths and commands.
    home_intro {
        en: "Send Payson Checkout 2.0 payment requests for checkouts in",
        sv: "Skicka betalningsbegäranden i Payson Checkout 2.0 för köp i",
    }
    api { en: "API", sv: "API" }
    authenticate_with { en: "Authenticate with", sv: "Autentisera med" }
    issue_one_with { en: "issue one with", sv: "utfärda en med" }
    and_optionally { en: "and optionally", sv: "och eventuellt" }
    version(v: &str) { en: "Version {v}", sv: "Version {v}" }
}

// Bounded resources (issue 9): the sign-in that found every password slot taken.
messages! {
    SIGNIN_LIMITS;
    sign_ins_busy {
        en: "Too many sign-ins are being checked right now; try again in a moment.",
        sv: "Just nu kontrolleras för många inloggningar; försök igen om en stund.",
    }
}
