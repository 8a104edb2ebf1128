//! ward-web: the only crate that knows HTTP and HTML.
//!
//! One axum [`Router`] serves the REST API (`/api/v1`), the server-rendered web shell, static
//! assets compiled into the binary, and the health probes. Every request passes the
//! [`auth::resolve`] middleware, which turns credentials into a principal; every handler asks
//! [`ward_core::policy::decide`] before acting, and every incident read goes to the store with
//! the principal's [`ward_core::ReadScope`].

pub mod api;
pub mod auth;
pub mod culture;
pub mod error;
pub mod exercises;
pub mod export;
pub mod import;
pub mod obligations;
pub(crate) mod pages;
pub mod risk;
pub mod share;
pub mod taxii;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use ward_store::Store;

/// Largest request body any route reads (the API and forms have their own, smaller limits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// A request that takes longer than this is answered 408 and its work dropped.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when ward is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Shown in the header and page titles.
    pub instance_name: String,
    /// A banner on every page (e.g. "Demo data" for `ward demo`).
    pub banner: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, instance_name: "ward".into(), banner: None }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    /// Notification channels and the report link's rate limiter.
    pub culture: Arc<culture::CultureRuntime>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState { store, config: Arc::new(config), culture: Arc::new(culture::CultureRuntime::default()) }
    }

    /// The same state with notifications going through `notify`.
    pub fn with_notify(self, notify: culture::NotifyConfig) -> AppState {
        AppState { culture: Arc::new(culture::CultureRuntime { notify, limiter: culture::RateLimiter::default() }), ..self }
    }
}

/// The whole application. `/taxii2/` is the TAXII 2.1 server ([`taxii`]).
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest("/api/v1", api::routes())
        .route("/taxii2/", get(taxii::discovery))
        .nest("/taxii2", taxii::routes())
        .merge(pages::routes())
        // Continuous risk management (issue 8): the register's pages and its REST export.
        .merge(pages::risk::routes())
        // Tabletop exercises (issue 9).
        .merge(pages::exercises::routes())
        .route("/api/v1/orgs/{id}/risk/assessments", get(api::risk::assessments))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), auth::resolve))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                // The path only, never the query string: search terms could carry names.
                tracing::info_span!("request", request.id = %request_id, http.method = %req.method(), http.path = %req.uri().path(), user.id = tracing::field::Empty)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ready", "database": "ok"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable", "database": "unreachable"}))).into_response()
        }
    }
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/taxii2") {
        taxii::not_found().into_response()
    } else if req.uri().path().starts_with("/api/") {
        error::ApiError::NotFound.into_response()
    } else {
        pages::not_found_page(&req).into_response()
    }
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish.
/// The store stays open: the caller closes it (after signing the final checkpoint).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    // With the peer address, so the account-less report link can be rate-limited per client.
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown).await
}
