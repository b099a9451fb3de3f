//! Payson's checkout object, kept whole. Accessors read keys case-insensitively because
//! Payson's backend is lenient and the SDKs disagree on casing (payson-api.md §1).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::PaysonError;
use crate::domain::{CheckoutStatus, Currency, Money};

/// Case-insensitive member lookup.
pub(crate) fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn get_path<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let v = get(obj, first)?;
    if rest.is_empty() {
        Some(v)
    } else {
        get_path(v.as_object()?, rest)
    }
}

fn str_at<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    get_path(obj, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A checkout exactly as Payson sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct PaysonCheckout {
    raw: Map<String, Value>,
}

impl PaysonCheckout {
    pub fn from_json(v: Value) -> Result<Self, PaysonError> {
        let raw = match v {
            Value::Object(m) => m,
            other => {
                return Err(PaysonError::Malformed(format!(
                    "expected a checkout object, got {}",
                    kind(&other)
                )));
            }
        };
        let c = Self { raw };
        if c.id().is_none() {
            return Err(PaysonError::Malformed("the checkout has no id".into()));
        }
        Ok(c)
    }

    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    pub fn into_raw(self) -> Map<String, Value> {
        self.raw
    }

    pub fn id(&self) -> Option<Uuid> {
        str_at(&self.raw, &["id"]).and_then(|s| Uuid::parse_str(s).ok())
    }

    pub fn status_text(&self) -> Option<&str> {
        str_at(&self.raw, &["status"])
    }

    /// Any letter case; also the number Payson's .NET SDK uses (`"Status":6`). Unknown
    /// statuses are tolerated and shown as `None`: Payson adds values it never documented.
    pub fn status(&self) -> CheckoutStatus {
        match get(&self.raw, "status") {
            Some(Value::String(s)) => CheckoutStatus::from_payson(s),
            Some(Value::Number(n)) => CheckoutStatus::from_payson(&n.to_string()),
            _ => CheckoutStatus::None,
        }
    }

    /// Sets `status` to Payson's camelCase name, replacing the key whatever its casing.
    pub fn set_status(&mut self, s: CheckoutStatus) {
        let key = self
            .raw
            .keys()
            .find(|k| k.eq_ignore_ascii_case("status"))
            .cloned()
            .unwrap_or_else(|| "status".to_owned());
        self.raw
            .insert(key, Value::String(s.payson_name().to_owned()));
    }

    pub fn snippet(&self) -> Option<&str> {
        str_at(&self.raw, &["snippet"])
    }

    pub fn purchase_id(&self) -> Option<i64> {
        get(&self.raw, "purchaseId")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
    }

    pub fn merchant_reference(&self) -> Option<&str> {
        str_at(&self.raw, &["merchant", "reference"])
    }

    pub fn customer_name(&self) -> Option<String> {
        let first = str_at(&self.raw, &["customer", "firstName"]).unwrap_or("");
        let last = str_at(&self.raw, &["customer", "lastName"]).unwrap_or("");
        let name = format!("{first} {last}").trim().to_owned();
        (!name.is_empty()).then_some(name)
    }

    pub fn customer_email(&self) -> Option<&str> {
        str_at(&self.raw, &["customer", "email"])
    }

    /// Requests use `customer.countryCode`; Payson's list sample answers `customer.country`.
    pub fn customer_country(&self) -> Option<&str> {
        str_at(&self.raw, &["customer", "countryCode"])
            .or_else(|| str_at(&self.raw, &["customer", "country"]))
    }

    /// `order.totalPriceIncludingTax` in `order.currency`, exactly: the JSON number is
    /// read as decimal text, never through float arithmetic. An amount with more than two
    /// decimals is not money and gives `None`.
    pub fn total_including_tax(&self) -> Option<Money> {
        let currency = Currency::parse(str_at(&self.raw, &["order", "currency"])?)?;
        let text = match get_path(&self.raw, &["order", "totalPriceIncludingTax"])? {
            Value::Number(n) => plain_decimal(&n.to_string())?,
            Value::String(s) => s.trim().to_owned(),
            _ => return None,
        };
        Money::parse_decimal(&text, currency).ok()
    }

    /// `history.<key>` (e.g. `readyToShip`): ISO 8601 with or without an offset; none
    /// means UTC.
    pub fn history_time(&self, key: &str) -> Option<DateTime<Utc>> {
        parse_time(str_at(&self.raw, &["history", key])?)
    }

    pub fn history_json(&self) -> String {
        get(&self.raw, "history")
            .filter(|v| v.is_object())
            .map(Value::to_string)
            .unwrap_or_else(|| "{}".to_owned())
    }
}

/// serde_json prints large or tiny floats with an exponent (`1e16`, `5e-7`); spell them
/// out so `Money::parse_decimal` can read them exactly.
fn plain_decimal(s: &str) -> Option<String> {
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else {
        return Some(s.to_owned());
    };
    let exp: i32 = exp.parse().ok()?;
    // Far beyond any amount; refusing keeps the string small.
    if exp.abs() > 30 {
        return None;
    }
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Position of the decimal point within `digits` after shifting.
    let point = i32::try_from(int.len()).ok()? + exp;
    let body = if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).ok()?);
        format!("0.{zeros}{digits}")
    } else {
        let point = usize::try_from(point).ok()?;
        if point >= digits.len() {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    Some(if neg { format!("-{body}") } else { body })
}

/// ISO 8601 as Payson (.NET) writes it: with `Z` or an offset, or without any (UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(n.and_utc());
        }
    }
    None
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `GET /Accounts`.
#[derive(Clone, Debug, PartialEq)]
pub struct PaysonAccount {
    pub account_email: String,
    pub status: String,
    pub merchant_id: i64,
    pub enabled_for_invoice: bool,
    /// Payson spells this key `enabledForpaymentPlan`.
    pub enabled_for_payment_plan: bool,
    pub enabled_for_recurring_payments: bool,
    pub raw: Map<String, Value>,
}

