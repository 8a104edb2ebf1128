//! TAXII 2.1 through the real router: the access matrix of every TAXII route, media types,
//! headers, pagination, errors and authentication.

use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;
use serde_json::json;
use ward_store::NewCollection;

use crate::harness::{App, PASSWORD, PRINCIPALS};

const TAXII: &str = "application/taxii+json;version=2.1";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const RED_TLP1: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

fn indicator(n: u32, marking: Option<&str>) -> serde_json::Value {
    let mut v = json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{n:08x}-1111-4111-8111-111111111111"),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '203.0.113.{}']", n % 250), "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
    });
    if let Some(m) = marking {
        v["object_marking_refs"] = json!([m]);
    }
    v
}

struct Seed {
    collection: String,
    green: String,
    amber: String,
    red: String,
    status: String,
}

async fn taxii(app: &App, who: &str, method: &str, path: &str, body: Option<&serde_json::Value>) -> crate::harness::Resp {
    let mut b = Request::builder().method(method).uri(path).header("accept", TAXII);
    if let Some(t) = app.token(who) {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b.header("content-type", TAXII).body(Body::from(v.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    app.raw(req).await
}

/// A collection of org A (api root `isac`) that org B may read; one object per TLP level
/// (added by A's analyst through TAXII, which also creates a status resource).
async fn seed(app: &App) -> Seed {
    let c = app
        .store
        .create_collection(&NewCollection { api_root: "isac".into(), title: "Health indicators".into(), description: Some("test".into()), owner_org_id: app.org_a.id, read_orgs: vec![app.org_b.id], write_orgs: vec![] }, jiff::Timestamp::now())
        .await
        .unwrap();
    let objects = vec![indicator(1, Some(GREEN)), indicator(2, Some(AMBER)), indicator(3, Some(RED))];
    let r = taxii(app, "analyst", "POST", &format!("/taxii2/isac/collections/{}/objects/", c.id), Some(&json!({"objects": objects}))).await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.body);
    let ids: Vec<String> = objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    Seed { collection: c.id, green: ids[0].clone(), amber: ids[1].clone(), red: ids[2].clone(), status: r.json()["id"].as_str().unwrap().to_owned() }
}

#[tokio::test]
async fn taxii_access_matrix() {
    let app = App::new().await;
    let s = seed(&app).await;
    let c = format!("/taxii2/isac/collections/{}", s.collection);
    let missing = "indicator--ffffffff-1111-4111-8111-111111111111";
    let new_object = json!({"objects": [indicator(99, Some(GREEN))]});
    // anonymous, viewer_of_b, org_admin, analyst, reporter, viewer, instance_admin (another org)
    let rows: Vec<(&str, String, Option<serde_json::Value>, [u16; 7])> = vec![
        ("GET", "/taxii2/".into(), None, [401, 200, 200, 200, 200, 200, 200]),
        ("GET", "/taxii2/isac/".into(), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", "/taxii2/isac/collections/".into(), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/"), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/objects/"), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/manifest/"), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/objects/{}/", s.green), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/objects/{}/", s.amber), None, [401, 404, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/objects/{}/", s.red), None, [401, 404, 200, 200, 404, 404, 404]),
        ("GET", format!("{c}/objects/{}/versions/", s.green), None, [401, 200, 200, 200, 200, 200, 404]),
        ("GET", format!("{c}/objects/{}/versions/", s.red), None, [401, 404, 200, 200, 404, 404, 404]),
        ("POST", format!("{c}/objects/"), Some(new_object), [401, 403, 202, 202, 202, 403, 404]),
        ("DELETE", format!("{c}/objects/{missing}/"), None, [401, 403, 404, 404, 404, 403, 404]),
        ("GET", format!("/taxii2/isac/status/{}/", s.status), None, [401, 404, 200, 200, 200, 200, 404]),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (who, want) in PRINCIPALS.iter().zip(expected) {
            let r = taxii(&app, who, method, path, body.as_ref()).await;
            if r.status.as_u16() != *want {
                failures.push(format!("{method} {path} as {who}: got {}, want {want}: {}", r.status.as_u16(), r.body));
            }
            if !(method == &"DELETE" && r.status.as_u16() == 200) {
                assert_eq!(r.header("content-type"), TAXII, "{method} {path} as {who}");
            }
            if r.status.as_u16() == 404 {
                assert!(!r.body.contains("indicator--"), "a 404 leaks nothing: {}", r.body);
            }
        }
    }
    // Listing paths: a reader never sees an object it may not read.
    for who in PRINCIPALS.iter().skip(1) {
        let r = taxii(&app, who, "GET", &format!("{c}/objects/?match[version]=all"), None).await;
        let m = taxii(&app, who, "GET", &format!("{c}/manifest/"), None).await;
        let may = |tlp_red: bool, tlp_amber: bool| (*who == "org_admin" || *who == "analyst" || (!tlp_red && (*who == "reporter" || *who == "viewer"))) || (!tlp_red && !tlp_amber && *who == "viewer_of_b");
        for (id, red, amber) in [(&s.amber, false, true), (&s.red, true, false)] {
            assert_eq!(r.body.contains(id.as_str()), may(red, amber) && *who != "instance_admin", "objects: {who} and {id}");
            assert_eq!(m.body.contains(id.as_str()), may(red, amber) && *who != "instance_admin", "manifest: {who} and {id}");
        }
    }
    assert!(failures.is_empty(), "TAXII access matrix violations:\n{}", failures.join("\n"));
}

/// TLP 2.0 AMBER clients over TAXII: once org A names org B its client, B (which may read the
/// collection) gets A's AMBER object from every read path — objects, object, versions,
/// manifest — but never AMBER+STRICT or RED; removing the client ends it on the next request.
#[tokio::test]
async fn taxii_amber_client() {
    const AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
    let app = App::new().await;
    let s = seed(&app).await;
    let c = format!("/taxii2/isac/collections/{}", s.collection);
    let strict = indicator(4, Some(AMBER_STRICT));
    let r = taxii(&app, "analyst", "POST", &format!("{c}/objects/"), Some(&json!({"objects": [strict]}))).await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.body);
    let strict = strict["id"].as_str().unwrap().to_owned();
    let single = |id: &str| format!("{c}/objects/{id}/");
    assert_eq!(taxii(&app, "viewer_of_b", "GET", &single(&s.amber), None).await.status.as_u16(), 404, "not a client yet");
    app.store.add_org_client(app.org_a.id, app.org_b.id, jiff::Timestamp::now()).await.unwrap();
    for (path, want) in [
        (single(&s.amber), 200),
        (format!("{c}/objects/{}/versions/", s.amber), 200),
        (single(&strict), 404),
        (format!("{c}/objects/{strict}/versions/", ), 404),
        (single(&s.red), 404),
    ] {
        let r = taxii(&app, "viewer_of_b", "GET", &path, None).await;
        assert_eq!(r.status.as_u16(), want, "{path}: {}", r.body);
    }
    for path in [format!("{c}/objects/?match[version]=all"), format!("{c}/manifest/")] {
        let body = taxii(&app, "viewer_of_b", "GET", &path, None).await.body;
        assert!(body.contains(&s.green) && body.contains(&s.amber), "{path}: {body}");
        assert!(!body.contains(&strict) && !body.contains(&s.red), "{path}: {body}");
    }
    // The instance administrator's organisation is nobody's client and cannot read the
    // collection at all; A's own viewer still sees AMBER+STRICT.
    assert_eq!(taxii(&app, "viewer", "GET", &single(&strict), None).await.status.as_u16(), 200);
    assert!(app.store.remove_org_client(app.org_a.id, app.org_b.id).await.unwrap());
    assert_eq!(taxii(&app, "viewer_of_b", "GET", &single(&s.amber), None).await.status.as_u16(), 404, "removed: gone on the next request");
    assert!(!taxii(&app, "viewer_of_b", "GET", &format!("{c}/manifest/"), None).await.body.contains(&s.amber));
}

