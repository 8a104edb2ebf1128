//! Report once, in the browser: the obligations timeline of an incident (live countdowns; the
//! due instant without JavaScript), the questions that decide obligations, forms to record a
//! submission or a closing decision, report pages per stage (print HTML, Markdown, JSON), the
//! organisation-wide list of open obligations, and the organisation's reporting profile.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use maud::{html, Markup};
use serde_json::{Map, Value};
use ward_core::policy::{decide, Action, Decision as Access, Resource};
use ward_core::{FieldError, IncidentId, OrgId};
use ward_rules::{deciding_unknown_facts, draft_report, render_json, render_markdown, FactInfo, FactType, Obligation, RuleSet};
use ward_store::{ObligationEventKind, ObligationFilter, StoreError};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::obligations::{self as ob, Loaded, RecordError};
use crate::AppState;

// ---------------------------------------------------------------- shared rendering

fn status_label(status: &str) -> &'static str {
    match status {
        "owed" => "Owed",
        "provisional" => "Provisional",
        "advisory" => "Advisory",
        "submitted_on_time" => "Submitted on time",
        "submitted_late" => "Submitted late",
        "overdue" => "Overdue",
        "closed" => "Closed by decision",
        _ => "Unknown",
    }
}

/// "in 23 h 10 min" / "overdue by 2 h 5 min", as rendered on the server (the script keeps it live).
pub fn countdown_text(due: Timestamp, now: Timestamp) -> String {
    let secs = due.as_second() - now.as_second();
    let a = secs.unsigned_abs();
    // Hours up to four days (the 24 h / 72 h clocks read as hours), days beyond.
    let (d, h, total_h, m) = (a / 86_400, (a % 86_400) / 3600, a / 3600, (a % 3600) / 60);
    let span = if d >= 4 { format!("{d} d {h} h") } else if total_h > 0 { format!("{total_h} h {m} min") } else { format!("{m} min") };
    if secs >= 0 { format!("in {span}") } else { format!("{span} ago") }
}

/// One timeline row, read from an obligation's JSON (live or stored).
struct Row {
    v: Value,
    status: String,
    due: Option<Timestamp>,
    kept: bool,
}

impl Row {
    fn s(&self, k: &str) -> &str {
        self.v.get(k).and_then(Value::as_str).unwrap_or("")
    }
    fn key(&self) -> String {
        format!("{}|{}|{}", self.s("regime"), self.s("stage"), self.s("instance"))
    }
}

fn key_of(regime: &str, stage: &str, instance: Option<&str>) -> String {
    format!("{regime}|{stage}|{}", instance.unwrap_or(""))
}

fn split_key(k: &str) -> (String, String, Option<String>) {
    let mut it = k.splitn(3, '|');
    let r = it.next().unwrap_or("").to_owned();
    let s = it.next().unwrap_or("").to_owned();
    let i = it.next().filter(|x| !x.is_empty()).map(str::to_owned);
    (r, s, i)
}

fn due_cell(row: &Row, now: Timestamp) -> Markup {
    html! {
        @if let (Some(due), Some(text)) = (row.due, row.v.get("due_at").and_then(Value::as_str)) {
            time datetime=(text) { (text.replacen('T', " ", 1)) }
            @if row.status != "closed" && !row.status.starts_with("submitted") {
                " " span class="countdown" data-due=(due.to_string()) { "(" (countdown_text(due, now)) ")" }
            }
        } @else {
            @if let Some(label) = row.v.get("deadline_label").and_then(Value::as_str) { em { (label) } " " }
            span class="muted" { "no number in law" }
            @if let Some(p) = row.v.get("policy_due_at").and_then(Value::as_str) { br; span class="muted" { "policy: " (p.replacen('T', " ", 1)) } }
        }
    }
}

