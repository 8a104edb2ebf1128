//! `/exercises`: tabletop exercises run live in ward.
//!
//! - `/exercises`: the organisation's runs (history with the key metrics, per scenario) and the
//!   shipped scenarios; facilitators start a new run.
//! - `/exercises/scenarios/{id}`: a scenario's facilitator guide.
//! - `/exercises/{id}`: the facilitator's view — the clock, start/pause/advance/finish, injects
//!   to release, expectations to mark, observations, the obligations ticking in story time.
//! - `/exercises/{id}/play/{role}`: a participant's view — the injects for the role as they
//!   arrive, decisions to take, actions to record.
//! - `/exercises/{id}/room`: the room's shared screen — every inject out, decisions, obligations.
//! - `/exercises/{id}/live`: the changing part of any view as an HTML fragment; the pages
//!   reload it when `/exercises/{id}/events` (server-sent events) says something changed.
//!   Without JavaScript the pages refresh themselves every 30 seconds.
//! - `/exercises/{id}/report` and `/report.json`: the after-action report; improvement items
//!   linked to risk-module requirements are added there.
//!
//! Access: `Resource::Exercises` (read: members; facilitate: analysts and administrators) and
//! `Resource::ExercisePlay` (every member plays), decided here before any store read.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jiff::Timestamp;
use maud::{html, Markup};
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::OrgId;
use ward_exercise::duration::human;
use ward_exercise::run::{EventKind, ExpectationStatus, RunState, Status};
use ward_exercise::scenario::{self, ActionKind, Role, Scenario};
use ward_exercise::{after_action, after_action_with, metrics_with, timeline, ScenarioDuration};
use ward_store::{NewImprovement, StoreError, MAX_EXERCISE_TEXT_CHARS};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::exercises::{self as ex, Loaded, RecordError};
use crate::AppState;

/// How long one server-sent-events connection stays open; the browser reconnects by itself,
/// so a shutting-down server waits at most this long for a listener.
const SSE_CONNECTION_SECONDS: u32 = 25;
/// Seconds between refreshes of a page without JavaScript.
const NOSCRIPT_REFRESH_SECONDS: u32 = 30;
/// Choices of the facilitator's "advance the clock" control.
const ADVANCE_CHOICES: [(&str, &str); 7] =
    [("PT5M", "5 minutes"), ("PT15M", "15 minutes"), ("PT1H", "1 hour"), ("PT4H", "4 hours"), ("PT12H", "12 hours"), ("P1D", "1 day"), ("next", "to the next inject")];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exercises", get(list).post(create))
        .route("/exercises/scenarios/{id}", get(scenario_page))
        .route("/exercises/{id}", get(facilitator))
        .route("/exercises/{id}/control", post(control))
        .route("/exercises/{id}/play/{role}", get(play).post(play_submit))
        .route("/exercises/{id}/room", get(room))
        .route("/exercises/{id}/live", get(live))
        .route("/exercises/{id}/events", get(events))
        .route("/exercises/{id}/report", get(report))
        .route("/exercises/{id}/report.json", get(report_json))
        .route("/exercises/{id}/improvements", post(improvements))
}

// ---------------------------------------------------------------- access

fn unavailable(state: &AppState, auth: &Auth) -> Response {
    error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The exercise could not be read.")
}

fn not_found(state: &AppState, auth: &Auth) -> Response {
    error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is no such exercise.")
}

/// The run's organisation, after the policy allowed `action` on `resource(org)`; a denied
/// read answers 404, as if the run did not exist.
async fn authorise(state: &AppState, auth: &Auth, run_id: &str, action: Action, play: bool, path: &str) -> Result<OrgId, Response> {
    if auth.user.is_none() {
        return Err(to_login(path));
    }
    let org = match state.store.exercise_run_owner(run_id).await {
        Ok(Some(org)) => org,
        Ok(None) => return Err(not_found(state, auth)),
        Err(_) => return Err(unavailable(state, auth)),
    };
    // Reading is needed for everything; hidden means 404.
    if !decide(&auth.principal, Action::Read, Resource::Exercises { org_id: org }).is_allowed() {
        return Err(not_found(state, auth));
    }
    let resource = if play { Resource::ExercisePlay { org_id: org } } else { Resource::Exercises { org_id: org } };
    match decide(&auth.principal, action, resource) {
        Decision::Allow => Ok(org),
        Decision::Deny { hide: true, .. } => Err(not_found(state, auth)),
        Decision::Deny { reason, .. } => Err(error_page(state, auth, StatusCode::FORBIDDEN, "Not allowed", reason)),
    }
}

fn can_facilitate(auth: &Auth, org: OrgId) -> bool {
    decide(&auth.principal, Action::Update, Resource::Exercises { org_id: org }).is_allowed()
}

fn who(auth: &Auth) -> Option<String> {
    auth.user.as_ref().map(|u| u.email.to_string())
}

/// Reads a POST form with its CSRF token; the error response names the problem.
async fn checked_form(state: &AppState, auth: &Auth, req: Request) -> Result<Vec<(String, String)>, Response> {
    let pairs = read_form(req).await.map_err(|e| error_page(state, auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e))?;
    if !csrf_ok(auth, &pairs) {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit it again."));
    }
    Ok(pairs)
}

fn refused(state: &AppState, auth: &Auth, e: RecordError) -> Response {
    match e {
        RecordError::Refused(p) => error_page(state, auth, StatusCode::UNPROCESSABLE_ENTITY, "Not recorded", &p.to_string()),
        RecordError::NotFound => not_found(state, auth),
        RecordError::Store(_) => unavailable(state, auth),
    }
}

/// Authorises `action` on the run and reads the POST form with its CSRF token.
async fn authorised_form(state: &AppState, auth: &Auth, run_id: &str, action: Action, play: bool, path: &str, req: Request) -> Result<(OrgId, Vec<(String, String)>), Response> {
    let org = authorise(state, auth, run_id, action, play, path).await?;
    let pairs = checked_form(state, auth, req).await?;
    Ok((org, pairs))
}

/// Authorises reading the run and loads it with the injects that came due by now.
async fn authorised_run(state: &AppState, auth: &Auth, run_id: &str, path: &str) -> Result<(OrgId, Loaded, Timestamp), Response> {
    let org = authorise(state, auth, run_id, Action::Read, false, path).await?;
    let now = Timestamp::now();
    match ex::sync(state, org, run_id, now).await {
        Ok(Some(l)) => Ok((org, l, now)),
        Ok(None) => Err(not_found(state, auth)),
        Err(_) => Err(unavailable(state, auth)),
    }
}

// ---------------------------------------------------------------- list and create

