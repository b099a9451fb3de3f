//! Rules that live once in the service layer and hold the same from every face: the
//! pages, the command line and direct service calls (issue 8, point 9).

use std::process::Command;

use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{AuditAction, AuditOutcome, Role, RoleSet};
use checkout_desk::service::{Call, RequestMeta, users};
use reqwest::StatusCode;

use crate::helpers::browser::{Browser, location};
use crate::helpers::{Db, Options, PASSWORD, TestApp, fresh_database_url, global_user, spawn_with};
use crate::on_both;

const BIN: &str = env!("CARGO_BIN_EXE_checkout-desk");

/// Runs the binary against the app's database; (success, stdout, stderr).
fn cli(app: &TestApp, db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("CHECKOUT_DESK_DATABASE_URL", db_url)
        .env("CHECKOUT_DESK_SECRET_KEY", &app.state.settings.secret_key)
        .env("CHECKOUT_DESK_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn app_with_url() -> (TestApp, String) {
    let url = fresh_database_url(Db::Sqlite).await;
    let mut opts = Options::new(Db::Sqlite);
    opts.database_url = Some(url.clone());
    (spawn_with(opts).await, url)
}

async fn events(app: &TestApp, action: AuditAction) -> Vec<checkout_desk::domain::AuditEvent> {
    app.state
        .store
        .audit_events(&Default::default(), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == action)
        .collect()
}

#[tokio::test]
async fn company_roles_need_a_company_from_every_face() {
    let (app, db_url) = app_with_url().await;
    let meta = RequestMeta::internal("test");
    let write = RoleSet::empty().with(Role::AdminWrite);
    // A global role does not excuse a company role from naming its company.
    let mixed = RoleSet::empty()
        .with(Role::SuperAdmin)
        .with(Role::AdminRead);
    for roles in [write, mixed] {
        let new = users::NewUser {
            email: format!("x{}@rules.test", roles.to_list().len()),
            display_name: String::new(),
            password: None,
            company_id: None,
            roles,
        };
        let e = users::add(Call::new(&app.state, Actor::Operator, &meta), new)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "Company roles need a company");
    }

    global_user(&app, "root@rules.test", Role::SuperAdmin).await;
    global_user(&app, "aud@rules.test", Role::Auditor).await;
    let auditor = app.user("aud@rules.test").await;
    // The command line: the auditor has no company to keep.
    let (ok, _, err) = cli(
        &app,
        &db_url,
        &[
            "user",
            "roles",
            "--email",
            "aud@rules.test",
            "--roles",
            "auditor,bookingsupplier-administrator-read",
        ],
    );
    assert!(!ok && err.contains("Company roles need a company"), "{err}");
    // The Users page.
    let mut b = Browser::signed_in(&app, "root@rules.test").await;
    b.get_html("/admin/users").await;
    let r = b
        .post_form(
            &format!("/admin/users/{}/roles", auditor.id),
            &[
                ("role", "superadmin"),
                ("role", "bookingsupplier-administrator-write"),
                ("company", ""),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/users");
    let page = b.get_html("/admin/users").await;
    assert!(page.contains("Company roles need a company"), "{page}");
    let after = app.state.store.user(auditor.id).await.unwrap().unwrap();
    assert_eq!(
        after.roles,
        RoleSet::empty().with(Role::Auditor),
        "unchanged"
    );
    let refused = events(&app, AuditAction::UserChanged).await;
    assert!(
        refused
            .iter()
            .filter(|e| e.event.outcome == AuditOutcome::Rejected)
            .count()
            >= 3,
        "every refusal audited"
    );
}

#[tokio::test]
async fn user_passwd_ends_sessions_and_is_audited_as_the_operator() {
    let (app, db_url) = app_with_url().await;
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    assert_eq!(b.get("/checkouts").await.status(), StatusCode::OK);
    let (ok, out, err) = cli(
        &app,
        &db_url,
        &["user", "passwd", "--email", "writer@acme.test"],
    );
    assert!(ok, "{out} {err}");
    let r = b.get("/checkouts").await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the old session has ended"
    );
    assert_eq!(location(&r), "/login");
    let e = events(&app, AuditAction::UserChanged).await;
    let e = e
        .iter()
        .find(|e| e.event.message.contains("password of writer@acme.test"))
        .expect("audited");
    assert_eq!(e.event.actor, "operator");
    assert_eq!(e.event.actor_user_id, None);
    assert_eq!(e.event.remote_addr, "local");
    assert_eq!(e.event.outcome, AuditOutcome::Success);
}

#[tokio::test]
async fn failed_password_reset_and_token_issue_are_audited() {
    let (app, _) = app_with_url().await;
    let writer = app.user("writer@acme.test").await;
    // A company administrator may not reset passwords or issue tokens.
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    w.get_checkouts_html().await;
    // The reset confirmed: asking alone does nothing, so audits nothing.
    for what in ["password", "tokens"] {
        let r = w
            .post_form(
                &format!("/admin/users/{}/{what}", writer.id),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{what}");
    }
    // A superadmin naming a user who does not exist.
    global_user(&app, "root@rules.test", Role::SuperAdmin).await;
    let mut s = Browser::signed_in(&app, "root@rules.test").await;
    s.get_html("/admin/users").await;
    let ghost = uuid::Uuid::new_v4();
    let r = s
        .post_form(&format!("/admin/users/{ghost}/tokens"), &[("name", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let resets = events(&app, AuditAction::UserChanged).await;
    assert!(
        resets
            .iter()
            .any(|e| e.event.outcome == AuditOutcome::Rejected
                && e.event.actor == "writer@acme.test"
                && e.event.http_status == 403),
        "refused reset audited"
    );
    let issued = events(&app, AuditAction::TokenIssued).await;
    assert!(
        issued
            .iter()
            .any(|e| e.event.actor == "writer@acme.test"
                && e.event.outcome == AuditOutcome::Rejected)
    );
    assert!(
        issued
            .iter()
            .any(|e| e.event.actor == "root@rules.test" && e.event.http_status == 404),
        "unknown user audited"
    );
}

#[tokio::test]
async fn bulk_send_names_the_bad_value() {
    let (app, _) = app_with_url().await;
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    let r = w.get("/checkouts/bulk?id=not-a-guid-42").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("not-a-guid-42"), "{page}");
    assert!(!page.contains("&#x27;id&#x27;"), "{page}");
}

#[tokio::test]
async fn every_cli_change_is_audited_as_the_operator() {
    let (app, db_url) = app_with_url().await;
    let company = app.company.id.to_string();
    let run = |args: &[&str]| {
        let (ok, out, err) = cli(&app, &db_url, args);
        assert!(ok, "{args:?}: {out} {err}");
        out
    };
    run(&[
        "user",
        "add",
        "--email",
        "new@rules.test",
        "--roles",
        "bookingsupplier-administrator-read",
        "--company",
        &company,
    ]);
    run(&["user", "disable", "--email", "new@rules.test"]);
    let out = run(&["token", "issue", "--user", "new@rules.test"]);
    let token_id = out
        .lines()
        .find_map(|l| l.strip_prefix("token id: "))
        .expect("token id printed")
        .trim()
        .to_owned();
    run(&["token", "revoke", &token_id]);
    run(&["company", "api-key", "--company", &company]);
    let by_operator: Vec<_> = app
        .state
        .store
        .audit_events(&Default::default(), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.actor == "operator" && e.event.remote_addr == "local")
        .map(|e| (e.event.action, e.event.outcome, e.event.message))
        .collect();
    for (action, needle) in [
        (AuditAction::UserChanged, "User new@rules.test added"),
        (AuditAction::UserChanged, "User new@rules.test disabled"),
        (AuditAction::TokenIssued, "for new@rules.test"),
        (AuditAction::TokenRevoked, token_id.as_str()),
        (AuditAction::CompanyChanged, "API key"),
    ] {
        assert!(
            by_operator
                .iter()
                .any(|(a, o, m)| *a == action && *o == AuditOutcome::Success && m.contains(needle)),
            "{action:?} {needle}: {by_operator:?}"
        );
    }
    // A refusal is audited too.
    let (ok, _, _) = cli(
        &app,
        &db_url,
        &["token", "revoke", &uuid::Uuid::new_v4().to_string()],
    );
    assert!(!ok);
    let refused = events(&app, AuditAction::TokenRevoked).await;
    assert!(
        refused
            .iter()
            .any(|e| e.event.actor == "operator" && e.event.outcome == AuditOutcome::Rejected)
    );
}

on_both!(an_impossible_email_is_a_wrong_sign_in);
async fn an_impossible_email_is_a_wrong_sign_in(db: Db) {
    let app = crate::helpers::spawn_app(db).await;
    let mut b = Browser::new(&app);
    let r = b.login("writer\u{0}@acme.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "not 503, not 500");
    let logins = events(&app, AuditAction::Login).await;
    assert!(
        logins
            .iter()
            .any(|e| e.event.outcome == AuditOutcome::Rejected && e.event.http_status == 401),
        "audited"
    );
}

/// Every form the desk accepts is checked (origin and CSRF token) before its handler runs:
/// a forged one is a 403 and changes nothing, not even the audit log.
#[tokio::test]
async fn every_desk_form_is_checked_before_its_handler() {
    let (app, _) = app_with_url().await;
    global_user(&app, "root@rules.test", Role::SuperAdmin).await;
    let writer = app.user("writer@acme.test").await;
    let id = app.ready().await;
    let mut b = Browser::new(&app);
    b.login("root@rules.test", PASSWORD).await;
    let token = b.csrf("/admin/users").await;
    let before = app.audit_all().await.len();
    let c = app.company.id;
    let u = writer.id;
    let key = uuid::Uuid::new_v4();
    let routes = [
        "/admin/companies".to_owned(),
        format!("/admin/companies/{c}/payson"),
        format!("/admin/companies/{c}/test"),
        format!("/admin/companies/{c}/keys"),
        format!("/admin/companies/{c}/keys/{key}/revoke"),
        "/admin/users".to_owned(),
        format!("/admin/users/{u}/roles"),
        format!("/admin/users/{u}/disabled"),
        format!("/admin/users/{u}/password"),
        format!("/admin/users/{u}/tokens"),
        format!("/admin/tokens/{key}/revoke"),
        format!("/checkouts/{id}/send"),
        format!("/checkouts/{id}/refresh"),
        "/checkouts/bulk".to_owned(),
        "/lang".to_owned(),
    ];
    let origin = app.address.clone();
    for path in &routes {
        let fields = [
            ("name", "X"),
            ("email", "x@rules.test"),
            ("disabled", "true"),
            ("role", "superadmin"),
            ("idempotency_key", "8f0e3c7a-4b1d-4c7e-9a55-2f7d1e6b9c01"),
            ("id", "8f0e3c7a-4b1d-4c7e-9a55-2f7d1e6b9c01"),
            ("lang", "sv"),
            ("confirm", "yes"),
        ];
        let mut forged = fields.to_vec();
        forged.push(("csrf_token", "forged"));
        let r = b.post(path, &forged, Some(&origin)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "forged token on {path}");
        let mut right = fields.to_vec();
        right.push(("csrf_token", &token));
        let r = b.post(path, &right, Some("https://evil.example")).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "foreign origin on {path}"
        );
    }
    assert_eq!(app.audit_all().await.len(), before, "nothing happened");
    assert!(!app.user("writer@acme.test").await.disabled);
    assert_eq!(app.sim.ship_count(id.as_uuid()), 0);
}
