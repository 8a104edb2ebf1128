//! The REST API contract: create, read, conditional update, errors as problem+json.

use serde_json::json;
use ward_core::Tlp;

use crate::harness::{draft_json, App};

#[tokio::test]
async fn create_get_patch_with_versions_and_errors() {
    let app = App::new().await;
    // POST → 201 with id, Location and ETag.
    let r = app.send("analyst", "POST", "/api/v1/incidents", Some(draft_json("Ransomware at Hospital A", Tlp::Amber)), &[]).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), format!("/api/v1/incidents/{id}"));
    assert_eq!(r.header("etag"), "\"1\"");
    // GET returns it.
    let r = app.send("analyst", "GET", &format!("/api/v1/incidents/{id}"), None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["incident"]["title"], "Ransomware at Hospital A");
    assert_eq!(r.json()["incident"]["harm"]["individuals_affected"]["value"], 1200);
    // PATCH with the current version → 200, version 2.
    let patch = json!({"title": "Ransomware at Hospital A (updated)", "harm": {"individuals_affected": {"value": 1500, "estimate": null}}});
    let r = app.send("analyst", "PATCH", &format!("/api/v1/incidents/{id}"), Some(patch.clone()), &[("if-match", "\"1\"")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["incident"]["harm"]["individuals_affected"], json!({"value": 1500, "source": "https://example.org/report", "as_of": "2024-02-22"}));
    // PATCH with a stale version → 412 naming the current version.
    let r = app.send("analyst", "PATCH", &format!("/api/v1/incidents/{id}"), Some(json!({"title": "stale"})), &[("if-match", "\"1\"")]).await;
    assert_eq!(r.status, 412);
    assert_eq!(r.header("content-type"), "application/problem+json");
    assert_eq!(r.json()["current_version"], 2);
    // PATCH without If-Match → 428.
    let r = app.send("analyst", "PATCH", &format!("/api/v1/incidents/{id}"), Some(json!({"title": "x"})), &[]).await;
    assert_eq!(r.status, 428);
    // History: two versions, the second naming what changed.
    let r = app.send("analyst", "GET", &format!("/api/v1/incidents/{id}/versions"), None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[1]["changed_fields"], json!(["harm.individuals_affected.estimate", "harm.individuals_affected.value", "title"]));
    let r = app.send("analyst", "GET", &format!("/api/v1/incidents/{id}/versions/1"), None, &[]).await;
    assert_eq!(r.json()["incident"]["title"], "Ransomware at Hospital A");
    // Without a token → 401 problem+json.
    let r = app.send("anonymous", "GET", &format!("/api/v1/incidents/{id}"), None, &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "unauthorized");
    // A token of another organisation → 404, never the data.
    let r = app.send("viewer_of_b", "GET", &format!("/api/v1/incidents/{id}"), None, &[]).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("Hospital A"), "{}", r.body);
    // A bad token → 401, not anonymous access.
    let r = app.send("anonymous", "GET", "/api/v1/incidents", None, &[("authorization", "Bearer ward_nope")]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "bad_credentials");
}

#[tokio::test]
async fn malformed_and_hostile_bodies_get_precise_problems() {
    let app = App::new().await;
    let token = format!("Bearer {}", app.token("analyst").unwrap());
    let send_raw = |body: &'static str, ctype: &'static str| {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/incidents")
            .header("authorization", token.clone())
            .header("content-type", ctype)
            .body(axum::body::Body::from(body))
            .unwrap();
        app.raw(req)
    };
    let r = send_raw("{\"title\": ", "application/json").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), "application/problem+json");
    assert!(r.json()["detail"].as_str().unwrap().contains("malformed JSON"), "{}", r.body);
    let r = send_raw("{}", "text/plain").await;
    assert_eq!(r.status, 415);
    let r = app.send("analyst", "POST", "/api/v1/incidents", Some(json!({"title": "x", "victim": {"org_type": "hospital", "country": "XX"}})), &[]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "victim.country");
    let r = app.send("analyst", "POST", "/api/v1/incidents", Some(json!({"title": "x", "victim": {"org_type": "hospital", "country": "DE"}, "sources": [], "harm": {"deaths": {"value": {"alleged": 1}, "source": "https://nowhere.example/", "as_of": "2024-01-01"}}})), &[]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "harm.deaths.source");
    let huge = "x".repeat(ward_web::api::MAX_JSON_BODY_BYTES + 10);
    let r = app.send("analyst", "POST", "/api/v1/incidents", Some(json!({"title": huge})), &[]).await;
    assert_eq!(r.status, 413);
    let r = app.send("analyst", "GET", "/api/v1/incidents?country=XX&limit=100000&colour=red", None, &[]).await;
    assert_eq!(r.status, 400);
    let fields: Vec<_> = r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["colour", "country", "limit"]);
    let r = app.send("analyst", "GET", "/api/v1/incidents/not-a-uuid", None, &[]).await;
    assert_eq!(r.status, 404);
    let r = app.send("analyst", "GET", "/api/v1/nothing-here", None, &[]).await;
    assert_eq!((r.status.as_u16(), r.header("content-type")), (404, "application/problem+json"));
    // Nothing half-written: still only the five seeded incidents.
    let r = app.send("analyst", "GET", "/api/v1/incidents", None, &[]).await;
    assert_eq!(r.json()["total"], 5);
}

