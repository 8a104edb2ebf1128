//! The risk register over REST: the JSON export of an organisation's assessments (answers,
//! evidence, today's status with its reason, inferred postures with their mappings, history
//! and open findings).

use axum::extract::{Path, Query, State};
use axum::Json;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::OrgId;

use super::Caller;
use crate::error::ApiError;
use crate::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The day to compute the posture for (`YYYY-MM-DD`); today (UTC) when absent.
    pub on: Option<String>,
}

/// An organisation's assessments, evidence, posture (assessed and inferred) and open findings.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/risk/assessments", tag = "risk", params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "The export (see docs/RISK.md)", body = Object), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn assessments(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>, Query(q): Query<ExportQuery>) -> Result<Json<serde_json::Value>, ApiError> {
    let org_id: OrgId = id.parse().map_err(|_| ApiError::NotFound)?;
    match decide(&auth.principal, Action::Read, Resource::RiskRegister { org_id }) {
        Decision::Allow => {}
        Decision::Deny { hide: true, .. } => return Err(ApiError::NotFound),
        Decision::Deny { reason, .. } => return Err(ApiError::Forbidden(reason)),
    }
    let org = state.store.get_org(org_id).await?;
    let today = match q.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map_err(|_| ApiError::BadParameters(ward_core::ValidationErrors(vec![ward_core::FieldError::new("on", format!("{s:?} is not a date (YYYY-MM-DD)"))])))?,
        None => crate::risk::day_of(jiff::Timestamp::now()),
    };
    let risk = crate::risk::org_risk(&state.store, org_id, today).await?;
    Ok(Json(crate::risk::export(&risk, org.name.as_str())))
}
