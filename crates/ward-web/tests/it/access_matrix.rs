//! Every route × {anonymous, viewer of another organisation, each role of the owning
//! organisation, instance administrator}: the status each must get. A route added without a
//! row here fails `every_api_route_is_in_the_matrix`.

use serde_json::json;
use ward_core::Tlp;

use crate::harness::{draft_json, App, PRINCIPALS};

/// Expected statuses in the order of [`PRINCIPALS`]:
/// anonymous, viewer_of_b, org_admin, analyst, reporter, viewer, instance_admin.
type Row = (&'static str, String, Option<serde_json::Value>, [u16; 7]);

fn rows(app: &App) -> Vec<Row> {
    let amber = app.incident(Tlp::Amber);
    let red = app.incident(Tlp::Red);
    let clear = app.incident(Tlp::Clear);
    let green = app.incident(Tlp::Green);
    let org_a = app.org_a.id;
    let new_incident = draft_json("Matrix incident", Tlp::Amber);
    let (report, attachment) = (&app.report.0, &app.report.1);
    let report_ref = app.report_ref.clone();
    vec![
        // Public.
        ("GET", "/healthz".into(), None, [200; 7]),
        ("GET", "/readyz".into(), None, [200; 7]),
        ("GET", "/api/v1/openapi.json".into(), None, [200; 7]),
        ("GET", "/assets/ward.css".into(), None, [200; 7]),
        ("GET", "/login".into(), None, [200, 303, 303, 303, 303, 303, 303]),
        // REST API.
        ("GET", "/api/v1/me".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/v1/incidents".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/incidents".into(), Some(new_incident.clone()), [401, 403, 201, 201, 201, 403, 201]),
        ("POST", format!("/api/v1/incidents?org_id={org_a}"), Some(new_incident), [401, 403, 201, 201, 201, 403, 201]),
        ("GET", format!("/api/v1/incidents/{clear}"), None, [401, 200, 200, 200, 200, 200, 200]),
        ("GET", format!("/api/v1/incidents/{green}"), None, [401, 200, 200, 200, 200, 200, 200]),
        ("GET", format!("/api/v1/incidents/{amber}"), None, [401, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/api/v1/incidents/{red}"), None, [401, 404, 200, 200, 404, 404, 404]),
        ("PATCH", format!("/api/v1/incidents/{amber}"), Some(json!({"summary": "matrix"})), [401, 404, 200, 200, 403, 403, 404]),
        ("PATCH", format!("/api/v1/incidents/{green}"), Some(json!({"summary": "matrix"})), [401, 403, 200, 200, 403, 403, 403]),
        ("GET", format!("/api/v1/incidents/{amber}/versions"), None, [401, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/api/v1/incidents/{amber}/versions/1"), None, [401, 404, 200, 200, 200, 200, 404]),
        ("GET", "/api/v1/orgs".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/orgs".into(), Some(json!({"name": "Matrix Org", "org_type": "hospital"})), [401, 403, 403, 403, 403, 403, 201]),
        ("GET", format!("/api/v1/orgs/{org_a}"), None, [401, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/api/v1/orgs/{org_a}/users"), None, [401, 403, 200, 403, 403, 403, 200]),
        ("POST", format!("/api/v1/orgs/{org_a}/users"), Some(json!({"email": "matrix@example.org", "role": "viewer"})), [401, 403, 201, 403, 403, 403, 201]),
        ("GET", "/api/v1/tokens".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/tokens".into(), Some(json!({"label": "matrix"})), [401, 201, 201, 201, 201, 201, 201]),
        ("POST", "/api/v1/imports/stix".into(), Some(json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": []})), [401, 403, 403, 403, 403, 403, 200]),
        ("GET", "/api/v1/sightings".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/v1/sightings?kind=domain&indicator=evil.example".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/sightings".into(), Some(json!({"sightings": [{"kind": "domain", "indicator": "evil.example", "count": 2, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-02T00:00:00Z"}]})), [401, 403, 201, 201, 201, 403, 201]),
        // Web shell (bearer tokens identify the user here too; forms additionally need a session).
        ("GET", "/".into(), None, [303; 7]),
        ("GET", "/tracer".into(), None, [200; 7]),
        ("GET", "/tracer?country=DE&attack_type=ransomware".into(), None, [200; 7]),
        ("GET", "/tracer/methodology".into(), None, [200; 7]),
        ("GET", "/tracer/export.csv".into(), None, [200; 7]),
        ("GET", "/tracer/export.json".into(), None, [200; 7]),
        ("GET", "/tracer/export.stix.json".into(), None, [200; 7]),
        ("GET", "/incidents".into(), None, [200; 7]),
        ("GET", format!("/incidents/{clear}"), None, [200; 7]),
        ("GET", format!("/incidents/{green}"), None, [404, 200, 200, 200, 200, 200, 200]),
        ("GET", format!("/incidents/{amber}"), None, [404, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{red}"), None, [404, 404, 200, 200, 404, 404, 404]),
        ("GET", format!("/incidents/{amber}/history"), None, [404, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{amber}/versions/1"), None, [404, 404, 200, 200, 200, 200, 404]),
        ("GET", "/incidents/new".into(), None, [303, 403, 200, 200, 200, 403, 200]),
        ("GET", format!("/incidents/{amber}/edit"), None, [303, 404, 200, 200, 403, 403, 404]),
        ("GET", format!("/incidents/{green}/edit"), None, [303, 403, 200, 200, 403, 403, 403]),
        ("POST", "/incidents".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/incidents/{amber}/edit"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", "/logout".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        // Report once: reading follows the incident's scope (signed-in readers only); writes
        // need a session's CSRF token (so every bearer-only POST here is 403).
        ("GET", format!("/incidents/{amber}/obligations"), None, [303, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{green}/obligations"), None, [303, 200, 200, 200, 200, 200, 200]),
        ("POST", format!("/incidents/{amber}/obligations/facts"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/incidents/{amber}/obligations/submissions"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/incidents/{amber}/obligations/decisions"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("/incidents/{amber}/reports/de.bsig/fruehe_erstmeldung"), None, [303, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{amber}/reports/de.bsig/fruehe_erstmeldung/report.md"), None, [303, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{amber}/reports/de.bsig/meldung/report.json"), None, [303, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("/incidents/{amber}/reports/de.bsig/no_such_stage"), None, [303, 404, 404, 404, 404, 404, 404]),
        ("GET", "/obligations".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/sightings".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/sharing".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("POST", "/sharing".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/sightings?kind=url&indicator=nonsense".into(), None, [303, 400, 400, 400, 400, 400, 400]),
        ("GET", format!("/obligations?org={org_a}"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/reporting-profile"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("POST", format!("/orgs/{org_a}/reporting-profile"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/assets/obligations.js".into(), None, [200; 7]),
        // Accountability: the register and dossiers are public (their figures follow the
        // reader's scope); attributing needs a session's CSRF token and the right to change
        // the incident.
        ("GET", "/actors".into(), None, [200; 7]),
        ("GET", "/actors?healthcare=1&q=lock".into(), None, [200; 7]),
        ("GET", format!("/actors/{}", app.actor), None, [200; 7]),
        ("GET", format!("/actors/{}/dossier.json", app.actor), None, [200; 7]),
        ("GET", format!("/actors/{}/dossier.stix.json", app.actor), None, [200; 7]),
        ("GET", "/actors/00000000-0000-7000-8000-000000000000".into(), None, [404; 7]),
        ("POST", format!("/incidents/{amber}/attributions"), None, [303, 403, 403, 403, 403, 403, 403]),
        // Sharing an anonymised copy: who may change the incident (preview), with a session's
        // CSRF token (so bearer-only POSTs are 403).
        ("GET", format!("/incidents/{amber}/share"), None, [303, 404, 200, 200, 403, 403, 404]),
        ("GET", format!("/incidents/{green}/share"), None, [303, 403, 200, 200, 403, 403, 403]),
        ("POST", format!("/incidents/{amber}/share"), None, [303, 403, 403, 403, 403, 403, 403]),
        // Risk register: the organisation's own (the instance administrator too); another
        // organisation learns nothing (404). Forms need a session's CSRF token, so every
        // bearer-only POST is 403.
        ("GET", "/risk".into(), None, [303; 7]),
        ("GET", format!("/orgs/{org_a}/risk"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/risk?on=2027-01-01"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/risk/report"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/risk/export.json"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/risk/frameworks/hph-cpg"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/orgs/{org_a}/risk/frameworks/no-such-framework"), None, [303, 404, 404, 404, 404, 404, 404]),
        ("POST", format!("/orgs/{org_a}/risk/frameworks/hph-cpg"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/orgs/{org_a}/risk/frameworks/hph-cpg/evidence"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/orgs/{org_a}/risk/findings/00000000-0000-7000-8000-000000000000/mitigate"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("/orgs/{org_a}/assets"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("POST", format!("/orgs/{org_a}/assets"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("/orgs/{org_a}/assets/00000000-0000-7000-8000-000000000000"), None, [303, 404, 404, 404, 404, 404, 404]),
        ("POST", format!("/orgs/{org_a}/assets/00000000-0000-7000-8000-000000000000"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("/api/v1/orgs/{org_a}/risk/assessments"), None, [401, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/api/v1/orgs/{org_a}/risk/assessments?on=2027-01-01"), None, [401, 404, 200, 200, 200, 200, 200]),
        // Culture of resilience: anyone reports (signed in, or through the organisation link);
        // the response team (analysts, administrators, the instance administrator) triages;
        // administrators manage the link and team; every signed-in member takes lessons.
        ("GET", "/report".into(), None, [200; 7]),
        ("POST", "/report".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", format!("/report/status/{}", report_ref), None, [200; 7]),
        ("GET", "/report/status/R-0000-0000-0000".into(), None, [404; 7]),
        ("GET", "/report/status?reference=r-1".into(), None, [303; 7]),
        ("GET", format!("/r/{}", app.link_token), None, [200; 7]),
        ("GET", "/r/not-a-link".into(), None, [404; 7]),
        // Without the form's double-submit token: 403; the link's per-client limit counts every
        // attempt, so the sixth and seventh from the same client are 429.
        ("POST", format!("/r/{}", app.link_token), None, [403, 403, 403, 403, 403, 429, 429]),
        ("GET", "/culture".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/culture/queue".into(), None, [303, 403, 200, 200, 403, 403, 200]),
        ("GET", format!("/culture/queue/{report}"), None, [303, 404, 200, 200, 403, 403, 200]),
        ("GET", format!("/culture/queue/{report}/attachments/{attachment}"), None, [303, 404, 200, 200, 403, 403, 200]),
        ("GET", format!("/culture/queue/{report}/indicators.txt"), None, [303, 404, 200, 200, 403, 403, 200]),
        ("GET", format!("/culture/queue/{report}/indicators.stix.json"), None, [303, 404, 200, 200, 403, 403, 200]),
        ("POST", format!("/culture/queue/{report}/acknowledge"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/culture/queue/{report}/dismiss"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/culture/queue/{report}/merge"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", format!("/culture/queue/{report}/incident"), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/culture/settings".into(), None, [303, 403, 200, 403, 403, 403, 200]),
        ("GET", "/culture/settings/qr.svg".into(), None, [303, 403, 200, 403, 403, 403, 404]),
        ("POST", "/culture/settings/link".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", "/culture/settings/team".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", "/culture/settings/departments".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("POST", "/culture/settings/timers".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/culture/lessons".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/culture/lessons/passwords-and-mfa".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/culture/lessons/no-such-lesson".into(), None, [303, 404, 404, 404, 404, 404, 404]),
        ("POST", "/culture/lessons/passwords-and-mfa".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/culture/lessons/images/lock-screen.svg".into(), None, [200; 7]),
        ("GET", "/culture/metrics".into(), None, [303, 403, 200, 200, 403, 403, 200]),
        // The patient-harm estimate is public: it reads nothing stored.
        ("GET", "/harm".into(), None, [200; 7]),
        ("GET", "/harm?admissions_per_day=40&downtime_days=14&beds=350".into(), None, [200; 7]),
        ("GET", "/harm?admissions_per_day=x".into(), None, [422; 7]),
        ("GET", "/harm.json?admissions_per_day=40&downtime_days=14&beds=350".into(), None, [200; 7]),
        // Tabletop exercises: every member of the organisation watches and plays; analysts and
        // administrators facilitate; other organisations get 404 (forms without a session: 403).
        ("GET", "/exercises".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises?org={org_a}"), None, [303, 404, 200, 200, 200, 200, 200]),
        ("POST", "/exercises".into(), None, [303, 403, 403, 403, 403, 403, 403]),
        ("GET", "/exercises/scenarios/ehr-ransomware".into(), None, [303, 200, 200, 200, 200, 200, 200]),
        ("GET", "/exercises/scenarios/no-such-scenario".into(), None, [303, 404, 404, 404, 404, 404, 404]),
        ("GET", format!("/exercises/{}", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", "/exercises/00000000-0000-7000-8000-000000000000".into(), None, [303, 404, 404, 404, 404, 404, 404]),
        ("POST", format!("/exercises/{}/control", app.exercise_run), None, [303, 404, 403, 403, 403, 403, 403]),
        ("GET", format!("/exercises/{}/play/incident_commander", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/play/surgeon", app.exercise_run), None, [303, 404, 404, 404, 404, 404, 404]),
        ("POST", format!("/exercises/{}/play/incident_commander", app.exercise_run), None, [303, 404, 403, 403, 403, 403, 403]),
        ("GET", format!("/exercises/{}/room", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/live", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/live?view=room", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/live?role=it_lead", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/events", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/report", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("GET", format!("/exercises/{}/report.json", app.exercise_run), None, [303, 404, 200, 200, 200, 200, 200]),
        ("POST", format!("/exercises/{}/improvements", app.exercise_run), None, [303, 404, 403, 403, 403, 403, 403]),
    ]
}

#[tokio::test]
async fn access_matrix() {
    let app = App::new().await;
    let mut failures = Vec::new();
    for (method, path, body, expected) in rows(&app) {
        for (who, want) in PRINCIPALS.iter().zip(expected) {
            // Each principal gets a body unique to it where uniqueness matters.
            let body = body.clone().map(|mut b| {
                if let Some(name) = b.get_mut("name") { *name = json!(format!("Matrix Org {who}")); }
                if let Some(email) = b.get_mut("email") { *email = json!(format!("matrix-{who}@example.org")); }
                b
            });
            let headers: Vec<(&str, String)> = if method == "PATCH" {
                // The current version, so only the policy decides.
                let id = path.rsplit('/').next().unwrap().parse::<ward_core::IncidentId>().unwrap();
                let v = app.store.get_incident(id, &ward_core::ReadScope::LOCAL_OPERATOR).await.unwrap().version;
                vec![("if-match", format!("\"{v}\""))]
            } else {
                Vec::new()
            };
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = if method == "POST" && body.is_none() {
                let mut b = axum::http::Request::builder().method("POST").uri(&path).header("content-type", "application/x-www-form-urlencoded");
                if let Some(t) = app.token(who) { b = b.header("authorization", format!("Bearer {t}")); }
                app.raw(b.body(axum::body::Body::from("title=x")).unwrap()).await
            } else {
                app.send(who, method, &path, body, &headers).await
            };
            if r.status.as_u16() != want {
                failures.push(format!("{method} {path} as {who}: got {}, want {want}", r.status.as_u16()));
            }
            if r.status.as_u16() == 404 && path.contains("/api/") {
                assert!(!r.body.contains("Incident at"), "a 404 leaks nothing: {}", r.body);
            }
        }
    }
    // Revoking another user's token: each principal tries to revoke a fresh token of A's analyst.
    let analyst = app.user("analyst").id;
    for (who, want) in PRINCIPALS.iter().zip([401u16, 404, 204, 204, 404, 404, 204]) {
        let (_, hash) = ward_web::auth::new_api_token();
        let t = app.store.create_token(analyst, "victim", &hash, None, jiff::Timestamp::now()).await.unwrap();
        let r = app.send(who, "DELETE", &format!("/api/v1/tokens/{}", t.id), None, &[]).await;
        if r.status.as_u16() != want {
            failures.push(format!("DELETE /api/v1/tokens/{{analyst's}} as {who}: got {}, want {want}", r.status.as_u16()));
        }
    }
    assert!(failures.is_empty(), "access matrix violations:\n{}", failures.join("\n"));
}

/// Every path in the OpenAPI document has at least one row in the matrix.
#[tokio::test]
async fn every_api_route_is_in_the_matrix() {
    let app = App::new().await;
    let spec = ward_web::api::openapi::spec();
    let ids = [app.incident(Tlp::Amber).to_string(), app.org_a.id.to_string()];
    let tested: Vec<String> = rows(&app)
        .into_iter()
        .map(|(_, p, _, _)| {
            let mut p = p.split('?').next().unwrap().to_owned();
            for id in &ids { p = p.replace(id, "{id}"); }
            p.replace("/versions/1", "/versions/{version}").replace("/imports/stix", "/imports/{kind}")
        })
        .chain(["/api/v1/tokens/{id}".to_owned()])
        .collect();
    for path in spec["paths"].as_object().unwrap().keys() {
        assert!(tested.contains(path), "{path} has no row in the access matrix");
    }
}

/// TLP 2.0 AMBER clients: once org A names org B as its client, B's viewer reads A's AMBER
/// incident (REST, page, versions, tracer counts) but never its AMBER+STRICT or RED ones and
/// may not change it (403 with the reason, since it can read it); removing the client hides the
/// AMBER incident again on the very next request.
#[tokio::test]
async fn amber_client_reads_amber_only() {
    let app = App::new().await;
    let (amber, strict, red) = (app.incident(Tlp::Amber), app.incident(Tlp::AmberStrict), app.incident(Tlp::Red));
    let status = |path: String| {
        let app = &app;
        async move { app.send("viewer_of_b", "GET", &path, None, &[]).await.status.as_u16() }
    };
    assert_eq!(status(format!("/api/v1/incidents/{amber}")).await, 404, "not a client yet");
    app.store.add_org_client(app.org_a.id, app.org_b.id, jiff::Timestamp::now()).await.unwrap();
    let rows = [
        (format!("/api/v1/incidents/{amber}"), 200),
        (format!("/api/v1/incidents/{amber}/versions"), 200),
        (format!("/api/v1/incidents/{amber}/versions/1"), 200),
        (format!("/api/v1/incidents/{strict}"), 404),
        (format!("/api/v1/incidents/{red}"), 404),
        (format!("/incidents/{amber}"), 200),
        (format!("/incidents/{strict}"), 404),
        (format!("/incidents/{red}"), 404),
    ];
    for (path, want) in rows {
        assert_eq!(status(path.clone()).await, want, "{path} as A's client");
    }
    let list = app.send("viewer_of_b", "GET", "/api/v1/incidents", None, &[]).await.body;
    assert!(list.contains(&amber.to_string()) && !list.contains(&strict.to_string()) && !list.contains(&red.to_string()), "{list}");
    let v = app.store.get_incident(amber, &ward_core::ReadScope::LOCAL_OPERATOR).await.unwrap().version;
    let r = app.send("viewer_of_b", "PATCH", &format!("/api/v1/incidents/{amber}"), Some(json!({"summary": "client"})), &[("if-match", &format!("\"{v}\""))]).await;
    assert_eq!(r.status.as_u16(), 403, "a client reads but never changes: {}", r.body);
    assert!(app.store.remove_org_client(app.org_a.id, app.org_b.id).await.unwrap());
    assert_eq!(status(format!("/api/v1/incidents/{amber}")).await, 404, "removed: hidden on the next request");
    assert_eq!(status(format!("/incidents/{amber}")).await, 404);
}

/// The `/sharing` page lists clients and its form adds and removes them for whoever may update
/// the organisation (its administrators, the instance administrator); others get 403.
#[tokio::test]
async fn sharing_page_manages_amber_clients() {
    let app = App::new().await;
    let form = |who: &'static str, action: &str, org: ward_core::OrgId| {
        let body = format!("action={action}&org={org}&client={}", app.org_b.id);
        let mut b = axum::http::Request::builder().method("POST").uri("/sharing").header("content-type", "application/x-www-form-urlencoded");
        b = b.header("authorization", format!("Bearer {}", app.token(who).unwrap()));
        b.body(axum::body::Body::from(body)).unwrap()
    };
    // Bearer-only POSTs carry no session CSRF token: refused before anything changes.
    assert_eq!(app.raw(form("org_admin", "add-client", app.org_a.id)).await.status.as_u16(), 403);
    assert!(app.store.list_org_clients(None).await.unwrap().is_empty());
    app.store.add_org_client(app.org_a.id, app.org_b.id, jiff::Timestamp::now()).await.unwrap();
    let page = app.send("org_admin", "GET", "/sharing", None, &[]).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.body.contains("TLP:AMBER clients") && page.body.contains("Hospital B") && page.body.contains("remove-client"), "{}", page.body);
    let page = app.send("viewer_of_b", "GET", "/sharing", None, &[]).await;
    assert!(page.body.contains("Your organisation is a client of:") && page.body.contains("Hospital A"), "{}", page.body);
    assert!(!page.body.contains("remove-client"), "B's viewer manages nothing");
    let page = app.send("viewer", "GET", "/sharing", None, &[]).await;
    assert!(page.body.contains("Hospital B") && !page.body.contains("remove-client"), "A's viewer sees its clients, changes nothing");
}
