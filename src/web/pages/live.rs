//! `/live`: Server-Sent Events that keep the queue and a request page current without a reload,
//! and `/static/live.js`, the small script that listens (the pages work without it).

use crate::app;
use crate::domain::RequestId;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use std::time::Duration;

/// How often an open page checks for news.
const TICK: Duration = Duration::from_millis(1000);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveQuery {
    /// Any value: watch the queue.
    pub queue: Option<String>,
    /// Watch one request (and be seen looking at it).
    pub request: Option<String>,
}

#[derive(Clone, Copy)]
enum Watch {
    Queue,
    Request(RequestId),
}

/// One check: the event to send, as SSE text.
async fn check(state: &AppState, user: &CurrentUser, watch: Watch) -> Result<String, AppError> {
    let ctx = user.context(state).await?;
    Ok(match watch {
        Watch::Queue => {
            let stamp = state.db(move |conn| Ok(app::live::queue_stamp(conn, &ctx)?)).await?;
            format!("event: changed\ndata: {stamp}\n\n")
        }
        Watch::Request(id) => {
            let pulse = state.db(move |conn| Ok(app::live::request_pulse(conn, &ctx, id)?)).await?;
            let (by, kind) = pulse.last_change.unwrap_or_default();
            let data =
                serde_json::json!({ "version": pulse.version, "by": by, "kind": kind, "viewers": pulse.viewers });
            format!("event: pulse\ndata: {data}\n\n")
        }
    })
}

pub async fn stream(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, AppError> {
    let watch = match (&query.queue, &query.request) {
        (Some(_), _) => Watch::Queue,
        (None, Some(raw)) => Watch::Request(super::parse_id(raw).map(RequestId).ok_or(AppError::NotFound)?),
        (None, None) => return Err(AppError::NotFound),
    };
    // The first check answers refusals (403, 404) as a normal response.
    let first = check(&state, &user, watch).await?;
    let events = futures_util::stream::unfold(
        (state, user, Some(first), String::new()),
        move |(state, user, pending, last)| async move {
            let text = match pending {
                Some(text) => text,
                None => {
                    actix_web::rt::time::sleep(TICK).await;
                    if state.draining.load(std::sync::atomic::Ordering::Relaxed) {
                        return None;
                    }
                    // A failed check ends the stream; the browser reconnects by itself.
                    check(&state, &user, watch).await.ok()?
                }
            };
            // Unchanged news is a comment: it keeps the connection checked, and costs nothing.
            let out = if text == last { ":\n\n".to_owned() } else { text.clone() };
            Some((Ok::<Bytes, actix_web::Error>(Bytes::from(out)), (state, user, None, text)))
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        // Sent as it comes: never compressed (that would buffer it) or held by a proxy.
        .insert_header(("Content-Encoding", "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events))
}

/// `GET /static/keys.js`: keyboard triage.
pub async fn keys_script() -> HttpResponse {
    super::static_script(include_str!("../../../static/keys.js"))
}

/// `GET /static/live.js`.
pub async fn script() -> HttpResponse {
    super::static_script(include_str!("../../../static/live.js"))
}