pub async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(user) = &auth.user else { return to_login("/exercises") };
    let org = q.get("org").and_then(|o| o.parse::<OrgId>().ok()).unwrap_or(user.org_id);
    if !decide(&auth.principal, Action::Read, Resource::Exercises { org_id: org }).is_allowed() {
        return not_found(&state, &auth);
    }
    let facilitate = can_facilitate(&auth, org);
    let Ok(runs) = state.store.exercise_runs(org).await else { return unavailable(&state, &auth) };
    let scenarios = scenario::embedded().map(<[Scenario]>::to_vec).unwrap_or_default();
    let title_of = |id: &str| scenarios.iter().find(|s| s.id == id).map_or(id.to_owned(), |s| s.title.clone());
    let summary = |r: &ward_store::ExerciseRun| r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let secs = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64).map_or("—".to_owned(), human);
    let content = html! {
        @if let Some(msg) = q.get("done") { p class="notice" role="status" { (msg) } }
        p class="lead" { "Rehearse a cyber attack before it happens: who declares downtime, who diverts ambulances, who sends the 24-hour early warning, who tells the wards. "
            "A facilitator runs a scenario; each participant follows their role on their own screen or the room's; ward keeps the clock, scores the expected actions, shows the real reporting deadlines and writes the after-action report." }
        h2 { "Runs" }
        @if runs.is_empty() {
            p { "No exercise has been run yet." }
        } @else {
            div class="table-wrap" { table class="exercise-history" {
                thead { tr { th { "Run" } th { "Scenario" } th { "Started" } th { "Status" } th { "Escalation" } th { "Downtime declared" } th { "First notification" } th { "Expected actions met" } } }
                tbody { @for r in &runs {
                    @let s = summary(r);
                    tr {
                        td { a href={"/exercises/" (r.id)} { (r.title) } }
                        td { (title_of(&r.scenario_id)) " (v" (r.scenario_version) ")" }
                        td { (r.created_at.strftime("%Y-%m-%d %H:%M UTC")) }
                        td { span class="status" { (r.status.replace('_', " ")) } }
                        @if let Some(s) = &s {
                            td { (secs(s, "time_to_escalate_seconds")) }
                            td { (secs(s, "time_to_downtime_seconds")) }
                            td { (secs(s, "time_to_first_notification_seconds")) }
                            td { (s.get("expectations_met_percent").and_then(serde_json::Value::as_f64).map_or("—".to_owned(), |p| format!("{p:.1} %"))) }
                        } @else { td colspan="4" class="muted" { "measured at the finish" } }
                    }
                } }
            } }
            p class="muted" { "Times are story time from the moment the hospital became aware. Compare runs of the same scenario to see improvement." }
        }
        h2 { "Scenarios" }
        @for s in &scenarios {
            section class="scenario" {
                h3 { a href={"/exercises/scenarios/" (s.id)} { (s.title) } }
                p { (s.summary) }
                p class="muted" { (s.injects.len()) " injects · " (s.roles.len()) " roles · about " (s.duration_minutes) " minutes · " (s.organisation.country) }
                @if facilitate {
                    form method="post" action="/exercises" class="inline" {
                        (csrf_field(&auth))
                        input type="hidden" name="org" value=(org);
                        input type="hidden" name="scenario" value=(s.id);
                        label { "Run title " input name="title" required maxlength=(MAX_EXERCISE_TEXT_CHARS) value={(s.title) " — " (Timestamp::now().strftime("%Y-%m-%d"))}; }
                        button type="submit" class="primary" { "Set up a run" }
                    }
                }
            }
        }
    };
    layout(&state, &auth, "Exercises", None, content).into_response()
}

pub async fn create(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login("/exercises") };
    let pairs = match checked_form(&state, &auth, req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let v = |k: &str| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let org = v("org").parse::<OrgId>().unwrap_or(user.org_id);
    match decide(&auth.principal, Action::Create, Resource::Exercises { org_id: org }) {
        Decision::Allow => {}
        Decision::Deny { hide: true, .. } => return not_found(&state, &auth),
        Decision::Deny { reason, .. } => return error_page(&state, &auth, StatusCode::FORBIDDEN, "Not allowed", reason),
    }
    let bad = |msg: &str| error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not set up", msg);
    let Some(s) = scenario::find(&v("scenario")) else { return bad("scenario: not a shipped scenario") };
    let title = v("title");
    if title.is_empty() || title.chars().count() > MAX_EXERCISE_TEXT_CHARS {
        return bad(&format!("title: 1 to {MAX_EXERCISE_TEXT_CHARS} characters"));
    }
    let now = Timestamp::now();
    // The story starts now unless the facilitator gives a start (RFC 3339, e.g. a Saturday night).
    let origin = match v("origin").as_str() {
        "" => now,
        o => match o.parse::<Timestamp>() {
            Ok(t) => t,
            Err(_) => return bad("origin: an instant such as 2026-06-06T02:10:00+02:00"),
        },
    };
    match state.store.create_exercise_run(org, &s.id, s.version, &title, origin, Some(user.id), now).await {
        Ok(run) => Redirect::to(&format!("/exercises/{}", run.id)).into_response(),
        Err(StoreError::Invalid { field, reason }) => bad(&format!("{field}: {reason}")),
        Err(_) => unavailable(&state, &auth),
    }
}

pub async fn scenario_page(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/exercises/scenarios/{id}"));
    }
    let Some(s) = scenario::find(&id) else { return error_page(&state, &auth, StatusCode::NOT_FOUND, "Not found", "There is no such scenario.") };
    let content = html! {
        p class="lead" { (s.summary) }
        h2 { "Narrative" } p { (s.narrative) }
        h2 { "Organisation" }
        p { (s.organisation.description) }
        p class="muted" { (s.organisation.beds) " beds · " (s.organisation.admissions_per_day) " admissions a day · " (s.organisation.setting) " · " (s.organisation.time_zone) }
        h2 { "Objectives" }
        ul { @for o in &s.objectives { li { strong { (o.id) } " " (o.text) " (target " (o.target) ")" } } }
        h2 { "Roles" }
        dl { @for r in &s.roles { dt { (r.role.label()) } dd { (r.brief) } } }
        h2 { "Injects" }
        @for i in &s.injects {
            section class="inject" {
                h3 { (i.at.to_string()) " · " (i.title) }
                p class="muted" { (phase_label(i.phase)) " · " (i.channel.replace('_', " ")) " from " (i.from) " · to " (audience_text(i)) }
                @if let Some(c) = &i.when { p { em { "Only if: " (condition_text(c)) } } }
                p { (i.content) }
                @if !i.expectations.is_empty() {
                    ul { @for e in &i.expectations { li { strong { (e.role.label()) } ": " (e.text) " — within " (human(e.within.seconds())) } } }
                }
                @if let Some(d) = &i.decision { p { strong { "Decision (" (d.role.label()) "): " } (d.question) } }
                @if let Some(n) = &i.facilitator_notes { p class="muted" { "Facilitator: " (n) } }
            }
        }
        h2 { "Sources" }
        ul { @for r in &s.references { li { a href=(r.url) rel="noopener noreferrer" { (r.title) } } } }
    };
    layout(&state, &auth, &s.title, Some(Back { href: "/exercises", label: "Exercises" }), content).into_response()
}

