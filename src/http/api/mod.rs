//! The BokaMera-compatible API: `SendCheckoutPaymentRequest` and its sibling
//! `PaysonCheckoutv2GetCheckout`, on their custom routes and ServiceStack's predefined ones.

mod binding;
mod checkout;
pub mod describe;
pub mod format;
mod ipn;
mod render;
mod xml;

use actix_web::web;

use format::Format;

pub use render::ApiError;

const SEND: &str = "SendCheckoutPaymentRequest";
const GET: &str = "PaysonCheckoutv2GetCheckout";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let send = |route_format: Option<Format>, id_in_path: bool| {
        move |req, payload, state| checkout::send(req, payload, state, route_format, id_in_path)
    };
    let get = |route_format: Option<Format>, id_in_path: bool| {
        move |req, state| checkout::get(req, state, route_format, id_in_path)
    };
    cfg.route(
        "/payment/payson/v2/ipncallback",
        web::post().to(ipn::ipn_callback),
    );
    let base = "/payment/payson/v2/checkout/{id}";
    for (suffix, f) in [
        ("", None),
        (".json", Some(Format::Json)),
        (".xml", Some(Format::Xml)),
    ] {
        cfg.service(
            web::resource(format!("{base}/sendpaymentrequest{suffix}"))
                .route(web::put().to(send(f, true)))
                .default_service(web::to(checkout::method_not_allowed)),
        );
    }
    // `{id}` may carry the `.json`/`.xml` suffix here; the handler strips it.
    cfg.service(
        web::resource(base)
            .route(web::get().to(get(None, true)))
            .default_service(web::to(checkout::method_not_allowed)),
    );
    for (prefix, f) in [
        ("/json/reply", Some(Format::Json)),
        ("/xml/reply", Some(Format::Xml)),
        ("/api", None),
    ] {
        cfg.service(
            web::resource(format!("{prefix}/{SEND}"))
                .route(web::put().to(send(f, false)))
                .route(web::post().to(send(f, false)))
                .default_service(web::to(checkout::method_not_allowed)),
        );
        cfg.service(
            web::resource(format!("{prefix}/{GET}"))
                .route(web::get().to(get(f, false)))
                .default_service(web::to(checkout::method_not_allowed)),
        );
    }
}
