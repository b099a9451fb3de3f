//! Administration, the audit log, signing in and out, the error and landing pages.

use askama::Template;

use super::{audit_row, check, chrome, s};
use crate::error::{Invalid, Missing, Problem};
use crate::http::web::admin::{
    CompaniesPage, CompanyView, KeyView, Messages, TokenView, UserView, UsersPage,
};
use crate::http::web::audit::{AuditPage, AuditQuery};
use crate::http::web::filters::LogList;
use crate::http::web::flash::{Flash, Notice};
use crate::http::web::home::Index;
use crate::http::web::login::SignedOut;
use crate::http::web::login_page::LoginPage;
use crate::http::web::oidc::SignedIn;
use crate::http::web::page::{ErrorPage, NotFoundPage};

#[test]
fn companies() {
    for keys in [0, 2] {
        check("admin/companies.html", |t| {
            CompaniesPage {
                t,
                chrome: chrome(),
                is_super: true,
                companies: vec![CompanyView {
                    id: s("1"),
                    name: s("Acme AB"),
                    agent_id: s("4"),
                    base_url: s("http://127.0.0.1:9/"),
                    time_zone: "Europe/Stockholm",
                    keys: (0..keys)
                        .map(|i| KeyView {
                            id: s("k"),
                            notes: s("kassa"),
                            allowed_ips: s("10.0.0.1"),
                            expires: s("2026-01-01"),
                            revoked: i == 0,
                        })
                        .collect(),
                }],
                messages: Messages {
                    flash: Some(Flash::Done(Notice::CompanyAdded(s("Acme AB")))),
                    secret: Some((t.new_api_key_shown_once().to_owned(), s("x"))),
                },
            }
            .render()
            .unwrap()
        });
    }
}

#[test]
fn users() {
    check("admin/users.html", |t| {
        UsersPage {
            t,
            chrome: chrome(),
            users: [false, true]
                .into_iter()
                .map(|disabled| UserView {
                    id: s("1"),
                    email: s("a@b.se"),
                    company: s("Acme AB"),
                    company_id: s("1"),
                    roles: vec![("superadmin", t.role_superadmin(), true)],
                    disabled,
                    tokens: [false, true]
                        .into_iter()
                        .map(|revoked| TokenView {
                            id: s("2"),
                            name: s("kassa"),
                            created: s("2026-01-01"),
                            revoked,
                        })
                        .collect(),
                })
                .collect(),
            companies: vec![(s("1"), s("Acme AB"))],
            roles: vec![("superadmin", t.role_superadmin())],
            messages: Messages {
                flash: Some(Flash::Refused(Problem::Invalid(
                    Invalid::CompanyRoleWithoutCompany,
                ))),
                secret: Some((t.api_token_shown_once("a@b.se"), s("x"))),
            },
        }
        .render()
        .unwrap()
    });
}

#[test]
fn audit_log() {
    check("audit/list.html", |t| {
        AuditPage {
            t,
            chrome: chrome(),
            actions: vec![("login", t.action_login())],
            outcomes: vec![("success", t.outcome_success())],
            q: AuditQuery::default(),
            list: LogList {
                companies: vec![(s("1"), s("Acme AB"))],
                rows: vec![audit_row(t)],
                next: Some(s("/audit?before=1")),
                csv: s("/audit.csv?"),
            },
        }
        .render()
        .unwrap()
    });
}

#[test]
fn login() {
    check("login.html", |t| {
        LoginPage {
            t,
            csrf: s("c"),
            email: s("a@b.se"),
            error: Some(t.wrong_email_or_password().to_owned()),
            providers: vec![(s("test"), s("Test IdP"))],
            next: s("/checkouts/x"),
        }
        .render()
        .unwrap()
    });
}

#[test]
fn signed_in_and_out() {
    check("signed_in.html", |t| {
        SignedIn {
            t,
            next: s("/checkouts"),
        }
        .render()
        .unwrap()
    });
    check("signed_out.html", |t| {
        SignedOut {
            t,
            provider_url: s("http://127.0.0.1:9/end"),
        }
        .render()
        .unwrap()
    });
}

#[test]
fn error_and_landing_pages() {
    for signed_in in [false, true] {
        check("error.html", |t| {
            ErrorPage {
                t,
                status: 404,
                problem: Problem::NotFound(Missing::Checkout),
                request_id: "0123456789abcdef0123456789abcdef",
                chrome: signed_in.then(chrome),
            }
            .render()
            .unwrap()
        });
        check("not_found.html", |t| {
            NotFoundPage {
                t,
                chrome: signed_in.then(chrome),
                request_id: s("0123456789abcdef0123456789abcdef"),
            }
            .render()
            .unwrap()
        });
    }
    check("index.html", |t| {
        Index { t, version: "1.0" }.render().unwrap()
    });
}