fn timeline(incident: IncidentId, rows: &[Row], now: Timestamp) -> Markup {
    html! {
        div class="table-wrap" {
            table class="obligations" {
                caption class="muted" { "Every notification this incident owes or may owe, by due time" }
                thead { tr { th scope="col" { "Due" } th scope="col" { "Status" } th scope="col" { "Notification" } th scope="col" { "Recipient" } th scope="col" { "Legal basis" } th scope="col" { "Report" } } }
                tbody {
                    @for r in rows {
                        tr class={"status-" (r.status)} data-obligation=(r.key()) {
                            td { (due_cell(r, now)) }
                            td { span class={"status status-" (r.status)} { (status_label(&r.status)) }
                                @if let Some(at) = r.v.get("submitted_at").and_then(Value::as_str) { br; span class="muted" { "sent " (at.replacen('T', " ", 1)) } }
                                @if let Some(c) = r.v.get("closed").and_then(|c| c.get("rationale")).and_then(Value::as_str) { br; span class="muted" { "“" (c) "”" } }
                            }
                            td {
                                strong { (r.s("stage_title")) } br;
                                (r.s("regime_title"))
                                @if !r.s("instance").is_empty() { " [" (r.s("instance")) "]" }
                                br; span class="muted" { (r.s("due_basis")) " · rule version " (r.s("rule_version")) " · " (r.s("verification")) }
                                @for n in r.v.get("notes").and_then(Value::as_array).into_iter().flatten() { br; small class="muted" { (n.as_str().unwrap_or("")) } }
                                @if r.kept { br; small class="muted" { "Kept from an earlier evaluation: only a decision closes it." } }
                            }
                            td { (r.s("recipient_name")) }
                            td { (r.s("citation")) }
                            td {
                                @let base = format!("/incidents/{incident}/reports/{}/{}", r.s("regime"), r.s("stage"));
                                @let q = if r.s("instance").is_empty() { String::new() } else { format!("?instance={}", url_encode(r.s("instance"))) };
                                a href={(base) (q)} { "Report" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Live rows (evaluated now) plus stored rows the live evaluation no longer yields.
fn rows_for(live: &[Obligation], stored: &[ward_store::StoredObligation], now: Timestamp) -> Vec<Row> {
    let mut rows: Vec<Row> = live
        .iter()
        .map(|o| Row { v: serde_json::to_value(o).unwrap_or(Value::Null), status: o.status.as_str().to_owned(), due: o.due_at.as_ref().map(jiff::Zoned::timestamp), kept: false })
        .collect();
    for s in stored {
        let k = key_of(&s.regime, &s.stage, s.instance.as_deref());
        if !rows.iter().any(|r| r.key() == k) && s.status != "closed" {
            let status = if s.is_overdue(now) { "overdue".to_owned() } else { s.status.clone() };
            rows.push(Row { v: s.body.clone(), status, due: s.due_at, kept: true });
        }
    }
    rows.sort_by_key(|r| (r.due.is_none(), r.due));
    rows
}

fn field_id(prefix: &str, name: &str) -> String {
    format!("{prefix}-{}", name.replace(['.', ':', '|'], "-"))
}

/// One input for a fact of the catalogue, by its type.
fn fact_widget(prefix: &str, info: &FactInfo, label: &str, current: &[String], error: Option<&str>, hint: Option<&str>, calendars: &[String]) -> Markup {
    let id = field_id(prefix, &info.id);
    let name = info.id.as_str();
    let cur = current.first().map(String::as_str).unwrap_or("");
    let described = error.map(|_| format!("{id}-error"));
    let choice = |opts: Vec<(String, String)>| {
        html! {
            select id=(id) name=(name) aria-invalid=[error.map(|_| "true")] aria-describedby=[described.clone()] {
                option value="" { "Not answered" }
                @for (v, l) in opts { option value=(v) selected[cur == v] { (l) } }
            }
        }
    };
    let input = match info.fact_type {
        FactType::Tri => choice(vec![("yes".into(), "Yes".into()), ("no".into(), "No".into()), ("unknown".into(), "Unknown".into())]),
        FactType::Bool => choice(vec![("true".into(), "Yes".into()), ("false".into(), "No".into())]),
        FactType::Enum => choice(info.values.iter().map(|v| (v.clone(), v.replace('_', " "))).collect()),
        FactType::HolidayCalendar => choice(calendars.iter().map(|v| (v.clone(), v.clone())).collect()),
        FactType::Set => html! {
            div class="checks" id=(id) {
                @for v in &info.values { label class="check" { input type="checkbox" name=(name) value=(v) checked[current.iter().any(|c| c == v)]; (v.replace('_', " ")) } }
            }
        },
        FactType::Instant => html! { input type="datetime-local" step="1" id=(id) name=(name) value=(cur) aria-invalid=[error.map(|_| "true")] aria-describedby=[described.clone()]; },
        FactType::Date => html! { input type="date" id=(id) name=(name) value=(cur) aria-invalid=[error.map(|_| "true")] aria-describedby=[described.clone()]; },
        _ => html! { input type="text" id=(id) name=(name) value=(current.join(", ")) aria-invalid=[error.map(|_| "true")] aria-describedby=[described.clone()]; },
    };
    let is_group = info.fact_type == FactType::Set;
    html! {
        div class={"field" @if error.is_some() { " has-error" }} {
            @if is_group { span class="label" id={(id) "-label"} { (label) } } @else { label for=(id) { (label) } }
            @if let Some(h) = hint { span class="hint" { (h) } }
            @if let Some(e) = error { span class="field-error" id={(id) "-error"} { "Error: " (e) } }
            (input)
            span class="hint" { code { (info.id) } }
        }
    }
}

fn error_summary(prefix: &str, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" id="error-summary" {
                h2 { "There is a problem" }
                ul { @for e in errors { li { a href={"#" (field_id(prefix, &e.field))} { @if e.field.is_empty() { "Input" } @else { (e.field) } } ": " (e.reason) } } }
            }
        }
    }
}

/// What a re-rendered form carries: which form, the posted values, the errors.
#[derive(Default)]
pub struct FormState {
    pub form: &'static str,
    pub pairs: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    pub notice: Option<String>,
}

impl FormState {
    fn values(&self, form: &str, key: &str) -> Vec<String> {
        if self.form != form {
            return Vec::new();
        }
        self.pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }
    fn value(&self, form: &str, key: &str) -> Option<String> {
        self.values(form, key).into_iter().next()
    }
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form).then(|| self.errors.iter().find(|e| e.field == field).map(|e| e.reason.as_str())).flatten()
    }
}

fn can_write(auth: &Auth, loaded: &Loaded) -> bool {
    let r = &loaded.record;
    ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }).is_allowed()
}

/// The "Reporting obligations" section of an incident page.
pub async fn section(state: &AppState, auth: &Auth, loaded: &Loaded, form: &FormState) -> Markup {
    let now = Timestamp::now();
    let id = loaded.record.id;
    let writable = can_write(auth, loaded);
    let profile_href = format!("/orgs/{}/reporting-profile", loaded.record.org_id);
    let Ok(rules) = ob::rules() else {
        return html! { section id="obligations" { h2 { "Reporting obligations" } p { "The built-in rules could not be loaded; see the server log." } } };
    };
    let Some(profile) = &loaded.profile else {
        return html! {
            section id="obligations" {
                h2 { "Reporting obligations" }
                p { "ward computes every notification this incident owes once the organisation's reporting profile (country, entity type, NIS2 class, time zone…) is set." }
                @if auth.user.is_some() { p { a class="button" href=(profile_href) { "Set the reporting profile" } } }
            }
        };
    };
    let tz = ob::profile_time_zone(Some(profile));
    let org_name = state.store.get_org(loaded.record.org_id).await.ok().map(|o| o.name.to_string());
    let evaluated = ob::evaluate_loaded(rules, loaded, org_name.as_deref(), None, now);
    let stored = state.store.obligations(id, &auth.scope).await.unwrap_or_default();
    let (live, problem) = match &evaluated {
        Ok((_, ev)) => (ev.obligations.clone(), None),
        Err(RecordError::Invalid(e)) => (Vec::new(), Some(e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))),
        Err(_) => (Vec::new(), Some("the facts could not be evaluated".to_owned())),
    };
    let rows = rows_for(&live, &stored, now);
    let questions = deciding_unknown_facts(rules, &live);
    let open: Vec<&Row> = rows.iter().filter(|r| matches!(r.status.as_str(), "owed" | "provisional" | "advisory" | "overdue")).collect();
    let now_local = tz.as_deref().and_then(|t| jiff::tz::TimeZone::get(t).ok()).map(|t| now.to_zoned(t).strftime("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default();
    let tz_hint = tz.as_deref().map(|t| format!("Local time in {t}, or RFC 3339 with offset"));
    let action = |what: &str| format!("/incidents/{id}/obligations/{what}");
    html! {
        section id="obligations" {
            h2 { "Reporting obligations" }
            @if let Some(n) = &form.notice { p class="notice" role="status" { (n) } }
            @if let Some(p) = &problem { p class="notice" role="alert" { "The recorded facts do not evaluate: " (p) } }
            p class="muted" { "Computed from the " a href=(profile_href) { "organisation's reporting profile" } " and the facts recorded below, at " (now.strftime("%Y-%m-%d %H:%M UTC")) ". Not legal advice: each rule shows how it was verified." }
            @if rows.is_empty() {
                p { "No notification is owed on the facts recorded so far." }
            } @else {
                (timeline(id, &rows, now))
            }
            @if writable {
                h3 { "Questions that decide obligations" }
                (error_summary("q", if form.form == "facts" { &form.errors } else { &[] }))
                form method="post" action=(action("facts")) novalidate class="questions" {
                    (csrf_field(auth))
                    @if questions.is_empty() { p class="muted" { "No unknown fact decides an open obligation." } }
                    @else { p class="hint" { "Most urgent first. Leave a question unanswered if you do not know yet: the clock runs anyway." } }
                    @for q in &questions {
                        @if let Some(info) = rules.fact_info(&q.fact) {
                            @let hint = match (&q.earliest_due_at, info.fact_type == FactType::Instant) {
                                (_, true) => tz_hint.clone(),
                                (Some(d), _) => Some(format!("Decides {} (earliest due {})", q.obligations.join(", "), ward_rules::format_zoned(d))),
                                (None, _) => Some(format!("Decides {}", q.obligations.join(", "))),
                            };
                            (fact_widget("q", &info, &q.label, &form.values("facts", &q.fact), form.error("facts", &q.fact), hint.as_deref(), &rules.calendar_ids()))
                        }
                    }
                    details class="other-fact" open[form.value("facts", "_other_fact").is_some_and(|v| !v.is_empty())] {
                        summary { "Change another fact" }
                        div class="grid-2" {
                            div class={"field" @if form.error("facts", "_other_fact").is_some() { " has-error" }} {
                                label for="q-_other_fact" { "Fact id" }
                                @if let Some(e) = form.error("facts", "_other_fact") { span class="field-error" { "Error: " (e) } }
                                input type="text" id="q-_other_fact" name="_other_fact" value=(form.value("facts", "_other_fact").unwrap_or_default()) list="fact-ids" placeholder="incident.awareness_at";
                            }
                            div class="field" {
                                label for="q-_other_value" { "Value" }
                                input type="text" id="q-_other_value" name="_other_value" value=(form.value("facts", "_other_value").unwrap_or_default()) placeholder="yes, no, unknown, 2026-06-05T23:30:00+02:00…";
                            }
                        }
                        datalist id="fact-ids" { @for f in rules.facts_info() { @if !f.id.starts_with("entity.") && !f.id.starts_with("policy.") { option value=(f.id); } } }
                    }
                    div class="actions" { button type="submit" class="primary" { "Save answers" } }
                }
                @if !open.is_empty() {
                    div class="grid-2" {
                        div {
                            h3 { "Record a submission" }
                            (error_summary("s", if form.form == "submission" { &form.errors } else { &[] }))
                            form method="post" action=(action("submissions")) novalidate {
                                (csrf_field(auth))
                                div class={"field" @if form.error("submission", "stage").is_some() { " has-error" }} {
                                    label for="s-stage" { "Notification" }
                                    @if let Some(e) = form.error("submission", "stage") { span class="field-error" { "Error: " (e) } }
                                    select id="s-stage" name="obligation" {
                                        @for r in &open { option value=(r.key()) selected[form.value("submission", "obligation").as_deref() == Some(r.key().as_str())] { (r.s("regime_title")) " — " (r.s("stage_title")) @if !r.s("instance").is_empty() { " [" (r.s("instance")) "]" } } }
                                    }
                                }
                                (plain_input("s", "submitted_at", "Sent at", "datetime-local", &form.value("submission", "submitted_at").unwrap_or(now_local.clone()), form.error("submission", "submitted_at"), tz_hint.as_deref()))
                                (plain_input("s", "channel", "Channel", "text", &form.value("submission", "channel").unwrap_or_default(), form.error("submission", "channel"), Some("Portal, e-mail, phone…")))
                                (plain_input("s", "receipt", "Receipt or reference", "text", &form.value("submission", "receipt").unwrap_or_default(), form.error("submission", "receipt"), None))
                                (plain_input("s", "payload_sha256", "Payload SHA-256", "text", &form.value("submission", "payload_sha256").unwrap_or_default(), form.error("submission", "payload_sha256"), Some("Leave empty to record the hash of ward's JSON report for this stage")))
                                div class="actions" { button type="submit" class="primary" { "Record submission" } }
                            }
                        }
                        div {
                            h3 { "Close by decision" }
                            (error_summary("d", if form.form == "decision" { &form.errors } else { &[] }))
                            form method="post" action=(action("decisions")) novalidate {
                                (csrf_field(auth))
                                div class={"field" @if form.error("decision", "stage").is_some() { " has-error" }} {
                                    label for="d-stage" { "Notification" }
                                    @if let Some(e) = form.error("decision", "stage") { span class="field-error" { "Error: " (e) } }
                                    select id="d-stage" name="obligation" {
                                        @for r in &open { option value=(r.key()) selected[form.value("decision", "obligation").as_deref() == Some(r.key().as_str())] { (r.s("regime_title")) " — " (r.s("stage_title")) @if !r.s("instance").is_empty() { " [" (r.s("instance")) "]" } } }
                                    }
                                }
                                div class={"field" @if form.error("decision", "rationale").is_some() { " has-error" }} {
                                    label for="d-rationale" { "Rationale" }
                                    span class="hint" { "Why this notification is not owed, or how it was handled outside ward" }
                                    @if let Some(e) = form.error("decision", "rationale") { span class="field-error" id="d-rationale-error" { "Error: " (e) } }
                                    textarea id="d-rationale" name="rationale" aria-invalid=[form.error("decision", "rationale").map(|_| "true")] { (form.value("decision", "rationale").unwrap_or_default()) }
                                }
                                div class="actions" { button type="submit" { "Close with this rationale" } }
                            }
                        }
                    }
                }
            }
            script src="/assets/obligations.js" defer {}
        }
    }
}

fn plain_input(prefix: &str, name: &str, label: &str, kind: &str, value: &str, error: Option<&str>, hint: Option<&str>) -> Markup {
    let id = field_id(prefix, name);
    html! {
        div class={"field" @if error.is_some() { " has-error" }} {
            label for=(id) { (label) }
            @if let Some(h) = hint { span class="hint" { (h) } }
            @if let Some(e) = error { span class="field-error" id={(id) "-error"} { "Error: " (e) } }
            input type=(kind) step=[(kind == "datetime-local").then_some("1")] id=(id) name=(name) value=(value) aria-invalid=[error.map(|_| "true")];
        }
    }
}

// ---------------------------------------------------------------- incident obligations page and writes

fn store_error_page(state: &AppState, auth: &Auth, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => error_page(state, auth, StatusCode::NOT_FOUND, "Incident not found", "There is no incident here that you may see."),
        other => {
            tracing::error!(error = %other, "store error on an obligations page");
            error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Something went wrong", "ward could not load this page. The error is logged; try again shortly.")
        }
    }
}

async fn load_page(state: &AppState, auth: &Auth, id: &str) -> Result<Loaded, Response> {
    let Ok(id) = id.parse::<IncidentId>() else { return Err(store_error_page(state, auth, StoreError::NotFound)) };
    ob::load(&state.store, id, &auth.scope).await.map_err(|e| store_error_page(state, auth, e))
}

async fn page(state: &AppState, auth: &Auth, loaded: &Loaded, form: &FormState) -> Response {
    let back = format!("/incidents/{}", loaded.record.id);
    let body = section(state, auth, loaded, form).await;
    layout(state, auth, &format!("Obligations: {}", loaded.record.draft.title), Some(Back { href: &back, label: "Back to the incident" }), body).into_response()
}

pub async fn incident_page(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/incidents/{}/obligations", url_encode(&id)));
    }
    let loaded = match load_page(&state, &auth, &id).await { Ok(l) => l, Err(r) => return r };
    page(&state, &auth, &loaded, &FormState::default()).await
}

/// Reads the form, checks the session's CSRF token and the right to change the incident.
async fn writable(state: &AppState, auth: &Auth, id: &str, req: Request) -> Result<(Loaded, Vec<(String, String)>, ward_store::User), Response> {
    let Some(user) = auth.user.clone() else { return Err(to_login(&format!("/incidents/{}", url_encode(id)))) };
    let pairs = read_form(req).await.map_err(|e| error_page(state, auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e))?;
    if !csrf_ok(auth, &pairs) {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit the form again."));
    }
    let loaded = load_page(state, auth, id).await?;
    let r = &loaded.record;
    match ward_core::policy::decide_in_scope(&auth.scope, &auth.principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }) {
        Access::Allow => Ok((loaded, pairs, user)),
        Access::Deny { hide: true, .. } => Err(store_error_page(state, auth, StoreError::NotFound)),
        Access::Deny { reason, .. } => Err(error_page(state, auth, StatusCode::FORBIDDEN, "You cannot change this incident's reporting", reason)),
    }
}

