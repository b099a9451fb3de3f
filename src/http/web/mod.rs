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

/// `cfg.route(path, web::method().to(handler))` for each `method path => handler`.
macro_rules! routes {
    ($cfg:expr; $($method:ident $path:literal => $handler:path),+ $(,)?) => {
        $cfg$(.route($path, web::$method().to($handler)))+
    };
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(home::configure);
    routes! { cfg;
        get "/login" => login::form,
        post "/login" => login::submit,
        post "/logout" => login::logout,
        get "/login/oidc/{provider}" => oidc::start,
        get "/login/oidc/{provider}/callback" => oidc::callback,
        post "/lang" => lang_switch::switch,
        get "/settings" => settings::page,
        post "/settings" => settings::save,
        get "/admin/companies" => admin::companies,
        post "/admin/companies" => admin::add_company,
        post "/admin/companies/{id}/payson" => admin::payson,
        post "/admin/companies/{id}/time-zone" => admin::time_zone,
        post "/admin/companies/{id}/test" => admin::test,
        post "/admin/companies/{id}/keys" => admin::issue_key,
        post "/admin/companies/{id}/keys/{key}/revoke" => admin::revoke_key,
        get "/admin/users" => admin::users,
        post "/admin/users" => admin::add_user,
        post "/admin/users/{id}/roles" => admin::set_roles,
        post "/admin/users/{id}/disabled" => admin::set_disabled,
        post "/admin/users/{id}/password" => admin::reset_password,
        post "/admin/users/{id}/tokens" => admin::issue_token,
        post "/admin/tokens/{id}/revoke" => admin::revoke_token,
        get "/audit" => audit::page,
        get "/audit.csv" => audit::csv,
        get "/notifications" => notifications::page,
        get "/notifications.csv" => notifications::csv,
        get "/checkouts" => checkouts::list,
        get "/checkouts.csv" => checkouts::csv,
        get "/checkouts/bulk" => bulk::preview,
        post "/checkouts/bulk" => bulk::send,
        get "/checkouts/bulk/{job}" => bulk::job,
        get "/checkouts/{id}" => checkout::show,
        get "/checkouts/{id}/send" => checkout::confirm,
        post "/checkouts/{id}/send" => checkout::send,
        post "/checkouts/{id}/refresh" => checkout::refresh,
        get "/checkouts/{id}/snippet" => checkout::snippet,
    };
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
