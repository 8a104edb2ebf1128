use ward_exercise::scenario::{self, Scenario, EMBEDDED};

#[test]
fn every_file_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "scenarios/*.yaml and scenario::EMBEDDED differ");
}

#[test]
fn every_shipped_scenario_loads_and_validates() {
    let all = scenario::embedded().unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 4, "at least four scenarios ship, found {}", all.len());
    let catalogue = ward_risk::framework::Catalogue::embedded().expect("frameworks load");
    for s in all {
        assert!(s.injects.len() >= 6, "{}: a realistic scenario has several injects", s.id);
        assert!(s.expectations().count() >= 8, "{}: expectations to score", s.id);
        assert!(s.decisions().count() >= 1, "{}: at least one decision point", s.id);
        // Every control link names a requirement the risk module knows.
        for (field, link) in s.control_links() {
            let (fw, req) = link.split_once('/').unwrap();
            let framework = catalogue.framework(fw).unwrap_or_else(|| panic!("{}: {field}: no framework {fw:?}", s.id));
            assert!(framework.requirement(req).is_some(), "{}: {field}: {fw} has no requirement {req:?}", s.id);
        }
        // The scenario's facts give obligations once the organisation is aware.
        let doc = s.fact_document("2026-06-06T00:10:00Z".parse().unwrap(), &[]).unwrap();
        let rules = ward_rules::RuleSet::embedded().unwrap();
        let facts = ward_rules::Facts::from_document(rules, &doc).unwrap();
        let obligations = ward_rules::evaluate(rules, &facts, &[], &[], "2026-06-06T01:00:00Z".parse().unwrap());
        assert!(obligations.iter().any(|o| o.due_at.is_some()), "{}: the reporting engine finds a deadline", s.id);
    }
    // The four the issue names are there.
    for id in ["ehr-ransomware", "pathology-supplier-outage", "ddos-portal-phones", "medical-device-fleet"] {
        assert!(scenario::find(id).is_some(), "{id} ships");
    }
}

fn problems(text: &str) -> String {
    match Scenario::from_yaml("ehr-ransomware.yaml", text) {
        Ok(_) => String::from("(accepted)"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_broken_scenario_is_refused_with_every_problem_named() {
    let good = EMBEDDED.iter().find(|(n, _)| *n == "ehr-ransomware.yaml").unwrap().1;
    assert_eq!(problems(good), "(accepted)");
    let cases = [
        ("id: ehr-ransomware", "id: other", "id: must equal the file name"),
        ("    at: PT20M", "    at: PT20X", "injects[1].at"),
        ("    at: PT20M", "    at: P1M", "injects[1].at"),
        ("        role: it_lead\n        text: \"Isolate", "        role: surgeon\n        text: \"Isolate", "injects[0].expectations[0].role"),
        ("        action: isolate_systems", "        action: pray", "injects[0].expectations[0].action"),
        ("expectation_not_met: {expectation: e02-escalate}", "expectation_not_met: {expectation: e99}", "injects[2].when.expectation"),
        ("decision_pending: {decision: d1-diversion}", "decision_pending: {decision: d9}", "injects[4].when.decision_pending.decision"),
        ("awareness_inject: i01-ransom-note", "awareness_inject: i03-nobody-in-charge", "awareness_inject: must be an unconditional inject"),
        ("  beds: 350", "  beds: 0", "organisation.beds"),
        ("  time_zone: Europe/Berlin", "  time_zone: Mars/Olympus", "organisation.time_zone"),
        ("    target: PT60M", "    target: soon", "objectives[0].target"),
        ("[nis2-art21/21.2.b, hph-cpg/HPH-E7]", "[nis2-art21]", "objectives[0].controls[0]"),
        ("    entity.de.bsig_class: besonders_wichtig", "    entity.de.bsig_class: maybe", "facts:"),
        ("  downtime_days: 21", "  downtime_days: -3", "harm.downtime_days"),
        ("    channel: radio", "    channel: pigeon", "injects[3].channel"),
        ("  - id: i02-ward-medication\n    at: PT20M", "  - id: i02-ward-medication\n    at: PT0M\n    surprise: true", "unknown field `surprise`"),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "test text {from:?} not in the file");
        let bad = good.replacen(from, to, 1);
        let got = problems(&bad);
        assert!(got.contains(expected), "changing {from:?} → {to:?}: expected {expected:?} in {got:?}");
    }
    // Two problems at once are both reported.
    let bad = good.replacen("  beds: 350", "  beds: 0", 1).replacen("  setting: urban", "  setting: lunar", 1);
    let got = problems(&bad);
    assert!(got.contains("organisation.beds") && got.contains("organisation.setting"), "{got}");
    // Injects out of order.
    let bad = good.replacen("    at: PT20M", "    at: PT2H", 1);
    assert!(problems(&bad).contains("time order"), "{}", problems(&bad));
    // Not YAML at all, and hostile sizes.
    assert!(problems("{{{{").starts_with("scenario ehr-ransomware.yaml"));
    assert!(problems(&"x".repeat(scenario::MAX_FILE_BYTES + 1)).contains("larger than"));
}
