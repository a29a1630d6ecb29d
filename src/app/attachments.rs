//! Attachments: files on a request, with the request's own access rules (internal files for
//! engineers only), limits on size and count, and a content type sniffed from the bytes.

use super::{Context, Error};
pub use crate::db::attachments::Attachment;
use crate::db::attachments::{self as store, NewFile};
use crate::db::{DbConnection, read_transaction, write_transaction};
use crate::domain::RequestId;

/// How much one request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_file: u64,
    pub per_request: u64,
    pub files_per_request: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_file: 10 * 1024 * 1024, per_request: 50 * 1024 * 1024, files_per_request: 20 }
    }
}

/// Image types shown inline (as thumbnails and when opened): never SVG, which can carry script.
const INLINE_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The content type of these bytes, from what they are rather than what the upload claimed.
pub fn sniff(content: &[u8]) -> String {
    // Types a browser would run as a document are kept as the text they are.
    const ACTIVE: [&str; 5] = ["text/html", "image/svg+xml", "text/xml", "application/xml", "application/xhtml+xml"];
    match infer::get(content).filter(|kind| !ACTIVE.contains(&kind.mime_type())) {
        Some(kind) => kind.mime_type().to_owned(),
        None if std::str::from_utf8(content).is_ok() => "text/plain; charset=utf-8".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

/// Whether a file of this type is shown as an image (thumbnail, opened inline).
pub fn is_image(content_type: &str) -> bool {
    INLINE_IMAGES.contains(&content_type)
}

/// A file name as shown and offered for download: the last path part, printable, at most 200
/// characters; "file" when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".to_owned() } else { cleaned }
}

/// A file the actor uploads.
pub struct Upload {
    pub file_name: String,
    pub content: Vec<u8>,
    pub internal: bool,
}

/// Whether one more file of `size` bytes fits on the request (checked before the body is read
/// whole when the size is known, and again when storing).
fn fits(limits: &Limits, used: (i64, i64), size: u64) -> Result<(), Error> {
    let (bytes, count) = used;
    if size > limits.per_file {
        return Err(Error::invalid("too_large", "file"));
    }
    if count >= limits.files_per_request {
        return Err(Error::invalid("too_many", "file"));
    }
    if u64::try_from(bytes).unwrap_or(0) + size > limits.per_request {
        return Err(Error::invalid("request_full", "file"));
    }
    Ok(())
}

/// Stores files on a request the actor can read, all or none. Internal files are for engineers.
pub fn attach(
    conn: &mut DbConnection,
    ctx: &Context,
    request: RequestId,
    limits: &Limits,
    uploads: &[Upload],
) -> Result<Vec<Attachment>, Error> {
    if uploads.is_empty() {
        return Err(Error::invalid("required", "file"));
    }
    if uploads.iter().any(|u| u.internal) && !ctx.actor.role.is_engineer() {
        return Err(Error::Forbidden { code: "engineers_only" });
    }
    write_transaction(conn, |conn| {
        super::requests::readable(conn, ctx.actor, request)?;
        let mut used = store::usage(conn, request)?;
        let setup = ctx.memo.team_setup(conn)?;
        let mut stored = Vec::with_capacity(uploads.len());
        for upload in uploads {
            let size = u64::try_from(upload.content.len()).unwrap_or(u64::MAX);
            fits(limits, used, size)?;
            let (file_name, content_type) = (clean_name(&upload.file_name), sniff(&upload.content));
            let file = NewFile {
                file_name: &file_name,
                content_type: &content_type,
                internal: upload.internal,
                content: &upload.content,
            };
            let id = store::add(conn, &setup, request, ctx.actor, &file, ctx.now)?;
            let size = i64::try_from(size).unwrap_or(i64::MAX);
            stored.push(Attachment {
                id,
                request,
                uploader: ctx.actor.id,
                file_name,
                content_type,
                size,
                internal: upload.internal,
                // As stored: to the microsecond.
                created_at: chrono::SubsecRound::trunc_subsecs(ctx.now, 6),
                deleted: false,
            });
            used = (used.0 + size, used.1 + 1);
        }
        Ok(stored)
    })
}

/// An attachment the actor may read: on a request they can read, and internal ones only for
/// engineers. Anything else is "not found", like a request one cannot see.
fn readable(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<Attachment, Error> {
    let attachment = store::get(conn, id)?.filter(|a| !a.deleted).ok_or(Error::NotFound)?;
    if attachment.internal && !ctx.actor.role.is_engineer() {
        return Err(Error::NotFound);
    }
    super::requests::readable(conn, ctx.actor, attachment.request)?;
    Ok(attachment)
}

/// The files of a request the actor is already known to be able to read: internal ones only
/// for engineers.
pub(crate) fn visible(
    conn: &mut DbConnection,
    actor: crate::domain::Actor,
    request: RequestId,
) -> diesel::QueryResult<Vec<Attachment>> {
    Ok(store::of_request(conn, request)?.into_iter().filter(|a| may_see(a, actor)).collect())
}

/// Whether a reader of its request sees this file: internal ones only engineers.
pub(crate) fn may_see(attachment: &Attachment, actor: crate::domain::Actor) -> bool {
    !attachment.internal || actor.role.is_engineer()
}

/// An attachment with its bytes.
pub fn download(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<(Attachment, Vec<u8>), Error> {
    read_transaction(conn, |conn| {
        let attachment = readable(conn, ctx, id)?;
        let content = store::content(conn, id)?;
        Ok((attachment, content))
    })
}

/// Removes a file (its uploader or an engineer); the history keeps that it was there.
pub fn delete(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<RequestId, Error> {
    write_transaction(conn, |conn| {
        let attachment = readable(conn, ctx, id)?;
        if attachment.uploader != ctx.actor.id && !ctx.actor.role.is_engineer() {
            return Err(Error::Forbidden { code: "not_yours" });
        }
        let setup = ctx.memo.team_setup(conn)?;
        store::delete(conn, &setup, &attachment, ctx.actor, ctx.now)?;
        Ok(attachment.request)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"<script>alert(1)</script>"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"<!DOCTYPE html><html><body>x</body></html>"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]), "application/octet-stream");
        assert!(!is_image("image/svg+xml"));
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\shot.png"), "shot.png");
        assert_eq!(clean_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(clean_name(".."), "file");
    }

    #[test]
    fn limits_count_bytes_and_files() {
        let limits = Limits { per_file: 10, per_request: 15, files_per_request: 2 };
        assert!(fits(&limits, (0, 0), 10).is_ok());
        assert!(matches!(fits(&limits, (0, 0), 11), Err(Error::Invalid { code: "too_large", .. })));
        assert!(matches!(fits(&limits, (10, 1), 6), Err(Error::Invalid { code: "request_full", .. })));
        assert!(matches!(fits(&limits, (1, 2), 1), Err(Error::Invalid { code: "too_many", .. })));
    }
}
