//! What the list pages share: empty fields, the company filter and its options, an
//! inclusive day range, the query string that carries the filters to the next page and
//! the CSV link, and the keyset page of rows; for the two logs (audit events and
//! notifications) the whole list, through `Log`.

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::extract::SignedIn;
use super::i18n::Tr;
use crate::domain::policy::Actor;
use crate::domain::{CompanyId, Zones};
use crate::error::{AppError, FilterField, Invalid};
use crate::service::checkouts::company_names;
use crate::service::companies::zones;
use crate::state::AppState;

/// The log pages' rows per page.
pub const PAGE_SIZE: i64 = 100;

/// The field's value, or `None` when it is absent or blank.
pub fn trimmed(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A 400 naming the filter that could not be read.
pub fn bad(field: FilterField) -> AppError {
    AppError::rejected(field.name(), "InvalidFormat", Invalid::Filter(field))
}

/// An optional value as text: empty for none.
pub fn or_empty(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A day range: from (inclusive) and to (exclusive) instants.
pub type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `from` and `to` as `YYYY-MM-DD`, to inclusive: `[from 00:00, the day after to 00:00)`.
pub fn day_range(from: &Option<String>, to: &Option<String>) -> Result<Range, AppError> {
    let day = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t))
    };
    let from = trimmed(from)
        .map(|d| day(d).ok_or_else(|| bad(FilterField::From)))
        .transpose()?;
    let to = trimmed(to)
        .map(|d| {
            day(d)
                .map(|t| t + chrono::Duration::days(1))
                .ok_or_else(|| bad(FilterField::To))
        })
        .transpose()?;
    Ok((from, to))
}

/// The named fields of a list page's query that its links carry, as `(name, value)` in
/// order, for `query_string`.
macro_rules! carried {
    ($q:expr; $($field:ident),+) => {
        [$((stringify!($field), &$q.$field)),+]
    };
}
pub(super) use carried;

/// The non-blank fields, plus one extra pair (a page cursor), URL-encoded.
pub fn query_string(fields: &[(&str, &Option<String>)], extra: Option<(&str, String)>) -> String {
    let mut pairs: Vec<(&str, String)> = fields
        .iter()
        .filter_map(|(k, v)| trimmed(v).map(|v| (*k, v.to_owned())))
        .collect();
    pairs.extend(extra);
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A filter field read by `parse` (which knows no such value: `None`): none when the
/// field is blank, a 400 naming the field when `parse` cannot read it.
pub fn parsed<T>(
    value: &Option<String>,
    field: FilterField,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, AppError> {
    trimmed(value)
        .map(|v| parse(v).ok_or_else(|| bad(field)))
        .transpose()
}

/// The company filter: a company id, or none when blank.
pub fn company(value: &Option<String>) -> Result<Option<CompanyId>, AppError> {
    parsed(value, FilterField::Company, |c| c.parse().ok())
}

/// A select's options, (value, words), one for each of `all`.
pub fn options<T: Copy>(
    all: &[T],
    option: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| option(*v)).collect()
}

/// The company filter's options, (id, name), in the order given (by name).
pub fn company_options(names: &[(CompanyId, String)]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

/// A row's company: its name, its id when the name is not known, empty for none.
pub fn company_label(names: &HashMap<CompanyId, String>, id: Option<CompanyId>) -> String {
    id.map(|c| names.get(&c).cloned().unwrap_or_else(|| c.to_string()))
        .unwrap_or_default()
}

/// A log page's rows, newest first, and its links.
pub struct Logged<T> {
    /// At most `PAGE_SIZE`.
    pub rows: Vec<T>,
    /// The older rows', when the store found more than a page.
    pub next: Option<String>,
    /// The CSV of every row the filters match.
    pub csv: String,
}

/// `rows` as fetched for `path` (a page and one more, so that a further row says there
/// is a next page) with the filters' links; `id` is a row's keyset cursor.
pub fn logged<T>(
    mut rows: Vec<T>,
    path: &str,
    fields: &[(&str, &Option<String>)],
    id: impl Fn(&T) -> i64,
) -> Logged<T> {
    let size = usize::try_from(PAGE_SIZE).unwrap_or(0);
    let more = rows.len() > size;
    rows.truncate(size);
    let next = rows.last().filter(|_| more).map(|last| {
        let before = ("before", id(last).to_string());
        format!("{path}?{}", query_string(fields, Some(before)))
    });
    Logged {
        rows,
        next,
        csv: format!("{path}.csv?{}", query_string(fields, None)),
    }
}

/// A log the desk lists newest first, a keyset page at a time below a row's id. Its
/// filter reads it through the service, which checks who may.
pub trait Log: Clone + 'static {
    type Row;
    /// The same filter for the rows below `id` (from the newest for `None`).
    fn below(self, id: Option<i64>) -> Self;
    fn id(row: &Self::Row) -> i64;
    fn read(
        &self,
        state: &AppState,
        who: Actor<'_>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Self::Row>, AppError>>;
}

/// `Log` for a filter with a `before_id` whose rows have an `id`, read by
/// `$read(state, who, &filter, limit)`.
macro_rules! log_of {
    ($filter:ty, $row:ty, $read:path) => {
        impl super::filters::Log for $filter {
            type Row = $row;

            fn below(self, id: Option<i64>) -> Self {
                Self {
                    before_id: id,
                    ..self
                }
            }

            fn id(row: &$row) -> i64 {
                row.id
            }

            fn read(
                &self,
                state: &crate::state::AppState,
                who: crate::domain::policy::Actor<'_>,
                limit: i64,
            ) -> impl std::future::Future<Output = Result<Vec<$row>, crate::error::AppError>> {
                $read(state, who, self, limit)
            }
        }
    };
}
pub(super) use log_of;

/// Every company's name by id, for the rows (empty for someone who sees one company's).
pub async fn names(s: &SignedIn) -> Result<HashMap<CompanyId, String>, AppError> {
    Ok(company_names(&s.state, &s.principal)
        .await?
        .iter()
        .cloned()
        .collect())
}

/// What a log's page lists: the company filter's options and a page of rows, each as
/// `view` shows it, with the links to older rows and to the CSV.
pub struct LogList<V> {
    pub companies: Vec<(String, String)>,
    pub rows: Vec<V>,
    pub next: Option<String>,
    pub csv: String,
}

/// The log page of `f` at `path`, whose links carry `fields`.
pub async fn log_list<L: Log, V>(
    s: &SignedIn,
    f: L,
    path: &str,
    fields: &[(&str, &Option<String>)],
    view: impl Fn(Tr, L::Row, &HashMap<CompanyId, String>, &Zones) -> V,
) -> Result<LogList<V>, AppError> {
    let rows = f.read(&s.state, s.actor(), PAGE_SIZE + 1).await?;
    let page = logged(rows, path, fields, L::id);
    let companies = company_names(&s.state, &s.principal).await?;
    let names = companies.iter().cloned().collect();
    let zones = zones(&s.state).await?;
    Ok(LogList {
        companies: company_options(&companies),
        rows: page
            .rows
            .into_iter()
            .map(|r| view(s.t, r, &names, &zones))
            .collect(),
        next: page.next,
        csv: page.csv,
    })
}
