//! Culture of resilience in the browser: the "report something suspicious" page (for signed-in
//! staff at `/report`, and without an account through the organisation link `/r/{token}`:
//! rate-limited, CSRF-safe by double-submit cookie, with a honeypot against form spam, in
//! English, German and French), the reporter's status page, the response queue with running
//! timers and one-step triage (acknowledge, dismiss with a reason, merge, turn into an
//! incident whose reporting clocks start at the recorded awareness time), attachments served
//! only as downloads, the culture settings (link and QR code, team, departments), lessons with
//! quizzes, and the department metrics.

use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use maud::{html, Markup, DOCTYPE};
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::{IncidentDraft, OrgId};
use ward_culture::i18n::{category_label, occurred_label, status_label, texts, Lang};
use ward_culture::lessons::{self, Lesson};
use ward_culture::report::{RawAttachment, ReportFields, MAX_ATTACHMENT_BYTES};
use ward_culture::{Category, OccurredHint, ReportInput, ReportStatus};
use ward_store::{ReportDecision, StoreError, StoredReport};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login, Back};
use crate::auth::{self, cookie_value, Auth};
use crate::AppState;

/// Largest body of a report POST: the attachment limit plus room for the fields.
pub const MAX_REPORT_BODY_BYTES: usize = MAX_ATTACHMENT_BYTES + 256 * 1024;
/// The double-submit cookie of the account-less report form.
pub const REPORT_CSRF_COOKIE: &str = "ward_report_csrf";
/// Longest dismissal reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

// ---------------------------------------------------------------- reading the form

enum FormError {
    TooLarge,
    Bad(String),
}

/// Reads a report form: multipart (with the attachment) or urlencoded (without).
async fn read_report_form(req: Request) -> Result<(Vec<(String, String)>, Option<RawAttachment>), FormError> {
    let is_multipart = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return read_form(req).await.map(|p| (p, None)).map_err(FormError::Bad);
    }
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| FormError::Bad(format!("the form could not be read: {}", e.body_text())))?;
    let mut pairs = Vec::new();
    let mut attachment = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(FormError::TooLarge),
            Err(e) => return Err(FormError::Bad(format!("the form could not be read: {}", e.body_text()))),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "attachment" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { FormError::TooLarge } else { FormError::Bad(format!("attachment: {}", e.body_text())) })?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                attachment = Some(RawAttachment { file_name, bytes: bytes.to_vec() });
            }
        } else {
            let text = field.text().await.map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { FormError::TooLarge } else { FormError::Bad(format!("{name}: {}", e.body_text())) })?;
            pairs.push((name, text));
        }
    }
    Ok((pairs, attachment))
}

fn parse_report(pairs: &[(String, String)], attachment: Option<RawAttachment>) -> Result<ReportInput, Vec<ward_culture::FieldProblem>> {
    ReportInput::parse(ReportFields {
        category: form_value(pairs, "category").unwrap_or(""),
        department: form_value(pairs, "department").unwrap_or(""),
        occurred: form_value(pairs, "occurred").unwrap_or(""),
        description: form_value(pairs, "description").unwrap_or(""),
        attachment,
    })
}

// ---------------------------------------------------------------- the report form

#[derive(Default)]
struct Values {
    category: String,
    department: String,
    occurred: String,
    description: String,
}

impl Values {
    fn from(pairs: &[(String, String)]) -> Values {
        let v = |k| form_value(pairs, k).unwrap_or("").to_owned();
        Values { category: v("category"), department: v("department"), occurred: v("occurred"), description: v("description") }
    }
}

fn report_form(lang: Lang, action: &str, hidden_csrf: Option<&str>, session_csrf: Markup, values: &Values, problems: &[ward_culture::FieldProblem]) -> Markup {
    let t = texts(lang);
    let err = |f: &str| problems.iter().find(|p| p.field == f).map(|p| p.reason.clone());
    html! {
        @if !problems.is_empty() {
            div class="error-summary" role="alert" tabindex="-1" id="error-summary" {
                h2 { (t.problem) }
                ul { @for p in problems { li { a href={"#report-" (p.field)} { (p.field) } ": " (p.reason) } } }
            }
        }
        p class="lead" { (t.intro) }
        form method="post" action=(action) enctype="multipart/form-data" class="report-form" {
            (session_csrf)
            @if let Some(c) = hidden_csrf { input type="hidden" name="_csrf" value=(c); }
            input type="hidden" name="lang" value=(lang.code());
            fieldset class={"field" @if err("category").is_some() { " has-error" }} id="report-category" {
                legend class="label" { (t.what) }
                @if let Some(e) = err("category") { span class="field-error" { (e) } }
                div class="choices" {
                    @for c in Category::ALL {
                        label class="choice" { input type="radio" name="category" value=(c.as_str()) required checked[values.category == c.as_str()]; " " (category_label(lang, c)) }
                    }
                }
            }
            div class={"field" @if err("department").is_some() { " has-error" }} {
                label for="report-department" { (t.where_) }
                span class="hint" { (t.where_hint) }
                @if let Some(e) = err("department") { span class="field-error" { (e) } }
                input type="text" id="report-department" name="department" required maxlength="120" autocomplete="organization-title" value=(values.department);
            }
            div class={"field" @if err("occurred").is_some() { " has-error" }} {
                label for="report-occurred" { (t.when) }
                @if let Some(e) = err("occurred") { span class="field-error" { (e) } }
                select id="report-occurred" name="occurred" {
                    @for o in OccurredHint::ALL { option value=(o.as_str()) selected[values.occurred == o.as_str()] { (occurred_label(lang, o)) } }
                }
            }
            div class={"field" @if err("description").is_some() { " has-error" }} {
                label for="report-description" { (t.description) }
                span class="hint" { (t.description_hint) }
                @if let Some(e) = err("description") { span class="field-error" { (e) } }
                textarea id="report-description" name="description" rows="4" maxlength="4000" { (values.description) }
            }
            div class={"field" @if err("attachment").is_some() { " has-error" }} {
                label for="report-attachment" { (t.attachment) }
                span class="hint" { (t.attachment_hint) }
                @if let Some(e) = err("attachment") { span class="field-error" { (e) } }
                input type="file" id="report-attachment" name="attachment" accept=".eml,.msg,message/rfc822,image/png,image/jpeg";
            }
            // A honeypot: people never see it; form robots fill it in.
            div class="hp" aria-hidden="true" {
                label for="report-website" { "Leave this empty" }
                input type="text" id="report-website" name="website" tabindex="-1" autocomplete="off";
            }
            button type="submit" class="primary big" { (t.submit) }
        }
    }
}

/// The frame of the account-less pages: the organisation's language, a language switch, no
/// navigation that would lead a signed-out person to pages they cannot use.
fn public_page(state: &AppState, lang: Lang, title: &str, switch_base: Option<&str>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (state.config.instance_name) }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/ward.css";
            }
            body class="public" {
                header class="site" { nav aria-label="Language" {
                    span class="brand" { (state.config.instance_name) }
                    @if let Some(base) = switch_base {
                        ul { @for l in Lang::ALL { li { a href={(base) "?lang=" (l.code())} lang=(l.code()) aria-current=[(l == lang).then_some("true")] { (l.name()) } } } }
                    }
                } }
                main id="main" { h1 { (title) } (content) }
            }
        }
    }
}

