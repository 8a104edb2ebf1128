//! The web shell through a real session: login with CSRF, create with inline errors, edit,
//! conflict, history, logout.

use axum::body::Body;
use axum::http::Request;
use ward_core::Tlp;

use crate::harness::{App, Resp, PASSWORD};

pub(crate) fn cookie(resp: &Resp, name: &str) -> Option<String> {
    resp.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let (kv, _) = c.split_once(';').unwrap_or((c, ""));
        let (k, v) = kv.split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

pub(crate) fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn post_form(app: &App, path: &str, cookies: &str, form: &[(&str, &str)]) -> Resp {
    let body = serde_urlencoded::to_string(form).unwrap();
    app.raw(Request::builder().method("POST").uri(path).header("cookie", cookies).header("content-type", "application/x-www-form-urlencoded").body(Body::from(body)).unwrap()).await
}

pub(crate) async fn get(app: &App, path: &str, cookies: &str) -> Resp {
    app.raw(Request::builder().uri(path).header("cookie", cookies).body(Body::empty()).unwrap()).await
}

pub(crate) async fn login(app: &App, email: &str) -> (String, String) {
    let page = get(app, "/login", "").await;
    let csrf = cookie(&page, "ward_login_csrf").unwrap();
    assert_eq!(hidden(&page.body, "_csrf"), csrf);
    let bad = post_form(app, "/login", &format!("ward_login_csrf={csrf}"), &[("_csrf", &csrf), ("email", email), ("password", "wrong password!!")]).await;
    assert_eq!(bad.status, 401);
    assert!(bad.body.contains("incorrect"));
    let forged = post_form(app, "/login", "ward_login_csrf=other", &[("_csrf", &csrf), ("email", email), ("password", PASSWORD)]).await;
    assert_eq!(forged.status, 403);
    let ok = post_form(app, "/login", &format!("ward_login_csrf={csrf}"), &[("_csrf", &csrf), ("email", email), ("password", PASSWORD), ("next", "/incidents/new")]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location"), "/incidents/new");
    let set = ok.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>().join("\n");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let sid = cookie(&ok, "ward_session").unwrap();
    let cookies = format!("ward_session={sid}");
    // Every page's sign-out form carries the session's CSRF token, whatever the role.
    let form = get(app, "/tracer", &cookies).await;
    assert_eq!(form.status, 200);
    (cookies, hidden(&form.body, "_csrf"))
}

#[tokio::test]
async fn login_create_with_errors_edit_conflict_history_logout() {
    let app = App::new().await;
    let (cookies, csrf) = login(&app, "analyst@example.org").await;
    // Missing CSRF → 403, nothing written.
    let r = post_form(&app, "/incidents", &cookies, &[("title", "x")]).await;
    assert_eq!(r.status, 403);
    // Invalid form → shown again (200) with every problem inline, values kept.
    let r = post_form(&app, "/incidents", &cookies, &[
        ("_csrf", &csrf), ("title", ""), ("tlp", "amber"), ("victim.org_type", "hospital"), ("victim.country", "DE"),
        ("timeline.incident_on", "2024-13-01"), ("summary", "<script>alert(1)</script>"),
        ("harm.individuals_affected.value", "lots"),
    ]).await;
    assert_eq!(r.status, 200);
    for fragment in ["title must not be empty", "is not a date", "is not a whole number", "needs the URL of its source", "aria-invalid=\"true\""] {
        assert!(r.body.contains(fragment), "missing {fragment:?}");
    }
    assert!(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !r.body.contains("<script>alert"), "text is escaped");
    // A valid form → 303 to the new incident.
    let r = post_form(&app, "/incidents", &cookies, &[
        ("_csrf", &csrf), ("title", "Web form incident"), ("tlp", "amber"), ("victim.org_type", "laboratory"), ("victim.country", "GB"),
        ("attack_types", "ransomware"), ("attack_types", "data_theft"),
        ("sources[0].url", "https://example.org/lab"), ("sources[0].publisher", "Example"), ("sources[0].title", ""), ("sources[0].published_on", "2024-06-04"),
        ("harm.procedures_cancelled.value", "1,134"), ("harm.procedures_cancelled.source", "https://example.org/lab"), ("harm.procedures_cancelled.as_of", "2024-06-20"),
    ]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.header("location").to_owned();
    let page = get(&app, &path, &cookies).await;
    assert!(page.body.contains("Web form incident") && page.body.contains("1,134") && page.body.contains("Data theft"));
    // Edit: the form is prefilled; saving bumps the version.
    let edit = get(&app, &format!("{path}/edit"), &cookies).await;
    let version = hidden(&edit.body, "version");
    assert_eq!(version, "1");
    let fields = [
        ("_csrf", csrf.as_str()), ("version", "1"), ("title", "Web form incident (edited)"), ("tlp", "amber"), ("victim.org_type", "laboratory"), ("victim.country", "GB"),
        ("sources[0].url", "https://example.org/lab"), ("sources[0].publisher", "Example"),
        ("harm.procedures_cancelled.value", "1134"), ("harm.procedures_cancelled.source", "https://example.org/lab"), ("harm.procedures_cancelled.as_of", "2024-06-20"),
    ];
    let r = post_form(&app, &format!("{path}/edit"), &cookies, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The same stale form again → shown again with an explanation, nothing lost.
    let r = post_form(&app, &format!("{path}/edit"), &cookies, &fields).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Web form incident (edited)"), "the user's edits are kept");
    assert!(r.body.contains("Someone else saved a change"));
    let history = get(&app, &format!("{path}/history"), &cookies).await;
    assert!(history.body.contains("Version 2") && history.body.contains("title") && history.body.contains("analyst@example.org"));
    // Logout ends the session.
    let r = post_form(&app, "/logout", &cookies, &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, 303);
    let r = get(&app, "/incidents/new", &cookies).await;
    assert_eq!(r.status, 303);
    assert!(r.header("location").starts_with("/login?next="));
}

#[tokio::test]
async fn anonymous_list_shows_only_clear_and_pages_have_titles_and_a_way_back() {
    let app = App::new().await;
    let list = get(&app, "/incidents", "").await;
    assert!(list.body.contains("Incident at TLP:CLEAR"));
    for hidden_level in ["TLP:GREEN", "TLP:AMBER", "TLP:RED"] {
        assert!(!list.body.contains(&format!("Incident at {hidden_level}")), "{hidden_level} leaked");
    }
    let detail = get(&app, &format!("/incidents/{}", app.incident(Tlp::Clear)), "").await;
    assert!(detail.body.contains("<title>Incident at TLP:CLEAR · ward</title>"));
    assert!(detail.body.contains("href=\"/incidents\""), "a way back");
    assert!(detail.body.contains("Example News"), "sources shown");
    let bad = get(&app, "/incidents?country=XX", "").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not an ISO 3166-1"));
    let nf = get(&app, "/no/such/page", "").await;
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("<title>Not found · ward</title>"));
    for (name, value) in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY")] {
        assert_eq!(list.header(name), value);
    }
    assert!(list.header("content-security-policy").contains("default-src 'self'"));
    assert!(!list.header("x-request-id").is_empty());
}
