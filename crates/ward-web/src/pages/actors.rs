//! The threat-actor register (`/actors`, ranked by attributed incidents and harm), the actor
//! dossier (`/actors/{id}`, with a JSON export), and attribution on incident pages: the section
//! every reader sees (confidence wording, source, date — never a bare name) and the form for
//! those who may change the incident.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use ward_core::policy::{Action, Decision as Access, Resource};
use ward_core::{ActorId, ActorKind, Confidence, CountryCode, IncidentId, OrgType, ReadScope};
use ward_store::{ActorFilter, ActorRecord, Attribution, Dimension, GroupCount, IncidentFilter, NewAttribution, StoreError, Totals};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, thousands, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::AppState;

/// Rows of the register shown on one page.
pub const MAX_REGISTER_ROWS: usize = 300;
/// Longest source URL of an attribution.
pub const MAX_SOURCE_URL_CHARS: usize = 2000;

fn store_error_page(state: &AppState, auth: &Auth, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is no such actor or incident, or you may not see it."),
        e if e.is_unavailable() => error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The database is not reachable at the moment."),
        e => {
            tracing::error!(error = %e, "actor page failed");
            error_page(state, auth, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be built. The error was logged.")
        }
    }
}

/// The ATT&CK page of an entry.
pub fn attack_url(doc: &ward_core::ActorDocument) -> Option<String> {
    let id = doc.attack_id.as_deref()?;
    let section = match doc.kind {
        ActorKind::IntrusionSet => "groups",
        ActorKind::Campaign => "campaigns",
        ActorKind::Malware | ActorKind::Tool => "software",
        ActorKind::Group => return None,
    };
    Some(format!("https://attack.mitre.org/{section}/{id}"))
}

fn fmt_int(n: i64) -> String {
    thousands(n.max(0) as u64)
}

fn coverage(known: i64, of: i64) -> Markup {
    html! { span class="muted" { " (known for " (known) " of " (of) " incidents)" } }
}

/// One harm total with its coverage; "not reported" rather than a zero nobody reported.
fn harm_line(value: String, what: &str, known: i64, of: i64) -> Markup {
    html! {
        li {
            @if known == 0 { (what) ": " span class="muted" { "not reported for these incidents" } }
            @else { strong { (value) } " " (what) (coverage(known, of)) }
        }
    }
}

// ---------------------------------------------------------------- register

