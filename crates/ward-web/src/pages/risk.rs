//! Continuous risk management pages: the organisation dashboard (posture per framework with
//! its trend, stale items and what goes stale within 30 days, open exposures by criticality),
//! the assessment of one framework (answers, owners, linked controls, evidence), the asset
//! inventory, the print-ready board report and the JSON export. Reading needs `Read` on the
//! organisation's `RiskRegister`; every form needs `Update` and a session's CSRF token.

use axum::extract::{Path, Query, Request, State};
use axum::routing::{get, post};
use axum::Router;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use jiff::Timestamp;
use maud::{html, Markup};
use ward_core::policy::{decide, Action, Resource};
use ward_core::{OrgId, Organisation};
use ward_risk::posture::{InferredPosture, Posture, Reason, Status};
use ward_risk::{Answer, AssetDraft, AssetKind, Criticality, Framework};
use ward_store::risk::{AnswerUpdate, NewEvidence, PostureDay};
use ward_store::StoreError;

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::risk::{self as rk, OrgRisk};
use crate::AppState;

/// The register's pages (merged into the router in `lib.rs`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/risk", get(mine))
        .route("/orgs/{id}/risk", get(dashboard))
        .route("/orgs/{id}/risk/report", get(report))
        .route("/orgs/{id}/risk/export.json", get(export_json))
        .route("/orgs/{id}/risk/frameworks/{framework}", get(assessment).post(save_answers))
        .route("/orgs/{id}/risk/frameworks/{framework}/evidence", post(add_evidence))
        .route("/orgs/{id}/risk/findings/{finding}/mitigate", post(mitigate))
        .route("/orgs/{id}/assets", get(assets).post(create_asset))
        .route("/orgs/{id}/assets/{asset}", get(asset).post(update_asset))
}

fn store_error_page(state: &AppState, auth: &Auth, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is no such item here that you may see."),
        e if e.is_unavailable() => error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The database is not reachable at the moment."),
        e => {
            tracing::error!(error = %e, "risk page failed");
            error_page(state, auth, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be built. The error was logged.")
        }
    }
}

/// The organisation, if the caller may read its register; whether they may change it.
async fn register_access(state: &AppState, auth: &Auth, id: &str, back_to: &str) -> Result<(Organisation, bool), Response> {
    if auth.user.is_none() {
        return Err(to_login(back_to));
    }
    let not_found = || error_page(state, auth, StatusCode::NOT_FOUND, "Organisation not found", "There is no organisation here whose risk register you may see.");
    let Ok(org_id) = id.parse::<OrgId>() else { return Err(not_found()) };
    if !decide(&auth.principal, Action::Read, Resource::RiskRegister { org_id }).is_allowed() {
        return Err(not_found());
    }
    let org = match state.store.get_org(org_id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(not_found()),
        Err(e) => return Err(store_error_page(state, auth, e)),
    };
    let editable = decide(&auth.principal, Action::Update, Resource::RiskRegister { org_id }).is_allowed();
    Ok((org, editable))
}

/// Reads a POSTed form of a register page: session CSRF token and the right to change it.
async fn writable_form(state: &AppState, auth: &Auth, id: &str, back_to: &str, req: Request) -> Result<(Organisation, Vec<(String, String)>), Response> {
    if auth.user.is_none() {
        return Err(to_login(back_to));
    }
    let pairs = read_form(req).await.map_err(|e| error_page(state, auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e))?;
    if !csrf_ok(auth, &pairs) {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit the form again."));
    }
    let (org, editable) = register_access(state, auth, id, back_to).await?;
    if !editable {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "You cannot change this register", "Only analysts and administrators of the organisation change its risk register."));
    }
    Ok((org, pairs))
}

// A page handler returns the error page as is; it is built once per request.
#[allow(clippy::result_large_err)]
fn catalogue_or_error(state: &AppState, auth: &Auth) -> Result<&'static ward_risk::Catalogue, Response> {
    rk::catalogue().map_err(|e| {
        tracing::error!(error = %e, "embedded frameworks invalid");
        error_page(state, auth, StatusCode::INTERNAL_SERVER_ERROR, "Frameworks unavailable", "The built-in frameworks could not be loaded.")
    })
}

/// `GET /risk`: the signed-in user's own organisation dashboard.
pub async fn mine(auth: Auth) -> Response {
    match &auth.user {
        Some(u) => Redirect::to(&format!("/orgs/{}/risk", u.org_id)).into_response(),
        None => to_login("/risk"),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct OnQuery {
    /// Show the posture on this day instead of today (`YYYY-MM-DD`).
    pub on: Option<String>,
    pub saved: Option<String>,
}

fn parse_on(q: &OnQuery) -> Result<Option<Date>, String> {
    match q.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<Date>().map(Some).map_err(|_| format!("on: {s:?} is not a date (YYYY-MM-DD)")),
    }
}

fn pct(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_owned(), |s| format!("{s:.0} %"))
}

fn status_badge(s: Status) -> Markup {
    html! { span class={"status risk-" (s.as_str())} { (s.label()) } }
}

