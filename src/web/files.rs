//! Files over HTTP, for the pages and the API alike: reading a multipart upload within the
//! limits, and handing a stored file out safely.

use crate::app::attachments::{self, Upload};
use crate::web::error::AppError;
use actix_multipart::Multipart;
use actix_web::HttpResponse;
use actix_web::http::header;
use futures_util::StreamExt;

/// What a multipart upload held: its files, the CSRF token and the "internal" box.
pub struct UploadForm {
    pub files: Vec<Upload>,
    pub csrf_token: String,
    pub internal: bool,
}

/// Reads a multipart body, refusing (413) a file larger than the per-file limit as soon as it
/// grows past it, and more files than one request may carry.
pub async fn read_upload(mut multipart: Multipart, limits: &attachments::Limits) -> Result<UploadForm, AppError> {
    let mut form = UploadForm { files: Vec::new(), csrf_token: String::new(), internal: false };
    // All the files of one upload together are never held beyond what one request may carry.
    let mut total: u64 = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("The upload was cut short: {e}")))?;
        let (name, file_name) = match field.content_disposition() {
            Some(d) => (d.get_name().unwrap_or_default().to_owned(), d.get_filename().map(str::to_owned)),
            None => (String::new(), None),
        };
        let mut bytes: Vec<u8> = Vec::new();
        // Small text fields and files alike are read in chunks with a ceiling.
        let ceiling = if file_name.is_some() { limits.per_file } else { 4096 };
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("The upload was cut short: {e}")))?;
            if (bytes.len() + chunk.len()) as u64 > ceiling {
                return Err(if file_name.is_some() {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest("A form field is too long.".into())
                });
            }
            total += chunk.len() as u64;
            if total > limits.per_request {
                return Err(AppError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        match (name.as_str(), file_name) {
            // A file input left empty still sends a part with no name and no bytes.
            ("file", Some(file_name)) if !(file_name.is_empty() && bytes.is_empty()) => {
                if form.files.len() as i64 >= limits.files_per_request {
                    return Err(AppError::BadRequest(crate::web::messages::field_sentence("too_many", "file", None)));
                }
                form.files.push(Upload { file_name, content: bytes, internal: false });
            }
            ("csrf_token", None) => form.csrf_token = String::from_utf8_lossy(&bytes).into_owned(),
            ("internal", None) => form.internal = matches!(bytes.as_slice(), b"1" | b"true" | b"on"),
            _ => {}
        }
    }
    let internal = form.internal;
    form.files.iter_mut().for_each(|f| f.internal = internal);
    Ok(form)
}

/// What RFC 8187 lets a `filename*` keep as it is (attr-char); the rest is percent-encoded.
const FILENAME_SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The answer that hands out a file: images inline (ours, real images), everything else as a
/// download; never sniffed by the browser, never run as a page.
pub fn file_response(attachment: &attachments::Attachment, content: Vec<u8>) -> HttpResponse {
    let disposition = if attachments::is_image(&attachment.content_type) { "inline" } else { "attachment" };
    let encoded = percent_encoding::utf8_percent_encode(&attachment.file_name, FILENAME_SAFE);
    HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, format!("{disposition}; filename*=UTF-8''{encoded}")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(content)
}
