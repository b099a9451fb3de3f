//! The daily expiry digest against a real SMTP server (`tests/smtp/sink.py`, aiosmtpd),
//! reading each delivered message: who gets it, what it says in English and Swedish, its
//! links, once per company-day across instances, SMTP outages retried, the opt-out on the
//! settings page and on the command line.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use checkout_desk::config::{Secret, SmtpTls};
use checkout_desk::domain::policy::Actor;
use checkout_desk::domain::{
    AuditAction, AuditFilter, AuditOutcome, CheckoutId, DigestState, Language, Money, Role,
    UserSettings,
};
use checkout_desk::service::{Call, RequestMeta, checkouts, digest, reconcile};
use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;

use crate::helpers::browser::{Browser, location};
use crate::helpers::{Db, Options, TestApp, add_user, free_port, fresh_database_url, spawn_with};
use crate::on_both;

/// One message as the sink received it.
#[derive(serde::Deserialize, Debug, Clone)]
pub struct Delivered {
    pub rcpt_tos: Vec<String>,
    pub mail_from: String,
    pub to: String,
    pub subject: String,
    pub content_type: String,
    pub body: String,
}

/// aiosmtpd on its own port, writing each message it accepts to a directory.
pub struct Sink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Sink {
    pub fn start(port: u16, auth: Option<&str>) -> Sink {
        let dir = std::env::temp_dir()
            .join("checkout-desk-tests")
            .join(format!("smtp-{}", uuid::Uuid::new_v4().simple()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(a) = auth {
            cmd.args(["--auth", a]);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 runs the SMTP sink (pip install aiosmtpd; .ci/run does)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (is aiosmtpd installed?)"
        );
        Sink { port, dir, child }
    }

    /// Every message delivered so far, in order of arrival.
    pub fn messages(&self) -> Vec<Delivered> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    pub fn to(&self, email: &str) -> Vec<Delivered> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_tos.iter().any(|r| r == email))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 07:00 UTC on a fixed day: the digest (due from 06:00) is due.
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 7, 0, 0).unwrap()
}

async fn app_with(db: Db, smtp_port: u16, url: Option<String>) -> TestApp {
    let seed = url.is_none();
    let app = spawn_with(Options {
        manual_clock: true,
        database_url: url,
        seed,
        settings: Box::new(move |s| {
            s.digest.enabled = true;
            s.digest.hour = 6;
            s.smtp.host = "127.0.0.1".into();
            s.smtp.port = smtp_port;
            s.smtp.tls = SmtpTls::None;
            s.smtp.from = "Checkout desk <desk@desk.test>".into();
            s.smtp.timeout_secs = 5;
        }),
        ..Options::new(db)
    })
    .await;
    app.clock.as_ref().unwrap().set(morning());
    app
}

/// A checkout of `other`'s company (or ours) that reached ReadyToShip `days_ago`.
async fn ready_days_ago(app: &TestApp, other: bool, days_ago: i64) -> CheckoutId {
    let paid = app.state.clock.now() - Duration::days(days_ago);
    let id = app.checkout(other, "created").await;
    app.sim
        .transition(id.as_uuid(), "readyToShip", Some("card"), Some(paid))
        .unwrap();
    let company = if other {
        &app.other_company
    } else {
        &app.company
    };
    checkouts::refresh_from_payson(&app.state, company, id)
        .await
        .unwrap();
    id
}

/// A write administrator of our company, with `settings` saved when given.
async fn writer(
    app: &TestApp,
    email: &str,
    settings: Option<UserSettings>,
) -> checkout_desk::domain::User {
    let u = add_user(&app.state, email, &[Role::AdminWrite], Some(&app.company)).await;
    if let Some(s) = settings {
        let meta = RequestMeta::internal("test");
        digest::save_settings(Call::new(&app.state, Actor::Operator, &meta), u.id, s)
            .await
            .unwrap();
    }
    u
}

