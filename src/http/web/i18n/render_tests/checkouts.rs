//! The worklist, one checkout, its confirmation and preview, bulk send.

use askama::Template;

use super::{audit_row, check, chrome, s};
use crate::domain::{CheckoutStatus, NotificationResult};
use crate::http::web::bulk::{BulkPage, Line};
use crate::http::web::checkout::{ConfirmPage, PreviewPage, ShowPage};
use crate::http::web::checkouts::{ListPage, ListQuery, Row};
use crate::service::send_once::SendOutcome;

#[test]
fn worklist() {
    for (awaiting, totals) in [(true, vec![s("2 x")]), (false, vec![])] {
        check("checkouts/list.html", |t| {
            ListPage {
                t,
                chrome: chrome(),
                awaiting,
                statuses: vec![("ReadyToShip", t.status_ready_to_ship())],
                status: s("awaiting"),
                show_company: true,
                can_send: true,
                companies: vec![(s("1"), s("Acme AB"))],
                q: ListQuery::default(),
                csv: s("/checkouts.csv?"),
                totals: totals.clone(),
                rows: [Some(1), Some(30), None]
                    .into_iter()
                    .map(|d| Row {
                        id: s("0000"),
                        expiry: d.map(|d| t.expires_in_days(d)),
                        soon: false,
                        status: t.status_shipped_capture(),
                        company: s("Acme AB"),
                        customer: s("Tess"),
                        email: s("t@b.se"),
                        reference: s("BK-1"),
                        amount: s("1"),
                    })
                    .collect(),
                next: Some(s("/checkouts?after=x")),
            }
            .render()
            .unwrap()
        });
    }
    // With nothing to show.
    check("checkouts/list.html (empty)", |t| {
        ListPage {
            t,
            chrome: chrome(),
            awaiting: false,
            statuses: vec![],
            status: s("all"),
            show_company: false,
            can_send: false,
            companies: vec![],
            q: ListQuery::default(),
            csv: s("/"),
            totals: vec![],
            rows: vec![],
            next: None,
        }
        .render()
        .unwrap()
    });
}

#[test]
fn checkout() {
    for events in [0, 1] {
        check("checkouts/show.html", |t| {
            ShowPage {
                t,
                chrome: chrome(),
                id: s("0000"),
                flash: Some(SendOutcome::Sent(CheckoutStatus::Shipped)),
                status: t.status_ready_to_ship(),
                company: s("Acme AB"),
                amount: s("1"),
                method: t.method_card(),
                customer: s("Tess"),
                email: s("t@b.se"),
                reference: s("BK-1"),
                purchase_id: s("7"),
                expires: t.date_only(1, t.month_1(), 2026),
                expiry: Some(t.expires_tomorrow_at("14:30")),
                zone: "Europe/Stockholm",
                bokamera_status: s("ReadyToShip - 5"),
                payson_status: s("readyToShip"),
                method_code: "card",
                can_send: true,
                timeline: vec![(
                    t.date_only(1, t.month_1(), 2026),
                    t.status_ready_to_ship(),
                    t.timeline_by("a@b.se"),
                )],
                has_snippet: true,
                events: (0..events).map(|_| audit_row(t)).collect(),
                notifications: (0..events)
                    .map(|_| super::notifications::row(t, NotificationResult::Failed))
                    .collect(),
            }
            .render()
            .unwrap()
        });
    }
}

#[test]
fn confirm() {
    check("checkouts/confirm.html", |t| {
        ConfirmPage {
            t,
            chrome: chrome(),
            id: s("0000"),
            consequence: t.consequence_invoice("1", "Tess"),
            idempotency_key: s("k"),
        }
        .render()
        .unwrap()
    });
}

#[test]
fn snippet_preview() {
    check("checkouts/preview.html", |t| {
        PreviewPage {
            t,
            snippet: "<div id='paysonContainer'></div>",
        }
        .render()
        .unwrap()
    });
}

#[test]
fn bulk_send() {
    for done in [false, true] {
        check("checkouts/bulk.html", |t| {
            BulkPage {
                t,
                chrome: chrome(),
                done,
                lines: vec![
                    Line {
                        id: s("0000"),
                        customer: s("Tess"),
                        amount: s("1"),
                        note: t.will_be_sent().to_owned(),
                        ok: true,
                    },
                    Line {
                        id: s("0001"),
                        customer: s("Tess"),
                        amount: s("1"),
                        note: t.skipped(&t.has_status(t.status_shipped_invoice())),
                        ok: false,
                    },
                ],
                sendable: if done { vec![] } else { vec![s("0000")] },
                total: t.money(crate::domain::Money::from_minor(
                    100,
                    crate::domain::Currency::Sek,
                )),
                idempotency_key: s("k"),
            }
            .render()
            .unwrap()
        });
    }
}
