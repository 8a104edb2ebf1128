//! Risk conformance (both backends): assessments with append-only evidence, posture history,
//! the asset inventory, KEV imports that report what changed, and findings kept in line with
//! the matcher.

use jiff::civil::date;
use jiff::Timestamp;
use ward_core::text::Label;
use ward_core::OrgType;
use ward_risk::matching::match_assets;
use ward_risk::posture::{Answer, Counts};
use ward_store::risk::{AnswerUpdate, FindingStatus, NewEvidence, NewFinding, PostureDay};
use ward_store::{Store, StoreError};

crate::conformance!(assessments_keep_answers_and_evidence_per_org, posture_history_is_one_row_per_day, kev_imports_report_additions_and_removals, assets_and_findings_follow_the_matcher);

fn now() -> Timestamp {
    "2026-11-30T12:00:00Z".parse().unwrap()
}

async fn org(store: &Store, name: &str) -> ward_core::Organisation {
    store.create_org(&name.parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now()).await.unwrap()
}

fn kev_file(name: &str) -> Vec<u8> {
    let dir = std::env::var("WARD_KEV_DIR").unwrap_or_else(|_| "/work/shared/data/kev".into());
    std::fs::read(std::path::Path::new(&dir).join(name)).expect("the shared KEV data set (set WARD_KEV_DIR)")
}

fn update(id: &str, answer: Answer) -> AnswerUpdate {
    AnswerUpdate { requirement_id: id.into(), answer, owner: Some("CISO".into()), linked_controls: Some("POL-7".into()), note: None }
}

async fn assessments_keep_answers_and_evidence_per_org(store: Store) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    assert!(store.risk_assessment(a.id, "hph-cpg").await.unwrap().is_none());
    store.save_risk_answers(a.id, "hph-cpg", &[update("HPH-E1", Answer::Compliant), update("HPH-E2", Answer::Partial)], None, now()).await.unwrap();
    store.save_risk_answers(a.id, "hph-cpg", &[update("HPH-E2", Answer::NonCompliant)], None, now()).await.unwrap();
    let ev = NewEvidence { requirement_id: "HPH-E1".into(), title: "Patch report Q3".into(), reference: Some("https://intranet.example/patch-q3".into()), effective_on: date(2026, 10, 1), expires_on: date(2027, 1, 1) };
    store.add_risk_evidence(a.id, "hph-cpg", &ev, None, now()).await.unwrap();
    let bad = NewEvidence { expires_on: date(2026, 9, 1), ..ev.clone() };
    assert!(matches!(store.add_risk_evidence(a.id, "hph-cpg", &bad, None, now()).await, Err(StoreError::Invalid { field: "expires_on", .. })));
    let long = NewEvidence { title: "x".repeat(5000), ..ev.clone() };
    assert!(matches!(store.add_risk_evidence(a.id, "hph-cpg", &long, None, now()).await, Err(StoreError::Invalid { field: "title", .. })));
    let got = store.risk_assessment(a.id, "hph-cpg").await.unwrap().unwrap();
    assert_eq!(got.answers.len(), 2);
    assert_eq!(got.answers[1].answer, Answer::NonCompliant);
    assert_eq!(got.answers[0].owner.as_deref(), Some("CISO"));
    assert_eq!(got.evidence.len(), 1);
    let answers = got.requirement_answers();
    assert_eq!(answers[0].evidence.len(), 1);
    assert_eq!(answers[0].evidence[0].expires_on, date(2027, 1, 1));
    assert!(store.risk_assessment(b.id, "hph-cpg").await.unwrap().is_none(), "another organisation's assessment is its own");
    assert_eq!(store.risk_assessments(a.id).await.unwrap().len(), 1);
}

