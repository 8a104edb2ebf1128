//! `/api/v1/sightings`: organisations report how often they saw shared indicators in their
//! own logs (`ward match --report`), and read the anonymised aggregate.
//!
//! A report carries only indicators and counts: no file names, line numbers or matched text,
//! because logs may hold patient data. The aggregate never names reporting organisations; the
//! number of them is exact only from [`K_ANONYMITY`] up, and "fewer than k" below it.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiff::Timestamp;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::{FieldError, ReadScope, Tlp, ValidationErrors};
use ward_match::normalize;
use ward_match::IndicatorKind;
use ward_store::{NewSighting, SightingAggregate, MAX_SIGHTINGS_PER_REPORT, MAX_SIGHTING_AGGREGATES};

use super::{decode, Caller, JsonBody};
use crate::error::ApiError;
use crate::AppState;

/// Below this many reporting organisations, the aggregate says "fewer than k" instead of the
/// number, so a single hospital's sighting cannot be singled out.
pub const K_ANONYMITY: i64 = 3;
/// Longest indicator value accepted.
pub const MAX_INDICATOR_CHARS: usize = 2048;
/// Largest count in one report line.
pub const MAX_SIGHTING_COUNT: i64 = 999_999_999;

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingReport {
    /// TLP 2.0 level of the report (`clear`, `green`, `amber`, `amber+strict`, `red`); default `green`.
    #[serde(default)]
    pub tlp: Option<String>,
    pub sightings: Vec<SightingLine>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingLine {
    /// `domain`, `url`, `ipv4`, `ipv6`, `md5`, `sha1`, `sha256` or `email`.
    pub kind: String,
    pub indicator: String,
    /// The STIX id (`indicator--…`) when the indicator came from a STIX bundle or the store.
    #[serde(default)]
    pub indicator_id: Option<String>,
    pub count: i64,
    /// RFC 3339.
    pub first_seen: String,
    /// RFC 3339.
    pub last_seen: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReportAccepted {
    pub accepted: usize,
    pub tlp: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AggregateView {
    pub kind: String,
    pub indicator: String,
    pub indicator_id: Option<String>,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// The number of reporting organisations, or `"fewer than 3"`.
    pub reporting_organisations: String,
    /// Whether your own organisation reported it.
    pub reported_by_you: bool,
}

impl AggregateView {
    pub fn from_aggregate(a: &SightingAggregate) -> AggregateView {
        AggregateView {
            kind: a.indicator_kind.clone(),
            indicator: a.indicator_value.clone(),
            indicator_id: a.indicator_ref.clone(),
            count: a.n_sightings,
            first_seen: a.first_seen.to_string(),
            last_seen: a.last_seen.to_string(),
            reporting_organisations: reporting_organisations(a.n_orgs),
            reported_by_you: a.own_org_reported,
        }
    }
}

/// The anonymised number of reporting organisations.
pub fn reporting_organisations(n_orgs: i64) -> String {
    if n_orgs < K_ANONYMITY { format!("fewer than {K_ANONYMITY}") } else { n_orgs.to_string() }
}

/// The canonical form of an indicator of `kind`, as ward-match compares it.
pub fn canonical_indicator(kind: IndicatorKind, value: &str) -> Result<String, &'static str> {
    match kind {
        IndicatorKind::Domain => normalize::normalize_domain(value),
        IndicatorKind::Url => normalize::normalize_url(value),
        IndicatorKind::Email => normalize::normalize_email(value),
        IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
            let net = normalize::parse_ip_indicator(value)?;
            if net.kind() != kind {
                return Err("the address family does not match the kind");
            }
            Ok(net.canonical())
        }
        IndicatorKind::Md5 | IndicatorKind::Sha1 | IndicatorKind::Sha256 => {
            let want = match kind {
                IndicatorKind::Md5 => 32,
                IndicatorKind::Sha1 => 40,
                _ => 64,
            };
            if value.len() != want || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("not a hexadecimal digest of the kind's length");
            }
            Ok(value.to_ascii_lowercase())
        }
    }
}

