//! One pooled reqwest client; credentials are per call because every company has its own
//! Payson merchant account.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tracing::Instrument as _;
use uuid::Uuid;

use super::model::{PaysonAccount, PaysonCheckout, PaysonCheckoutPage, get};
use super::{PaysonError, PaysonFieldError};

/// Payson's answers are a few kB; anything far larger is not Payson.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A company's Payson account. `Debug` never shows the API key.
#[derive(Clone)]
pub struct PaysonCredentials {
    /// e.g. `https://api.payson.se/2.0/`, with or without the trailing slash.
    pub base_url: String,
    pub agent_id: String,
    pub api_key: String,
}

impl std::fmt::Debug for PaysonCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaysonCredentials")
            .field("base_url", &self.base_url)
            .field("agent_id", &self.agent_id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct PaysonClientConfig {
    /// Time to open the TCP/TLS connection; failing it means nothing was sent.
    pub connect_timeout: Duration,
    /// Whole request, connect to last body byte.
    pub request_timeout: Duration,
}

impl Default for PaysonClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
        }
    }
}

/// Told of every finished call (the metrics): endpoint (`account`, `create`, `get`,
/// `update`, `list`), outcome (`ok` or [`PaysonError::kind`]) and the time it took. A
/// callback rather than the metrics type so that `payson` imports nothing above it.
pub type CallObserver = Arc<dyn Fn(&'static str, &'static str, Duration) + Send + Sync>;

#[derive(Clone)]
pub struct PaysonClient {
    http: reqwest::Client,
    observer: Option<CallObserver>,
}

