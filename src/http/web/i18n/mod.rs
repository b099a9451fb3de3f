//! Swedish and English: chosen by the `lang` cookie (the switch), else `Accept-Language`,
//! else English. Every text a page shows is a typed message, a method on `Tr` with both
//! forms side by side (`t.sign_in()`, `t.expires_in_days(n)`), written with `messages!` in
//! the catalogue files below; amounts follow the language (`1 234,50 kr` or
//! `SEK 1,234.50`). Texts built elsewhere as English still pass through
//! `Tr::legacy_msg` (legacy.rs) until they are typed too.

#[macro_use]
mod macros;

mod admin;
mod checkouts;
mod desk;
mod legacy;
#[cfg(test)]
mod render_tests;
mod signin;
#[cfg(test)]
mod tests;

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::Money;

pub const COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        let primary = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "sv" => Some(Self::Sv),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Sv => "sv",
            Self::En => "en",
        }
    }

    /// The language the switch offers.
    pub fn other(self) -> Self {
        match self {
            Self::Sv => Self::En,
            Self::En => Self::Sv,
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub fn autonym(self) -> &'static str {
        match self {
            Self::Sv => "Svenska",
            Self::En => "English",
        }
    }

    /// The best of Swedish and English by `Accept-Language` q-values; English on a tie.
    fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let Some(lang) = it.next().and_then(Lang::parse) else {
                continue;
            };
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }

    pub fn of(req: &HttpRequest) -> Self {
        if let Some(l) = req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())) {
            return l;
        }
        req.headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Self::En)
    }
}

/// The translator templates receive as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl FromRequest for Tr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Tr(Lang::of(req))))
    }
}

impl Tr {
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The language the switch offers.
    pub fn other(&self) -> Lang {
        self.0.other()
    }

    pub fn money(&self, m: Money) -> String {
        match self.0 {
            Lang::Sv => m.format_sv(),
            Lang::En => m.format_en(),
        }
    }
}

/// The language switch: a cookie, then back to the page it was pressed on (never off-site).
pub async fn switch(
    req: HttpRequest,
    session: actix_session::Session,
    form: actix_web::web::Form<SwitchForm>,
) -> Result<actix_web::HttpResponse, super::page::PageError> {
    use actix_web::cookie::{Cookie, SameSite, time::Duration};
    super::csrf::verify(&req, &session, &form.csrf_token)?;
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        crate::error::AppError::invalid("lang", "InvalidFormat", "Unknown language")
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
        .find(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or_else(|| "/checkouts".to_owned());
    let cookie = Cookie::build(COOKIE, lang.code())
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
    csrf_token: String,
    #[serde(default)]
    back: String,
}
