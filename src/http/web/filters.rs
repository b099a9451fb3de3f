//! What the list pages' filter forms share: empty fields, an inclusive day range, and
//! the query string that carries the filters to the next page and the CSV link.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::error::{AppError, FilterField, Invalid};

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