impl std::fmt::Debug for PaysonClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaysonClient")
            .field("observed", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

/// A 2xx answer.
struct Answer {
    location: Option<String>,
    body: String,
}

impl PaysonClient {
    pub fn new(cfg: &PaysonClientConfig) -> Result<Self, PaysonError> {
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            // Payson never redirects an API call; following one could send the
            // credentials somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            // Servers close idle keep-alive connections (actix after 5 s, proxies after
            // 5-60 s); a PUT sent on one just as it closes loses its answer ("connection
            // closed before message completed") and the send's outcome is unknown. Dropping
            // our idle connections first takes that race away.
            .pool_idle_timeout(Duration::from_secs(4))
            .user_agent(concat!("checkout-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PaysonError::Config(root_cause(&e)))?;
        Ok(Self {
            http,
            observer: None,
        })
    }

    /// The same client, telling `observer` of every call it makes.
    pub fn observed(self, observer: CallObserver) -> Self {
        Self {
            observer: Some(observer),
            ..self
        }
    }

    /// Runs one public operation and reports it, answer parsing included (an unreadable
    /// body is a `malformed` outcome). A follow-up read (`create` or `update` reading the
    /// checkout back) is reported as the `get` it is, inside the outer call's time.
    async fn observe<T>(
        &self,
        endpoint: &'static str,
        op: impl Future<Output = Result<T, PaysonError>>,
    ) -> Result<T, PaysonError> {
        let started = Instant::now();
        let result = op.await;
        if let Some(observe) = &self.observer {
            let outcome = result.as_ref().map_or_else(PaysonError::kind, |_| "ok");
            observe(endpoint, outcome, started.elapsed());
        }
        result
    }

    /// `GET /Accounts`: validates the credentials.
    pub async fn get_account(&self, c: &PaysonCredentials) -> Result<PaysonAccount, PaysonError> {
        self.get("account", c, "Accounts", PaysonAccount::from_json)
            .await
    }

    /// `POST /Checkouts`: 201 with the checkout. If the body cannot be used but
    /// `Location` names the new checkout, it is read from there (CO2-PHP does the same):
    /// the checkout exists, so "outcome unknown" would be the wrong answer.
    pub async fn create_checkout(
        &self,
        c: &PaysonCredentials,
        body: &Value,
    ) -> Result<PaysonCheckout, PaysonError> {
        self.send("create", c, Method::POST, "Checkouts", Some(body), async |a| {
            let from_body = if is_blank(&a.body) {
                Err(PaysonError::Malformed(
                    "created without a body or a Location".into(),
                ))
            } else {
                parse_json(&a.body).and_then(PaysonCheckout::from_json)
            };
            match from_body {
                Ok(checkout) => Ok(checkout),
                Err(e) => match a.location.as_deref().and_then(id_from_location) {
                    Some(id) => {
                        tracing::debug!(%id, "payson create: reading the checkout named by Location");
                        self.get_checkout(c, id).await
                    }
                    None => Err(e),
                },
            }
        })
        .await
    }

    /// `GET /Checkouts/{id}`.
    pub async fn get_checkout(
        &self,
        c: &PaysonCredentials,
        id: Uuid,
    ) -> Result<PaysonCheckout, PaysonError> {
        let path = format!("Checkouts/{id}");
        self.get("get", c, &path, PaysonCheckout::from_json).await
    }

    /// `PUT /Checkouts/{id}` with the whole object, exactly as held. Older Payson versions
    /// answer 200 with an empty body; then the checkout is read back.
    pub async fn update_checkout(
        &self,
        c: &PaysonCredentials,
        checkout: &PaysonCheckout,
    ) -> Result<PaysonCheckout, PaysonError> {
        let id = checkout
            .id()
            .ok_or_else(|| PaysonError::Config("the checkout has no id".into()))?;
        let path = format!("Checkouts/{id}");
        let body = Value::Object(checkout.raw().clone());
        self.send("update", c, Method::PUT, &path, Some(&body), async |a| {
            if is_blank(&a.body) {
                return self.get_checkout(c, id).await;
            }
            PaysonCheckout::from_json(parse_json(&a.body)?)
        })
        .await
    }

    /// `GET /Checkouts?status=&page=&pageSize=`.
    pub async fn list_checkouts(
        &self,
        c: &PaysonCredentials,
        status: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<PaysonCheckoutPage, PaysonError> {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            query.append_pair("status", s);
        }
        query.append_pair("page", &page.to_string());
        query.append_pair("pageSize", &page_size.to_string());
        let path = format!("Checkouts?{}", query.finish());
        self.get("list", c, &path, PaysonCheckoutPage::from_json)
            .await
    }

    /// A `GET` whose JSON answer `from_json` reads.
    async fn get<T>(
        &self,
        name: &'static str,
        c: &PaysonCredentials,
        path: &str,
        from_json: fn(Value) -> Result<T, PaysonError>,
    ) -> Result<T, PaysonError> {
        self.send(name, c, Method::GET, path, None, async |a| {
            from_json(parse_json(&a.body)?)
        })
        .await
    }

    /// Every call: `method` on `path` (below the base URL) with `body`, observed as `name`
    /// from sending to `read` having made the 2xx answer into what the caller asked for.
    async fn send<T>(
        &self,
        name: &'static str,
        c: &PaysonCredentials,
        method: Method,
        path: &str,
        body: Option<&Value>,
        read: impl AsyncFnOnce(Answer) -> Result<T, PaysonError>,
    ) -> Result<T, PaysonError> {
        self.observe(name, async {
            let url = endpoint(&c.base_url, path)?;
            read(self.call(c, method, url, body).await?).await
        })
        .await
    }

    /// Sends one request and returns a 2xx answer; anything else becomes an error.
    async fn call(
        &self,
        c: &PaysonCredentials,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Answer, PaysonError> {
        // Only the method and path are logged: never the credentials or the bodies.
        let span = tracing::debug_span!("payson", method = %method, path = %url.path());
        async move {
            let started = Instant::now();
            let mut req = self
                .http
                .request(method, url)
                .basic_auth(&c.agent_id, Some(&c.api_key))
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(b) = body {
                // Sets `Content-Type: application/json`.
                req = req.json(b);
            }
            let result = async {
                let resp = req.send().await.map_err(classify)?;
                let status = resp.status();
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = read_body(resp).await?;
                Ok::<_, PaysonError>((status, location, body))
            }
            .await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let (status, location, body) = match result {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(elapsed_ms, error = %e, "payson request failed");
                    return Err(e);
                }
            };
            tracing::debug!(status = status.as_u16(), elapsed_ms, "payson answered");
            if status.is_success() {
                return Ok(Answer { location, body });
            }
            Err(match status {
                StatusCode::UNAUTHORIZED => PaysonError::Unauthorized,
                StatusCode::NOT_FOUND => PaysonError::NotFound,
                _ => refused(status, &body),
            })
        }
        .instrument(span)
        .await
    }
}

/// `base_url` + `path`, tolerating a base with or without its trailing slash.
fn endpoint(base_url: &str, path: &str) -> Result<Url, PaysonError> {
    let bad = |why: &str| PaysonError::Config(format!("Payson base URL: {why}"));
    let mut base = Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
        return Err(bad("must be an http(s) URL"));
    }
    if !base.username().is_empty() || base.password().is_some() {
        // The agent id and key go in the Authorization header, never in the URL.
        return Err(bad("must not contain credentials"));
    }
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    base.set_query(None);
    base.set_fragment(None);
    base.join(path).map_err(|e| bad(&e.to_string()))
}

/// The checkout id at the end of a `Location` header (absolute or relative).
fn id_from_location(location: &str) -> Option<Uuid> {
    let path = location.split(['?', '#']).next()?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    Uuid::parse_str(last).ok()
}

/// Payson (PP-PHP notes) may answer with nothing or the JSON literal `null`.
fn is_blank(body: &str) -> bool {
    let t = body.trim();
    t.is_empty() || t == "null"
}

async fn read_body(mut resp: reqwest::Response) -> Result<String, PaysonError> {
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(classify)? {
        if buf.len() + chunk.len() > MAX_BODY {
            return Err(PaysonError::Malformed(format!(
                "answer larger than {MAX_BODY} bytes"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Sorts a transport error into "never sent" and "sent, outcome unknown".
fn classify(e: reqwest::Error) -> PaysonError {
    // A connect timeout is both `is_connect` and `is_timeout`: nothing was sent.
    if e.is_connect() && e.is_timeout() {
        PaysonError::NotSent("connect timed out".into())
    } else if e.is_connect() {
        PaysonError::NotSent(root_cause(&e))
    } else if e.is_builder() {
        PaysonError::Config(root_cause(&e))
    } else if e.is_timeout() {
        PaysonError::Timeout
    } else {
        PaysonError::Dropped(root_cause(&e))
    }
}

/// The innermost cause ("Connection refused (os error 111)"): reqwest's own message
/// carries the URL, which has no place in errors shown to users.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn parse_json(text: &str) -> Result<Value, PaysonError> {
    serde_json::from_str(text).map_err(|e| PaysonError::Malformed(format!("not JSON ({e})")))
}

/// Payson's error body: `{"message": …, "errors": [{"property": …, "message": …}]}`. An
/// empty, `null` or non-JSON body leaves the HTTP reason as the message.
fn refused(status: StatusCode, text: &str) -> PaysonError {
    let reason = || status.canonical_reason().unwrap_or("error").to_owned();
    let parsed = serde_json::from_str::<Value>(text).ok();
    let obj = parsed.as_ref().and_then(Value::as_object);
    let str_of = |o: &serde_json::Map<String, Value>, k: &str| {
        get(o, k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let message = match (&parsed, obj) {
        (_, Some(o)) => Some(str_of(o, "message")),
        (Some(Value::String(s)), None) => Some(s.trim().to_owned()),
        _ => None,
    }
    .filter(|m| !m.is_empty())
    .unwrap_or_else(reason);
    let errors = obj
        .and_then(|o| get(o, "errors"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .map(|e| PaysonFieldError {
                    property: str_of(e, "property"),
                    message: str_of(e, "message"),
                })
                .filter(|e| !(e.property.is_empty() && e.message.is_empty()))
                .collect()
        })
        .unwrap_or_default();
    PaysonError::Refused {
        status: status.as_u16(),
        message,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_with_and_without_trailing_slash() {
        for base in [
            "https://test-api.payson.se/2.0/",
            "https://test-api.payson.se/2.0",
            " https://test-api.payson.se/2.0/?x=1 ",
        ] {
            let u = endpoint(base, "Checkouts/264d3bfd-f7a1-4122-8556-a56700f71eaa").expect("url");
            assert_eq!(
                u.as_str(),
                "https://test-api.payson.se/2.0/Checkouts/264d3bfd-f7a1-4122-8556-a56700f71eaa"
            );
        }
        let u = endpoint("http://127.0.0.1:8080/2.0", "Accounts").expect("url");
        assert_eq!(u.as_str(), "http://127.0.0.1:8080/2.0/Accounts");
        for bad in [
            "",
            "test-api.payson.se/2.0",
            "ftp://x/2.0/",
            "https://4:key@x/2.0/",
        ] {
            assert!(
                matches!(endpoint(bad, "Accounts"), Err(PaysonError::Config(_))),
                "{bad}"
            );
        }
        let e = endpoint("https://4:secretkey@x/2.0/", "Accounts").expect_err("refused");
        assert!(!e.to_string().contains("secretkey"));
    }

    #[test]
    fn location_ids() {
        let id = "264d3bfd-f7a1-4122-8556-a56700f71eaa";
        for l in [
            format!("https://api.payson.se/2.0/Checkouts/{id}"),
            format!("/2.0/Checkouts/{id}/"),
            format!("https://api.payson.se/2.0/Checkouts/{id}?x=1"),
        ] {
            assert_eq!(
                id_from_location(&l).map(|u| u.to_string()).as_deref(),
                Some(id)
            );
        }
        assert_eq!(
            id_from_location("https://api.payson.se/2.0/Checkouts"),
            None
        );
    }

    #[test]
    fn refused_bodies() {
        let e = refused(
            StatusCode::BAD_REQUEST,
            r#"{ "message": "The request is invalid.", "errors": [ { "property": "Order.Currency", "message": "Invalid currency" } ] }"#,
        );
        let PaysonError::Refused {
            status,
            message,
            errors,
        } = e
        else {
            panic!("not refused");
        };
        assert_eq!((status, message.as_str()), (400, "The request is invalid."));
        assert_eq!(
            errors,
            vec![PaysonFieldError {
                property: "Order.Currency".into(),
                message: "Invalid currency".into()
            }]
        );
        // Casing as a PascalCase .NET serializer would write it.
        let e = refused(
            StatusCode::BAD_REQUEST,
            r#"{"Message":"Bad","Errors":[{"Property":"Status","Message":"No"}]}"#,
        );
        assert_eq!(e.payson_message().as_deref(), Some("Bad; Status: No"));
        for body in ["", "null", "<html>", "{}", r#"{"message":""}"#] {
            let e = refused(StatusCode::INTERNAL_SERVER_ERROR, body);
            assert!(
                matches!(&e, PaysonError::Refused { status: 500, message, errors } if message == "Internal Server Error" && errors.is_empty()),
                "{body}: {e:?}"
            );
        }
        let e = refused(StatusCode::CONFLICT, r#""Already shipped""#);
        assert_eq!(e.payson_message().as_deref(), Some("Already shipped"));
    }

    #[test]
    fn credentials_debug_hides_the_key() {
        let c = PaysonCredentials {
            base_url: "https://test-api.payson.se/2.0/".into(),
            agent_id: "4".into(),
            api_key: "2acab30d-fe50-426f-90d7-8c60a7eb31d4".into(),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("2acab30d") && d.contains("<redacted>"), "{d}");
    }
}
