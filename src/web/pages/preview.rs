//! `POST /preview`: how a Markdown field will read, from the form it is in (shown in place by
//! `static/markdown.js`). Nothing is stored.

use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::view::{Layout, ok};
use actix_web::HttpResponse;
use askama::Template;

/// The fields that take Markdown, in the order they are looked for.
const MARKDOWN_FIELDS: [&str; 3] = ["description", "note", "notes"];

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    layout: Layout,
    field: &'static str,
    text: String,
}

pub async fn preview(
    user: CurrentUser,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (field, text) = MARKDOWN_FIELDS
        .iter()
        .find_map(|name| {
            fields.iter().find(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| (*name, v.clone()))
        })
        .unwrap_or(("description", String::new()));
    ok(&PreviewPage { layout: user.layout("Preview", ""), field, text })
}

/// `GET /static/markdown.js`.
pub async fn script() -> HttpResponse {
    super::static_script(include_str!("../../../static/markdown.js"))
}
