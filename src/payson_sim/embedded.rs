//! The embedded checkout the snippet loads: the test customer sees the order and can
//! "pay" by card or invoice, which moves the checkout to readyToShip as Payson would.

use actix_web::{HttpResponse, web};
use quick_xml::escape::escape;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Inner, notify};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/embedded/payson.js", web::get().to(loader))
        .route("/embedded/checkout", web::get().to(page))
        .route("/embedded/checkout/pay", web::post().to(pay));
}

/// Replaces each `#paysonContainer` with an iframe of its `url`, like Payson's loader.
const LOADER: &str = r#"(function () {
  var c = document.getElementById('paysonContainer');
  if (!c) { return; }
  var f = document.createElement('iframe');
  f.id = 'paysonIframe';
  f.name = 'paysonIframe';
  f.src = c.getAttribute('url');
  f.title = 'Payson Checkout';
  f.style.width = '100%';
  f.style.minHeight = '520px';
  f.style.border = '0';
  c.appendChild(f);
})();
"#;

async fn loader() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .body(LOADER)
}

#[derive(Deserialize)]
struct IdQuery {
    id: Uuid,
}

fn e(s: &str) -> String {
    escape(s).into_owned()
}

async fn page(q: web::Query<IdQuery>, inner: web::Data<Inner>) -> HttpResponse {
    let Some(doc) = inner.with(|s| s.checkouts.get(&q.id).map(|c| c.doc.clone())) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Unknown checkout");
    };
    let status = doc
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("created");
    let order = doc.get("order").cloned().unwrap_or(Value::Null);
    let currency = order
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("sek")
        .to_uppercase();
    let rows: String = order
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    format!(
                        "<tr><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                        e(i.get("name").and_then(Value::as_str).unwrap_or("")),
                        i.get("quantity").map(Value::to_string).unwrap_or_default(),
                        i.get("totalPriceIncludingTax")
                            .map(Value::to_string)
                            .unwrap_or_default(),
                        e(&currency)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let total = order
        .get("totalPriceIncludingTax")
        .map(Value::to_string)
        .unwrap_or_default();
    let customer = doc.get("customer").cloned().unwrap_or(Value::Null);
    let field = |k: &str| e(customer.get(k).and_then(Value::as_str).unwrap_or(""));
    let action = if matches!(
        status,
        "created" | "formsFilled" | "readyToPay" | "processingPayment"
    ) {
        format!(
            r#"<form method="post" action="/embedded/checkout/pay">
<input type="hidden" name="id" value="{id}">
<p><label>First name <input name="firstName" value="{first}"></label></p>
<p><label>Last name <input name="lastName" value="{last}"></label></p>
<p><label>E-mail <input name="email" type="email" value="{email}"></label></p>
<p><button name="method" value="card">Pay by card</button> <button name="method" value="invoice">Pay by invoice</button></p>
</form>"#,
            id = q.id,
            first = field("firstName"),
            last = field("lastName"),
            email = field("email"),
        )
    } else {
        format!(
            "<p class=\"done\">Thank you! This checkout is <strong>{}</strong>.</p>",
            e(status)
        )
    };
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payson Checkout (simulator)</title></head>
<body><main><h1>Payson Checkout <small>(simulator)</small></h1>
<table><thead><tr><th>Item</th><th>Qty</th><th>Total</th></tr></thead><tbody>{rows}</tbody></table>
<p>Total: <strong>{total} {currency}</strong> — status <span id="status">{status}</span></p>
{action}</main></body></html>"#,
        total = e(&total),
        currency = e(&currency),
        status = e(status),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

#[derive(Deserialize)]
struct PayForm {
    id: Uuid,
    method: String,
    #[serde(rename = "firstName", default)]
    first_name: String,
    #[serde(rename = "lastName", default)]
    last_name: String,
    #[serde(default)]
    email: String,
}

async fn pay(form: web::Form<PayForm>, inner: web::Data<Inner>) -> HttpResponse {
    let method = if form.method == "invoice" {
        "invoice"
    } else {
        "card"
    };
    let result = inner.with(|s| {
        if let Some(c) = s.checkouts.get_mut(&form.id)
            && let Some(cust) = c
                .doc
                .entry("customer")
                .or_insert_with(|| serde_json::json!({}))
                .as_object_mut()
        {
            for (k, v) in [
                ("firstName", &form.first_name),
                ("lastName", &form.last_name),
                ("email", &form.email),
            ] {
                if !v.trim().is_empty() {
                    cust.insert(k.into(), Value::String(v.trim().to_owned()));
                }
            }
        }
        s.payson_transition(form.id, "readyToShip", Some(method), super::now())
    });
    match result {
        Ok(pending) => {
            notify::schedule(&inner.clone().into_inner(), pending);
            HttpResponse::SeeOther()
                .insert_header(("Location", format!("/embedded/checkout?id={}", form.id)))
                .finish()
        }
        Err(msg) => HttpResponse::Conflict()
            .content_type("text/plain; charset=utf-8")
            .body(msg),
    }
}
