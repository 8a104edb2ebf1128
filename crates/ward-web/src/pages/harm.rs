//! `/harm`: the patient-harm estimate (ward-harm) as a form, its result with every parameter's
//! source, and `/harm.json`. Public like the tracer's methodology: it computes from published
//! effect sizes and the figures typed into the form, and reads nothing stored. An incident's
//! page links here with the downtime and diversion its sourced facts record; exercises show the
//! estimate of their scenario in the after-action report (`render_estimate`).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use ward_harm::{HarmEstimate, HarmInput, InputError, Problem, ValueOrRange};

use super::{layout, Back};
use crate::auth::Auth;
use crate::AppState;

/// Number fields of the form, with their labels.
const NUMBER_FIELDS: [(&str, &str, &str); 9] = [
    ("beds", "Staffed beds", "whole number"),
    ("occupancy", "Bed occupancy", "0 to 1; default 0.85"),
    ("inpatients_at_onset", "Inpatients at onset", "replaces beds × occupancy when known"),
    ("admissions_per_day", "Admissions per day", "required"),
    ("ed_visits_per_day", "Emergency department visits per day", "optional"),
    ("baseline_mortality", "Baseline in-hospital mortality", "0 to 0.5; default 0.03"),
    ("downtime_days", "Downtime (days)", "required, 0 to 365"),
    ("neighbour_ed_visits_per_day", "Neighbouring EDs' visits per day", "optional, for spillover"),
    ("ami_discharges_per_year", "AMI discharges per year", "optional, for the long-run drag"),
];
const WHOLE_NUMBERS: [&str; 2] = ["beds", "inpatients_at_onset"];
const CHOICES: [(&str, &str, [&str; 3]); 3] = [
    ("severity", "Severity", ["standard", "severe", ""]),
    ("setting", "Setting", ["urban", "rural", ""]),
    ("diversion", "Ambulance diversion", ["none", "partial", "full"]),
];

/// Reads the query into a `HarmInput`; every unreadable field is named.
pub fn input_from_query(q: &HashMap<String, String>) -> Result<HarmInput, InputError> {
    let mut obj = serde_json::Map::new();
    let mut problems = Vec::new();
    for (name, _, _) in NUMBER_FIELDS {
        let Some(raw) = q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else { continue };
        if WHOLE_NUMBERS.contains(&name) {
            match raw.parse::<u32>() {
                Ok(v) => {
                    obj.insert(name.into(), v.into());
                }
                Err(_) => problems.push(Problem { field: name.into(), reason: format!("{raw:?} is not a whole number") }),
            }
        } else {
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    obj.insert(name.into(), v.into());
                }
                _ => problems.push(Problem { field: name.into(), reason: format!("{raw:?} is not a number") }),
            }
        }
    }
    for (name, _, values) in CHOICES {
        if let Some(raw) = q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            if values.iter().any(|v| !v.is_empty() && v == &raw) {
                obj.insert(name.into(), raw.into());
            } else {
                problems.push(Problem { field: name.into(), reason: format!("{raw:?} is not one of {}", values.iter().filter(|v| !v.is_empty()).copied().collect::<Vec<_>>().join(", ")) });
            }
        }
    }
    for required in ["admissions_per_day", "downtime_days"] {
        if !obj.contains_key(required) && !problems.iter().any(|p| p.field == required) {
            problems.push(Problem { field: required.into(), reason: "is required".into() });
        }
    }
    if !problems.is_empty() {
        return Err(InputError { problems });
    }
    serde_json::from_value(serde_json::Value::Object(obj)).map_err(|e| InputError { problems: vec![Problem { field: String::new(), reason: e.to_string() }] })
}

fn range(low: f64, high: f64) -> String {
    if (low - high).abs() < f64::EPSILON { format!("{low}") } else { format!("{low} to {high}") }
}