#[tokio::test]
async fn taxii_protocol_details() {
    let app = App::new().await;
    let s = seed(&app).await;
    let c = format!("/taxii2/isac/collections/{}", s.collection);
    // Add 25 more objects, one invalid and one with a TLP 1.0 marking.
    let mut objs: Vec<_> = (10..35).map(|n| indicator(n, Some(GREEN))).collect();
    objs[3] = indicator(13, Some(RED_TLP1));
    objs[4]["pattern"] = json!("[ipv4-addr:value = ");
    let r = taxii(&app, "analyst", "POST", &format!("{c}/objects/"), Some(&json!({"objects": objs}))).await;
    assert_eq!(r.status.as_u16(), 202);
    let st = r.json();
    assert_eq!((st["success_count"].as_u64(), st["failure_count"].as_u64(), st["total_count"].as_u64()), (Some(24), Some(1), Some(25)));
    assert!(st["failures"][0]["message"].as_str().unwrap().contains("objects[4].pattern: pattern error at offset 19"), "{st}");
    // The status resource answers the same.
    let r = taxii(&app, "analyst", "GET", &format!("/taxii2/isac/status/{}/", st["id"].as_str().unwrap()), None).await;
    assert_eq!(r.json()["success_count"], 24);
    // TLP 1.0 RED was stored as the OASIS TLP 2.0 id.
    let r = taxii(&app, "analyst", "GET", &format!("{c}/objects/{}/", objs[3]["id"].as_str().unwrap()), None).await;
    assert!(r.body.contains(RED) && !r.body.contains(RED_TLP1), "{}", r.body);
    // Paging with limit 4: no duplicates, no gaps, headers on every page, filters kept.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &next { Some(n) => format!("?match[type]=indicator&limit=4&next={n}"), None => "?match[type]=indicator&limit=4".into() };
        let r = taxii(&app, "viewer_of_b", "GET", &format!("{c}/objects/{q}"), None).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        let v = r.json();
        let objects = v["objects"].as_array().cloned().unwrap_or_default();
        assert!(objects.len() <= 4);
        assert!(r.header("x-taxii-date-added-first").ends_with('Z') && r.header("x-taxii-date-added-last").len() == 27, "{:?}", r.headers);
        seen.extend(objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        pages += 1;
        if v["more"] == json!(false) {
            break;
        }
        next = Some(v["next"].as_str().unwrap().to_owned());
    }
    // B sees GREEN only: the seeded green + 23 valid greens (the TLP:RED one is hidden).
    assert_eq!(seen.len(), 24, "{seen:?}");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len());
    assert_eq!(pages, 6);
    // A cursor with other filters is rejected; limit above the maximum is capped.
    let r = taxii(&app, "viewer_of_b", "GET", &format!("{c}/objects/?limit=2"), None).await;
    let n = r.json()["next"].as_str().unwrap().to_owned();
    let r = taxii(&app, "viewer_of_b", "GET", &format!("{c}/objects/?match[type]=malware&next={n}"), None).await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.json()["http_status"], "400");
    let r = taxii(&app, "viewer_of_b", "GET", &format!("{c}/objects/?limit=100000"), None).await;
    assert_eq!(r.status.as_u16(), 200);
    // Bad filters name the parameter.
    let r = taxii(&app, "analyst", "GET", &format!("{c}/objects/?match[version]=yesterday"), None).await;
    assert!(r.status.as_u16() == 400 && r.body.contains("match[version]"), "{}", r.body);
    let r = taxii(&app, "analyst", "GET", &format!("{c}/objects/?bogus=1"), None).await;
    assert!(r.status.as_u16() == 400 && r.body.contains("bogus"));
    // 406, 415, 413.
    let tok = app.token("analyst").unwrap();
    let req = Request::builder().uri(format!("{c}/objects/")).header("accept", "application/json").header("authorization", format!("Bearer {tok}")).body(Body::empty()).unwrap();
    let r = app.raw(req).await;
    assert_eq!((r.status.as_u16(), r.header("content-type")), (406, TAXII));
    let req = Request::builder().method("POST").uri(format!("{c}/objects/")).header("content-type", "application/json").header("authorization", format!("Bearer {tok}")).body(Body::from("{}")).unwrap();
    assert_eq!(app.raw(req).await.status.as_u16(), 415);
    let big = "x".repeat(ward_web::taxii::MAX_CONTENT_LENGTH + 1);
    let req = Request::builder().method("POST").uri(format!("{c}/objects/")).header("content-type", TAXII).header("authorization", format!("Bearer {tok}")).body(Body::from(big)).unwrap();
    assert_eq!(app.raw(req).await.status.as_u16(), 413);
    let r = taxii(&app, "analyst", "POST", &format!("{c}/objects/"), Some(&json!({"objects": "nope"}))).await;
    assert_eq!(r.status.as_u16(), 422);
    // HTTP Basic with the ward e-mail and password; a wrong password is a TAXII 401.
    let basic = |pw: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("analyst@example.org:{pw}")));
    let req = Request::builder().uri("/taxii2/").header("authorization", basic(PASSWORD)).body(Body::empty()).unwrap();
    let r = app.raw(req).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert!(r.json()["api_roots"][0].as_str().unwrap().ends_with("/taxii2/isac/"));
    let req = Request::builder().uri("/taxii2/").header("authorization", basic("wrong")).body(Body::empty()).unwrap();
    let r = app.raw(req).await;
    assert_eq!((r.status.as_u16(), r.header("content-type")), (401, TAXII));
    assert!(r.header("www-authenticate").contains("Basic"));
    // Basic is not accepted outside TAXII.
    let req = Request::builder().uri("/api/v1/me").header("authorization", basic(PASSWORD)).body(Body::empty()).unwrap();
    assert_eq!(app.raw(req).await.status.as_u16(), 401);
    // Delete: only the adding organisation; versions then 404.
    let r = taxii(&app, "analyst", "DELETE", &format!("{c}/objects/{}/", s.green), None).await;
    assert_eq!(r.status.as_u16(), 200);
    let r = taxii(&app, "analyst", "GET", &format!("{c}/objects/{}/versions/", s.green), None).await;
    assert_eq!(r.status.as_u16(), 404);
    // Routes work without the trailing slash too.
    assert_eq!(taxii(&app, "analyst", "GET", "/taxii2/isac/collections", None).await.status.as_u16(), 200);
}
