//! The simulator's in-memory Payson: accounts, checkouts and the status rules of
//! payson-api.md §4.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::faults::{Fault, FaultKind, SimEndpoint};
use super::notify::{NotificationAttempt, Pending};
use super::order::{apply_order_change, prepare_order, validate_merchant};
use super::{SimAccount, now};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SimCounters {
    pub accounts: u64,
    pub create: u64,
    pub get: u64,
    pub update: u64,
    pub list: u64,
}

/// What one checkout was asked, as Payson's logs would show it: requests received, and
/// ship requests accepted (a repeated one is answered 200 as Payson does, and counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutCounters {
    pub get: u64,
    pub update: u64,
    pub ship_requests: u64,
}

pub struct SimCheckout {
    pub owner: String,
    pub doc: Map<String, Value>,
}

#[derive(Default)]
pub struct SimState {
    pub accounts: HashMap<String, SimAccount>,
    pub checkouts: HashMap<Uuid, SimCheckout>,
    pub order: Vec<Uuid>,
    pub counters: SimCounters,
    pub ship_counts: HashMap<Uuid, u32>,
    pub per_checkout: HashMap<Uuid, CheckoutCounters>,
    pub faults: Vec<Fault>,
    pub notifications: Vec<NotificationAttempt>,
    next_purchase_id: i64,
}

/// A Payson-style error answer.
pub struct SimError {
    pub status: u16,
    pub body: Value,
}

impl SimError {
    pub(super) fn bad(property: &str, message: &str) -> Self {
        Self {
            status: 400,
            body: json!({"message": "The request is invalid.", "errors": [{"property": property, "message": message}]}),
        }
    }
    fn not_found() -> Self {
        Self {
            status: 404,
            body: json!({"message": "The checkout was not found."}),
        }
    }
}

const CUSTOMER_TYPES: [&str; 2] = ["person", "business"];
/// Payson expires a readyToShip checkout 59 days after it got there (payson-api.md §4).
const READY_TO_SHIP_LIFETIME_DAYS: i64 = 59;

const PRE_READY: [&str; 4] = ["created", "formsFilled", "readyToPay", "processingPayment"];
const NOTIFYING: [&str; 6] = [
    "readyToShip",
    "shipped",
    "paidToAccount",
    "expired",
    "canceled",
    "denied",
];
const KNOWN: [&str; 10] = [
    "created",
    "formsFilled",
    "readyToPay",
    "processingPayment",
    "readyToShip",
    "shipped",
    "paidToAccount",
    "canceled",
    "expired",
    "denied",
];

/// Payson's camelCase spelling of a status given in any casing.
fn canonical_status(s: &str) -> Option<&'static str> {
    KNOWN.into_iter().find(|k| k.eq_ignore_ascii_case(s.trim()))
}

/// A request's status: a string in any casing, or the number Payson's .NET SDK sends
/// (`"Status":6`). The numbering is inferred: BokaMera's message "ReadyToShip - 5; it has
/// Shipped - 6", CO2-NET's ProcessingPayment = 4, Canceled = 8, Expired = 10 and no 9.
fn request_status(v: &Value) -> Result<&'static str, SimError> {
    let found = match v {
        Value::String(s) => canonical_status(s),
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some("created"),
            Some(2) => Some("formsFilled"),
            Some(3) => Some("readyToPay"),
            Some(4) => Some("processingPayment"),
            Some(5) => Some("readyToShip"),
            Some(6) => Some("shipped"),
            Some(7) => Some("paidToAccount"),
            Some(8) => Some("canceled"),
            Some(10) => Some("expired"),
            Some(11) => Some("denied"),
            _ => None,
        },
        _ => None,
    };
    found.ok_or_else(|| SimError::bad("Status", &format!("Unknown status {v}.")))
}

/// Enum values come in any casing; responses carry Payson's lower-case spelling.
pub(super) fn canonical_enum(v: &mut Value, known: &[&str]) {
    if let Value::String(s) = v
        && let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(s.trim()))
    {
        *s = (*k).to_owned();
    }
}

/// Request keys may come in any casing (PP-PHP lowercases them, the .NET SDK uses
/// PascalCase); the simulator stores Payson's camelCase names.
const KEYS: &[&str] = &[
    "id",
    "status",
    "snippet",
    "purchaseId",
    "description",
    "expirationTime",
    "merchant",
    "customer",
    "order",
    "gui",
    "history",
    "checkoutUri",
    "confirmationUri",
    "notificationUri",
    "termsUri",
    "validationUri",
    "reference",
    "partnerId",
    "integrationInfo",
    "currency",
    "items",
    "name",
    "unitPrice",
    "quantity",
    "taxRate",
    "discountRate",
    "creditedAmount",
    "ean",
    "imageUri",
    "uri",
    "type",
    "itemId",
    "totalPriceExcludingTax",
    "totalPriceIncludingTax",
    "totalTaxAmount",
    "totalCreditedAmount",
    "city",
    "countryCode",
    "identityNumber",
    "email",
    "firstName",
    "lastName",
    "phone",
    "postalCode",
    "street",
    "colorScheme",
    "locale",
    "requestPhone",
    "phoneOptional",
    "countries",
    "verification",
    "paymentMethod",
    "country",
    "billingPeriod",
    "totalFeeExcludingTax",
    "totalFeeIncludingTax",
];

