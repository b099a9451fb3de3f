//! The worklist, one checkout, the send confirmation and bulk send.

messages! {
    CHECKOUTS;
    // The worklist.
    awaiting_payment_request { en: "Awaiting a payment request", sv: "Väntar på betalningsbegäran" }
    checkouts { en: "Checkouts", sv: "Köp" }
    worklist_explained {
        en: "ReadyToShip checkouts, soonest-expiring first. Payson expires them 59 days after they became ReadyToShip.",
        sv: "Köp i ReadyToShip, de som löper ut först överst. Payson låter dem löpa ut 59 dagar efter att de blev ReadyToShip.",
    }
    awaiting_ready_to_ship { en: "Awaiting (ReadyToShip)", sv: "Väntar (ReadyToShip)" }
    search { en: "Search", sv: "Sök" }
    search_hint { en: "Customer, e-mail, booking, checkout id", sv: "Kund, e-post, bokning, köp-id" }
    /// The totals line: "3 checkouts, SEK 1,234.00".
    checkouts_count(n: i64) {
        en: "{n} checkout" | "{n} checkouts",
        sv: "{n} köp" | "{n} köp",
    }
    nothing_matches { en: "Nothing matches.", sv: "Inget matchar." }
    select { en: "Select", sv: "Välj" }
    /// A row's checkbox, for screen readers.
    select_checkout(id: &str) { en: "Select {id}", sv: "Välj {id}" }
    booking { en: "Booking", sv: "Bokning" }
    expires_in_days(n: i64) {
        en: "expires in {n} day" | "expires in {n} days",
        sv: "löper ut om {n} dag" | "löper ut om {n} dagar",
    }
    preview_bulk_send { en: "Preview bulk send", sv: "Förhandsgranska massutskick" }
    next_page { en: "Next page", sv: "Nästa sida" }

    // One checkout.
    details { en: "Details", sv: "Uppgifter" }
    payment { en: "Payment", sv: "Betalning" }
    payson_purchase { en: "Payson purchase", sv: "Payson-köp" }
    expires_at_payson { en: "Expires at Payson", sv: "Löper ut hos Payson" }
    send_payment_request { en: "Send payment request", sv: "Skicka betalningsbegäran" }
    refresh_from_payson { en: "Refresh from Payson", sv: "Uppdatera från Payson" }
    payson_status_history { en: "Payson status history", sv: "Statushistorik hos Payson" }
    checkout_preview { en: "Checkout preview", sv: "Förhandsvisning av kassan" }
    /// The preview frame's accessible name.
    preview_frame { en: "Payson checkout preview", sv: "Förhandsvisning av Payson-kassan" }
    audit_events { en: "Audit events", sv: "Granskningshändelser" }
    none_yet { en: "None yet.", sv: "Inga ännu." }
    what { en: "What", sv: "Vad" }

    // The confirmation: what will happen before anything does.
    send_payment_request_question { en: "Send payment request?", sv: "Skicka betalningsbegäran?" }
    consequence_invoice(amount: &str, who: &str) {
        en: "Payson will e-mail the invoice of {amount} to {who}; after this only a credit can undo it.",
        sv: "Payson e-postar fakturan på {amount} till {who}; därefter kan bara en kreditering ångra det.",
    }
    consequence_capture(amount: &str, who: &str) {
        en: "Payson will capture the payment of {amount} from {who}; after this only a credit can undo it.",
        sv: "Payson drar betalningen på {amount} från {who}; därefter kan bara en kreditering ångra det.",
    }
    note_for_audit_log { en: "Note for the audit log (optional)", sv: "Anteckning till granskningsloggen (valfri)" }

    // Bulk send.
    bulk_send { en: "Bulk send", sv: "Massutskick" }
    bulk_results { en: "Bulk send: results", sv: "Massutskick: resultat" }
    bulk_question(n: usize) {
        en: "Send {n} payment request?" | "Send {n} payment requests?",
        sv: "Skicka {n} betalningsbegäran?" | "Skicka {n} betalningsbegäranden?",
    }
    bulk_summary(sendable: usize, selected: usize, total: &str) {
        en: "{sendable} of {selected} selected will be sent, {total} in all. Payson will capture each payment or e-mail each invoice; after this only a credit can undo it.",
        sv: "{sendable} av {selected} valda skickas, {total} totalt. Payson drar varje betalning eller e-postar varje faktura; därefter kan bara en kreditering ångra det.",
    }
    bulk_button(n: usize) {
        en: "Send {n} payment request" | "Send {n} payment requests",
        sv: "Skicka {n} betalningsbegäran" | "Skicka {n} betalningsbegäranden",
    }
    result { en: "Result", sv: "Resultat" }
    what_happens { en: "What happens", sv: "Vad som händer" }
    will_be_sent { en: "will be sent", sv: "skickas" }
    skipped(reason: &str) { en: "skipped: {reason}", sv: "hoppas över: {reason}" }
    not_yours_to_send {
        en: "you may not send payment requests for this company",
        sv: "du får inte skicka betalningsbegäranden för det här företaget",
    }
    has_status(status: &str) { en: "it has status {status}", sv: "det har status {status}" }
}
