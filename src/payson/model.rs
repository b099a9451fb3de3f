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

    /// Unknown statuses are tolerated (shown as `None`).
    pub fn status(&self) -> CheckoutStatus {
        self.status_text()
            .map(CheckoutStatus::from_payson)
            .unwrap_or(CheckoutStatus::None)
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
        get(&self.raw, "purchaseId").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
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

    /// `order.totalPriceIncludingTax` in `order.currency`, exactly (no float rounding).
    pub fn total_including_tax(&self) -> Option<Money> {
        let currency = Currency::parse(str_at(&self.raw, &["order", "currency"])?)?;
        let amount = get_path(&self.raw, &["order", "totalPriceIncludingTax"])?;
        let text = match amount {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        };
        Money::parse_decimal(&text, currency)
            .ok()
            // serde_json writes some floats with an exponent or a long tail; round to cents.
            .or_else(|| {
                amount
                    .as_f64()
                    .map(|f| Money::from_minor((f * 100.0).round() as i64, currency))
            })
    }

    /// `history.<key>`: ISO 8601 with or without an offset (none means UTC).
    pub fn history_time(&self, key: &str) -> Option<DateTime<Utc>> {
        let s = str_at(&self.raw, &["history", key])?;
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|n| n.and_utc())
            })
    }

    pub fn history_json(&self) -> String {
        get(&self.raw, "history")
            .filter(|v| v.is_object())
            .map(Value::to_string)
            .unwrap_or_else(|| "{}".to_owned())
    }
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
        let n = |k: &str| get(&raw, k).and_then(Value::as_i64).unwrap_or(0);
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