async fn finish(state: &AppState, auth: &Auth, loaded: &Loaded, form: &'static str, pairs: Vec<(String, String)>, result: Result<i64, RecordError>) -> Response {
    let errors = match result {
        Ok(_) => return Redirect::to(&format!("/incidents/{}#obligations", loaded.record.id)).into_response(),
        Err(RecordError::Invalid(e)) => e,
        Err(RecordError::NoProfile) => vec![FieldError::new("", "set the organisation's reporting profile first")],
        Err(RecordError::Store(StoreError::Conflict { .. })) => {
            let fresh = match load_page(state, auth, &loaded.record.id.to_string()).await { Ok(l) => l, Err(r) => return r };
            let fs = FormState { form, pairs, errors: Vec::new(), notice: Some("Someone else recorded something for this incident at the same time. Nothing of yours was saved; check the obligations below and submit again.".into()) };
            return page(state, auth, &fresh, &fs).await;
        }
        Err(RecordError::Store(e)) => return store_error_page(state, auth, e),
    };
    // 200: the form shown again with its errors (the convention of every ward form).
    page(state, auth, loaded, &FormState { form, pairs, errors, notice: None }).await
}

/// Answers from a posted questions form: fact id → JSON value, plus report content.
pub fn answers_from_pairs(rules: &RuleSet, pairs: &[(String, String)], tz: Option<&str>) -> (Map<String, Value>, Map<String, Value>, Vec<FieldError>) {
    let mut grouped: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut content = Map::new();
    let mut errors = Vec::new();
    for (k, v) in pairs {
        if k == "_csrf" || k == "_other_fact" || k == "_other_value" {
            continue;
        }
        if let Some(c) = k.strip_prefix("content:") {
            if !v.trim().is_empty() {
                content.insert(c.to_owned(), Value::String(v.trim().to_owned()));
            }
            continue;
        }
        grouped.entry(k.clone()).or_default().push(v.as_str());
    }
    let other = form_value(pairs, "_other_fact").map(str::trim).unwrap_or("");
    if !other.is_empty() {
        let value = form_value(pairs, "_other_value").unwrap_or("");
        if value.trim().is_empty() {
            errors.push(FieldError::new("_other_value", format!("give a value for {other}")));
        } else {
            grouped.entry(other.to_owned()).or_default().push(value);
        }
    }
    let mut answers = Map::new();
    for (id, values) in grouped {
        match rules.fact_info(&id) {
            Some(info) => {
                if let Some(v) = ob::form_value_to_json(&info, &values, tz) {
                    answers.insert(id, v);
                }
            }
            None => {
                if values.iter().any(|v| !v.trim().is_empty()) {
                    answers.insert(id, Value::String(values[0].trim().to_owned()));
                }
            }
        }
    }
    (answers, content, errors)
}

