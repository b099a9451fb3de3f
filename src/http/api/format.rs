//! Response format selection, strongest first as ServiceStack does it:
//! `?format=`, then the route (`.json`/`.xml` suffix, `/xml/reply/…`), then `Accept`.

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "application/xml; charset=utf-8",
        }
    }

    fn parse_name(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Self::Json),
            "xml" => Some(Self::Xml),
            _ => None,
        }
    }
}

/// Picks the response format. `query_format` is `?format=`, `route_format` what the
/// route itself implies, `accept` the `Accept` header.
pub fn negotiate(
    query_format: Option<&str>,
    route_format: Option<Format>,
    accept: Option<&str>,
) -> Result<Format, AppError> {
    if let Some(f) = query_format.filter(|f| !f.trim().is_empty()) {
        return Format::parse_name(f).ok_or(AppError::NotAcceptable);
    }
    if let Some(f) = route_format {
        return Ok(f);
    }
    from_accept(accept.unwrap_or(""))
}

/// Chooses by q-value; a tie, `*/*` or no `Accept` at all means JSON.
fn from_accept(accept: &str) -> Result<Format, AppError> {
    if accept.trim().is_empty() {
        return Ok(Format::Json);
    }
    let ranges: Vec<(String, f32)> = accept.split(',').filter_map(parse_range).collect();
    let json = quality(&ranges, &["application/json", "text/json"]);
    let xml = quality(&ranges, &["application/xml", "text/xml"]);
    match (json, xml) {
        (j, x) if j <= 0.0 && x <= 0.0 => Err(AppError::NotAcceptable),
        (j, x) if x > j => Ok(Format::Xml),
        _ => Ok(Format::Json),
    }
}

fn parse_range(part: &str) -> Option<(String, f32)> {
    let mut pieces = part.split(';');
    let media = pieces.next()?.trim().to_ascii_lowercase();
    if media.is_empty() {
        return None;
    }
    let mut q = 1.0f32;
    for p in pieces {
        if let Some((k, v)) = p.split_once('=')
            && k.trim().eq_ignore_ascii_case("q")
        {
            q = v
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
        }
    }
    Some((media, q))
}

/// The q-value of the most specific range matching any of `types` (RFC 9110 §12.5.1).
fn quality(ranges: &[(String, f32)], types: &[&str]) -> f32 {
    types
        .iter()
        .map(|t| {
            let (major, _) = t.split_once('/').unwrap_or((t, ""));
            let mut best: Option<(u8, f32)> = None;
            for (range, q) in ranges {
                let specificity = if range == t {
                    3
                } else if range.strip_suffix("/*") == Some(major) {
                    2
                } else if range == "*/*" {
                    1
                } else {
                    continue;
                };
                if best.is_none_or(|(s, _)| specificity > s) {
                    best = Some((specificity, *q));
                }
            }
            best.map_or(0.0, |(_, q)| q)
        })
        .fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(q: Option<&str>, r: Option<Format>, a: Option<&str>) -> Option<Format> {
        negotiate(q, r, a).ok()
    }

    #[test]
    fn precedence_query_then_route_then_accept() {
        use Format::*;
        assert_eq!(
            n(Some("xml"), Some(Json), Some("application/json")),
            Some(Xml)
        );
        assert_eq!(n(Some("JSON"), Some(Xml), None), Some(Json));
        assert_eq!(n(None, Some(Xml), Some("application/json")), Some(Xml));
        assert_eq!(n(None, None, Some("application/xml")), Some(Xml));
        assert_eq!(n(None, None, None), Some(Json));
        assert_eq!(n(None, None, Some("*/*")), Some(Json));
        assert_eq!(n(Some("csv"), None, None), None);
    }

    #[test]
    fn accept_q_values() {
        use Format::*;
        assert_eq!(
            n(None, None, Some("application/json;q=0.5, application/xml")),
            Some(Xml)
        );
        assert_eq!(
            n(
                None,
                None,
                Some("application/xml;q=0.4, application/json;q=0.9")
            ),
            Some(Json)
        );
        assert_eq!(n(None, None, Some("text/xml")), Some(Xml));
        assert_eq!(n(None, None, Some("text/html, */*;q=0.1")), Some(Json));
        assert_eq!(
            n(
                None,
                None,
                Some("application/*;q=0.2, application/json;q=0")
            ),
            Some(Xml)
        );
        assert_eq!(n(None, None, Some("text/html")), None);
        assert_eq!(
            n(
                None,
                None,
                Some("application/json;q=0, application/xml;q=0")
            ),
            None
        );
        assert_eq!(n(None, None, Some("*/*;q=0")), None);
    }
}
