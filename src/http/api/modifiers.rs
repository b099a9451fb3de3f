//! ServiceStack's per-request JSON modifiers, applied to whatever JSON an API route
//! answers (responses and `ErrorResponse`s alike): `?jsconfig=` (member-name casing,
//! excluding default values) and `?callback=` (JSONP). They rewrite the rendered body, so
//! the renderers keep one shape and every operation gets the same behaviour.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use serde_json::Value;

use super::binding::query_fields;

/// ServiceStack's `JsConfig.TextCase` for member names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextCase {
    #[default]
    Pascal,
    Camel,
    Snake,
}

/// The parts of `?jsconfig=` this server honours; other keys are ignored, as
/// ServiceStack ignores keys it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JsConfig {
    pub text_case: TextCase,
    pub exclude_default_values: bool,
}

impl JsConfig {
    /// Reads `key[:value],key[:value]…` as `JsConfig.CreateScope` does: keys and values
    /// case-insensitive, a bare key or any value but `false`/`0` meaning true.
    pub fn parse(s: &str) -> Self {
        let mut cfg = Self::default();
        for item in s.split(',') {
            let (key, value) = match item.split_once(':') {
                Some((k, v)) => (k, Some(v.trim().to_ascii_lowercase())),
                None => (item, None),
            };
            let on = !matches!(value.as_deref(), Some("false" | "0"));
            match key.trim().to_ascii_lowercase().as_str() {
                "edv" | "excludedefaultvalues" => cfg.exclude_default_values = on,
                "eccn" | "emitcamelcasenames" if on => cfg.text_case = TextCase::Camel,
                "epcn" | "emitpascalcasenames" if on => cfg.text_case = TextCase::Pascal,
                "elun" | "emitlowercaseunderscorenames" if on => cfg.text_case = TextCase::Snake,
                "tc" | "textcase" => match value.as_deref() {
                    Some("d" | "default" | "pc" | "pascalcase") => cfg.text_case = TextCase::Pascal,
                    Some("cc" | "camelcase") => cfg.text_case = TextCase::Camel,
                    Some("sc" | "snakecase") => cfg.text_case = TextCase::Snake,
                    _ => {}
                },
                _ => {}
            }
        }
        cfg
    }

    pub fn is_default(self) -> bool {
        self == Self::default()
    }

    /// Rewrites a rendered document. Dictionary members (`Meta`) keep their keys: they are
    /// data, not property names.
    pub fn apply(self, v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !(self.exclude_default_values && is_default_value(v)))
                    .map(|(k, v)| {
                        let v = if k == "Meta" { v } else { self.apply(v) };
                        (rename(&k, self.text_case), v)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            other => other,
        }
    }
}

/// A .NET value type at its default: `false`, `0`, the empty Guid. Strings, lists and
/// enums are kept (ServiceStack's `IncludeDefaultEnums` is on by default).
fn is_default_value(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s == "00000000-0000-0000-0000-000000000000",
        _ => false,
    }
}

