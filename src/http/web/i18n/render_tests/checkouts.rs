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
                        title: s("Tess"),
                        created: s("2026-01-01"),
                        short_id: s("00000000"),
                        email: s("t@b.se"),
                        reference: s("BK-1"),
                        amount: s("1"),
                    })
                    .collect(),
                next: Some(s("/checkouts?after=x")),
                overview: awaiting.then(|| crate::http::web::overview::view(&overview(), t)),
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
            overview: Some(crate::http::web::overview::view(&Default::default(), t)),
        }
        .render()
        .unwrap()
    });
}

/// An overview with two currencies, one soon-expiring, and company lines beyond the cap.
fn overview() -> crate::service::overview::Overview {
    use crate::domain::{CompanyId, Currency};
    use crate::service::overview::{CompanyLine, CurrencyOverview, Overview};
    let currency = |currency, soon| CurrencyOverview {
        currency,
        count: 3,
        sum_minor: 30_000,
        expiring_soon: soon,
        expiring_soon_minor: soon * 10_000,
        by_week_minor: [soon * 10_000, 0, 0, 10_000, 0, 0, 0, 10_000],
    };
    Overview {
        currencies: vec![currency(Currency::Eur, 0), currency(Currency::Sek, 1)],
        companies: vec![CompanyLine {
            company: CompanyId::new_random(),
            name: s("Acme AB"),
            currency: Currency::Sek,
            count: 3,
            sum_minor: 30_000,
        }],
        more_companies: 4,
    }
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