/// Our company's digest row for `day`.
async fn our_row(app: &TestApp, day: chrono::NaiveDate) -> checkout_desk::domain::DigestSend {
    let row = app.state.store.digest_send(app.company.id, day).await;
    row.unwrap().expect("a digest_sends row")
}

/// `text` is in the message's body.
fn says(m: &Delivered, text: &str) {
    assert!(m.body.contains(text), "no {text:?} in:\n{}", m.body);
}

fn rcpts(msgs: &[Delivered]) -> BTreeSet<String> {
    msgs.iter().flat_map(|m| m.rcpt_tos.clone()).collect()
}

async fn digest_events(app: &TestApp) -> Vec<checkout_desk::domain::AuditEvent> {
    app.audit(
        AuditFilter {
            action: Some(AuditAction::ExpiryDigest),
            ..Default::default()
        },
        100,
    )
    .await
}

on_both!(write_admins_get_one_mail_a_day_with_what_expires);
async fn write_admins_get_one_mail_a_day_with_what_expires(db: Db) {
    let sink = Sink::start(free_port(), None);
    let app = app_with(db, sink.port, None).await;
    // A Swedish-reading write administrator, one who opted out, and a disabled one.
    let sv = UserSettings {
        digest: true,
        language: Some(Language::Sv),
    };
    writer(&app, "sv@acme.test", Some(sv)).await;
    let off = UserSettings {
        digest: false,
        language: None,
    };
    writer(&app, "quiet@acme.test", Some(off)).await;
    let gone = writer(&app, "gone@acme.test", None).await;
    checkout_desk::service::users::set_disabled(
        Call::new(&app.state, Actor::Operator, &RequestMeta::internal("test")),
        gone.id,
        true,
    )
    .await
    .unwrap();

    let soon = ready_days_ago(&app, false, 55).await; // expires in 4 days
    let edge = ready_days_ago(&app, false, 52).await; // expires on the 7th day
    let later = ready_days_ago(&app, false, 40).await; // in 19 days: not listed
    let expired = ready_days_ago(&app, false, 60).await; // already past
    let theirs = ready_days_ago(&app, true, 56).await;

    // Before the hour nothing is due and nothing is read.
    app.clock
        .as_ref()
        .unwrap()
        .set(morning() - Duration::hours(2));
    let r = reconcile::run_once(&app.state).await.unwrap();
    assert_eq!(r.digest, digest::DigestRun::default());
    assert!(sink.messages().is_empty());

    app.clock.as_ref().unwrap().set(morning());
    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!(
        (r.companies_checked, r.sent, r.mails, r.failed),
        (2, 2, 3, 0),
        "{r:?}"
    );
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    assert_eq!(
        rcpts(&msgs),
        ["sv@acme.test", "writer@acme.test", "writer@other.test"]
            .map(String::from)
            .into(),
        "write administrators only: not readers, superadmins, the opted-out or the disabled"
    );

    let en = &sink.to("writer@acme.test")[0];
    assert_eq!(en.mail_from, "desk@desk.test");
    assert!(en.to.contains("writer@acme.test"));
    assert_eq!(en.content_type, "text/plain");
    assert_eq!(
        en.subject,
        "2 checkouts expire within 7 days – Acme Bokning AB"
    );
    let base = app.state.settings.public_url.trim_end_matches('/');
    for id in [soon, edge] {
        says(en, &format!("{base}/checkouts/{id}"));
    }
    for id in [later, expired, theirs] {
        assert!(
            !en.body.contains(&id.to_string()),
            "{id} listed:\n{}",
            en.body
        );
    }
    // Soonest first, with customer, amount and expiry date.
    assert!(en.body.find(&soon.to_string()) < en.body.find(&edge.to_string()));
    let c = app.local(soon).await;
    says(en, &format!("Customer: {}", c.customer_name));
    says(en, &format!("Amount: {}", c.amount.format_en()));
    let expires = c.expires_at().unwrap().format("%Y-%m-%d").to_string();
    says(en, &format!("Expires: {expires}"));
    let total = Money::from_minor(
        c.amount.minor() + app.local(edge).await.amount.minor(),
        c.amount.currency(),
    );
    says(en, &format!("Total: 2 checkouts, {}", total.format_en()));
    says(en, &format!("{base}/settings"));

    // The worklist link shows exactly the listed checkouts.
    let link = en
        .body
        .lines()
        .find_map(|l| l.strip_prefix("All of them in the worklist: "))
        .expect("a worklist link")
        .to_owned();
    let path = link.strip_prefix(base).unwrap();
    assert!(
        path.starts_with(&format!(
            "/checkouts?status=awaiting&company={}",
            app.company.id
        )),
        "{path}"
    );
    let mut b = Browser::signed_in(&app, "writer@acme.test").await;
    let html = b.get_html(path).await;
    for id in [soon, edge] {
        assert!(html.contains(&id.to_string()), "{id} missing from {path}");
    }
    for id in [later, expired] {
        assert!(!html.contains(&id.to_string()), "{id} shown by {path}");
    }

    let sv = &sink.to("sv@acme.test")[0];
    assert_eq!(sv.subject, "2 köp löper ut inom 7 dagar – Acme Bokning AB");
    says(sv, &format!("Kund: {}", c.customer_name));
    says(sv, &format!("Belopp: {}", c.amount.format_sv()));
    says(sv, &format!("Totalt: 2 köp, {}", total.format_sv()));
    assert!(sv.body.contains("Alla i arbetslistan: "));
    assert!(!sv.body.contains("Customer:"));

    let theirs_mail = &sink.to("writer@other.test")[0];
    assert!(theirs_mail.body.contains(&theirs.to_string()));
    assert!(!theirs_mail.body.contains(&soon.to_string()));

    // Audited once per company, as "digest".
    let events = digest_events(&app).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    let ours = events
        .iter()
        .find(|e| e.event.company_id == Some(app.company.id))
        .unwrap();
    assert_eq!(ours.event.actor, "digest");
    assert_eq!(ours.event.outcome, AuditOutcome::Success);
    assert!(
        ours.event.message.contains("sv@acme.test")
            && ours.event.message.contains("writer@acme.test"),
        "{}",
        ours.event.message
    );

    // Again the same day, here or on a fresh instance: nothing new.
    app.clock.as_ref().unwrap().advance(Duration::hours(3));
    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!(r.mails, 0, "{r:?}");
    let fresh = app_with(db, sink.port, Some(app.database_url.clone())).await;
    fresh
        .clock
        .as_ref()
        .unwrap()
        .set(morning() + Duration::hours(5));
    let r = digest::run_due(&fresh.state).await.unwrap();
    assert_eq!(r.mails, 0, "{r:?}");
    assert_eq!(sink.messages().len(), 3);
    let row = our_row(&app, morning().date_naive()).await;
    assert_eq!(row.state, DigestState::Sent);

    // The next day, it comes again.
    app.clock
        .as_ref()
        .unwrap()
        .set(morning() + Duration::days(1));
    let r = digest::run_due(&app.state).await.unwrap();
    assert_eq!(r.mails, 3, "{r:?}");
    assert_eq!(sink.messages().len(), 6);
}