fn lang_of(headers: &HeaderMap, query: Option<&str>) -> Lang {
    Lang::negotiate(query, headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
    new: Option<String>,
    reference: Option<String>,
}

fn report_csrf_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{REPORT_CSRF_COOKIE}={value}; Path=/r/; HttpOnly; SameSite=Strict; Max-Age=7200{secure}")).unwrap_or(HeaderValue::from_static(""))
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /r/{token}`: the account-less report form of an organisation.
pub async fn link_form(State(state): State<AppState>, Path(token): Path<String>, Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let Ok(Some(_org)) = state.store.org_for_report_link(&token).await else { return link_not_found(&state) };
    let lang = lang_of(&headers, q.lang.as_deref());
    let csrf = cookie_value(&headers, REPORT_CSRF_COOKIE).filter(|c| c.len() >= 32).map(str::to_owned).unwrap_or_else(auth::new_secret);
    let base = format!("/r/{token}");
    let body = public_page(&state, lang, texts(lang).title, Some(&base), report_form(lang, &base, Some(&csrf), html! {}, &Values::default(), &[]));
    let mut resp = body.into_response();
    resp.headers_mut().append(header::SET_COOKIE, report_csrf_cookie(&state, &csrf));
    no_store(resp)
}

fn link_not_found(state: &AppState) -> Response {
    let body = public_page(state, Lang::En, "This report link does not work", None, html! {
        p { "The link is wrong or has been replaced. Use the QR code on your ward's current notice, sign in and choose “Report something suspicious”, or call your IT service desk." }
    });
    (StatusCode::NOT_FOUND, body).into_response()
}

fn client_key(req: &Request) -> String {
    req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// `POST /r/{token}`: an account-less report.
pub async fn link_submit(State(state): State<AppState>, Path(token): Path<String>, req: Request) -> Response {
    let org = match state.store.org_for_report_link(&token).await {
        Ok(Some(org)) => org,
        Ok(None) => return link_not_found(&state),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let lang = lang_of(req.headers(), None);
    if let Err(retry) = state.culture.limiter.check(&token, &client_key(&req)) {
        let t = texts(lang);
        let body = public_page(&state, lang, t.title, None, html! {
            div class="error-summary" role="alert" { h2 { (t.problem) } p { "Too many reports from here in a short time. Please wait " (retry.div_ceil(60)) " minutes, or call your IT service desk if it is urgent." } }
        });
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry));
        return resp;
    }
    let cookie_csrf = cookie_value(req.headers(), REPORT_CSRF_COOKIE).map(str::to_owned);
    let base = format!("/r/{token}");
    let (pairs, attachment) = match read_report_form(req).await {
        Ok(x) => x,
        Err(FormError::TooLarge) => return public_problem(&state, lang, &base, StatusCode::PAYLOAD_TOO_LARGE, &format!("attachment: the report is larger than {} MiB; attach at most {} MiB", MAX_REPORT_BODY_BYTES / (1024 * 1024) + 1, MAX_ATTACHMENT_BYTES / (1024 * 1024))),
        Err(FormError::Bad(m)) => return public_problem(&state, lang, &base, StatusCode::BAD_REQUEST, &m),
    };
    let lang = form_value(&pairs, "lang").map_or(lang, |l| Lang::negotiate(Some(l), None));
    let csrf_ok = matches!((cookie_csrf.as_deref(), form_value(&pairs, "_csrf")), (Some(c), Some(f)) if auth::secrets_equal(c, f));
    if !csrf_ok {
        return public_problem(&state, lang, &base, StatusCode::FORBIDDEN, "the form has expired or was not sent from this page: open the report link again and resend");
    }
    if form_value(&pairs, "website").is_some_and(|v| !v.is_empty()) {
        return public_problem(&state, lang, &base, StatusCode::BAD_REQUEST, "website: this field must stay empty (it catches form robots)");
    }
    let input = match parse_report(&pairs, attachment) {
        Ok(i) => i,
        Err(problems) => {
            let csrf = cookie_csrf.unwrap_or_default();
            let body = public_page(&state, lang, texts(lang).title, Some(&base), report_form(lang, &base, Some(&csrf), html! {}, &Values::from(&pairs), &problems));
            return no_store((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    match crate::culture::submit(&state.store, &state.culture.notify, org, input, "link", None, Timestamp::now()).await {
        Ok(report) => Redirect::to(&format!("/report/status/{}?new=1&lang={}", report.reference, lang.code())).into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

fn public_problem(state: &AppState, lang: Lang, back: &str, status: StatusCode, message: &str) -> Response {
    let t = texts(lang);
    let body = public_page(state, lang, t.title, None, html! {
        div class="error-summary" role="alert" { h2 { (t.problem) } p { (message) } }
        p { a href=(back) { "← " (t.title) } }
    });
    no_store((status, body).into_response())
}

/// `GET /report`: the signed-in form (one click from every page), or how to report without an
/// account.
pub async fn report_page(State(state): State<AppState>, auth: Auth, Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers, q.lang.as_deref());
    let Some(user) = &auth.user else {
        let body = layout(&state, &auth, texts(lang).title, None, html! {
            p class="lead" { (texts(lang).intro) }
            p { "Use your organisation's report link (the QR code on your ward's notice board) — no account needed — or " a href="/login?next=/report" { "sign in" } " to report here." }
            (status_lookup(lang))
        });
        return body.into_response();
    };
    if !decide(&auth.principal, Action::Create, Resource::CultureReports { org_id: user.org_id }).is_allowed() {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "Not allowed", "You cannot report for this organisation.");
    }
    let mine = state.store.reports_by_reporter(user.id).await.unwrap_or_default();
    let body = layout(&state, &auth, texts(lang).title, None, html! {
        (report_form(lang, "/report", None, csrf_field(&auth), &Values::default(), &[]))
        @if !mine.is_empty() {
            h2 { "Your reports" }
            ul id="my-reports" { @for r in &mine { li {
                a href={"/report/status/" (r.reference)} { (r.reference) } " · " (category_label(lang, r.category)) " · " (status_label(lang, r.status))
            } } }
        }
        (status_lookup(lang))
    });
    no_store(body.into_response())
}

fn status_lookup(lang: Lang) -> Markup {
    let t = texts(lang);
    html! {
        h2 { (t.follow) }
        form method="get" action="/report/status" class="inline-form" {
            label for="reference" { (t.reference) }
            input type="text" id="reference" name="reference" placeholder="R-XXXX-XXXX-XXXX" autocomplete="off";
            button type="submit" { (t.follow) }
        }
    }
}

/// `POST /report`: a signed-in report.
pub async fn report_submit(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login("/report") };
    let (pairs, attachment) = match read_report_form(req).await {
        Ok(x) => x,
        Err(FormError::TooLarge) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "Report too large", &format!("attachment: attach at most {} MiB", MAX_ATTACHMENT_BYTES / (1024 * 1024))),
        Err(FormError::Bad(m)) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Could not read the form", &m),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "Form expired", "The form's security token is missing or stale: reload the page and send it again.");
    }
    if !decide(&auth.principal, Action::Create, Resource::CultureReports { org_id: user.org_id }).is_allowed() {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "Not allowed", "You cannot report for this organisation.");
    }
    let lang = Lang::negotiate(form_value(&pairs, "lang"), None);
    let input = match parse_report(&pairs, attachment) {
        Ok(i) => i,
        Err(problems) => {
            let body = layout(&state, &auth, texts(lang).title, None, report_form(lang, "/report", None, csrf_field(&auth), &Values::from(&pairs), &problems));
            return (StatusCode::UNPROCESSABLE_ENTITY, body).into_response();
        }
    };
    match crate::culture::submit(&state.store, &state.culture.notify, user.org_id, input, "signed_in", Some(user.id), Timestamp::now()).await {
        Ok(report) => Redirect::to(&format!("/report/status/{}?new=1&lang={}", report.reference, lang.code())).into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `GET /report/status?reference=…`: the lookup form's target.
pub async fn status_lookup_redirect(Query(q): Query<LangQuery>) -> Response {
    let r = q.reference.as_deref().and_then(ward_store::normalise_reference).unwrap_or_else(|| "unknown".into());
    Redirect::to(&format!("/report/status/{r}")).into_response()
}

/// `GET /report/status/{reference}`: what happened to a report (its reference is the key:
/// 60 random bits). Shows the category, when it arrived and its status; never the content.
pub async fn status_page(State(state): State<AppState>, Path(reference): Path<String>, Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers, q.lang.as_deref());
    let t = texts(lang);
    let report = match state.store.report_by_reference(&reference).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            let body = public_page(&state, lang, t.status, None, html! { p { "No report has this reference number. Check it and try again." } (status_lookup(lang)) });
            return (StatusCode::NOT_FOUND, body).into_response();
        }
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let fresh = q.new.is_some();
    let title = if fresh { t.thanks } else { t.status };
    let body = public_page(&state, lang, title, Some(&format!("/report/status/{}", report.reference)), html! {
        @if fresh { p class="lead" { (t.thanks_body) } }
        div class="reference-box" {
            span class="label" { (t.reference) }
            strong class="reference" id="reference" { (report.reference) }
        }
        dl class="facts" {
            dt { (t.what) } dd { (category_label(lang, report.category)) }
            dt { (t.status) } dd id="report-status" { (status_label(lang, report.status)) }
            dt { "⏱" } dd { time datetime=(report.received_at.to_string()) { (report.received_at.strftime("%Y-%m-%d %H:%M UTC")) } }
        }
        p { a href="/report" { (t.title) } }
    });
    no_store(body.into_response())
}

// ---------------------------------------------------------------- the response queue

/// The organisation a triage page works on: the caller's own, or `?org=` for the instance
/// administrator. Access is `policy::decide` on the organisation's reports.
fn triage_org(auth: &Auth, org: Option<&str>, action: Action) -> Result<OrgId, Decision> {
    let Some(user) = &auth.user else { return Err(Decision::Deny { hide: false, reason: "sign in first" }) };
    let org_id = org.and_then(|o| o.parse().ok()).unwrap_or(user.org_id);
    match decide(&auth.principal, action, Resource::CultureReports { org_id }) {
        Decision::Allow => Ok(org_id),
        d => Err(d),
    }
}

fn denied(state: &AppState, auth: &Auth, d: Decision) -> Response {
    match d {
        Decision::Deny { hide: true, .. } => error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is nothing here."),
        Decision::Deny { reason, .. } => error_page(state, auth, StatusCode::FORBIDDEN, "Not allowed", reason),
        Decision::Allow => error_page(state, auth, StatusCode::FORBIDDEN, "Not allowed", "not allowed"),
    }
}

fn countdown(due: Timestamp, now: Timestamp) -> Markup {
    html! {
        span class="timer" {
            time datetime=(due.to_string()) { (due.strftime("%H:%M UTC")) }
            " " span class="countdown" data-due=(due.to_string()) { "(" (super::obligations::countdown_text(due, now)) ")" }
        }
    }
}

fn status_badge(s: ReportStatus) -> Markup {
    html! { span class={"status status-" (s.as_str())} { (s.as_str().replace('_', " ")) } }
}

#[derive(serde::Deserialize, Default)]
pub struct OrgQuery {
    org: Option<String>,
}

/// `GET /culture`: where the culture pages are.
pub async fn hub(State(state): State<AppState>, auth: Auth) -> Response {
    let Some(user) = &auth.user else { return to_login("/culture") };
    let triage = decide(&auth.principal, Action::Read, Resource::CultureReports { org_id: user.org_id }).is_allowed();
    let admin = decide(&auth.principal, Action::Update, Resource::Organisation { org_id: user.org_id }).is_allowed();
    let headline = if triage {
        match tokio::try_join!(state.store.departments(user.org_id), state.store.culture_facts(user.org_id)) {
            Ok((staff, (reports, completions))) => ward_culture::metrics::department_metrics(&staff, &reports, &completions, all_lessons().len()).pop(),
            Err(_) => None,
        }
    } else {
        None
    };
    let body = layout(&state, &auth, "Culture of resilience", None, html! {
        @if let Some(m) = &headline {
            div class="tiles" id="culture-headline" {
                div class="tile" { span class="tile-value" { (m.reports) } span class="tile-label" { "reports" } span class="tile-coverage" { (num(m.reports_per_100_staff, "per 100 staff")) } }
                div class="tile" { span class="tile-value" { (num(m.median_minutes_to_acknowledge, "min")) } span class="tile-label" { "median time to acknowledge" } }
                div class="tile" { span class="tile-value" { (pct(m.lesson_completion)) } span class="tile-label" { "lesson completion" } }
                div class="tile" { span class="tile-value" { (pct(m.share_real_incidents)) } span class="tile-label" { "of decided reports were real incidents" } }
            }
            p class="muted" { "A rising number of reports is good news: it means people notice and speak up. " a href="/culture/metrics" { "What the numbers mean, per department" } }
        }
        ul class="tiles" {
            li class="tile" { a href="/report" { span class="tile-label" { "Report something suspicious" } } span class="tile-coverage" { "in seconds, from any device" } }
            li class="tile" { a href="/culture/lessons" { span class="tile-label" { "Cyber-hygiene lessons" } } span class="tile-coverage" { "a few minutes each, with a short quiz" } }
            @if triage {
                li class="tile" { a href="/culture/queue" { span class="tile-label" { "Response queue" } } span class="tile-coverage" { "reports with their timers" } }
                li class="tile" { a href="/culture/metrics" { span class="tile-label" { "Culture metrics" } } span class="tile-coverage" { "per department, no individuals" } }
            }
            @if admin {
                li class="tile" { a href="/culture/settings" { span class="tile-label" { "Settings" } } span class="tile-coverage" { "report link and QR code, team, departments" } }
            }
        }
    });
    body.into_response()
}

/// `GET /culture/queue`: open reports with running timers, then recent decisions.
pub async fn queue(State(state): State<AppState>, auth: Auth, Query(q): Query<OrgQuery>) -> Response {
    if auth.user.is_none() {
        return to_login("/culture/queue");
    }
    let org = match triage_org(&auth, q.org.as_deref(), Action::Read) {
        Ok(o) => o,
        Err(d) => return denied(&state, &auth, d),
    };
    let all = auth.user.as_ref().is_some_and(|u| u.role == ward_core::Role::InstanceAdmin) && q.org.is_none();
    let reports = match state.store.list_reports(if all { None } else { Some(org) }, false).await {
        Ok(r) => r,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let now = Timestamp::now();
    let open: Vec<&StoredReport> = reports.iter().filter(|r| !r.status.is_decided()).collect();
    let body = layout(&state, &auth, "Response queue", Some(Back { href: "/culture", label: "Culture" }), html! {
        p class="lead" { (open.len()) " open report(s). Acknowledge within the time shown; unacknowledged reports escalate along the team's chain." }
        div class="table-wrap" {
            table class="queue" {
                thead { tr { th scope="col" { "Reference" } th scope="col" { "What" } th scope="col" { "Where" } th scope="col" { "Received" } th scope="col" { "Status" } th scope="col" { "Acknowledge by" } th scope="col" { "Decide by" } th scope="col" { "Escalation" } } }
                tbody {
                    @for r in &reports {
                        tr class={"status-" (r.status.as_str()) @if r.escalation_level > 0 && !r.status.is_decided() { " escalated" }} data-reference=(r.reference) {
                            td data-label="Reference" { a href={"/culture/queue/" (r.id)} { (r.reference) } }
                            td data-label="What" { (category_label(Lang::En, r.category)) }
                            td data-label="Where" { (r.department) }
                            td data-label="Received" { time datetime=(r.received_at.to_string()) { (r.received_at.strftime("%Y-%m-%d %H:%M UTC")) } }
                            td data-label="Status" { (status_badge(r.status)) }
                            td data-label="Acknowledge by" { @if r.status == ReportStatus::New { (countdown(r.ack_due_at, now)) } @else if let Some(a) = r.acknowledged_at { span class="muted" { "done " (a.strftime("%H:%M")) } } }
                            td data-label="Decide by" { @if !r.status.is_decided() { (countdown(r.decide_due_at, now)) } @else if let Some(d) = r.decided_at { span class="muted" { "done " (d.strftime("%H:%M")) } } }
                            td class="escalation" data-label="Escalation" { @if r.escalation_level > 0 { strong { "level " (r.escalation_level) } } @else { span class="muted" { "—" } } }
                        }
                    }
                }
            }
        }
        script src="/assets/obligations.js" defer {}
    });
    body.into_response()
}

async fn load_report(state: &AppState, auth: &Auth, id: &str, action: Action) -> Result<StoredReport, Response> {
    let report = match state.store.get_report(id, None).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Err(error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is no such report.")),
        Err(e) => return Err(crate::error::ApiError::from(e).into_response()),
    };
    match decide(&auth.principal, action, Resource::CultureReports { org_id: report.org_id }) {
        Decision::Allow => Ok(report),
        Decision::Deny { hide: true, .. } => Err(error_page(state, auth, StatusCode::NOT_FOUND, "Not found", "There is no such report.")),
        d => Err(denied(state, auth, d)),
    }
}

/// `GET /culture/queue/{id}`: one report with its e-mail analysis, escalations,
/// notifications and the triage actions.
pub async fn report_detail(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/culture/queue/{id}"));
    }
    let r = match load_report(&state, &auth, &id, Action::Read).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let (atts, escalations, notes) = match tokio::try_join!(state.store.report_attachments(&r.id), state.store.escalations(&r.id), state.store.list_notifications(r.org_id, Some(&r.id))) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let mut attempts = Vec::new();
    for n in notes.iter().filter(|n| n.channel != "web") {
        attempts.push((n.id.clone(), state.store.delivery_attempts(&n.id).await.unwrap_or_default()));
    }
    let now = Timestamp::now();
    let can_update = decide(&auth.principal, Action::Update, Resource::CultureReports { org_id: r.org_id }).is_allowed();
    let default_country = default_country(&state, r.org_id).await;
    let default_title = format!("{} reported in {}", category_label(Lang::En, r.category), r.department);
    let body = layout(&state, &auth, &format!("Report {}", r.reference), Some(Back { href: "/culture/queue", label: "Response queue" }), html! {
        dl class="facts" {
            dt { "Status" } dd id="report-status" { (status_badge(r.status)) }
            dt { "What" } dd { (category_label(Lang::En, r.category)) }
            dt { "Where" } dd { (r.department) }
            dt { "When" } dd { (occurred_label(Lang::En, r.occurred)) }
            dt { "Received" } dd { time datetime=(r.received_at.to_string()) { (r.received_at.strftime("%Y-%m-%d %H:%M:%S UTC")) } " via " (if r.via == "link" { "the organisation link (no account)" } else { "a signed-in account" }) }
            @if r.status == ReportStatus::New { dt { "Acknowledge by" } dd { (countdown(r.ack_due_at, now)) } }
            @if !r.status.is_decided() { dt { "Decide by" } dd { (countdown(r.decide_due_at, now)) } }
            @if let Some(reason) = &r.dismiss_reason { dt { "Dismissed because" } dd { (reason) } }
            @if let Some(m) = &r.merged_into { dt { "Merged into" } dd { a href={"/culture/queue/" (m)} { "the report it repeats" } } }
            @if let Some(i) = r.incident_id { dt { "Incident" } dd { a href={"/incidents/" (i)} id="incident-link" { "open the incident" } } }
        }
        h2 { "Description" }
        @if r.description.is_empty() { p class="muted" { "(none given)" } } @else { pre class="user-text" id="report-description" { (r.description) } }
        @if !atts.is_empty() {
            h2 { "Attachment" }
            ul { @for a in &atts { li {
                a href={"/culture/queue/" (r.id) "/attachments/" (a.id)} download { (a.file_name) } " (" (a.kind) ", " (a.size_bytes) " bytes) "
                br; small class="muted" { "SHA-256 " code { (a.sha256) } " · downloaded, never opened in the browser" }
            } } }
        }
        @if let Some(s) = &r.email_summary {
            h2 { "The reported e-mail" }
            dl class="facts email-summary" {
                dt { "From" } dd { @if let Some(n) = &s.from_name { (n) " " } code { (s.from.as_deref().unwrap_or("(none)")) } }
                @if let Some(rt) = &s.reply_to { dt { "Reply-To" } dd { code { (rt) } @if s.from.as_deref() != Some(rt.as_str()) { " " strong { "differs from the sender" } } } }
                dt { "Subject" } dd { (s.subject.as_deref().unwrap_or("(none)")) }
                @if let Some(d) = &s.date { dt { "Date" } dd { (d) } }
                @if let Some(m) = &s.message_id { dt { "Message-ID" } dd { code { (m) } } }
                dt { "Relays" } dd { (s.received_hops) " Received: header(s)" }
                @if let Some(a) = &s.authentication_results { dt { "Authentication-Results" } dd { code { (a) } } }
            }
            @if !s.links.is_empty() {
                h3 { "Links (shown as text, not clickable)" }
                ul class="links" { @for l in &s.links { li { code { (l) } } } }
            }
            @if !s.attachments.is_empty() {
                h3 { "Files attached to the e-mail" }
                ul { @for a in &s.attachments { li { (a.name) " (" (a.size_bytes) " bytes) " code { (a.sha256) } } } }
            }
            h3 { "Indicators" }
            p { (s.indicators.len()) " indicator(s) extracted. They are offered to the matcher and for sharing; nothing is published automatically. "
                a href={"/culture/queue/" (r.id) "/indicators.txt"} download { "Download the list for ward match" } " · "
                a href={"/culture/queue/" (r.id) "/indicators.stix.json"} download { "STIX 2.1 bundle (TLP:AMBER) for sharing" } }
            ul class="indicators" { @for i in &s.indicators { li { span class="muted" { (i.kind) } " " code { (i.value) } } } }
        }
        @if can_update && !r.status.is_decided() {
            h2 { "Triage" }
            div class="actions triage" {
                @if r.status == ReportStatus::New {
                    form method="post" action={"/culture/queue/" (r.id) "/acknowledge"} {
                        (csrf_field(&auth)) input type="hidden" name="version" value=(r.version);
                        button type="submit" class="primary" id="acknowledge" { "Acknowledge" }
                    }
                }
            }
            details open {
                summary { "Turn into an incident" }
                form method="post" action={"/culture/queue/" (r.id) "/incident"} {
                    (csrf_field(&auth)) input type="hidden" name="version" value=(r.version);
                    div class="field" { label for="incident-title" { "Title" } input type="text" id="incident-title" name="title" value=(default_title) maxlength="200"; }
                    div class="field" {
                        label for="incident-country" { "Country (ISO 3166 code)" }
                        input type="text" id="incident-country" name="country" value=(default_country) maxlength="2" required;
                    }
                    div class="field" {
                        label for="awareness-at" { "Aware of the incident at (RFC 3339)" }
                        span class="hint" { "The reporting-obligation clocks start here. Pre-filled with the time the report arrived." }
                        input type="text" id="awareness-at" name="awareness_at" value=(r.received_at.to_string());
                    }
                    button type="submit" id="make-incident" { "Create the incident" }
                }
            }
            details {
                summary { "Dismiss with a reason" }
                form method="post" action={"/culture/queue/" (r.id) "/dismiss"} {
                    (csrf_field(&auth)) input type="hidden" name="version" value=(r.version);
                    div class="field" { label for="dismiss-reason" { "Reason (the reporter sees only that it was checked)" } textarea id="dismiss-reason" name="reason" rows="2" maxlength="1000" {} }
                    button type="submit" { "Dismiss" }
                }
            }
            details {
                summary { "Merge into another report" }
                form method="post" action={"/culture/queue/" (r.id) "/merge"} {
                    (csrf_field(&auth)) input type="hidden" name="version" value=(r.version);
                    div class="field" { label for="merge-into" { "Reference of the report it repeats" } input type="text" id="merge-into" name="into" placeholder="R-XXXX-XXXX-XXXX"; }
                    button type="submit" { "Merge" }
                }
            }
        }
        h2 { "Escalations" }
        @if escalations.is_empty() { p class="muted" id="no-escalations" { "None." } }
        @else { ul id="escalations" { @for e in &escalations { li { "Level " (e.level) " at " (e.escalated_at.strftime("%Y-%m-%d %H:%M UTC")) @if !e.recipients.is_empty() { " → " (e.recipients) } } } } }
        h2 { "Notifications" }
        div class="table-wrap" { table {
            thead { tr { th { "Event" } th { "Channel" } th { "To" } th { "Status" } th { "Attempts" } } }
            tbody { @for n in &notes { tr {
                td { (n.event) } td { (n.channel) } td { (n.recipient) } td { (n.status) @if let Some(e) = &n.last_error { br; small class="muted" { (e) } } }
                td { @for (nid, list) in &attempts { @if *nid == n.id { @for a in list { (a.attempt) ". " (a.outcome) " " (a.attempted_at.strftime("%H:%M:%S")) br; } } } }
            } } }
        } }
        script src="/assets/obligations.js" defer {}
    });
    body.into_response()
}

/// The organisation's country, else the first country of establishment in its reporting profile.
async fn default_country(state: &AppState, org: OrgId) -> String {
    if let Ok(o) = state.store.get_org(org).await {
        if let Some(c) = o.country {
            return c.as_str().to_owned();
        }
    }
    let profile = state.store.reporting_profile(org).await.ok().flatten();
    let c = profile.as_ref().and_then(|p| p.entity.get("entity.country_of_establishment")).cloned().unwrap_or_default();
    match c {
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(a) => a.first().and_then(|v| v.as_str()).unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

/// `GET /culture/queue/{id}/attachments/{aid}`: the file, only as a download.
pub async fn attachment(State(state): State<AppState>, auth: Auth, Path((id, aid)): Path<(String, String)>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/culture/queue/{id}"));
    }
    let r = match load_report(&state, &auth, &id, Action::Read).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let (info, kind, bytes) = match state.store.attachment_bytes(&r.id, &aid).await {
        Ok(x) => x,
        Err(StoreError::NotFound) => return error_page(&state, &auth, StatusCode::NOT_FOUND, "Not found", "There is no such attachment."),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    download(bytes, kind.media_type(), &info.file_name)
}

/// A download: `Content-Disposition: attachment`, `nosniff`, a sandboxing CSP, no caching.
fn download(bytes: Vec<u8>, media_type: &'static str, file_name: &str) -> Response {
    let safe: String = file_name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")).unwrap_or(HeaderValue::from_static("attachment")));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /culture/queue/{id}/indicators.txt`: the e-mail's indicators as a plain list.
pub async fn indicators(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/culture/queue/{id}"));
    }
    let r = match load_report(&state, &auth, &id, Action::Read).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let list = r.email_summary.as_ref().map(|s| ward_culture::eml::indicator_list(&s.indicators)).unwrap_or_default();
    let mut resp = download(list.into_bytes(), "text/plain; charset=utf-8", &format!("{}-indicators.txt", r.reference));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

/// A STIX 2.1 pattern for one indicator (string literals escaped per the patterning grammar).
fn stix_pattern(i: &ward_culture::eml::Indicator) -> Option<String> {
    let v = i.value.replace('\\', "\\\\").replace('\'', "\\'");
    Some(match i.kind.as_str() {
        "domain" if i.value.parse::<std::net::Ipv4Addr>().is_ok() => format!("[ipv4-addr:value = '{v}']"),
        "domain" if i.value.parse::<std::net::Ipv6Addr>().is_ok() => format!("[ipv6-addr:value = '{v}']"),
        "domain" => format!("[domain-name:value = '{v}']"),
        "url" => format!("[url:value = '{v}']"),
        "email" => format!("[email-addr:value = '{v}']"),
        "sha256" => format!("[file:hashes.'SHA-256' = '{v}']"),
        _ => return None,
    })
}

/// The e-mail's indicators as a STIX 2.1 bundle marked TLP:AMBER (the organisation's own), for
/// `ward stix import` into a collection: offered for sharing, never published by ward itself.
pub fn indicators_bundle(r: &StoredReport) -> serde_json::Value {
    let ns = crate::export::STIX_ID_NAMESPACE;
    let at = r.received_at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let objects: Vec<serde_json::Value> = r
        .email_summary
        .iter()
        .flat_map(|s| s.indicators.iter())
        .filter_map(|i| {
            let pattern = stix_pattern(i)?;
            Some(serde_json::json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{}", uuid::Uuid::new_v5(&ns, format!("{}|{}|{}", r.id, i.kind, i.value).as_bytes())),
                "created": at, "modified": at, "valid_from": at,
                "name": format!("{} from reported e-mail {}", i.kind, r.reference),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern, "pattern_type": "stix",
                "object_marking_refs": [ward_core::Tlp::Amber.marking_definition_id()],
            }))
        })
        .collect();
    serde_json::json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v5(&ns, format!("culture-report|{}", r.id).as_bytes())), "objects": objects})
}

