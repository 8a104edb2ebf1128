//! The risk register through a real session and the REST export: assets added and refused with
//! named fields, the real KEV catalogue matched, an HPH CPG assessment with evidence, the NIS2
//! posture inferred through the crosswalk, the posture on a later day with the evidence expired,
//! and recovery when new evidence is added.

use crate::harness::App;
use crate::pages::{get, hidden, login, post_form};

fn kev_csv() -> Vec<u8> {
    let dir = std::env::var("WARD_KEV_DIR").unwrap_or_else(|_| "/work/shared/data/kev".into());
    std::fs::read(std::path::Path::new(&dir).join("known_exploited_vulnerabilities_2026-04-16.csv")).expect("the shared KEV data set (set WARD_KEV_DIR)")
}

#[tokio::test]
async fn assets_assessment_evidence_inference_and_export() {
    let app = App::new().await;
    let org = app.org_a.id;
    let catalogue = ward_risk::kev::parse(&kev_csv()).unwrap();
    app.store.import_kev(&catalogue, "kev.csv", jiff::Timestamp::now()).await.unwrap();
    let (cookies, _) = login(&app, "analyst@example.org").await;
    let page = get(&app, &format!("/orgs/{org}/assets"), &cookies).await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "_csrf");

    // An asset with a bad kind, CPE and hours is refused with every field named.
    let bad = post_form(&app, &format!("/orgs/{org}/assets"), &cookies, &[
        ("_csrf", &csrf), ("name", "fw-edge-01"), ("kind", "robot"), ("cpe", "cpe:/o:fortinet:fortios"), ("criticality", "high"), ("rto_hours", "soon"),
    ]).await;
    assert_eq!(bad.status, 422);
    for fragment in ["kind: must be one of", "cpe: must be a CPE 2.3", "rto_hours: &quot;soon&quot; is not a whole number"] {
        assert!(bad.body.contains(fragment), "missing {fragment:?}");
    }
    assert!(app.store.list_assets(org).await.unwrap().is_empty(), "nothing written");
    let ok = post_form(&app, &format!("/orgs/{org}/assets"), &cookies, &[
        ("_csrf", &csrf), ("name", "fw-edge-01"), ("kind", "network_device"), ("manufacturer", "Fortinet"), ("product", "FortiGate 100F"), ("version", "7.2.4"),
        ("cpe", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*"), ("criticality", "high"), ("internet_facing", "yes"), ("rto_hours", "4"), ("rpo_hours", "0"),
    ]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let dup = post_form(&app, &format!("/orgs/{org}/assets"), &cookies, &[("_csrf", &csrf), ("name", "FW-EDGE-01"), ("kind", "server"), ("criticality", "low")]).await;
    assert_eq!(dup.status, 422);
    assert!(dup.body.contains("already has this name"));
    let fortios = catalogue.entries.iter().filter(|e| e.vendor_project == "Fortinet" && e.product == "FortiOS").count();
    assert_eq!(app.store.list_findings(org, false).await.unwrap().len(), fortios, "adding the asset matched it against the catalogue");

    // Answer the HPH CPGs: E1 and E5 compliant, E3 non-compliant; a bad answer is named.
    let fw = format!("/orgs/{org}/risk/frameworks/hph-cpg");
    let form = get(&app, &fw, &cookies).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Inferred posture") == false, "nothing to infer HPH from yet");
    let bad = post_form(&app, &fw, &cookies, &[("_csrf", &csrf), ("answer.HPH-E1", "yes"), ("answer.HPH-E99", "compliant")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("answer.HPH-E1") && bad.body.contains("is not one of compliant"), "{}", bad.body);
    assert!(bad.body.contains("has no requirement &quot;HPH-E99&quot;"));
    let orphan = post_form(&app, &fw, &cookies, &[("_csrf", &csrf), ("owner.HPH-E2", "Mail team")]).await;
    assert_eq!(orphan.status, 422, "an owner without an answer is not dropped silently");
    assert!(orphan.body.contains("send answer.HPH-E2 with it"));
    let saved = post_form(&app, &fw, &cookies, &[
        ("_csrf", &csrf), ("answer.HPH-E1", "compliant"), ("owner.HPH-E1", "IT operations"), ("controls.HPH-E1", "PATCH-01"),
        ("answer.HPH-E5", "compliant"), ("answer.HPH-E3", "non_compliant"),
    ]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let today = ward_web::risk::day_of(jiff::Timestamp::now());
    let in_days = |n: i64| today.checked_add(jiff::Span::new().days(n)).unwrap().to_string();
    let bad = post_form(&app, &format!("{fw}/evidence"), &cookies, &[("_csrf", &csrf), ("requirement_id", "HPH-E5"), ("title", "TLS scan"), ("effective_on", &in_days(-10)), ("expires_on", &in_days(-20))]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("evidence.expires_on") && bad.body.contains("after the effective date"));
    for rid in ["HPH-E1", "HPH-E5"] {
        let r = post_form(&app, &format!("{fw}/evidence"), &cookies, &[("_csrf", &csrf), ("requirement_id", rid), ("title", "Quarterly report"), ("effective_on", &in_days(-10)), ("expires_on", &in_days(20))]).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }

    // The export (REST, a viewer of the organisation): E1 is non-compliant because the
    // firewall's KEV findings are past their due dates; E5 compliant; NIS2 inferred.
    let export = app.send("viewer", "GET", &format!("/api/v1/orgs/{org}/risk/assessments"), None, &[]).await;
    assert_eq!(export.status, 200, "{}", export.body);
    let json = export.json();
    let framework = |id: &str| json["frameworks"].as_array().unwrap().iter().find(|f| f["framework_id"] == id).unwrap().clone();
    let hph = framework("hph-cpg");
    let req = |f: &serde_json::Value, id: &str| f["requirements"].as_array().unwrap().iter().find(|r| r["requirement_id"] == id).unwrap().clone();
    assert_eq!(req(&hph, "HPH-E1")["status"], "non_compliant");
    assert_eq!(req(&hph, "HPH-E1")["reason"]["kind"], "overdue_known_exploited");
    assert_eq!(req(&hph, "HPH-E1")["owner"], "IT operations");
    assert_eq!(req(&hph, "HPH-E5")["status"], "compliant");
    assert_eq!(req(&hph, "HPH-E5")["evidence"].as_array().unwrap().len(), 1);
    let nis2 = framework("nis2-art21");
    assert_eq!(nis2["assessed"], false);
    assert_eq!(nis2["inferred"]["inferred_from"], "hph-cpg");
    let h = nis2["inferred"]["requirements"].as_array().unwrap().iter().find(|r| r["requirement_id"] == "21.2.h").unwrap().clone();
    assert_eq!(h["status"], "partial");
    assert_eq!(h["via"][0]["source_requirement"], "HPH-E5");
    assert_eq!(h["via"][0]["relationship"], "subset");
    assert_eq!(json["open_findings"].as_array().unwrap().len(), fortios);
    let linked = json["kev_linked_requirements"].as_array().unwrap();
    let e1 = linked.iter().find(|r| r["requirement_id"] == "HPH-E1").unwrap();
    assert_eq!((e1["status"].as_str(), e1["inferred"].as_bool()), (Some("non_compliant"), Some(false)));
    let nis2_e = linked.iter().find(|r| r["requirement_id"] == "21.2.e").unwrap();
    assert_eq!((nis2_e["status"].as_str(), nis2_e["inferred"].as_bool()), (Some("non_compliant"), Some(true)));

    // Thirty days on, the evidence has expired: E5 is stale and so is the inferred NIS2 (h).
    let later = app.send("viewer", "GET", &format!("/api/v1/orgs/{org}/risk/assessments?on={}", in_days(30)), None, &[]).await.json();
    let hph_later = later["frameworks"].as_array().unwrap().iter().find(|f| f["framework_id"] == "hph-cpg").unwrap().clone();
    assert_eq!(req(&hph_later, "HPH-E5")["status"], "stale");
    assert_eq!(req(&hph_later, "HPH-E5")["reason"]["kind"], "evidence_expired");
    assert!(hph_later["score_percent"].as_f64().unwrap() < hph["score_percent"].as_f64().unwrap());
    let bad = app.send("viewer", "GET", &format!("/api/v1/orgs/{org}/risk/assessments?on=soon"), None, &[]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("\"field\":\"on\""), "{}", bad.body);

    // The dashboard shows posture, the inferred NIS2 posture, what goes stale, and exposures.
    let dash = get(&app, &format!("/orgs/{org}/risk"), &cookies).await;
    assert_eq!(dash.status, 200);
    for fragment in ["Posture per framework", "inferred from hph-cpg", "Goes stale within 30 days", "HPH-E5", "Open exposures", "fw-edge-01", "Linked requirements", "HPH-E1</strong> Mitigate Known Vulnerabilities", "1569 entries from <code>kev.csv</code>"] {
        assert!(dash.body.contains(fragment), "missing {fragment:?}");
    }
    assert!(app.store.posture_history(org, today).await.unwrap().contains_key("hph-cpg"), "viewing today records today");
    let report = get(&app, &format!("/orgs/{org}/risk/report"), &cookies).await;
    assert!(report.status == 200 && report.body.contains("Board report"));

    // Editing the firewall: a bad CPE is refused; dropping its CPE and vendor resolves its findings.
    let fw_asset = app.store.list_assets(org).await.unwrap().into_iter().find(|a| a.asset.name == "fw-edge-01").unwrap();
    let edit = get(&app, &format!("/orgs/{org}/assets/{}", fw_asset.id), &cookies).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("cpe:2.3:o:fortinet:fortios:7.2.4"), "the form is prefilled");
    let bad = post_form(&app, &format!("/orgs/{org}/assets/{}", fw_asset.id), &cookies, &[("_csrf", &csrf), ("name", "fw-edge-01"), ("kind", "network_device"), ("criticality", "high"), ("cpe", "fortios")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("cpe: must be a CPE 2.3"));
    let other_org = post_form(&app, &format!("/orgs/{}/assets/{}", app.org_b.id, fw_asset.id), &cookies, &[("_csrf", &csrf), ("name", "x"), ("kind", "server"), ("criticality", "low")]).await;
    assert_eq!(other_org.status, 404, "another organisation's register is invisible");

    // A mitigation closes the finding; without a note it is refused.
    let finding = app.store.list_findings(org, false).await.unwrap()[0].id;
    let r = post_form(&app, &format!("/orgs/{org}/risk/findings/{finding}/mitigate"), &cookies, &[("_csrf", &csrf), ("note", "")]).await;
    assert_eq!(r.status, 422);
    let r = post_form(&app, &format!("/orgs/{org}/risk/findings/{finding}/mitigate"), &cookies, &[("_csrf", &csrf), ("note", "upgraded to 7.2.11")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.store.list_findings(org, false).await.unwrap().len(), fortios - 1);
    let ok = post_form(&app, &format!("/orgs/{org}/assets/{}", fw_asset.id), &cookies, &[("_csrf", &csrf), ("name", "fw-edge-01"), ("kind", "network_device"), ("criticality", "high"), ("version", "7.2.11")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(app.store.list_findings(org, false).await.unwrap().is_empty(), "no CPE, no manufacturer: nothing matches any more");
    assert_eq!(app.store.list_assets(org).await.unwrap()[0].asset.version.as_deref(), Some("7.2.11"));
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_change_the_register() {
    let app = App::new().await;
    let org = app.org_a.id;
    let (cookies, _) = login(&app, "analyst@example.org").await;
    drop(cookies);
    let page = get(&app, "/login", "").await;
    let login_csrf = crate::pages::cookie(&page, "ward_login_csrf").unwrap();
    let ok = post_form(&app, "/login", &format!("ward_login_csrf={login_csrf}"), &[("_csrf", &login_csrf), ("email", "viewer@example.org"), ("password", crate::harness::PASSWORD), ("next", "/risk")]).await;
    let cookies = format!("ward_session={}", crate::pages::cookie(&ok, "ward_session").unwrap());
    let mine = get(&app, "/risk", &cookies).await;
    assert_eq!(mine.status, 303);
    assert_eq!(mine.header("location"), format!("/orgs/{org}/risk"));
    let dash = get(&app, &format!("/orgs/{org}/risk"), &cookies).await;
    assert_eq!(dash.status, 200);
    let assets = get(&app, &format!("/orgs/{org}/assets"), &cookies).await;
    assert!(!assets.body.contains("Add an asset"), "no form for a viewer");
    let csrf = hidden(&dash.body, "_csrf");
    let r = post_form(&app, &format!("/orgs/{org}/assets"), &cookies, &[("_csrf", &csrf), ("name", "x"), ("kind", "server"), ("criticality", "low")]).await;
    assert_eq!(r.status, 403);
    assert!(app.store.list_assets(org).await.unwrap().is_empty());
}