pub async fn post_facts(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (loaded, pairs, user) = match writable(&state, &auth, &id, req).await { Ok(x) => x, Err(r) => return r };
    let result = async {
        let rules = ob::rules()?;
        let profile = loaded.profile.as_ref().ok_or(RecordError::NoProfile)?;
        let tz = ob::profile_time_zone(Some(profile));
        let (answers, content, mut errors) = answers_from_pairs(rules, &pairs, tz.as_deref());
        errors.extend(ob::check_answers(rules, &profile.entity, &answers));
        for c in content.keys() {
            if !content_field_known(rules, c) {
                errors.push(FieldError::new(format!("content:{c}"), "unknown report field"));
            }
        }
        if errors.is_empty() && answers.is_empty() && content.is_empty() {
            errors.push(FieldError::new("", "answer at least one question"));
        }
        if !errors.is_empty() {
            return Err(RecordError::Invalid(errors));
        }
        let mut body = serde_json::json!({"facts": answers});
        if !content.is_empty() {
            body["content"] = Value::Object(content);
        }
        let org_name = state.store.get_org(loaded.record.org_id).await.ok().map(|o| o.name.to_string());
        ob::record(&state.store, rules, &loaded, org_name.as_deref(), &auth.scope, ObligationEventKind::Facts, body, Some(user.id), user.email.as_str(), Timestamp::now()).await
    }
    .await;
    // Errors name the fact ids; the summary links need the form's ids.
    finish(&state, &auth, &loaded, "facts", pairs, result).await
}

