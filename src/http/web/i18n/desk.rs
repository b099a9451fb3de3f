//! What every page shares: the frame, the navigation, the error page and the words that
//! head columns and fields on more than one page.

messages! {
    DESK;
    skip_to_content { en: "Skip to content", sv: "Hoppa till innehållet" }
    /// The navigation's name, for screen readers.
    main_navigation { en: "Main", sv: "Huvudmeny" }
    worklist { en: "Worklist", sv: "Arbetslista" }
    audit_log { en: "Audit log", sv: "Granskningslogg" }
    companies { en: "Companies", sv: "Företag" }
    users { en: "Users", sv: "Användare" }
    sign_out { en: "Sign out", sv: "Logga ut" }

    // The error page.
    error { en: "Error", sv: "Fel" }
    something_went_wrong { en: "Something went wrong", sv: "Något gick fel" }
    back_to_worklist { en: "Back to the worklist", sv: "Tillbaka till arbetslistan" }
    /// The id to quote when asking about an error.
    request_id { en: "Request id", sv: "Begäran-id" }

    // Fields, filters and column heads.
    all { en: "All", sv: "Alla" }
    action { en: "Action", sv: "Händelse" }
    amount { en: "Amount", sv: "Belopp" }
    cancel { en: "Cancel", sv: "Avbryt" }
    checkout { en: "Checkout", sv: "Köp" }
    company { en: "Company", sv: "Företag" }
    customer { en: "Customer", sv: "Kund" }
    download_csv { en: "Download CSV", sv: "Ladda ner CSV" }
    email { en: "E-mail", sv: "E-post" }
    expires { en: "Expires", sv: "Löper ut" }
    filter { en: "Filter", sv: "Filtrera" }
    from { en: "From", sv: "Från" }
    message { en: "Message", sv: "Meddelande" }
    name { en: "Name", sv: "Namn" }
    note { en: "Note", sv: "Anteckning" }
    outcome { en: "Outcome", sv: "Utfall" }
    password { en: "Password", sv: "Lösenord" }
    status { en: "Status", sv: "Status" }
    to { en: "To", sv: "Till" }
    when { en: "When", sv: "När" }
    who { en: "Who", sv: "Vem" }
}