on_both!(two_instances_at_once_send_each_company_day_once);
async fn two_instances_at_once_send_each_company_day_once(db: Db) {
    let sink = Sink::start(free_port(), None);
    let a = app_with(db, sink.port, None).await;
    let b = app_with(db, sink.port, Some(a.database_url.clone())).await;
    for i in 0..3 {
        writer(&a, &format!("w{i}@acme.test"), None).await;
    }
    ready_days_ago(&a, false, 55).await;
    ready_days_ago(&a, true, 54).await;
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(digest::run_due(&a.state), digest::run_due(&b.state));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.failed + rb.failed, 0, "{ra:?} {rb:?}");
    }
    // b ran a stale claim? No: every company-day ended sent or empty, once.
    let msgs = sink.messages();
    let per: Vec<String> = msgs.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    assert_eq!(per.len(), 5, "one mail per write administrator: {per:?}");
    assert_eq!(rcpts(&msgs).len(), 5, "nobody twice: {per:?}");
    assert_eq!(digest_events(&a).await.len(), 2);
}

on_both!(nothing_expiring_means_no_mail);
async fn nothing_expiring_means_no_mail(db: Db) {
    let sink = Sink::start(free_port(), None);
    let app = app_with(db, sink.port, None).await;
    ready_days_ago(&app, false, 30).await;
    app.ready().await;
    let r = digest::run_due(&app.state).await.unwrap();
    assert_eq!(
        (r.companies_checked, r.skipped_empty, r.mails),
        (2, 2, 0),
        "{r:?}"
    );
    assert!(sink.messages().is_empty());
    assert!(digest_events(&app).await.is_empty());
    let row = our_row(&app, morning().date_naive()).await;
    assert_eq!(row.state, DigestState::Empty);
}