/// A small trend line of the score over the history (server-rendered SVG, with a table).
fn trend(id: &str, history: &[PostureDay]) -> Markup {
    const W: f64 = 240.0;
    const H: f64 = 48.0;
    let points: Vec<(Date, f64)> = history.iter().filter_map(|d| d.score_percent.map(|s| (d.day, s))).collect();
    if points.len() < 2 {
        return html! { span class="muted" { "Trend appears after two recorded days." } };
    }
    let first = points[0].0;
    let span_days = (points[points.len() - 1].0 - first).get_days().max(1) as f64;
    let coords: Vec<String> = points
        .iter()
        .map(|(d, s)| {
            let x = ((*d - first).get_days() as f64) / span_days * (W - 8.0) + 4.0;
            let y = H - 4.0 - s / 100.0 * (H - 8.0);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let label = format!("Score from {} to {}: {} on {}, {} on {}", points[0].0, points[points.len() - 1].0, pct(Some(points[0].1)), points[0].0, pct(Some(points[points.len() - 1].1)), points[points.len() - 1].0);
    html! {
        svg class="risk-trend" id=(id) viewBox={"0 0 " (W) " " (H)} role="img" aria-label=(label) {
            title { (label) }
            line x1="0" y1=(H - 4.0) x2=(W) y2=(H - 4.0) class="axis" {}
            polyline points=(coords.join(" ")) class="trend-line" {}
        }
        details class="trend-table" {
            summary { "Trend as a table" }
            table { thead { tr { th scope="col" { "Day" } th scope="col" { "Score" } th scope="col" { "Stale" } th scope="col" { "Open exposures" } } }
                tbody { @for d in history { tr { td { (d.day) } td { (pct(d.score_percent)) } td { (d.counts.stale) } td { (d.open_findings) } } } } }
        }
    }
}

fn reason_text(r: &Reason) -> String {
    match r {
        Reason::Answered { stale_from: Some(d) } => format!("evidence in force until {d}"),
        Reason::Answered { stale_from: None } => String::new(),
        Reason::NoEvidence => "no evidence".into(),
        Reason::EvidenceExpired { expired_on } => format!("evidence expired on {expired_on}"),
        Reason::EvidenceNotYetEffective { effective_on } => format!("evidence takes effect on {effective_on}"),
        Reason::OverdueKnownExploited { cve_ids, earliest_due_on } => format!("{} known exploited vulnerabilit{} open past due date (since {earliest_due_on}): {}", cve_ids.len(), if cve_ids.len() == 1 { "y" } else { "ies" }, cve_ids.join(", ")),
        Reason::Inferred => "inferred".into(),
    }
}

fn posture_cell(f: &rk::FrameworkView) -> Markup {
    html! {
        @if let Some(p) = &f.assessed {
            strong class="score" { (pct(p.score_percent)) } " " span class="muted" { "assessed" }
        } @else if let Some(p) = &f.inferred {
            strong class="score inferred" { (pct(p.score_percent)) } " " span class="badge-inferred" { "inferred from " (p.inferred_from) }
        } @else {
            span class="muted" { "not assessed" }
        }
    }
}

fn counts_cell(c: Option<ward_risk::Counts>) -> Markup {
    html! {
        @if let Some(c) = c {
            (c.compliant) " compliant · " (c.partial) " partial · " (c.non_compliant) " non-compliant · " (c.stale) " stale · " (c.not_assessed) " not assessed"
        }
    }
}

async fn load_risk(state: &AppState, auth: &Auth, org: &Organisation, on: Option<Date>) -> Result<OrgRisk, Response> {
    let now = Timestamp::now();
    let today = rk::day_of(now);
    let day = on.unwrap_or(today);
    let risk = rk::org_risk(&state.store, org.id, day).await.map_err(|e| store_error_page(state, auth, e))?;
    if day == today {
        // Posture is a function of time: viewing today records today, so the trend has no gaps
        // on days someone looked (a daily `ward risk snapshot` fills the others).
        if let Err(e) = rk::record_history(&state.store, &risk, now).await {
            tracing::warn!(error = %e, org.id = %org.id, "could not record today's posture");
        }
    }
    Ok(risk)
}

/// `GET /orgs/{id}/risk`: the organisation dashboard.
pub async fn dashboard(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<OnQuery>) -> Response {
    let (org, editable) = match register_access(&state, &auth, &id, &format!("/orgs/{}/risk", url_encode(&id))).await { Ok(x) => x, Err(r) => return r };
    let on = match parse_on(&q) { Ok(d) => d, Err(e) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Bad date", &e) };
    let risk = match load_risk(&state, &auth, &org, on).await { Ok(r) => r, Err(r) => return r };
    let base = format!("/orgs/{}", org.id);
    let soon = risk.going_stale();
    let stale = risk.stale();
    let last_import = match state.store.kev_imports(1).await { Ok(mut runs) => runs.pop(), Err(e) => return store_error_page(&state, &auth, e) };
    let content = html! {
        p { "Posture on " strong { (risk.today) } ", computed from each requirement's answer, its evidence in force that day and open known-exploited-vulnerability findings. "
            "Inferred postures come through ward's proposed crosswalks and are marked as such." }
        form method="get" class="inline no-print" {
            label for="on" { "Show the posture on " } input type="date" id="on" name="on" value=(risk.today);
            " " button type="submit" { "Show" }
        }
        p class="no-print" { a href={(base) "/risk/report"} { "Board report" } " · " a href={(base) "/risk/export.json"} { "JSON export" } " · " a href={(base) "/assets"} { "Asset inventory" } }
        h2 id="posture" { "Posture per framework" }
        div class="table-wrap" {
            table class="risk-posture" {
                thead { tr { th scope="col" { "Framework" } th scope="col" { "Posture" } th scope="col" { "Requirements" } th scope="col" { "Trend (" (rk::TREND_DAYS) " days)" } } }
                tbody {
                    @for f in &risk.frameworks {
                        tr data-framework=(f.framework_id) {
                            th scope="row" { a href={(base) "/risk/frameworks/" (f.framework_id)} { (f.short_title) } br; span class="muted" { (f.title) } }
                            td { (posture_cell(f)) }
                            td { (counts_cell(f.counts())) }
                            td { (trend(&format!("trend-{}", f.framework_id), &f.history)) }
                        }
                    }
                }
            }
        }
        h2 id="stale" { "Stale now" }
        @if stale.is_empty() { p class="muted" { "Nothing is stale." } } @else {
            ul class="risk-stale" { @for (fw, r) in &stale { li { strong { (fw) " " (r.requirement_id) } " " (r.title) " — " (reason_text(&r.reason)) } } }
        }
        h2 id="going-stale" { "Goes stale within " (rk::STALE_HORIZON_DAYS) " days" }
        @if soon.is_empty() { p class="muted" { "No evidence expires in the next " (rk::STALE_HORIZON_DAYS) " days." } } @else {
            ul class="risk-going-stale" { @for (fw, r, d) in &soon { li { strong { (fw) " " (r.requirement_id) } " " (r.title) " — stale from " time datetime=(d) { (d) } } } }
        }
        h2 id="exposures" { "Open exposures to known exploited vulnerabilities" }
        (catalogue_line(&risk, last_import.as_ref()))
        (exposures(&risk))
        (linked_requirements(&risk))
        @if editable { p class="muted no-print" { "Record a mitigation on a finding below; import assets with " code { "ward assets import" } " and the CISA catalogue with " code { "ward kev import" } "." } }
        (findings_table(&risk, &base, editable, &auth))
        (exercise_section(&state, &auth, org.id, "exercises").await)
        (culture_section(&state, &auth, org.id, "culture").await)
    };
    let mut resp = layout(&state, &auth, &format!("Risk: {}", org.name.as_str()), None, content).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn exposures(risk: &OrgRisk) -> Markup {
    html! {
        table class="risk-exposures" {
            thead { tr { th scope="col" { "Criticality" } th scope="col" { "Open findings" } th scope="col" { "Past KEV due date" } } }
            tbody { @for (c, n, overdue) in risk.exposures_by_criticality() { tr data-criticality=(c.as_str()) { th scope="row" { (c.label()) } td { (n) } td { (overdue) } } } }
        }
    }
}

/// The catalogue held and what its last update added, with the organisation's new exposures.
fn catalogue_line(risk: &OrgRisk, run: Option<&ward_store::risk::KevImportRun>) -> Markup {
    html! {
        @if let Some(run) = run {
            @let new: Vec<&ward_store::risk::Finding> = risk.findings.iter().filter(|f| run.added.binary_search(&f.cve_id).is_ok()).collect();
            p class="risk-catalogue" {
                "CISA KEV catalogue: " (run.n_entries) " entries from " code { (run.source_name) }
                @if let Some(v) = &run.catalog_version { " (version " (v) ")" }
                ", imported " (run.imported_at.strftime("%Y-%m-%d %H:%M UTC")) "; that update added " (run.added.len()) " and removed " (run.removed.len()) " entries"
                @if new.is_empty() { "." } @else { ", giving this organisation " strong { (new.len()) " new exposure" @if new.len() != 1 { "s" } } " (" (new.iter().map(|f| f.cve_id.as_str()).collect::<Vec<_>>().join(", ")) ")." }
            }
        } @else {
            p class="risk-catalogue muted" { "No KEV catalogue imported yet: run " code { "ward kev import known_exploited_vulnerabilities.json" } "." }
        }
    }
}

fn linked_requirements(risk: &OrgRisk) -> Markup {
    let linked: Vec<rk::KevRequirement> = risk.kev_requirements().into_iter().filter(|r| r.status.is_some()).collect();
    html! {
        @if !linked.is_empty() {
            p class="risk-linked" { "Linked requirements (non-compliant while a finding is open past its KEV due date): "
                @for (n, r) in linked.iter().enumerate() {
                    @if n > 0 { "; " }
                    strong { (r.short_title) " " (r.requirement_id) } " " (r.title) " "
                    @if let Some(s) = r.status { (status_badge(s)) } @if r.inferred { " " span class="badge-inferred" { "inferred" } }
                }
            }
        }
    }
}

fn findings_table(risk: &OrgRisk, base: &str, editable: bool, auth: &Auth) -> Markup {
    html! {
        @if risk.findings.is_empty() { p class="muted" { "No open findings." } } @else {
            div class="table-wrap" {
                table class="risk-findings" {
                    thead { tr { th scope="col" { "Asset" } th scope="col" { "Vulnerability" } th scope="col" { "KEV due" } th scope="col" { "Ransomware use" } th scope="col" { "Match" } @if editable { th scope="col" class="no-print" { "Mitigation" } } } }
                    tbody {
                        @for f in &risk.findings {
                            tr class=(if f.due_date < risk.today { "overdue" } else { "" }) {
                                td { (f.asset_name) @if let Some(v) = &f.asset_version { " " span class="muted" { (v) } } br; span class="muted" { (f.criticality.label()) @if f.internet_facing { " · internet-facing" } } }
                                td { a href={"https://nvd.nist.gov/vuln/detail/" (f.cve_id)} rel="noopener noreferrer" { (f.cve_id) } br; (f.vulnerability_name) }
                                td { (f.due_date) @if f.due_date < risk.today { " " span class="status risk-non_compliant" { "overdue" } } }
                                td { @if f.known_ransomware { strong { "Known" } } @else { "Unknown" } }
                                td { (f.confidence.as_str()) " (" (f.rule.as_str()) ")" }
                                @if editable {
                                    td class="no-print" {
                                        form method="post" action={(base) "/risk/findings/" (f.id) "/mitigate"} class="inline" {
                                            (csrf_field(auth))
                                            label class="visually-hidden" for={"m-" (f.id)} { "How it was mitigated" }
                                            input type="text" id={"m-" (f.id)} name="note" required maxlength="2000" placeholder="patched to…";
                                            " " button type="submit" { "Mitigated" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /orgs/{id}/risk/findings/{finding}/mitigate`.
pub async fn mitigate(State(state): State<AppState>, auth: Auth, Path((id, finding)): Path<(String, String)>, req: Request) -> Response {
    let back = format!("/orgs/{}/risk", url_encode(&id));
    let (org, pairs) = match writable_form(&state, &auth, &id, &back, req).await { Ok(x) => x, Err(r) => return r };
    let Ok(finding) = finding.parse::<uuid::Uuid>() else { return error_page(&state, &auth, StatusCode::NOT_FOUND, "Finding not found", "There is no such open finding.") };
    let note = form_value(&pairs, "note").unwrap_or("");
    let now = Timestamp::now();
    match state.store.mitigate_finding(org.id, finding, note, auth.user.as_ref().map(|u| u.id), now).await {
        Ok(()) => {
            if let Err(e) = rk::after_change(&state.store, org.id, false, now).await {
                return store_error_page(&state, &auth, e);
            }
            Redirect::to(&format!("/orgs/{}/risk#exposures", org.id)).into_response()
        }
        Err(StoreError::Invalid { field, reason }) => error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "The mitigation was not recorded", &format!("{field}: {reason}")),
        Err(StoreError::NotFound) => error_page(&state, &auth, StatusCode::NOT_FOUND, "Finding not found", "There is no such open finding."),
        Err(e) => store_error_page(&state, &auth, e),
    }
}

// ---- assessment ---------------------------------------------------------------------------

struct AssessmentForm<'a> {
    errors: Vec<(String, String)>,
    notice: Option<&'a str>,
}

fn framework_meta(f: &Framework) -> Markup {
    html! {
        p class="muted" {
            (f.version) @if let Some(p) = &f.published { " (" (p) ")" } ". Source: " a href=(f.source.url) rel="noopener noreferrer" { (f.source.publisher) } ". "
            "Licence: " (f.licence) " " (f.reuse_note)
        }
    }
}

async fn assessment_page(state: &AppState, auth: &Auth, org: &Organisation, editable: bool, framework: &Framework, form: AssessmentForm<'_>) -> Response {
    let today = rk::day_of(Timestamp::now());
    let risk = match rk::org_risk(&state.store, org.id, today).await { Ok(r) => r, Err(e) => return store_error_page(state, auth, e) };
    let view = risk.frameworks.iter().find(|f| f.framework_id == framework.id);
    let assessment = risk.assessments.iter().find(|a| a.framework_id == framework.id);
    let base = format!("/orgs/{}/risk/frameworks/{}", org.id, framework.id);
    let answered = |rid: &str| assessment.and_then(|a| a.answers.iter().find(|x| x.requirement_id == rid));
    let inferred: Option<&InferredPosture> = view.and_then(|v| v.inferred.as_ref());
    let assessed: Option<&Posture> = view.and_then(|v| v.assessed.as_ref());
    let content = html! {
        (framework_meta(framework))
        @if let Some(n) = form.notice { p class="notice" role="status" { (n) } }
        @if !form.errors.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" {
                h2 { "There is a problem" }
                ul { @for (field, reason) in &form.errors { li { a href={"#" (field.replace('.', "-"))} { (field) ": " (reason) } } } }
            }
        }
        @if let Some(p) = inferred {
            section class="risk-inferred" aria-labelledby="inferred-h" {
                h2 id="inferred-h" { "Inferred posture: " (pct(p.score_percent)) }
                p { span class="badge-inferred" { "Inferred from " (p.inferred_from) } " through ward's proposed crosswalk (no authoritative mapping exists). "
                    "Assess this framework directly to replace it." }
                div class="table-wrap" { table {
                    thead { tr { th scope="col" { "Requirement" } th scope="col" { "Inferred status" } th scope="col" { "Through" } } }
                    tbody { @for r in &p.requirements { tr data-requirement=(r.requirement_id) {
                        th scope="row" { (r.requirement_id) " " (r.title) }
                        td { (status_badge(r.status)) }
                        td { @if r.via.is_empty() { span class="muted" { "no mapping" } } @else { ul class="via" { @for u in &r.via {
                            li { (u.source_requirement) " (" (u.source_status.label()) ") — " (u.relationship.as_str()) ", strength " (u.strength) "/10, " (u.crosswalk_id) ": " span class="muted" { (u.rationale) } }
                        } } } }
                    } } }
                } }
            }
        }
        h2 { "Assessment" }
        @if let Some(p) = assessed { p { "Posture today: " strong class="score" { (pct(p.score_percent)) } " — " (counts_cell(Some(p.counts))) } }
        form method="post" action=(base) {
            (csrf_field(auth))
            div class="table-wrap" { table class="risk-assessment" {
                thead { tr { th scope="col" { "Requirement" } th scope="col" { "Status today" } th scope="col" { "Answer" } th scope="col" { "Owner" } th scope="col" { "Linked controls" } th scope="col" { "Note" } } }
                tbody { @for r in &framework.requirements {
                    @let a = answered(&r.id);
                    @let status = assessed.and_then(|p| p.requirements.iter().find(|x| x.requirement_id == r.id));
                    tr data-requirement=(r.id) {
                        th scope="row" { strong { (r.id) } " " (r.title) @if let Some(t) = &r.tier { br; span class="muted" { (t) } } @if let Some(t) = &r.text { br; span class="muted" { (t) } } }
                        td { @if let Some(s) = status { (status_badge(s.status)) br; span class="muted" { (reason_text(&s.reason)) } } @else { (status_badge(Status::NotAssessed)) } }
                        td {
                            label class="visually-hidden" for={"answer-" (r.id)} { "Answer for " (r.id) }
                            select id={"answer-" (r.id)} name={"answer." (r.id)} disabled[!editable] {
                                @for opt in Answer::ALL { option value=(opt.as_str()) selected[a.map_or(Answer::NotAssessed, |x| x.answer) == opt] { (opt.label()) } }
                            }
                        }
                        td { label class="visually-hidden" for={"owner-" (r.id)} { "Owner of " (r.id) } input type="text" id={"owner-" (r.id)} name={"owner." (r.id)} maxlength="2000" value=(a.and_then(|x| x.owner.clone()).unwrap_or_default()) disabled[!editable]; }
                        td { label class="visually-hidden" for={"controls-" (r.id)} { "Linked controls of " (r.id) } input type="text" id={"controls-" (r.id)} name={"controls." (r.id)} maxlength="2000" value=(a.and_then(|x| x.linked_controls.clone()).unwrap_or_default()) disabled[!editable]; }
                        td { label class="visually-hidden" for={"note-" (r.id)} { "Note on " (r.id) } input type="text" id={"note-" (r.id)} name={"note." (r.id)} maxlength="2000" value=(a.and_then(|x| x.note.clone()).unwrap_or_default()) disabled[!editable]; }
                    }
                } }
            } }
            @if editable { button type="submit" { "Save answers" } }
        }
        h2 id="evidence" { "Evidence" }
        p class="muted" { "A compliant or partial answer counts only while a piece of its evidence is in force (from its effective date until, not including, its expiry). Evidence is never edited: add newer evidence." }
        @if let Some(a) = assessment { @if !a.evidence.is_empty() {
            div class="table-wrap" { table class="risk-evidence" {
                thead { tr { th scope="col" { "Requirement" } th scope="col" { "Evidence" } th scope="col" { "Effective" } th scope="col" { "Expires" } th scope="col" { "In force today" } } }
                tbody { @for e in &a.evidence { tr {
                    td { (e.requirement_id) } td { (e.title) @if let Some(r) = &e.reference { br; span class="muted" { (r) } } }
                    td { (e.effective_on) } td { (e.expires_on) } td { @if e.effective_on <= today && today < e.expires_on { "yes" } @else { "no" } }
                } } }
            } }
        } }
        @if editable {
            form method="post" action={(base) "/evidence"} class="risk-evidence-form" {
                (csrf_field(auth))
                h3 { "Add evidence" }
                p { label for="evidence-requirement_id" { "Requirement" } br;
                    select id="evidence-requirement_id" name="requirement_id" { @for r in &framework.requirements { option value=(r.id) { (r.id) " " (r.title) } } } }
                p { label for="evidence-title" { "What it is" } br; input type="text" id="evidence-title" name="title" required maxlength="2000"; }
                p { label for="evidence-reference" { "Where it is (link or document reference, optional)" } br; input type="text" id="evidence-reference" name="reference" maxlength="2000"; }
                p { label for="evidence-effective_on" { "Effective on" } br; input type="date" id="evidence-effective_on" name="effective_on" required value=(today); }
                p { label for="evidence-expires_on" { "Expires on" } br; input type="date" id="evidence-expires_on" name="expires_on" required; }
                button type="submit" { "Add evidence" }
            }
        }
    };
    let back = format!("/orgs/{}/risk", org.id);
    let status = if form.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, layout(state, auth, &format!("{} — {}", framework.short_title, org.name.as_str()), Some(Back { href: &back, label: "Risk dashboard" }), content)).into_response()
}

#[allow(clippy::result_large_err)]
fn framework_or_404<'a>(state: &AppState, auth: &Auth, catalogue: &'a ward_risk::Catalogue, fw: &str) -> Result<&'a Framework, Response> {
    catalogue.framework(fw).ok_or_else(|| error_page(state, auth, StatusCode::NOT_FOUND, "Framework not found", "ward has no framework with that id."))
}

/// `GET /orgs/{id}/risk/frameworks/{framework}`.
pub async fn assessment(State(state): State<AppState>, auth: Auth, Path((id, fw)): Path<(String, String)>, Query(q): Query<OnQuery>) -> Response {
    let back = format!("/orgs/{}/risk/frameworks/{}", url_encode(&id), url_encode(&fw));
    let (org, editable) = match register_access(&state, &auth, &id, &back).await { Ok(x) => x, Err(r) => return r };
    let catalogue = match catalogue_or_error(&state, &auth) { Ok(c) => c, Err(r) => return r };
    let framework = match framework_or_404(&state, &auth, catalogue, &fw) { Ok(f) => f, Err(r) => return r };
    let notice = q.saved.as_deref().map(|s| if s == "evidence" { "Evidence added." } else { "Answers saved." });
    assessment_page(&state, &auth, &org, editable, framework, AssessmentForm { errors: Vec::new(), notice }).await
}

/// `POST /orgs/{id}/risk/frameworks/{framework}`: saves every answer of the form.
pub async fn save_answers(State(state): State<AppState>, auth: Auth, Path((id, fw)): Path<(String, String)>, req: Request) -> Response {
    let back = format!("/orgs/{}/risk/frameworks/{}", url_encode(&id), url_encode(&fw));
    let (org, pairs) = match writable_form(&state, &auth, &id, &back, req).await { Ok(x) => x, Err(r) => return r };
    let catalogue = match catalogue_or_error(&state, &auth) { Ok(c) => c, Err(r) => return r };
    let framework = match framework_or_404(&state, &auth, catalogue, &fw) { Ok(f) => f, Err(r) => return r };
    let mut errors = Vec::new();
    let mut updates = Vec::new();
    for (key, value) in &pairs {
        if key == "_csrf" {
            continue;
        }
        let Some((kind, rid)) = key.split_once('.') else {
            errors.push((key.clone(), "unknown field".to_owned()));
            continue;
        };
        if framework.requirement(rid).is_none() {
            errors.push((key.clone(), format!("{} has no requirement {rid:?}", framework.id)));
            continue;
        }
        if !matches!(kind, "answer" | "owner" | "controls" | "note") {
            errors.push((key.clone(), "unknown field".to_owned()));
            continue;
        }
        if kind != "answer" && form_value(&pairs, &format!("answer.{rid}")).is_none() {
            errors.push((key.clone(), format!("send answer.{rid} with it (nothing is saved without an answer)")));
        }
        if value.chars().count() > ward_store::risk::MAX_RISK_TEXT_CHARS {
            errors.push((key.clone(), format!("longer than {} characters", ward_store::risk::MAX_RISK_TEXT_CHARS)));
        }
        if kind == "answer" {
            match value.parse::<Answer>() {
                Ok(answer) => {
                    let text = |k: &str| form_value(&pairs, &format!("{k}.{rid}")).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
                    updates.push(AnswerUpdate { requirement_id: rid.to_owned(), answer, owner: text("owner"), linked_controls: text("controls"), note: text("note") });
                }
                Err(e) => errors.push((key.clone(), e)),
            }
        }
    }
    if !errors.is_empty() {
        let editable = true;
        return assessment_page(&state, &auth, &org, editable, framework, AssessmentForm { errors, notice: None }).await;
    }
    let now = Timestamp::now();
    if let Err(e) = state.store.save_risk_answers(org.id, &framework.id, &updates, auth.user.as_ref().map(|u| u.id), now).await {
        return store_error_page(&state, &auth, e);
    }
    if let Err(e) = rk::after_change(&state.store, org.id, false, now).await {
        return store_error_page(&state, &auth, e);
    }
    tracing::info!(org.id = %org.id, framework.id = %framework.id, answers = updates.len(), "assessment answers saved");
    Redirect::to(&format!("/orgs/{}/risk/frameworks/{}?saved=answers", org.id, framework.id)).into_response()
}

/// `POST /orgs/{id}/risk/frameworks/{framework}/evidence`.
pub async fn add_evidence(State(state): State<AppState>, auth: Auth, Path((id, fw)): Path<(String, String)>, req: Request) -> Response {
    let back = format!("/orgs/{}/risk/frameworks/{}", url_encode(&id), url_encode(&fw));
    let (org, pairs) = match writable_form(&state, &auth, &id, &back, req).await { Ok(x) => x, Err(r) => return r };
    let catalogue = match catalogue_or_error(&state, &auth) { Ok(c) => c, Err(r) => return r };
    let framework = match framework_or_404(&state, &auth, catalogue, &fw) { Ok(f) => f, Err(r) => return r };
    let mut errors: Vec<(String, String)> = Vec::new();
    let text = |k: &str| form_value(&pairs, k).map(str::trim).filter(|v| !v.is_empty());
    let requirement_id = text("requirement_id").unwrap_or("");
    if framework.requirement(requirement_id).is_none() {
        errors.push(("evidence.requirement_id".into(), format!("{} has no requirement {requirement_id:?}", framework.id)));
    }
    let title = text("title").unwrap_or("");
    if title.is_empty() {
        errors.push(("evidence.title".into(), "required".into()));
    }
    let mut date = |k: &str| match text(k).map(|v| v.parse::<Date>()) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            errors.push((format!("evidence.{k}"), "not a date (YYYY-MM-DD)".into()));
            None
        }
        None => {
            errors.push((format!("evidence.{k}"), "required".into()));
            None
        }
    };
    let effective_on = date("effective_on");
    let expires_on = date("expires_on");
    let (Some(effective_on), Some(expires_on), true) = (effective_on, expires_on, errors.is_empty()) else {
        return assessment_page(&state, &auth, &org, true, framework, AssessmentForm { errors, notice: None }).await;
    };
    let evidence = NewEvidence { requirement_id: requirement_id.to_owned(), title: title.to_owned(), reference: text("reference").map(str::to_owned), effective_on, expires_on };
    let now = Timestamp::now();
    match state.store.add_risk_evidence(org.id, &framework.id, &evidence, auth.user.as_ref().map(|u| u.id), now).await {
        Ok(_) => {}
        Err(StoreError::Invalid { field, reason }) => {
            return assessment_page(&state, &auth, &org, true, framework, AssessmentForm { errors: vec![(format!("evidence.{field}"), reason)], notice: None }).await
        }
        Err(e) => return store_error_page(&state, &auth, e),
    }
    if let Err(e) = rk::after_change(&state.store, org.id, false, now).await {
        return store_error_page(&state, &auth, e);
    }
    Redirect::to(&format!("/orgs/{}/risk/frameworks/{}?saved=evidence#evidence", org.id, framework.id)).into_response()
}

// ---- board report and export ---------------------------------------------------------------

/// `GET /orgs/{id}/risk/report`: the print-ready board report.
pub async fn report(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<OnQuery>) -> Response {
    let (org, _) = match register_access(&state, &auth, &id, &format!("/orgs/{}/risk/report", url_encode(&id))).await { Ok(x) => x, Err(r) => return r };
    let on = match parse_on(&q) { Ok(d) => d, Err(e) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Bad date", &e) };
    let risk = match load_risk(&state, &auth, &org, on).await { Ok(r) => r, Err(r) => return r };
    let soon = risk.going_stale();
    let stale = risk.stale();
    let ransomware_overdue = risk.findings.iter().filter(|f| f.known_ransomware && f.due_date < risk.today).count();
    let content = html! {
        article class="report risk-report" {
            p { "Board report of " strong { (org.name.as_str()) } " on " (risk.today) ". Every figure is computed on that day from the answers, the evidence in force and the open findings; inferred postures come through crosswalks that are ward's proposal." }
            h2 { "Summary" }
            ul {
                li { (risk.findings.len()) " open exposures to known exploited vulnerabilities, " (risk.findings.iter().filter(|f| f.due_date < risk.today).count()) " past their KEV due date (" (ransomware_overdue) " with known ransomware use)." }
                li { (stale.len()) " requirements stale (no evidence in force); " (soon.len()) " more go stale within " (rk::STALE_HORIZON_DAYS) " days." }
            }
            h2 { "Posture per framework" }
            table {
                thead { tr { th scope="col" { "Framework" } th scope="col" { "Score" } th scope="col" { "Basis" } th scope="col" { "Requirements" } th scope="col" { "90 days ago → now" } } }
                tbody { @for f in &risk.frameworks {
                    tr {
                        th scope="row" { (f.short_title) }
                        td { (pct(f.score_percent())) }
                        td { @if f.assessed.is_some() { "assessed" } @else if let Some(p) = &f.inferred { "inferred from " (p.inferred_from) } @else { "not assessed" } }
                        td { (counts_cell(f.counts())) }
                        td { @if let (Some(a), Some(b)) = (f.history.first(), f.history.last()) { (pct(a.score_percent)) " (" (a.day) ") → " (pct(b.score_percent)) " (" (b.day) ")" } @else { "—" } }
                    }
                } }
            }
            h2 { "Exposures by criticality" }
            (exposures(&risk))
            h2 { "Stale and soon stale" }
            ul { @for (fw, r) in &stale { li { (fw) " " (r.requirement_id) " " (r.title) ": " (reason_text(&r.reason)) } }
                 @for (fw, r, d) in &soon { li { (fw) " " (r.requirement_id) " " (r.title) ": stale from " (d) } } }
            (exercise_section(&state, &auth, org.id, "exercises-report").await)
            (culture_section(&state, &auth, org.id, "culture-report").await)
            p class="no-print muted" { "Print this page with the browser's print command: navigation and forms are left out of the printout." }
        }
    };
    let back = format!("/orgs/{}/risk", org.id);
    layout(&state, &auth, &format!("Board report: cyber risk, {}", org.name.as_str()), Some(Back { href: &back, label: "Risk dashboard" }), content).into_response()
}

/// `GET /orgs/{id}/risk/export.json`: every assessment as JSON.
pub async fn export_json(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<OnQuery>) -> Response {
    let (org, _) = match register_access(&state, &auth, &id, &format!("/orgs/{}/risk/export.json", url_encode(&id))).await { Ok(x) => x, Err(r) => return r };
    let on = match parse_on(&q) { Ok(d) => d, Err(e) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Bad date", &e) };
    let risk = match load_risk(&state, &auth, &org, on).await { Ok(r) => r, Err(r) => return r };
    let body = rk::export(&risk, org.name.as_str());
    let mut resp = axum::Json(body).into_response();
    let disposition = format!("attachment; filename=\"ward-risk-{}.json\"", risk.today);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

// ---- assets --------------------------------------------------------------------------------

fn asset_form(auth: &Auth, action: &str, values: &[(&str, String)], errors: &[ward_risk::FieldError], submit: &str) -> Markup {
    let value = |k: &str| values.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let error = |k: &str| errors.iter().find(|e| e.field == k).map(|e| e.reason.clone());
    let text_input = |k: &str, label: &str| html! {
        p { label for={"asset-" (k)} { (label) } br;
            @if let Some(e) = error(k) { span class="field-error" id={"asset-" (k) "-error"} { (e) } br; }
            input type="text" id={"asset-" (k)} name=(k) maxlength="500" value=(value(k)); }
    };
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" { h2 { "There is a problem" } ul { @for e in errors { li { a href={"#asset-" (e.field)} { (e.field) ": " (e.reason) } } } } }
        }
        form method="post" action=(action) class="asset-form" {
            (csrf_field(auth))
            (text_input("name", "Name"))
            p { label for="asset-kind" { "Kind" } br; select id="asset-kind" name="kind" { @for k in AssetKind::ALL { option value=(k.as_str()) selected[value("kind") == k.as_str()] { (k.label()) } } } }
            (text_input("manufacturer", "Manufacturer (vendor)"))
            (text_input("product", "Product or model"))
            (text_input("version", "Firmware or software version"))
            (text_input("cpe", "CPE 2.3 name, if known"))
            (text_input("network_segment", "Network segment"))
            (text_input("clinical_function", "Clinical function"))
            p { label for="asset-criticality" { "Criticality" } br; select id="asset-criticality" name="criticality" { @for c in Criticality::ALL { option value=(c.as_str()) selected[value("criticality") == c.as_str()] { (c.label()) } } } }
            p { label for="asset-internet_facing" { "Internet-facing" } br; select id="asset-internet_facing" name="internet_facing" { option value="no" selected[value("internet_facing") != "yes"] { "No" } option value="yes" selected[value("internet_facing") == "yes"] { "Yes" } } }
            (text_input("owner", "Owner"))
            (text_input("rto_hours", "Recovery time objective (hours)"))
            (text_input("rpo_hours", "Recovery point objective (hours)"))
            button type="submit" { (submit) }
        }
    }
}

/// `GET /orgs/{id}/assets`: the inventory, with a form to add an asset.
pub async fn assets(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let (org, editable) = match register_access(&state, &auth, &id, &format!("/orgs/{}/assets", url_encode(&id))).await { Ok(x) => x, Err(r) => return r };
    assets_page(&state, &auth, &org, editable, &[], &[]).await
}

async fn assets_page(state: &AppState, auth: &Auth, org: &Organisation, editable: bool, values: &[(&str, String)], errors: &[ward_risk::FieldError]) -> Response {
    let list = match state.store.list_assets(org.id).await { Ok(l) => l, Err(e) => return store_error_page(state, auth, e) };
    let findings = match state.store.list_findings(org.id, false).await { Ok(l) => l, Err(e) => return store_error_page(state, auth, e) };
    let base = format!("/orgs/{}/assets", org.id);
    let content = html! {
        p { (list.len()) " assets, most critical first. Import many at once with " code { "ward assets import --org ORG FILE.csv" } "." }
        @if !list.is_empty() {
            div class="table-wrap" { table class="asset-list" {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "Manufacturer / product / version" } th scope="col" { "Segment" } th scope="col" { "Clinical function" } th scope="col" { "Criticality" } th scope="col" { "RTO / RPO" } th scope="col" { "Open exposures" } } }
                tbody { @for a in &list {
                    @let n = findings.iter().filter(|f| f.asset_id == a.id).count();
                    tr {
                        th scope="row" { a href={(base) "/" (a.id)} { (a.asset.name) } @if a.asset.internet_facing { br; span class="muted" { "internet-facing" } } }
                        td { (a.asset.kind.label()) }
                        td { (a.asset.manufacturer.clone().unwrap_or_default()) " " (a.asset.product.clone().unwrap_or_default()) " " (a.asset.version.clone().unwrap_or_default()) @if let Some(c) = &a.asset.cpe { br; code { (c.as_str()) } } }
                        td { (a.asset.network_segment.clone().unwrap_or_default()) }
                        td { (a.asset.clinical_function.clone().unwrap_or_default()) }
                        td { (a.asset.criticality.label()) }
                        td { (a.asset.rto_hours.map(|h| format!("{h} h")).unwrap_or_else(|| "—".into())) " / " (a.asset.rpo_hours.map(|h| format!("{h} h")).unwrap_or_else(|| "—".into())) }
                        td { (n) }
                    }
                } }
            } }
        }
        @if editable {
            h2 { "Add an asset" }
            (asset_form(auth, &base, values, errors, "Add asset"))
        }
    };
    let back = format!("/orgs/{}/risk", org.id);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, layout(state, auth, &format!("Asset inventory: {}", org.name.as_str()), Some(Back { href: &back, label: "Risk dashboard" }), content)).into_response()
}

fn draft_from_pairs(pairs: &[(String, String)]) -> Result<AssetDraft, Vec<ward_risk::FieldError>> {
    AssetDraft::from_fields(|f| form_value(pairs, f))
}

fn echo(pairs: &[(String, String)]) -> Vec<(&'static str, String)> {
    ward_risk::assets::ASSET_FIELDS.iter().map(|f| (*f, form_value(pairs, f).unwrap_or("").to_owned())).collect()
}

/// `POST /orgs/{id}/assets`: adds an asset.
pub async fn create_asset(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let back = format!("/orgs/{}/assets", url_encode(&id));
    let (org, pairs) = match writable_form(&state, &auth, &id, &back, req).await { Ok(x) => x, Err(r) => return r };
    let draft = match draft_from_pairs(&pairs) { Ok(d) => d, Err(errors) => return assets_page(&state, &auth, &org, true, &echo(&pairs), &errors).await };
    let now = Timestamp::now();
    match state.store.create_asset(org.id, &draft, now).await {
        Ok(_) => {}
        Err(StoreError::Duplicate { .. }) => {
            let errors = [ward_risk::FieldError { field: "name".into(), reason: "an asset of this organisation already has this name".into() }];
            return assets_page(&state, &auth, &org, true, &echo(&pairs), &errors).await;
        }
        Err(e) => return store_error_page(&state, &auth, e),
    }
    if let Err(e) = rk::after_change(&state.store, org.id, true, now).await {
        return store_error_page(&state, &auth, e);
    }
    Redirect::to(&format!("/orgs/{}/assets", org.id)).into_response()
}

async fn asset_edit_page(state: &AppState, auth: &Auth, org: &Organisation, editable: bool, asset_id: uuid::Uuid, values: &[(&str, String)], errors: &[ward_risk::FieldError]) -> Response {
    let action = format!("/orgs/{}/assets/{}", org.id, asset_id);
    let content = html! {
        @if editable { (asset_form(auth, &action, values, errors, "Save asset")) } @else {
            dl class="asset-detail" { @for (k, v) in values { dt { (k) } dd { (v) } } }
        }
    };
    let back = format!("/orgs/{}/assets", org.id);
    let title = values.iter().find(|(k, _)| *k == "name").map(|(_, v)| v.clone()).unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, layout(state, auth, &format!("Asset: {title}"), Some(Back { href: &back, label: "Asset inventory" }), content)).into_response()
}

/// `GET /orgs/{id}/assets/{asset}`: one asset (a form for those who may change it).
pub async fn asset(State(state): State<AppState>, auth: Auth, Path((id, asset)): Path<(String, String)>) -> Response {
    let (org, editable) = match register_access(&state, &auth, &id, &format!("/orgs/{}/assets/{}", url_encode(&id), url_encode(&asset))).await { Ok(x) => x, Err(r) => return r };
    let not_found = || error_page(&state, &auth, StatusCode::NOT_FOUND, "Asset not found", "There is no such asset in this inventory.");
    let Ok(asset_id) = asset.parse::<uuid::Uuid>() else { return not_found() };
    match state.store.get_asset(org.id, asset_id).await {
        Ok(Some(a)) => {
            let values = a.asset.to_fields();
            asset_edit_page(&state, &auth, &org, editable, asset_id, &values, &[]).await
        }
        Ok(None) => not_found(),
        Err(e) => store_error_page(&state, &auth, e),
    }
}

/// `POST /orgs/{id}/assets/{asset}`: saves an asset.
pub async fn update_asset(State(state): State<AppState>, auth: Auth, Path((id, asset)): Path<(String, String)>, req: Request) -> Response {
    let back = format!("/orgs/{}/assets/{}", url_encode(&id), url_encode(&asset));
    let (org, pairs) = match writable_form(&state, &auth, &id, &back, req).await { Ok(x) => x, Err(r) => return r };
    let Ok(asset_id) = asset.parse::<uuid::Uuid>() else { return error_page(&state, &auth, StatusCode::NOT_FOUND, "Asset not found", "There is no such asset in this inventory.") };
    let draft = match draft_from_pairs(&pairs) { Ok(d) => d, Err(errors) => return asset_edit_page(&state, &auth, &org, true, asset_id, &echo(&pairs), &errors).await };
    let now = Timestamp::now();
    match state.store.update_asset(org.id, asset_id, &draft, now).await {
        Ok(()) => {}
        Err(StoreError::Duplicate { .. }) => {
            let errors = [ward_risk::FieldError { field: "name".into(), reason: "an asset of this organisation already has this name".into() }];
            return asset_edit_page(&state, &auth, &org, true, asset_id, &echo(&pairs), &errors).await;
        }
        Err(StoreError::NotFound) => return error_page(&state, &auth, StatusCode::NOT_FOUND, "Asset not found", "There is no such asset in this inventory."),
        Err(e) => return store_error_page(&state, &auth, e),
    }
    if let Err(e) = rk::after_change(&state.store, org.id, true, now).await {
        return store_error_page(&state, &auth, e);
    }
    Redirect::to(&format!("/orgs/{}/assets", org.id)).into_response()
}

/// The open improvement items of the organisation's tabletop exercises, each with the
/// requirement it is linked to: what the exercises found, next to the posture it affects.
async fn exercise_section(state: &AppState, auth: &Auth, org: OrgId, id: &str) -> maud::Markup {
    if !decide(&auth.principal, Action::Read, Resource::Exercises { org_id: org }).is_allowed() {
        return html! {};
    }
    let Ok(items) = state.store.improvements(org, None).await else {
        return html! { p class="muted" { "The exercise improvement items could not be read just now." } };
    };
    let open: Vec<_> = items.iter().filter(|i| i.status == "open").collect();
    html! {
        section id=(id) class="exercise-improvements" {
            h2 { "Improvement items from exercises" }
            @if open.is_empty() { p class="muted" { "No open improvement item. " a class="no-print" href="/exercises" { "Run an exercise" } } }
            @else {
                table { thead { tr { th { "Item" } th { "Owner" } th { "Due" } th { "Requirement" } } }
                    tbody { @for i in &open { tr {
                        td { a href={"/exercises/" (i.run_id) "/report"} { (i.text) } }
                        td { (i.owner) }
                        td { (i.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                        td { @match i.control.as_deref().and_then(|c| c.split_once('/')) {
                            Some((fw, req)) => { a href={"/orgs/" (org) "/risk/frameworks/" (fw)} { (fw) " " (req) } }
                            None => { "—" }
                        } }
                    } } }
                }
            }
        }
    }
}

/// The culture-of-resilience metrics (reporting, triage times, lessons) for readers who may see
/// the organisation's reports; nothing for others.
async fn culture_section(state: &AppState, auth: &Auth, org: OrgId, id: &str) -> maud::Markup {
    if !decide(&auth.principal, Action::Read, Resource::CultureReports { org_id: org }).is_allowed() {
        return html! {};
    }
    match super::culture::metrics_section(state, org).await {
        Ok(section) => html! { section id=(id) class="culture-metrics" { h2 { "Culture of resilience" } (section) } },
        Err(_) => html! { p class="muted" { "The culture metrics could not be read just now." } },
    }
}