/// ServiceStack's `ToCamelCase` (a leading run of capitals is lowered, `ID` → `id`) and
/// `ToLowercaseUnderscore` (camel case, then `_` before every other capital).
pub fn rename(name: &str, case: TextCase) -> String {
    match case {
        TextCase::Pascal => name.to_owned(),
        TextCase::Camel => {
            let chars: Vec<char> = name.chars().collect();
            let mut out = String::with_capacity(name.len());
            let mut first_part = true;
            for (i, c) in chars.iter().enumerate() {
                let next_upper = chars.get(i + 1).is_none_or(|n| n.is_ascii_uppercase());
                if first_part && c.is_ascii_uppercase() && (next_upper || i == 0) {
                    out.push(c.to_ascii_lowercase());
                } else {
                    first_part = false;
                    out.push(*c);
                }
            }
            out
        }
        TextCase::Snake => {
            let mut out = String::with_capacity(name.len() + 4);
            for c in rename(name, TextCase::Camel).chars() {
                if c.is_ascii_digit() || c.is_lowercase() || c == '_' {
                    out.push(c);
                } else {
                    out.push('_');
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
    }
}

/// A JSONP callback name reduced to what ServiceStack keeps, `[A-Za-z0-9._]`: every other
/// character becomes `_` (so `alert(1)` calls the harmless `alert_1_`), at most 128
/// characters. The body around it is JSON, so no name can inject script.
pub fn callback_name(raw: &str) -> String {
    raw.chars()
        .take(128)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// ServiceStack's JSONP content type (`MimeTypes.JavaScript`).
pub const JSONP_CONTENT_TYPE: &str = "text/javascript; charset=utf-8";

/// The middleware every API resource wears.
pub async fn json_modifiers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let query = query_fields(req.query_string()).unwrap_or_default();
    let param = |name: &str| query.get(name).cloned().flatten().filter(|s| !s.is_empty());
    let jsconfig = param("jsconfig")
        .map(|s| JsConfig::parse(&s))
        .unwrap_or_default();
    let callback = param("callback").map(|raw| callback_name(&raw));
    let res = next.call(req).await?;
    if jsconfig.is_default() && callback.is_none() {
        return Ok(res.map_into_boxed_body());
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !is_json {
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, resp) = res.into_parts();
    let (mut resp, body) = resp.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
    let json = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) if !jsconfig.is_default() => serde_json::to_string(&jsconfig.apply(v))
            .map_err(actix_web::error::ErrorInternalServerError)?,
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let body = match &callback {
        // JSONP answers 200 whatever happened: a script tag cannot read a status.
        Some(cb) => {
            *resp.status_mut() = StatusCode::OK;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(JSONP_CONTENT_TYPE),
            );
            format!("{cb}({json})")
        }
        None => json,
    };
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(
        http_req,
        resp.set_body(body).map_into_boxed_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_jsconfig_as_servicestack_does() {
        let c = JsConfig::parse("EmitCamelCaseNames:true");
        assert_eq!(c.text_case, TextCase::Camel);
        assert!(!c.exclude_default_values);
        let c = JsConfig::parse("eccn,edv");
        assert_eq!(
            (c.text_case, c.exclude_default_values),
            (TextCase::Camel, true)
        );
        assert_eq!(
            JsConfig::parse("TextCase:SnakeCase").text_case,
            TextCase::Snake
        );
        assert_eq!(JsConfig::parse("tc:cc").text_case, TextCase::Camel);
        assert_eq!(
            JsConfig::parse("eccn,TextCase:PascalCase").text_case,
            TextCase::Pascal
        );
        assert_eq!(JsConfig::parse("eccn:false").text_case, TextCase::Pascal);
        assert!(JsConfig::parse("ExcludeDefaultValues").exclude_default_values);
        assert!(!JsConfig::parse("edv:0").exclude_default_values);
        assert!(JsConfig::parse("unknown:1,,").is_default());
    }

    #[test]
    fn renames_like_servicestack() {
        use TextCase::*;
        assert_eq!(rename("ResponseStatus", Camel), "responseStatus");
        assert_eq!(rename("ID", Camel), "id");
        assert_eq!(rename("IPAddress", Camel), "ipAddress");
        assert_eq!(rename("ErrorCode", Snake), "error_code");
        assert_eq!(
            rename("PaysonCheckoutV2Response", Snake),
            "payson_checkout_v2_response"
        );
        assert_eq!(rename("Id", Pascal), "Id");
    }

    #[test]
    fn applies_casing_and_defaults_but_keeps_meta_keys() {
        let v = json!({"ResponseStatus":{"ErrorCode":"X","Errors":[{"FieldName":"Id"}],
            "Meta":{"AutoBatchIndex":"1"}},"Success":false,"Id":"00000000-0000-0000-0000-000000000000"});
        let out = JsConfig::parse("eccn,edv").apply(v);
        assert_eq!(
            out,
            json!({"responseStatus":{"errorCode":"X","errors":[{"fieldName":"Id"}],
                "meta":{"AutoBatchIndex":"1"}}})
        );
    }

    #[test]
    fn callback_names_are_reduced_to_safe_characters() {
        for (given, safe) in [
            ("cb", "cb"),
            ("jQuery123_456.done", "jQuery123_456.done"),
            ("alert(1);x", "alert_1__x"),
            ("a-b c$", "a_b_c_"),
            ("</script>", "__script_"),
        ] {
            assert_eq!(callback_name(given), safe, "{given}");
        }
        assert_eq!(callback_name(&"x".repeat(200)).len(), 128);
    }
}
