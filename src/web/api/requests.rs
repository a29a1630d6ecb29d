//! `/api/v1/`: the token's holder, the catalog, and requests — list, file, read, act.

use super::types::*;
use super::{ApiError, ApiUser, run};
use crate::app::{self, requests::ActInput, requests::FileInput, requests::ListInput};
use crate::domain::{ActionName, RequestId, State};
use crate::web::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(me)
        .service(categories)
        .service(services)
        .service(engineers)
        .service(list_requests)
        .service(file_request)
        .service(read_request)
        // Before the action route, whose `{action}` would take "attachments".
        .service(attach_files)
        .service(act_on_request)
        .service(edit_request)
        .service(download_attachment)
        .service(delete_attachment)
        .service(search)
        .service(rotation)
        .service(weekly_report)
        .service(queue)
        .service(export)
        .service(suggest);
}

/// The holder of the token.
#[utoipa::path(tag = "people", responses((status = 200, body = MeOut), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON")))]
#[get("/me")]
async fn me(state: web::Data<AppState>, user: ApiUser) -> Result<web::Json<MeOut>, ApiError> {
    let ctx = user.context(&state).await?;
    let me = run(&state, move |conn| app::catalog::me(conn, &ctx)).await?;
    Ok(web::Json(MeOut {
        id: me.id.0,
        name: me.name,
        email: me.email,
        role: me.role.as_str().to_owned(),
        scope: user.scope.as_str().to_owned(),
    }))
}

/// The categories a request can be filed under.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<CategoryOut>), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON")))]
#[get("/categories")]
async fn categories(state: web::Data<AppState>, _user: ApiUser) -> Result<web::Json<Vec<CategoryOut>>, ApiError> {
    let list = run(&state, app::catalog::categories).await?;
    Ok(web::Json(
        list.into_iter().map(|c| CategoryOut { id: c.id.0, name: c.name, description: c.description }).collect(),
    ))
}

/// The services the team runs, with their tiers.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<ServiceOut>), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON")))]
#[get("/services")]
async fn services(state: web::Data<AppState>, _user: ApiUser) -> Result<web::Json<Vec<ServiceOut>>, ApiError> {
    let list = run(&state, app::catalog::services).await?;
    Ok(web::Json(
        list.into_iter()
            .map(|s| ServiceOut {
                id: s.id.0,
                name: s.name,
                tier: s.tier.as_str().to_owned(),
                description: s.description,
            })
            .collect(),
    ))
}

/// The engineers, whom requests can be routed to (for engineers' tokens).
#[utoipa::path(tag = "people", responses((status = 200, body = Vec<PersonOut>), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON")))]
#[get("/engineers")]
async fn engineers(state: web::Data<AppState>, user: ApiUser) -> Result<web::Json<Vec<PersonOut>>, ApiError> {
    user.require_engineer()?;
    let list = run(&state, app::catalog::engineers).await?;
    Ok(web::Json(
        list.into_iter().map(|u| PersonOut { id: u.id.0, name: u.name, role: u.role.as_str().to_owned() }).collect(),
    ))
}

fn states(raw: Option<&str>) -> Result<Vec<State>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else { return Ok(Vec::new()) };
    raw.split(',')
        .map(|s| {
            State::parse(s.trim()).map_err(|_| {
                ApiError::field(StatusCode::BAD_REQUEST, "invalid", "state", format!("{s:?} is not a state"))
            })
        })
        .collect()
}

/// Requests, newest first: a requester's token sees only their own.
#[utoipa::path(
    tag = "requests",
    params(ListQuery),
    responses((status = 200, body = RequestList), (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 422, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/requests")]
async fn list_requests(
    state: web::Data<AppState>,
    user: ApiUser,
    query: web::Query<ListQuery>,
) -> Result<web::Json<RequestList>, ApiError> {
    let query = query.into_inner();
    let input = ListInput {
        states: states(query.state.as_deref())?,
        category: query.category_id,
        service: query.service_id,
        owner: query.owner,
        before: query.cursor,
        limit: query.limit.unwrap_or(50),
    };
    let ctx = user.context(&state).await?;
    let page = run(&state, move |conn| app::requests::list(conn, &ctx, &input)).await?;
    Ok(web::Json(RequestList {
        items: page.requests.iter().map(|r| RequestOut::named(r, &page.names)).collect(),
        next_cursor: page.next,
    }))
}

/// Files a request. The same `Idempotency-Key` from the same person files it once: a retry
/// answers 200 with the request filed the first time.
#[utoipa::path(
    tag = "requests",
    request_body = NewRequestIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Files the request once, however often it is sent")),
    responses(
        (status = 201, body = RequestOut, description = "Filed now"),
        (status = 200, body = RequestOut, description = "Filed before with this Idempotency-Key"),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 413, body = ErrorOut), (status = 422, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[post("/requests")]
async fn file_request(
    state: web::Data<AppState>,
    user: ApiUser,
    req: HttpRequest,
    body: web::Json<NewRequestIn>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
            ApiError::field(StatusCode::BAD_REQUEST, "invalid", "Idempotency-Key", "printable ASCII only")
        })?),
    };
    let body = body.into_inner();
    let input = FileInput {
        title: body.title,
        description: body.description,
        category: body.category_id,
        service: body.service_id,
        urgency: body.urgency,
        private: body.private.unwrap_or(false),
        idempotency_key: key,
    };
    let ctx = user.context(&state).await?;
    // Alert storms file many at once: they share commits.
    let filed = state.write(move |conn| Ok(app::requests::file(conn, &ctx, &input))).await?;
    let (request, created) = filed.map_err(ApiError::from)?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/api/v1/requests/{}", request.id)))
        .insert_header((header::ETAG, format!("\"{}\"", request.version)))
        .json(RequestOut::plain(&request)))
}

