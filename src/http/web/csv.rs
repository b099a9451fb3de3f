//! CSV downloads: quoted cells, neutralised when a spreadsheet would run them as formulas.

use actix_web::HttpResponse;
use actix_web::http::header;

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

/// A `text/csv` attachment with `header` (already a CSV line) and one line per row.
pub fn response(
    filename: &str,
    header_line: &str,
    rows: impl IntoIterator<Item = Vec<String>>,
) -> HttpResponse {
    let mut out = format!("{header_line}\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("plain"), "\"plain\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "\"'+1\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("-2"), "\"'-2\"");
    }
}
