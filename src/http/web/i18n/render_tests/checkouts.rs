//! The worklist, one checkout, its confirmation and preview, bulk send.

use askama::Template;

use super::{audit_row, check, chrome, s};
use crate::domain::{CheckoutStatus, NotificationResult};
use crate::http::web::bulk::{JobPage, Line, PreviewPage as BulkPreview};
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
                statuses: vec!["ReadyToShip"],
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
                        expires_in_days: d,
                        soon: false,
                        status: s("Shipped"),
                        company: s("Acme AB"),
                        customer: s("Tess"),
                        email: s("t@b.se"),
                        reference: s("BK-1"),
                        amount: s("1"),
                        sendable: d.is_some(),
                        selected: d == Some(1),
                    })
                    .collect(),
                next: Some(s("/checkouts?after=x")),
                next_cursor: Some(s("x")),
                any_sendable: true,
                carried: vec![s("0001")],
                matching: 3,
                max_rows: 500,
                all_link: s("/checkouts/bulk?all=1&"),
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
            next_cursor: None,
            any_sendable: false,
            carried: vec![],
            matching: 0,
            max_rows: 500,
            all_link: s("/"),
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
                status: s("ReadyToShip - 5"),
                company: s("Acme AB"),
                amount: s("1"),
                method: s("card"),
                customer: s("Tess"),
                email: s("t@b.se"),
                reference: s("BK-1"),
                purchase_id: s("7"),
                expires: s("2026-01-01"),
                can_send: true,
                timeline: vec![(s("2026-01-01"), s("ReadyToShip"))],
                has_snippet: true,
                events: (0..events).map(|_| audit_row()).collect(),
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

fn lines(t: crate::http::web::i18n::Tr) -> Vec<Line> {
    let line = |note: String, kind| Line {
        id: s("00000000-0000"),
        short: s("00000000"),
        customer: s("Tess"),
        amount: s("1"),
        note,
        kind,
    };
    vec![
        line(t.row_not_sent("Payson"), "failed"),
        line(t.bulk_row_pending().to_owned(), "pending"),
        line(t.skipped(&t.has_status("Shipped - 6")), "skip"),
        line(t.will_be_sent().to_owned(), "ok"),
    ]
}

#[test]
fn bulk_send() {
    for capped in [None, Some(600)] {
        check("checkouts/bulk.html", |t| {
            BulkPreview {
                t,
                chrome: chrome(),
                lines: lines(t),
                selected: vec![s("0000"), s("0001")],
                sendable: 1,
                total: t.money(crate::domain::Money::from_minor(
                    100,
                    crate::domain::Currency::Sek,
                )),
                capped,
                max_rows: 500,
                idempotency_key: s("k"),
                job: false,
            }
            .render()
            .unwrap()
        });
    }
    for running in [true, false] {
        check("checkouts/bulk_job.html", |t| {
            JobPage {
                t,
                chrome: chrome(),
                running,
                lines: lines(t),
                sent: 1,
                failed: 1,
                skipped: 1,
                pending: usize::from(running),
                sent_total: s("1"),
                failed_total: s("1"),
                job: true,
            }
            .render()
            .unwrap()
        });
    }
}