fn request_id(raw: &str) -> Result<RequestId, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(RequestId)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such request"))
}

/// A request with its history. Its `ETag` is the version to send as `If-Match` with an action.
#[utoipa::path(
    tag = "requests",
    params(("id" = i64, Path, description = "The request's number", minimum = 1)),
    responses((status = 200, body = RequestWithHistory), (status = 401, body = ErrorOut), (status = 404, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/requests/{id}")]
async fn read_request(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = request_id(&path)?;
    let ctx = user.context(&state).await?;
    let view = run(&state, move |conn| app::requests::read(conn, &ctx, id)).await?;
    let body = RequestWithHistory {
        request: RequestOut::named(&view.request, &view.names),
        history: view.history.iter().map(|e| EventOut::new(e, &view.names)).collect(),
        attachments: view.attachments.iter().map(AttachmentOut::new).collect(),
    };
    Ok(HttpResponse::Ok().insert_header((header::ETAG, format!("\"{}\"", view.request.version))).json(body))
}

/// The version an `If-Match` header names: `"3"`, `W/"3"` or `3`.
fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let raw = req.headers().get(header::IF_MATCH).ok_or_else(|| {
        ApiError::field(
            StatusCode::PRECONDITION_REQUIRED,
            "required",
            "If-Match",
            "send the request's version (its ETag) as If-Match",
        )
    })?;
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, "invalid", "If-Match", "a version number, like \"3\""))
}

/// A triage action (`take`, `route`, `consult`, `wait`, `comment`, `resolve`, `reject`,
/// `duplicate`, `reopen`) on the version named by `If-Match`. A stale version answers 412
/// with the request as it is now; nothing changes.
#[utoipa::path(
    tag = "requests",
    params(
        ("id" = i64, Path, description = "The request's number", minimum = 1),
        ("action" = String, Path, description = "take, route, consult, wait, comment, resolve, reject, duplicate or reopen",
            pattern = "^(take|route|consult|wait|comment|resolve|reject|duplicate|reopen)$"),
        ("If-Match" = String, Header, description = "The version the action is meant for, as the ETag gave it")
    ),
    request_body = ActionIn,
    responses(
        (status = 200, body = RequestOut),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 412, body = ErrorOut, description = "The request changed; `current` holds it"),
        (status = 422, body = ErrorOut), (status = 428, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[post("/requests/{id}/{action}")]
async fn act_on_request(
    state: web::Data<AppState>,
    user: ApiUser,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Option<web::Json<ActionIn>>,
) -> Result<web::Json<RequestOut>, ApiError> {
    user.require_write()?;
    let (raw_id, raw_action) = path.into_inner();
    let id = request_id(&raw_id)?;
    let name = ActionName::parse(&raw_action)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such action"))?;
    let version = if_match(&req)?;
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let input = ActInput { note: body.note, to: body.to, with: body.with, of: body.of };
    let ctx = user.context(&state).await?;
    let request = run(&state, move |conn| app::requests::perform(conn, &ctx, id, version, name, &input)).await?;
    Ok(web::Json(RequestOut::plain(&request)))
}

/// Corrects a request's title, description, category, service or urgency (engineers), on the
/// version named by `If-Match`; the history gets an `edited` event. A stale version answers 412.
#[utoipa::path(
    tag = "requests",
    params(
        ("id" = i64, Path, description = "The request's number", minimum = 1),
        ("If-Match" = String, Header, description = "The version the edit is meant for, as the ETag gave it")
    ),
    request_body = RequestEditIn,
    responses(
        (status = 200, body = RequestOut),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 412, body = ErrorOut, description = "The request changed; `current` holds it"),
        (status = 422, body = ErrorOut), (status = 428, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[patch("/requests/{id}")]
async fn edit_request(
    state: web::Data<AppState>,
    user: ApiUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<RequestEditIn>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let id = request_id(&path)?;
    let version = if_match(&req)?;
    let body = body.into_inner();
    let change = app::requests::EditPatch {
        title: body.title,
        description: body.description,
        category: body.category_id,
        service: body.service_id,
        urgency: body.urgency,
    };
    let ctx = user.context(&state).await?;
    let request = run(&state, move |conn| app::requests::edit(conn, &ctx, id, version, &change)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", request.version)))
        .json(RequestOut::plain(&request)))
}

/// Attaches files to a request the holder can read (`multipart/form-data`, one `file` part per
/// file). Each file is at most the server's limit (10 MiB by default); a request carries at most
/// 50 MiB and 20 files. Too large answers 413 and stores nothing.
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "The request's number", minimum = 1)),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Vec<AttachmentOut>),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = 413, body = ErrorOut), (status = 422, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[post("/requests/{id}/attachments")]
async fn attach_files(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let id = request_id(&path)?;
    let limits = state.config.attachments;
    let form = crate::web::files::read_upload(multipart, &limits).await?;
    let ctx = user.context(&state).await?;
    let stored = state.db(move |conn| Ok(app::attachments::attach(conn, &ctx, id, &limits, &form.files))).await?;
    let files = match stored {
        Ok(files) => files,
        Err(app::Error::Invalid { code: code @ ("too_large" | "request_full"), field, value }) => {
            let message = crate::web::messages::field_sentence(code, field, value.as_ref());
            return Err(ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, code, field, message));
        }
        Err(other) => return Err(other.into()),
    };
    Ok(HttpResponse::Created().json(files.iter().map(AttachmentOut::new).collect::<Vec<_>>()))
}