fn content_field_known(rules: &RuleSet, id: &str) -> bool {
    let doc = ward_rules::FactDocument {
        entity: BTreeMap::from([(ward_rules::FACT_TIME_ZONE.to_owned(), Value::String("UTC".into()))]),
        content: BTreeMap::from([(id.to_owned(), ward_rules::ContentValue::Text("x".into()))]),
        ..Default::default()
    };
    ward_rules::Facts::from_document(rules, &doc).is_ok()
}

/// The current evaluation of a loaded incident (for checking submissions and decisions).
async fn current(state: &AppState, loaded: &Loaded) -> Result<(ward_rules::Facts, Vec<Obligation>, Option<String>), RecordError> {
    let rules = ob::rules()?;
    let org_name = state.store.get_org(loaded.record.org_id).await.ok().map(|o| o.name.to_string());
    let (_, ev) = ob::evaluate_loaded(rules, loaded, org_name.as_deref(), None, Timestamp::now())?;
    Ok((ev.facts, ev.obligations, org_name))
}

pub async fn post_submission(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (loaded, pairs, user) = match writable(&state, &auth, &id, req).await { Ok(x) => x, Err(r) => return r };
    let result = async {
        let rules = ob::rules()?;
        let (facts, obligations, org_name) = current(&state, &loaded).await?;
        let tz = ob::profile_time_zone(loaded.profile.as_ref());
        let (regime, stage, instance) = split_key(form_value(&pairs, "obligation").unwrap_or(""));
        let now = Timestamp::now();
        let at = ob::parse_instant_input("submitted_at", form_value(&pairs, "submitted_at").unwrap_or(""), tz.as_deref());
        let mut hash = form_value(&pairs, "payload_sha256").map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned);
        if hash.is_none() {
            if let Some(o) = ob::find_obligation(&obligations, &regime, &stage, instance.as_deref()) {
                hash = draft_report(rules, &facts, o).ok().map(|d| ob::sha256_hex(render_json(&d).as_bytes()));
            }
        }
        let submission = ob::new_submission(&obligations, &regime, &stage, instance.as_deref(), at, form_value(&pairs, "channel").unwrap_or(""), form_value(&pairs, "receipt").unwrap_or(""), hash, now).map_err(RecordError::Invalid)?;
        let body = serde_json::to_value(&submission).unwrap_or(Value::Null);
        ob::record(&state.store, rules, &loaded, org_name.as_deref(), &auth.scope, ObligationEventKind::Submission, body, Some(user.id), user.email.as_str(), now).await
    }
    .await;
    finish(&state, &auth, &loaded, "submission", pairs, result).await
}

