//! ServiceStack-style request binding: a DTO's fields come from the path, the query
//! string and the body (JSON in any key casing, DataContract XML, form-urlencoded, or
//! nothing). A path variable wins over the body, and the body over the query string.
//! Members the DTO does not have are ignored; a member whose value cannot be a value of
//! its field (an array, an element, a bad %-escape) is remembered as a problem, and
//! `Fields::check` turns it into a 400 naming the field, unless a later source
//! replaced it.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::AppError;

/// Raw field values by lower-cased name; `None` is an explicit null/nil.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields {
    values: HashMap<String, Option<String>>,
    /// Members whose value could not be read, with why.
    problems: HashMap<String, &'static str>,
}

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Option<String>> {
        self.values.get(&name.to_ascii_lowercase())
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        let key = name.to_ascii_lowercase();
        self.problems.remove(&key);
        self.values.insert(key, value);
    }

    fn problem(&mut self, name: &str, why: &'static str) {
        let key = name.to_ascii_lowercase();
        self.values.remove(&key);
        self.problems.insert(key, why);
    }

    /// Fields of `other` replace ours (its problems too).
    pub fn overlay(mut self, other: Fields) -> Fields {
        for (k, v) in other.values {
            self.problems.remove(&k);
            self.values.insert(k, v);
        }
        for (k, why) in other.problems {
            self.values.remove(&k);
            self.problems.insert(k, why);
        }
        self
    }

    /// Rule 3: the first of the DTO's `members` whose value could not be read is a 400
    /// naming it. Problems of members the DTO does not have are ignored, as the members are.
    pub fn check(&self, members: &[&'static str]) -> Result<(), AppError> {
        for name in members {
            if let Some(why) = self.problems.get(&name.to_ascii_lowercase()) {
                return Err(AppError::invalid(
                    name,
                    "InvalidFormat",
                    format!("'{name}' could not be read: {why}"),
                ));
            }
        }
        Ok(())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Fields {
        let mut f = Fields::default();
        for (k, v) in pairs {
            f.set(k, Some(v.to_owned()));
        }
        f
    }
}

/// Parses the query string (`a=1&b=2`); a pair that does not decode is a problem of
/// its member.
pub fn query_fields(query: &str) -> Result<Fields, AppError> {
    Ok(urlencoded_fields(query.as_bytes()))
}

/// `application/x-www-form-urlencoded`, strictly: `+` is a space, `%` must be followed by
/// two hex digits, and what it decodes to must be UTF-8.
fn urlencoded_fields(raw: &[u8]) -> Fields {
    let mut f = Fields::default();
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        let name = match percent_decode(k) {
            Ok(name) => name,
            // The member cannot be named exactly; its readable part still names it.
            Err(_) => String::from_utf8_lossy(k).into_owned(),
        };
        match percent_decode(v) {
            Ok(value) => f.set(&name, Some(value)),
            Err(why) => f.problem(&name, why),
        }
    }
    f
}

fn percent_decode(raw: &[u8]) -> Result<String, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or("a '%' escape is cut short")?;
                let s = std::str::from_utf8(hex).map_err(|_| "a '%' escape is not hex")?;
                out.push(u8::from_str_radix(s, 16).map_err(|_| "a '%' escape is not hex")?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "it does not decode to UTF-8")
}