impl PaysonAccount {
    pub fn from_json(v: Value) -> Result<Self, PaysonError> {
        let Value::Object(raw) = v else {
            return Err(PaysonError::Malformed("expected an account object".into()));
        };
        // A 200 from something that is not Payson's account endpoint must not pass as
        // "credentials OK".
        if get(&raw, "accountEmail").is_none() && get(&raw, "merchantId").is_none() {
            return Err(PaysonError::Malformed(
                "the account answer has neither accountEmail nor merchantId".into(),
            ));
        }
        let s = |k: &str| {
            get(&raw, k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let b = |k: &str| get(&raw, k).and_then(Value::as_bool).unwrap_or(false);
        Ok(Self {
            account_email: s("accountEmail"),
            status: s("status"),
            merchant_id: get(&raw, "merchantId")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(0),
            enabled_for_invoice: b("enabledForInvoice"),
            enabled_for_payment_plan: b("enabledForpaymentPlan"),
            enabled_for_recurring_payments: b("enabledForRecurringPayments"),
            raw,
        })
    }
}

/// `GET /Checkouts?…` — one page.
#[derive(Clone, Debug, PartialEq)]
pub struct PaysonCheckoutPage {
    pub page_size: i64,
    pub page: i64,
    pub total_pages: i64,
    pub count: i64,
    pub total_count: i64,
    pub data: Vec<PaysonCheckout>,
}

impl PaysonCheckoutPage {
    pub fn from_json(v: Value) -> Result<Self, PaysonError> {
        let Value::Object(raw) = v else {
            return Err(PaysonError::Malformed("expected a list object".into()));
        };
        let n = |k: &str| {
            get(&raw, k)
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
                .unwrap_or(0)
        };
        let data = match get(&raw, "data") {
            Some(Value::Array(items)) => items
                .iter()
                .cloned()
                .map(PaysonCheckout::from_json)
                .collect::<Result<_, _>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(PaysonError::Malformed("data is not a list".into())),
        };
        Ok(Self {
            page_size: n("pageSize"),
            page: n("page"),
            total_pages: n("totalPages"),
            count: n("count"),
            total_count: n("totalCount"),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ID: &str = "264d3bfd-f7a1-4122-8556-a56700f71eaa";

    fn checkout(v: Value) -> PaysonCheckout {
        PaysonCheckout::from_json(v).expect("a checkout")
    }

    #[test]
    fn lookup_ignores_key_case_but_prefers_the_exact_key() {
        let o = json!({"Status": "a", "status": "b", "ORDER": {"Currency": "SEK"}});
        let o = o.as_object().expect("object");
        assert_eq!(get(o, "status"), Some(&json!("b")));
        assert_eq!(get(o, "STATUS").and_then(Value::as_str), Some("a"));
        assert_eq!(get_path(o, &["order", "currency"]), Some(&json!("SEK")));
        assert_eq!(get(o, "missing"), None);
    }

    #[test]
    fn from_json_needs_an_object_with_an_id() {
        assert!(matches!(
            PaysonCheckout::from_json(json!([1])),
            Err(PaysonError::Malformed(_))
        ));
        assert!(matches!(
            PaysonCheckout::from_json(json!({"id": "nope"})),
            Err(PaysonError::Malformed(_))
        ));
        assert!(matches!(
            PaysonCheckout::from_json(Value::Null),
            Err(PaysonError::Malformed(_))
        ));
        let c = checkout(json!({"Id": ID}));
        assert_eq!(c.id().map(|u| u.to_string()).as_deref(), Some(ID));
    }

    #[test]
    fn statuses_in_any_case_numbers_and_unknown_values() {
        let st = |v: Value| checkout(json!({"id": ID, "status": v})).status();
        assert_eq!(st(json!("readyToShip")), CheckoutStatus::ReadyToShip);
        assert_eq!(st(json!("READYTOSHIP")), CheckoutStatus::ReadyToShip);
        assert_eq!(st(json!(6)), CheckoutStatus::Shipped);
        assert_eq!(st(json!("somethingNew")), CheckoutStatus::None);
        assert_eq!(st(Value::Null), CheckoutStatus::None);
        let c = checkout(json!({"id": ID, "Status": "PaidToAccount"}));
        assert_eq!(c.status(), CheckoutStatus::PaidToAccount);
        assert_eq!(c.status_text(), Some("PaidToAccount"));
    }

    #[test]
    fn set_status_replaces_the_key_whatever_its_case() {
        let mut c = checkout(json!({"id": ID, "Status": "readyToShip"}));
        c.set_status(CheckoutStatus::Shipped);
        assert_eq!(
            Value::Object(c.raw().clone()),
            json!({"id": ID, "Status": "shipped"})
        );
        let mut c = checkout(json!({"id": ID}));
        c.set_status(CheckoutStatus::Canceled);
        assert_eq!(c.status_text(), Some("canceled"));
    }

    #[test]
    fn totals_are_exact() {
        let total = |v: Value, cur: &str| {
            checkout(json!({"id": ID, "order": {"currency": cur, "totalPriceIncludingTax": v}}))
                .total_including_tax()
        };
        let sek = |m| Some(Money::from_minor(m, Currency::Sek));
        assert_eq!(total(json!(172.5), "sek"), sek(17_250));
        assert_eq!(total(json!(250), "SEK"), sek(25_000));
        assert_eq!(total(json!(0.1), "sek"), sek(10));
        assert_eq!(total(json!(1234.56), "sek"), sek(123_456));
        assert_eq!(total(json!(1e16), "sek"), sek(1_000_000_000_000_000_000));
        assert_eq!(total(json!("99.90"), "sek"), sek(9_990));
        assert_eq!(
            total(json!(5), "eur"),
            Some(Money::from_minor(500, Currency::Eur))
        );
        assert_eq!(total(json!(0.333), "sek"), None, "not money");
        assert_eq!(total(json!(5), "usd"), None);
        assert_eq!(total(Value::Null, "sek"), None);
    }

    #[test]
    fn plain_decimal_spells_out_exponents() {
        assert_eq!(plain_decimal("172.5").as_deref(), Some("172.5"));
        assert_eq!(plain_decimal("1e16").as_deref(), Some("10000000000000000"));
        assert_eq!(plain_decimal("1.25e2").as_deref(), Some("125"));
        assert_eq!(plain_decimal("1.2345e2").as_deref(), Some("123.45"));
        assert_eq!(plain_decimal("5e-7").as_deref(), Some("0.0000005"));
        assert_eq!(plain_decimal("-2.5E1").as_deref(), Some("-25"));
        assert_eq!(plain_decimal("1e400"), None);
        assert_eq!(plain_decimal("xe2"), None);
    }

    #[test]
    fn customer_fields() {
        let c = checkout(
            json!({"id": ID, "customer": {"FirstName": " Tess T", "lastName": "Persson ",
            "email": "tester@subdomain.se", "country": "SE"}}),
        );
        assert_eq!(c.customer_name().as_deref(), Some("Tess T Persson"));
        assert_eq!(c.customer_email(), Some("tester@subdomain.se"));
        assert_eq!(c.customer_country(), Some("SE"));
        let c =
            checkout(json!({"id": ID, "customer": {"lastName": "Persson", "countryCode": "FI"}}));
        assert_eq!(c.customer_name().as_deref(), Some("Persson"));
        assert_eq!(c.customer_country(), Some("FI"));
        let c = checkout(json!({"id": ID, "customer": {"type": "person"}}));
        assert_eq!((c.customer_name(), c.customer_email()), (None, None));
    }

    #[test]
    fn history_times_with_and_without_offsets() {
        let c = checkout(json!({"id": ID, "history": {
            "created": "2024-05-01T10:00:00",
            "readyToPay": "2024-05-01T10:01:00.1234567",
            "readyToShip": "2024-05-01T12:00:00+02:00",
            "shipped": "2024-05-02T08:30:00Z",
            "canceled": null,
            "expired": "not a time"}}));
        let t = |k: &str| c.history_time(k).map(|d| d.to_rfc3339());
        assert_eq!(t("created").as_deref(), Some("2024-05-01T10:00:00+00:00"));
        assert_eq!(
            t("readyToShip").as_deref(),
            Some("2024-05-01T10:00:00+00:00")
        );
        assert_eq!(t("shipped").as_deref(), Some("2024-05-02T08:30:00+00:00"));
        assert!(t("readyToPay").is_some());
        assert_eq!(t("canceled"), None);
        assert_eq!(t("expired"), None);
        assert_eq!(t("denied"), None);
        let h: Value = serde_json::from_str(&c.history_json()).expect("json");
        assert_eq!(h["shipped"], json!("2024-05-02T08:30:00Z"));
        assert_eq!(checkout(json!({"id": ID})).history_json(), "{}");
    }

    #[test]
    fn purchase_id_and_reference() {
        let c =
            checkout(json!({"id": ID, "purchaseId": 3000123, "merchant": {"Reference": "BK-9"}}));
        assert_eq!(c.purchase_id(), Some(3_000_123));
        assert_eq!(c.merchant_reference(), Some("BK-9"));
        let c = checkout(json!({"id": ID, "purchaseId": null}));
        assert_eq!((c.purchase_id(), c.merchant_reference()), (None, None));
    }

    #[test]
    fn account_keeps_payson_casing_and_unknown_fields() {
        let a = PaysonAccount::from_json(json!({"accountEmail": "a@b.se", "status": "Approved",
            "merchantId": 4, "enabledForInvoice": true, "enabledForpaymentPlan": true,
            "enabledForRecurringPayments": false, "somethingNew": 1}))
        .expect("account");
        assert!(a.enabled_for_payment_plan && a.enabled_for_invoice);
        assert!(!a.enabled_for_recurring_payments);
        assert_eq!(a.raw.get("somethingNew"), Some(&json!(1)));
        assert!(matches!(
            PaysonAccount::from_json(json!({})),
            Err(PaysonError::Malformed(_))
        ));
    }
}
