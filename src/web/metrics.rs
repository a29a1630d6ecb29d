//! `/metrics` in the Prometheus text format: HTTP requests by route and
//! status, their latency, the database pool, and the team's own gauges.

use super::AppState;
use super::error::AppError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

/// Latency buckets, in seconds.
const BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The recorder every worker of one process writes to (not the process-wide global one, so
/// several apps in one test process keep their figures apart).
pub struct Metrics {
    recorder: PrometheusRecorder,
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new().set_buckets(&BUCKETS).map(PrometheusBuilder::build_recorder);
        // `set_buckets` fails only for an empty list.
        let recorder = recorder.unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let metrics = Metrics { recorder };
        metrics.with(|| {
            metrics::describe_counter!(
                "goalkeeper_http_requests_total",
                "HTTP requests answered, by route, method and status"
            );
            metrics::describe_histogram!(
                "goalkeeper_http_request_duration_seconds",
                metrics::Unit::Seconds,
                "Time to answer, by route"
            );
            metrics::describe_gauge!("goalkeeper_db_pool_connections", "Database connections open in the pool");
            metrics::describe_gauge!("goalkeeper_db_pool_idle_connections", "Open database connections not in use");
            metrics::describe_counter!(
                "goalkeeper_db_group_commits_total",
                "Commits of grouped writes on SQLite (each is one fsync)"
            );
            metrics::describe_counter!("goalkeeper_db_group_committed_writes_total", "Writes carried by those commits");
            metrics::describe_gauge!("goalkeeper_open_requests", "Open requests by state and service tier");
            metrics::describe_gauge!(
                "goalkeeper_overdue_requests",
                "Untriaged requests past their tier's triage target"
            );
            metrics::describe_gauge!(
                "goalkeeper_oldest_untriaged_age_seconds",
                "How long the oldest untriaged request has waited (0: none waits)"
            );
        });
        metrics
    }
}

impl Metrics {
    fn with(&self, record: impl FnOnce()) {
        metrics::with_local_recorder(&self.recorder, record);
    }
}

/// Middleware: counts and times every answered request, by its route's pattern
/// (`/requests/{id}`, never the concrete path: bounded cardinality).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        let status = response.status().as_u16().to_string();
        let seconds = started.elapsed().as_secs_f64();
        state.metrics.with(|| {
            metrics::counter!("goalkeeper_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
                .increment(1);
            metrics::histogram!("goalkeeper_http_request_duration_seconds", "route" => route).record(seconds);
        });
    }
    Ok(response)
}

/// `GET /metrics`. With `GOALKEEPER_METRICS_TOKEN` set, only for `Authorization: Bearer <it>`.
pub async fn scrape(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if let Some(expected) = &state.config.metrics_token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::auth::secrets_match(sent, expected) {
            return Ok(HttpResponse::Unauthorized().insert_header((header::WWW_AUTHENTICATE, "Bearer")).finish());
        }
    }
    let ctx = crate::app::Context::new(
        crate::domain::UserId(0),
        crate::domain::Role::Admin,
        state.now(),
        state.team().await?,
    );
    let gauges = state
        .db(move |conn| crate::app::metrics::team_gauges(conn, &ctx).map_err(|e| AppError::Internal(e.into())))
        .await?;
    let pool = state.pool.state();
    let commits = state.commit_counts();
    state.metrics.with(|| {
        for (state_name, tier, count) in gauges.open {
            metrics::gauge!("goalkeeper_open_requests", "state" => state_name, "tier" => tier).set(count as f64);
        }
        metrics::gauge!("goalkeeper_overdue_requests").set(gauges.overdue as f64);
        metrics::gauge!("goalkeeper_oldest_untriaged_age_seconds").set(gauges.oldest_untriaged_seconds as f64);
        metrics::gauge!("goalkeeper_db_pool_connections").set(f64::from(pool.connections));
        metrics::gauge!("goalkeeper_db_pool_idle_connections").set(f64::from(pool.idle_connections));
        if let Some((commits, writes)) = commits {
            metrics::counter!("goalkeeper_db_group_commits_total").absolute(commits);
            metrics::counter!("goalkeeper_db_group_committed_writes_total").absolute(writes);
        }
    });
    let body = state.metrics.recorder.handle().render();
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}
