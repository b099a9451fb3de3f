//! The worklist, one checkout, its confirmation and preview, bulk send.

use askama::Template;

use super::{audit_row, check, chrome, s};
use crate::domain::{CheckoutStatus, NotificationResult};
use crate::http::web::bulk::{JobPage, Line, PreviewPage as BulkPreview};
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
                        title: s("Tess"),
                        created: s("2026-01-01"),
                        created_on: s("2026-01-01"),
                        short_id: s("00000000"),
                        email: s("t@b.se"),
                        reference: s("BK-1"),
                        amount: s("1"),
                        sendable: d.is_some(),
                        selected: d == Some(1),
                    })
                    .collect(),
                next: Some(s("/checkouts?after=x")),
                overview: awaiting.then(|| crate::http::web::overview::view(&overview(), t)),
                next_cursor: Some(s("x")),
                any_sendable: true,
                carried: vec![s("0001")],
                matching: 3,
                max_rows: 500,
                all_link: s("/checkouts/bulk?all=1&"),
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
            overview: Some(crate::http::web::overview::view(&Default::default(), t)),
            next_cursor: None,
            any_sendable: false,
            carried: vec![],
            matching: 0,
            max_rows: 500,
            all_link: s("/"),
            back_q: s("%2Fcheckouts%3F"),
            flash: None,
            elsewhere: Some((t.flow_matches_elsewhere(2), s("/checkouts?status=all&q=x"))),
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
        line(t.skipped(&t.has_status(t.status_shipped_invoice())), "skip"),
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