// ---------------------------------------------------------------- shared rendering

fn phase_label(p: scenario::Phase) -> &'static str {
    match p {
        scenario::Phase::Immediate => "Immediate (0–2 h)",
        scenario::Phase::Intermediate => "Intermediate (2–12 h)",
        scenario::Phase::Extended => "Extended",
        scenario::Phase::Recovery => "Recovery",
    }
}

fn audience_text(i: &scenario::Inject) -> String {
    if i.audience.is_empty() { "everyone".to_owned() } else { i.audience.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ") }
}

fn condition_text(c: &scenario::Condition) -> String {
    match c {
        scenario::Condition::DecisionIn { decision, options } => format!("decision {decision} was {}", options.join(" or ")),
        scenario::Condition::DecisionPending { decision } => format!("decision {decision} has not been taken"),
        scenario::Condition::ExpectationMet { expectation } => format!("{expectation} was met in time"),
        scenario::Condition::ExpectationNotMet { expectation } => format!("{expectation} was not met in time"),
    }
}

fn expectation_class(s: ExpectationStatus) -> &'static str {
    match s {
        ExpectationStatus::Met => "status status-submitted_on_time",
        ExpectationStatus::Late => "status status-submitted_late",
        ExpectationStatus::Missed => "status status-overdue",
        ExpectationStatus::Pending => "status status-owed",
        _ => "status status-advisory",
    }
}

/// The clock line: scenario time, the story's local time, the run's state. `data-*` lets the
/// script keep it ticking between updates.
fn clock(st: &RunState<'_>, now: Timestamp) -> Markup {
    let t = st.scenario_now(now);
    let tz = jiff::tz::TimeZone::get(&st.scenario.organisation.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let story = st.story_instant(t).to_zoned(tz);
    html! {
        p class="exercise-clock" data-seconds=(t.seconds()) data-running=(if st.status == Status::Running { "1" } else { "0" }) {
            strong class="clock-t" { (t.to_string()) }
            " · story time " span class="clock-story" { (story.strftime("%a %d %b %H:%M")) } " (" (st.scenario.organisation.time_zone) ")"
            " · " span class="status" { (st.status.label()) }
        }
    }
}

/// The obligations of the scenario's incident at `now` (the caller evaluates them once per page).
fn current_obligations(st: &RunState<'_>, now: Timestamp) -> Vec<ward_rules::Obligation> {
    st.obligations(st.scenario_now(now)).unwrap_or_default()
}

/// The obligations of the scenario's incident, ticking in story time.
fn obligations_table(st: &RunState<'_>, now: Timestamp, obligations: &[ward_rules::Obligation]) -> Markup {
    let t = st.scenario_now(now);
    let story_now = st.story_instant(t);
    html! {
        @if st.awareness_at().is_none_or(|a| a > t) {
            p class="muted" { "The reporting clocks start when the hospital becomes aware of the incident." }
        } @else if obligations.is_empty() {
            p class="muted" { "The reporting engine finds no obligation for the facts so far." }
        } @else {
            div class="table-wrap" { table class="obligations exercise-obligations" {
                thead { tr { th { "Report" } th { "To" } th { "Due (story time)" } th { "Status" } } }
                tbody { @for o in obligations {
                    tr {
                        td { (o.regime_title) ": " (o.stage_title) br; span class="muted" { (o.citation) } }
                        td { (o.recipient_name) }
                        td {
                            @if let Some(d) = &o.due_at {
                                (d.strftime("%a %d %b %H:%M %Z")) br;
                                span class="countdown" { (super::obligations::countdown_text(d.timestamp(), story_now)) }
                                " · " span class="muted" { (o.due_basis) }
                            } @else {
                                (o.deadline_label.clone().unwrap_or_else(|| o.due_basis.clone()))
                            }
                        }
                        td { span class={"status status-" (o.status.as_str())} { (o.status.as_str().replace('_', " ")) } }
                    }
                } }
            } }
        }
    }
}

fn injects_for<'s>(st: &RunState<'s>, role: Option<Role>) -> Vec<(&'s scenario::Inject, ScenarioDuration, bool)> {
    let mut out: Vec<_> = st
        .scenario
        .injects
        .iter()
        .filter_map(|i| st.released.get(&i.id).map(|(at, manual)| (i, *at, *manual)))
        .filter(|(i, _, _)| role.is_none_or(|r| i.audience.is_empty() || i.audience.contains(&r)))
        .collect();
    out.sort_by_key(|(_, at, _)| std::cmp::Reverse(*at));
    out
}

