//! `POST /lang`: the language switch. Remembers the choice in a cookie and goes back to
//! the page it was pressed on (a path on this site only).

use actix_web::HttpRequest;

use super::extract::CsrfForm;
use super::i18n;
use super::page::Page;

/// The language switch: a cookie, then back to the page it was pressed on (never off-site).
pub async fn switch(req: HttpRequest, form: CsrfForm<SwitchForm>) -> Page {
    use actix_web::cookie::{Cookie, SameSite, time::Duration};
    // Checked like every form: our own page, this session's token.
    let CsrfForm(form) = form;
    let lang = i18n::Lang::parse(&form.lang).ok_or_else(|| {
        crate::error::AppError::rejected("lang", "InvalidFormat", crate::error::Invalid::Language)
    })?;
    let referer_path = req
        .headers()
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()));
    let back = [Some(form.back.clone()), referer_path]
        .into_iter()
        .flatten()
        .find(|p| super::local_path::local_path(p).is_some())
        .unwrap_or_else(|| "/checkouts".to_owned());
    let cookie = Cookie::build(i18n::COOKIE, lang.code())
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .max_age(Duration::days(365))
        .finish();
    Ok(actix_web::HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((actix_web::http::header::LOCATION, back))
        .finish())
}

#[derive(serde::Deserialize)]
pub struct SwitchForm {
    lang: String,
    #[serde(default)]
    back: String,
}
