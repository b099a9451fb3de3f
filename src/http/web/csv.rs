//! CSV downloads: quoted cells, neutralised when a spreadsheet would run them as formulas,
//! streamed to the client a keyset page at a time (no cap: memory stays one page), in
//! one of two dialects: plain CSV (comma, decimal point) or what Swedish Excel opens as
//! columns (semicolon, decimal comma, a UTF-8 byte-order mark so å/ä/ö survive).

use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use super::extract::SignedIn;
use super::filters::{Log, names};
use super::i18n::Lang;
use super::page::Page;
use crate::domain::CompanyId;
use crate::error::AppError;

/// Rows fetched per keyset page of an export.
pub const PAGE: i64 = 1_000;

/// Which dialect a download is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Comma-separated, decimal point, no byte-order mark.
    Plain,
    /// Semicolon-separated, decimal comma, with a UTF-8 byte-order mark.
    Excel,
}

impl Dialect {
    /// `?format=excel` or `?format=csv` when the page's choice was used, else by the
    /// reader's language: Swedish Excel expects semicolons.
    pub fn choose(format: Option<&str>, lang: Lang) -> Self {
        match format.map(str::trim) {
            Some("excel") => Self::Excel,
            Some("csv") => Self::Plain,
            _ if lang == Lang::Sv => Self::Excel,
            _ => Self::Plain,
        }
    }

    fn separator(self) -> &'static str {
        match self {
            Self::Plain => ",",
            Self::Excel => ";",
        }
    }

    /// A decimal amount as written by `Money::to_decimal_string` (`1234.50`), in this
    /// dialect.
    pub fn decimal(self, amount: String) -> String {
        match self {
            Self::Plain => amount,
            Self::Excel => amount.replace('.', ","),
        }
    }

    /// One line of quoted, formula-safe cells.
    pub fn line(self, cells: &[String]) -> String {
        let mut out = cells
            .iter()
            .map(|v| cell(v))
            .collect::<Vec<_>>()
            .join(self.separator());
        out.push_str("\r\n");
        out
    }

    /// The header line (plain names, not quoted), after the byte-order mark if any.
    fn header(self, names: &[&str]) -> String {
        let bom = match self {
            Self::Plain => "",
            Self::Excel => "\u{feff}",
        };
        format!("{bom}{}\r\n", names.join(self.separator()))
    }
}

/// One CSV cell: quoted, and prefixed with `'` if it starts like a formula.
pub fn cell(value: &str) -> String {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let v = if risky {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// One keyset page of an export: its rows as cells, and the cursor of the next page.
pub type Chunk<C> = (Vec<Vec<String>>, Option<C>);

/// A `text/csv` attachment streamed page by page: `first` is already fetched (so a
/// refusal is an error page, not a broken download), then `fetch` is called with each
/// next cursor until a page has none. A failure mid-way ends the download early (the
/// client sees an incomplete transfer, never a silently short file) and is logged.
pub fn streamed<C, F, Fut>(
    filename: &str,
    dialect: Dialect,
    header_names: &[&str],
    first: Chunk<C>,
    fetch: F,
) -> HttpResponse
where
    C: 'static,
    F: FnMut(C) -> Fut + 'static,
    Fut: Future<Output = Result<Chunk<C>, AppError>> + 'static,
{
    let (rows, next) = first;
    let mut head = dialect.header(header_names);
    for r in &rows {
        head.push_str(&dialect.line(r));
    }
    let rest = futures_util::stream::unfold((next, fetch), move |(cursor, mut fetch)| async move {
        let cursor = cursor?;
        match fetch(cursor).await {
            Ok((rows, next)) => {
                let mut out = String::new();
                for r in &rows {
                    out.push_str(&dialect.line(r));
                }
                Some((Ok(Bytes::from(out)), (next, fetch)))
            }
            Err(e) => {
                tracing::error!(error = %e, "CSV export failed mid-way");
                Some((Err(std::io::Error::other(e.to_string())), (None, fetch)))
            }
        }
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
            .chain(rest);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// A CSV column: its header and how a row writes its cell, given the companies' names.
pub type Column<R> = (&'static str, fn(&R, &HashMap<CompanyId, String>) -> String);

/// All of a log that `f` matches (whatever page it was on), newest first, in `columns`.
pub async fn log_export<L: Log>(
    s: SignedIn,
    f: L,
    filename: &str,
    dialect: Dialect,
    columns: &'static [Column<L::Row>],
) -> Page {
    let names = Rc::new(names(&s).await?);
    let (state, principal) = (s.state, s.principal);
    // A keyset page at a time: each page starts below the last id.
    let fetch = move |before: Option<i64>| {
        let (state, principal, names) = (state.clone(), principal.clone(), names.clone());
        let f = f.clone().below(before);
        async move {
            let rows = f.read(&state, (&principal).into(), PAGE).await?;
            let full = rows.len() as i64 == PAGE;
            let next = rows.last().filter(|_| full).map(|r| Some(L::id(r)));
            let cells = |r: &L::Row| columns.iter().map(|(_, cell)| cell(r, &names)).collect();
            Ok::<_, AppError>((rows.iter().map(cells).collect(), next))
        }
    };
    let first = fetch(None).await?;
    let header: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    Ok(streamed(filename, dialect, &header, first, fetch))
}

#[cfg(test)]
mod tests {
    use super::{Dialect, Lang, cell};

    #[test]
    fn cells_are_quoted_and_formula_safe() {
        for (value, written) in [
            ("plain", "\"plain\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "\"'+1\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("-2", "\"'-2\""),
        ] {
            assert_eq!(cell(value), written, "{value}");
        }
    }

    #[test]
    fn dialects() {
        assert_eq!(Dialect::choose(None, Lang::Sv), Dialect::Excel);
        assert_eq!(Dialect::choose(None, Lang::En), Dialect::Plain);
        assert_eq!(Dialect::choose(Some("csv"), Lang::Sv), Dialect::Plain);
        assert_eq!(Dialect::choose(Some("excel"), Lang::En), Dialect::Excel);
        let cells = ["Åsa".to_owned(), Dialect::Excel.decimal("399.50".into())];
        assert_eq!(Dialect::Excel.line(&cells), "\"Åsa\";\"399,50\"\r\n");
        assert_eq!(Dialect::Plain.line(&cells[..1]), "\"Åsa\"\r\n");
        assert_eq!(Dialect::Excel.header(&["a", "b"]), "\u{feff}a;b\r\n");
        assert_eq!(Dialect::Plain.header(&["a", "b"]), "a,b\r\n");
    }
}
