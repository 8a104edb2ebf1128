//! The web shell: server-rendered HTML that works without JavaScript. Forms carry a CSRF token
//! bound to the session; every page has a title, a skip link, and a way back.

mod actors;
mod charts;
mod culture;
pub(crate) mod harm;
pub(crate) mod exercises;
mod incidents;
mod login;
pub(crate) mod obligations;
mod share;
mod sharing;
mod sightings;
pub(crate) mod risk;
mod tracer;
mod map;

use axum::extract::{DefaultBodyLimit, Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use crate::auth::Auth;
use crate::AppState;

/// Largest form body a page reads.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tracer") }))
        .route("/tracer", get(tracer::dashboard))
        .route("/tracer/methodology", get(tracer::methodology))
        .route("/harm", get(harm::page))
        .route("/harm.json", get(harm::json))
        .route("/tracer/export.csv", get(tracer::export_csv))
        .route("/tracer/export.json", get(tracer::export_json))
        .route("/tracer/export.stix.json", get(tracer::export_stix))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", axum::routing::post(login::logout))
        .route("/incidents", get(incidents::list).post(incidents::create))
        .route("/incidents/new", get(incidents::new_form))
        .route("/incidents/{id}", get(incidents::detail))
        .route("/incidents/{id}/edit", get(incidents::edit_form).post(incidents::update))
        .route("/incidents/{id}/history", get(incidents::history))
        .route("/incidents/{id}/versions/{version}", get(incidents::version))
        .route("/incidents/{id}/obligations", get(obligations::incident_page))
        .route("/incidents/{id}/obligations/facts", axum::routing::post(obligations::post_facts))
        .route("/incidents/{id}/obligations/submissions", axum::routing::post(obligations::post_submission))
        .route("/incidents/{id}/obligations/decisions", axum::routing::post(obligations::post_decision))
        .route("/incidents/{id}/reports/{regime}/{stage}", get(obligations::report_html))
        .route("/incidents/{id}/reports/{regime}/{stage}/report.md", get(obligations::report_md))
        .route("/incidents/{id}/reports/{regime}/{stage}/report.json", get(obligations::report_json))
        .route("/incidents/{id}/attributions", axum::routing::post(actors::attribute))
        .route("/incidents/{id}/share", get(share::preview).post(share::submit))
        .route("/actors", get(actors::register))
        .route("/actors/{id}", get(actors::dossier))
        .route("/actors/{id}/dossier.json", get(actors::dossier_json))
        .route("/actors/{id}/dossier.stix.json", get(actors::dossier_stix))
        .route("/obligations", get(obligations::list))
        .route("/sightings", get(sightings::list))
        .route("/sharing", get(sharing::page).post(sharing::submit))
        .route("/orgs/{id}/reporting-profile", get(obligations::profile_form).post(obligations::profile_save))
        // Culture of resilience (pages/culture.rs).
        .route("/report", get(culture::report_page).post(culture::report_submit).layer(DefaultBodyLimit::max(culture::MAX_REPORT_BODY_BYTES)))
        .route("/report/status", get(culture::status_lookup_redirect))
        .route("/report/status/{reference}", get(culture::status_page))
        .route("/r/{token}", get(culture::link_form).post(culture::link_submit).layer(DefaultBodyLimit::max(culture::MAX_REPORT_BODY_BYTES)))
        .route("/culture", get(culture::hub))
        .route("/culture/queue", get(culture::queue))
        .route("/culture/queue/{id}", get(culture::report_detail))
        .route("/culture/queue/{id}/attachments/{attachment}", get(culture::attachment))
        .route("/culture/queue/{id}/indicators.txt", get(culture::indicators))
        .route("/culture/queue/{id}/indicators.stix.json", get(culture::indicators_stix))
        .route("/culture/queue/{id}/acknowledge", axum::routing::post(culture::acknowledge))
        .route("/culture/queue/{id}/dismiss", axum::routing::post(culture::dismiss))
        .route("/culture/queue/{id}/merge", axum::routing::post(culture::merge))
        .route("/culture/queue/{id}/incident", axum::routing::post(culture::make_incident))
        .route("/culture/settings", get(culture::settings))
        .route("/culture/settings/qr.svg", get(culture::qr))
        .route("/culture/settings/link", axum::routing::post(culture::settings_link))
        .route("/culture/settings/team", axum::routing::post(culture::settings_team))
        .route("/culture/settings/departments", axum::routing::post(culture::settings_departments))
        .route("/culture/settings/timers", axum::routing::post(culture::settings_timers))
        .route("/culture/lessons", get(culture::lessons_list))
        .route("/culture/lessons/{id}", get(culture::lesson_page).post(culture::lesson_submit))
        .route("/culture/lessons/images/{file}", get(culture::lesson_image))
        .route("/culture/metrics", get(culture::metrics))
        .route("/assets/{file}", get(asset))
        .route("/favicon.ico", get(|| async { asset(Path("favicon.svg".to_owned())).await }))
}

