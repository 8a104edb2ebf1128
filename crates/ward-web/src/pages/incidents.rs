//! Incident pages: the filtered list, the detail page with sources and harm facts, the
//! create/edit form with inline validation errors, and the revision history.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde_json::{json, Map, Value};
use ward_core::harm::Fact;
use ward_core::incident::AttackType;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::{CountryCode, FieldError, IncidentDraft, IncidentId, OrgType, Tlp};
use ward_store::{IncidentRecord, StoreError};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, thousands, tlp_badge, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::AppState;

/// Empty source rows offered on the form beyond the existing ones.
const BLANK_SOURCE_ROWS: usize = 2;
/// A link to `/harm` pre-filled with what the incident's sourced facts say about the outage:
/// the longest recorded care disruption and whether ambulances were diverted. None when the
/// incident records no disruption.
fn harm_estimate_link(id: impl std::fmt::Display, d: &ward_core::IncidentDraft) -> Option<String> {
    let days = d.harm.care_disruption.iter().filter_map(|f| f.value.days).fold(None::<f64>, |m, x| Some(m.map_or(x, |m| m.max(x))));
    let diverted = d.harm.ambulance_diversion.as_ref().is_some_and(|f| f.value.diverted);
    if days.is_none() && !diverted {
        return None;
    }
    let mut q = format!("/harm?incident={id}");
    if let Some(days) = days {
        q.push_str(&format!("&downtime_days={}", days.min(365.0)));
    }
    if diverted {
        q.push_str("&diversion=partial");
    }
    if diverted || d.harm.care_disruption.len() >= 2 {
        q.push_str("&severity=severe");
    }
    Some(q)
}

/// Count facts editable on the form: (key under `harm`, label).
const COUNT_FACTS: &[(&str, &str)] = &[
    ("individuals_affected", "Individuals affected"),
    ("appointments_cancelled", "Appointments cancelled"),
    ("procedures_cancelled", "Procedures cancelled"),
    ("urgent_referrals_cancelled", "Urgent referrals cancelled"),
    ("patient_transfers", "Patients transferred"),
];

fn store_error_page(state: &AppState, auth: &Auth, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error_page(state, auth, StatusCode::NOT_FOUND, "Incident not found", "There is no incident here that you may see. It may not exist, or it may be shared at a TLP level that does not include you."),
        other => {
            tracing::error!(error = %other, "store error on a page");
            error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Something went wrong", "ward could not load this page. The error is logged; try again shortly.")
        }
    }
}

// ---------------------------------------------------------------- list

