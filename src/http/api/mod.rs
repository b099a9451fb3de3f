//! The BokaMera-compatible API: `SendCheckoutPaymentRequest` and its sibling
//! `PaysonCheckoutv2GetCheckout`, on their custom routes and ServiceStack's predefined ones.

mod batch;
mod binding;
mod checkout;
mod cors;
pub mod describe;
pub mod format;
mod ipn;
pub mod modifiers;
mod render;
mod xml;

use actix_web::middleware::from_fn;
use actix_web::{Resource, web};

use format::Format;

use crate::config::Settings;

pub use checkout::not_found;
pub use render::ApiError;

const SEND: &str = "SendCheckoutPaymentRequest";
const GET: &str = "PaysonCheckoutv2GetCheckout";

/// An API resource: it wears ServiceStack's JSON modifiers and CORS.
fn resource(
    path: String,
    cors: actix_web::middleware::Condition<actix_cors::Cors>,
) -> Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .wrap(from_fn(modifiers::json_modifiers))
        .wrap(cors)
}

pub fn configure(cfg: &mut web::ServiceConfig, settings: &Settings) {
    let send = |format: Option<Format>, id_in_path: bool| {
        let route = checkout::Route { format, id_in_path };
        move |req, payload, state| checkout::send(req, payload, state, route)
    };
    let get = |format: Option<Format>, id_in_path: bool| {
        let route = checkout::Route { format, id_in_path };
        move |req, state| checkout::get(req, state, route)
    };
    cfg.service(
        resource(
            "/payment/payson/v2/ipncallback".into(),
            cors::layer(settings),
        )
        .route(web::post().to(ipn::ipn_callback))
        .default_service(web::to(checkout::method_not_allowed)),
    );
    let base = "/payment/payson/v2/checkout/{id}";
    for (suffix, f) in [
        ("", None),
        (".json", Some(Format::Json)),
        (".xml", Some(Format::Xml)),
    ] {
        cfg.service(
            resource(
                format!("{base}/sendpaymentrequest{suffix}"),
                cors::layer(settings),
            )
            .route(web::put().to(send(f, true)))
            .default_service(web::to(checkout::method_not_allowed)),
        );
    }
    // `{id}` may carry the `.json`/`.xml` suffix here; the handler strips it.
    cfg.service(
        resource(base.into(), cors::layer(settings))
            .route(web::get().to(get(None, true)))
            .default_service(web::to(checkout::method_not_allowed)),
    );
    for (prefix, f) in [
        ("/json/reply", Some(Format::Json)),
        ("/xml/reply", Some(Format::Xml)),
        ("/api", None),
    ] {
        cfg.service(
            resource(format!("{prefix}/{SEND}"), cors::layer(settings))
                .route(web::put().to(send(f, false)))
                .route(web::post().to(send(f, false)))
                .default_service(web::to(checkout::method_not_allowed)),
        );
        cfg.service(
            resource(format!("{prefix}/{GET}"), cors::layer(settings))
                .route(web::get().to(get(f, false)))
                .default_service(web::to(checkout::method_not_allowed)),
        );
    }
    // Auto-batched requests, the brackets literal or percent-encoded.
    for prefix in ["/json/reply", "/api"] {
        for (op, name) in [(batch::Op::Send, SEND), (batch::Op::Get, GET)] {
            for brackets in ["[]", "%5B%5D"] {
                cfg.service(
                    resource(format!("{prefix}/{name}{brackets}"), cors::layer(settings))
                        .route(
                            web::post().to(move |req, payload, state| {
                                batch::batch(req, payload, state, op)
                            }),
                        )
                        .default_service(web::to(checkout::method_not_allowed)),
                );
            }
        }
    }
}
