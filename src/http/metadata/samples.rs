//! The metadata pages' sample bodies, written from the description as ServiceStack shows
//! them: placeholder values (the empty Guid, `String`, the enum's first value, `false`),
//! DataContract XML with members in alphabetical order, and JSON leaving out a
//! non-nullable Guid at its default (BokaMera's Guid serializer does; bokamera-api.md §6.1).

use std::fmt::Write;

use crate::http::api::describe::{DATACONTRACT_BASE, Dto, Member, Operation, Ty};
use crate::http::api::format::Format;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn placeholder(m: &Member) -> String {
    match m.ty {
        Ty::Guid => NIL.to_owned(),
        Ty::String => "String".to_owned(),
        Ty::Bool => "false".to_owned(),
        Ty::Enum(e) => e.values[0].to_owned(),
    }
}

pub fn xml(d: &Dto) -> String {
    let mut members: Vec<&Member> = d.members.iter().collect();
    members.sort_by(|a, b| a.name.cmp(b.name));
    let mut out = format!(
        "<{} xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns=\"{DATACONTRACT_BASE}{}\">\n",
        d.name, d.namespace
    );
    for m in members {
        let _ = writeln!(out, "  <{0}>{1}</{0}>", m.name, placeholder(m));
    }
    let _ = write!(out, "</{}>", d.name);
    out
}

pub fn json(d: &Dto) -> String {
    let map: serde_json::Map<String, serde_json::Value> = d
        .members
        .iter()
        .filter(|m| m.ty != Ty::Guid || m.nullable)
        .map(|m| {
            let v = match m.ty {
                Ty::Bool => serde_json::Value::Bool(false),
                _ => serde_json::Value::String(placeholder(m)),
            };
            (m.name.to_owned(), v)
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The sample exchange: request line and headers, body, then the response.
pub fn http(op: &Operation, format: Format, host: &str) -> (String, String) {
    let (mime, body_of): (&str, fn(&Dto) -> String) = match format {
        Format::Json => ("application/json", json),
        Format::Xml => ("application/xml", xml),
    };
    let route = &op.routes[0];
    let request = format!(
        "{} {} HTTP/1.1 \nHost: {host} \nAccept: {mime}\nContent-Type: {mime}\nContent-Length: length\n\n{}",
        route.verb.name(),
        route.path,
        body_of(&op.request)
    );
    let response = format!(
        "HTTP/1.1 200 OK\nContent-Type: {mime}\nContent-Length: length\n\n{}",
        body_of(op.response)
    );
    (request, response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::api::describe::operation;

    #[test]
    fn json_samples_are_bokameras() {
        let op = operation("SendCheckoutPaymentRequest").expect("described");
        assert_eq!(
            json(&op.request),
            r#"{"CompanyId":"00000000-0000-0000-0000-000000000000"}"#
        );
        assert_eq!(json(op.response), r#"{"Snippet":"String","Status":"None"}"#);
    }
}
