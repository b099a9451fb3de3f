//! The sign-in page, shown by local sign-in and again after a failed OpenID sign-in.

use askama::Template;

use super::extract::Visitor;
use crate::error::AppError;
use crate::http::csrf;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: super::i18n::Tr,
    pub csrf: String,
    pub email: String,
    /// Already in the reader's language: the template shows it as it is.
    pub error: Option<String>,
    /// (name, label) of each OpenID provider: "Sign in with <label>".
    pub providers: Vec<(String, String)>,
    /// The local path asked for before sign-in (empty: the worklist).
    pub next: String,
}

impl LoginPage {
    pub fn new(v: &Visitor, email: String, error: Option<String>) -> Result<Self, AppError> {
        let providers = v
            .state
            .oidc
            .providers()
            .map(|p| (p.name.clone(), p.label().to_owned()))
            .collect();
        Ok(Self {
            t: v.t,
            csrf: csrf::token(&v.session)?,
            email,
            error,
            providers,
            next: String::new(),
        })
    }

    /// Returns to `next` after signing in, if it is a path on this site.
    pub fn with_next(mut self, next: Option<&str>) -> Self {
        self.next = next
            .and_then(super::local_path::local_path)
            .unwrap_or_default()
            .to_owned();
        self
    }

    /// `?next=…` for the provider links, or nothing.
    pub fn next_query(&self) -> String {
        if self.next.is_empty() {
            String::new()
        } else {
            format!("?next={}", super::local_path::encoded(&self.next))
        }
    }
}
