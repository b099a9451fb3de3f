//! The landing page: what this server is and where its API lives.

use actix_web::{HttpResponse, web};
use askama::Template;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
}

#[derive(Template)]
#[template(path = "index.html")]
pub(super) struct Index {
    pub t: super::i18n::Tr,
    pub version: &'static str,
}

async fn index(t: super::i18n::Tr) -> HttpResponse {
    match (Index {
        t,
        version: env!("CARGO_PKG_VERSION"),
    })
    .render()
    {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}
