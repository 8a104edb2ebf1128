//! Report once through a real session: the reporting profile with inline errors, answering the
//! deciding facts (unknown ids, bad tri-state values, ambiguous local times named), the
//! timeline with countdowns, a submission moving the final-report deadline, a closing
//! decision, report downloads, the organisation-wide list and the history.

use jiff::{Timestamp, ToSpan};
use ward_core::{IncidentDraft, ReadScope, Tlp};

use crate::harness::{draft_json, App};
use crate::harness::PASSWORD;
use crate::pages::{cookie, get, hidden, login, post_form};

/// Signs in any role (the shared helper opens the incident form, which viewers may not).
async fn sign_in(app: &App, email: &str) -> (String, String) {
    let page = get(app, "/login", "").await;
    let csrf = cookie(&page, "ward_login_csrf").unwrap();
    let ok = post_form(app, "/login", &format!("ward_login_csrf={csrf}"), &[("_csrf", &csrf), ("email", email), ("password", PASSWORD), ("next", "/obligations")]).await;
    assert_eq!(ok.status, 303);
    let cookies = format!("ward_session={}", cookie(&ok, "ward_session").unwrap());
    let list = get(app, "/obligations", &cookies).await;
    (cookies.clone(), hidden(&list.body, "_csrf"))
}

fn local_berlin(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap()).strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

