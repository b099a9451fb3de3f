//! Real ServiceStack clients against a running desk: the TypeScript DTOs from
//! `/types/typescript` compiled with `tsc --strict` beside a `@servicestack/client`
//! program that then runs; the Python DTOs from `/types/python` run with the `servicestack`
//! pip client; and schemathesis fuzzing the API from `/openapi.json`. The tools are
//! installed by `.ci/run` (`npm ci --prefix tests/sstypes`, pip); a missing one fails the
//! test, it never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use checkout_desk::domain::CheckoutStatus;
use serde_json::Value;

use crate::helpers::{Db, TestApp, spawn_app};

fn sstypes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sstypes")
}

/// A scratch directory inside `tests/sstypes`, so Node resolves its `node_modules`.
fn scratch() -> PathBuf {
    let dir = sstypes().join(format!("out-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} could not start ({e}); run .ci/run's install steps"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn types(app: &TestApp, lang: &str) -> String {
    let resp = app
        .client
        .get(app.url(&format!("/types/{lang}")))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    resp.text().await.unwrap()
}

fn last_json_line(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

const TS_PROGRAM: &str = r#"
import { JsonServiceClient } from '@servicestack/client';
import { SendCheckoutPaymentRequest, PaysonCheckoutv2GetCheckout, PaysonCheckoutV2Response, Payson2CheckoutStatus } from './dtos.js';

// Node's own types are not installed: the program needs only its arguments.
declare const process: { argv: string[] };
const [baseUrl, token, id] = process.argv.slice(2);
const client = new JsonServiceClient(baseUrl);
client.bearerToken = token;
const out: Record<string, unknown> = {};
const sent: PaysonCheckoutV2Response = await client.send(new SendCheckoutPaymentRequest({ Id: id }));
out.sent = { id: sent.Id, status: sent.Status, shipped: sent.Status === Payson2CheckoutStatus.Shipped };
const got = await client.get(new PaysonCheckoutv2GetCheckout({ Id: id }));
out.got = got.Status;
try {
    await client.send(new SendCheckoutPaymentRequest({ Id: id }));
    out.second = 'no error';
} catch (e: any) {
    out.second = { errorCode: e.responseStatus?.errorCode, message: e.responseStatus?.message };
}
const batch = await client.sendAll([new PaysonCheckoutv2GetCheckout({ Id: id }), new PaysonCheckoutv2GetCheckout({ Id: id })]);
out.batch = batch.map(b => b.Status);
console.log(JSON.stringify(out));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_dtos_compile_strict_and_send_with_the_servicestack_client() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let dir = scratch();
    std::fs::write(dir.join("dtos.ts"), types(&app, "typescript").await).unwrap();
    std::fs::write(dir.join("main.ts"), TS_PROGRAM).unwrap();
    let tsc = sstypes().join("node_modules/typescript/bin/tsc");
    run(Command::new("node").arg(&tsc).current_dir(&dir).args([
        "--strict",
        "--target",
        "ES2022",
        "--module",
        "NodeNext",
        "--moduleResolution",
        "NodeNext",
        "--skipLibCheck",
        "dtos.ts",
        "main.ts",
    ]));
    let dir2 = dir.clone();
    let (address, token) = (app.address.clone(), app.tokens.writer.clone());
    let id_text = id.to_string();
    let out = tokio::task::spawn_blocking(move || {
        run(Command::new("node")
            .arg("main.js")
            .args([&address, &token, &id_text])
            .current_dir(&dir2))
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let v = last_json_line(&out);
    assert_eq!(v["sent"]["id"], id.to_string(), "{v}");
    assert_eq!(v["sent"]["shipped"], true, "{v}");
    assert_eq!(v["got"], "Shipped");
    assert!(
        v["second"]["errorCode"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{v}"
    );
    assert_eq!(v["batch"], serde_json::json!(["Shipped", "Shipped"]));
    assert_eq!(app.sim.ship_count(id.as_uuid()), 1);
}

const PY_PROGRAM: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[4])
from dtos import *
from servicestack import JsonServiceClient, WebServiceException

base, token, checkout = sys.argv[1:4]
client = JsonServiceClient(base)
client.bearer_token = token

def camel_case(info):
    # As a ServiceStack server would answer by default: camelCase, through ?jsconfig=.
    info.url += ('&' if '?' in info.url else '?') + 'jsconfig=EmitCamelCaseNames:true'

client.request_filter = camel_case
out = {}
r = client.send(SendCheckoutPaymentRequest(id=checkout))
out['sent'] = {'type': type(r).__name__, 'id': r.id, 'status': r.status.value, 'enum': type(r.status).__name__}
try:
    client.send(SendCheckoutPaymentRequest(id=checkout))
    out['second'] = 'no error'
except WebServiceException as e:
    out['second'] = {'status': e.status_code, 'error_code': e.response_status.error_code, 'message': e.response_status.message}
rs = client.send_all([PaysonCheckoutv2GetCheckout(id=checkout), PaysonCheckoutv2GetCheckout(id=checkout)])
out['batch'] = [type(x).__name__ + ':' + x.status.value for x in rs]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_dtos_send_with_the_servicestack_pip_client() {
    let app = spawn_app(Db::Sqlite).await;
    let id = app.ready().await;
    let dir = scratch();
    std::fs::write(dir.join("dtos.py"), types(&app, "python").await).unwrap();
    std::fs::write(dir.join("main.py"), PY_PROGRAM).unwrap();
    let (address, token) = (app.address.clone(), app.tokens.writer.clone());
    let (id_text, dir2) = (id.to_string(), dir.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(Command::new("python3")
            .arg(dir2.join("main.py"))
            .args([&address, &token, &id_text])
            .arg(&dir2))
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let v = last_json_line(&out);
    assert_eq!(v["sent"]["type"], "PaysonCheckoutV2Response", "{v}");
    assert_eq!(v["sent"]["id"], id.to_string());
    assert_eq!(v["sent"]["status"], "Shipped");
    assert_eq!(v["sent"]["enum"], "Payson2CheckoutStatus");
    assert!(
        v["second"]["status"]
            .as_u64()
            .is_some_and(|s| (400..500).contains(&s)),
        "{v}"
    );
    assert!(
        v["second"]["error_code"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{v}"
    );
    assert_eq!(
        v["batch"],
        serde_json::json!([
            "PaysonCheckoutV2Response:Shipped",
            "PaysonCheckoutV2Response:Shipped"
        ])
    );
    assert_eq!(app.local(id).await.status, CheckoutStatus::Shipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_schema_break() {
    let app = spawn_app(Db::Sqlite).await;
    // Something real to find: half of the fuzzer's ids are these checkouts, so sends
    // and reads reach Payson (the simulator) and the exactly-once rule, not only 404.
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(format!("\"{}\"", app.ready().await));
    }
    ids.push(format!("\"{}\"", app.checkout(true, "readyToShip").await));
    let dir = scratch();
    let config = dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[dictionaries.checkouts]\nvalues = [{}]\n\n[parameters]\n\"path.Id\" = {{ dictionary = \"checkouts\", probability = 0.5 }}\n\"query.checkout\" = {{ dictionary = \"checkouts\", probability = 0.5 }}\n",
            ids.join(", ")
        ),
    )
    .unwrap();
    let schema = app.url("/openapi.json");
    let (address, token) = (app.address.clone(), app.tokens.writer.clone());
    let cwd = dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .arg("--config-file")
            .arg(&config)
            .args(["run", &schema, "--url", &address])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples",
                "25",
                "--seed",
                "20261203",
                "--phases",
                "examples,coverage,fuzzing",
                "--no-color",
            ])
            .env("SCHEMATHESIS_HOOKS", "")
            // Its cache directory lands in the scratch directory, not the work tree.
            .current_dir(&cwd)
            .output()
            .expect("schemathesis runs (pip install schemathesis; see .ci/run)")
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 selected"),
        "all three operations fuzzed:\n{stdout}"
    );
    let shipped = app
        .audit_all()
        .await
        .iter()
        .filter(|e| e.event.outcome == checkout_desk::domain::AuditOutcome::Success)
        .count();
    assert!(shipped > 0, "the fuzzer reached a real send");
}