pub async fn post_decision(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (loaded, pairs, user) = match writable(&state, &auth, &id, req).await { Ok(x) => x, Err(r) => return r };
    let result = async {
        let rules = ob::rules()?;
        let (_, obligations, org_name) = current(&state, &loaded).await?;
        let (regime, stage, instance) = split_key(form_value(&pairs, "obligation").unwrap_or(""));
        let now = Timestamp::now();
        let decision = ob::new_decision(&obligations, &regime, Some(stage.as_str()).filter(|s| !s.is_empty()), instance.as_deref(), form_value(&pairs, "rationale").unwrap_or(""), user.email.as_str(), now).map_err(RecordError::Invalid)?;
        let body = serde_json::to_value(&decision).unwrap_or(Value::Null);
        ob::record(&state.store, rules, &loaded, org_name.as_deref(), &auth.scope, ObligationEventKind::Decision, body, Some(user.id), user.email.as_str(), now).await
    }
    .await;
    finish(&state, &auth, &loaded, "decision", pairs, result).await
}

// ---------------------------------------------------------------- reports

#[derive(serde::Deserialize)]
pub struct ReportQuery {
    instance: Option<String>,
}

async fn report_draft(state: &AppState, auth: &Auth, id: &str, regime: &str, stage: &str, instance: Option<&str>) -> Result<(Loaded, ward_rules::ReportDraft), Response> {
    // Reports are a hospital's working documents: signed-in readers of the incident only.
    if auth.user.is_none() {
        return Err(to_login(&format!("/incidents/{}/reports/{}/{}", url_encode(id), url_encode(regime), url_encode(stage))));
    }
    let loaded = load_page(state, auth, id).await?;
    let not_found = |state: &AppState, auth: &Auth| error_page(state, auth, StatusCode::NOT_FOUND, "No such report", "This incident has no obligation for that notification.");
    let (facts, obligations, _) = match current(state, &loaded).await {
        Ok(x) => x,
        Err(RecordError::Store(e)) => return Err(store_error_page(state, auth, e)),
        Err(_) => return Err(not_found(state, auth)),
    };
    let Some(o) = ob::find_obligation(&obligations, regime, stage, instance) else { return Err(not_found(state, auth)) };
    let rules = ob::rules().map_err(|e| store_error_page(state, auth, e))?;
    match draft_report(rules, &facts, o) {
        Ok(d) => Ok((loaded, d)),
        Err(_) => Err(not_found(state, auth)),
    }
}

pub async fn report_html(State(state): State<AppState>, auth: Auth, Path((id, regime, stage)): Path<(String, String, String)>, Query(q): Query<ReportQuery>) -> Response {
    let (loaded, d) = match report_draft(&state, &auth, &id, &regime, &stage, q.instance.as_deref()).await { Ok(x) => x, Err(r) => return r };
    let base = format!("/incidents/{}/reports/{}/{}", loaded.record.id, d.regime, d.stage);
    let qs = q.instance.as_deref().map(|i| format!("?instance={}", url_encode(i))).unwrap_or_default();
    let back = format!("/incidents/{}#obligations", loaded.record.id);
    let content = html! {
        p class="no-print actions" {
            button type="button" data-print="" { "Print" }
            a href={(base) "/report.md" (qs)} download { "Markdown" }
            a href={(base) "/report.json" (qs)} download { "JSON" }
        }
        article class="report" lang=(d.language) {
            p class="report-incident" { (loaded.record.draft.title) }
            dl class="facts" {
                dt { "Recipient" } dd { (d.recipient_name) @if let Some(c) = &d.recipient_contact { br; (c) } }
                dt { "Due" } dd { (d.due_at.as_deref().unwrap_or("not set by law")) " (" (d.due_basis) ")" }
                dt { "Legal basis" } dd { (d.citation) " [" (d.regime) ", rule version " (d.rule_version) "]" }
                dt { "Status" } dd { (status_label(d.status.as_str())) }
                @if let Some(i) = &d.instance { dt { "For" } dd { (i) } }
            }
            @if !d.missing_required.is_empty() {
                div class="notice missing" role="note" {
                    strong { "Required fields still missing (the report can be sent anyway): " }
                    (d.missing_required.join(", "))
                }
            }
            @for f in &d.fields {
                section class="report-field" {
                    h2 { (f.label) @if matches!(f.requirement, ward_rules::Requirement::Required) { " *" } }
                    @if f.value.is_some() { p { (f.display) } } @else { p class="missing-value" { (f.display) } }
                    @if f.source.is_some() || f.as_of.is_some() { p class="muted" { @if let Some(s) = &f.source { "Source: " (s) " " } @if let Some(a) = &f.as_of { "as of " (a) } } }
                }
            }
            @if d.patient_identities_included { p class="notice" { "This report may carry patient identities: the regime requires them for this recipient." } }
            @else { p class="muted" { "No patient identities: this recipient's regime does not require them." } }
            @for n in &d.notes { p class="muted" { (n) } }
        }
        script src="/assets/obligations.js" defer {}
    };
    let title = format!("{} — {}", d.regime_title, d.stage_title);
    layout(&state, &auth, &title, Some(Back { href: &back, label: "Back to the incident" }), content).into_response()
}

