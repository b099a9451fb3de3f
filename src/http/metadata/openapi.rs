//! The OpenAPI 3.1 document at `/openapi.json`, built from the operation description: the
//! operations' own routes and verbs, PascalCase DTO schemas, the status enum, bearer and
//! `x-api-key` security, ServiceStack's `ErrorResponse` for every error status the
//! handlers can answer.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::http::api::describe::{self, Auth, Dto, Location, Member, Operation, STATUS, Ty};
use crate::state::AppState;

fn member_schema(m: &Member) -> Value {
    let mut s = match m.ty {
        Ty::Guid => json!({"type": "string", "format": "uuid"}),
        Ty::String => json!({"type": "string"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Enum(e) => json!({"$ref": format!("#/components/schemas/{}", e.name)}),
    };
    if m.nullable
        && let Some(t) = s.get("type").cloned()
    {
        s["type"] = json!([t, "null"]);
    }
    if !m.description.is_empty() {
        s["description"] = json!(m.description);
    }
    s
}

fn object_schema<'a>(members: impl Iterator<Item = &'a Member>, additional: bool) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for m in members {
        props.insert(m.name.to_owned(), member_schema(m));
        if m.required {
            required.push(m.name);
        }
    }
    let mut s = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    if !additional {
        s["additionalProperties"] = json!(false);
    }
    s
}

/// A response DTO: what the renderer always writes is required (`Id`, `Status`, `Success`…);
/// a string may be left out when it is null.
fn response_schema(d: &Dto) -> Value {
    let mut s = object_schema(d.members.iter(), true);
    let required: Vec<&str> = d
        .members
        .iter()
        .filter(|m| m.ty != Ty::String || d.name == "IpnCallBackResponse")
        .map(|m| m.name)
        .collect();
    s["required"] = json!(required);
    s
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn reason(status: u16) -> &'static str {
    actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

fn operation(op: &Operation) -> Value {
    let route = &op.routes[0];
    let in_location = |loc: Location| op.request.members.iter().filter(move |m| m.location == loc);
    let mut parameters = Vec::new();
    for (loc, name) in [(Location::Path, "path"), (Location::Query, "query")] {
        for m in in_location(loc) {
            let mut schema = member_schema(m);
            schema.as_object_mut().map(|o| o.remove("description"));
            parameters.push(json!({
                "name": m.name, "in": name, "required": m.required || loc == Location::Path,
                "description": m.description, "schema": schema,
            }));
        }
    }
    let mut responses = Map::new();
    for &status in op.statuses {
        let body = if status == 200 {
            reference(op.response.name)
        } else if op.auth == Auth::None {
            // Payson's notification always answers its own DTO, success or not.
            reference(op.response.name)
        } else {
            reference("ErrorResponse")
        };
        responses.insert(
            status.to_string(),
            json!({"description": reason(status), "content": json_content(body)}),
        );
    }
    let mut o = json!({
        "operationId": op.name,
        "summary": op.summary,
        "description": route.notes,
        "parameters": parameters,
        "responses": responses,
    });
    let body: Vec<&Member> = in_location(Location::Body).collect();
    if !body.is_empty() {
        o["requestBody"] = json!({
            "required": false,
            "content": json_content(object_schema(body.into_iter(), false)),
        });
    }
    match &op.auth {
        Auth::Roles(roles) => {
            o["security"] = json!([{"bearer": []}, {"bearer": [], "apiKey": []}]);
            o["x-required-roles"] = json!(roles);
        }
        Auth::None => o["security"] = json!([]),
    }
    o
}

pub fn document(title: &str, server: &str) -> Value {
    let mut paths = Map::new();
    for op in describe::OPERATIONS.iter() {
        let route = &op.routes[0];
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.verb.name().to_ascii_lowercase()] = operation(op);
    }
    let mut schemas = Map::new();
    for op in describe::OPERATIONS.iter() {
        schemas.insert(
            op.request.name.to_owned(),
            object_schema(op.request.members.iter(), true),
        );
        schemas.insert(op.response.name.to_owned(), response_schema(op.response));
    }
    schemas.insert(
        STATUS.name.to_owned(),
        json!({"type": "string", "enum": STATUS.values}),
    );
    schemas.insert(
        "ResponseError".into(),
        json!({"type": "object", "required": ["ErrorCode", "FieldName", "Message"], "properties": {
            "ErrorCode": {"type": "string"}, "FieldName": {"type": "string"}, "Message": {"type": "string"},
            "Meta": {"type": "object", "additionalProperties": {"type": "string"}}}}),
    );
    schemas.insert(
        "ResponseStatus".into(),
        json!({"type": "object", "required": ["ErrorCode", "Message", "Errors"], "properties": {
            "ErrorCode": {"type": "string"}, "Message": {"type": "string"},
            "Errors": {"type": "array", "items": reference("ResponseError")},
            "Meta": {"type": "object", "additionalProperties": {"type": "string"}}}}),
    );
    schemas.insert(
        "ErrorResponse".into(),
        json!({"type": "object", "required": ["ResponseStatus"],
            "properties": {"ResponseStatus": reference("ResponseStatus")}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": "BokaMera-compatible Payson Checkout 2.0 operations. Every operation also answers DataContract XML (Accept: application/xml, a .xml suffix or ?format=xml) and ServiceStack's predefined routes /json/reply/{Op}, /xml/reply/{Op} and /api/{Op}; see /metadata.",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token issued by the desk, or the identity provider's JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key", "description": "The company's API key"},
            },
        },
    })
}

pub async fn document_handler(state: web::Data<AppState>) -> HttpResponse {
    let doc = document(
        &state.settings.api.metadata_header,
        state.settings.public_url.trim_end_matches('/'),
    );
    HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .body(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_member_is_described() {
        let doc = document("t", "http://x");
        assert_eq!(doc["openapi"], "3.1.0");
        for op in describe::OPERATIONS.iter() {
            let r = &op.routes[0];
            let o = &doc["paths"][r.path][r.verb.name().to_ascii_lowercase()];
            assert_eq!(o["operationId"], op.name);
            for s in op.statuses {
                assert!(
                    o["responses"].get(s.to_string()).is_some(),
                    "{} {s}",
                    op.name
                );
            }
            for m in &op.request.members {
                assert!(
                    doc["components"]["schemas"][op.request.name]["properties"]
                        .get(m.name)
                        .is_some()
                );
            }
        }
        assert_eq!(
            doc["components"]["schemas"]["Payson2CheckoutStatus"]["enum"][5],
            "ReadyToShip"
        );
    }
}
