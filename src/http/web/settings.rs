//! `/settings`: the signed-in user's own settings — the daily expiry digest's opt-out
//! (offered to write administrators, who are the ones it goes to) and the language of
//! e-mails.

use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

use super::extract::{Chrome, Post, SignedIn};
use super::flash::{self, Flash, Notice};
use super::i18n::{Lang, Tr};
use super::page::{Page, html};
use crate::domain::policy;
use crate::domain::{Language, UserSettings};
use crate::service::digest;

#[derive(Template)]
#[template(path = "settings/show.html")]
struct SettingsPage {
    t: Tr,
    chrome: Chrome,
    flash: Option<Flash>,
    /// Whether the digest is for this user at all (else the checkbox is not offered).
    offered: bool,
    /// Whether this server sends it (`digest.enabled`).
    server_sends: bool,
    window_days: i64,
    digest: bool,
    /// "", "en" or "sv".
    language: &'static str,
    /// (code, the language's name in itself) for each language mails can be written in.
    languages: [(&'static str, &'static str); 2],
}

pub async fn page(s: SignedIn) -> Page {
    let state = &s.state;
    let current = digest::settings(state, s.actor(), s.principal.user_id).await?;
    let page = SettingsPage {
        offered: policy::gets_digest(s.actor()),
        server_sends: state.settings.digest.enabled,
        window_days: state.settings.digest.window_days,
        digest: current.digest,
        language: current.language.map_or("", Language::code),
        languages: [Lang::En, Lang::Sv].map(|l| (l.code(), l.autonym())),
        flash: flash::take(&s.session),
        t: s.t,
        chrome: s.chrome,
    };
    html(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    /// Present (any value) when the box is ticked; absent when not, as browsers send it.
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    language: String,
}

pub async fn save(Post { form: f, s }: Post<SettingsForm>) -> Page {
    let user = s.principal.user_id;
    let result = async {
        let current = digest::settings(&s.state, s.actor(), user).await?;
        let new = UserSettings {
            // Someone the digest is not for has no box to untick: their choice stays.
            digest: if policy::gets_digest(s.actor()) {
                f.digest.is_some()
            } else {
                current.digest
            },
            language: Language::parse(&f.language),
        };
        digest::save_settings(s.call(), user, new).await
    }
    .await;
    super::admin::done(&s, "/settings", result, |_| Notice::SettingsSaved)
}
