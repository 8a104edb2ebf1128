//! `ward exercise` as an operator runs it: the shipped scenarios list and validate, a broken
//! scenario file is refused with its fields named, a run is set up, listed and reported on.

use crate::support::{run, seed_user, stderr, stdout};

#[test]
fn scenarios_validate_and_a_run_is_set_up_listed_and_reported() {
    let o = run(&["exercise", "scenarios"], None);
    assert!(o.status.success());
    for id in ["ehr-ransomware", "pathology-supplier-outage", "ddos-portal-phones", "medical-device-fleet"] {
        assert!(stdout(&o).contains(id), "{id} listed");
    }
    let o = run(&["exercise", "validate"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 scenario(s), 0 invalid"));
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let good = std::fs::read_to_string(format!("{repo}/ehr-ransomware.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ehr-ransomware.yaml");
    std::fs::write(&bad, good.replacen("  beds: 350", "  beds: 0", 1).replacen("        action: isolate_systems", "        action: pray", 1)).unwrap();
    let o = run(&["exercise", "validate", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("injects[0].expectations[0].action"), "{}", stderr(&o));

    let db = format!("sqlite:{}", dir.path().join("exercise.db").display());
    seed_user(&db, "St Example Hospital", "it@example.org");
    let org = "St Example Hospital";
    let o = run(&["exercise", "create", "--org", org, "--scenario", "no-such", "--title", "x", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--scenario"), "{}", stderr(&o));
    let o = run(&["exercise", "create", "--org", org, "--scenario", "ehr-ransomware", "--title", "Night drill", "--origin", "2026-06-06T02:10:00+02:00", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_owned();
    let o = run(&["exercise", "runs", "--org", org, "--json", "--database-url", &db], None);
    let runs: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(runs[0]["id"], id.as_str());
    assert_eq!(runs[0]["status"], "not_started");
    let o = run(&["exercise", "report", &id, "--org", org, "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["after_action"]["scenario_id"], "ehr-ransomware");
    assert_eq!(report["after_action"]["origin"], "2026-06-06T02:10:00+02:00");
    let o = run(&["exercise", "report", "nope", "--org", org, "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no run nope"));
}