pub async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let parsed = crate::api::incidents_filter(&q);
    let scope = auth.scope.clone();
    let (filter, cursor, limit, errors) = match parsed {
        Ok((f, c, l)) => (f, c, l, Vec::new()),
        Err(crate::error::ApiError::BadParameters(v)) => (Default::default(), None, crate::api::DEFAULT_PAGE_SIZE, v.0),
        Err(_) => (Default::default(), None, crate::api::DEFAULT_PAGE_SIZE, Vec::new()),
    };
    let page = match state.store.list_incidents(&scope, &filter, cursor.as_ref(), limit).await {
        Ok(p) => p,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let total = state.store.count_incidents(&scope, &filter).await.unwrap_or(0);
    let get = |k: &str| q.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let next_href = page.next.as_ref().map(|c| {
        let mut params: Vec<(String, String)> = q.iter().filter(|(k, v)| k.as_str() != "cursor" && !v.trim().is_empty()).map(|(k, v)| (k.clone(), v.clone())).collect();
        params.sort();
        params.push(("cursor".into(), c.encode()));
        format!("/incidents?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let content = html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" {
                h2 { "Some filters could not be used" }
                ul { @for e in &errors { li { a href={"#f-" (e.field)} { (e.field) } ": " (e.reason) } } }
            }
        }
        form class="filters" method="get" action="/incidents" role="search" aria-label="Filter incidents" {
            div { label for="f-q" { "Search" } input type="search" id="f-q" name="q" value=(get("q")) placeholder="Hospital, actor, country…"; }
            div { label for="f-country" { "Country" }
                select id="f-country" name="country" {
                    option value="" { "Any country" }
                    @for c in CountryCode::all() { option value=(c.as_str()) selected[get("country").eq_ignore_ascii_case(c.as_str())] { (c.name()) } }
                }
            }
            div { label for="f-org_type" { "Organisation type" }
                select id="f-org_type" name="org_type" {
                    option value="" { "Any type" }
                    @for t in OrgType::ALL { option value=(t.as_str()) selected[get("org_type") == t.as_str()] { (t.label()) } }
                }
            }
            div { label for="f-attack_type" { "Attack type" }
                select id="f-attack_type" name="attack_type" {
                    option value="" { "Any attack" }
                    @for a in AttackType::ALL { option value=(a.as_str()) selected[get("attack_type") == a.as_str()] { (a.label()) } }
                }
            }
            div { label for="f-from" { "From" } input type="date" id="f-from" name="from" value=(get("from")); }
            div { label for="f-to" { "To" } input type="date" id="f-to" name="to" value=(get("to")); }
            div { button type="submit" class="primary" { "Apply filters" } }
        }
        p class="count" aria-live="polite" { (total) @if total == 1 { " incident" } @else { " incidents" } @if auth.user.is_none() { " (public, TLP:CLEAR)" } }
        @if page.items.is_empty() {
            p { "No incidents match these filters." }
        } @else {
            div class="table-wrap" {
                table class="incidents" {
                    caption class="muted" { "Incidents, most recent first" }
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Incident" } th scope="col" { "Country" } th scope="col" class="col-org-type" { "Organisation" } th scope="col" class="col-attack" { "Attack" } th scope="col" { "TLP" } } }
                    tbody {
                        @for r in &page.items {
                            tr {
                                td { @if let Some(d) = r.draft.reference_date() { (d) } @else { span class="muted" { "unknown" } } }
                                td { a href={"/incidents/" (r.id)} { (r.draft.title) } }
                                td { (r.draft.victim.country.name()) }
                                td class="col-org-type" { (r.draft.victim.org_type.label()) }
                                td class="col-attack" { (r.draft.attack_types.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")) }
                                td { (tlp_badge(r.draft.tlp)) }
                            }
                        }
                    }
                }
            }
        }
        nav class="pager" aria-label="Pages" {
            @if cursor.is_some() { a href="/incidents" { "First page" } }
            @if let Some(href) = next_href { a href=(href) rel="next" { "Next page" } }
        }
    };
    (status, layout(&state, &auth, "Incidents", None, content)).into_response()
}

// ---------------------------------------------------------------- detail

fn fmt_count(f: &Fact<u64>) -> String {
    let n = thousands(f.value);
    match (f.at_least, f.estimate) {
        (true, _) => format!("at least {n}"),
        (false, true) => format!("about {n}"),
        _ => n,
    }
}

fn source_cell<T>(draft: &IncidentDraft, f: &Fact<T>) -> Markup {
    let publisher = draft.sources.iter().find(|s| s.url == f.source).map(|s| s.publisher.as_str().to_owned()).unwrap_or_else(|| f.source.host().to_owned());
    html! { a href=(f.source.as_str()) rel="noopener noreferrer external" { (publisher) } }
}

fn harm_rows(d: &IncidentDraft) -> Vec<(String, String, Markup, String)> {
    let h = &d.harm;
    let mut rows = Vec::new();
    let note = |f_note: &Option<ward_core::text::Label>| f_note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
    for (key, label) in COUNT_FACTS {
        let f = match *key {
            "individuals_affected" => &h.individuals_affected,
            "appointments_cancelled" => &h.appointments_cancelled,
            "procedures_cancelled" => &h.procedures_cancelled,
            "urgent_referrals_cancelled" => &h.urgent_referrals_cancelled,
            _ => &h.patient_transfers,
        };
        if let Some(f) = f {
            rows.push(((*label).to_owned(), format!("{}{}", fmt_count(f), note(&f.note)), source_cell(d, f), f.as_of.to_string()));
        }
    }
    for f in &h.care_disruption {
        let days = f.value.days.map(|x| format!("{x} days")).unwrap_or_else(|| "duration unknown".into());
        let desc = f.value.description.as_ref().map(|x| format!(": {x}")).unwrap_or_default();
        rows.push((format!("Care disruption: {}", f.value.domain.label()), format!("{days}{desc}{}", note(&f.note)), source_cell(d, f), f.as_of.to_string()));
    }
    if let Some(f) = &h.ambulance_diversion {
        let mut v = if f.value.diverted { "Ambulances diverted".to_owned() } else { "No diversion".to_owned() };
        if let Some(hrs) = f.value.hours { v.push_str(&format!(", {hrs} hours")); }
        if let Some(n) = f.value.emergency_departments { v.push_str(&format!(", {n} emergency departments")); }
        rows.push(("Ambulance diversion".into(), format!("{v}{}", note(&f.note)), source_cell(d, f), f.as_of.to_string()));
    }
    if let Some(f) = &h.data_varieties {
        let v: Vec<&str> = f.value.iter().map(|x| x.as_str()).collect();
        rows.push(("Data exposed".into(), v.join(", "), source_cell(d, f), f.as_of.to_string()));
    }
    if let Some(f) = &h.ransom {
        let mut parts = Vec::new();
        if let Some(x) = f.value.demanded_usd { parts.push(format!("demanded US${}", thousands(x))); }
        match f.value.paid { Some(true) => parts.push("paid".into()), Some(false) => parts.push("not paid".into()), None => {} }
        if let Some(x) = f.value.paid_usd { parts.push(format!("paid US${}", thousands(x))); }
        rows.push(("Ransom".into(), format!("{}{}", parts.join(", "), note(&f.note)), source_cell(d, f), f.as_of.to_string()));
    }
    if let Some(f) = &h.deaths {
        let mut parts = Vec::new();
        if let Some(x) = f.value.alleged { parts.push(format!("{x} alleged")); }
        if let Some(x) = f.value.confirmed { parts.push(format!("{x} confirmed")); }
        rows.push(("Deaths linked".into(), format!("{}{}", parts.join(", "), note(&f.note)), source_cell(d, f), f.as_of.to_string()));
    }
    for f in &h.clinical_harm_events {
        rows.push((format!("Clinical harm ({}, {})", f.value.specialty, f.value.time_point), format!("{} — impact score {}/10", f.value.description, f.value.impact_score), source_cell(d, f), f.as_of.to_string()));
    }
    rows
}

/// The read-only rendering of one incident document (current or past version).
fn incident_body(d: &IncidentDraft) -> Markup {
    let t = &d.timeline;
    html! {
        p { (tlp_badge(d.tlp)) " " span class="muted" { (d.tlp.audience()) } }
        @if let Some(s) = &d.summary { p { (s) } }
        h2 { "Facts" }
        dl class="facts" {
            dt { "Organisation" } dd { @if let Some(n) = &d.victim.name { (n) } @else { span class="muted" { "not named" } } }
            dt { "Type" } dd { (d.victim.org_type.label()) }
            dt { "Country" } dd { (d.victim.country.name()) @if let Some(r) = &d.victim.region { " (" (r) ")" } }
            @if let Some(n) = d.victim.facilities_affected { dt { "Facilities affected" } dd { (n) } }
            @if let Some(tp) = &d.victim.third_party_name { dt { "Via third party" } dd { (tp) } }
            dt { "Attack" } dd { @if d.attack_types.is_empty() { span class="muted" { "not recorded" } } @else { (d.attack_types.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")) } }
            @if let Some(x) = t.incident_on { dt { "Began" } dd { (x) } }
            @if let Some(x) = t.discovered_on { dt { "Discovered" } dd { (x) } }
            @if let Some(x) = t.disclosed_on { dt { "Disclosed" } dd { (x) } }
            @if let Some(x) = t.contained_on { dt { "Contained" } dd { (x) } }
            @for a in &d.actors {
                dt { "Actor" }
                dd {
                    @if let Some(n) = &a.name { (n) } @else { span class="muted" { "unnamed" } }
                    " (" (format!("{:?}", a.kind).to_lowercase()) ")"
                    @if let Some(at) = &a.attribution { " — " em { (at) } }
                }
            }
        }
        h2 { "Harm" }
        @let rows = harm_rows(d);
        @if rows.is_empty() {
            p class="muted" { "No harm facts recorded. Unknown is not zero." }
        } @else {
            div class="table-wrap" {
                table {
                    thead { tr { th scope="col" { "Fact" } th scope="col" { "Value" } th scope="col" { "Source" } th scope="col" { "As of" } } }
                    tbody { @for (label, value, source, as_of) in rows { tr { th scope="row" { (label) } td { (value) } td { (source) } td { (as_of) } } } }
                }
            }
        }
        h2 { "Sources" }
        @if d.sources.is_empty() {
            p class="muted" { "No sources cited yet." }
        } @else {
            ol class="sources" {
                @for s in &d.sources {
                    li {
                        a href=(s.url.as_str()) rel="noopener noreferrer external" { @if let Some(t) = &s.title { (t) } @else { (s.url.host()) } }
                        " — " (s.publisher)
                        @if let Some(p) = s.published_on { ", " (p) }
                        @if let Some(l) = &s.licence { " · licence: " (l) }
                    }
                }
            }
        }
        @if !d.external_ids.is_empty() {
            h2 { "Identifiers in other datasets" }
            ul { @for e in &d.external_ids { li { code { (e.scheme) ":" (e.value) } } } }
        }
    }
}

fn can_edit(auth: &Auth, r: &IncidentRecord) -> bool {
    ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }).is_allowed()
}

pub async fn detail(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<IncidentId>() else { return store_error_page(&state, &auth, StoreError::NotFound) };
    let r = match state.store.get_incident(id, &auth.scope).await {
        Ok(r) => r,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let scope = auth.scope.clone();
    let merged_into = state.store.merged_into(r.id).await.ok().flatten();
    let linked = state.store.linked_records(r.id, &scope).await.unwrap_or_default();
    // Reporting obligations: for signed-in readers (the public sees the incident, not a
    // hospital's compliance status), through the same scope.
    let obligations_section = match &auth.user {
        Some(_) => match crate::obligations::load(&state.store, r.id, &scope).await {
            Ok(loaded) => super::obligations::section(&state, &auth, &loaded, &Default::default()).await,
            Err(e) => return store_error_page(&state, &auth, e),
        },
        None => maud::html! {},
    };
    let attribution_section = super::actors::incident_section(&state, &auth, r.id, auth.user.is_some() && can_edit(&auth, &r)).await;
    let content = html! {
        @if let Some(canonical) = merged_into {
            p class="notice" role="note" { "This record reports the same incident as " a href={"/incidents/" (canonical)} { "another record" } ", into which it is linked; it is counted there, once." }
        }
        div class="actions" {
            @if can_edit(&auth, &r) { a class="button" href={"/incidents/" (r.id) "/edit"} { "Edit incident" } }
            @if can_edit(&auth, &r) && auth.user.is_some() { a href={"/incidents/" (r.id) "/share"} { "Share anonymised…" } }
            a href={"/incidents/" (r.id) "/history"} { "History (version " (r.version) ")" }
        }
        (incident_body(&r.draft))
        @if let Some(href) = harm_estimate_link(r.id, &r.draft) {
            p { a href=(href) { "Estimate the patient harm of an outage like this" } " — ranges from published studies, with the hospital's own figures." }
        }
        @if !linked.is_empty() {
            h2 { "Also reported by" }
            p class="muted" { "Records of the same incident from other sources, linked by the rule in the methodology. They are counted once, here." }
            ul {
                @for l in &linked {
                    li {
                        a href={"/incidents/" (l.id)} { (l.draft.title) }
                        @for e in &l.draft.external_ids { " " code { (e.scheme) ":" (e.value) } }
                        @for s in &l.draft.sources { " · " a href=(s.url.as_str()) rel="noopener noreferrer external" { (s.publisher) } @if let Some(lic) = &s.licence { " (" (lic) ")" } }
                    }
                }
            }
        }
        (attribution_section)
        p class="muted" { "Recorded " (r.created_at.strftime("%Y-%m-%d %H:%M UTC")) "; last changed " (r.updated_at.strftime("%Y-%m-%d %H:%M UTC")) "." }
        (obligations_section)
    };
    layout(&state, &auth, r.draft.title.as_str(), Some(Back { href: "/incidents", label: "All incidents" }), content).into_response()
}

// ---------------------------------------------------------------- history

pub async fn history(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<IncidentId>() else { return store_error_page(&state, &auth, StoreError::NotFound) };
    let scope = auth.scope.clone();
    let (r, versions) = match (state.store.get_incident(id, &scope).await, state.store.list_versions(id, &scope).await) {
        (Ok(r), Ok(v)) => (r, v),
        (Err(e), _) | (_, Err(e)) => return store_error_page(&state, &auth, e),
    };
    // The reporting log is shown to signed-in readers only, like the obligations themselves.
    let events = if auth.user.is_some() {
        match state.store.obligation_events(id, &scope).await {
            Ok(e) => e,
            Err(e) => return store_error_page(&state, &auth, e),
        }
    } else {
        Vec::new()
    };
    let back = format!("/incidents/{id}");
    let content = html! {
        p { "Every change is kept. Select a version to read it as it was." }
        div class="table-wrap" {
            table {
                thead { tr { th scope="col" { "Version" } th scope="col" { "When (UTC)" } th scope="col" { "By" } th scope="col" { "What changed" } } }
                tbody {
                    @for v in versions.iter().rev() {
                        tr {
                            td { a href={"/incidents/" (id) "/versions/" (v.version)} { "Version " (v.version) } @if v.version == r.version { " (current)" } }
                            td { (v.changed_at.strftime("%Y-%m-%d %H:%M:%S")) }
                            td { @if let Some(e) = &v.changed_by_email { (e) } @else { span class="muted" { "import or system" } } }
                            td { (v.changed_fields.join(", ")) }
                        }
                    }
                }
            }
        }
    };
    let content = html! {
        (content)
        h2 id="reporting-history" { "Reporting: facts, submissions and decisions" }
        @if events.is_empty() {
            p class="muted" { "Nothing recorded yet." }
        } @else {
            div class="table-wrap" {
                table class="reporting-events" {
                    thead { tr { th scope="col" { "#" } th scope="col" { "When (UTC)" } th scope="col" { "By" } th scope="col" { "What" } } }
                    tbody {
                        @for e in events.iter().rev() {
                            tr {
                                td { (e.seq) }
                                td { (e.recorded_at.strftime("%Y-%m-%d %H:%M:%S")) }
                                td { @if let Some(m) = &e.recorded_by_email { (m) } @else { span class="muted" { "system" } } }
                                td { (event_summary(e)) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&state, &auth, &format!("History: {}", r.draft.title), Some(Back { href: &back, label: "Back to the incident" }), content).into_response()
}

fn event_summary(e: &ward_store::ObligationEvent) -> Markup {
    let s = |k: &str| e.body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    match e.kind {
        ward_store::ObligationEventKind::Facts => {
            let facts = e.body.get("facts").and_then(Value::as_object).cloned().unwrap_or_default();
            let content = e.body.get("content").and_then(Value::as_object).map(|c| c.len()).unwrap_or(0);
            html! {
                "Facts: "
                @for (i, (k, v)) in facts.iter().enumerate() { @if i > 0 { ", " } code { (k) } " = " (match v { Value::String(x) => x.clone(), other => other.to_string() }) }
                @if content > 0 { " · " (content) " report fields" }
            }
        }
        ward_store::ObligationEventKind::Submission => html! { "Submission: " code { (s("regime")) "/" (s("stage")) } " sent " (s("submitted_at")) @if !s("channel").is_empty() { " via " (s("channel")) } @if !s("payload_sha256").is_empty() { " · SHA-256 " code { (s("payload_sha256")) } } },
        ward_store::ObligationEventKind::Decision => html! { "Decision: close " code { (s("regime")) "/" (if s("stage").is_empty() { "*".to_owned() } else { s("stage") }) } " — “" (s("rationale")) "”" },
    }
}

pub async fn version(State(state): State<AppState>, auth: Auth, Path((id, version)): Path<(String, String)>) -> Response {
    let (Ok(id), Ok(version)) = (id.parse::<IncidentId>(), version.parse::<i64>()) else { return store_error_page(&state, &auth, StoreError::NotFound) };
    let v = match state.store.get_version(id, version, &auth.scope).await {
        Ok(v) => v,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let back = format!("/incidents/{id}/history");
    let content = html! {
        p class="notice" { "You are reading version " (v.info.version) ", saved " (v.info.changed_at.strftime("%Y-%m-%d %H:%M UTC")) ". Changed: " (v.info.changed_fields.join(", ")) "." }
        (incident_body(&v.draft))
    };
    layout(&state, &auth, &format!("{} (version {})", v.draft.title, v.info.version), Some(Back { href: &back, label: "Back to the history" }), content).into_response()
}

// ---------------------------------------------------------------- form

/// The form's fields as (name, value) pairs, from a stored draft.
fn draft_to_pairs(d: &IncidentDraft) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| p.push((k.to_owned(), v));
    put("title", d.title.to_string());
    put("summary", d.summary.as_ref().map(|s| s.to_string()).unwrap_or_default());
    put("tlp", d.tlp.as_str().to_owned());
    put("victim.name", d.victim.name.as_ref().map(|s| s.to_string()).unwrap_or_default());
    put("victim.org_type", d.victim.org_type.as_str().to_owned());
    put("victim.country", d.victim.country.to_string());
    put("victim.region", d.victim.region.as_ref().map(|s| s.to_string()).unwrap_or_default());
    let date = |x: Option<jiff::civil::Date>| x.map(|d| d.to_string()).unwrap_or_default();
    put("timeline.incident_on", date(d.timeline.incident_on));
    put("timeline.discovered_on", date(d.timeline.discovered_on));
    put("timeline.disclosed_on", date(d.timeline.disclosed_on));
    for a in &d.attack_types {
        put("attack_types", a.as_str().to_owned());
    }
    if let Some(a) = d.actors.first() {
        put("actors[0].name", a.name.as_ref().map(|s| s.to_string()).unwrap_or_default());
        put("actors[0].attribution", a.attribution.as_ref().map(|s| s.to_string()).unwrap_or_default());
    }
    for (i, s) in d.sources.iter().enumerate() {
        put(&format!("sources[{i}].url"), s.url.to_string());
        put(&format!("sources[{i}].publisher"), s.publisher.to_string());
        put(&format!("sources[{i}].title"), s.title.as_ref().map(|x| x.to_string()).unwrap_or_default());
        put(&format!("sources[{i}].published_on"), date(s.published_on));
    }
    let v = d.to_value();
    for (key, _) in COUNT_FACTS {
        if let Some(f) = v.pointer(&format!("/harm/{key}")) {
            let s = |k: &str| f.get(k).map(|x| match x { Value::String(s) => s.clone(), other => other.to_string() }).unwrap_or_default();
            put(&format!("harm.{key}.value"), s("value"));
            put(&format!("harm.{key}.source"), s("source"));
            put(&format!("harm.{key}.as_of"), s("as_of"));
            if f.get("estimate") == Some(&Value::Bool(true)) { put(&format!("harm.{key}.estimate"), "on".into()); }
            if f.get("at_least") == Some(&Value::Bool(true)) { put(&format!("harm.{key}.at_least"), "on".into()); }
        }
    }
    if let Some(f) = &d.harm.ambulance_diversion {
        put("harm.ambulance_diversion.value.diverted", if f.value.diverted { "yes" } else { "no" }.into());
        put("harm.ambulance_diversion.value.hours", f.value.hours.map(|h| h.to_string()).unwrap_or_default());
        put("harm.ambulance_diversion.source", f.source.to_string());
        put("harm.ambulance_diversion.as_of", f.as_of.to_string());
    }
    if let Some(f) = &d.harm.deaths {
        put("harm.deaths.value.alleged", f.value.alleged.map(|x| x.to_string()).unwrap_or_default());
        put("harm.deaths.value.confirmed", f.value.confirmed.map(|x| x.to_string()).unwrap_or_default());
        put("harm.deaths.source", f.source.to_string());
        put("harm.deaths.as_of", f.as_of.to_string());
    }
    p
}

/// Builds the incident document from the form over `base` (the stored document, so fields the
/// form does not show are kept), checking each field so every problem is reported at once.
fn pairs_to_doc(pairs: &[(String, String)], base: Value) -> (Value, Vec<FieldError>) {
    let mut errors = Vec::new();
    let get = |k: &str| form_value(pairs, k).map(str::trim).unwrap_or("");
    let mut doc = match base { Value::Object(m) => m, _ => Map::new() };
    let set_opt = |m: &mut Map<String, Value>, key: &str, v: &str| {
        if v.is_empty() { m.remove(key); } else { m.insert(key.to_owned(), Value::String(v.to_owned())); }
    };
    let mut check = |field: &str, r: Result<(), String>| {
        if let Err(reason) = r { errors.push(FieldError::new(field, reason)); }
    };
    check("title", get("title").parse::<ward_core::text::Title>().map(|_| ()));
    doc.insert("title".into(), json!(get("title")));
    set_opt(&mut doc, "summary", get("summary"));
    check("tlp", get("tlp").parse::<Tlp>().map(|_| ()));
    doc.insert("tlp".into(), json!(get("tlp")));

    let mut victim = doc.remove("victim").and_then(|v| if let Value::Object(m) = v { Some(m) } else { None }).unwrap_or_default();
    check("victim.country", get("victim.country").parse::<CountryCode>().map(|_| ()));
    check("victim.org_type", get("victim.org_type").parse::<OrgType>().map(|_| ()));
    if !get("victim.region").is_empty() {
        check("victim.region", get("victim.region").parse::<ward_core::RegionCode>().map(|_| ()));
    }
    set_opt(&mut victim, "name", get("victim.name"));
    victim.insert("org_type".into(), json!(get("victim.org_type")));
    victim.insert("country".into(), json!(get("victim.country")));
    set_opt(&mut victim, "region", get("victim.region"));
    doc.insert("victim".into(), Value::Object(victim));

    let mut timeline = doc.remove("timeline").and_then(|v| if let Value::Object(m) = v { Some(m) } else { None }).unwrap_or_default();
    for key in ["incident_on", "discovered_on", "disclosed_on"] {
        let name = format!("timeline.{key}");
        let v = get(&name);
        if !v.is_empty() {
            check(&name, v.parse::<jiff::civil::Date>().map(|_| ()).map_err(|_| format!("{v:?} is not a date (YYYY-MM-DD)")));
        }
        set_opt(&mut timeline, key, v);
    }
    doc.insert("timeline".into(), Value::Object(timeline));

    let attacks: Vec<Value> = pairs.iter().filter(|(k, _)| k == "attack_types").map(|(_, v)| json!(v)).collect();
    doc.insert("attack_types".into(), Value::Array(attacks));

    let mut actors: Vec<Value> = doc.remove("actors").and_then(|v| if let Value::Array(a) = v { Some(a) } else { None }).unwrap_or_default();
    let actor_name = get("actors[0].name");
    let actor_attr = get("actors[0].attribution");
    if actor_name.is_empty() && actor_attr.is_empty() {
        if !actors.is_empty() { actors.remove(0); }
    } else {
        let mut a = actors.first().and_then(|v| v.as_object().cloned()).unwrap_or_default();
        a.entry("kind").or_insert(json!("external"));
        set_opt(&mut a, "name", actor_name);
        set_opt(&mut a, "attribution", actor_attr);
        if actors.is_empty() { actors.push(Value::Object(a)); } else { actors[0] = Value::Object(a); }
    }
    doc.insert("actors".into(), Value::Array(actors));

    let old_sources: Vec<Value> = doc.remove("sources").and_then(|v| if let Value::Array(a) = v { Some(a) } else { None }).unwrap_or_default();
    let mut sources = Vec::new();
    let rows = pairs.iter().filter(|(k, _)| k.starts_with("sources[") && k.ends_with("].url")).count();
    for i in 0..rows {
        let f = |k: &str| get(&format!("sources[{i}].{k}")).to_owned();
        let (url, publisher, title, published) = (f("url"), f("publisher"), f("title"), f("published_on"));
        if url.is_empty() && publisher.is_empty() && title.is_empty() && published.is_empty() {
            continue;
        }
        check(&format!("sources[{i}].url"), url.parse::<ward_core::text::HttpUrl>().map(|_| ()));
        check(&format!("sources[{i}].publisher"), publisher.parse::<ward_core::text::Label>().map(|_| ()).map_err(|_| "name who published it".to_owned()));
        if !published.is_empty() {
            check(&format!("sources[{i}].published_on"), published.parse::<jiff::civil::Date>().map(|_| ()).map_err(|_| format!("{published:?} is not a date (YYYY-MM-DD)")));
        }
        let mut s = old_sources.iter().find(|o| o.get("url").and_then(Value::as_str) == Some(url.as_str())).and_then(|v| v.as_object().cloned()).unwrap_or_default();
        s.insert("url".into(), json!(url));
        s.insert("publisher".into(), json!(publisher));
        set_opt(&mut s, "title", &title);
        set_opt(&mut s, "published_on", &published);
        sources.push(Value::Object(s));
    }
    doc.insert("sources".into(), Value::Array(sources));

    let mut harm = doc.remove("harm").and_then(|v| if let Value::Object(m) = v { Some(m) } else { None }).unwrap_or_default();
    let fact_frame = |harm: &mut Map<String, Value>, key: &str, value: Option<Value>, errors: &mut Vec<FieldError>, flags: bool| {
        let Some(value) = value else { harm.remove(key); return; };
        let source = get(&format!("harm.{key}.source"));
        let as_of = get(&format!("harm.{key}.as_of"));
        if source.is_empty() {
            errors.push(FieldError::new(format!("harm.{key}.source"), "every harm fact needs the URL of its source"));
        }
        if as_of.parse::<jiff::civil::Date>().is_err() {
            errors.push(FieldError::new(format!("harm.{key}.as_of"), "give the date the source says this held (YYYY-MM-DD)"));
        }
        let mut f = harm.get(key).and_then(|v| v.as_object().cloned()).unwrap_or_default();
        f.insert("value".into(), value);
        f.insert("source".into(), json!(source));
        f.insert("as_of".into(), json!(as_of));
        if flags {
            for flag in ["estimate", "at_least"] {
                if get(&format!("harm.{key}.{flag}")).is_empty() { f.remove(flag); } else { f.insert(flag.into(), json!(true)); }
            }
        }
        harm.insert(key.to_owned(), Value::Object(f));
    };
    for (key, _) in COUNT_FACTS {
        let name = format!("harm.{key}.value");
        let raw = get(&name);
        let value = if raw.is_empty() {
            None
        } else {
            match raw.replace([',', ' ', '_'], "").parse::<u64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => {
                    errors.push(FieldError::new(&name, format!("{raw:?} is not a whole number")));
                    Some(json!(0))
                }
            }
        };
        fact_frame(&mut harm, key, value, &mut errors, true);
    }
    let diverted = get("harm.ambulance_diversion.value.diverted");
    let hours = get("harm.ambulance_diversion.value.hours");
    let ambulance = if diverted.is_empty() {
        None
    } else {
        let mut v = harm.get("ambulance_diversion").and_then(|f| f.get("value")).and_then(|v| v.as_object().cloned()).unwrap_or_default();
        v.insert("diverted".into(), json!(diverted == "yes"));
        if hours.is_empty() {
            v.remove("hours");
        } else {
            match hours.parse::<f64>() {
                Ok(h) => { v.insert("hours".into(), json!(h)); }
                Err(_) => errors.push(FieldError::new("harm.ambulance_diversion.value.hours", format!("{hours:?} is not a number of hours"))),
            }
        }
        Some(Value::Object(v))
    };
    fact_frame(&mut harm, "ambulance_diversion", ambulance, &mut errors, false);
    let (alleged, confirmed) = (get("harm.deaths.value.alleged"), get("harm.deaths.value.confirmed"));
    let deaths = if alleged.is_empty() && confirmed.is_empty() {
        None
    } else {
        let mut v = Map::new();
        for (k, raw) in [("alleged", alleged), ("confirmed", confirmed)] {
            if raw.is_empty() { continue; }
            match raw.parse::<u32>() {
                Ok(n) => { v.insert(k.into(), json!(n)); }
                Err(_) => errors.push(FieldError::new(format!("harm.deaths.value.{k}"), format!("{raw:?} is not a whole number"))),
            }
        }
        Some(Value::Object(v))
    };
    fact_frame(&mut harm, "deaths", deaths, &mut errors, false);
    doc.insert("harm".into(), Value::Object(harm));
    (Value::Object(doc), errors)
}

struct FormCtx<'a> {
    pairs: &'a [(String, String)],
    errors: &'a [FieldError],
}

impl FormCtx<'_> {
    fn value(&self, name: &str) -> &str {
        form_value(self.pairs, name).unwrap_or("")
    }
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.reason.as_str())
    }
    fn id(name: &str) -> String {
        format!("f-{}", name.replace(['.', '[', ']'], "-"))
    }
    fn input(&self, name: &str, label: &str, kind: &str, hint: Option<&str>, required: bool) -> Markup {
        let id = Self::id(name);
        let err = self.error(name);
        let described = match (hint.is_some(), err.is_some()) {
            (true, true) => Some(format!("{id}-hint {id}-error")),
            (true, false) => Some(format!("{id}-hint")),
            (false, true) => Some(format!("{id}-error")),
            _ => None,
        };
        html! {
            div class={"field" @if err.is_some() { " has-error" }} {
                label for=(id) { (label) @if !required { span class="hint" { "optional" } } }
                @if let Some(h) = hint { span class="hint" id={(id) "-hint"} { (h) } }
                @if let Some(e) = err { span class="field-error" id={(id) "-error"} { "Error: " (e) } }
                @if kind == "textarea" {
                    textarea id=(id) name=(name) aria-describedby=[described.as_deref()] aria-invalid=[err.map(|_| "true")] { (self.value(name)) }
                } @else {
                    input type=(kind) id=(id) name=(name) value=(self.value(name)) required[required] aria-describedby=[described.as_deref()] aria-invalid=[err.map(|_| "true")] list=[(kind == "url").then_some("source-urls")];
                }
            }
        }
    }
    fn select(&self, name: &str, label: &str, options: &[(String, String)], empty: Option<&str>) -> Markup {
        let id = Self::id(name);
        let err = self.error(name);
        let current = self.value(name);
        html! {
            div class={"field" @if err.is_some() { " has-error" }} {
                label for=(id) { (label) }
                @if let Some(e) = err { span class="field-error" id={(id) "-error"} { "Error: " (e) } }
                select id=(id) name=(name) aria-invalid=[err.map(|_| "true")] aria-describedby=[err.map(|_| format!("{id}-error"))] {
                    @if let Some(e) = empty { option value="" { (e) } }
                    @for (v, l) in options { option value=(v) selected[current.eq_ignore_ascii_case(v)] { (l) } }
                }
            }
        }
    }
    fn fact_source(&self, key: &str) -> Markup {
        html! {
            div class="grid-2" {
                (self.input(&format!("harm.{key}.source"), "Source URL", "url", Some("One of the sources listed above"), false))
                (self.input(&format!("harm.{key}.as_of"), "As of", "date", None, false))
            }
        }
    }
}

fn form_page(state: &AppState, auth: &Auth, title: &str, action: &str, back: Back<'_>, pairs: &[(String, String)], errors: &[FieldError], notice: Option<&str>, status: StatusCode) -> Response {
    let ctx = FormCtx { pairs, errors };
    let tlps: Vec<(String, String)> = Tlp::ALL.iter().map(|t| (t.as_str().to_owned(), format!("{} — {}", t.label(), t.audience()))).collect();
    let countries: Vec<(String, String)> = CountryCode::all().map(|c| (c.as_str().to_owned(), c.name().to_owned())).collect();
    let org_types: Vec<(String, String)> = OrgType::ALL.iter().map(|t| (t.as_str().to_owned(), t.label().to_owned())).collect();
    let selected_attacks: Vec<&str> = pairs.iter().filter(|(k, _)| k == "attack_types").map(|(_, v)| v.as_str()).collect();
    let n_sources = pairs.iter().filter(|(k, v)| k.starts_with("sources[") && k.ends_with("].url") && !v.trim().is_empty()).count() + BLANK_SOURCE_ROWS;
    let source_urls: Vec<&str> = pairs.iter().filter(|(k, v)| k.starts_with("sources[") && k.ends_with("].url") && !v.trim().is_empty()).map(|(_, v)| v.as_str()).collect();
    let content = html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" id="error-summary" {
                h2 { "There is a problem" }
                ul { @for e in errors { li { a href={"#" (FormCtx::id(&e.field))} { @if e.field.is_empty() { "Incident" } @else { (e.field) } } ": " (e.reason) } } }
            }
        }
        @if let Some(n) = notice { p class="notice" role="status" { (n) } }
        form method="post" action=(action) novalidate {
            (csrf_field(auth))
            @if let Some(v) = form_value(pairs, "version") { input type="hidden" name="version" value=(v); }
            datalist id="source-urls" { @for u in &source_urls { option value=(u); } }
            fieldset {
                legend { "What happened" }
                (ctx.input("title", "Title", "text", Some("For example: Ransomware attack on a regional hospital"), true))
                (ctx.input("summary", "Summary", "textarea", Some("Neutral, sourced, and without any patient's identity"), false))
                (ctx.select("tlp", "Who may see it (Traffic Light Protocol)", &tlps, None))
                fieldset {
                    legend { "Attack type" }
                    div class="checks" {
                        @for a in AttackType::ALL {
                            label class="check" { input type="checkbox" name="attack_types" value=(a.as_str()) checked[selected_attacks.contains(&a.as_str())]; (a.label()) }
                        }
                    }
                }
            }
            fieldset {
                legend { "Organisation attacked" }
                div class="grid-2" {
                    (ctx.input("victim.name", "Name", "text", Some("Leave empty if it has not been named publicly"), false))
                    (ctx.select("victim.org_type", "Type", &org_types, Some("Choose a type")))
                    (ctx.select("victim.country", "Country", &countries, Some("Choose a country")))
                    (ctx.input("victim.region", "Region", "text", Some("ISO 3166-2 code, like US-CA or DE-NW"), false))
                }
            }
            fieldset {
                legend { "Timeline" }
                div class="grid-2" {
                    (ctx.input("timeline.incident_on", "Began on", "date", None, false))
                    (ctx.input("timeline.discovered_on", "Discovered on", "date", None, false))
                    (ctx.input("timeline.disclosed_on", "Disclosed on", "date", None, false))
                }
            }
            fieldset {
                legend { "Actor" }
                div class="grid-2" {
                    (ctx.input("actors[0].name", "Name", "text", Some("As a source names it, e.g. a ransomware group"), false))
                    (ctx.input("actors[0].attribution", "Attribution wording", "text", Some("How the source puts it: \"claimed by the group\", \"attributed by the FBI\""), false))
                }
            }
            fieldset {
                legend { "Sources" }
                p class="hint" { "Every harm fact must cite one of these. Add rows by saving; empty rows are ignored." }
                @for i in 0..n_sources {
                    fieldset {
                        legend { "Source " (i + 1) }
                        div class="grid-2" {
                            (ctx.input(&format!("sources[{i}].url"), "URL", "url", None, false))
                            (ctx.input(&format!("sources[{i}].publisher"), "Publisher", "text", None, false))
                            (ctx.input(&format!("sources[{i}].title"), "Title", "text", None, false))
                            (ctx.input(&format!("sources[{i}].published_on"), "Published on", "date", None, false))
                        }
                    }
                }
            }
            fieldset {
                legend { "Harm to care and people" }
                p class="hint" { "Leave a fact empty when no source gives it. Unknown is not zero." }
                @for (key, label) in COUNT_FACTS {
                    fieldset {
                        legend { (label) }
                        (ctx.input(&format!("harm.{key}.value"), "Number", "text", None, false))
                        div class="checks" {
                            label class="check" { input type="checkbox" name={"harm." (key) ".estimate"} checked[!ctx.value(&format!("harm.{key}.estimate")).is_empty()]; "The source gives an estimate" }
                            label class="check" { input type="checkbox" name={"harm." (key) ".at_least"} checked[!ctx.value(&format!("harm.{key}.at_least")).is_empty()]; "The source says \"at least\"" }
                        }
                        (ctx.fact_source(key))
                    }
                }
                fieldset {
                    legend { "Ambulance diversion" }
                    (ctx.select("harm.ambulance_diversion.value.diverted", "Were ambulances diverted?", &[("yes".into(), "Yes".into()), ("no".into(), "No".into())], Some("Not known")))
                    (ctx.input("harm.ambulance_diversion.value.hours", "Hours of diversion", "text", None, false))
                    (ctx.fact_source("ambulance_diversion"))
                }
                fieldset {
                    legend { "Deaths linked to the attack" }
                    div class="grid-2" {
                        (ctx.input("harm.deaths.value.alleged", "Alleged", "text", None, false))
                        (ctx.input("harm.deaths.value.confirmed", "Confirmed by an official finding", "text", None, false))
                    }
                    (ctx.fact_source("deaths"))
                }
            }
            div class="actions" { button type="submit" class="primary" { "Save incident" } a href=(back.href) { "Cancel" } }
        }
    };
    (status, layout(state, auth, title, Some(back), content)).into_response()
}

fn default_pairs(auth: &Auth) -> Vec<(String, String)> {
    let _ = auth;
    vec![("tlp".into(), "amber".into())]
}

pub async fn new_form(State(state): State<AppState>, auth: Auth) -> Response {
    let Some(user) = &auth.user else { return to_login("/incidents/new") };
    if let Decision::Deny { reason, .. } = decide(&auth.principal, Action::Create, Resource::Incidents { org_id: user.org_id }) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot record incidents", reason);
    }
    form_page(&state, &auth, "Record an incident", "/incidents", Back { href: "/incidents", label: "All incidents" }, &default_pairs(&auth), &[], None, StatusCode::OK)
}

pub async fn create(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login("/incidents/new") };
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the form and submit it again.");
    }
    if let Decision::Deny { reason, .. } = decide(&auth.principal, Action::Create, Resource::Incidents { org_id: user.org_id }) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot record incidents", reason);
    }
    let back = Back { href: "/incidents", label: "All incidents" };
    let (doc, mut errors) = pairs_to_doc(&pairs, Value::Object(Map::new()));
    if errors.is_empty() {
        match IncidentDraft::from_value(doc) {
            Ok(draft) => match state.store.create_incident(user.org_id, &draft, Some(user.id), jiff::Timestamp::now()).await {
                Ok(r) => {
                    tracing::info!(incident.id = %r.id, "incident created from the web form");
                    return Redirect::to(&format!("/incidents/{}", r.id)).into_response();
                }
                Err(e) => return store_error_page(&state, &auth, e),
            },
            Err(v) => errors = v.0,
        }
    }
    // 200, not 422: the page is a form shown again with its errors, and browsers log a 4xx
    // document as a console error. The API answers 422 for the same problems.
    form_page(&state, &auth, "Record an incident", "/incidents", back, &pairs, &errors, None, StatusCode::OK)
}