on_both!(smtp_down_fails_audited_and_the_next_run_sends_once);
async fn smtp_down_fails_audited_and_the_next_run_sends_once(db: Db) {
    let port = free_port(); // nothing listens yet
    let app = app_with(db, port, None).await;
    writer(&app, "w2@acme.test", None).await;
    ready_days_ago(&app, false, 55).await;

    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!((r.failed, r.sent, r.mails), (1, 0, 0), "{r:?}");
    let day = morning().date_naive();
    let row = our_row(&app, day).await;
    assert_eq!(row.state, DigestState::Failed);
    assert!(row.error.is_some());
    let events = digest_events(&app).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.outcome, AuditOutcome::Failed);
    assert!(
        events[0]
            .event
            .message
            .starts_with("Daily digest not sent to"),
        "{}",
        events[0].event.message
    );

    // The server is back, but a failed company-day waits retry_after_secs (300) before the
    // background run tries again: an outage is not an attempt and an audit event per run.
    let sink = Sink::start(port, None);
    app.clock.as_ref().unwrap().advance(Duration::minutes(1));
    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!((r.failed, r.sent, r.mails), (0, 0, 0), "{r:?}");
    assert_eq!(digest_events(&app).await.len(), 1);
    // Past the retry delay the next run sends, once.
    app.clock.as_ref().unwrap().advance(Duration::minutes(5));
    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!((r.failed, r.sent, r.mails), (0, 1, 2), "{r:?}");
    let r = reconcile::run_once(&app.state).await.unwrap().digest;
    assert_eq!(r.mails, 0);
    assert_eq!(
        rcpts(&sink.messages()),
        ["w2@acme.test", "writer@acme.test"]
            .map(String::from)
            .into()
    );
    assert_eq!(sink.messages().len(), 2);
    let row = our_row(&app, day).await;
    assert_eq!(
        (row.state, row.attempts, row.mails),
        (DigestState::Sent, 2, 2)
    );
    let events = digest_events(&app).await;
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .any(|e| e.event.outcome == AuditOutcome::Success)
    );
}

on_both!(a_claim_left_sending_by_a_dead_instance_is_taken_over_when_stale);
async fn a_claim_left_sending_by_a_dead_instance_is_taken_over_when_stale(db: Db) {
    let sink = Sink::start(free_port(), None);
    let app = app_with(db, sink.port, None).await;
    ready_days_ago(&app, false, 55).await;
    let w2 = writer(&app, "w2@acme.test", None).await;
    let now = app.state.clock.now();
    let day = now.date_naive();
    // An instance claimed the company-day, mailed w2, and died before the others.
    assert!(
        app.state
            .store
            .claim_digest(app.company.id, day, "dead", now, now, now)
            .await
            .unwrap()
    );
    app.state
        .store
        .record_digest_delivery(app.company.id, day, w2.id, now)
        .await
        .unwrap();
    let r = digest::run_due(&app.state).await.unwrap();
    assert_eq!((r.busy, r.mails), (1, 0), "{r:?}");
    assert!(sink.messages().is_empty());
    // Stale: taken over; w2, already mailed, is not mailed again.
    let stale = app.state.settings.digest.stale_after_secs;
    app.clock
        .as_ref()
        .unwrap()
        .advance(Duration::seconds(stale + 1));
    let r = digest::run_due(&app.state).await.unwrap();
    assert_eq!((r.sent, r.mails), (1, 1), "{r:?}");
    assert_eq!(
        rcpts(&sink.messages()),
        ["writer@acme.test".to_owned()].into()
    );
}

