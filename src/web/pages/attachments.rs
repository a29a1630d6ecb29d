//! Attachments on the request page: upload (multipart: a file input, drag and drop, a pasted
//! screenshot), download, delete.

use super::parse_id;
use crate::app::attachments;
use crate::domain::RequestId;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CsrfForm, CurrentUser};
use crate::web::files::{file_response, read_upload};
use crate::web::view::see_other;
use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

/// `POST /requests/{id}/attachments`.
pub async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = RequestId(parse_id(&path).ok_or(AppError::NotFound)?);
    let limits = state.config.attachments;
    let form = read_upload(multipart, &limits).await?;
    if form.csrf_token.is_empty() || !crate::auth::secrets_match(&form.csrf_token, &user.csrf) {
        return Err(AppError::Csrf);
    }
    let ctx = user.context(&state).await?;
    let count = form.files.len();
    match state.db(move |conn| Ok(attachments::attach(conn, &ctx, id, &limits, &form.files))).await? {
        Ok(_) => {
            user.flash(if count == 1 { "File attached.".to_owned() } else { format!("{count} files attached.") });
            Ok(see_other(&format!("/requests/{id}#attachments")))
        }
        Err(crate::app::Error::Invalid { code: "too_large" | "request_full", .. }) => Err(AppError::TooLarge),
        Err(e) => Err(e.into()),
    }
}

/// `GET /attachments/{id}`.
pub async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    let (attachment, content) = state.db(move |conn| Ok(attachments::download(conn, &ctx, id)?)).await?;
    Ok(file_response(&attachment, content))
}

/// `POST /attachments/{id}/delete`.
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<super::auth::EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path).ok_or(AppError::NotFound)?;
    let ctx = user.context(&state).await?;
    let request = state.db(move |conn| Ok(attachments::delete(conn, &ctx, id)?)).await?;
    user.flash("File removed.");
    Ok(see_other(&format!("/requests/{request}#attachments")))
}

/// `GET /static/attach.js`.
pub async fn script() -> HttpResponse {
    super::static_script(include_str!("../../../static/attach.js"))
}