const CSS: &str = include_str!("../../assets/ward.css");
const FAVICON: &str = include_str!("../../assets/favicon.svg");
const OBLIGATIONS_JS: &str = include_str!("../../assets/obligations.js");
const EXERCISE_JS: &str = include_str!("../../assets/exercise.js");

/// Static assets compiled into the binary (no CDN, works air-gapped).
async fn asset(Path(file): Path<String>) -> Response {
    let (body, ctype) = match file.as_str() {
        "ward.css" => (CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        "obligations.js" => (OBLIGATIONS_JS, "text/javascript; charset=utf-8"),
        "exercise.js" => (EXERCISE_JS, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    resp
}

/// A link back (breadcrumb) shown at the top of a page.
pub struct Back<'a> {
    pub href: &'a str,
    pub label: &'a str,
}

/// The page frame: header with navigation, optional banner, main content, footer.
pub fn layout(state: &AppState, auth: &Auth, title: &str, back: Option<Back<'_>>, content: Markup) -> Markup {
    let name = &state.config.instance_name;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (name) }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/ward.css";
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header class="site" {
                    nav aria-label="Main" {
                        a class="brand" href="/tracer" { (name) }
                        ul {
                            li { a href="/report" class="report-link" { "Report something suspicious" } }
                            li { a href="/tracer" { "Tracer" } }
                            li { a href="/incidents" { "Incidents" } }
                            li { a href="/actors" { "Actors" } }
                            li { a href="/tracer/methodology" { "Methodology" } }
                            @if auth.user.is_some() {
                                li { a href="/obligations" { "Obligations" } }
                                li { a href="/sightings" { "Sightings" } }
                                li { a href="/sharing" { "Sharing" } }
                                li { a href="/risk" { "Risk" } }
                                li { a href="/culture" { "Culture" } }
                                li { a href="/exercises" { "Exercises" } }
                            }
                            @if auth.user.as_ref().is_some_and(|u| u.role != ward_core::Role::Viewer) {
                                li { a href="/incidents/new" { "Record an incident" } }
                            }
                        }
                        div class="account" {
                            @if let Some(user) = &auth.user {
                                span class="who" { (user.email) " · " (user.role.label()) }
                                form method="post" action="/logout" class="inline" {
                                    (csrf_field(auth))
                                    button type="submit" class="link" { "Sign out" }
                                }
                            } @else {
                                a href="/login" { "Sign in" }
                            }
                        }
                    }
                }
                @if let Some(b) = &state.config.banner {
                    p class="banner" role="note" { (b) }
                }
                main id="main" {
                    @if let Some(back) = back {
                        p class="back" { a href=(back.href) { "← " (back.label) } }
                    }
                    h1 { (title) }
                    (content)
                }
                footer class="site" {
                    p { "ward protects healthcare from cyber harm. Data marked TLP:CLEAR is public; other levels are shared only as their Traffic Light Protocol label allows." }
                }
            }
        }
    }
}

/// The hidden CSRF field every POST form of a signed-in user carries.
pub fn csrf_field(auth: &Auth) -> Markup {
    html! {
        @if let Some(token) = auth.csrf_token() {
            input type="hidden" name="_csrf" value=(token);
        }
    }
}

/// An HTML error page with the right status.
pub fn error_page(state: &AppState, auth: &Auth, status: StatusCode, title: &str, message: &str) -> Response {
    let body = layout(state, auth, title, Some(Back { href: "/incidents", label: "Back to incidents" }), html! { p { (message) } });
    (status, body).into_response()
}

pub fn not_found_page(req: &Request) -> Response {
    let body = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { "Not found · ward" } link rel="stylesheet" href="/assets/ward.css"; }
            body { main id="main" { p class="back" { a href="/incidents" { "← Back to incidents" } } h1 { "Not found" } p { "There is no page at " code { (req.uri().path()) } "." } } }
        }
    };
    (StatusCode::NOT_FOUND, body).into_response()
}

/// Redirect to the login page, coming back here afterwards.
pub fn to_login(path_and_query: &str) -> Response {
    let next: String = url_encode(path_and_query);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|x| x.trim_start_matches('=').to_owned()).unwrap_or_default()
}

/// A whole number with thousands separators ("1,134").
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A TLP label as a coloured badge with its meaning as the title.
pub fn tlp_badge(tlp: ward_core::Tlp) -> Markup {
    let class = format!("tlp tlp-{}", tlp.as_str().replace('+', "-"));
    html! { span class=(class) title=(tlp.audience()) { (tlp.label()) } }
}

/// Reads an urlencoded form body with a size limit into ordered pairs (repeated keys kept).
pub async fn read_form(req: Request) -> Result<Vec<(String, String)>, String> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES).await.map_err(|_| format!("the form is larger than {MAX_FORM_BYTES} bytes"))?;
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).map_err(|e| format!("the form could not be read: {e}"))
}

pub fn form_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Whether a POST form carries the session's CSRF token.
pub fn csrf_ok(auth: &Auth, pairs: &[(String, String)]) -> bool {
    match (auth.csrf_token(), form_value(pairs, "_csrf")) {
        (Some(expected), Some(got)) => crate::auth::secrets_equal(expected, got),
        _ => false,
    }
}
