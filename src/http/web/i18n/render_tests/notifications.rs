//! The notification log, in both languages, with every result it shows.

use askama::Template;

use super::{check, chrome, s};
use crate::domain::NotificationResult;
use crate::http::web::filters::LogList;
use crate::http::web::i18n::Tr;
use crate::http::web::notifications::{LogPage, NotificationQuery, NotificationRow};

/// A logged notification with `result`, retried and answered from a shared read.
pub(super) fn row(t: Tr, result: NotificationResult) -> NotificationRow {
    NotificationRow {
        at: t.date_time_of(1, t.month_1(), 2026, "10:00"),
        checkout: s("0000"),
        company: if result == NotificationResult::UnknownCheckout {
            String::new()
        } else {
            s("Acme AB")
        },
        address: s("127.0.0.1"),
        found: t.status_ready_to_ship().to_owned(),
        result,
        result_label: t.notification_result(result),
        ms: 12,
        error: if result == NotificationResult::Failed {
            s("database error: connection refused")
        } else {
            String::new()
        },
        shared: true,
        attempts: 2,
    }
}

#[test]
fn notification_log() {
    for all in [false, true] {
        check("notifications/list.html", |t| {
            LogPage {
                t,
                chrome: chrome(),
                results: NotificationResult::ALL
                    .iter()
                    .map(|r| (r.name(), t.notification_result(*r)))
                    .collect(),
                q: serde_urlencoded::from_str::<NotificationQuery>("result=failed").unwrap(),
                list: LogList {
                    companies: vec![(s("1"), s("Acme AB"))],
                    rows: if all {
                        NotificationResult::ALL.iter().map(|r| row(t, *r)).collect()
                    } else {
                        Vec::new()
                    },
                    next: all.then(|| s("/notifications?before=1")),
                    csv: s("/notifications.csv?"),
                },
            }
            .render()
            .unwrap()
        });
    }
}

#[test]
fn every_result_reads_differently_in_each_language() {
    let (en, sv) = (Tr(super::Lang::En), Tr(super::Lang::Sv));
    for r in NotificationResult::ALL {
        assert_ne!(
            en.notification_result(r),
            sv.notification_result(r),
            "{r:?}"
        );
    }
    assert_eq!(en.retried_times(1_i64), "retried 1 time");
    assert_eq!(sv.retried_times(3_i64), "omförsökt 3 gånger");
}
