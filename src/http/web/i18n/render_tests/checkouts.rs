//! The worklist, one checkout, its confirmation and preview, bulk send.

use askama::Template;

use super::{audit_row, check, chrome, s};
use crate::domain::{CheckoutStatus, NotificationResult};
use crate::http::web::bulk::{BulkPage, Line};
use crate::http::web::checkout::{ConfirmPage, PreviewPage, ShowPage};
use crate::http::web::checkouts::{ListPage, ListQuery, Row};
use crate::http::web::flash::{Flash, Notice};
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
                    })
                    .collect(),
                next: Some(s("/checkouts?after=x")),
                back_q: s("%2Fcheckouts%3F"),
                flash: Some(Flash::Done(Notice::CheckoutSent(
                    s("Tess (BK-1)"),
                    s("Shipped"),
                ))),
                elsewhere: None,
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
            back_q: s("%2Fcheckouts%3F"),
            flash: None,
            elsewhere: Some((2, s("/checkouts?status=all&q=x"))),
        }
        .render()
        .unwrap()
    });
}

#[test]
fn checkout() {
    let refused = SendOutcome::NotSent(crate::error::Problem::Busy);
    for (events, flash, notice) in [
        (0, SendOutcome::Sent(CheckoutStatus::Shipped), None),
        (
            1,
            refused,
            Some(Flash::Done(Notice::RefreshedNow(s("Expired")))),
        ),
        (
            1,
            SendOutcome::Pending,
            Some(Flash::Done(Notice::RefreshedNoChange)),
        ),
    ] {
        check("checkouts/show.html", |t| {
            ShowPage {
                t,
                chrome: chrome(),
                id: s("0000"),
                retry_key: (!flash.is_sent()).then(|| s("k")),
                flash: Some(flash.clone()),
                back: s("/checkouts?"),
                notice: notice.clone(),
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
    for already in [None, Some(s("Shipped"))] {
        check("checkouts/confirm.html", |t| {
            ConfirmPage {
                t,
                chrome: chrome(),
                id: s("0000"),
                consequence: t.consequence_invoice("1", "Tess"),
                idempotency_key: s("k"),
                already: already.clone(),
                back: s("/checkouts?"),
            }
            .render()
            .unwrap()
        });
    }
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
                        note: t.skipped(&t.has_status("Shipped - 6")),
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
