//! ServiceStack's self-description, all written from `describe`: the metadata pages
//! (`/metadata`, `/{json,xml}/metadata?op=…[&lang=…]`), "Add ServiceStack Reference"
//! (`/types`, `/types/{lang}`) and the OpenAPI document (`/openapi.json`, shown by the
//! vendored Swagger UI at `/swagger-ui/`). Public, as
//! BokaMera's are: they describe the API, they hold no data.

mod langs;
pub mod openapi;
mod samples;
mod swagger;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::http::api::describe::{self, Auth, Dto, EnumDesc, Operation, STATUS, Ty};
use crate::http::api::format::Format;
use crate::http::web::i18n::Tr;
use crate::state::AppState;
use langs::Lang;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metadata", web::get().to(index))
        .route(
            "/json/metadata",
            web::get().to(|r, t, s| operation(r, t, s, Format::Json)),
        )
        .route(
            "/xml/metadata",
            web::get().to(|r, t, s| operation(r, t, s, Format::Xml)),
        )
        .route("/types", web::get().to(types_index))
        .route("/types/{lang}", web::get().to(types))
        .route("/openapi.json", web::get().to(openapi::document_handler))
        .route("/swagger-ui", web::get().to(swagger::page))
        .route("/swagger-ui/", web::get().to(swagger::page))
        .route("/swagger-ui/{file}", web::get().to(swagger::file));
}

fn param(req: &HttpRequest, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn page(tpl: &impl Template) -> HttpResponse {
    match tpl.render() {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "metadata page failed to render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_owned(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "metadata/index.html")]
struct IndexPage<'a> {
    t: Tr,
    header: &'a str,
    operations: &'a [Operation],
    langs: &'a [Lang],
}

async fn index(t: Tr, state: web::Data<AppState>) -> HttpResponse {
    page(&IndexPage {
        t,
        header: &state.settings.api.metadata_header,
        operations: &describe::OPERATIONS,
        langs: &Lang::ALL,
    })
}

#[derive(Template)]
#[template(path = "metadata/operation.html")]
struct OperationPage<'a> {
    t: Tr,
    header: &'a str,
    op: &'a Operation,
    roles: &'a [&'static str],
    tables: [&'a Dto; 2],
    status_enum: &'a EnumDesc,
    format: &'a str,
    format_upper: &'a str,
    /// Whether a DTO of the page has a `Payson2CheckoutStatus` member.
    uses_status: bool,
    /// The other format's page, for the switch link.
    other: &'a str,
    sample_request: String,
    sample_response: String,
    /// `&lang=`: the DTOs in that language, and its name.
    code: Option<(&'static str, String)>,
    langs: &'a [Lang],
}

async fn operation(
    req: HttpRequest,
    t: Tr,
    state: web::Data<AppState>,
    format: Format,
) -> HttpResponse {
    let Some(op) = param(&req, "op").and_then(|n| describe::operation(&n)) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Unknown operation: see /metadata");
    };
    let lang = param(&req, "lang").and_then(|l| Lang::parse(&l));
    let (sample_request, sample_response) =
        samples::http(op, format, &host_of(&state.settings.public_url));
    let code = lang.map(|l| {
        (
            l.name(),
            langs::generate(l, &reference_options(&req, &state), Some(op)),
        )
    });
    let roles: &[&'static str] = match &op.auth {
        Auth::Roles(r) => r,
        Auth::None => &[],
    };
    let (format, format_upper, other) = match format {
        Format::Json => ("json", "JSON", "xml"),
        Format::Xml => ("xml", "XML", "json"),
    };
    let uses_status = [&op.request, op.response]
        .iter()
        .any(|d| d.members.iter().any(|m| matches!(m.ty, Ty::Enum(_))));
    page(&OperationPage {
        t,
        header: &state.settings.api.metadata_header,
        op,
        roles,
        tables: [&op.request, op.response],
        status_enum: &STATUS,
        format,
        format_upper,
        uses_status,
        other,
        sample_request,
        sample_response,
        code,
        langs: &Lang::ALL,
    })
}

#[derive(Template)]
#[template(path = "metadata/types.html")]
struct TypesPage<'a> {
    t: Tr,
    header: &'a str,
    base_url: &'a str,
    langs: &'a [Lang],
}

async fn types_index(t: Tr, state: web::Data<AppState>) -> HttpResponse {
    page(&TypesPage {
        t,
        header: &state.settings.api.metadata_header,
        base_url: state.settings.public_url.trim_end_matches('/'),
        langs: &Lang::ALL,
    })
}

fn reference_options(req: &HttpRequest, state: &AppState) -> langs::Options {
    let flag =
        |name: &str| param(req, name).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    langs::Options {
        base_url: state.settings.public_url.trim_end_matches('/').to_owned(),
        date: state.clock.now().format("%Y-%m-%d %H:%M:%S").to_string(),
        add_data_contract_attributes: flag("AddDataContractAttributes"),
    }
}

async fn types(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(lang) = Lang::parse(&path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Unknown language: see /types");
    };
    HttpResponse::Ok()
        .content_type(lang.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", lang.file_name()),
        ))
        .body(langs::generate(
            lang,
            &reference_options(&req, &state),
            None,
        ))
}