async fn editable(state: &AppState, auth: &Auth, id: &str) -> Result<IncidentRecord, Response> {
    let Ok(id) = id.parse::<IncidentId>() else { return Err(store_error_page(state, auth, StoreError::NotFound)) };
    let r = state.store.get_incident(id, &auth.scope).await.map_err(|e| store_error_page(state, auth, e))?;
    match ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }) {
        Decision::Allow => Ok(r),
        Decision::Deny { hide: true, .. } => Err(store_error_page(state, auth, StoreError::NotFound)),
        Decision::Deny { reason, .. } => Err(error_page(state, auth, StatusCode::FORBIDDEN, "You cannot edit this incident", reason)),
    }
}

pub async fn edit_form(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/incidents/{}/edit", url_encode(&id)));
    }
    let r = match editable(&state, &auth, &id).await { Ok(r) => r, Err(resp) => return resp };
    let mut pairs = draft_to_pairs(&r.draft);
    pairs.push(("version".into(), r.version.to_string()));
    let back_href = format!("/incidents/{}", r.id);
    let action = format!("/incidents/{}/edit", r.id);
    form_page(&state, &auth, &format!("Edit: {}", r.draft.title), &action, Back { href: &back_href, label: "Back to the incident" }, &pairs, &[], None, StatusCode::OK)
}

