//! The OpenAPI viewer at `/swagger-ui/`: swagger-ui-dist, vendored under
//! `static/swagger-ui/` and compiled in, started by a script file of our own, so the page
//! runs under the desk's CSP with no inline script and nothing from a CDN.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::http::web::i18n::Tr;
use crate::state::AppState;

const FILES: &[(&str, &str, &str)] = &[
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/swagger-ui/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/swagger-ui/swagger-ui.css"),
    ),
    (
        "init.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/swagger-ui/init.js"),
    ),
];

#[derive(Template)]
#[template(path = "metadata/swagger.html")]
struct SwaggerPage<'a> {
    t: Tr,
    header: &'a str,
}

pub async fn page(t: Tr, state: web::Data<AppState>) -> HttpResponse {
    super::page(&SwaggerPage {
        t,
        header: &state.settings.api.metadata_header,
    })
}

pub async fn file(path: web::Path<String>) -> HttpResponse {
    crate::http::assets::serve(FILES, &path)
}