/// `GET /culture/queue/{id}/indicators.stix.json`.
pub async fn indicators_stix(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/culture/queue/{id}"));
    }
    let r = match load_report(&state, &auth, &id, Action::Read).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let body = serde_json::to_vec_pretty(&indicators_bundle(&r)).unwrap_or_default();
    let mut resp = download(body, "application/stix+json;version=2.1", &format!("{}-indicators.stix.json", r.reference));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/stix+json;version=2.1"));
    resp
}

/// The common start of a triage POST: session, CSRF, policy, version.
async fn triage_post(state: &AppState, auth: &Auth, id: &str, req: Request) -> Result<(StoredReport, Vec<(String, String)>, i64), Response> {
    if auth.user.is_none() {
        return Err(to_login(&format!("/culture/queue/{id}")));
    }
    let pairs = read_form(req).await.map_err(|e| error_page(state, auth, StatusCode::BAD_REQUEST, "Could not read the form", &e))?;
    if !csrf_ok(auth, &pairs) {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "Form expired", "The form's security token is missing or stale: reload the page and try again."));
    }
    let r = load_report(state, auth, id, Action::Update).await?;
    let version = form_value(&pairs, "version").and_then(|v| v.parse().ok()).unwrap_or(r.version);
    Ok((r, pairs, version))
}

