//! `/`: the desk's front door (the worklist when signed in, else sign-in), and `/api`:
//! what this server is and where its API lives.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::page::{PageError, see_other};
use crate::http::session;
use crate::state::AppState;

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

async fn front_door(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    Ok(match session::current(&state, &session).await? {
        Some(_) => see_other("/checkouts"),
        None => see_other("/login"),
    })
}

async fn api_description(t: super::i18n::Tr) -> HttpResponse {
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