async fn posture_history_is_one_row_per_day(store: Store) {
    let a = org(&store, "A").await;
    let day = |d, score: Option<f64>, inferred: Option<&str>| PostureDay {
        framework_id: if inferred.is_some() { "nis2-art21".into() } else { "hph-cpg".into() },
        day: d,
        inferred_from: inferred.map(str::to_owned),
        score_percent: score,
        counts: Counts { compliant: 3, stale: 1, ..Counts::default() },
        open_findings: 2,
    };
    store.record_posture_day(a.id, &day(date(2026, 11, 1), Some(50.0), None), now()).await.unwrap();
    store.record_posture_day(a.id, &day(date(2026, 11, 2), Some(40.0), None), now()).await.unwrap();
    store.record_posture_day(a.id, &day(date(2026, 11, 2), Some(45.0), None), now()).await.unwrap();
    store.record_posture_day(a.id, &day(date(2026, 11, 2), None, Some("hph-cpg")), now()).await.unwrap();
    let history = store.posture_history(a.id, date(2026, 11, 1)).await.unwrap();
    let hph = &history["hph-cpg"];
    assert_eq!(hph.iter().map(|d| (d.day, d.score_percent)).collect::<Vec<_>>(), [(date(2026, 11, 1), Some(50.0)), (date(2026, 11, 2), Some(45.0))]);
    assert_eq!(hph[0].counts.stale, 1);
    assert_eq!(history["nis2-art21"][0].inferred_from.as_deref(), Some("hph-cpg"));
    assert_eq!(history["nis2-art21"][0].score_percent, None);
    assert_eq!(store.posture_history(a.id, date(2026, 11, 2)).await.unwrap()["hph-cpg"].len(), 1);
}

async fn kev_imports_report_additions_and_removals(store: Store) {
    let full = ward_risk::kev::parse(&kev_file("known_exploited_vulnerabilities.json")).unwrap();
    // An "older" catalogue: the same without its five newest entries.
    let mut older = full.clone();
    older.entries.sort_by_key(|e| std::cmp::Reverse((e.date_added, e.cve_id.clone())));
    let dropped: Vec<String> = older.entries.drain(..5).map(|e| e.cve_id).collect();
    let first = store.import_kev(&older, "older.json", now()).await.unwrap();
    assert_eq!(first.added.len(), 1399);
    let second = store.import_kev(&full, "known_exploited_vulnerabilities.json", now()).await.unwrap();
    let mut expected = dropped.clone();
    expected.sort();
    assert_eq!(second.added, expected);
    assert!(second.removed.is_empty());
    assert_eq!(second.n_changed, 0);
    let csv = ward_risk::kev::parse(&kev_file("known_exploited_vulnerabilities_2026-04-16.csv")).unwrap();
    let third = store.import_kev(&csv, "known_exploited_vulnerabilities_2026-04-16.csv", now()).await.unwrap();
    assert_eq!(third.added.len(), 165);
    assert_eq!(store.kev_entries().await.unwrap().len(), 1569);
    // Going back to the older catalogue marks the newer entries removed, never deletes them.
    let fourth = store.import_kev(&older, "older.json", now()).await.unwrap();
    assert_eq!(fourth.removed.len(), 170);
    assert_eq!(store.kev_entries().await.unwrap().len(), 1399);
    let runs = store.kev_imports(10).await.unwrap();
    assert_eq!(runs.len(), 4);
    // Re-importing the same file changes nothing.
    let again = store.import_kev(&older, "older.json", now()).await.unwrap();
    assert!(again.added.is_empty() && again.removed.is_empty() && again.n_changed == 0);
}

const ASSETS: &str = "\
name,kind,manufacturer,product,version,cpe,criticality,internet_facing
fw-edge-01,network_device,Fortinet,FortiGate 100F,7.2.4,cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*,high,yes
intranet,application,Microsoft,SharePoint Server 2019,16.0,,medium,no
infusion-pumps,medical_device,Baxter,Sigma Spectrum,8.0,,life_critical,no
";

async fn refresh(store: &Store, org: ward_core::OrgId) -> ward_store::risk::FindingSync {
    let assets = store.list_assets(org).await.unwrap();
    let kev = store.kev_entries().await.unwrap();
    let drafts: Vec<_> = assets.iter().map(|a| a.asset.clone()).collect();
    let found: Vec<NewFinding> = match_assets(&drafts, &kev).into_iter().map(|x| NewFinding { asset_id: assets[x.asset].id, cve_id: kev[x.entry].cve_id.clone(), rule: x.rule }).collect();
    store.sync_findings(org, &found, now()).await.unwrap()
}

