//! The admin desk: server-rendered pages (askama) over the same service layer as the API.
//! Signed-in state lives in a server-side session (see `auth::session_store`).

mod admin;
mod admin_confirm;
mod audit;
mod bulk;
mod checkout;
mod checkouts;
#[doc(hidden)]
pub use checkouts::render_sample as render_sample_worklist;
mod csv;
pub(crate) mod extract;
mod filters;
mod flash;
mod home;
pub mod i18n;
mod lang_switch;
pub(crate) mod local_path;
mod login;
mod login_page;
mod notifications;
mod oidc;
mod overview;
pub mod page;
mod settings;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::web;
use sha2::{Digest, Sha512};

use crate::auth::session_store::DbSessionStore;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(home::configure);
    cfg.route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/login/oidc/{provider}", web::get().to(oidc::start))
        .route(
            "/login/oidc/{provider}/callback",
            web::get().to(oidc::callback),
        )
        .route("/lang", web::post().to(lang_switch::switch))
        .route("/settings", web::get().to(settings::page))
        .route("/settings", web::post().to(settings::save))
        .route("/admin/companies", web::get().to(admin::companies))
        .route("/admin/companies", web::post().to(admin::add_company))
        .route(
            "/admin/companies/{id}/payson",
            web::post().to(admin::payson),
        )
        .route(
            "/admin/companies/{id}/time-zone",
            web::post().to(admin::time_zone),
        )
        .route("/admin/companies/{id}/test", web::post().to(admin::test))
        .route(
            "/admin/companies/{id}/keys",
            web::post().to(admin::issue_key),
        )
        .route(
            "/admin/companies/{id}/keys/{key}/revoke",
            web::post().to(admin::revoke_key),
        )
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::add_user))
        .route("/admin/users/{id}/roles", web::post().to(admin::set_roles))
        .route(
            "/admin/users/{id}/disabled",
            web::post().to(admin::set_disabled),
        )
        .route(
            "/admin/users/{id}/password",
            web::post().to(admin::reset_password),
        )
        .route(
            "/admin/users/{id}/tokens",
            web::post().to(admin::issue_token),
        )
        .route(
            "/admin/tokens/{id}/revoke",
            web::post().to(admin::revoke_token),
        )
        .route("/audit", web::get().to(audit::page))
        .route("/audit.csv", web::get().to(audit::csv))
        .route("/notifications", web::get().to(notifications::page))
        .route("/notifications.csv", web::get().to(notifications::csv))
        .route("/checkouts", web::get().to(checkouts::list))
        .route("/checkouts.csv", web::get().to(checkouts::csv))
        .route("/checkouts/bulk", web::get().to(bulk::preview))
        .route("/checkouts/bulk", web::post().to(bulk::send))
        .route("/checkouts/bulk/{job}", web::get().to(bulk::job))
        .route("/checkouts/{id}", web::get().to(checkout::show))
        .route("/checkouts/{id}/send", web::get().to(checkout::confirm))
        .route("/checkouts/{id}/send", web::post().to(checkout::send))
        .route("/checkouts/{id}/refresh", web::post().to(checkout::refresh))
        .route("/checkouts/{id}/snippet", web::get().to(checkout::snippet));
}

/// Session cookies: HttpOnly, SameSite=Strict, Secure and `__Host-` when served over https,
/// an idle timeout renewed by activity (at most one session write a minute).
pub fn session_middleware(state: &AppState) -> SessionMiddleware<DbSessionStore> {
    let https = state.settings.served_over_https();
    // The cookie key is derived from the configured secret, so restarts keep sessions.
    let key = Key::from(
        Sha512::digest(format!("session-cookie:{}", state.settings.secret_key).as_bytes())
            .as_slice(),
    );
    let idle =
        actix_web::cookie::time::Duration::minutes(state.settings.session.idle_timeout_minutes);
    SessionMiddleware::builder(state.session_store(), key)
        .cookie_name(if https {
            "__Host-cd_session".into()
        } else {
            "cd_session".into()
        })
        .cookie_secure(https)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Strict)
        .cookie_path("/".into())
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(idle)
                // Renewed when the state changes; `session::current` changes it at most once a
                // minute, so the idle timeout holds without a write per request.
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}
