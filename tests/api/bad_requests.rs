//! The generator of bad requests (issue 9, point 9): malformed and oversized
//! JSON/XML/form bodies, XML entities, odd GUIDs, NUL bytes, huge headers, wrong methods
//! and content types, across the API routes, Payson's notification route and the login
//! form. Deterministic (a seeded xorshift), so a failure names a request that can be
//! replayed. Used by `bad_load.rs` and by `benches/resources.rs` (which includes this
//! file), so it depends on nothing of the test helpers.

#![allow(dead_code)]

use checkout_desk::domain::CheckoutId;
use reqwest::Method;

/// A tiny xorshift64*: enough to vary cases, the same sequence on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Who the request claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Writer,
    Nobody,
    Garbage,
}

#[derive(Debug, Clone)]
pub struct BadRequest {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub caller: Caller,
}

/// Ids the generator may put where a checkout id goes. None is a checkout that a
/// well-formed request could change: those ids only ever travel with a body or caller
/// that must be refused.
pub struct Ids {
    /// Real checkouts (any status); used only without valid credentials.
    pub real: Vec<CheckoutId>,
}

const ODD_GUIDS: &[&str] = &[
    "",
    "not-a-guid",
    "00000000-0000-0000-0000-000000000000",
    "{00000000-0000-0000-0000-00000000000g}",
    "0000000000000000000000000000000",
    "00000000-0000-0000-0000-0000000000000",
    "%00",
    "a%00b",
    "%zz",
    "%E4",
    "..%2F..%2Fetc%2Fpasswd",
    "' OR 1=1 --",
    "%F0%9F%92%A5",
    "1e999999",
    "-1",
    "[1,2]",
    "(00000000-0000-0000-0000-000000000001)",
    "urn:uuid:zzzz",
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "text/xml",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    ";;;",
    "application/json; charset=utf-16",
    "application/vnd.api+json",
    "application/soap+xml",
    "",
];

const METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO",
];

fn odd_guid(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => "f".repeat(1 + rng.below(300)),
        1 => uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string(),
        _ => rng.pick(ODD_GUIDS).to_string(),
    }
}

/// A body that no DTO can be read from (or one that is too large).
fn bad_body(rng: &mut Rng, id: &str) -> Vec<u8> {
    let depth = 50 + rng.below(5000);
    match rng.below(24) {
        0 => format!("{{\"Id\": \"{id}\"").into_bytes(),
        1 => format!("{{\"Id\":[\"{id}\",2]}}").into_bytes(),
        2 => format!("{{\"Id\":{{\"Id\":\"{id}\"}}}}").into_bytes(),
        3 => "[".repeat(depth).into_bytes(),
        4 => format!("{{\"Id\":\"{}\"}}", "x".repeat(70 * 1024)).into_bytes(),
        5 => format!("{{\"Id\":\"{id}\u{0}\"}}").into_bytes(),
        6 => b"{\"Id\":\x00}".to_vec(),
        7 => b"\xff\xfe{\x00\"\x00I\x00d\x00\"".to_vec(),
        8 => format!("{{\"Id\":1e999999,\"CompanyId\":{}}}", "9".repeat(400)).into_bytes(),
        9 => concat!(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#,
            r#"<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">"#,
            r#"<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>"#,
            r#"<SendCheckoutPaymentRequest><Id>&lol2;</Id></SendCheckoutPaymentRequest>"#
        )
        .as_bytes()
        .to_vec(),
        10 => br#"<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SendCheckoutPaymentRequest><Id>&xxe;</Id></SendCheckoutPaymentRequest>"#
            .to_vec(),
        11 => format!("<SendCheckoutPaymentRequest><Id>{id}</Id>").into_bytes(),
        12 => format!("<SendCheckoutPaymentRequest><Id><Guid>{id}</Guid></Id></SendCheckoutPaymentRequest>")
            .into_bytes(),
        13 => format!("<SendCheckoutPaymentRequest><Id>&undefined;{id}</Id></SendCheckoutPaymentRequest>")
            .into_bytes(),
        14 => format!("<A>{}</A>", "<B>".repeat(depth)).into_bytes(),
        15 => format!("<SendCheckoutPaymentRequest a=\"{}\"/>", "x".repeat(70 * 1024)).into_bytes(),
        16 => b"<SendCheckoutPaymentRequest><Id>\x00\xff</Id></SendCheckoutPaymentRequest>".to_vec(),
        17 => format!("Id={id}%").into_bytes(),
        18 => format!("Id=%zz{id}").into_bytes(),
        19 => b"Id=\xff\xfe\xfd&CompanyId=%E4".to_vec(),
        20 => "a=1&".repeat(20_000).into_bytes(),
        21 => format!("Id={id}%00").into_bytes(),
        22 => "\u{feff}\u{feff}{\"Id\":".as_bytes().to_vec(),
        _ => "x".repeat(rng.below(2000)).into_bytes(),
    }
}