/// The changing part of the facilitator's view.
fn facilitator_live(auth: &Auth, loaded: &Loaded, now: Timestamp) -> Markup {
    let st = loaded.state();
    let t = st.scenario_now(now);
    let facilitate = can_facilitate(auth, loaded.run.org_id);
    let id = &loaded.run.id;
    let obligations = current_obligations(&st, now);
    let m = metrics_with(&st, now, &obligations);
    let live = matches!(st.status, Status::Running | Status::Paused);
    html! {
        (clock(&st, now))
        div class="tiles" {
            div class="tile" { span class="tile-value" { (m.time_to_escalate_seconds.map_or("—".into(), human)) } span class="tile-label" { "Time to escalate" } }
            div class="tile" { span class="tile-value" { (m.time_to_downtime_seconds.map_or("—".into(), human)) } span class="tile-label" { "Time to downtime procedures" } }
            div class="tile" { span class="tile-value" { (m.time_to_first_notification_seconds.map_or("—".into(), human)) } span class="tile-label" { "Time to first notification" }
                @if let Some(d) = m.first_deadline_seconds { span class="tile-coverage" { "deadline " (human(d)) } } }
            div class="tile" { span class="tile-value" { (m.expectations.met) " / " (m.expectations.scored()) } span class="tile-label" { "Expected actions met in time" } }
        }
        h2 { "Injects" }
        div class="table-wrap" { table class="exercise-injects" {
            thead { tr { th { "Time" } th { "Inject" } th { "To" } th { "State" } } }
            tbody { @for i in &st.scenario.injects {
                tr id={"inject-" (i.id)} {
                    td { (i.at.to_string()) }
                    td { strong { (i.title) } @if let Some(c) = &i.when { br; span class="muted" { "only if " (condition_text(c)) } } }
                    td { (audience_text(i)) }
                    td {
                        @if let Some((at, manual)) = st.released.get(&i.id) {
                            span class="status status-submitted_on_time" { "out at " (at.to_string()) } @if *manual { " (released early)" }
                        } @else if st.skipped.contains(&i.id) {
                            span class="status status-advisory" { "skipped: condition did not hold" }
                        } @else {
                            span class="status" { "due at " (i.at.to_string()) }
                            @if facilitate && live {
                                form method="post" action={"/exercises/" (id) "/control"} class="inline" {
                                    (csrf_field(auth))
                                    input type="hidden" name="op" value="release";
                                    input type="hidden" name="inject" value=(i.id);
                                    button type="submit" { "Release now" }
                                }
                            }
                        }
                    }
                }
            } }
        } }
        h2 { "Reporting obligations" }
        (obligations_table(&st, now, &obligations))
        h2 { "Expected actions" }
        div class="table-wrap" { table class="exercise-expectations" {
            thead { tr { th { "Role" } th { "Expected" } th { "Window" } th { "State" } } }
            tbody { @for (inj, e) in st.scenario.expectations() {
                @let r = st.expectation(&e.id, t);
                tr id={"expectation-" (e.id)} {
                    td { (e.role.label()) }
                    td { (e.text) br; span class="muted" { "after " (inj.title) } }
                    td { @if let (Some(a), Some(d)) = (r.released_at, r.due_at) { (a.to_string()) " – " (d.to_string()) } @else { "within " (human(e.within.seconds())) } }
                    td {
                        span class=(expectation_class(r.status)) { (r.status.label()) }
                        @if let Some(n) = &r.override_note { br; span class="muted" { "marked: " (n) } }
                        @if facilitate && st.status != Status::NotStarted && r.status != ExpectationStatus::NotReleased {
                            form method="post" action={"/exercises/" (id) "/control"} class="inline" {
                                (csrf_field(auth))
                                input type="hidden" name="op" value="mark";
                                input type="hidden" name="expectation" value=(e.id);
                                input type="text" name="note" maxlength="2000" placeholder="why" aria-label={"Note for " (e.id)};
                                button type="submit" name="met" value="1" { "Met" }
                                button type="submit" name="met" value="0" { "Missed" }
                            }
                        }
                    }
                }
            } }
        } }
        h2 { "Decisions" }
        ul { @for (_, d) in st.scenario.decisions() {
            li { strong { (d.role.label()) ": " } (d.question) " — "
                @match st.decisions.get(&d.id) {
                    Some((option, _, rationale, at)) => {
                        @let label = d.options.iter().find(|o| &o.id == option).map_or(option.as_str(), |o| o.label.as_str());
                        strong { (label) } " at " (at.to_string()) @if !rationale.is_empty() { " (" (rationale) ")" }
                        @if let Some(c) = d.options.iter().find(|o| &o.id == option).and_then(|o| o.consequence.as_ref()) { br; em { "Consequence to tell the room: " (c) } }
                    }
                    None => { span class="muted" { "not taken" } }
                }
            }
        } }
        h2 { "Log" }
        ol class="exercise-log" reversed { @for e in timeline(&st).iter().rev().take(40) {
            li { (e.scenario_at.to_string()) " · " @if let Some(r) = e.role { strong { (r.label()) ": " } } (e.text) }
        } }
    }
}

/// The changing part of the room's screen: every inject out so far with its content, the
/// decisions taken and the obligations — what a room with one shared screen follows.
fn room_live(loaded: &Loaded, now: Timestamp) -> Markup {
    let st = loaded.state();
    let obligations = current_obligations(&st, now);
    html! {
        (clock(&st, now))
        @if st.status == Status::NotStarted { p class="notice" { "The exercise has not started yet. This screen updates by itself." } }
        h2 { "Injects" }
        @let injects = injects_for(&st, None);
        @if injects.is_empty() { p class="muted" { "Nothing yet." } }
        @for (i, at, _) in &injects {
            article class="inject" id={"inject-" (i.id)} {
                h3 { (at.to_string()) " · " (i.title) }
                p class="muted" { (i.channel.replace('_', " ")) " from " (i.from) " · to " (audience_text(i)) }
                p { (i.content) }
            }
        }
        h2 { "Decisions" }
        ul { @for (i, d) in st.scenario.decisions().filter(|(i, _)| st.released.contains_key(&i.id)) {
            li { strong { (d.role.label()) ": " } (d.question) " — "
                @match st.decisions.get(&d.id).and_then(|(o, _, _, at)| d.options.iter().find(|x| &x.id == o).map(|x| (x, at))) {
                    Some((o, at)) => { strong { (o.label) } " at " (at.to_string()) }
                    None => { span class="muted" { "open (" (i.title) ")" } }
                }
            }
        } }
        h2 { "Reporting obligations" }
        (obligations_table(&st, now, &obligations))
    }
}

/// The changing part of a participant's view.
fn play_live(auth: &Auth, loaded: &Loaded, role: Role, now: Timestamp) -> Markup {
    let st = loaded.state();
    let id = &loaded.run.id;
    let live = matches!(st.status, Status::Running | Status::Paused);
    let mine: Vec<_> = st.events.iter().filter(|e| matches!(&e.kind, EventKind::Action { role: r, .. } | EventKind::Decided { role: r, .. } if *r == role)).collect();
    let obligations = current_obligations(&st, now);
    html! {
        (clock(&st, now))
        @if st.status == Status::NotStarted { p class="notice" { "The facilitator has not started the exercise yet. This page updates by itself." } }
        @if st.status == Status::Finished { p class="notice" { "The exercise is over. " a href={"/exercises/" (id) "/report"} { "Read the after-action report" } } }
        @for (_, d) in st.scenario.decisions().filter(|(i, d)| d.role == role && st.released.contains_key(&i.id) && !st.decisions.contains_key(&d.id)) {
            @if live {
                form method="post" action={"/exercises/" (id) "/play/" (role.as_str())} class="decision" {
                    (csrf_field(auth))
                    input type="hidden" name="kind" value="decision";
                    input type="hidden" name="decision" value=(d.id);
                    fieldset { legend { "Decide: " (d.question) }
                        @for o in &d.options {
                            label class="choice" { input type="radio" name="option" value=(o.id) required; " " (o.label) }
                        }
                        label for={"rationale-" (d.id)} { "Why (optional)" }
                        textarea id={"rationale-" (d.id)} name="rationale" maxlength="2000" rows="2" {}
                        div class="actions" { button type="submit" class="primary" { "Record the decision" } }
                    }
                }
            }
        }
        h2 { "What has reached you" }
        @let injects = injects_for(&st, Some(role));
        @if injects.is_empty() { p class="muted" { "Nothing yet." } }
        @for (i, at, _) in &injects {
            article class="inject" id={"inject-" (i.id)} {
                h3 { (at.to_string()) " · " (i.title) }
                p class="muted" { (i.channel.replace('_', " ")) " from " (i.from) }
                p { (i.content) }
            }
        }
        h2 { "Reporting obligations" }
        (obligations_table(&st, now, &obligations))
        h2 { "What you recorded" }
        @if mine.is_empty() { p class="muted" { "Nothing yet." } }
        ul { @for e in &mine {
            li { (e.scenario_at.to_string()) " · "
                @match &e.kind {
                    EventKind::Action { action, text, .. } => { (action.label()) @if !text.is_empty() { ": " (text) } }
                    EventKind::Decided { decision, option, .. } => { "Decision " (decision) ": " (option) }
                    _ => {}
                }
            }
        } }
    }
}