#[tokio::test]
async fn profile_facts_submission_decision_reports_and_list() {
    let app = App::new().await;
    let (cookies, csrf) = login(&app, "org_admin@example.org").await;
    let org = app.org_a.id;

    // The profile form: bad values are named and the form comes back (200) with them.
    let page = get(&app, &format!("/orgs/{org}/reporting-profile"), &cookies).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("entity.de.bsig_class"), "every entity fact is offered");
    let version = hidden(&page.body, "_version");
    let bad = post_form(&app, &format!("/orgs/{org}/reporting-profile"), &cookies, &[
        ("_csrf", &csrf), ("_version", &version), ("entity.time_zone", "Mars/Olympus"), ("entity.de.bsig_class", "sehr_wichtig"), ("entity.country_of_establishment", "DE"),
    ]).await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("There is a problem"));
    assert!(bad.body.contains("entity.time_zone") && bad.body.contains("Mars/Olympus"), "{}", bad.body);
    assert!(bad.body.contains("sehr_wichtig"), "the bad class is named");
    let forged = post_form(&app, &format!("/orgs/{org}/reporting-profile"), &cookies, &[("_version", &version), ("entity.time_zone", "Europe/Berlin")]).await;
    assert_eq!(forged.status, 403, "no CSRF token, no write");
    let ok = post_form(&app, &format!("/orgs/{org}/reporting-profile"), &cookies, &[
        ("_csrf", &csrf), ("_version", &version), ("entity.time_zone", "Europe/Berlin"), ("entity.country_of_establishment", "DE"),
        ("entity.types", "hospital"), ("entity.types", "healthcare_provider"), ("entity.nis2_class", "essential"), ("entity.de.bsig_class", "besonders_wichtig"),
    ]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let saved = app.store.reporting_profile(org).await.unwrap().unwrap();
    assert_eq!(saved.entity["entity.types"], serde_json::json!(["hospital", "healthcare_provider"]));
    // Saving with the old version again is a conflict, shown as a notice, not a silent overwrite.
    let stale = post_form(&app, &format!("/orgs/{org}/reporting-profile"), &cookies, &[("_csrf", &csrf), ("_version", &version), ("entity.time_zone", "Europe/Paris")]).await;
    assert_eq!(stale.status, 200);
    assert!(stale.body.contains("Someone else saved the profile"));

    // A new incident: provisional obligations and the questions that decide them.
    let draft = IncidentDraft::from_value(draft_json("Ransomware at Klinikum", Tlp::Amber)).unwrap();
    let inc = app.store.create_incident(org, &draft, Some(app.user("org_admin").id), Timestamp::now()).await.unwrap();
    let page = get(&app, &format!("/incidents/{}", inc.id), &cookies).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Reporting obligations") && page.body.contains("Questions that decide obligations"));
    assert!(page.body.contains("name=\"incident.awareness_at\""), "awareness is asked for");
    let facts_path = format!("/incidents/{}/obligations/facts", inc.id);

    // Bad answers: every problem named by its fact id, nothing stored.
    let r = post_form(&app, &facts_path, &cookies, &[
        ("_csrf", &csrf), ("incident.is_security_incident", "maybe"), ("_other_fact", "incident.no_such_fact"), ("_other_value", "yes"),
    ]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("incident.is_security_incident") && r.body.contains("maybe"), "{}", r.body);
    assert!(r.body.contains("incident.no_such_fact") && r.body.contains("unknown fact id"), "{}", r.body);
    let r = post_form(&app, &facts_path, &cookies, &[("_csrf", &csrf), ("incident.awareness_at", "2026-10-25T02:30")]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("incident.awareness_at") && r.body.contains("occurs twice"), "a local time in the DST fold is rejected: {}", r.body);
    let r = post_form(&app, &facts_path, &cookies, &[("_csrf", &csrf), ("_other_fact", "entity.de.bsig_class"), ("_other_value", "wichtig")]).await;
    assert!(r.body.contains("reporting profile"), "entity facts are changed in the profile");
    assert!(app.store.obligation_events(inc.id, &ReadScope::LOCAL_OPERATOR).await.unwrap().is_empty());

    // Good answers (a datetime-local value is read in the profile's time zone).
    let aware = Timestamp::now() - 3.hours();
    let r = post_form(&app, &facts_path, &cookies, &[
        ("_csrf", &csrf), ("incident.awareness_at", &local_berlin(aware)), ("incident.is_security_incident", "yes"), ("impact.severe_operational_disruption", "yes"),
    ]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get(&app, &format!("/incidents/{}", inc.id), &cookies).await;
    assert!(page.body.contains("Early initial report") && page.body.contains("Incident notification"), "{}", page.body);
    assert!(page.body.contains("class=\"countdown\""), "live countdowns");
    assert!(page.body.contains("awareness + 24 h") && page.body.contains("awareness + 72 h"));
    let stored = app.store.obligations(inc.id, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    let due = |stage: &str| stored.iter().find(|o| o.regime == "de.bsig" && o.stage == stage).and_then(|o| o.due_at);
    assert_eq!(due("fruehe_erstmeldung").unwrap().as_second(), (aware + 24.hours()).as_second());
    assert_eq!(due("meldung").unwrap().as_second(), (aware + 72.hours()).as_second());
    assert!(stored.iter().all(|o| o.rule_version == "2025-12-06" || o.regime != "de.bsig"));

    // A submission of the 72 h notification: on time; the final report moves to one month after it.
    let sub_path = format!("/incidents/{}/obligations/submissions", inc.id);
    let r = post_form(&app, &sub_path, &cookies, &[("_csrf", &csrf), ("obligation", "de.bsig|meldung|"), ("submitted_at", "yesterday"), ("payload_sha256", "xyz")]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("submitted_at") && r.body.contains("RFC 3339") && r.body.contains("64 hexadecimal"), "{}", r.body);
    let sent = Timestamp::now() - 1.hour();
    let r = post_form(&app, &sub_path, &cookies, &[("_csrf", &csrf), ("obligation", "de.bsig|meldung|"), ("submitted_at", &sent.to_string()), ("channel", "BSI portal"), ("receipt", "BSI-2026-0001")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let stored = app.store.obligations(inc.id, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    let meldung = stored.iter().find(|o| o.stage == "meldung").unwrap();
    assert_eq!(meldung.status, "submitted_on_time");
    let final_due = stored.iter().find(|o| o.stage == "abschlussmeldung").unwrap().due_at.unwrap();
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    assert_eq!(final_due.as_second(), sent.to_zoned(berlin.clone()).checked_add(1.month()).unwrap().timestamp().as_second(), "one calendar month after the submission");
    let events = app.store.obligation_events(inc.id, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    let hash = events.last().unwrap().body["payload_sha256"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64, "the hash of ward's JSON report is recorded when none is given");

    // A decision needs a rationale; then it closes the obligation.
    let dec_path = format!("/incidents/{}/obligations/decisions", inc.id);
    let r = post_form(&app, &dec_path, &cookies, &[("_csrf", &csrf), ("obligation", "de.bsig|fruehe_erstmeldung|"), ("rationale", "no")]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("rationale") && r.body.contains("at least 10 characters"));
    let r = post_form(&app, &dec_path, &cookies, &[("_csrf", &csrf), ("obligation", "de.bsig|fruehe_erstmeldung|"), ("rationale", "Sent by phone to the BSI duty officer; confirmed in the 72 h notification.")]).await;
    assert_eq!(r.status, 303);
    let stored = app.store.obligations(inc.id, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    assert_eq!(stored.iter().find(|o| o.stage == "fruehe_erstmeldung").unwrap().status, "closed");

    // Reports: print HTML, Markdown and JSON in the recipient's language, missing fields listed.
    let base = format!("/incidents/{}/reports/de.bsig/abschlussmeldung", inc.id);
    let html = get(&app, &base, &cookies).await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("lang=\"de\"") && html.body.contains("data-print"), "{}", html.body);
    let md = get(&app, &format!("{base}/report.md"), &cookies).await;
    assert_eq!(md.status, 200);
    assert!(md.header("content-type").starts_with("text/markdown"));
    assert!(md.header("content-disposition").contains("de.bsig-abschlussmeldung.md"));
    let json = get(&app, &format!("/incidents/{}/reports/de.bsig/meldung/report.json", inc.id), &cookies).await;
    let v = json.json();
    assert_eq!(v["language"], "de");
    assert_eq!(v["patient_identities_included"], false);
    assert!(v["missing_required"].as_array().unwrap().iter().any(|f| f == "reporter.contact_point"), "{v}");
    assert!(v["fields"].as_array().unwrap().iter().any(|f| f["id"] == "reporter.identity" && f["value"] == "Hospital A"));

    // Report content answered once appears in the report.
    let r = post_form(&app, &facts_path, &cookies, &[("_csrf", &csrf), ("content:reporter.contact_point", "IT security desk, +49 30 1234")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let v = get(&app, &format!("/incidents/{}/reports/de.bsig/meldung/report.json", inc.id), &cookies).await.json();
    assert!(!v["missing_required"].as_array().unwrap().iter().any(|f| f == "reporter.contact_point"));

    // The organisation-wide list (overdue first) and the history.
    let list = get(&app, "/obligations", &cookies).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Ransomware at Klinikum") && list.body.contains("Final report"), "{}", list.body);
    let history = get(&app, &format!("/incidents/{}/history", inc.id), &cookies).await;
    assert!(history.body.contains("Reporting: facts, submissions and decisions"));
    assert!(history.body.contains("Submission:") && history.body.contains("BSI portal") && history.body.contains("Decision:"));
    assert!(history.body.contains("incident.awareness_at"));

    // The countdown script is served same-origin.
    let js = get(&app, "/assets/obligations.js", "").await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").starts_with("text/javascript"));
}

#[tokio::test]
async fn viewers_read_but_cannot_record_and_other_orgs_see_nothing() {
    let app = App::new().await;
    let amber = app.incident(Tlp::Amber);
    let (cookies, csrf) = sign_in(&app, "viewer@example.org").await;
    let page = get(&app, &format!("/incidents/{amber}"), &cookies).await;
    assert!(page.body.contains("Early initial report"), "the seeded facts owe the BSIG stages");
    assert!(!page.body.contains("Record a submission"), "viewers get no forms");
    let r = post_form(&app, &format!("/incidents/{amber}/obligations/facts"), &cookies, &[("_csrf", &csrf), ("incident.ransomware", "yes")]).await;
    assert_eq!(r.status, 403);
    // A member of another organisation: the AMBER incident and its reports do not exist for them.
    let (cookies_b, _) = sign_in(&app, "viewer_of_b@example.org").await;
    assert_eq!(get(&app, &format!("/incidents/{amber}/obligations"), &cookies_b).await.status, 404);
    assert_eq!(get(&app, &format!("/incidents/{amber}/reports/de.bsig/meldung/report.json"), &cookies_b).await.status, 404);
    let list = get(&app, "/obligations", &cookies_b).await;
    assert!(!list.body.contains("Incident at TLP:AMBER"));
}
