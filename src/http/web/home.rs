//! `/`: the desk's front door (the worklist when signed in, else sign-in), and `/api`:
//! what this server is and where its API lives.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use super::extract::Visitor;
use super::page::{Page, public_html, see_other};
use crate::http::session;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(front_door))
        .route("/api", web::get().to(api_description));
}

#[derive(Template)]
#[template(path = "index.html")]
pub(super) struct Index {
    pub t: super::i18n::Tr,
    pub version: &'static str,
}

async fn front_door(v: Visitor) -> Page {
    Ok(match session::current(&v.state, &v.session).await? {
        Some(_) => see_other("/checkouts"),
        None => see_other("/login"),
    })
}

async fn api_description(t: super::i18n::Tr) -> Page {
    let version = env!("CARGO_PKG_VERSION");
    public_html(StatusCode::OK, &Index { t, version })
}