fn live_script() -> Markup {
    html! {
        noscript { meta http-equiv="refresh" content=(NOSCRIPT_REFRESH_SECONDS); }
        script src="/assets/exercise.js" defer {}
    }
}

// ---------------------------------------------------------------- facilitator

pub async fn facilitator(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let path = format!("/exercises/{id}");
    let (org, loaded, now) = match authorised_run(&state, &auth, &id, &path).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let st = loaded.state();
    let facilitate = can_facilitate(&auth, org);
    let control = |op: &str, label: &str| {
        html! {
            form method="post" action={"/exercises/" (id) "/control"} class="inline" {
                (csrf_field(&auth))
                input type="hidden" name="op" value=(op);
                button type="submit" class=(if op == "start" { "primary" } else { "" }) { (label) }
            }
        }
    };
    let content = html! {
        @if let Some(msg) = q.get("done") { p class="notice" role="status" { (msg) } }
        p { "Scenario: " a href={"/exercises/scenarios/" (loaded.scenario.id)} { (loaded.scenario.title) } " (version " (loaded.run.scenario_version) ")" }
        @if facilitate {
            div class="actions exercise-controls" {
                @match st.status {
                    Status::NotStarted => { (control("start", "Start the exercise")) }
                    Status::Running => { (control("pause", "Pause")) }
                    Status::Paused => { (control("resume", "Resume")) }
                    Status::Finished => {}
                }
                @if matches!(st.status, Status::Running | Status::Paused) {
                    form method="post" action={"/exercises/" (id) "/control"} class="inline" {
                        (csrf_field(&auth))
                        input type="hidden" name="op" value="advance";
                        label { "Advance the clock " select name="by" { @for (v, l) in ADVANCE_CHOICES { option value=(v) selected[v == "next"] { (l) } } } }
                        button type="submit" { "Advance" }
                    }
                    (control("finish", "Finish the exercise"))
                }
            }
        } @else {
            p class="muted" { "You are watching; only analysts and administrators facilitate." }
        }
        p { "A room with one screen follows the " a href={"/exercises/" (id) "/room"} { "room screen" } "; participants open their role's view on their own device: "
            @for (n, r) in loaded.scenario.roles.iter().enumerate() {
                @if n > 0 { " · " }
                a href={"/exercises/" (id) "/play/" (r.role.as_str())} { (r.role.label()) }
            }
        }
        div id="live" data-live={"/exercises/" (id) "/live"} data-events={"/exercises/" (id) "/events"} data-seq=(loaded.run.last_seq) { (facilitator_live(&auth, &loaded, now)) }
        @if facilitate && st.status != Status::NotStarted {
            h2 { "Record an observation" }
            form method="post" action={"/exercises/" (id) "/control"} {
                (csrf_field(&auth))
                input type="hidden" name="op" value="observe";
                label for="obs-role" { "About" }
                select id="obs-role" name="role" { option value="" { "the whole team" } @for r in &loaded.scenario.roles { option value=(r.role.as_str()) { (r.role.label()) } } }
                label for="obs-text" { "Observation" }
                textarea id="obs-text" name="text" required maxlength="2000" rows="2" {}
                div class="actions" { button type="submit" { "Add to the log" } }
            }
        }
        p { a href={"/exercises/" (id) "/report"} { "After-action report" } " · " a href={"/exercises/" (id) "/report.json"} { "JSON" } }
        (live_script())
    };
    layout(&state, &auth, &loaded.run.title, Some(Back { href: "/exercises", label: "Exercises" }), content).into_response()
}