#[tokio::test]
async fn list_filters_and_paginates_by_cursor() {
    let app = App::new().await;
    for n in 0..7 {
        let mut d = draft_json(&format!("Paged {n}"), Tlp::Clear);
        d["victim"]["country"] = json!(if n % 2 == 0 { "IE" } else { "FR" });
        let r = app.send("analyst", "POST", "/api/v1/incidents", Some(d), &[]).await;
        assert_eq!(r.status, 201);
    }
    let r = app.send("viewer_of_b", "GET", "/api/v1/incidents?country=IE&limit=2", None, &[]).await;
    assert_eq!(r.json()["total"], 4);
    let mut seen = r.json()["items"].as_array().unwrap().len();
    let mut cursor = r.json()["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let r = app.send("viewer_of_b", "GET", &format!("/api/v1/incidents?country=IE&limit=2&cursor={c}"), None, &[]).await;
        assert_eq!(r.status, 200);
        seen += r.json()["items"].as_array().unwrap().len();
        cursor = r.json()["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 4);
    let r = app.send("viewer_of_b", "GET", "/api/v1/incidents?q=paged%205", None, &[]).await;
    assert_eq!(r.json()["total"], 1);
    let r = app.send("viewer_of_b", "GET", "/api/v1/incidents?cursor=garbage", None, &[]).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn tokens_are_shown_once_and_revocable() {
    let app = App::new().await;
    let r = app.send("viewer", "POST", "/api/v1/tokens", Some(json!({"label": "laptop", "expires_days": 30})), &[]).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let list = app.send("viewer", "GET", "/api/v1/tokens", None, &[]).await;
    assert!(!list.body.contains(&token), "the secret is never listed");
    let me = app.raw(axum::http::Request::builder().uri("/api/v1/me").header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(me.json()["email"], "viewer@example.org");
    let r = app.send("viewer", "DELETE", &format!("/api/v1/tokens/{id}"), None, &[]).await;
    assert_eq!(r.status, 204);
    let me = app.raw(axum::http::Request::builder().uri("/api/v1/me").header("authorization", format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(me.status, 401);
    let r = app.send("viewer", "POST", "/api/v1/tokens", Some(json!({"label": "x", "expires_days": 0})), &[]).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("expires_days")));
}

#[tokio::test]
async fn users_and_orgs_respect_roles() {
    let app = App::new().await;
    let path = format!("/api/v1/orgs/{}/users", app.org_a.id);
    let r = app.send("org_admin", "POST", &path, Some(json!({"email": "new@example.org", "role": "instance_admin", "password": "a long enough password"})), &[]).await;
    assert_eq!(r.status, 403, "an org admin cannot mint instance admins");
    let r = app.send("org_admin", "POST", &path, Some(json!({"email": "new@example.org", "role": "analyst", "password": "short"})), &[]).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("password")));
    let r = app.send("org_admin", "POST", &path, Some(json!({"email": "new@example.org", "role": "analyst", "password": "a long enough password"})), &[]).await;
    assert_eq!(r.status, 201);
    assert!(!r.body.contains("argon2"), "no password hash in responses");
    let r = app.send("org_admin", "POST", &path, Some(json!({"email": "NEW@example.org", "role": "viewer"})), &[]).await;
    assert_eq!(r.status, 409);
    let r = app.send("instance_admin", "POST", "/api/v1/orgs", Some(json!({"name": "Clinic C", "org_type": "outpatient_clinic", "country": "FR", "region": "DE-NW"})), &[]).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("region")));
    let r = app.send("instance_admin", "POST", "/api/v1/orgs", Some(json!({"name": "Clinic C", "org_type": "outpatient_clinic", "country": "FR"})), &[]).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["naics"], "621498");
    assert_eq!(r.json()["hhs_entity_type"], "Healthcare Provider");
    let r = app.send("instance_admin", "POST", "/api/v1/orgs", Some(json!({"name": "clinic c", "org_type": "hospital"})), &[]).await;
    assert_eq!(r.status, 409);
    let _ = app.org_b.id;
}

#[tokio::test]
async fn instance_admins_import_datasets_over_the_api() {
    let app = App::new().await;
    let csv = "Name of Covered Entity,State,Covered Entity Type,Individuals Affected,Breach Submission Date,Type of Breach,Location of Breached Information,Business Associate Present,Web Description\n\
               API Clinic,CA,Healthcare Provider,1200,03/04/2021,Hacking/IT Incident,Network Server,No,\n\
               Broken Clinic,CA,Healthcare Provider,900,31/31/2021,Theft,Laptop,No,\n";
    let send = |who: &str| {
        let mut b = axum::http::Request::builder().method("POST").uri("/api/v1/imports/hhs").header("content-type", "text/csv");
        if let Some(t) = app.token(who) { b = b.header("authorization", format!("Bearer {t}")); }
        app.raw(b.body(axum::body::Body::from(csv)).unwrap())
    };
    assert_eq!(send("org_admin").await.status, 403);
    let r = send("instance_admin").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = r.json();
    assert_eq!((s["read"].as_i64(), s["created"].as_i64(), s["rejected"].as_i64()), (Some(2), Some(1), Some(1)), "{s}");
    assert!(s["rejections"][0].as_str().unwrap().contains(":3"), "file and line named: {s}");
    let again = send("instance_admin").await.json();
    assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(1)), "idempotent: {again}");
    let r = app.send("instance_admin", "POST", "/api/v1/imports/nonsense", Some(json!({})), &[]).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (400, Some("kind")));
}