pub fn normalize(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = KEYS
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(&k))
                        .map_or(k, |c| (*c).to_owned());
                    (key, normalize(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        other => other,
    }
}

fn ts(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

impl SimState {
    pub fn add_account(&mut self, a: SimAccount) {
        self.accounts.insert(a.agent_id.clone(), a);
    }

    /// The agent id if `agent:key` matches an account.
    pub fn authenticate(&self, agent: &str, key: &str) -> Option<String> {
        self.accounts
            .get(agent)
            .filter(|a| a.api_key == key)
            .map(|a| a.agent_id.clone())
    }

    pub fn count(&mut self, e: SimEndpoint) {
        let c = &mut self.counters;
        match e {
            SimEndpoint::Accounts => c.accounts += 1,
            SimEndpoint::Create => c.create += 1,
            SimEndpoint::Get => c.get += 1,
            SimEndpoint::Update => c.update += 1,
            SimEndpoint::List => c.list += 1,
        }
    }

    /// Takes one use of the first fault armed for `e`.
    pub fn take_fault(&mut self, e: SimEndpoint) -> Option<(FaultKind, Fault)> {
        let i = self
            .faults
            .iter()
            .position(|f| f.endpoint == e && f.count > 0)?;
        let f = &mut self.faults[i];
        f.count -= 1;
        let taken = (f.kind.clone(), f.clone());
        if f.count == 0 {
            self.faults.remove(i);
        }
        Some(taken)
    }

    pub fn account_json(&self, agent: &str) -> Value {
        let email = self
            .accounts
            .get(agent)
            .map(|a| a.email.clone())
            .unwrap_or_default();
        json!({
            "accountEmail": email,
            "status": "Approved",
            "merchantId": agent.parse::<i64>().unwrap_or(0),
            "enabledForInvoice": true,
            "enabledForpaymentPlan": true,
            "enabledForRecurringPayments": false
        })
    }

    pub fn create(
        &mut self,
        owner: &str,
        body: Value,
        origin: &str,
    ) -> Result<Map<String, Value>, SimError> {
        let Value::Object(mut doc) = normalize(body) else {
            return Err(SimError::bad("", "The body must be a JSON object."));
        };
        validate_merchant(&doc)?;
        let id = Uuid::new_v4();
        let t = now();
        doc.insert("id".into(), Value::String(id.to_string()));
        doc.insert("status".into(), "created".into());
        doc.insert(
            "snippet".into(),
            Value::String(format!(
                "<div id='paysonContainer' url='{origin}/embedded/checkout?id={id}'></div><script src='{origin}/embedded/payson.js'></script>"
            )),
        );
        doc.insert("purchaseId".into(), Value::Null);
        doc.entry("expirationTime")
            .or_insert_with(|| ts(t + Duration::days(2)));
        doc.insert("history".into(), json!({ "created": ts(t) }));
        let customer = doc.entry("customer").or_insert_with(|| json!({}));
        if let Some(c) = customer.as_object_mut() {
            canonical_enum(
                c.entry("type").or_insert_with(|| "person".into()),
                &CUSTOMER_TYPES,
            );
        }
        let order = doc
            .get_mut("order")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| SimError::bad("Order", "An order is required."))?;
        prepare_order(order, true)?;
        self.order.push(id);
        self.checkouts.insert(
            id,
            SimCheckout {
                owner: owner.to_owned(),
                doc: doc.clone(),
            },
        );
        Ok(doc)
    }

    pub fn get(&self, owner: &str, id: Uuid) -> Result<Map<String, Value>, SimError> {
        self.checkouts
            .get(&id)
            .filter(|c| c.owner == owner)
            .map(|c| c.doc.clone())
            .ok_or_else(SimError::not_found)
    }

    pub fn list(&self, owner: &str, status: Option<&str>, page: usize, page_size: usize) -> Value {
        let matching: Vec<Value> = self
            .order
            .iter()
            .filter_map(|id| self.checkouts.get(id))
            .filter(|c| c.owner == owner)
            .filter(|c| {
                status.is_none_or(|s| {
                    c.doc
                        .get("status")
                        .and_then(Value::as_str)
                        .is_some_and(|cs| cs.eq_ignore_ascii_case(s))
                })
            })
            .map(|c| Value::Object(c.doc.clone()))
            .collect();
        let page_size = page_size.clamp(1, 500);
        let page = page.max(1);
        let total = matching.len();
        let data: Vec<Value> = matching
            .into_iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .collect();
        json!({
            "pageSize": page_size, "page": page, "totalPages": total.div_ceil(page_size),
            "count": data.len(), "totalCount": total, "data": data
        })
    }

    /// A merchant's PUT: ship, cancel, credit, or update before payment.
    pub fn update(
        &mut self,
        owner: &str,
        id: Uuid,
        body: Value,
    ) -> Result<(Map<String, Value>, Vec<Pending>), SimError> {
        let Value::Object(body) = normalize(body) else {
            return Err(SimError::bad("", "The body must be a JSON object."));
        };
        let current = self.get(owner, id)?;
        let from = current
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("created")
            .to_owned();
        // A body without a status (the old doc's update sample) keeps the current one.
        let to = match body.get("status").filter(|v| !v.is_null()) {
            Some(v) => request_status(v)?,
            None => canonical_status(&from).unwrap_or("created"),
        };
        let pre_ready = PRE_READY.contains(&from.as_str());
        let allowed = to == from
            || (to == "shipped" && from == "readyToShip")
            || (to == "canceled" && (pre_ready || from == "readyToShip"));
        if !allowed {
            return Err(SimError::bad(
                "Status",
                &format!("The status cannot be changed from {from} to {to}."),
            ));
        }
        let mut doc = current;
        // Read-only members stay Payson's; the rest is taken from the body, unknown fields too.
        for (k, v) in &body {
            match k.as_str() {
                "id" | "status" | "snippet" | "history" | "purchaseId" | "order" => {}
                "customer" | "gui" if !pre_ready => {}
                "merchant" => {
                    if let (Some(cur), Some(new)) = (
                        doc.get_mut("merchant").and_then(Value::as_object_mut),
                        v.as_object(),
                    ) {
                        for (mk, mv) in new {
                            if pre_ready || mk == "reference" {
                                cur.insert(mk.clone(), mv.clone());
                            }
                        }
                    }
                }
                _ => {
                    doc.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(c) = doc.get_mut("customer").and_then(Value::as_object_mut) {
            canonical_enum(
                c.entry("type").or_insert_with(|| "person".into()),
                &CUSTOMER_TYPES,
            );
        }
        if let Some(new_order) = body.get("order").and_then(Value::as_object) {
            apply_order_change(&mut doc, new_order, &from, pre_ready)?;
        }
        let mut pending = Vec::new();
        if to == "shipped" {
            self.per_checkout.entry(id).or_default().ship_requests += 1;
        }
        if to != from {
            self.set_status(&mut doc, to, now());
            if to == "shipped" {
                *self.ship_counts.entry(id).or_insert(0) += 1;
            }
            pending.extend(notification(&doc, id, to));
        }
        if let Some(c) = self.checkouts.get_mut(&id) {
            c.doc = doc.clone();
        }
        Ok((doc, pending))
    }

    fn set_status(&mut self, doc: &mut Map<String, Value>, to: &str, at: DateTime<Utc>) {
        doc.insert("status".into(), Value::String(to.to_owned()));
        if let Some(h) = doc
            .entry("history")
            .or_insert_with(|| json!({}))
            .as_object_mut()
        {
            h.insert(to.to_owned(), ts(at));
        }
        if to == "readyToShip" {
            doc.insert(
                "expirationTime".into(),
                ts(at + Duration::days(READY_TO_SHIP_LIFETIME_DAYS)),
            );
            self.next_purchase_id += 1;
            doc.insert(
                "purchaseId".into(),
                json!(3_000_000 + self.next_purchase_id),
            );
        }
    }

    /// What Payson or the customer does (not the merchant).
    pub fn payson_transition(
        &mut self,
        id: Uuid,
        to: &str,
        payment_method: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Pending>, String> {
        let to = canonical_status(to).ok_or_else(|| format!("unknown status '{to}'"))?;
        let mut doc = self
            .checkouts
            .get(&id)
            .map(|c| c.doc.clone())
            .ok_or("no such checkout")?;
        let from = doc
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("created")
            .to_owned();
        let pre_ready = PRE_READY.contains(&from.as_str());
        let ok = match to {
            "formsFilled" | "readyToPay" | "processingPayment" => pre_ready,
            "readyToShip" | "denied" | "canceled" => pre_ready,
            "expired" => pre_ready || from == "readyToShip",
            "paidToAccount" => from == "shipped",
            _ => false,
        };
        if !ok {
            return Err(format!("{from} cannot become {to}"));
        }
        if let Some(m) = payment_method {
            doc.insert("paymentMethod".into(), Value::String(m.to_owned()));
        }
        self.set_status(&mut doc, to, at);
        let pending = notification(&doc, id, to);
        if let Some(c) = self.checkouts.get_mut(&id) {
            c.doc = doc;
        }
        Ok(pending.into_iter().collect())
    }
}

fn notification(doc: &Map<String, Value>, id: Uuid, status: &str) -> Option<Pending> {
    if !NOTIFYING.contains(&status) {
        return None;
    }
    let uri = doc
        .get("merchant")?
        .get("notificationUri")?
        .as_str()?
        .to_owned();
    Some(Pending {
        url: uri,
        checkout: id,
    })
}
