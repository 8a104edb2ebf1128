//! `/harm` and `/harm.json`: the documented worked example reproduced (docs/HARM-ESTIMATE.md,
//! example 1), every parameter's source printed, bad figures refused with the field named, and
//! an incident's page linking to the estimate with its sourced outage facts.

use crate::harness::App;
use crate::pages::{get, login};

#[tokio::test]
async fn the_estimate_page_reproduces_the_hand_computation_and_names_bad_fields() {
    let app = App::new().await;
    let q = "inpatients_at_onset=300&admissions_per_day=40&downtime_days=14";
    let page = get(&app, &format!("/harm?{q}"), "").await;
    assert_eq!(page.status, 200, "public, like the methodology");
    assert!(page.body.contains("3.06 to 3.42"), "excess deaths among admitted patients, 300 × 3 % × 0.34–0.38");
    assert!(page.body.contains("doi:10.1257/pol.20240594"), "Neprash et al. cited");
    assert!(page.body.contains("not a prediction"));
    let json = get(&app, &format!("/harm.json?{q}"), "").await.json();
    let excess = json["outcomes"].as_array().unwrap().iter().find(|o| o["id"] == "excess_deaths_admitted").unwrap();
    assert_eq!((excess["low"].as_f64(), excess["high"].as_f64()), (Some(3.06), Some(3.42)));
    assert!(excess["parameters"].as_array().unwrap().iter().all(|p| !p["citation"].as_str().unwrap().is_empty()));

    let bad = get(&app, "/harm?admissions_per_day=lots&downtime_days=-2&diversion=sideways", "").await;
    assert_eq!(bad.status, 422);
    for field in ["admissions_per_day", "diversion"] {
        assert!(bad.body.contains(&format!("<strong>{field}</strong>")), "{field} named: {}", bad.body);
    }
    let bad = get(&app, "/harm.json?beds=100&admissions_per_day=40&downtime_days=400", "").await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["problems"][0]["field"], "downtime_days");
    let missing = get(&app, "/harm.json?beds=100", "").await.json();
    assert!(missing["problems"].as_array().unwrap().iter().any(|p| p["field"] == "admissions_per_day" && p["reason"] == "is required"));

    // An incident with a sourced care disruption links to a pre-filled estimate.
    let (cookies, _) = login(&app, "analyst@example.org").await;
    let mut draft = crate::harness::draft_json("Outage incident", ward_core::Tlp::Green);
    draft["harm"]["care_disruption"] = serde_json::json!([{"value": {"domain": "emergency", "days": 21.0}, "source": "https://example.org/report", "as_of": "2024-02-22"}]);
    draft["harm"]["ambulance_diversion"] = serde_json::json!({"value": {"diverted": true}, "source": "https://example.org/report", "as_of": "2024-02-22"});
    let created = app.send("analyst", "POST", "/api/v1/incidents", Some(draft), &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let page = get(&app, &format!("/incidents/{id}"), &cookies).await;
    let href = format!("/harm?incident={id}&amp;downtime_days=21&amp;diversion=partial&amp;severity=severe");
    assert!(page.body.contains(&href), "{}", page.body);
}