/// How the transport follows `[smtp]`: authentication against a server requiring it, and
/// STARTTLS or TLS required, never silently dropped to plain text.
#[tokio::test]
async fn smtp_authentication_and_tls_settings_are_obeyed() {
    let sink = Sink::start(free_port(), Some("desk:s3cret-pw"));
    let mail = checkout_desk::mail::Mail {
        to: "a@acme.test".into(),
        subject: "Hej – test".into(),
        text: "Body åäö".into(),
    };
    let settings = |tls, user: &str, pw: &str| checkout_desk::config::SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls,
        username: user.into(),
        password: Secret::new(pw),
        from: "desk@desk.test".into(),
        timeout_secs: 2,
    };
    let mail = &mail;
    let send = |s: checkout_desk::config::SmtpSettings| async move {
        let m = checkout_desk::mail::SmtpMailer::new(&s).unwrap();
        checkout_desk::mail::Mailer::send(&m, mail).await
    };
    assert!(
        send(settings(SmtpTls::None, "", "")).await.is_err(),
        "the server requires AUTH"
    );
    // A wrong password: refused, or (aiosmtpd, after refusing it) no answer, within the
    // timeout either way.
    let started = std::time::Instant::now();
    assert!(
        send(settings(SmtpTls::None, "desk", "wrong"))
            .await
            .is_err()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(sink.messages().is_empty());
    send(settings(SmtpTls::None, "desk", "s3cret-pw"))
        .await
        .unwrap();
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].subject.as_str(), got[0].body.trim()),
        ("Hej – test", "Body åäö")
    );
    // The sink offers no STARTTLS and speaks no TLS: both modes refuse to send in clear.
    let e = send(settings(SmtpTls::Starttls, "desk", "s3cret-pw"))
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("SMTP"), "{e}");
    assert!(
        send(settings(SmtpTls::Tls, "desk", "s3cret-pw"))
            .await
            .is_err()
    );
    assert_eq!(sink.messages().len(), 1);
}

