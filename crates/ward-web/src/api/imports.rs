//! `POST /api/v1/imports/{kind}`: the same import as `ward import`, for instance
//! administrators, with the dataset file as the request body.

use std::collections::HashMap;
use std::io::Write;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::Json;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_import::Kind;

use super::Caller;
use crate::error::ApiError;
use crate::import::{import, owner, ImportRunError, Summary};
use crate::AppState;

/// Largest dataset file accepted over HTTP (the CLI reads files of any size).
pub const MAX_IMPORT_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Import a public dataset file (VCDB JSON/JSON lines/zip, HHS CSV, CIPHER CSV, STIX bundle).
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "imports",
    params(("kind" = String, Path, description = "vcdb, hhs, cipher or stix"), ("org" = Option<String>, Query, description = "owning organisation name (default: Public datasets)")),
    request_body(content = String, description = "The dataset file, as is", content_type = "application/octet-stream"),
    responses((status = 200, body = Summary), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(State(state): State<AppState>, Caller(auth, _): Caller, Path(kind): Path<String>, Query(q): Query<HashMap<String, String>>, req: Request<Body>) -> Result<Json<Summary>, ApiError> {
    // Importing writes public records for the whole instance: the instance administrator's job.
    if let Decision::Deny { reason, .. } = decide(&auth.principal, Action::Create, Resource::Organisations) {
        return Err(ApiError::Forbidden(reason));
    }
    let kind: Kind = kind.parse().map_err(|e: String| ApiError::BadParameters(ward_core::ValidationErrors::single("kind", e)))?;
    let bytes = axum::body::to_bytes(req.into_body(), MAX_IMPORT_BODY_BYTES).await.map_err(|_| ApiError::PayloadTooLarge { limit: MAX_IMPORT_BODY_BYTES })?;
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("the request body is empty: send the dataset file".into()));
    }
    let suffix = match (kind, bytes.starts_with(b"PK\x03\x04")) {
        (_, true) => ".zip",
        (Kind::Hhs | Kind::Cipher, _) => ".csv",
        (Kind::Vcdb, _) if bytes.first() == Some(&b'{') && bytes.iter().filter(|b| **b == b'\n').count() > 1 => ".jsonl",
        _ => ".json",
    };
    let mut file = tempfile::Builder::new().prefix("ward-import-").suffix(suffix).tempfile().map_err(|e| ApiError::Internal(e.to_string()))?;
    file.write_all(&bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    let org = owner(&state.store, q.get("org").map(String::as_str)).await.map_err(run_error)?;
    let summary = import(&state.store, org, kind, &[file.path().to_path_buf()], &["62".to_owned()], true, &|_| {}).await.map_err(run_error)?;
    tracing::info!(import.kind = kind.as_str(), read = summary.read, created = summary.created, rejected = summary.rejected, "import over the API");
    Ok(Json(summary))
}

fn run_error(e: ImportRunError) -> ApiError {
    match e {
        ImportRunError::Store(s) => s.into(),
        ImportRunError::File(m) | ImportRunError::Invalid(m) => ApiError::BadRequest(m),
    }
}
