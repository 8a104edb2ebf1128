//! The API's one error type, rendered as RFC 9457 `application/problem+json` with a stable
//! machine-readable `code` and, for validation problems, every field with its reason.
//! A 500 never carries internals: the detail goes to the log with the request id.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ward_core::{FieldError, ValidationErrors};
use ward_store::StoreError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthorized,
    #[error("{0}")]
    BadCredentials(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("invalid request")]
    Validation(ValidationErrors),
    #[error("{0}")]
    BadRequest(String),
    /// Query-string parameters that do not parse (400), each named with its reason.
    #[error("invalid parameters")]
    BadParameters(ValidationErrors),
    #[error("the resource changed: current version is {current}")]
    PreconditionFailed { current: i64 },
    #[error("{0}")]
    PreconditionRequired(&'static str),
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: &str, reason: impl Into<String>) -> ApiError {
        ApiError::Validation(ValidationErrors(vec![FieldError::new(field, reason)]))
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required"),
            ApiError::BadCredentials(_) => (StatusCode::UNAUTHORIZED, "bad_credentials", "Invalid credentials"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "The request has invalid fields"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", "Malformed request"),
            ApiError::BadParameters(_) => (StatusCode::BAD_REQUEST, "bad_parameters", "Invalid query parameters"),
            ApiError::PreconditionFailed { .. } => (StatusCode::PRECONDITION_FAILED, "version_conflict", "The resource was changed by someone else"),
            ApiError::PreconditionRequired(_) => (StatusCode::PRECONDITION_REQUIRED, "precondition_required", "A version precondition is required"),
            ApiError::Conflict { .. } => (StatusCode::CONFLICT, "duplicate", "Already exists"),
            ApiError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "Request body too large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal server error"),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { current } => ApiError::PreconditionFailed { current },
            StoreError::Duplicate { field } => ApiError::Conflict { field },
            StoreError::Invalid { field, reason } => ApiError::field(field, reason),
            StoreError::Connect(..) => ApiError::Unavailable,
            e if e.is_unavailable() => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URN naming the problem type (`urn:ward:problem:validation_failed`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// Dotted path of the field (empty for the document as a whole).
    pub field: String,
    pub reason: String,
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let (detail, errors) = match self {
            ApiError::Validation(v) | ApiError::BadParameters(v) => (
                v.to_string(),
                v.0.iter().map(|f| ProblemField { field: f.field.clone(), reason: f.reason.clone() }).collect(),
            ),
            ApiError::Internal(_) => ("The server could not complete the request; the error is logged with the request id.".to_owned(), Vec::new()),
            other => (other.to_string(), Vec::new()),
        };
        Problem {
            type_: format!("urn:ward:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            current_version: match self {
                ApiError::PreconditionFailed { current } => Some(*current),
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut resp = (self.status(), body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if matches!(self, ApiError::Unauthorized | ApiError::BadCredentials(_)) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"ward\""));
        }
        resp
    }
}
