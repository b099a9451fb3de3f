//! Static assets, vendored and compiled into the binary (no CDN, one file to deploy).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "css/app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/css/app.css"),
    ),
    (
        "css/metadata.css",
        "text/css; charset=utf-8",
        include_str!("../../static/css/metadata.css"),
    ),
    (
        "js/copy.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/js/copy.js"),
    ),
    (
        "js/row-send.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/js/row-send.js"),
    ),
    (
        "css/bulk.css",
        "text/css; charset=utf-8",
        include_str!("../../static/css/bulk.css"),
    ),
    (
        "js/bulk.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/js/bulk.js"),
    ),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(asset));
}

async fn asset(path: web::Path<String>) -> HttpResponse {
    serve(ASSETS, &path)
}

/// The file named `name` from `files` (name, content type, content), or 404.
pub(crate) fn serve(files: &[(&str, &str, &'static str)], name: &str) -> HttpResponse {
    match files.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *mime))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
