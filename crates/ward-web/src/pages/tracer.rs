//! The public tracer: headline harm totals with their coverage, the trend, a world map,
//! breakdowns, faceted filters that live in the URL, exports, and the methodology. Every
//! figure is computed through the viewer's `ReadScope`: anonymous visitors see TLP:CLEAR only.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use ward_core::incident::AttackType;
use ward_core::{CountryCode, OrgType};
use ward_store::{Dimension, GroupCount, HarmFigure, IncidentFilter, Totals};

use super::charts::{columns, hbar, Bar};
use super::{error_page, layout, thousands, Back};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::export;
use crate::AppState;

/// Query-string keys the tracer's filters use (the same as the incident list's).
const FILTER_KEYS: &[&str] = &["q", "country", "region", "org_type", "attack_type", "actor", "from", "to", "harm", "known"];

/// The current filters as a query string, with `set` replacing or adding keys.
fn qs(q: &HashMap<String, String>, set: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| FILTER_KEYS.contains(&k.as_str()) && !v.trim().is_empty() && !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.extend(set.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    pairs.sort();
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn label_for(dim: Dimension, key: &str) -> String {
    match dim {
        Dimension::Country => key.parse::<CountryCode>().map(|c| c.name().to_owned()).unwrap_or_else(|_| key.to_owned()),
        Dimension::OrgType => key.parse::<OrgType>().map(|t| t.label().to_owned()).unwrap_or_else(|_| key.to_owned()),
        Dimension::AttackType => key.parse::<AttackType>().map(|a| a.label().to_owned()).unwrap_or_else(|_| key.to_owned()),
        _ => key.to_owned(),
    }
}

fn filter_key(dim: Dimension) -> Option<&'static str> {
    match dim {
        Dimension::Country => Some("country"),
        Dimension::OrgType => Some("org_type"),
        Dimension::AttackType => Some("attack_type"),
        Dimension::Actor => Some("actor"),
        _ => None,
    }
}

fn bars(q: &HashMap<String, String>, dim: Dimension, groups: &[GroupCount], limit: usize) -> Vec<Bar> {
    groups
        .iter()
        .take(limit)
        .map(|g| {
            let href = match dim {
                Dimension::Year => format!("/tracer?{}", qs(q, &[("from", &format!("{}-01-01", g.key)), ("to", &format!("{}-12-31", g.key))])),
                _ => match filter_key(dim) {
                    Some(k) => format!("/tracer?{}", qs(q, &[(k, &g.key)])),
                    None => format!("/incidents?{}", qs(q, &[])),
                },
            };
            Bar { label: label_for(dim, &g.key), value: g.incidents, href }
        })
        .collect()
}

/// Counts and sums from the store are never negative.
fn fmt_int(n: i64) -> String {
    thousands(u64::try_from(n).unwrap_or(0))
}

fn tile(label: &str, value: String, coverage: Option<(i64, i64)>, href: String, note: &str) -> Markup {
    html! {
        div class="tile" {
            a href=(href) {
                span class="tile-value" { (value) }
                span class="tile-label" { (label) }
            }
            @if let Some((known, of)) = coverage {
                span class="tile-coverage" { "known for " (fmt_int(known)) " of " (fmt_int(of)) " incidents" }
            }
            @if !note.is_empty() { span class="tile-coverage" { (note) } }
        }
    }
}

fn headline(q: &HashMap<String, String>, t: &Totals) -> Markup {
    let list = |known: Option<HarmFigure>| match known {
        Some(h) => format!("/incidents?{}", qs(q, &[("known", h.as_str())])),
        None => format!("/incidents?{}", qs(q, &[])),
    };
    html! {
        section class="tiles" aria-label="Headline figures" {
            (tile("incidents", fmt_int(t.incidents), None, list(None), "each counted once, however many sources report it"))
            (tile("countries", fmt_int(t.countries), None, list(None), ""))
            (tile("individuals affected (at least)", fmt_int(t.individuals_affected), Some((t.individuals_affected_known, t.incidents)), list(Some(HarmFigure::IndividualsAffected)), ""))
            (tile("days of care disruption (at least)", fmt_int(t.care_disruption_days.round() as i64), Some((t.care_disruption_known, t.incidents)), list(Some(HarmFigure::CareDisruption)), ""))
            (tile("incidents with ambulance diversion", fmt_int(t.ambulance_diversions), Some((t.ambulance_diversion_known, t.incidents)), list(Some(HarmFigure::AmbulanceDiversion)), ""))
            (tile("appointments cancelled (at least)", fmt_int(t.appointments_cancelled), Some((t.appointments_cancelled_known, t.incidents)), list(Some(HarmFigure::AppointmentsCancelled)), ""))
        }
    }
}

fn filters_form(q: &HashMap<String, String>, actors: &[GroupCount]) -> Markup {
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    html! {
        form class="filters" method="get" action="/tracer" role="search" aria-label="Filter the tracer" {
            div { label for="t-q" { "Search" } input type="search" id="t-q" name="q" value=(get("q")); }
            div { label for="t-country" { "Country" }
                select id="t-country" name="country" {
                    option value="" { "Any country" }
                    @for c in CountryCode::all() { option value=(c.as_str()) selected[get("country").eq_ignore_ascii_case(c.as_str())] { (c.name()) } }
                }
            }
            div { label for="t-region" { "Region" span class="hint" { "ISO 3166-2, e.g. US-CA" } } input type="text" id="t-region" name="region" value=(get("region")); }
            div { label for="t-org_type" { "Organisation type" }
                select id="t-org_type" name="org_type" {
                    option value="" { "Any type" }
                    @for t in OrgType::ALL { option value=(t.as_str()) selected[get("org_type") == t.as_str()] { (t.label()) } }
                }
            }
            div { label for="t-attack_type" { "Attack type" }
                select id="t-attack_type" name="attack_type" {
                    option value="" { "Any attack" }
                    @for a in AttackType::ALL { option value=(a.as_str()) selected[get("attack_type") == a.as_str()] { (a.label()) } }
                }
            }
            div { label for="t-actor" { "Actor" }
                select id="t-actor" name="actor" {
                    option value="" { "Any actor" }
                    @for a in actors { option value=(a.key) selected[get("actor") == a.key] { (a.key) } }
                }
            }
            div { label for="t-from" { "From" } input type="date" id="t-from" name="from" value=(get("from")); }
            div { label for="t-to" { "To" } input type="date" id="t-to" name="to" value=(get("to")); }
            div { label class="check" { input type="checkbox" name="harm" value="1" checked[!get("harm").is_empty()]; "Only incidents with harm facts" } }
            div { button type="submit" class="primary" { "Apply filters" } " " a href="/tracer" { "Clear" } }
        }
    }
}

pub async fn dashboard(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let scope = auth.scope.clone();
    let (filter, errors) = match crate::api::incidents_filter(&q) {
        Ok((f, _, _)) => (f, Vec::new()),
        Err(ApiError::BadParameters(v)) => (IncidentFilter::default(), v.0),
        Err(_) => (IncidentFilter::default(), Vec::new()),
    };
    let store = &state.store;
    let totals = store.totals(&scope, &filter).await;
    let mut groups = HashMap::new();
    for dim in [Dimension::Year, Dimension::Country, Dimension::OrgType, Dimension::AttackType, Dimension::Actor, Dimension::DataVariety] {
        match store.group_counts(&scope, &filter, dim).await {
            Ok(g) => {
                groups.insert(dim.as_str(), g);
            }
            Err(e) => {
                tracing::error!(error = %e, "tracer query failed");
                return error_page(&state, &auth, StatusCode::SERVICE_UNAVAILABLE, "Something went wrong", "The tracer could not be computed; the error is logged.");
            }
        }
    }
    let all_actors = store.group_counts(&scope, &IncidentFilter::default(), Dimension::Actor).await.unwrap_or_default();
    let Ok(totals) = totals else {
        return error_page(&state, &auth, StatusCode::SERVICE_UNAVAILABLE, "Something went wrong", "The tracer could not be computed; the error is logged.");
    };
    let g = |d: Dimension| groups.get(d.as_str()).cloned().unwrap_or_default();
    let countries = g(Dimension::Country);
    let counts: Vec<(CountryCode, u64)> = countries.iter().filter_map(|c| Some((c.key.parse().ok()?, c.incidents as u64))).collect();
    let href = |c: CountryCode| format!("/tracer?{}", qs(&q, &[("country", c.as_str())]));
    let map = super::map::choropleth(&counts, &href, "Incidents by country of the organisation attacked");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let export_qs = qs(&q, &[]);
    let content = html! {
        p class="lead" {
            "A sourced record of cyberattacks on healthcare and what they did to care and to people. "
            @if auth.user.is_none() { "You are seeing public (TLP:CLEAR) records. " }
            a href="/tracer/methodology" { "How the figures are computed" } "."
        }
        @if !errors.is_empty() {
            div class="error-summary" role="alert" {
                h2 { "Some filters could not be used" }
                ul { @for e in &errors { li { (e.field) ": " (e.reason) } } }
            }
        }
        (filters_form(&q, &all_actors))
        p class="muted" id="as-of" {
            "Data as of "
            @if let Some(t) = totals.as_of { time datetime=(t.to_string()) { (t.strftime("%Y-%m-%d %H:%M UTC")) } } @else { "—" }
            ". Unknown is not zero: harm sums count only incidents where a source gives the figure."
        }
        (headline(&q, &totals))
        h2 { "Over time" }
        (columns("trend", "Incidents per year (by the date the attack began, else discovery or disclosure)", &bars(&q, Dimension::Year, &g(Dimension::Year), 200), "incidents"))
        h2 { "Where" }
        (map)
        (hbar("by-country", "Incidents by country", &bars(&q, Dimension::Country, &countries, 25), "incidents"))
        h2 { "What and who" }
        div class="grid-charts" {
            (hbar("by-attack", "By attack type", &bars(&q, Dimension::AttackType, &g(Dimension::AttackType), 15), "incidents"))
            (hbar("by-org-type", "By organisation type", &bars(&q, Dimension::OrgType, &g(Dimension::OrgType), 15), "incidents"))
            (hbar("by-actor", "By actor named in sources (attribution wording on each incident)", &bars(&q, Dimension::Actor, &g(Dimension::Actor), 15), "incidents"))
            (hbar("by-data", "By kind of data exposed", &bars(&q, Dimension::DataVariety, &g(Dimension::DataVariety), 15), "incidents"))
        }
        h2 { "Take the data" }
        p {
            "Download this view: "
            a href={"/tracer/export.csv?" (export_qs)} download { "CSV" } ", "
            a href={"/tracer/export.json?" (export_qs)} download { "JSON" } ", or a "
            a href={"/tracer/export.stix.json?" (export_qs)} download { "STIX 2.1 bundle" } ". "
            "Each export names its sources and their licences. " a href={"/incidents?" (export_qs)} { "Browse the incidents behind these figures" } "."
        }
    };
    (status, layout(&state, &auth, "Cyberattacks on healthcare: the tracer", None, content)).into_response()
}

const METHODOLOGY_MD: &str = include_str!("../../../../docs/HARM.md");

pub async fn methodology(State(state): State<AppState>, auth: Auth) -> Response {
    let mut html_out = String::new();
    let parser = pulldown_cmark::Parser::new_ext(METHODOLOGY_MD, pulldown_cmark::Options::ENABLE_TABLES);
    // The document is ward's own; raw HTML in it is dropped anyway.
    let parser = parser.filter(|e| !matches!(e, pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)));
    pulldown_cmark::html::push_html(&mut html_out, parser);
    // The first heading of the document is the page title.
    let body = html_out.split_once("</h1>").map(|(_, rest)| rest.to_owned()).unwrap_or(html_out);
    layout(&state, &auth, "How the tracer counts harm", Some(Back { href: "/tracer", label: "Back to the tracer" }), html! { div class="prose" { (PreEscaped(body)) } }).into_response()
}

fn download(body: Vec<u8>, ctype: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn export_view(state: &AppState, auth: &Auth, q: &HashMap<String, String>) -> Result<export::View, Response> {
    let filter = crate::api::incidents_filter(q).map_err(IntoResponse::into_response)?.0;
    let scope = auth.scope.clone();
    export::collect(&state.store, &scope, &filter, qs(q, &[])).await.map_err(IntoResponse::into_response)
}

pub async fn export_csv(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    match export_view(&state, &auth, &q).await {
        Ok(v) => download(export::to_csv(&v), "text/csv; charset=utf-8", "ward-incidents.csv"),
        Err(r) => r,
    }
}

pub async fn export_json(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    match export_view(&state, &auth, &q).await {
        Ok(v) => download(export::to_json(&v), "application/json", "ward-incidents.json"),
        Err(r) => r,
    }
}

pub async fn export_stix(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    match export_view(&state, &auth, &q).await {
        Ok(v) => download(export::to_stix(&v), "application/stix+json;version=2.1", "ward-incidents.stix.json"),
        Err(r) => r,
    }
}