fn download(body: String, ctype: &'static str, name: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn file_stem(d: &ward_rules::ReportDraft) -> String {
    format!("{}-{}", d.regime, d.stage).chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect()
}

pub async fn report_md(State(state): State<AppState>, auth: Auth, Path((id, regime, stage)): Path<(String, String, String)>, Query(q): Query<ReportQuery>) -> Response {
    match report_draft(&state, &auth, &id, &regime, &stage, q.instance.as_deref()).await {
        Ok((_, d)) => download(render_markdown(&d), "text/markdown; charset=utf-8", format!("{}.md", file_stem(&d))),
        Err(r) => r,
    }
}

pub async fn report_json(State(state): State<AppState>, auth: Auth, Path((id, regime, stage)): Path<(String, String, String)>, Query(q): Query<ReportQuery>) -> Response {
    match report_draft(&state, &auth, &id, &regime, &stage, q.instance.as_deref()).await {
        Ok((_, d)) => download(render_json(&d), "application/json", format!("{}.json", file_stem(&d))),
        Err(r) => r,
    }
}

// ---------------------------------------------------------------- organisation-wide list

#[derive(serde::Deserialize)]
pub struct ListQuery {
    org: Option<String>,
}

pub async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<ListQuery>) -> Response {
    let Some(user) = &auth.user else { return to_login("/obligations") };
    let org_id = match q.org.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(o) => match o.parse::<OrgId>() {
            Ok(id) if decide(&auth.principal, Action::Read, Resource::Organisation { org_id: id }).is_allowed() => id,
            _ => return error_page(&state, &auth, StatusCode::NOT_FOUND, "Organisation not found", "There is no organisation here that you may see."),
        },
        None => user.org_id,
    };
    let now = Timestamp::now();
    let scope = auth.scope.clone();
    let rows = match state.store.list_open_obligations(&scope, &ObligationFilter { org_id: Some(org_id), overdue_at: None }, now).await {
        Ok(r) => r,
        Err(e) => return store_error_page(&state, &auth, e),
    };
    let n_overdue = rows.iter().filter(|o| o.is_overdue(now)).count();
    let content = html! {
        p { (rows.len()) " open obligations, " strong { (n_overdue) " overdue" } ". Overdue first, then by due time. "
            a href={"/orgs/" (org_id) "/reporting-profile"} { "Reporting profile" } }
        @if rows.is_empty() {
            p class="muted" { "Nothing is owed right now." }
        } @else {
            div class="table-wrap" {
                table class="obligations" {
                    thead { tr { th scope="col" { "Due" } th scope="col" { "Status" } th scope="col" { "Incident" } th scope="col" { "Notification" } th scope="col" { "Recipient" } th scope="col" { "Legal basis" } } }
                    tbody {
                        @for o in &rows {
                            @let status = if o.is_overdue(now) { "overdue".to_owned() } else { o.status.clone() };
                            @let row = Row { v: o.body.clone(), status: status.clone(), due: o.due_at, kept: false };
                            tr class={"status-" (status)} {
                                td { (due_cell(&row, now)) }
                                td { span class={"status status-" (status)} { (status_label(&status)) } }
                                td { a href={"/incidents/" (o.incident_id) "#obligations"} { (o.incident_title) } }
                                td { (row.s("stage_title")) br; span class="muted" { (row.s("regime_title")) } }
                                td { (row.s("recipient_name")) }
                                td { (row.s("citation")) }
                            }
                        }
                    }
                }
            }
        }
        p class="muted" { "Statuses as last evaluated (on every change to an incident's facts, submissions or decisions, and to the profile); overdue is judged now." }
        script src="/assets/obligations.js" defer {}
    };
    layout(&state, &auth, "Open reporting obligations", None, content).into_response()
}

// ---------------------------------------------------------------- reporting profile

fn profile_facts(rules: &RuleSet) -> Vec<FactInfo> {
    rules.facts_info().into_iter().filter(|f| f.id.starts_with("entity.") || f.id.starts_with("policy.")).collect()
}

fn profile_hint(id: &str) -> Option<&'static str> {
    match id {
        "entity.time_zone" => Some("Required. IANA name, e.g. Europe/Berlin: date-based deadlines end at local end of day here"),
        "entity.country_of_establishment" => Some("ISO 3166-1 codes, comma-separated, e.g. DE"),
        "entity.de.bsig_class" => Some("besonders wichtig = NIS2 essential; wichtig = important"),
        "policy.internal_sla" | "policy.max_awareness_gap" => Some("ISO 8601 duration, e.g. PT12H"),
        _ => None,
    }
}

async fn profile_access(state: &AppState, auth: &Auth, id: &str) -> Result<(ward_core::Organisation, bool), Response> {
    if auth.user.is_none() {
        return Err(to_login(&format!("/orgs/{}/reporting-profile", url_encode(id))));
    }
    let not_found = || error_page(state, auth, StatusCode::NOT_FOUND, "Organisation not found", "There is no organisation here that you may see.");
    let Ok(org_id) = id.parse::<OrgId>() else { return Err(not_found()) };
    if !decide(&auth.principal, Action::Read, Resource::Organisation { org_id }).is_allowed() {
        return Err(not_found());
    }
    let org = match state.store.get_org(org_id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(not_found()),
        Err(e) => return Err(store_error_page(state, auth, e)),
    };
    let editable = decide(&auth.principal, Action::Update, Resource::Organisation { org_id }).is_allowed();
    Ok((org, editable))
}

fn profile_pairs(entity: &BTreeMap<String, Value>) -> Vec<(String, String)> {
    let mut p = Vec::new();
    for (k, v) in entity {
        match v {
            Value::Array(items) => {
                for i in items {
                    p.push((k.clone(), i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string())));
                }
            }
            Value::String(s) => p.push((k.clone(), s.clone())),
            other => p.push((k.clone(), other.to_string())),
        }
    }
    p
}

