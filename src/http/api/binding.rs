//! ServiceStack-style request binding: a DTO's fields come from the path, the query
//! string and the body (JSON in any key casing, DataContract XML, form-urlencoded, or
//! nothing). A path variable wins over the body, and the body over the query string.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::AppError;

/// Raw field values by lower-cased name; `None` is an explicit null/nil.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields(HashMap<String, Option<String>>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Option<String>> {
        self.0.get(&name.to_ascii_lowercase())
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        self.0.insert(name.to_ascii_lowercase(), value);
    }

    /// Fields of `other` replace ours.
    pub fn overlay(mut self, other: Fields) -> Fields {
        self.0.extend(other.0);
        self
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Fields {
        let mut f = Fields::default();
        for (k, v) in pairs {
            f.set(k, Some(v.to_owned()));
        }
        f
    }
}

/// Parses the query string (`a=1&b=2`).
pub fn query_fields(query: &str) -> Result<Fields, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| AppError::BadRequest("The query string could not be read".into()))?;
    Ok(Fields::from_pairs(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// Parses a request body by its `Content-Type` (sniffed when absent).
pub fn body_fields(content_type: Option<&str>, body: &[u8], dto: &str) -> Result<Fields, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::BadRequest("The request body is not UTF-8".into()))?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Ok(Fields::default());
    }
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let kind = match mime.as_deref() {
        Some("application/json" | "text/json") => Kind::Json,
        Some(m) if m.ends_with("+json") => Kind::Json,
        Some("application/xml" | "text/xml") => Kind::Xml,
        Some(m) if m.ends_with("+xml") => Kind::Xml,
        Some("application/x-www-form-urlencoded") => Kind::Form,
        Some(other) => return Err(AppError::UnsupportedMediaType(other.to_owned())),
        // No Content-Type: guess from the first character, as lenient clients expect.
        None => match text.trim_start().chars().next() {
            Some('{') => Kind::Json,
            Some('<') => Kind::Xml,
            _ => Kind::Form,
        },
    };
    match kind {
        Kind::Json => json_fields(text),
        Kind::Xml => xml_fields(text, dto),
        Kind::Form => query_fields(text.trim()),
    }
}

enum Kind {
    Json,
    Xml,
    Form,
}

fn json_fields(text: &str) -> Result<Fields, AppError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::BadRequest(format!("The JSON body could not be read: {e}")))?;
    let obj = match value {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Null => return Ok(Fields::default()),
        _ => {
            return Err(AppError::BadRequest(
                "The JSON body must be an object".into(),
            ));
        }
    };
    let mut f = Fields::default();
    for (k, v) in obj {
        let v = match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            // A number or bool is kept as text so the field's own parser names the field.
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => Some(format!("{v}")),
        };
        f.set(&k, v);
    }
    Ok(f)
}