pub async fn update(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login(&format!("/incidents/{}/edit", url_encode(&id))) };
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the form and submit it again.");
    }
    let r = match editable(&state, &auth, &id).await { Ok(r) => r, Err(resp) => return resp };
    let back_href = format!("/incidents/{}", r.id);
    let action = format!("/incidents/{}/edit", r.id);
    let title = format!("Edit: {}", r.draft.title);
    let expected: i64 = form_value(&pairs, "version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    let (doc, mut errors) = pairs_to_doc(&pairs, r.draft.to_value());
    let mut notice = None;
    // The form shown again (with errors or a conflict notice) is a 200 page; see `create`.
    let status = StatusCode::OK;
    if errors.is_empty() {
        match IncidentDraft::from_value(doc) {
            Ok(draft) => {
                let scope = auth.scope.clone();
                match state.store.update_incident(r.id, &scope, expected, &draft, Some(user.id), jiff::Timestamp::now()).await {
                    Ok(saved) => {
                        tracing::info!(incident.id = %saved.id, version = saved.version, "incident updated from the web form");
                        return Redirect::to(&back_href).into_response();
                    }
                    Err(StoreError::Conflict { current }) => {
                        notice = Some(format!("Someone else saved a change while you were editing (the incident is now at version {current}). Your edits are below and were not saved; open the incident in another tab to compare, then save again."));
                    }
                    Err(e) => return store_error_page(&state, &auth, e),
                }
            }
            Err(v) => errors = v.0,
        }
    }
    let mut pairs = pairs;
    if notice.is_some() {
        pairs.retain(|(k, _)| k != "version");
        pairs.push(("version".into(), r.version.to_string()));
    }
    form_page(&state, &auth, &title, &action, Back { href: &back_href, label: "Back to the incident" }, &pairs, &errors, notice.as_deref(), status)
}
