//! The REST API under `/api/v1`: JSON in, JSON or `application/problem+json` out.
//! Every route but the OpenAPI document requires a Bearer token or a browser session; unsafe
//! methods with a session additionally need the `X-CSRF-Token` header.

mod accounts;
mod imports;
mod incidents;
pub mod sightings;
pub mod openapi;
pub mod risk;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, Method};
use axum::routing::{delete, get};
use axum::Router;

use crate::auth::{secrets_equal, Auth, Via};
use crate::error::ApiError;
use crate::AppState;

pub use incidents::{merge_patch, parse_filter as incidents_filter, IncidentView};

/// Largest JSON body the API reads.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;
/// Default page size of list endpoints.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/me", get(accounts::me))
        .route("/incidents", get(incidents::list).post(incidents::create))
        .route("/incidents/{id}", get(incidents::get_one).patch(incidents::patch))
        .route("/incidents/{id}/versions", get(incidents::versions))
        .route("/incidents/{id}/versions/{version}", get(incidents::version))
        .route("/orgs", get(accounts::list_orgs).post(accounts::create_org))
        .route("/orgs/{id}", get(accounts::get_org))
        .route("/orgs/{id}/users", get(accounts::list_users).post(accounts::create_user))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/sightings", get(sightings::aggregate).post(sightings::report))
        .route("/imports/{kind}", axum::routing::post(imports::create).layer(axum::extract::DefaultBodyLimit::max(imports::MAX_IMPORT_BODY_BYTES)))
}

/// The authenticated caller of an API route: 401 when anonymous, and for unsafe methods
/// over a browser session, 403 unless `X-CSRF-Token` matches the session's token.
pub struct Caller(pub Auth, pub ward_store::User);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        let user = auth.require_user()?.clone();
        if let Via::Session(session) = &auth.via {
            let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let header_token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if unsafe_method && !secrets_equal(header_token, &session.csrf_token) {
                return Err(ApiError::Forbidden("a browser session needs the X-CSRF-Token header for this method"));
            }
        }
        Ok(Caller(auth, user))
    }
}

/// A JSON body read with a size limit and a media-type check; syntax errors are 400s that say
/// where the JSON breaks.
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;
    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" && essence != "application/merge-patch+json" {
            return Err(ApiError::UnsupportedMediaType("send the body as application/json (or application/merge-patch+json for PATCH)"));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON_BODY_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge { limit: MAX_JSON_BODY_BYTES })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        Ok(JsonBody(value))
    }
}

/// Decodes a JSON value into `T`, naming the field path of the problem (422).
pub fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::field(if path == "." { "" } else { &path }, e.inner().to_string())
    })
}