pub async fn control(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let path = format!("/exercises/{id}");
    let (org, pairs) = match authorised_form(&state, &auth, &id, Action::Update, false, &path, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let v = |k: &str| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let bad = |msg: &str| error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not recorded", msg);
    let now = Timestamp::now();
    let kind = match v("op").as_str() {
        "start" => EventKind::Started,
        "pause" => EventKind::Paused,
        "resume" => EventKind::Resumed,
        "finish" => EventKind::Finished,
        "release" => EventKind::Released { inject: v("inject"), manual: true },
        "mark" => EventKind::Marked { expectation: v("expectation"), met: v("met") == "1", note: v("note") },
        "observe" => {
            let role = match v("role").as_str() {
                "" => None,
                r => match Role::parse(r) {
                    Some(r) => Some(r),
                    None => return bad("role: not a role"),
                },
            };
            EventKind::Observation { text: v("text"), role }
        }
        "advance" => {
            let by = match v("by").as_str() {
                "next" => {
                    // To the next inject that is not out yet.
                    let loaded = match ex::load(&state, org, &id).await {
                        Ok(Some(l)) => l,
                        Ok(None) => return not_found(&state, &auth),
                        Err(_) => return unavailable(&state, &auth),
                    };
                    let st = loaded.state();
                    let t = st.scenario_now(now);
                    match st.scenario.injects.iter().find(|i| i.at > t && !st.released.contains_key(&i.id) && !st.skipped.contains(&i.id)) {
                        Some(i) => ScenarioDuration::from_seconds(i.at.seconds() - t.seconds()),
                        None => return bad("by: no inject is left to advance to"),
                    }
                }
                other => match ScenarioDuration::parse(other) {
                    Ok(d) => d,
                    Err(e) => return bad(&format!("by: {e}")),
                },
            };
            EventKind::Advanced { by }
        }
        other => return bad(&format!("op: {other:?} is not start, pause, resume, advance, release, mark, observe or finish")),
    };
    let user = auth.user.as_ref().map(|u| u.id);
    match ex::record(&state, org, &id, kind, user, who(&auth), now).await {
        Ok(_) => Redirect::to(&path).into_response(),
        Err(e) => refused(&state, &auth, e),
    }
}

// ---------------------------------------------------------------- participants

fn parse_role(s: &str, scenario: &Scenario) -> Option<Role> {
    Role::parse(s).filter(|r| scenario.has_role(*r))
}

pub async fn play(State(state): State<AppState>, auth: Auth, Path((id, role)): Path<(String, String)>, Query(q): Query<HashMap<String, String>>) -> Response {
    let path = format!("/exercises/{id}/play/{role}");
    let (org, loaded, now) = match authorised_run(&state, &auth, &id, &path).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(role) = parse_role(&role, loaded.scenario) else { return not_found(&state, &auth) };
    let st = loaded.state();
    let brief = loaded.scenario.roles.iter().find(|r| r.role == role).map(|r| r.brief.clone()).unwrap_or_default();
    let obligations = current_obligations(&st, now);
    let can_play = decide(&auth.principal, Action::Create, Resource::ExercisePlay { org_id: org }).is_allowed();
    let content = html! {
        @if let Some(msg) = q.get("done") { p class="notice" role="status" { (msg) } }
        p class="lead" { (brief) }
        p class="muted" { (loaded.run.title) " · " (loaded.scenario.title) }
        div id="live" data-live={"/exercises/" (id) "/live?role=" (role.as_str())} data-events={"/exercises/" (id) "/events"} data-seq=(loaded.run.last_seq) { (play_live(&auth, &loaded, role, now)) }
        @if can_play && matches!(st.status, Status::Running | Status::Paused) {
            h2 { "Record what you do" }
            form method="post" action={"/exercises/" (id) "/play/" (role.as_str())} class="record-action" {
                (csrf_field(&auth))
                input type="hidden" name="kind" value="action";
                label for="action" { "What did you do?" }
                select id="action" name="action" required { @for k in ActionKind::ALL { option value=(k.as_str()) { (k.label()) } } }
                @if !obligations.is_empty() {
                    label for="stage" { "For a notification: which report" span class="hint" { "leave as is for other actions" } }
                    select id="stage" name="stage" {
                        option value="" { "—" }
                        @for o in &obligations {
                            option value={(o.regime) "/" (o.stage) @if let Some(i) = &o.instance { "/" (i) }} { (o.regime_title) ": " (o.stage_title) " → " (o.recipient_name) }
                        }
                    }
                }
                label for="text" { "Details" span class="hint" { "who, what, to whom — no patient names" } }
                textarea id="text" name="text" maxlength="2000" rows="2" {}
                div class="actions" { button type="submit" class="primary" { "Record" } }
            }
        }
        (live_script())
    };
    layout(&state, &auth, role.label(), Some(Back { href: &format!("/exercises/{id}"), label: "The exercise" }), content).into_response()
}

pub async fn play_submit(State(state): State<AppState>, auth: Auth, Path((id, role)): Path<(String, String)>, req: Request) -> Response {
    let path = format!("/exercises/{id}/play/{role}");
    let (org, pairs) = match authorised_form(&state, &auth, &id, Action::Create, true, &path, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(Some(loaded)) = ex::load(&state, org, &id).await else { return not_found(&state, &auth) };
    let Some(role) = parse_role(&role, loaded.scenario) else { return not_found(&state, &auth) };
    let v = |k: &str| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let bad = |msg: &str| error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not recorded", msg);
    let kind = match v("kind").as_str() {
        "action" => {
            let Some(action) = ActionKind::parse(&v("action")) else { return bad("action: choose what you did from the list") };
            let stage = match v("stage").as_str() {
                "" => None,
                s => {
                    let mut parts = s.splitn(3, '/');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(regime), Some(stage), instance) if !regime.is_empty() && !stage.is_empty() => {
                            Some(ward_rules::StageRef { regime: regime.to_owned(), stage: stage.to_owned(), instance: instance.map(str::to_owned) })
                        }
                        _ => return bad("stage: choose a report from the list"),
                    }
                }
            };
            // A report chosen with another action is ignored rather than refused: the select
            // keeps its value when the person changes the action.
            let stage = if action == ActionKind::NotifyAuthority { stage } else { None };
            EventKind::Action { role, action, text: v("text"), stage }
        }
        "decision" => EventKind::Decided { decision: v("decision"), option: v("option"), role, rationale: v("rationale") },
        other => return bad(&format!("kind: {other:?} is not action or decision")),
    };
    // Only the deciding role answers a decision.
    if let EventKind::Decided { decision, .. } = &kind {
        if loaded.scenario.decisions().find(|(_, d)| &d.id == decision).is_some_and(|(_, d)| d.role != role) {
            return bad("decision: another role takes this decision");
        }
    }
    let user = auth.user.as_ref().map(|u| u.id);
    match ex::record(&state, org, &id, kind, user, who(&auth), Timestamp::now()).await {
        Ok(_) => Redirect::to(&format!("{path}?done={}", url_encode("Recorded."))).into_response(),
        Err(e) => refused(&state, &auth, e),
    }
}

// ---------------------------------------------------------------- live updates

pub async fn room(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let path = format!("/exercises/{id}/room");
    let (_, loaded, now) = match authorised_run(&state, &auth, &id, &path).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let content = html! {
        p class="lead" { (loaded.scenario.narrative) }
        div id="live" data-live={"/exercises/" (id) "/live?view=room"} data-events={"/exercises/" (id) "/events"} data-seq=(loaded.run.last_seq) { (room_live(&loaded, now)) }
        (live_script())
    };
    layout(&state, &auth, &format!("{} — room screen", loaded.run.title), Some(Back { href: &format!("/exercises/{id}"), label: "The exercise" }), content).into_response()
}

