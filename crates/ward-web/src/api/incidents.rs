//! `/api/v1/incidents`: create, read, list with filters and cursor pagination, merge-patch
//! updates guarded by `If-Match`, and the revision history.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::{FieldError, IncidentDraft, IncidentId, OrgId, ValidationErrors};
use ward_store::{Cursor, IncidentFilter, IncidentRecord, VersionInfo};

use super::{Caller, JsonBody, DEFAULT_PAGE_SIZE};
use crate::error::ApiError;
use crate::AppState;

/// An incident as the API returns it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub org_id: String,
    /// Current version; send it back in `If-Match` to update.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    /// The incident document (same shape as the POST body).
    #[schema(value_type = Object)]
    pub incident: serde_json::Value,
}

impl From<&IncidentRecord> for IncidentView {
    fn from(r: &IncidentRecord) -> Self {
        IncidentView {
            id: r.id.to_string(),
            org_id: r.org_id.to_string(),
            version: r.version,
            created_at: r.created_at.to_string(),
            updated_at: r.updated_at.to_string(),
            created_by: r.created_by.map(|u| u.to_string()),
            updated_by: r.updated_by.map(|u| u.to_string()),
            incident: r.draft.to_value(),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    pub items: Vec<IncidentView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Incidents matching the filters that the caller may see.
    pub total: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub changed_at: String,
    pub changed_by: Option<String>,
    pub changed_by_email: Option<String>,
    pub changed_fields: Vec<String>,
}

impl From<&VersionInfo> for VersionView {
    fn from(v: &VersionInfo) -> Self {
        VersionView {
            version: v.version,
            changed_at: v.changed_at.to_string(),
            changed_by: v.changed_by.map(|u| u.to_string()),
            changed_by_email: v.changed_by_email.clone(),
            changed_fields: v.changed_fields.clone(),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub info: VersionView,
    #[schema(value_type = Object)]
    pub incident: serde_json::Value,
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn parse_id(raw: &str) -> Result<IncidentId, ApiError> {
    // An unparsable id cannot name an incident the caller may see.
    raw.parse::<IncidentId>().map_err(|_| ApiError::NotFound)
}

/// Parses the list filters from the query string; every bad parameter is named.
pub fn parse_filter(q: &HashMap<String, String>) -> Result<(IncidentFilter, Option<Cursor>, u32), ApiError> {
    let mut errors = Vec::new();
    let mut f = IncidentFilter::default();
    let mut cursor = None;
    let mut limit = DEFAULT_PAGE_SIZE;
    for (k, v) in q {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let mut bad = |reason: String| errors.push(FieldError::new(k.as_str(), reason));
        match k.as_str() {
            "country" => match v.parse() { Ok(c) => f.country = Some(c), Err(e) => bad(e) },
            "org_type" => match v.parse() { Ok(t) => f.org_type = Some(t), Err(e) => bad(e) },
            "attack_type" => match v.parse() { Ok(a) => f.attack_type = Some(a), Err(e) => bad(e) },
            "tlp" => match v.parse() { Ok(t) => f.tlp = Some(t), Err(e) => bad(e) },
            "org_id" => match v.parse::<OrgId>() { Ok(o) => f.org_id = Some(o), Err(e) => bad(e.reason) },
            "from" => match v.parse() { Ok(d) => f.from = Some(d), Err(_) => bad(format!("{v:?} is not a date (YYYY-MM-DD)")) },
            "to" => match v.parse() { Ok(d) => f.to = Some(d), Err(_) => bad(format!("{v:?} is not a date (YYYY-MM-DD)")) },
            "q" => {
                if v.chars().count() > ward_store::MAX_SEARCH_CHARS {
                    bad(format!("is longer than {} characters", ward_store::MAX_SEARCH_CHARS));
                } else {
                    f.text = Some(v.to_owned());
                }
            }
            "region" => match v.parse() { Ok(r) => f.region = Some(r), Err(e) => bad(e) },
            "actor" => {
                if v.chars().count() > ward_core::limits::MAX_LABEL_CHARS { bad("is too long".into()) } else { f.actor = Some(v.to_owned()) }
            }
            "harm" => match v { "1" | "true" | "yes" | "on" => f.harm_present = true, "0" | "false" | "no" => {}, _ => bad("must be 1 or 0".into()) },
            "known" => match v.parse() { Ok(h) => f.known = Some(h), Err(e) => bad(e) },
            "source" => {
                if v.len() > 40 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') { bad("is not a source scheme (vcdb, hhs, curated…)".into()) } else { f.source = Some(v.to_owned()) }
            }
            "include_merged" => match v { "1" | "true" => f.include_merged = true, "0" | "false" => {}, _ => bad("must be 1 or 0".into()) },
            "cursor" => match Cursor::decode(v) { Ok(c) => cursor = Some(c), Err(e) => bad(e) },
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=ward_store::MAX_PAGE_SIZE).contains(&n) => limit = n,
                _ => bad(format!("must be a whole number from 1 to {}", ward_store::MAX_PAGE_SIZE)),
            },
            _ => bad("is not a known parameter (country, region, org_type, attack_type, actor, harm, known, source, include_merged, tlp, org_id, from, to, q, cursor, limit)".into()),
        }
    }
    if let (Some(a), Some(b)) = (f.from, f.to) {
        if a > b {
            errors.push(FieldError::new("from", format!("{a} is after to ({b})")));
        }
    }
    if errors.is_empty() {
        Ok((f, cursor, limit))
    } else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(ApiError::BadParameters(ValidationErrors(errors)))
    }
}

/// List incidents the caller may see.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    params(
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2"),
        ("org_type" = Option<String>, Query, description = "organisation type token, e.g. hospital"),
        ("attack_type" = Option<String>, Query, description = "attack type token, e.g. ransomware"),
        ("tlp" = Option<String>, Query, description = "clear, green, amber, amber+strict, red"),
        ("org_id" = Option<String>, Query, description = "owning organisation"),
        ("region" = Option<String>, Query, description = "ISO 3166-2 region, e.g. US-CA"),
        ("actor" = Option<String>, Query, description = "actor name as recorded"),
        ("harm" = Option<String>, Query, description = "1: only incidents with harm facts"),
        ("known" = Option<String>, Query, description = "only incidents where this harm figure is known: individuals_affected, care_disruption, ambulance_diversion, appointments_cancelled"),
        ("source" = Option<String>, Query, description = "only records from this source (external id scheme: vcdb, hhs, curated…)"),
        ("include_merged" = Option<String>, Query, description = "1: include records linked into another incident"),
        ("from" = Option<String>, Query, description = "reference date on or after (YYYY-MM-DD)"),
        ("to" = Option<String>, Query, description = "reference date on or before (YYYY-MM-DD)"),
        ("q" = Option<String>, Query, description = "free-text search"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 200 (default 50)"),
    ),
    responses((status = 200, body = IncidentList), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, Caller(auth, _): Caller, Query(q): Query<HashMap<String, String>>) -> Result<Json<IncidentList>, ApiError> {
    let (filter, cursor, limit) = parse_filter(&q)?;
    let scope = auth.scope.clone();
    let page = state.store.list_incidents(&scope, &filter, cursor.as_ref(), limit).await?;
    let total = state.store.count_incidents(&scope, &filter).await?;
    Ok(Json(IncidentList {
        items: page.items.iter().map(IncidentView::from).collect(),
        next_cursor: page.next.map(|c| c.encode()),
        total,
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct CreateParams {
    /// Owning organisation (instance administrators only; defaults to the caller's).
    org_id: Option<String>,
}

/// Record an incident.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", params(CreateParams),
    request_body(content = Object, description = "An incident document", content_type = "application/json"),
    responses((status = 201, body = IncidentView, headers(("Location" = String), ("ETag" = String))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(State(state): State<AppState>, Caller(auth, user): Caller, Query(params): Query<CreateParams>, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let org_id = match params.org_id.as_deref() {
        Some(raw) => raw.parse::<OrgId>().map_err(|e| ApiError::BadParameters(ValidationErrors(vec![e])))?,
        None => user.org_id,
    };
    if let Decision::Deny { reason, .. } = decide(&auth.principal, Action::Create, Resource::Incidents { org_id }) {
        return Err(ApiError::Forbidden(reason));
    }
    if let Err(ward_store::StoreError::NotFound) = state.store.get_org(org_id).await {
        return Err(ApiError::BadParameters(ValidationErrors::single("org_id", "no such organisation")));
    }
    let draft = IncidentDraft::from_value(body).map_err(ApiError::Validation)?;
    let record = state.store.create_incident(org_id, &draft, Some(user.id), jiff::Timestamp::now()).await?;
    tracing::info!(incident.id = %record.id, org.id = %org_id, "incident created");
    let mut resp = (StatusCode::CREATED, Json(IncidentView::from(&record))).into_response();
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag(record.version));
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/incidents/{}", record.id)) {
        h.insert(header::LOCATION, loc);
    }
    Ok(resp)
}

/// Read one incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = IncidentView, headers(("ETag" = String))), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_one(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let record = state.store.get_incident(id, &auth.scope).await?;
    let mut resp = Json(IncidentView::from(&record)).into_response();
    resp.headers_mut().insert(header::ETAG, etag(record.version));
    Ok(resp)
}

/// Parses `If-Match: "N"` (or `W/"N"`).
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let raw = headers
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired("send If-Match with the version (ETag) you are changing"))?
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?;
    raw.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map_err(|_| ApiError::BadRequest(format!("If-Match {raw:?} is not a version this server issued (\"N\")")))
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    if let serde_json::Value::Object(p) = patch {
        if !target.is_object() {
            *target = serde_json::Value::Object(Default::default());
        }
        if let serde_json::Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

/// Change an incident with a JSON merge patch (RFC 7396); `If-Match` must carry the current
/// version, or the answer is 412 with the current version.
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path), ("If-Match" = String, Header, description = "current ETag")),
    request_body(content = Object, description = "JSON merge patch of the incident document", content_type = "application/merge-patch+json"),
    responses((status = 200, body = IncidentView), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
        (status = 428, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(State(state): State<AppState>, Caller(auth, user): Caller, Path(id): Path<String>, headers: HeaderMap, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = if_match(&headers)?;
    let scope = auth.scope.clone();
    let current = state.store.get_incident(id, &scope).await?;
    match ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: current.org_id, tlp: current.draft.tlp, created_by: current.created_by }) {
        Decision::Allow => {}
        Decision::Deny { hide: true, .. } => return Err(ApiError::NotFound),
        Decision::Deny { reason, .. } => return Err(ApiError::Forbidden(reason)),
    }
    if !body.is_object() {
        return Err(ApiError::BadRequest("a merge patch must be a JSON object".into()));
    }
    if current.version != expected {
        return Err(ApiError::PreconditionFailed { current: current.version });
    }
    let mut doc = current.draft.to_value();
    merge_patch(&mut doc, &body);
    let draft = IncidentDraft::from_value(doc).map_err(ApiError::Validation)?;
    let record = state.store.update_incident(id, &scope, expected, &draft, Some(user.id), jiff::Timestamp::now()).await?;
    tracing::info!(incident.id = %record.id, version = record.version, "incident updated");
    let mut resp = Json(IncidentView::from(&record)).into_response();
    resp.headers_mut().insert(header::ETAG, etag(record.version));
    Ok(resp)
}

/// The revision history of an incident, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/versions", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = Vec<VersionView>), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn versions(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>) -> Result<Json<Vec<VersionView>>, ApiError> {
    let id = parse_id(&id)?;
    let list = state.store.list_versions(id, &auth.scope).await?;
    Ok(Json(list.iter().map(VersionView::from).collect()))
}

/// One version of an incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/versions/{version}", tag = "incidents", params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionDetail), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn version(State(state): State<AppState>, Caller(auth, _): Caller, Path((id, version)): Path<(String, String)>) -> Result<Json<VersionDetail>, ApiError> {
    let id = parse_id(&id)?;
    let version: i64 = version.parse().map_err(|_| ApiError::NotFound)?;
    let v = state.store.get_version(id, version, &auth.scope).await?;
    Ok(Json(VersionDetail { info: VersionView::from(&v.info), incident: v.draft.to_value() }))
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
    }
}
