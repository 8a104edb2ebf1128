//! `/api/v1/sightings`: malformed and hostile reports get precise problems and write nothing;
//! the aggregate and its page never name reporting organisations.

use serde_json::json;

use crate::harness::App;

fn line(kind: &str, indicator: &str) -> serde_json::Value {
    json!({"kind": kind, "indicator": indicator, "count": 1, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-01T01:00:00Z"})
}

#[tokio::test]
async fn malformed_reports_are_rejected_whole_with_field_paths() {
    let app = App::new().await;
    let post = |body: serde_json::Value| app.send("analyst", "POST", "/api/v1/sightings", Some(body), &[]);
    // One bad line among good ones: 422 naming every bad field, and nothing stored.
    let r = post(json!({"sightings": [
        line("domain", "good.example"),
        line("domain", "bad..example"),
        line("colour", "red"),
        {"kind": "ipv4", "indicator": "2001:db8::1", "count": 0, "first_seen": "yesterday", "last_seen": "2026-11-01T00:00:00Z"},
        {"kind": "sha256", "indicator": "abc", "indicator_id": "malware--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "count": 1, "first_seen": "2026-11-02T00:00:00Z", "last_seen": "2026-11-01T00:00:00Z"},
    ]})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<String> = r.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, [
        "sightings[1].indicator", "sightings[2].kind", "sightings[3].indicator", "sightings[3].count", "sightings[3].first_seen",
        "sightings[4].indicator", "sightings[4].indicator_id", "sightings[4].last_seen",
    ]);
    assert_eq!(app.send("analyst", "GET", "/api/v1/sightings", None, &[]).await.json(), json!([]), "nothing half-written");
    // Unknown fields (e.g. a log line smuggled in), bad TLP, empty and oversized reports.
    let r = post(json!({"sightings": [{"kind": "domain", "indicator": "a.example", "count": 1, "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-01T00:00:00Z", "line": "GET /?patient=x"}]})).await;
    assert_eq!(r.status, 422);
    assert!(r.json()["errors"][0]["reason"].as_str().unwrap().contains("unknown field `line`"), "{}", r.body);
    let r = post(json!({"tlp": "purple", "sightings": [line("domain", "a.example")]})).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("tlp")));
    let r = post(json!({"sightings": []})).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("sightings")));
    let many: Vec<_> = (0..ward_store::MAX_SIGHTINGS_PER_REPORT + 1).map(|i| line("domain", &format!("d{i}.example"))).collect();
    let r = post(json!({"sightings": many})).await;
    assert!(r.status == 413 || (r.status == 422 && r.json()["errors"][0]["field"] == "sightings"), "{} {}", r.status, &r.body[..r.body.len().min(300)]);
    let r = app.send("analyst", "POST", "/api/v1/sightings", Some(json!({"sightings": [line("domain", &"a".repeat(3000))]})), &[]).await;
    assert_eq!(r.status, 422);

    // A good report: indicators are stored in canonical form, so the aggregate adds them up.
    let r = post(json!({"sightings": [line("domain", "Evil.Example."), line("url", "HTTP://Evil.Example:80/a")]})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json(), json!({"accepted": 2, "tlp": "green"}));
    let r = post(json!({"sightings": [line("domain", "evil.example")]})).await;
    assert_eq!(r.status, 201);
    let aggs = app.send("viewer_of_b", "GET", "/api/v1/sightings?kind=domain&indicator=EVIL.example", None, &[]).await.json();
    assert_eq!(aggs.as_array().unwrap().len(), 1);
    assert_eq!((aggs[0]["indicator"].as_str(), aggs[0]["count"].as_i64(), aggs[0]["reporting_organisations"].as_str()), (Some("evil.example"), Some(2), Some("fewer than 3")));
    let r = app.send("viewer_of_b", "GET", "/api/v1/sightings?kind=domain", None, &[]).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (400, Some("indicator")));
    let page = app.send("viewer_of_b", "GET", "/sightings", None, &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("evil.example") && page.body.contains("fewer than 3"));
    assert!(!page.body.contains(&app.org_a.name.to_string()), "the reporting organisation is not named");
}