pub async fn register(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let scope = auth.scope.clone();
    let kind = q.get("kind").filter(|k| !k.is_empty()).and_then(|k| k.parse::<ActorKind>().ok());
    let checked = |k: &str| q.get(k).is_some_and(|v| v == "1" || v == "on");
    let filter = ActorFilter {
        kind,
        healthcare: checked("healthcare"),
        include_retired: checked("all"),
        attributed_only: checked("attributed"),
        text: q.get("q").cloned().filter(|t| !t.trim().is_empty()),
    };
    let rows = match state.store.rank_actors(&scope, &filter).await {
        Ok(r) => r,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let content = html! {
        p { "Threat actors from MITRE ATT&CK and curators, ranked by the incidents attributed to them that you can see, then by individuals affected. "
            "Attributions carry a confidence level; disputed ones are shown on the incident but not counted here." }
        form method="get" action="/actors" class="filters" {
            label for="actors-q" { "Name, alias or ATT&CK id" }
            input id="actors-q" type="search" name="q" value=(q.get("q").map(String::as_str).unwrap_or(""));
            label for="actors-kind" { "Kind" }
            select id="actors-kind" name="kind" {
                option value="" { "Any" }
                @for k in ActorKind::ALL { option value=(k.as_str()) selected[kind == Some(k)] { (k.label()) } }
            }
            label { input type="checkbox" name="healthcare" value="1" checked[filter.healthcare]; " Healthcare targeting documented" }
            label { input type="checkbox" name="attributed" value="1" checked[filter.attributed_only]; " With attributed incidents" }
            label { input type="checkbox" name="all" value="1" checked[filter.include_retired]; " Include revoked and deprecated" }
            button type="submit" { "Filter" }
        }
        p class="muted" { (rows.len()) " actors" @if rows.len() > MAX_REGISTER_ROWS { "; the first " (MAX_REGISTER_ROWS) " are shown, filter to narrow" } "." }
        div class="table-wrap" {
            table class="actors" {
                thead { tr {
                    th scope="col" { "Actor" } th scope="col" { "Kind" } th scope="col" { "ATT&CK" }
                    th scope="col" class="num" { "Incidents" } th scope="col" class="num" { "Individuals affected" } th scope="col" { "Healthcare targeting" }
                } }
                tbody {
                    @for r in rows.iter().take(MAX_REGISTER_ROWS) {
                        tr {
                            td { a href={"/actors/" (r.id)} { (r.name) } @if r.revoked { " (revoked)" } @else if r.deprecated { " (deprecated)" } }
                            td { (r.kind.label()) }
                            td { (r.attack_id.as_deref().unwrap_or("—")) }
                            td class="num" { (r.incidents) }
                            td class="num" { (fmt_int(r.individuals_affected)) @if r.incidents > 0 { (coverage(r.individuals_affected_known, r.incidents)) } }
                            td { @if r.healthcare { "documented" } @else { "—" } }
                        }
                    }
                }
            }
        }
        p class="muted" { "ATT&CK entries: © The MITRE Corporation. MITRE ATT&CK and ATT&CK are registered trademarks of The MITRE Corporation; reproduced under MITRE's terms of use." }
    };
    layout(&state, &auth, "Threat actors", None, content).into_response()
}

// ---------------------------------------------------------------- dossier

struct Dossier {
    actor: ActorRecord,
    attributions: Vec<Attribution>,
    totals: Totals,
    countries: Vec<GroupCount>,
    org_types: Vec<GroupCount>,
    years: Vec<GroupCount>,
}

async fn load_dossier(state: &AppState, scope: &ReadScope, id: &str) -> Result<Dossier, StoreError> {
    let id: ActorId = id.parse().map_err(|_| StoreError::NotFound)?;
    let mut actor = state.store.get_actor(id).await?;
    // A merged actor's dossier is its canonical actor's (which counts its attributions).
    if let Some(canonical) = actor.merged_into {
        actor = state.store.get_actor(canonical).await?;
    }
    let id = actor.id;
    let attributions = state.store.actor_attributions(id, scope).await?;
    let filter = IncidentFilter { attributed_actor: Some(id), ..Default::default() };
    let totals = state.store.totals(scope, &filter).await?;
    let countries = state.store.group_counts(scope, &filter, Dimension::Country).await?;
    let org_types = state.store.group_counts(scope, &filter, Dimension::OrgType).await?;
    let years = state.store.group_counts(scope, &filter, Dimension::Year).await?;
    Ok(Dossier { actor, attributions, totals, countries, org_types, years })
}

pub async fn dossier(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let scope = auth.scope.clone();
    let d = match load_dossier(&state, &scope, &id).await {
        Ok(d) => d,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let a = &d.actor.doc;
    let t = &d.totals;
    let counted: Vec<&Attribution> = d.attributions.iter().filter(|x| x.confidence.counts()).collect();
    let content = html! {
        p class="muted" {
            (a.kind.label())
            @if let Some(aid) = &a.attack_id { " · ATT&CK " @if let Some(u) = attack_url(a) { a href=(u) rel="noopener noreferrer external" { (aid) } } @else { (aid) } }
            @if a.stix_id.is_none() { " · added by a curator" }
            " · " a href={"/actors/" (d.actor.id) "/dossier.json"} { "JSON export" }
            " · " a href={"/actors/" (d.actor.id) "/dossier.stix.json"} { "STIX 2.1 report bundle" }
        }
        @if a.revoked { p class="notice" role="note" { "MITRE has revoked this entry (it was merged into another)." } }
        @if a.deprecated { p class="notice" role="note" { "MITRE has deprecated this entry." } }
        @if !a.aliases.is_empty() { p { strong { "Also known as: " } (a.aliases.join(", ")) } }

        h2 id="harm" { "Harm attributed" }
        @if t.incidents == 0 {
            p { "No incident you can see is attributed to this actor (disputed attributions are not counted)." }
        } @else {
            ul class="harm-totals" {
                li { strong { (t.incidents) } (if t.incidents == 1 { " incident in " } else { " incidents in " }) (t.countries) (if t.countries == 1 { " country" } else { " countries" }) }
                (harm_line(fmt_int(t.individuals_affected), "individuals affected", t.individuals_affected_known, t.incidents))
                (harm_line(format!("{:.1}", t.care_disruption_days), "days of care disruption", t.care_disruption_known, t.incidents))
                (harm_line(t.ambulance_diversions.to_string(), "ambulance diversions", t.ambulance_diversion_known, t.incidents))
                (harm_line(fmt_int(t.appointments_cancelled), "appointments cancelled", t.appointments_cancelled_known, t.incidents))
            }
            p class="muted" { "Totals of the tracer over incidents with a counted attribution (confirmed, claimed, assessed likely or possible), each incident once; figures are sums of what sources report, with how many incidents each is known for." }
            @if !d.countries.is_empty() {
                p { strong { "Countries: " }
                    @for (n, g) in d.countries.iter().enumerate() { @if n > 0 { ", " } (g.key.parse::<CountryCode>().map(|c| c.name().to_owned()).unwrap_or_else(|_| g.key.clone())) " (" (g.incidents) ")" } }
            }
            @if !d.years.is_empty() {
                p id="timeline" { strong { "Timeline (incidents per year the attack began, else was discovered or disclosed): " }
                    @for (n, g) in d.years.iter().enumerate() { @if n > 0 { ", " } (g.key) " (" (g.incidents) ")" } }
            }
            @if !d.org_types.is_empty() {
                p { strong { "Organisations hit: " }
                    @for (n, g) in d.org_types.iter().enumerate() { @if n > 0 { ", " } (g.key.parse::<OrgType>().map(|o| o.label().to_owned()).unwrap_or_else(|_| g.key.clone())) " (" (g.incidents) ")" } }
            }
        }

        h2 id="incidents" { "Incidents attributed" }
        @if d.attributions.is_empty() {
            p class="muted" { "None recorded." }
        } @else {
            div class="table-wrap" {
                table class="attributions" {
                    thead { tr { th scope="col" { "Incident" } th scope="col" { "Confidence" } th scope="col" { "Source" } th scope="col" { "Stated" } } }
                    tbody {
                        @for x in &d.attributions {
                            tr {
                                td { a href={"/incidents/" (x.incident_id)} { (x.incident_title) } }
                                td { (x.confidence.wording()) }
                                td { a href=(x.source_url) rel="noopener noreferrer external" { (source_label(&x.source_url)) } }
                                td { (x.stated_on) }
                            }
                        }
                    }
                }
            }
        }

        h2 id="policy" { "Stated policy on healthcare, and behaviour" }
        @if a.stated_policy.is_empty() {
            p class="muted" { "No stated policy about healthcare is recorded." }
        } @else {
            ul { @for p in &a.stated_policy { li { "“" (p.statement) "” — " a href=(p.source_url) rel="noopener noreferrer external" { (source_label(&p.source_url)) } @if let Some(on) = &p.stated_on { ", " (on) } } } }
        }
        p { "Observed: " strong { (counted.len()) } " counted attributions of attacks on healthcare organisations recorded in this tracer"
            @if !a.healthcare_evidence.is_empty() { ", and healthcare targeting documented by the sources below" } "." }

        @if !a.healthcare_evidence.is_empty() {
            h2 id="evidence" { "Healthcare targeting documented" }
            ul { @for e in &a.healthcare_evidence { li { "“" (e.sentence) "” " span class="muted" { "(" @if let Some(u) = &e.url { a href=(u) rel="noopener noreferrer external" { (e.source) } } @else { (e.source) } ")" } } } }
        }
        @if !a.description.is_empty() {
            h2 { "Description" }
            p { (ward_import::attack::plain(&a.description)) }
        }
        @if !a.techniques.is_empty() {
            h2 id="techniques" { "Techniques (" (a.techniques.len()) ")" }
            details { summary { "Show the ATT&CK techniques this actor uses" }
                ul class="columns" { @for tq in &a.techniques { li { code { (tq.attack_id) } " " (tq.name) } } } }
        }
        @if !a.references.is_empty() {
            h2 { "References (" (a.references.len()) ")" }
            details { summary { "Show references" }
                ul { @for r in &a.references { li { @if let Some(u) = &r.url { a href=(u) rel="noopener noreferrer external" { (r.source) } } @else { (r.source) } @if let Some(dsc) = &r.description { " — " (dsc) } } } } }
        }
        @if let Some(tou) = &a.terms_of_use { p class="muted" { "Source data: " (tou) " Reproduced under MITRE's ATT&CK terms of use." } }
    };
    layout(&state, &auth, &a.name, Some(Back { href: "/actors", label: "All actors" }), content).into_response()
}

pub async fn dossier_json(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let scope = auth.scope.clone();
    let d = match load_dossier(&state, &scope, &id).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => return crate::error::ApiError::NotFound.into_response(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    // Recorders' e-mail addresses are not part of an export.
    let attributions: Vec<serde_json::Value> = d
        .attributions
        .iter()
        .map(|x| {
            serde_json::json!({
                "incident_id": x.incident_id, "incident_title": x.incident_title, "confidence": x.confidence,
                "confidence_wording": x.confidence.wording(), "source_url": x.source_url, "stated_on": x.stated_on,
                "note": x.note, "recorded_at": x.recorded_at,
            })
        })
        .collect();
    let body = serde_json::json!({
        "actor": d.actor, "attributions": attributions, "harm": d.totals,
        "countries": d.countries, "org_types": d.org_types,
    });
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"actor-dossier.json\""));
    resp
}

// ---------------------------------------------------------------- incident page

/// The host of a URL, as a short link text.
fn source_label(url: &str) -> String {
    url.split("://").nth(1).and_then(|r| r.split('/').next()).filter(|h| !h.is_empty()).unwrap_or(url).to_owned()
}

/// The attribution section of an incident page: every reader sees the attributions with their
/// confidence; those who may change the incident get the form.
pub async fn incident_section(state: &AppState, auth: &Auth, incident: IncidentId, editable: bool) -> Markup {
    let scope = auth.scope.clone();
    let list = state.store.incident_attributions(incident, &scope).await.unwrap_or_default();
    html! {
        section id="attributions" aria-labelledby="attributions-h" {
            h2 id="attributions-h" { "Attribution" }
            @if list.is_empty() {
                p class="muted" { "No attribution to an actor in the register is recorded." }
            } @else {
                ul class="attributions" {
                    @for x in &list {
                        li data-confidence=(x.confidence.as_str()) {
                            strong { (x.confidence.wording()) ": " } a href={"/actors/" (x.actor_id)} { (x.actor_name) }
                            " — source " a href=(x.source_url) rel="noopener noreferrer external" { (source_label(&x.source_url)) } ", " (x.stated_on)
                            @if !x.note.is_empty() { ". " (x.note) }
                            @if auth.user.is_some() { span class="muted" { " (recorded " (x.recorded_at.strftime("%Y-%m-%d")) @if let Some(e) = &x.recorded_by_email { " by " (e) } ")" } }
                        }
                    }
                }
                p class="muted" { "Attributions are claims with a confidence level and a source, not established fact; several may coexist." }
            }
            @if editable {
                form method="post" action={"/incidents/" (incident) "/attributions"} class="attribution-form" {
                    (csrf_field(auth))
                    h3 { "Attribute this incident" }
                    div class="field" {
                        label for="attr-actor" { "Actor (name, alias or ATT&CK id)" }
                        input id="attr-actor" name="actor" type="text" required autocomplete="off";
                    }
                    div class="field" {
                        label for="attr-confidence" { "Confidence" }
                        // No default: the recorder chooses the level the source supports.
                        select id="attr-confidence" name="confidence" required {
                            option value="" { "Choose the level the source supports" }
                            @for c in Confidence::ALL { option value=(c.as_str()) { (c.wording()) } }
                        }
                    }
                    div class="field" {
                        label for="attr-source" { "Source URL" }
                        input id="attr-source" name="source_url" type="url" required placeholder="https://";
                    }
                    div class="field" {
                        label for="attr-date" { "Date the source said so" }
                        input id="attr-date" name="stated_on" type="date" required;
                    }
                    div class="field" {
                        label for="attr-note" { "Note (optional)" }
                        input id="attr-note" name="note" type="text";
                    }
                    button type="submit" class="primary" { "Record attribution" }
                }
            }
        }
    }
}

/// `POST /incidents/{id}/attributions`: records an attribution (session, CSRF token and the
/// right to change the incident required).
pub async fn attribute(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login(&format!("/incidents/{}", url_encode(&id))) };
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit the form again.");
    }
    let scope = auth.scope.clone();
    let Ok(incident_id) = id.parse::<IncidentId>() else { return store_error_page(&state, &auth, StoreError::NotFound) };
    let r = match state.store.get_incident(incident_id, &scope).await {
        Ok(r) => r,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    match ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }) {
        Access::Allow => {}
        Access::Deny { hide: true, .. } => return store_error_page(&state, &auth, StoreError::NotFound),
        Access::Deny { reason, .. } => return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot attribute this incident", reason),
    }
    let mut errors: Vec<String> = Vec::new();
    let actor_text = form_value(&pairs, "actor").unwrap_or("").trim().to_owned();
    let actor = if actor_text.is_empty() {
        errors.push("actor: name an actor of the register".into());
        None
    } else {
        match actor_text.parse::<ActorId>() {
            Ok(aid) => state.store.get_actor(aid).await.ok(),
            Err(_) => match state.store.find_actors(&actor_text).await {
                Ok(mut found) => {
                    if found.iter().any(|a| !a.doc.revoked && !a.doc.deprecated) {
                        found.retain(|a| !a.doc.revoked && !a.doc.deprecated);
                    }
                    match found.len() {
                        1 => found.pop(),
                        0 => {
                            errors.push(format!("actor: no actor in the register is named {actor_text:?}"));
                            None
                        }
                        n => {
                            errors.push(format!("actor: {actor_text:?} names {n} actors; give the ATT&CK id instead"));
                            None
                        }
                    }
                }
                Err(e) => return store_error_page(&state, &auth, e),
            },
        }
    };
    let confidence = form_value(&pairs, "confidence").unwrap_or("").parse::<Confidence>().map_err(|e| errors.push(format!("confidence: {e}"))).ok();
    let source_url = form_value(&pairs, "source_url").unwrap_or("").trim().to_owned();
    if !(source_url.starts_with("https://") || source_url.starts_with("http://")) || source_url.len() > MAX_SOURCE_URL_CHARS || source_url.contains(char::is_whitespace) {
        errors.push("source_url: give the http(s) address of the source that attributes".into());
    }
    let stated_on = form_value(&pairs, "stated_on").unwrap_or("").trim().parse::<jiff::civil::Date>().map_err(|_| errors.push("stated_on: give the date as YYYY-MM-DD".into())).ok();
    let note = form_value(&pairs, "note").unwrap_or("").trim().to_owned();
    if note.chars().count() > ward_store::MAX_ATTRIBUTION_NOTE_CHARS {
        errors.push(format!("note: at most {} characters", ward_store::MAX_ATTRIBUTION_NOTE_CHARS));
    }
    let (Some(actor), Some(confidence), Some(stated_on), true) = (actor, confidence, stated_on, errors.is_empty()) else {
        let back = format!("/incidents/{incident_id}");
        let content = html! {
            p { "The attribution was not recorded:" }
            ul class="errors" { @for e in &errors { li { (e) } } }
        };
        return (StatusCode::UNPROCESSABLE_ENTITY, layout(&state, &auth, "The attribution needs correcting", Some(Back { href: &back, label: "Back to the incident" }), content)).into_response();
    };
    let new = NewAttribution { incident_id, actor_id: actor.id, confidence, source_url, stated_on, note };
    match state.store.attribute(&new, &scope, Some(user.id), jiff::Timestamp::now()).await {
        Ok(a) => {
            tracing::info!(incident.id = %incident_id, actor.id = %a.actor_id, attribution.id = %a.id, "attribution recorded");
            Redirect::to(&format!("/incidents/{incident_id}#attributions")).into_response()
        }
        Err(e) => store_error_page(&state, &auth, e),
    }
}

pub async fn dossier_stix(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let scope = auth.scope.clone();
    let d = match load_dossier(&state, &scope, &id).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => return crate::error::ApiError::NotFound.into_response(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let mut incidents = Vec::new();
    for x in &d.attributions {
        if incidents.iter().any(|r: &ward_store::IncidentRecord| r.id == x.incident_id) {
            continue;
        }
        match state.store.get_incident(x.incident_id, &scope).await {
            Ok(r) => incidents.push(r),
            Err(StoreError::NotFound) => {}
            Err(e) => return crate::error::ApiError::from(e).into_response(),
        }
    }
    let body = crate::export::dossier_to_stix(&d.actor, &d.attributions, incidents, jiff::Timestamp::now());
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/stix+json;version=2.1"));
    resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"actor-dossier.stix.json\""));
    resp
}