/// The estimate as HTML: outcomes with ranges, parameters with sources, limits, citations.
pub fn render_estimate(e: &HarmEstimate) -> Markup {
    html! {
        p class="muted" { "Model version " (e.model_version) " · inpatients at onset " (e.inpatients_at_onset) " · baseline mortality " (e.baseline_mortality) }
        div class="table-wrap" { table class="harm-estimate" {
            thead { tr { th { "Outcome" } th { "Range" } th { "How" } th { "Parameters and sources" } } }
            tbody { @for o in &e.outcomes {
                tr {
                    td { strong { (o.label) } }
                    td class="num" { (range(o.low, o.high)) " " (o.unit) @if let Some(c) = o.central { br; span class="muted" { "central " (c) } } }
                    td { (o.formula) }
                    td { ul { @for p in &o.parameters {
                        li { (p.name) ": "
                            @match &p.value_or_range { ValueOrRange::Value(v) => { (v) } ValueOrRange::Range { low, high } => { (range(*low, *high)) } }
                            " [" (p.source_id) "] " span class="muted" { (p.uncertainty) } }
                    } } }
                }
            } }
        } }
        h3 { "Limits" }
        ul class="harm-limits" { @for l in &e.limits { li { (l) } } }
        h3 { "Sources" }
        ul class="harm-sources" { @for s in ward_harm::sources() {
            li { "[" (s.id) "] " (s.authors) " (" (s.year.map(|y| y.to_string()).unwrap_or_else(|| "n.d.".into())) "). " (s.title) ". " em { (s.journal) } ". "
                @if let Some(doi) = s.doi { a href={"https://doi.org/" (doi)} rel="noopener noreferrer" { "doi:" (doi) } } @else { a href=(s.url) rel="noopener noreferrer" { (s.url) } } }
        } }
    }
}

pub async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let submitted = q.contains_key("admissions_per_day") || q.contains_key("downtime_days");
    let result = submitted.then(|| input_from_query(&q).and_then(|i| ward_harm::estimate(&i)));
    let value = |k: &str| q.get(k).cloned().unwrap_or_default();
    let content = html! {
        p class="lead" { "How many patients an attack like this may harm, as ranges from published studies of hospital ransomware attacks — with every parameter's source and the estimate's limits. "
            "It is not a prediction for any patient or hospital. The method is in " code { "docs/HARM-ESTIMATE.md" } "." }
        @if let Some(incident) = q.get("incident") { p class="notice" { "Pre-filled from incident " a href={"/incidents/" (incident)} { (incident) } "'s sourced facts (downtime and diversion); add the hospital's figures." } }
        @if let Some(Err(e)) = &result {
            div class="error-summary" role="alert" { h2 { "The estimate needs other figures" } ul { @for p in &e.problems { li { strong { (p.field) } ": " (p.reason) } } } }
        }
        form method="get" action="/harm" class="harm-form" {
            @if let Some(incident) = q.get("incident") { input type="hidden" name="incident" value=(incident); }
            div class="checks" {
                @for (name, label, hint) in NUMBER_FIELDS {
                    div class="field" { label for={"harm-" (name)} { (label) span class="hint" { (hint) } } input id={"harm-" (name)} name=(name) inputmode="decimal" value=(value(name)); }
                }
                @for (name, label, values) in CHOICES {
                    div class="field" { label for={"harm-" (name)} { (label) }
                        select id={"harm-" (name)} name=(name) { @for v in values.iter().filter(|v| !v.is_empty()) { option value=(v) selected[value(name) == *v] { (v) } } } }
                }
            }
            div class="actions" { button type="submit" class="primary" { "Estimate" } }
        }
        @if let Some(Ok(e)) = &result {
            h2 { "Estimate" }
            (render_estimate(e))
        }
    };
    let status = if matches!(result, Some(Err(_))) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, layout(&state, &auth, "Patient-harm estimate", Some(Back { href: "/tracer/methodology", label: "Methodology" }), content)).into_response()
}

pub async fn json(Query(q): Query<HashMap<String, String>>) -> Response {
    match input_from_query(&q).and_then(|i| ward_harm::estimate(&i)) {
        Ok(e) => axum::Json(e).into_response(),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(serde_json::json!({"error": "invalid_input", "problems": e.problems}))).into_response(),
    }
}