async fn assets_and_findings_follow_the_matcher(store: Store) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let csv = ward_risk::kev::parse(&kev_file("known_exploited_vulnerabilities_2026-04-16.csv")).unwrap();
    store.import_kev(&csv, "kev.csv", now()).await.unwrap();
    let drafts = ward_risk::assets::parse_csv(ASSETS.as_bytes()).unwrap();
    let summary = store.upsert_assets(a.id, &drafts, now()).await.unwrap();
    assert_eq!((summary.added, summary.updated, summary.unchanged), (3, 0, 0));
    let again = store.upsert_assets(a.id, &drafts, now()).await.unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 3));
    let assets = store.list_assets(a.id).await.unwrap();
    assert_eq!(assets.iter().map(|x| x.asset.name.as_str()).collect::<Vec<_>>(), ["infusion-pumps", "fw-edge-01", "intranet"], "most critical first");
    assert!(store.list_assets(b.id).await.unwrap().is_empty());
    assert!(store.get_asset(b.id, assets[0].id).await.unwrap().is_none(), "another organisation cannot read it");
    assert!(matches!(store.update_asset(b.id, assets[0].id, &assets[0].asset, now()).await, Err(StoreError::NotFound)));
    let mut renamed = assets[2].asset.clone();
    renamed.name = "FW-EDGE-01".into();
    assert!(matches!(store.update_asset(a.id, assets[2].id, &renamed, now()).await, Err(StoreError::Duplicate { field: "name" })));

    let sync = refresh(&store, a.id).await;
    let fortios = csv.entries.iter().filter(|e| e.vendor_project == "Fortinet" && e.product == "FortiOS").count();
    let sharepoint = csv.entries.iter().filter(|e| e.vendor_project == "Microsoft" && (e.product == "SharePoint Server" || e.product == "SharePoint")).count();
    assert_eq!(sync.opened, fortios + sharepoint);
    let findings = store.list_findings(a.id, false).await.unwrap();
    assert_eq!(findings.len(), fortios + sharepoint);
    assert!(findings[0].known_ransomware && findings[0].internet_facing, "ransomware-used, internet-facing first: {:?}", findings[0]);
    assert!(store.list_findings(b.id, false).await.unwrap().is_empty());
    assert_eq!(refresh(&store, a.id).await, ward_store::risk::FindingSync::default(), "a second run changes nothing");

    // Mitigation is the organisation's own, and only of open findings.
    let first = findings[0].id;
    assert!(matches!(store.mitigate_finding(b.id, first, "patched", None, now()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.mitigate_finding(a.id, first, " ", None, now()).await, Err(StoreError::Invalid { field: "note", .. })));
    store.mitigate_finding(a.id, first, "upgraded to 7.2.8", None, now()).await.unwrap();
    assert!(matches!(store.mitigate_finding(a.id, first, "again", None, now()).await, Err(StoreError::NotFound)));
    assert_eq!(store.list_findings(a.id, false).await.unwrap().len(), fortios + sharepoint - 1);

    // The firewall loses its CPE and manufacturer: its open findings resolve, the mitigated one stays.
    let mut fw = store.list_assets(a.id).await.unwrap().into_iter().find(|x| x.asset.name == "fw-edge-01").unwrap();
    fw.asset.cpe = None;
    fw.asset.manufacturer = None;
    store.update_asset(a.id, fw.id, &fw.asset, now()).await.unwrap();
    let sync = refresh(&store, a.id).await;
    assert_eq!(sync.resolved, fortios - 1);
    let all = store.list_findings(a.id, true).await.unwrap();
    assert_eq!(all.iter().filter(|f| f.status == FindingStatus::Mitigated).count(), 1);
    assert_eq!(all.iter().filter(|f| f.status == FindingStatus::Resolved).count(), fortios - 1);
    assert_eq!(all.iter().filter(|f| f.status == FindingStatus::Open).count(), sharepoint);
    assert_eq!(store.orgs_with_risk_data().await.unwrap(), vec![a.id]);
}