/// One bad request. Every one must be refused with a 4xx (or answered harmlessly):
/// either its caller is not authenticated, or its id is not a sendable checkout, or its
/// body cannot be read.
pub fn generate(rng: &mut Rng, ids: &Ids) -> BadRequest {
    let real = rng.pick(&ids.real).to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut caller = *rng.pick(&[Caller::Writer, Caller::Nobody, Caller::Garbage]);
    // Mostly the route's own method, so that bodies get read; sometimes any method.
    let any_method = rng.below(5) == 0;
    let mut method = Method::from_bytes(rng.pick(METHODS).as_bytes()).unwrap();
    let mut own = |m: Method| {
        if !any_method {
            method = m;
        }
    };
    let guid = odd_guid(rng);
    let suffix = *rng.pick(&["", ".json", ".xml", ".jsv", ".xml.json"]);
    let mut body = Vec::new();
    let path = match rng.below(8) {
        // The custom send route with a bad id (or a real one without credentials).
        0 | 1 => {
            own(Method::PUT);
            let id = if caller == Caller::Writer {
                guid.clone()
            } else {
                real.clone()
            };
            body = bad_body(rng, &real);
            format!("/payment/payson/v2/checkout/{id}/sendpaymentrequest{suffix}")
        }
        // The predefined send routes: the id only ever comes in an unreadable body.
        2 | 3 => {
            own(if rng.below(2) == 0 {
                Method::PUT
            } else {
                Method::POST
            });
            body = bad_body(rng, &real);
            let prefix = rng.pick(&["/json/reply", "/xml/reply", "/api"]);
            format!("{prefix}/SendCheckoutPaymentRequest")
        }
        // The get routes: bad ids, or bad query strings.
        4 => {
            own(Method::GET);
            let q = rng.pick(&[
                "Id=%zz",
                "Id=%00",
                "format=garbage",
                "CompanyId=%C3",
                "Id[]=1",
            ]);
            if rng.below(2) == 0 {
                format!("/payment/payson/v2/checkout/{guid}{suffix}?{q}")
            } else {
                format!("/json/reply/PaysonCheckoutv2GetCheckout?{q}")
            }
        }
        // Payson's notification route: never a real checkout (that would re-read Payson).
        5 => {
            own(Method::POST);
            caller = Caller::Nobody;
            body = bad_body(rng, &real);
            let q = match rng.below(3) {
                0 => format!("checkout={guid}"),
                1 => format!("checkout={}", "%".repeat(1 + rng.below(40))),
                _ => format!("checkout={real}%00&checkout=%zz"),
            };
            format!("/payment/payson/v2/ipncallback?{q}")
        }
        // The login form: without a valid CSRF token nothing is checked.
        6 => {
            own(Method::POST);
            caller = Caller::Nobody;
            body = match rng.below(4) {
                0 => b"email=%00&password=%zz&csrf_token=x".to_vec(),
                1 => format!("email={}&password=x", "a".repeat(20_000)).into_bytes(),
                2 => b"email=\xff\xfe&password=\x00".to_vec(),
                _ => bad_body(rng, &real),
            };
            "/login".to_owned()
        }
        // Anything else: wrong methods on known paths, unknown paths.
        _ => {
            let p = rng.pick(&[
                "/payment/payson/v2/checkout",
                "/payment/payson/v2/ipncallback",
                "/json/reply/Unknown",
                "/xml/reply/SendCheckoutPaymentRequest[]",
                "/login/%00",
                "/%2e%2e/%2e%2e/etc/passwd",
            ]);
            if caller == Caller::Writer && matches!(method, Method::PUT | Method::POST) {
                body = bad_body(rng, &real);
            }
            (*p).to_owned()
        }
    };
    let looks_like = match body.first() {
        Some(b'{' | b'[') => "application/json",
        Some(b'<') => "application/xml",
        _ => "application/x-www-form-urlencoded",
    };
    let ct = if rng.below(3) == 0 {
        *rng.pick(CONTENT_TYPES)
    } else {
        looks_like
    };
    if !ct.is_empty() {
        headers.push(("content-type".into(), ct.into()));
    }
    match rng.below(8) {
        0 => headers.push(("x-junk".into(), "j".repeat(8 * 1024 + rng.below(40 * 1024)))),
        1 => headers.push(("accept".into(), "text/html;q=abc, */*;q=-1".into())),
        2 => headers.push(("accept".into(), "image/png".into())),
        3 => headers.push(("accept-language".into(), "x".repeat(5000))),
        4 => headers.push(("x-api-key".into(), guid.clone())),
        5 => headers.push(("cookie".into(), format!("id={}", "%".repeat(500)))),
        _ => {}
    }
    BadRequest {
        method,
        path,
        headers,
        body,
        caller,
    }
}

#[cfg(test)]
#[test]
fn the_generator_is_deterministic_and_varied() {
    let ids = Ids {
        real: vec![CheckoutId::new_random()],
    };
    let run = |seed| {
        let mut rng = Rng::new(seed);
        (0..2000)
            .map(|_| {
                let r = generate(&mut rng, &ids);
                format!("{} {} {:?} {}", r.method, r.path, r.caller, r.body.len())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    let distinct: std::collections::HashSet<_> = run(7).into_iter().collect();
    assert!(distinct.len() > 1000, "{} distinct of 2000", distinct.len());
}

pub const REQUESTS: usize = 10_000;

/// Sends one; its status, 0 when the server refused by closing the connection (an
/// oversized head), `Err` when no answer came in 20 s.
pub async fn fire(
    client: &reqwest::Client,
    base: &str,
    writer_token: &str,
    r: BadRequest,
) -> Result<u16, String> {
    let mut rb = client.request(r.method.clone(), format!("{base}{}", r.path));
    rb = match r.caller {
        Caller::Writer => rb.bearer_auth(writer_token),
        Caller::Garbage => rb.header("authorization", "Bearer not-a-token"),
        Caller::Nobody => rb,
    };
    for (k, v) in &r.headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    let what = format!("{} {} ({} bytes)", r.method, r.path, r.body.len());
    let timeout = std::time::Duration::from_secs(20);
    match rb.body(r.body).timeout(timeout).send().await {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) if e.is_timeout() => Err(format!("{what}: no answer in 20 s")),
        Err(_) => Ok(0),
    }
}
