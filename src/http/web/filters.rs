//! What the list pages share: empty fields, the company filter and its options, an
//! inclusive day range, the query string that carries the filters to the next page and
//! the CSV link, and the keyset page of rows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::domain::CompanyId;
use crate::error::{AppError, FilterField, Invalid};

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