fn triage_result(state: &AppState, auth: &Auth, id: &str, result: Result<StoredReport, StoreError>) -> Response {
    match result {
        Ok(r) => Redirect::to(&format!("/culture/queue/{}", r.id)).into_response(),
        Err(StoreError::Conflict { .. }) => error_page(state, auth, StatusCode::CONFLICT, "Already handled", &format!("Someone else acted on this report first. Open it again to see what they did: /culture/queue/{id}")),
        Err(StoreError::NotFound) => error_page(state, auth, StatusCode::UNPROCESSABLE_ENTITY, "Not found", "into: no report of your organisation has that reference"),
        Err(StoreError::Corrupt(m)) if m.contains("itself") => error_page(state, auth, StatusCode::UNPROCESSABLE_ENTITY, "Cannot merge", &format!("into: {m}")),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub async fn acknowledge(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (r, _, version) = match triage_post(&state, &auth, &id, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let by = auth.user.as_ref().map(|u| u.id);
    let result = state.store.acknowledge_report(&r.id, r.org_id, version, by, Timestamp::now()).await;
    if result.is_ok() {
        tracing::info!(report.id = %r.id, "report acknowledged");
    }
    triage_result(&state, &auth, &id, result)
}

pub async fn dismiss(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (r, pairs, version) = match triage_post(&state, &auth, &id, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let reason = match ward_culture::clean_text("reason", form_value(&pairs, "reason").unwrap_or(""), MAX_REASON_CHARS) {
        Ok(r) if r.chars().count() >= 5 => r,
        Ok(_) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "A reason is needed", "reason: say in a few words why this is not a threat (at least 5 characters)"),
        Err(p) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "A reason is needed", &p.to_string()),
    };
    let by = auth.user.as_ref().map(|u| u.id);
    let result = state.store.decide_report(&r.id, r.org_id, version, &ReportDecision::Dismiss { reason }, by, Timestamp::now()).await;
    triage_result(&state, &auth, &id, result)
}

pub async fn merge(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (r, pairs, version) = match triage_post(&state, &auth, &id, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let into = match state.store.report_by_reference(form_value(&pairs, "into").unwrap_or("")).await {
        Ok(t) if t.org_id == r.org_id => t,
        Ok(_) | Err(StoreError::NotFound) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not found", "into: no report of your organisation has that reference"),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let by = auth.user.as_ref().map(|u| u.id);
    let result = state.store.decide_report(&r.id, r.org_id, version, &ReportDecision::Merge { into_report: into.id }, by, Timestamp::now()).await;
    triage_result(&state, &auth, &id, result)
}

/// Turns a report into an incident in one step: the incident is pre-filled from the report
/// (title, organisation as victim, attack type, date, reference in the summary), the awareness
/// time is recorded in the incident's reporting log (so every reporting clock starts from it),
/// and the report is marked with the incident.
pub async fn make_incident(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let (r, pairs, version) = match triage_post(&state, &auth, &id, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if !decide(&auth.principal, Action::Create, Resource::Incidents { org_id: r.org_id }).is_allowed() {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "Not allowed", "You may not record incidents for this organisation.");
    }
    let awareness: Timestamp = match form_value(&pairs, "awareness_at").map(str::trim).filter(|s| !s.is_empty()) {
        None => r.received_at,
        Some(text) => match text.parse() {
            Ok(t) => t,
            Err(_) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the awareness time", &format!("awareness_at: {text:?} is not an RFC 3339 instant such as 2026-11-30T08:15:00Z")),
        },
    };
    let org = match state.store.get_org(r.org_id).await {
        Ok(o) => o,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let title = form_value(&pairs, "title").map(str::trim).filter(|t| !t.is_empty()).map_or_else(|| format!("{} reported in {}", category_label(Lang::En, r.category), r.department), str::to_owned);
    let mut summary = format!("Reported by staff through ward (reference {}) in {}: {}.", r.reference, r.department, category_label(Lang::En, r.category));
    if !r.description.is_empty() {
        summary.push_str(&format!(" Reporter's words: {}", r.description.chars().take(3000).collect::<String>()));
    }
    let mut doc = serde_json::json!({
        "title": title,
        "summary": summary,
        "tlp": "AMBER",
        "victim": {"org_type": org.org_type.as_str(), "name": org.name.as_str()},
        "attack_types": [r.category.attack_type()],
        "timeline": {"incident_on": awareness.strftime("%Y-%m-%d").to_string()},
    });
    match form_value(&pairs, "country").map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()) {
        Some(c) => doc["victim"]["country"] = serde_json::json!(c),
        None => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the incident", "country: give the ISO 3166 code of the country where it happened (e.g. DE)"),
    }
    let draft = match IncidentDraft::from_value(doc) {
        Ok(d) => d,
        Err(e) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the incident", &e.to_string()),
    };
    let by = auth.user.as_ref().map(|u| u.id);
    let now = Timestamp::now();
    let incident = match state.store.create_incident(r.org_id, &draft, by, now).await {
        Ok(i) => i,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    // The awareness time starts the reporting clocks (when a reporting profile exists; without
    // one the incident page asks for the profile, and the time is in the summary and report).
    let scope = auth.scope.clone();
    let mut note = String::new();
    if let (Ok(rules), Ok(loaded)) = (crate::obligations::rules(), crate::obligations::load(&state.store, incident.id, &scope).await) {
        if loaded.profile.is_some() {
            let facts = serde_json::json!({"facts": {"incident.awareness_at": awareness.to_string(), "incident.is_security_incident": "unknown"}});
            let email = auth.user.as_ref().map(|u| u.email.as_str().to_owned()).unwrap_or_default();
            if let Err(e) = crate::obligations::record(&state.store, rules, &loaded, Some(org.name.as_str()), &scope, ward_store::ObligationEventKind::Facts, facts, by, &email, now).await {
                tracing::warn!(incident.id = %incident.id, error = ?e, "awareness time not recorded in the reporting log");
                note = "?awareness=not-recorded".into();
            }
        }
    }
    match state.store.decide_report(&r.id, r.org_id, version, &ReportDecision::Incident { incident: incident.id }, by, now).await {
        Ok(_) => {
            tracing::info!(report.id = %r.id, incident.id = %incident.id, "report turned into an incident");
            Redirect::to(&format!("/incidents/{}{note}", incident.id)).into_response()
        }
        // The incident exists; say so rather than hide it.
        Err(StoreError::Conflict { .. }) => error_page(&state, &auth, StatusCode::CONFLICT, "Already handled", &format!("Someone else decided this report while the incident was being created. The incident is /incidents/{}; link or close it as needed.", incident.id)),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------- settings

#[allow(clippy::result_large_err)] // the Err is the page to answer with
fn settings_org(state: &AppState, auth: &Auth, org: Option<&str>) -> Result<OrgId, Response> {
    let Some(user) = &auth.user else { return Err(to_login("/culture/settings")) };
    let org_id = org.and_then(|o| o.parse().ok()).unwrap_or(user.org_id);
    match decide(&auth.principal, Action::Update, Resource::Organisation { org_id }) {
        Decision::Allow => Ok(org_id),
        d => Err(denied(state, auth, d)),
    }
}

fn link_url(headers: &HeaderMap, state: &AppState, token: &str) -> String {
    let base = state.culture.notify.public_url.clone().unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let scheme = if state.config.secure_cookies { "https" } else { "http" };
        format!("{scheme}://{host}")
    });
    format!("{}/r/{token}", base.trim_end_matches('/'))
}

/// `GET /culture/settings`: the report link with its QR code, the team, the departments.
pub async fn settings(State(state): State<AppState>, auth: Auth, Query(q): Query<OrgQuery>, headers: HeaderMap) -> Response {
    let org = match settings_org(&state, &auth, q.org.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let (settings, team, departments, timers) = match tokio::try_join!(state.store.culture_settings(org), state.store.team(org), state.store.departments(org), state.store.triage_configs(org)) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let link = settings.link_token.as_deref().filter(|_| settings.link_enabled).map(|t| link_url(&headers, &state, t));
    let body = layout(&state, &auth, "Culture settings", Some(Back { href: "/culture", label: "Culture" }), html! {
        h2 { "Report link for wards and desks" }
        @if let Some(url) = &link {
            p { "Anyone with this link can report without an account (rate-limited). Print the QR code for notice boards." }
            p { code id="report-link" { (url) } }
            img src="/culture/settings/qr.svg" alt={"QR code for " (url)} width="200" height="200" class="qr";
        } @else { p id="report-link-off" { "The account-less link is off." } }
        form method="post" action="/culture/settings/link" class="actions" {
            (csrf_field(&auth))
            button type="submit" name="action" value="enable" { @if settings.link_token.is_some() { "Replace the link (old posters stop working)" } @else { "Turn on the link" } }
            @if link.is_some() { button type="submit" name="action" value="disable" { "Turn the link off" } }
        }
        h2 { "Response team" }
        p class="muted" { "Level 1 is alerted at once; when a report is not acknowledged in time it escalates to the next level every " (settings.escalation_interval_minutes) " minutes. At each level only members on call are alerted, or all when none is." }
        div class="table-wrap" { table id="team" {
            thead { tr { th { "Name" } th { "E-mail" } th { "Function" } th { "Level" } th { "On call" } } }
            tbody { @for m in &team { tr { td { (m.name) } td { (m.email) } td { (m.function.replace('_', " ")) } td { (m.escalation_level) } td { @if m.on_call { "yes" } @else { "no" } } } } }
        } }
        form method="post" action="/culture/settings/team" {
            (csrf_field(&auth))
            div class="field" { label for="team-name" { "Name" } input type="text" id="team-name" name="name" required maxlength="120"; }
            div class="field" { label for="team-email" { "E-mail" } input type="email" id="team-email" name="email" required; }
            div class="field" { label for="team-function" { "Function" } select id="team-function" name="function" { @for f in ward_store::TEAM_FUNCTIONS { option value=(f) { (f.replace('_', " ")) } } } }
            div class="field" { label for="team-level" { "Escalation level" } input type="number" id="team-level" name="level" min="1" max="5" value="1"; }
            label class="check" { input type="checkbox" name="on_call" value="1"; " On call" }
            button type="submit" { "Add to the team" }
        }
        h2 { "Triage timers" }
        form method="post" action="/culture/settings/timers" {
            (csrf_field(&auth))
            div class="table-wrap" { table id="timers" {
                thead { tr { th scope="col" { "What happened" } th scope="col" { "Acknowledge within (min)" } th scope="col" { "Decide within (min)" } } }
                tbody { @for (c, t) in &timers { tr {
                    th scope="row" { (category_label(Lang::En, *c)) }
                    td { input type="number" name={"ack." (c.as_str())} aria-label={"Acknowledge within, minutes: " (category_label(Lang::En, *c))} min="1" max=(ward_culture::triage::MAX_TIMER_MINUTES) value=(t.ack_minutes); }
                    td { input type="number" name={"decide." (c.as_str())} aria-label={"Decide within, minutes: " (category_label(Lang::En, *c))} min="1" max=(ward_culture::triage::MAX_TIMER_MINUTES) value=(t.decide_minutes); }
                } } }
            } }
            div class="field" { label for="escalation-interval" { "Minutes between escalation levels" } input type="number" id="escalation-interval" name="escalation_interval" min="1" max=(ward_culture::triage::MAX_TIMER_MINUTES) value=(settings.escalation_interval_minutes); }
            button type="submit" { "Save timers" }
        }
        h2 { "Departments" }
        ul { @for (d, n) in &departments { li { (d) ": " (n) " staff" } } }
        form method="post" action="/culture/settings/departments" {
            (csrf_field(&auth))
            div class="field" { label for="dept-name" { "Department or ward" } input type="text" id="dept-name" name="name" required maxlength="120"; }
            div class="field" { label for="dept-staff" { "Staff" } input type="number" id="dept-staff" name="staff" min="1" max="100000" required; }
            button type="submit" { "Save" }
        }
    });
    no_store(body.into_response())
}

/// `GET /culture/settings/qr.svg`: the QR code of the report link.
pub async fn qr(State(state): State<AppState>, auth: Auth, Query(q): Query<OrgQuery>, headers: HeaderMap) -> Response {
    let org = match settings_org(&state, &auth, q.org.as_deref()) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let settings = match state.store.culture_settings(org).await {
        Ok(s) => s,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let Some(token) = settings.link_token.filter(|_| settings.link_enabled) else {
        return error_page(&state, &auth, StatusCode::NOT_FOUND, "Not found", "The report link is off.");
    };
    match qrcode::QrCode::new(link_url(&headers, &state, &token).as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
            let mut resp = svg.into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
            no_store(resp)
        }
        Err(e) => crate::error::ApiError::Internal(format!("QR code: {e}")).into_response(),
    }
}

async fn settings_post(state: &AppState, auth: &Auth, req: Request) -> Result<(OrgId, Vec<(String, String)>), Response> {
    if auth.user.is_none() {
        return Err(to_login("/culture/settings"));
    }
    let pairs = read_form(req).await.map_err(|e| error_page(state, auth, StatusCode::BAD_REQUEST, "Could not read the form", &e))?;
    if !csrf_ok(auth, &pairs) {
        return Err(error_page(state, auth, StatusCode::FORBIDDEN, "Form expired", "The form's security token is missing or stale: reload the page and try again."));
    }
    let org = settings_org(state, auth, form_value(&pairs, "org"))?;
    Ok((org, pairs))
}

pub async fn settings_link(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let (org, pairs) = match settings_post(&state, &auth, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut s = match state.store.culture_settings(org).await {
        Ok(s) => s,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    match form_value(&pairs, "action") {
        Some("enable") => {
            s.link_token = Some(auth::new_secret());
            s.link_enabled = true;
        }
        Some("disable") => s.link_enabled = false,
        _ => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Choose an action", "action: must be enable or disable"),
    }
    match state.store.save_culture_settings(org, &s, Timestamp::now()).await {
        Ok(()) => Redirect::to("/culture/settings").into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub async fn settings_team(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let (org, pairs) = match settings_post(&state, &auth, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let v = |k| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let member = match crate::culture::check_member(&v("name"), &v("email"), &v("function"), &v("level")) {
        Ok(m) => m,
        Err(p) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the team member", &p.to_string()),
    };
    match state.store.add_team_member(org, &member.0, &member.1, &member.2, form_value(&pairs, "on_call").is_some(), member.3, Timestamp::now()).await {
        Ok(_) => Redirect::to("/culture/settings").into_response(),
        Err(StoreError::Duplicate { .. }) => error_page(&state, &auth, StatusCode::CONFLICT, "Already in the team", "email: this address is already in the team"),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `POST /culture/settings/timers`: every category's timers and the escalation interval; every
/// bad value is named and nothing is saved unless all are good.
pub async fn settings_timers(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let (org, pairs) = match settings_post(&state, &auth, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut problems = Vec::new();
    let mut configs = Vec::new();
    let minutes = |k: &str| form_value(&pairs, k).map(str::trim).and_then(|v| v.parse::<i64>().ok());
    for c in Category::ALL {
        let (ack_key, decide_key) = (format!("ack.{}", c.as_str()), format!("decide.{}", c.as_str()));
        match (minutes(&ack_key), minutes(&decide_key)) {
            (Some(a), Some(d)) => match ward_culture::TriageConfig::new(a, d) {
                Ok(cfg) => configs.push((c, cfg)),
                Err(p) => problems.push(format!("{}: {}", if p.field == "ack_minutes" { ack_key } else { decide_key }, p.reason)),
            },
            (None, _) => problems.push(format!("{ack_key}: must be a whole number of minutes")),
            (_, None) => problems.push(format!("{decide_key}: must be a whole number of minutes")),
        }
    }
    let interval = minutes("escalation_interval").filter(|m| (1..=ward_culture::triage::MAX_TIMER_MINUTES).contains(m));
    if interval.is_none() {
        problems.push(format!("escalation_interval: must be a whole number from 1 to {}", ward_culture::triage::MAX_TIMER_MINUTES));
    }
    if !problems.is_empty() {
        return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the timers", &problems.join("; "));
    }
    let result = async {
        for (c, cfg) in configs {
            state.store.set_triage_config(org, c, cfg).await?;
        }
        let mut s = state.store.culture_settings(org).await?;
        s.escalation_interval_minutes = interval.unwrap_or(ward_store::DEFAULT_ESCALATION_INTERVAL_MINUTES);
        state.store.save_culture_settings(org, &s, Timestamp::now()).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/culture/settings").into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

pub async fn settings_departments(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let (org, pairs) = match settings_post(&state, &auth, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let name = match ward_culture::clean_text("name", form_value(&pairs, "name").unwrap_or(""), ward_culture::report::MAX_DEPARTMENT_CHARS) {
        Ok(n) if !n.is_empty() => n,
        Ok(_) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the department", "name: must not be empty"),
        Err(p) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the department", &p.to_string()),
    };
    let Some(staff) = form_value(&pairs, "staff").and_then(|s| s.trim().parse::<u32>().ok()).filter(|n| (1..=100_000).contains(n)) else {
        return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Check the department", "staff: must be a whole number from 1 to 100000");
    };
    match state.store.set_department(org, &name, staff).await {
        Ok(()) => Redirect::to("/culture/settings").into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------- lessons

fn all_lessons() -> Vec<Lesson> {
    // Embedded lessons are checked by the test suite; a broken build shows none rather than panic.
    lessons::embedded().unwrap_or_default()
}

/// Lesson text: paragraphs, and lines starting `- ` as lists (escaped; no markup from files).
fn lesson_text(text: &str) -> Markup {
    let blocks: Vec<&str> = text.split("\n\n").collect();
    html! {
        @for b in blocks {
            @let lines: Vec<&str> = b.lines().collect();
            @if lines.iter().all(|l| l.trim_start().starts_with("- ")) {
                ul { @for l in &lines { li { (l.trim_start().trim_start_matches("- ")) } } }
            } @else {
                @let (para, items): (Vec<&str>, Vec<&str>) = lines.iter().partition(|l| !l.trim_start().starts_with("- "));
                p { (para.join(" ")) }
                @if !items.is_empty() { ul { @for l in &items { li { (l.trim_start().trim_start_matches("- ")) } } } }
            }
        }
    }
}

pub async fn lessons_list(State(state): State<AppState>, auth: Auth) -> Response {
    let Some(user) = &auth.user else { return to_login("/culture/lessons") };
    let passed = state.store.lessons_passed_by(user.id).await.unwrap_or_default();
    let body = layout(&state, &auth, "Cyber-hygiene lessons", Some(Back { href: "/culture", label: "Culture" }), html! {
        p class="lead" { "Short lessons written for hospital staff. Your results are yours: your department sees only totals." }
        ul class="lessons" {
            @for l in all_lessons() {
                li { a href={"/culture/lessons/" (l.id)} { (l.title) } " " span class="muted" { (l.minutes) " min" }
                    @if passed.contains(&l.id) { " " span class="status status-submitted_on_time" { "passed" } } }
            }
        }
    });
    body.into_response()
}

pub async fn lesson_page(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/culture/lessons/{id}"));
    }
    let Some(lesson) = all_lessons().into_iter().find(|l| l.id == id) else {
        return error_page(&state, &auth, StatusCode::NOT_FOUND, "Not found", "There is no such lesson.");
    };
    render_lesson(&state, &auth, &lesson, None, StatusCode::OK).await
}

async fn render_lesson(state: &AppState, auth: &Auth, lesson: &Lesson, result: Option<(ward_culture::lessons::QuizResult, Vec<Option<usize>>, Option<String>)>, status: StatusCode) -> Response {
    let org = auth.user.as_ref().map(|u| u.org_id);
    let departments = match org { Some(o) => state.store.departments(o).await.unwrap_or_default(), None => Vec::new() };
    let body = layout(state, auth, &lesson.title, Some(Back { href: "/culture/lessons", label: "Lessons" }), html! {
        @for s in &lesson.screens {
            section class="lesson-screen" {
                h2 { (s.heading) }
                @if let Some(img) = &s.image { img src={"/culture/lessons/" (img)} alt=(s.image_alt.as_deref().unwrap_or("")) class="lesson-image"; }
                (lesson_text(&s.text))
            }
        }
        h2 { "Quiz" }
        @if let Some((r, _, error)) = &result {
            @if let Some(e) = error { div class="error-summary" role="alert" { h2 { "There is a problem" } p { (e) } } }
            @else {
                div class="notice" role="status" id="quiz-result" {
                    p { strong { @if r.passed { "Passed: " } @else { "Not passed yet: " } } (r.score) " of " (r.total) " correct." }
                }
            }
        }
        form method="post" action={"/culture/lessons/" (lesson.id)} {
            (csrf_field(auth))
            @for (i, q) in lesson.quiz.iter().enumerate() {
                fieldset class="field" {
                    legend { (i + 1) ". " (q.question) }
                    @for (j, c) in q.choices.iter().enumerate() {
                        label class="choice" { input type="radio" name={"q" (i)} value=(j) required checked[result.as_ref().is_some_and(|(_, a, _)| a.get(i).copied().flatten() == Some(j))]; " " (c) }
                    }
                    @if let Some((_, answers, None)) = &result {
                        p class="hint" { @if answers.get(i).copied().flatten() == Some(q.answer) { "Right. " } @else { "Not quite. " } (q.explanation) }
                    }
                }
            }
            div class="field" {
                label for="lesson-department" { "Your department (for the department totals)" }
                input type="text" id="lesson-department" name="department" required maxlength="120" list="departments";
                datalist id="departments" { @for (d, _) in &departments { option value=(d) {} } }
            }
            button type="submit" class="primary" { "Check my answers" }
        }
    });
    (status, body).into_response()
}

pub async fn lesson_submit(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    let Some(user) = auth.user.clone() else { return to_login(&format!("/culture/lessons/{id}")) };
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Could not read the form", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "Form expired", "The form's security token is missing or stale: reload the page and try again.");
    }
    let Some(lesson) = all_lessons().into_iter().find(|l| l.id == id) else {
        return error_page(&state, &auth, StatusCode::NOT_FOUND, "Not found", "There is no such lesson.");
    };
    let answers: Vec<Option<usize>> = (0..lesson.quiz.len()).map(|i| form_value(&pairs, &format!("q{i}")).and_then(|v| v.parse().ok())).collect();
    let result = lesson.mark(&answers);
    let department = match ward_culture::clean_text("department", form_value(&pairs, "department").unwrap_or(""), ward_culture::report::MAX_DEPARTMENT_CHARS) {
        Ok(d) if !d.is_empty() && !d.contains('\n') => d,
        Ok(_) => return render_lesson(&state, &auth, &lesson, Some((result, answers, Some("department: say which department you work in".into()))), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(p) => return render_lesson(&state, &auth, &lesson, Some((result, answers, Some(p.to_string()))), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    if let Err(e) = state.store.record_lesson_completion(user.org_id, user.id, &lesson.id, &department, result.score, result.total, result.passed, Timestamp::now()).await {
        return crate::error::ApiError::from(e).into_response();
    }
    render_lesson(&state, &auth, &lesson, Some((result, answers, None)), StatusCode::OK).await
}

/// `GET /culture/lessons/images/{file}`: an image from `lessons/images/` (SVG served as an
/// image with a CSP that forbids scripts, never inlined into a page).
pub async fn lesson_image(Path(file): Path<String>) -> Response {
    let Some((_, svg)) = lessons::IMAGES.iter().find(|(n, _)| *n == file) else { return (StatusCode::NOT_FOUND, "no such image").into_response() };
    let mut resp = (*svg).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

// ---------------------------------------------------------------- metrics

fn pct(v: Option<f64>) -> Markup {
    html! { @match v { Some(x) => { (format!("{:.0} %", x * 100.0)) }, None => { span class="muted" { "—" } } } }
}
fn num(v: Option<f64>, unit: &str) -> Markup {
    html! { @match v { Some(x) => { (format!("{x:.1}")) " " (unit) }, None => { span class="muted" { "—" } } } }
}

/// `GET /culture/metrics`: per department, for the response team and administrators.
pub async fn metrics(State(state): State<AppState>, auth: Auth, Query(q): Query<OrgQuery>) -> Response {
    if auth.user.is_none() {
        return to_login("/culture/metrics");
    }
    let org = match triage_org(&auth, q.org.as_deref(), Action::Read) {
        Ok(o) => o,
        Err(d) => return denied(&state, &auth, d),
    };
    let section = match metrics_section(&state, org).await {
        Ok(m) => m,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let body = layout(&state, &auth, "Culture metrics", Some(Back { href: "/culture", label: "Culture" }), section);
    body.into_response()
}

/// The culture metrics of an organisation as a section (per department and over time, with
/// what each number means): the metrics page, the organisation's dashboard and its board
/// report all show this. The caller has checked `Resource::CultureReports` read access.
pub(crate) async fn metrics_section(state: &AppState, org: ward_core::OrgId) -> Result<Markup, StoreError> {
    let (staff, (reports, completions)) = tokio::try_join!(state.store.departments(org), state.store.culture_facts(org))?;
    let rows = ward_culture::metrics::department_metrics(&staff, &reports, &completions, all_lessons().len());
    let months = ward_culture::metrics::monthly(&reports);
    Ok(html! {
        div class="table-wrap" { table id="culture-metrics" {
            thead { tr { th scope="col" { "Department" } th scope="col" { "Staff" } th scope="col" { "Reports" } th scope="col" { "per 100 staff" } th scope="col" { "Median to acknowledge" } th scope="col" { "Median to decide" } th scope="col" { "Real incidents" } th scope="col" { "Lessons passed" } th scope="col" { "Lesson completion" } th scope="col" { "Average quiz score" } } }
            tbody { @for m in &rows { tr data-department=(m.department) {
                th scope="row" { (m.department) }
                td { @if let Some(s) = m.staff { (s) } @else { span class="muted" { "—" } } }
                td { (m.reports) }
                td { (num(m.reports_per_100_staff, "")) }
                td { (num(m.median_minutes_to_acknowledge, "min")) }
                td { (num(m.median_minutes_to_decide, "min")) }
                td { (pct(m.share_real_incidents)) @if m.decided > 0 { " " span class="muted" { "(" (m.incidents) " of " (m.decided) ")" } } }
                td class="lessons-passed" { (m.lessons_passed) }
                td { (pct(m.lesson_completion)) }
                td { @match m.average_score_percent { Some(x) => { (format!("{x:.0} %")) }, None => { span class="muted" title="shown from 3 completions, so no one's score can be singled out" { "—" } } } }
            } } }
        } }
        h2 { "Over time" }
        div class="table-wrap" { table id="culture-months" {
            thead { tr { th scope="col" { "Month (UTC)" } th scope="col" { "Reports" } th scope="col" { "Real incidents" } th scope="col" { "Median to acknowledge" } } }
            tbody { @for m in &months { tr { th scope="row" { (m.month) } td { (m.reports) } td { (m.incidents) } td { (num(m.median_minutes_to_acknowledge, "min")) } } } }
        } }
        h2 { "What these numbers mean" }
        dl class="prose" {
            dt { "Reports per 100 staff" } dd { "How many reports a department sent for every hundred people working there. A rising number is good news: attacks arrive either way, and reports show that people notice and speak up. A department that never reports is the one to worry about." }
            dt { "Median time to acknowledge / to decide" } dd { "How long the response team took, for half of the reports, to confirm it was looking and to decide what the report was. Short times mean reporters get an answer quickly and real attacks are contained early." }
            dt { "Real incidents" } dd { "Of the reports decided, the share that became incidents. A low share is normal and healthy: most reports are harmless, and that is the price of catching the few that are not." }
            dt { "Lesson completion" } dd { "Lessons passed in the department divided by staff × lessons offered. Scores are shown only as a department average, and only once three people have taken quizzes, so no one's result can be singled out." }
        }
    })
}