/// Reads DataContract XML: `<Dto xmlns=…><Field>value</Field>…</Dto>`. Namespaces are
/// accepted but not required; a DTD is refused outright, so no entity can expand.
fn xml_fields(text: &str, dto: &str) -> Result<Fields, AppError> {
    let bad = |m: String| AppError::BadRequest(format!("The XML body could not be read: {m}"));
    let mut reader = Reader::from_str(text);
    let mut fields = Fields::default();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut current: Option<(String, String, bool)> = None; // (name, text, nil)
    loop {
        let event = reader.read_event().map_err(|e| bad(e.to_string()))?;
        match event {
            Event::DocType(_) => {
                return Err(AppError::BadRequest(
                    "XML with a DTD is not accepted".into(),
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Start(e) | Event::Empty(e) if depth == 0 && root_seen => {
                let _ = e;
                return Err(bad("more than one root element".into()));
            }
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                depth += 1;
                if depth == 1 {
                    root_seen = true;
                    if !name.eq_ignore_ascii_case(dto) {
                        return Err(bad(format!(
                            "the root element must be <{dto}>, not <{name}>"
                        )));
                    }
                } else if depth == 2 {
                    current = Some((name, String::new(), is_nil(&e)?));
                }
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                if depth == 0 {
                    root_seen = true;
                    if !name.eq_ignore_ascii_case(dto) {
                        return Err(bad(format!(
                            "the root element must be <{dto}>, not <{name}>"
                        )));
                    }
                } else if depth == 1 {
                    let nil = is_nil(&e)?;
                    fields.set(&name, if nil { None } else { Some(String::new()) });
                }
            }
            Event::Text(t) => {
                if let Some((_, buf, _)) = current.as_mut().filter(|_| depth == 2) {
                    buf.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(bad("unexpected text".into()));
                }
            }
            Event::CData(t) => {
                if let Some((_, buf, _)) = current.as_mut().filter(|_| depth == 2) {
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(|e| bad(e.to_string()))? {
                    Some(c) => c,
                    None => match &*r.into_inner() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(bad(format!("unknown entity &{other};"))),
                    },
                };
                if let Some((_, buf, _)) = current.as_mut().filter(|_| depth == 2) {
                    buf.push(ch);
                }
            }
            Event::End(_) => {
                if depth == 2
                    && let Some((name, value, nil)) = current.take()
                {
                    fields.set(&name, if nil { None } else { Some(value) });
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
        }
    }
    if !root_seen || depth != 0 {
        return Err(bad("the document is incomplete".into()));
    }
    Ok(fields)
}

/// `i:nil="true"` (any prefix bound to XMLSchema-instance; the prefix is not checked).
fn is_nil(e: &quick_xml::events::BytesStart<'_>) -> Result<bool, AppError> {
    for a in e.attributes() {
        let a = a.map_err(|err| {
            AppError::BadRequest(format!("The XML body could not be read: {err}"))
        })?;
        if a.key.local_name().as_ref() == "nil" && a.value.trim() == "true" {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"<SendCheckoutPaymentRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/BokaMera.API.ServiceModel.Dtos">
  <CompanyId>00000000-0000-0000-0000-000000000000</CompanyId>
  <Id>00000000-0000-0000-0000-000000000000</Id>
</SendCheckoutPaymentRequest>"#;

    fn get(f: &Fields, k: &str) -> Option<Option<String>> {
        f.get(k).cloned()
    }

    #[test]
    fn reads_the_seed_xml() {
        let f = body_fields(
            Some("application/xml"),
            SEED.as_bytes(),
            "SendCheckoutPaymentRequest",
        )
        .unwrap();
        assert_eq!(
            get(&f, "Id"),
            Some(Some("00000000-0000-0000-0000-000000000000".into()))
        );
        assert_eq!(
            get(&f, "companyid"),
            Some(Some("00000000-0000-0000-0000-000000000000".into()))
        );
    }

    #[test]
    fn xml_nil_entities_and_refusals() {
        let dto = "SendCheckoutPaymentRequest";
        let x = r#"<SendCheckoutPaymentRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><CompanyId i:nil="true" /><Id>&#x61;bc&amp;</Id></SendCheckoutPaymentRequest>"#;
        let f = body_fields(Some("text/xml"), x.as_bytes(), dto).unwrap();
        assert_eq!(get(&f, "CompanyId"), Some(None));
        assert_eq!(get(&f, "Id"), Some(Some("abc&".into())));
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><SendCheckoutPaymentRequest><Id>&lol2;</Id></SendCheckoutPaymentRequest>"#;
        assert!(matches!(
            body_fields(Some("application/xml"), bomb.as_bytes(), dto),
            Err(AppError::BadRequest(_))
        ));
        let ext = r#"<SendCheckoutPaymentRequest><Id>&xxe;</Id></SendCheckoutPaymentRequest>"#;
        assert!(body_fields(Some("application/xml"), ext.as_bytes(), dto).is_err());
        assert!(body_fields(Some("application/xml"), b"<Other/>", dto).is_err());
        assert!(
            body_fields(
                Some("application/xml"),
                b"<SendCheckoutPaymentRequest><Id>",
                dto
            )
            .is_err()
        );
    }

    #[test]
    fn json_any_casing_and_form_and_sniffing() {
        let f = body_fields(
            Some("application/json; charset=utf-8"),
            br#"{"ID":"x","companyId":null}"#,
            "D",
        )
        .unwrap();
        assert_eq!(get(&f, "id"), Some(Some("x".into())));
        assert_eq!(get(&f, "CompanyId"), Some(None));
        let f = body_fields(
            Some("application/x-www-form-urlencoded"),
            b"Id=a%2Db&CompanyId=",
            "D",
        )
        .unwrap();
        assert_eq!(get(&f, "id"), Some(Some("a-b".into())));
        assert_eq!(get(&f, "companyid"), Some(Some(String::new())));
        assert_eq!(body_fields(None, b"", "D").unwrap(), Fields::default());
        assert!(
            body_fields(None, br#"{"Id":"1"}"#, "D")
                .unwrap()
                .get("id")
                .is_some()
        );
        assert!(matches!(
            body_fields(Some("application/json"), b"{nope", "D"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            body_fields(Some("application/json"), b"[1]", "D"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            body_fields(Some("text/plain"), b"x", "D"),
            Err(AppError::UnsupportedMediaType(_))
        ));
    }
}