/// Parses a request body by its `Content-Type` (sniffed when absent).
pub fn body_fields(content_type: Option<&str>, body: &[u8], dto: &str) -> Result<Fields, AppError> {
    let is_form = content_type.is_some_and(|c| {
        c.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if is_form {
        // Read as bytes: a value that is not UTF-8 names its member.
        return Ok(urlencoded_fields(body.trim_ascii()));
    }
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
        Kind::Form => Ok(urlencoded_fields(text.trim().as_bytes())),
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
        match v {
            serde_json::Value::Null => f.set(&k, None),
            serde_json::Value::String(s) => f.set(&k, Some(s)),
            // A number or bool is kept as text so the field's own parser names the field.
            serde_json::Value::Number(n) => f.set(&k, Some(n.to_string())),
            serde_json::Value::Bool(b) => f.set(&k, Some(b.to_string())),
            serde_json::Value::Array(_) => f.problem(&k, "an array is not a value"),
            serde_json::Value::Object(_) => f.problem(&k, "an object is not a value"),
        }
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
    let mut current: Option<(String, String, Nested)> = None; // (name, text, what else)
    loop {
        let event = reader.read_event().map_err(|e| bad(e.to_string()))?;
        // `<Field>…</Field>` opens a level; `<Field/>` is whole where it stands.
        let opens = matches!(event, Event::Start(_));
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
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                // The element's own level: 1 the root, 2 a field, 3 inside a field.
                let level = depth + 1;
                if opens {
                    depth = level;
                }
                match level {
                    1 => {
                        root_seen = true;
                        if !name.eq_ignore_ascii_case(dto) {
                            return Err(bad(format!(
                                "the root element must be <{dto}>, not <{name}>"
                            )));
                        }
                    }
                    2 if opens => current = Some((name, String::new(), is_nil(&e)?)),
                    2 => {
                        let nil = is_nil(&e)? == Nested::Nil;
                        fields.set(&name, if nil { None } else { Some(String::new()) });
                    }
                    3 => nested_in_field(&mut current),
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some((_, buf, _)) = current.as_mut().filter(|_| depth == 2) {
                    buf.push_str(&t.xml10_content());
                } else if depth < 3 && !t.xml10_content().trim().is_empty() {
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
                    if nil == Nested::Element {
                        fields.problem(&name, "an element is not a value");
                    } else {
                        fields.set(&name, (nil == Nested::No).then_some(value));
                    }
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

/// What a field element held besides text: nothing, `i:nil`, or an element (a value
/// of the wrong type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nested {
    No,
    Nil,
    Element,
}

fn nested_in_field(current: &mut Option<(String, String, Nested)>) {
    if let Some((_, _, n)) = current.as_mut() {
        *n = Nested::Element;
    }
}

/// `i:nil="true"` (any prefix bound to XMLSchema-instance; the prefix is not checked).
fn is_nil(e: &quick_xml::events::BytesStart<'_>) -> Result<Nested, AppError> {
    for a in e.attributes() {
        let a = a.map_err(|err| {
            AppError::BadRequest(format!("The XML body could not be read: {err}"))
        })?;
        if a.key.local_name().as_ref() == "nil" && a.value.trim() == "true" {
            return Ok(Nested::Nil);
        }
    }
    Ok(Nested::No)
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

    fn field_named(r: Result<(), AppError>) -> Option<&'static str> {
        match r {
            Err(AppError::Validation(v)) => Some(v.field),
            _ => None,
        }
    }

    #[test]
    fn values_of_the_wrong_type_name_their_member_unless_replaced() {
        let members = ["CompanyId", "Id"];
        let f = body_fields(
            Some("application/json"),
            br#"{"Id":[1,2],"Extra":{"a":1}}"#,
            "D",
        )
        .unwrap();
        assert_eq!(field_named(f.check(&members)), Some("Id"));
        // A path value wins over the body, problems included.
        let f = f.overlay(Fields::from_pairs([("Id", "x")]));
        assert!(f.check(&members).is_ok());
        let xml = b"<D><CompanyId><Guid>1</Guid></CompanyId><Id>a</Id></D>";
        let f = body_fields(Some("application/xml"), xml, "D").unwrap();
        assert_eq!(field_named(f.check(&members)), Some("CompanyId"));
        assert_eq!(get(&f, "Id"), Some(Some("a".into())));
        let form = Some("application/x-www-form-urlencoded");
        for body in [
            &b"Id=%zz"[..],
            b"Id=%4",
            b"Id=%FF%FE",
            b"Id=\xff",
            b"CompanyId=1&Id=a%",
        ] {
            let f = body_fields(form, body, "D").unwrap();
            assert_eq!(field_named(f.check(&members)), Some("Id"), "{body:?}");
        }
        let f = body_fields(form, b"Other=%zz&Id=a+b%2B", "D").unwrap();
        assert!(f.check(&members).is_ok(), "unknown members are ignored");
        assert_eq!(get(&f, "id"), Some(Some("a b+".into())));
        let q = query_fields("CompanyId=%G0").unwrap();
        assert_eq!(field_named(q.check(&members)), Some("CompanyId"));
    }
}