/// A file, with the content type sniffed at upload; images inline, anything else as a download.
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "The attachment's id", minimum = 1)),
    responses(
        (status = 200, description = "The file's bytes, with the type sniffed at upload", content_type = "*/*"),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 404, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[get("/attachments/{id}")]
async fn download_attachment(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = request_id(&path)?.0;
    let ctx = user.context(&state).await?;
    let (attachment, content) = run(&state, move |conn| app::attachments::download(conn, &ctx, id)).await?;
    Ok(crate::web::files::file_response(&attachment, content))
}

/// Removes a file (its uploader or an engineer); the history records it.
#[utoipa::path(
    tag = "attachments",
    params(("id" = i64, Path, description = "The attachment's id", minimum = 1)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, body = ErrorOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut),
        (status = 404, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[delete("/attachments/{id}")]
async fn delete_attachment(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require_write()?;
    let id = request_id(&path)?.0;
    let ctx = user.context(&state).await?;
    run(&state, move |conn| app::attachments::delete(conn, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Search: engineers find every request, requesters their own and the team's answers.
#[utoipa::path(
    tag = "requests",
    params(SearchQuery),
    responses((status = 200, body = SearchOut), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/search")]
async fn search(
    state: web::Data<AppState>,
    user: ApiUser,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchOut>, ApiError> {
    let SearchQuery { q, limit } = query.into_inner();
    let limit = limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit", "from 1 to 50"));
    }
    let ctx = user.context(&state).await?;
    let results = run(&state, move |conn| app::search::search(conn, &ctx, &q, limit)).await?;
    let items = results
        .found
        .iter()
        .map(|f| SearchHitOut {
            request: RequestOut::named(&f.request, &results.names),
            snippet: f.hit.parts.iter().map(|(text, _)| text.as_str()).collect(),
            answer: f.access == crate::domain::knowledge::Access::Answer,
        })
        .collect();
    Ok(web::Json(SearchOut { items }))
}

fn shift(s: &crate::domain::rotation::Shift, names: &crate::app::names::Directory) -> ShiftOut {
    ShiftOut {
        engineer_id: s.engineer.0,
        engineer: names.user(Some(s.engineer)),
        starts_at: s.start,
        ends_at: s.end,
        covering_for: s.scheduled.filter(|scheduled| s.override_id.is_some() && *scheduled != s.engineer).map(|p| p.0),
    }
}

/// Who keeps goal now, who is next, and the rota for the 12 weeks ahead.
#[utoipa::path(
    tag = "rotation",
    responses((status = 200, body = RotationOut), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/rotation")]
async fn rotation(state: web::Data<AppState>, user: ApiUser) -> Result<web::Json<RotationOut>, ApiError> {
    let ctx = user.context(&state).await?;
    let overview = run(&state, move |conn| app::rotation::overview(conn, &ctx, 12)).await?;
    Ok(web::Json(RotationOut {
        now: overview.now.as_ref().map(|s| shift(s, &overview.names)),
        next: overview.next.as_ref().map(|s| shift(s, &overview.names)),
        ahead: overview.ahead.iter().map(|s| shift(s, &overview.names)).collect(),
    }))
}

/// The weekly handover report of an ISO week, like `2026-W48` (engineers).
#[utoipa::path(
    tag = "reports",
    params(("week" = String, Path, description = "An ISO week, like 2026-W48", pattern = "^[0-9]{4}-W[0-9]{2}$")),
    responses((status = 200, body = WeeklyReportOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 404, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/reports/weekly/{week}")]
async fn weekly_report(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<web::Json<WeeklyReportOut>, ApiError> {
    let week = crate::domain::metrics::IsoWeek::parse(&path)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such ISO week"))?;
    let _turn = state.heavy_turn().await?;
    let ctx = user.context(&state).await?;
    let report = run(&state, move |conn| app::reports::weekly(conn, &ctx, week)).await?;
    let json =
        serde_json::to_value(report).map_err(|e| ApiError::from(crate::web::error::AppError::Internal(e.into())))?;
    Ok(web::Json(WeeklyReportOut(json)))
}

/// The triage queue (engineers): open requests by service tier, urgency and age, 50 a page.
#[utoipa::path(
    tag = "requests",
    params(QueueQuery),
    responses((status = 200, body = QueueOut), (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/queue")]
async fn queue(
    state: web::Data<AppState>,
    user: ApiUser,
    query: web::Query<QueueQuery>,
) -> Result<web::Json<QueueOut>, ApiError> {
    let query = query.into_inner();
    let ctx = user.context(&state).await?;
    let owner = app::requests::owner_filter(&ctx, query.owner.as_deref())?;
    let filter = app::QueueFilter {
        category: query.category_id.map(crate::domain::CategoryId),
        service: query.service_id.map(crate::domain::ServiceId),
        owner,
        ..Default::default()
    };
    let page = query.page.unwrap_or(1);
    let found = run(&state, move |conn| app::requests::queue(conn, &ctx, &filter, page, 50)).await?;
    Ok(web::Json(QueueOut {
        items: found.requests.iter().map(|r| RequestOut::named(r, &found.names)).collect(),
        page,
        total: found.total,
    }))
}

/// An export of a period (engineers): `requests`, `events` or `deflections`, columns as in
/// docs/export.md; CSV, or JSON objects keyed by column.
#[utoipa::path(
    tag = "reports",
    params(
        ("kind" = String, Path, description = "requests, events or deflections", pattern = "^(requests|events|deflections)$"),
        ExportQuery
    ),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (Vec<Object> = "application/json"))),
        (status = 401, body = ErrorOut), (status = 403, body = ErrorOut), (status = 422, body = ErrorOut),
        (status = "default", body = ErrorOut, description = "An error, as JSON")
    )
)]
#[get("/exports/{kind}")]
async fn export(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::app::exports::{self, Kind};
    let kind = Kind::parse(&path).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such export"))?;
    let ExportQuery { from, to, format } = query.into_inner();
    let json = match format.as_deref() {
        None | Some("csv") => false,
        Some("json") if kind != Kind::Deflections => true,
        Some(_) => {
            return Err(ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "format",
                "csv, or json for requests and events",
            ));
        }
    };
    let ctx = user.context(&state).await?;
    let period = exports::period(&ctx, from.as_deref(), to.as_deref())?;
    let _turn = state.heavy_turn().await?;
    let outcome = state
        .db_within(crate::web::EXPORT_DEADLINE, move |conn| Ok(exports::export(conn, &ctx, kind, period, json)))
        .await?;
    let body = outcome?;
    let content_type = if json { "application/json" } else { "text/csv; charset=utf-8" };
    Ok(HttpResponse::Ok().content_type(content_type).body(body))
}

/// Answers that may already solve what someone is about to file (deflection before the queue).
#[utoipa::path(
    tag = "requests",
    params(SuggestQuery),
    responses((status = 200, body = Vec<SuggestionOut>), (status = 401, body = ErrorOut), (status = "default", body = ErrorOut, description = "An error, as JSON"))
)]
#[get("/answers/suggest")]
async fn suggest(
    state: web::Data<AppState>,
    _user: ApiUser,
    query: web::Query<SuggestQuery>,
) -> Result<web::Json<Vec<SuggestionOut>>, ApiError> {
    let SuggestQuery { q, limit } = query.into_inner();
    let limit = limit.unwrap_or(app::answers::SUGGESTIONS);
    if !(1..=10).contains(&limit) {
        return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit", "from 1 to 10"));
    }
    let text: String = q.trim().chars().take(200).collect();
    let found = run(&state, move |conn| app::answers::suggestions(conn, &text, limit)).await?;
    Ok(web::Json(
        found
            .into_iter()
            .map(|s| SuggestionOut {
                id: s.id,
                url: s.url,
                title: s.title,
                category: s.category,
                resolution: s.resolution,
                good: s.good,
                helped: s.helped,
            })
            .collect(),
    ))
}