fn parse_line(n: usize, line: &SightingLine, errors: &mut Vec<FieldError>) -> Option<NewSighting> {
    let field = |name: &str| format!("sightings[{n}].{name}");
    let before = errors.len();
    let kind = IndicatorKind::parse(&line.kind);
    if kind.is_none() {
        errors.push(FieldError::new(field("kind"), "one of domain, url, ipv4, ipv6, md5, sha1, sha256, email"));
    }
    let value = if line.indicator.chars().count() > MAX_INDICATOR_CHARS {
        errors.push(FieldError::new(field("indicator"), format!("longer than {MAX_INDICATOR_CHARS} characters")));
        None
    } else {
        kind.and_then(|k| canonical_indicator(k, line.indicator.trim()).map_err(|e| errors.push(FieldError::new(field("indicator"), e))).ok())
    };
    if let Some(id) = &line.indicator_id {
        if id.parse::<ward_stix::ident::StixId>().map_or(true, |s| s.object_type() != "indicator") {
            errors.push(FieldError::new(field("indicator_id"), "not a STIX indicator id (indicator--<uuid>)"));
        }
    }
    if !(1..=MAX_SIGHTING_COUNT).contains(&line.count) {
        errors.push(FieldError::new(field("count"), format!("must be between 1 and {MAX_SIGHTING_COUNT}")));
    }
    let mut time = |name: &str, s: &str| s.parse::<Timestamp>().map_err(|_| errors.push(FieldError::new(field(name), "not an RFC 3339 timestamp"))).ok();
    let first = time("first_seen", &line.first_seen);
    let last = time("last_seen", &line.last_seen);
    if let (Some(f), Some(l)) = (first, last) {
        if l < f {
            errors.push(FieldError::new(field("last_seen"), "before first_seen"));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(NewSighting {
        indicator_kind: kind?.as_str().to_owned(),
        indicator_value: value?,
        indicator_ref: line.indicator_id.clone(),
        n_sightings: line.count,
        first_seen: first?,
        last_seen: last?,
    })
}

/// Report sightings of indicators in your organisation's logs.
#[utoipa::path(post, path = "/api/v1/sightings", tag = "sightings", request_body = SightingReport,
    responses((status = 201, body = ReportAccepted), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn report(State(state): State<AppState>, Caller(auth, user): Caller, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<ReportAccepted>), ApiError> {
    if let Decision::Deny { reason, .. } = decide(&auth.principal, Action::Create, Resource::Sightings { org_id: user.org_id }) {
        return Err(ApiError::Forbidden(reason));
    }
    let report: SightingReport = decode(body)?;
    let tlp = match report.tlp.as_deref() {
        None => Tlp::Green,
        Some(t) => t.parse::<Tlp>().map_err(|e| ApiError::field("tlp", e.to_string()))?,
    };
    if report.sightings.is_empty() {
        return Err(ApiError::field("sightings", "empty: report at least one indicator"));
    }
    if report.sightings.len() > MAX_SIGHTINGS_PER_REPORT {
        return Err(ApiError::field("sightings", format!("{} indicators; at most {MAX_SIGHTINGS_PER_REPORT} in one report", report.sightings.len())));
    }
    let mut errors = Vec::new();
    let lines: Vec<NewSighting> = report.sightings.iter().enumerate().filter_map(|(n, l)| parse_line(n, l, &mut errors)).collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(ValidationErrors(errors)));
    }
    let accepted = state.store.add_sightings(user.org_id, Some(user.id), tlp, &lines, Timestamp::now()).await?;
    tracing::info!(org.id = %user.org_id, sightings = accepted, tlp = tlp.as_str(), "sightings reported");
    Ok((StatusCode::CREATED, Json(ReportAccepted { accepted, tlp: tlp.as_str().to_owned() })))
}

/// The anonymised aggregate of the sightings you may see, most sighted first.
#[utoipa::path(get, path = "/api/v1/sightings", tag = "sightings",
    params(("kind" = Option<String>, Query, description = "with indicator: one indicator's aggregate"), ("indicator" = Option<String>, Query, description = "the indicator value"),
        ("limit" = Option<u32>, Query, description = "at most 1000 rows (default 100)")),
    responses((status = 200, body = Vec<AggregateView>), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn aggregate(State(state): State<AppState>, Caller(auth, _): Caller, Query(q): Query<HashMap<String, String>>) -> Result<Json<Vec<AggregateView>>, ApiError> {
    let rows = read_aggregates(&state, &auth.scope, &q).await?;
    Ok(Json(rows.iter().map(AggregateView::from_aggregate).collect()))
}

/// The aggregate for a scope and the query parameters `kind`, `indicator`, `limit` (shared by
/// the API and the page).
pub async fn read_aggregates(state: &AppState, scope: &ReadScope, q: &HashMap<String, String>) -> Result<Vec<SightingAggregate>, ApiError> {
    let bad = |field: &str, reason: String| ApiError::BadParameters(ValidationErrors::single(field, reason));
    let limit = match q.get("limit") {
        None => 100,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=MAX_SIGHTING_AGGREGATES).contains(n)).ok_or_else(|| bad("limit", format!("a number from 1 to {MAX_SIGHTING_AGGREGATES}")))?,
    };
    let one = match (q.get("kind").filter(|s| !s.is_empty()), q.get("indicator").filter(|s| !s.is_empty())) {
        (None, None) => None,
        (Some(k), Some(v)) => {
            let kind = IndicatorKind::parse(k).ok_or_else(|| bad("kind", "one of domain, url, ipv4, ipv6, md5, sha1, sha256, email".into()))?;
            let value = canonical_indicator(kind, v.trim()).map_err(|e| bad("indicator", e.to_owned()))?;
            Some((kind.as_str(), value))
        }
        _ => return Err(bad("indicator", "give kind and indicator together".into())),
    };
    Ok(state.store.sighting_aggregates(scope, one.as_ref().map(|(k, v)| (*k, v.as_str())), limit).await?)
}