fn profile_page(state: &AppState, auth: &Auth, org: &ward_core::Organisation, editable: bool, version: i64, pairs: &[(String, String)], errors: &[FieldError], notice: Option<&str>) -> Response {
    let Ok(rules) = ob::rules() else { return error_page(state, auth, StatusCode::INTERNAL_SERVER_ERROR, "Rules unavailable", "The built-in rules could not be loaded.") };
    let form = FormState { form: "profile", pairs: pairs.to_vec(), errors: errors.to_vec(), notice: None };
    let calendars = rules.calendar_ids();
    let facts = profile_facts(rules);
    let action = format!("/orgs/{}/reporting-profile", org.id);
    let content = html! {
        p { "The facts about " strong { (org.name) } " that decide which reporting regimes apply. Every incident's obligations are computed from them; saving re-evaluates the open incidents." }
        @if let Some(n) = notice { p class="notice" role="status" { (n) } }
        (error_summary("p", errors))
        @if editable {
            form method="post" action=(action) novalidate {
                (csrf_field(auth))
                input type="hidden" name="_version" value=(version);
                @for f in &facts {
                    (fact_widget("p", f, f.label("en"), &form.values("profile", &f.id), form.error("profile", &f.id), profile_hint(&f.id), &calendars))
                }
                div class="actions" { button type="submit" class="primary" { "Save profile" } a href="/obligations" { "Open obligations" } }
            }
        } @else {
            dl class="facts" {
                @for f in &facts {
                    @let v = form.values("profile", &f.id);
                    @if !v.is_empty() { dt { (f.label("en")) } dd { (v.join(", ")) } }
                }
            }
            p class="muted" { "Only the organisation's administrators change the profile." }
        }
    };
    layout(state, auth, &format!("Reporting profile: {}", org.name), Some(Back { href: "/obligations", label: "Open obligations" }), content).into_response()
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn profile_form(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<SavedQuery>) -> Response {
    let (org, editable) = match profile_access(&state, &auth, &id).await { Ok(x) => x, Err(r) => return r };
    let profile = match state.store.reporting_profile(org.id).await { Ok(p) => p, Err(e) => return store_error_page(&state, &auth, e) };
    let (version, pairs) = match &profile {
        Some(p) => (p.version, profile_pairs(&p.entity)),
        None => (0, default_profile(&org)),
    };
    let notice = q.saved.is_some().then_some("Profile saved. Open incidents were re-evaluated.");
    profile_page(&state, &auth, &org, editable, version, &pairs, &[], notice)
}

/// Starting values for a new profile from what the organisation record says.
fn default_profile(org: &ward_core::Organisation) -> Vec<(String, String)> {
    let mut p = Vec::new();
    if let Some(c) = &org.country {
        p.push(("entity.country_of_establishment".to_owned(), c.as_str().to_owned()));
    }
    if org.org_type == ward_core::OrgType::Hospital {
        p.push(("entity.types".to_owned(), "hospital".to_owned()));
        p.push(("entity.types".to_owned(), "healthcare_provider".to_owned()));
    }
    p
}

pub async fn profile_save(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login(&format!("/orgs/{}/reporting-profile", url_encode(&id))) };
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit the form again.");
    }
    let (org, editable) = match profile_access(&state, &auth, &id).await { Ok(x) => x, Err(r) => return r };
    if !editable {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot change this profile", "Only the organisation's administrators change its reporting profile.");
    }
    let Ok(rules) = ob::rules() else { return error_page(&state, &auth, StatusCode::INTERNAL_SERVER_ERROR, "Rules unavailable", "The built-in rules could not be loaded.") };
    let version: i64 = form_value(&pairs, "_version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    let (entity, errors) = profile_from_pairs(rules, &pairs);
    let form_pairs: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !k.starts_with('_')).cloned().collect();
    if !errors.is_empty() {
        return profile_page(&state, &auth, &org, true, version, &form_pairs, &errors, None);
    }
    let now = Timestamp::now();
    match state.store.save_reporting_profile(org.id, version, &entity, Some(user.id), now).await {
        Ok(_) => {
            tracing::info!(org.id = %org.id, "reporting profile saved");
            ob::reevaluate_org(&state.store, rules, org.id, now).await;
            Redirect::to(&format!("/orgs/{}/reporting-profile?saved=1", org.id)).into_response()
        }
        Err(StoreError::Conflict { current }) => profile_page(&state, &auth, &org, true, current, &form_pairs, &[], Some("Someone else saved the profile while you were editing. Your values are below and were not saved; submit again to replace theirs.")),
        Err(e) => store_error_page(&state, &auth, e),
    }
}

/// The profile facts from a posted form, each checked (errors name the fact id).
pub fn profile_from_pairs(rules: &RuleSet, pairs: &[(String, String)]) -> (BTreeMap<String, Value>, Vec<FieldError>) {
    let mut grouped: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (k, v) in pairs {
        if !k.starts_with('_') {
            grouped.entry(k.clone()).or_default().push(v.as_str());
        }
    }
    let mut entity = BTreeMap::new();
    let mut errors = Vec::new();
    for (id, values) in grouped {
        match rules.fact_info(&id).filter(|f| f.id.starts_with("entity.") || f.id.starts_with("policy.")) {
            Some(info) => {
                if let Some(v) = ob::form_value_to_json(&info, &values, None) {
                    entity.insert(id, v);
                }
            }
            None => errors.push(FieldError::new(id, "not a fact of the organisation's reporting profile")),
        }
    }
    errors.extend(ob::check_profile(rules, &entity));
    (entity, errors)
}

