//! SQLite: a page of rows read as one JSON value. sqlx runs each SQLite connection on a
//! thread of its own and hands every row, with a copy of each of its values, to the
//! request's thread one at a time: a 50-row worklist page was about 50 wake-ups and 900
//! allocations freed on another thread. Aggregated by SQLite into one text
//! (`json_group_array(json_array(…))`), the page crosses once, and each element is
//! decoded here by the same `from_row!` body that decodes a sqlx row.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::value::RawValue;
use sqlx::error::BoxDynError;

/// One element of the aggregated array: the values of `columns` in their order, each
/// still its JSON text (parsed only as the column's type, nothing built in between).
pub(crate) struct JsonRow<'c, 'v> {
    columns: &'c [&'c str],
    values: Vec<&'v RawValue>,
}

impl JsonRow<'_, '_> {
    /// The column `name` as `T`, as `sqlx::Row::try_get` would answer it.
    pub(crate) fn try_get<T: FromJson>(&self, name: &str) -> Result<T, sqlx::Error> {
        let i = self
            .columns
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| sqlx::Error::ColumnNotFound(name.into()))?;
        T::from_json(self.values[i]).map_err(|source| sqlx::Error::ColumnDecode {
            index: format!("{name:?}"),
            source,
        })
    }
}

/// A row type `from_row!(json …)` also decodes from a `JsonRow`.
pub(crate) trait FromJsonRow: Sized {
    fn from_json_row(row: &JsonRow<'_, '_>) -> Result<Self, sqlx::Error>;
}

/// The rows of `text`, a JSON array of arrays of the values of `columns` (a column list
/// as the statement writes it, `"id, company_id, …"`).
pub(crate) fn decode_rows<T: FromJsonRow>(
    text: &str,
    columns: &str,
) -> Result<Vec<T>, sqlx::Error> {
    let columns: Vec<&str> = columns.split(',').map(str::trim).collect();
    let rows: Vec<Vec<&RawValue>> =
        serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(e.into()))?;
    rows.into_iter()
        .map(|values| {
            if values.len() != columns.len() {
                return Err(sqlx::Error::Decode(
                    format!("{} values for {} columns", values.len(), columns.len()).into(),
                ));
            }
            T::from_json_row(&JsonRow {
                columns: &columns,
                values,
            })
        })
        .collect()
}

/// A value as SQLite's `json_array` writes the column it was stored in.
pub(crate) trait FromJson: Sized {
    fn from_json(v: &RawValue) -> Result<Self, BoxDynError>;
}

impl FromJson for String {
    fn from_json(v: &RawValue) -> Result<Self, BoxDynError> {
        serde_json::from_str(v.get()).map_err(|_| format!("expected text, found {v}").into())
    }
}

impl FromJson for i64 {
    fn from_json(v: &RawValue) -> Result<Self, BoxDynError> {
        serde_json::from_str(v.get()).map_err(|_| format!("expected an integer, found {v}").into())
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &RawValue) -> Result<Self, BoxDynError> {
        if v.get() == "null" {
            Ok(None)
        } else {
            T::from_json(v).map(Some)
        }
    }
}

/// Timestamps as sqlx writes them (RFC 3339), or SQLite's own `YYYY-MM-DD HH:MM:SS[.f]`
/// in UTC, the forms sqlx's own decoding accepts first.
impl FromJson for DateTime<Utc> {
    fn from_json(v: &RawValue) -> Result<Self, BoxDynError> {
        let s = String::from_json(v)?;
        if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
            return Ok(t.with_timezone(&Utc));
        }
        ["%F %T%.f", "%FT%T%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("'{s}' is not a timestamp").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pair {
        a: String,
        b: Option<i64>,
    }

    impl FromJsonRow for Pair {
        fn from_json_row(row: &JsonRow<'_, '_>) -> Result<Self, sqlx::Error> {
            Ok(Pair {
                a: row.try_get("a")?,
                b: row.try_get("b")?,
            })
        }
    }

    #[test]
    fn rows_decode_by_column_name() {
        let rows: Vec<Pair> = decode_rows(r#"[["x", 1], ["y", null]]"#, "a, b").unwrap();
        let got: Vec<(&str, Option<i64>)> = rows.iter().map(|p| (p.a.as_str(), p.b)).collect();
        assert_eq!(got, [("x", Some(1)), ("y", None)]);
    }

    #[test]
    fn a_wrong_shape_or_type_is_a_decode_error() {
        assert!(decode_rows::<Pair>(r#"[["x"]]"#, "a, b").is_err());
        assert!(decode_rows::<Pair>(r#"[[1, 1]]"#, "a, b").is_err());
        assert!(decode_rows::<Pair>("not json", "a, b").is_err());
    }

    #[test]
    fn timestamps_in_the_forms_sqlite_holds() {
        let raw = |s: &str| RawValue::from_string(format!("{s:?}")).unwrap();
        let t = |s: &str| DateTime::<Utc>::from_json(&raw(s)).unwrap();
        let want = DateTime::parse_from_rfc3339("2026-12-04T18:00:00.123456Z").unwrap();
        assert_eq!(t("2026-12-04T18:00:00.123456+00:00"), want);
        assert_eq!(t("2026-12-04 18:00:00.123456"), want);
        assert_eq!(t("2026-12-04T19:00:00.123456+01:00"), want);
        assert!(DateTime::<Utc>::from_json(&raw("yesterday")).is_err());
    }
}
