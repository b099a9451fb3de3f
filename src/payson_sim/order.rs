//! The simulator's order rules: required merchant URLs, item validation, totals and
//! tax, and which changes an update may make to the items (credits after payment).

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::state::{SimError, canonical_enum};

const ITEM_TYPES: [&str; 4] = ["physical", "discount", "service", "fee"];

fn money(x: f64) -> Value {
    serde_json::Number::from_f64(round2(x)).map_or(Value::Null, Value::Number)
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(super) fn validate_merchant(doc: &Map<String, Value>) -> Result<(), SimError> {
    let m = doc
        .get("merchant")
        .and_then(Value::as_object)
        .ok_or_else(|| SimError::bad("Merchant", "Merchant is required."))?;
    for (key, prop) in [
        ("checkoutUri", "Merchant.CheckoutUri"),
        ("confirmationUri", "Merchant.ConfirmationUri"),
        ("notificationUri", "Merchant.NotificationUri"),
        ("termsUri", "Merchant.TermsUri"),
    ] {
        if m.get(key)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(SimError::bad(prop, "The field is required."));
        }
    }
    Ok(())
}

/// Checks items and computes totals. `unitPrice` includes tax, so tax = incl·rate/(1+rate).
/// (Payson's own sample implies another formula; which one the live API uses is unverified.)
pub(super) fn prepare_order(
    order: &mut Map<String, Value>,
    assign_ids: bool,
) -> Result<(), SimError> {
    let currency = order
        .get("currency")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .filter(|c| c == "sek" || c == "eur")
        .ok_or_else(|| SimError::bad("Order.Currency", "The currency must be SEK or EUR."))?;
    order.insert("currency".into(), Value::String(currency));
    let items = order
        .get_mut("items")
        .and_then(Value::as_array_mut)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| SimError::bad("Order.Items", "At least one item is required."))?;
    let (mut incl, mut tax, mut credited) = (0.0, 0.0, 0.0);
    for (i, item) in items.iter_mut().enumerate() {
        let it = item.as_object_mut().ok_or_else(|| {
            SimError::bad(&format!("Order.Items[{i}]"), "An item must be an object.")
        })?;
        if it
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(|n| n.is_empty())
        {
            return Err(SimError::bad(
                &format!("Order.Items[{i}].Name"),
                "The name is required.",
            ));
        }
        let price = num(it.get("unitPrice")).ok_or_else(|| {
            SimError::bad(
                &format!("Order.Items[{i}].UnitPrice"),
                "The unit price is required.",
            )
        })?;
        let qty = num(it.get("quantity")).ok_or_else(|| {
            SimError::bad(
                &format!("Order.Items[{i}].Quantity"),
                "The quantity is required.",
            )
        })?;
        let rate = num(it.get("taxRate")).unwrap_or(0.0);
        let discount = num(it.get("discountRate")).unwrap_or(0.0);
        let total = round2(price * qty * (1.0 - discount));
        let item_tax = round2(total * rate / (1.0 + rate));
        if assign_ids {
            it.entry("itemId")
                .or_insert_with(|| Value::String(Uuid::new_v4().to_string()));
        }
        it.entry("discountRate").or_insert(json!(0));
        it.entry("taxRate").or_insert(json!(0));
        canonical_enum(
            it.entry("type").or_insert_with(|| "physical".into()),
            &ITEM_TYPES,
        );
        it.entry("creditedAmount").or_insert(json!(0));
        it.insert("totalPriceIncludingTax".into(), money(total));
        it.insert("totalPriceExcludingTax".into(), money(total - item_tax));
        it.insert("totalTaxAmount".into(), money(item_tax));
        incl += total;
        tax += item_tax;
        credited += num(it.get("creditedAmount")).unwrap_or(0.0);
    }
    order.insert("totalPriceIncludingTax".into(), money(incl));
    order.insert("totalPriceExcludingTax".into(), money(incl - tax));
    order.insert("totalTaxAmount".into(), money(tax));
    order.insert("totalCreditedAmount".into(), money(credited));
    Ok(())
}

/// Before payment the whole order may change; after shipping only credited amounts may
/// grow, up to each item's total.
pub(super) fn apply_order_change(
    doc: &mut Map<String, Value>,
    new: &Map<String, Value>,
    from: &str,
    pre_ready: bool,
) -> Result<(), SimError> {
    let order = doc
        .get_mut("order")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| SimError::bad("Order", "No order."))?;
    if pre_ready {
        // Nothing is paid yet, so nothing can be credited.
        let items = new.get("items").and_then(Value::as_array);
        for (i, it) in items.into_iter().flatten().enumerate() {
            if num(it.get("creditedAmount")).is_some_and(|c| c.abs() >= 0.005) {
                return Err(SimError::bad(
                    &format!("Order.Items[{i}].CreditedAmount"),
                    "A credit can only be set after the order has been shipped.",
                ));
            }
        }
        *order = new.clone();
        return prepare_order(order, true);
    }
    let credit_allowed = from == "shipped" || from == "paidToAccount";
    let Some(new_items) = new.get("items").and_then(Value::as_array) else {
        return Ok(());
    };
    let Some(items) = order.get_mut("items").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for (i, item) in items.iter_mut().enumerate() {
        let Some(it) = item.as_object_mut() else {
            continue;
        };
        let item_id = it.get("itemId").cloned();
        let Some(new_it) = new_items
            .iter()
            .filter_map(Value::as_object)
            .find(|n| n.get("itemId") == item_id.as_ref())
            .or_else(|| new_items.get(i).and_then(Value::as_object))
        else {
            continue;
        };
        let old_credit = num(it.get("creditedAmount")).unwrap_or(0.0);
        let Some(new_credit) = num(new_it.get("creditedAmount")) else {
            continue;
        };
        if (new_credit - old_credit).abs() < 0.005 {
            continue;
        }
        if !credit_allowed {
            return Err(SimError::bad(
                &format!("Order.Items[{i}].CreditedAmount"),
                "A credit can only be set after the order has been shipped.",
            ));
        }
        let total = num(it.get("totalPriceIncludingTax")).unwrap_or(0.0);
        if new_credit < old_credit || new_credit > total + 0.005 {
            return Err(SimError::bad(
                &format!("Order.Items[{i}].CreditedAmount"),
                "The credited amount must grow and cannot exceed the item total.",
            ));
        }
        it.insert("creditedAmount".into(), money(new_credit));
    }
    prepare_order(order, false)
}
