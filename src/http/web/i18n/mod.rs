//! Swedish and English: chosen by the `lang` cookie (the switch), else `Accept-Language`,
//! else English. Every text a page shows is a typed message, a method on `Tr` with both
//! forms side by side (`t.sign_in()`, `t.expires_in_days(n)`), kept as data in
//! `catalogue/*.toml` and made into methods by `build.rs` through `messages!`; amounts
//! follow the language (`1 234,50 kr` or
//! `SEK 1,234.50`). What handlers and services tell a person (errors, flashes, send
//! outcomes) is typed too and rendered by matching on it (problems.rs).

#[macro_use]
mod macros;

// Every catalogue entry as a `Tr` method, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/messages.rs"));

mod notifications;
mod problems;
mod words;

pub use words::short_id;
#[cfg(test)]
mod render_tests;
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