on_both!(the_settings_page_saves_the_opt_out);
async fn the_settings_page_saves_the_opt_out(db: Db) {
    let sink = Sink::start(free_port(), None);
    let app = app_with(db, sink.port, None).await;
    ready_days_ago(&app, false, 55).await;
    let mut w = Browser::signed_in(&app, "writer@acme.test").await;
    let html = w.get_html("/checkouts").await;
    assert!(
        html.contains("href=\"/settings\""),
        "linked from the navigation"
    );
    let html = w.get_html("/settings").await;
    assert!(html.contains("E-mail me a daily digest of checkouts about to expire"));
    assert!(
        html.contains("name=\"digest\" value=\"on\" checked"),
        "on by default"
    );

    // Without the CSRF token nothing changes.
    let r = w
        .post(
            "/settings",
            &[("csrf_token", "nope"), ("language", "sv")],
            Some(&app.address),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let me = app.user("writer@acme.test").await;
    assert_eq!(
        app.state.store.user_settings(me.id).await.unwrap(),
        UserSettings::default()
    );

    // Unticked and Swedish mails.
    let r = w.post_form("/settings", &[("language", "sv")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/settings");
    let html = w.get_html("/settings").await;
    assert!(html.contains("Settings saved"), "{html}");
    assert!(
        html.contains("name=\"digest\" value=\"on\">"),
        "now unticked"
    );
    assert_eq!(
        app.state.store.user_settings(me.id).await.unwrap(),
        UserSettings {
            digest: false,
            language: Some(Language::Sv)
        }
    );
    let events = app
        .audit(
            AuditFilter {
                action: Some(AuditAction::UserChanged),
                actor_user_id: Some(me.id),
                ..Default::default()
            },
            10,
        )
        .await;
    assert!(
        events.iter().any(|e| e
            .event
            .message
            .contains("Daily digest for writer@acme.test turned off")),
        "{events:#?}"
    );

    // A reader is not offered the box; whatever they post, their digest setting stays.
    let mut r = Browser::signed_in(&app, "reader@acme.test").await;
    let html = r.get_html("/settings").await;
    assert!(!html.contains("name=\"digest\""));
    assert!(html.contains("goes to a company"), "{html}");

    // Opted out: the digest has nobody to tell.
    let run = digest::run_due(&app.state).await.unwrap();
    assert_eq!((run.mails, run.skipped_empty), (0, 2), "{run:?}");
    assert!(sink.messages().is_empty());

    // Ticked again.
    w.get_html("/settings").await;
    w.post_form("/settings", &[("digest", "on"), ("language", "")])
        .await;
    assert_eq!(
        app.state.store.user_settings(me.id).await.unwrap(),
        UserSettings::default()
    );
}

/// `checkout-desk user digest --off|--on` and `checkout-desk digest send`, the real binary.
#[tokio::test]
async fn the_command_line_toggles_and_sends() {
    let sink = Sink::start(free_port(), None);
    let url = fresh_database_url(Db::Sqlite).await;
    let app = spawn_with(Options {
        database_url: Some(url.clone()),
        ..Options::new(Db::Sqlite)
    })
    .await;
    ready_days_ago(&app, false, 55).await;
    let key = checkout_desk::crypto::SecretBox::generate_key();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_checkout-desk"))
            .args(args)
            .env("CHECKOUT_DESK_DATABASE_URL", &url)
            .env("CHECKOUT_DESK_SECRET_KEY", &key)
            .env("CHECKOUT_DESK_LOG", "warn")
            .env("CHECKOUT_DESK_SMTP__HOST", "127.0.0.1")
            .env("CHECKOUT_DESK_SMTP__PORT", sink.port.to_string())
            .env("CHECKOUT_DESK_SMTP__TLS", "none")
            .env("CHECKOUT_DESK_SMTP__FROM", "desk@desk.test")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{args:?}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    writer(&app, "w2@acme.test", None).await;
    let out = run(&["user", "digest", "--email", "w2@acme.test", "--off"]);
    assert_eq!(out.trim(), "Daily digest for w2@acme.test turned off.");
    let w2 = app.user("w2@acme.test").await;
    assert!(!app.state.store.user_settings(w2.id).await.unwrap().digest);
    let events = app
        .audit(
            AuditFilter {
                action: Some(AuditAction::UserChanged),
                ..Default::default()
            },
            20,
        )
        .await;
    let e = events
        .iter()
        .find(|e| e.event.message.contains("w2@acme.test turned off"))
        .expect("audited");
    assert_eq!(e.event.actor, "operator");

    let out = run(&["digest", "send"]);
    assert!(out.contains("1 sent (1 mails)"), "{out}");
    assert_eq!(
        rcpts(&sink.messages()),
        ["writer@acme.test".to_owned()].into()
    );
    let out = run(&["digest", "send"]);
    assert!(out.contains("0 companies checked"), "once a day: {out}");

    run(&["user", "digest", "--email", "w2@acme.test", "--on"]);
    assert!(app.state.store.user_settings(w2.id).await.unwrap().digest);
    assert!(
        digest_events(&app)
            .await
            .iter()
            .all(|e| e.event.actor == "operator")
    );
}