pub async fn live(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (_, loaded, now) = match authorised_run(&state, &auth, &id, &format!("/exercises/{id}")).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let body = match q.get("role") {
        Some(r) => match parse_role(r, loaded.scenario) {
            Some(role) => play_live(&auth, &loaded, role, now),
            None => return not_found(&state, &auth),
        },
        None if q.get("view").map(String::as_str) == Some("room") => room_live(&loaded, now),
        None => facilitator_live(&auth, &loaded, now),
    };
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Server-sent events: `update` (with the run's sequence number) whenever the log grew,
/// `tick` every second otherwise. Each tick also releases the injects that came due, so a
/// room with only participant screens open still receives them on time.
pub async fn events(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let org = match authorise(&state, &auth, &id, Action::Read, false, &format!("/exercises/{id}")).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let stream = futures_util::stream::unfold((state, org, id, -1i64, 0u32), |(state, org, id, last, n)| async move {
        if n >= SSE_CONNECTION_SECONDS {
            return None;
        }
        if n > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let loaded = ex::sync(&state, org, &id, Timestamp::now()).await.ok().flatten()?;
        let st = loaded.state();
        let data = serde_json::json!({"seq": loaded.run.last_seq, "seconds": st.scenario_now(Timestamp::now()).seconds(), "status": st.status}).to_string();
        let event = if loaded.run.last_seq != last { SseEvent::default().event("update").data(data) } else { SseEvent::default().event("tick").data(data) };
        Some((Ok::<_, Infallible>(event.retry(Duration::from_secs(1))), (state, org, id, loaded.run.last_seq, n + 1)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

// ---------------------------------------------------------------- after-action report


/// Everything the report shows, as JSON.
async fn report_data(state: &AppState, org: OrgId, loaded: &Loaded, now: Timestamp) -> Result<serde_json::Value, StoreError> {
    let st = loaded.state();
    let aar = after_action(&st, now);
    let improvements = state.store.improvements(org, Some(&loaded.run.id)).await?;
    let runs = state.store.exercise_runs(org).await?;
    let history: Vec<serde_json::Value> = runs
        .iter()
        .filter(|r| r.scenario_id == loaded.run.scenario_id && r.finished_at.is_some())
        .map(|r| {
            serde_json::json!({
                "run_id": r.id, "title": r.title, "finished_at": r.finished_at.map(|t| t.to_string()),
                "metrics": r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
            })
        })
        .collect();
    let harm = ex::stored_harm(&loaded.run).or_else(|| ex::scenario_harm(&st).0.ok());
    Ok(serde_json::json!({
        "harm_estimate": harm,
        "run": {"id": loaded.run.id, "title": loaded.run.title, "created_at": loaded.run.created_at.to_string(), "finished_at": loaded.run.finished_at.map(|t| t.to_string())},
        "after_action": aar,
        "improvements": improvements,
        "history": history,
    }))
}

pub async fn report_json(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    let (org, loaded, now) = match authorised_run(&state, &auth, &id, &format!("/exercises/{id}/report.json")).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match report_data(&state, org, &loaded, now).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(_) => unavailable(&state, &auth),
    }
}

pub async fn report(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (org, loaded, now) = match authorised_run(&state, &auth, &id, &format!("/exercises/{id}/report")).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let st = loaded.state();
    let obligations = current_obligations(&st, now);
    let aar = after_action_with(&st, now, &obligations);
    let m = &aar.metrics;
    let Ok(items) = state.store.improvements(org, Some(&id)).await else { return unavailable(&state, &auth) };
    let Ok(runs) = state.store.exercise_runs(org).await else { return unavailable(&state, &auth) };
    let facilitate = can_facilitate(&auth, org);
    let catalogue = ward_risk::framework::Catalogue::embedded().ok();
    let requirement_title = |link: &str| -> Option<String> {
        let (fw, req) = link.split_once('/')?;
        let f = catalogue.as_ref()?.framework(fw)?;
        Some(format!("{} {}: {}", f.short_title, req, f.requirement(req)?.title))
    };
    let control_link = |link: &str| {
        html! {
            @match link.split_once('/') {
                Some((fw, req)) => { a href={"/orgs/" (org) "/risk/frameworks/" (fw) "#req-" (req)} { (requirement_title(link).unwrap_or_else(|| link.to_owned())) } }
                None => { (link) }
            }
        }
    };
    let history: Vec<_> = runs.iter().filter(|r| r.scenario_id == loaded.run.scenario_id).collect();
    let secs = |v: Option<i64>| v.map_or("—".to_owned(), human);
    let content = html! {
        @if let Some(msg) = q.get("done") { p class="notice" role="status" { (msg) } }
        p class="lead" { (loaded.scenario.title) " — " (loaded.run.title) }
        p class="muted" { "Story start " (aar.origin) " · ended at " (aar.ended_at.to_string()) " · " (st.status.label()) }
        div class="actions no-print" { button type="button" data-print="" { "Print or save as PDF" } a href={"/exercises/" (id) "/report.json"} { "JSON" } }
        h2 { "Measures" }
        table class="aar-metrics" {
            tbody {
                tr { th { "Time to escalate (incident command)" } td { (secs(m.time_to_escalate_seconds)) } }
                tr { th { "Time to declare downtime procedures" } td { (secs(m.time_to_downtime_seconds)) } }
                tr { th { "Time to the first regulatory notification" } td { (secs(m.time_to_first_notification_seconds))
                    @if let Some(d) = m.first_deadline_seconds { " against a deadline of " (human(d)) " (" (m.first_deadline_obligation.clone().unwrap_or_default()) ")" }
                    @match m.first_notification_on_time { Some(true) => { " — on time" } Some(false) => { " — " strong { "late or not sent" } } None => {} } } }
                tr { th { "Time to the diversion decision" } td { (secs(m.time_to_diversion_decision_seconds)) } }
                tr { th { "Expected actions" } td { (m.expectations.met) " met, " (m.expectations.late) " late, " (m.expectations.missed) " missed, " (m.expectations.pending) " still open"
                    @if let Some(p) = m.expectations_met_percent { " (" (format!("{p:.1}")) " % met in time)" } } }
                tr { th { "Points" } td { (m.points) " of " (m.max_points) } }
                tr { th { "Frontline roles engaged" } td { (m.frontline_roles_engaged) " of " (m.frontline_roles) } }
            }
        }
        h2 { "Objectives" }
        table { thead { tr { th { "Objective" } th { "Target" } th { "Measured" } th { "Achieved" } } }
            tbody { @for o in &m.objectives { tr { td { (o.text) } td { (o.target) } td { (o.measured) } td { @match o.achieved { Some(true) => { "yes" } Some(false) => { strong { "no" } } None => { "open" } } } } } } }
        h2 { "Per role" }
        table { thead { tr { th { "Role" } th { "Met" } th { "Late" } th { "Missed" } th { "Open" } th { "Actions recorded" } th { "Decisions" } } }
            tbody { @for r in &m.roles { tr { td { (r.label) } td { (r.counts.met) } td { (r.counts.late) } td { (r.counts.missed) } td { (r.counts.pending) } td { (r.actions) } td { (r.decisions) } } } } }
        h2 { "Decisions" }
        @if m.decisions.is_empty() { p { "No decision was recorded." } }
        ul { @for d in &m.decisions { li { strong { (d.question) } " " (d.option_label) " — " (d.role.label()) " at " (d.scenario_at.to_string()) @if !d.rationale.is_empty() { ": " (d.rationale) } } } }
        h2 { "Strengths" }
        @if aar.strengths.is_empty() { p { "None recorded." } }
        ul class="aar-strengths" { @for s in &aar.strengths { li { (s) } } }
        h2 { "Gaps" }
        @if aar.gaps.is_empty() { p { "None recorded." } }
        ul class="aar-gaps" { @for g in &aar.gaps { li { (g) } } }
        h2 { "Reporting obligations at the end" }
        (obligations_table(&st, now, &obligations))
        h2 id="harm" { "Patient-harm estimate for this scenario" }
        @match ex::stored_harm(&loaded.run).map(|e| (Ok(e), ex::played_diversion(&st).1)).unwrap_or_else(|| ex::scenario_harm(&st)) {
            (Ok(e), decided_by) => {
                p { "If this outage were real at a hospital like the scenario's (" (loaded.scenario.organisation.beds) " beds, " (loaded.scenario.organisation.admissions_per_day) " admissions a day, "
                    (loaded.scenario.harm.downtime_days) " days of downtime, " (e.inputs.diversion.as_str()) " diversion"
                    @if let Some(d) = decided_by { " as decided at " (d) } "), published studies suggest:" }
                (super::harm::render_estimate(&e))
            }
            (Err(e), _) => { p class="muted" { "No estimate: " (e) } }
        }
        h2 { "Improvement items" }
        @if items.is_empty() { p { "No improvement item yet." } }
        @else {
            table class="aar-improvements" { thead { tr { th { "Item" } th { "Owner" } th { "Due" } th { "Control requirement" } th { "State" } } }
                tbody { @for i in &items { tr {
                    td { (i.text) @if let Some(s) = &i.source { br; span class="muted" { "from " (s) } } }
                    td { (i.owner) }
                    td { (i.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                    td { @if let Some(c) = &i.control { (control_link(c)) } @else { "—" } }
                    td { (i.status)
                        @if facilitate {
                            form method="post" action={"/exercises/" (id) "/improvements"} class="inline no-print" {
                                (csrf_field(&auth))
                                input type="hidden" name="op" value=(if i.status == "done" { "reopen" } else { "done" });
                                input type="hidden" name="item" value=(i.id);
                                button type="submit" { (if i.status == "done" { "Reopen" } else { "Mark done" }) }
                            }
                        }
                    }
                } } }
            }
        }
        @if facilitate {
            section class="no-print" {
                h3 { "Add an improvement item" }
                @if !aar.proposals.is_empty() {
                    p class="muted" { "Proposed by the scoring (copy one into the form):" }
                    ul { @for p in &aar.proposals { li { (p.text) @if let Some(r) = p.role { " (" (r.label()) ")" } @for c in &p.controls { " · " (control_link(c)) } } } }
                }
                form method="post" action={"/exercises/" (id) "/improvements"} {
                    (csrf_field(&auth))
                    input type="hidden" name="op" value="add";
                    label for="imp-text" { "What will change" } textarea id="imp-text" name="text" required maxlength=(MAX_EXERCISE_TEXT_CHARS) rows="2" {}
                    label for="imp-owner" { "Owner" } input id="imp-owner" name="owner" required maxlength="200";
                    label for="imp-due" { "Due" } input id="imp-due" name="due_on" type="date";
                    label for="imp-control" { "Control requirement (risk module)" }
                    select id="imp-control" name="control" {
                        option value="" { "—" }
                        @if let Some(cat) = &catalogue { @for f in cat.frameworks() { optgroup label=(f.short_title) { @for r in &f.requirements {
                            option value={(f.id) "/" (r.id)} { (r.id) " " (r.title) }
                        } } } }
                    }
                    label for="imp-source" { "Source" span class="hint" { "e.g. expectation e05-report" } } input id="imp-source" name="source" maxlength="200";
                    div class="actions" { button type="submit" class="primary" { "Add" } }
                }
            }
        }
        h2 { "Timeline" }
        table class="aar-timeline" { thead { tr { th { "Scenario time" } th { "Story time" } th { "Who" } th { "What" } } }
            tbody { @for e in &aar.timeline { tr { td { (e.scenario_at.to_string()) } td { (e.story_at) } td { @if let Some(r) = e.role { (r.label()) } } td { (e.text) } } } } }
        h2 { "Runs of this scenario" }
        table class="aar-history" { thead { tr { th { "Run" } th { "Finished" } th { "Escalation" } th { "Downtime" } th { "First notification" } th { "Met in time" } } }
            tbody { @for r in &history {
                @let s = r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
                @let g = |k: &str| s.as_ref().and_then(|s| s.get(k)).and_then(serde_json::Value::as_i64);
                tr {
                    td { a href={"/exercises/" (r.id) "/report"} { (r.title) } @if r.id == id { " (this run)" } }
                    td { (r.finished_at.map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_else(|| "not finished".into())) }
                    td { (secs(g("time_to_escalate_seconds"))) } td { (secs(g("time_to_downtime_seconds"))) } td { (secs(g("time_to_first_notification_seconds"))) }
                    td { (s.as_ref().and_then(|s| s.get("expectations_met_percent")).and_then(serde_json::Value::as_f64).map_or("—".to_owned(), |p| format!("{p:.1} %"))) }
                }
            } }
        }
        script src="/assets/obligations.js" defer {}
    };
    layout(&state, &auth, "After-action report", Some(Back { href: &format!("/exercises/{id}"), label: "The exercise" }), content).into_response()
}

pub async fn improvements(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let path = format!("/exercises/{id}/report");
    let (org, pairs) = match authorised_form(&state, &auth, &id, Action::Update, false, &path, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let v = |k: &str| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let bad = |msg: &str| error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not saved", msg);
    let done = match v("op").as_str() {
        "add" => {
            let due_on = match v("due_on").as_str() {
                "" => None,
                d => match d.parse::<jiff::civil::Date>() {
                    Ok(d) => Some(d),
                    Err(_) => return bad("due_on: a date such as 2027-01-31"),
                },
            };
            let control = Some(v("control")).filter(|c| !c.is_empty());
            if let Some(c) = &control {
                let known = ward_risk::framework::Catalogue::embedded()
                    .ok()
                    .zip(c.split_once('/'))
                    .is_some_and(|(cat, (fw, req))| cat.framework(fw).and_then(|f| f.requirement(req)).is_some());
                if !known {
                    return bad("control: not a requirement of the risk module");
                }
            }
            let source = Some(v("source")).filter(|s| !s.is_empty());
            if source.as_ref().is_some_and(|s| s.chars().count() > 200) {
                return bad("source: at most 200 characters");
            }
            let item = NewImprovement { text: v("text"), owner: v("owner"), due_on, control, source };
            match state.store.add_improvement(org, &id, &item, auth.user.as_ref().map(|u| u.id), Timestamp::now()).await {
                Ok(_) => "Improvement item added.",
                Err(StoreError::Invalid { field, reason }) => return bad(&format!("{field}: {reason}")),
                Err(StoreError::NotFound) => return not_found(&state, &auth),
                Err(_) => return unavailable(&state, &auth),
            }
        }
        op @ ("done" | "reopen") => match state.store.set_improvement_status(org, &v("item"), op == "done").await {
            Ok(()) => "Updated.",
            Err(StoreError::NotFound) => return bad("item: no such improvement item"),
            Err(_) => return unavailable(&state, &auth),
        },
        other => return bad(&format!("op: {other:?} is not add, done or reopen")),
    };
    Redirect::to(&format!("{path}?done={}", url_encode(done))).into_response()
}
