//! The settings page and the daily expiry digest's opt-out. (The digest mail's own words
//! are in `service/digest_mail.rs`: the service writes the mail and may not import these.)

messages! {
    DIGEST;
    /// The navigation's link and the page's title.
    settings { en: "Settings", sv: "Inställningar" }
    settings_explained {
        en: "These settings are yours alone; nobody else's change.",
        sv: "De här inställningarna gäller bara dig; ingen annans ändras.",
    }
    daily_digest { en: "Daily digest", sv: "Daglig sammanställning" }
    digest_checkbox {
        en: "E-mail me a daily digest of checkouts about to expire",
        sv: "Skicka mig ett dagligt e-postmeddelande om köp som snart löper ut",
    }
    digest_explained(days: i64) {
        en: "Once a day: your company's checkouts awaiting a payment request that Payson expires within {days} days, with links to each." | "Once a day: your company's checkouts awaiting a payment request that Payson expires within {days} days, with links to each.",
        sv: "En gång om dagen: företagets köp som väntar på betalningsbegäran och som Payson låter löpa ut inom {days} dag, med länkar till vart och ett." | "En gång om dagen: företagets köp som väntar på betalningsbegäran och som Payson låter löpa ut inom {days} dagar, med länkar till vart och ett.",
    }
    digest_not_for_you {
        en: "The daily digest goes to a company's write administrators; you do not get it.",
        sv: "Den dagliga sammanställningen går till företagets administratörer med skrivbehörighet; du får den inte.",
    }
    digest_off_server {
        en: "This server does not send the daily digest at the moment.",
        sv: "Den här servern skickar inte den dagliga sammanställningen just nu.",
    }
    mail_language { en: "Language of e-mails", sv: "Språk i e-post" }
    mail_language_unset { en: "English (not chosen)", sv: "Engelska (inget valt)" }
    save_settings { en: "Save settings", sv: "Spara inställningar" }
    settings_saved { en: "Settings saved", sv: "Inställningarna har sparats" }
}
