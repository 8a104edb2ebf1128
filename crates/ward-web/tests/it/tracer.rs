//! The tracer over HTTP: totals through the viewer's scope, exports that honour TLP and parse,
//! the methodology page, and filters that fail loudly.

use ward_core::Tlp;

use crate::harness::App;

fn count_in(body: &str) -> i64 {
    // The first headline tile is the number of incidents.
    let start = body.find("class=\"tile-value\">").expect("a headline tile") + "class=\"tile-value\">".len();
    body[start..].split('<').next().unwrap().replace(',', "").parse().unwrap()
}

#[tokio::test]
async fn dashboard_and_exports_respect_tlp() {
    let app = App::new().await;
    // The harness seeds one incident of org A at every TLP level, each with 1,200 individuals.
    let public = app.send("anonymous", "GET", "/tracer", None, &[]).await;
    assert_eq!(public.status, 200);
    assert_eq!(count_in(&public.body), 1, "anonymous: CLEAR only");
    assert!(public.body.contains("data-country=\"DE\""), "the map draws Germany");
    let member = app.send("analyst", "GET", "/tracer", None, &[]).await;
    assert_eq!(count_in(&member.body), 5, "the analyst of the owning organisation sees all five");
    let other = app.send("viewer_of_b", "GET", "/tracer", None, &[]).await;
    assert_eq!(count_in(&other.body), 2, "another organisation: CLEAR and GREEN");
    assert!(member.body.contains("known for 5 of 5 incidents"));

    let csv = app.send("anonymous", "GET", "/tracer/export.csv", None, &[]).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "Incident at TLP:CLEAR");
    assert!(!csv.body.contains("TLP:AMBER"));
    let json = app.send("viewer_of_b", "GET", "/tracer/export.json?country=DE", None, &[]).await;
    let v = json.json();
    assert_eq!(v["count"], 2);
    assert_eq!(v["query"], "country=DE");
    let stix = app.send("analyst", "GET", "/tracer/export.stix.json", None, &[]).await;
    let b = stix.json();
    assert_eq!(b["type"], "bundle");
    let incidents: Vec<_> = b["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "incident").collect();
    assert_eq!(incidents.len(), 5);
    let red = incidents.iter().find(|o| o["name"] == "Incident at TLP:RED").unwrap();
    assert_eq!(red["object_marking_refs"][0], Tlp::Red.marking_definition_id());
    let bad = app.send("anonymous", "GET", "/tracer/export.csv?country=XX", None, &[]).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn methodology_and_bad_filters() {
    let app = App::new().await;
    let m = app.send("anonymous", "GET", "/tracer/methodology", None, &[]).await;
    assert_eq!(m.status, 200);
    assert!(m.body.contains("Unknown is not zero") && m.body.contains("linking rule") && m.body.contains("<table>"));
    let bad = app.send("anonymous", "GET", "/tracer?from=2024-05-01&to=2023-01-01&known=nonsense", None, &[]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("is after to") && bad.body.contains("is not a harm figure"));
    let filtered = app.send("anonymous", "GET", "/tracer?attack_type=phishing", None, &[]).await;
    assert_eq!(count_in(&filtered.body), 0);
}
