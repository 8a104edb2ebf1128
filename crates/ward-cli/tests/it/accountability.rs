//! `ward actors`, `ward verify` and `ward evidence` as an operator runs them, on the real ATT&CK
//! bundles in `shared/data`, against SQLite and PostgreSQL.

use crate::support::{fresh_database, report, run, stderr, stdout};

fn data(rel: &str) -> String {
    format!("{}/../../../shared/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn accountability(postgres: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = fresh_database(postgres, &dir) else { return };
    let (enterprise, ics) = (data("attack/mitre_cti_enterprise-attack_v18.1_stix20_assembled.json.gz"), data("attack/ics-attack-18.1_stix21.json.gz"));
    let o = run(&["actors", "import", &enterprise, &ics, "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let first: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(first[0]["counts"]["intrusion_set"]["all"], 187);
    assert_eq!(first[0]["counts"]["campaign"]["all"], 52);
    assert_eq!((first[0]["created"].as_u64(), first[1]["created"].as_u64(), first[1]["updated"].as_u64()), (Some(1026), Some(18), Some(36)));
    let o = run(&["actors", "import", &enterprise, &ics, "--json", "--database-url", &db], None);
    let again: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for file in again.as_array().unwrap() {
        assert_eq!((file["created"].as_u64(), file["updated"].as_u64()), (Some(0), Some(0)), "re-import changes nothing: {file}");
    }
    report(
        "accountability",
        &format!(
            "ATT&CK import ({}): Enterprise v18.1 {} intrusion sets, {} campaigns, {} healthcare-targeting groups and campaigns; ICS v18.1 {} intrusion sets; re-import: {} + {} unchanged",
            if postgres { "postgresql" } else { "sqlite" },
            first[0]["counts"]["intrusion_set"]["all"], first[0]["counts"]["campaign"]["all"],
            first[0]["healthcare_groups_and_campaigns"].as_array().unwrap().len(), first[1]["counts"]["intrusion_set"]["all"],
            again[0]["unchanged"], again[1]["unchanged"]
        ),
    );
    let o = run(&["actors", "list", "--healthcare", "--kind", "intrusion_set", "--json", "--database-url", &db], None);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(listed.as_array().unwrap().iter().any(|a| a["attack_id"] == "G0071"), "Orangeworm is listed");

    let o = run(&["admin", "create-org", "Verify Hospital", "--type", "hospital", "--country", "IE", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = dir.path().join("i.yaml");
    std::fs::write(&yaml, "title: Ransomware at Verify Hospital\ntlp: clear\nvictim: {org_type: hospital, country: IE}\nattack_types: [ransomware]\n").unwrap();
    let o = run(&["incident", "create", "--org", "Verify Hospital", "--file", yaml.to_str().unwrap(), "--database-url", &db], None);
    let id = stdout(&o);
    let o = run(&["actors", "attribute", &id, "Wizard Spider", "--confidence", "maybe", "--source", "https://example.org/x", "--date", "2021-05-20", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("confidence:"), "{}", stderr(&o));
    let o = run(&["actors", "attribute", &id, "g0102", "--confidence", "assessed_likely", "--source", "https://example.org/x", "--date", "2021-05-20", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["actors", "show", "Wizard Spider", "--json", "--database-url", &db], None);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(shown["attributions"][0]["confidence"], "assessed_likely");

    let o = run(&["verify", "--json", "--checkpoint", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["ok"].as_bool(), v["entries"].as_i64()), (Some(true), Some(2)));

    let package = dir.path().join("e.json");
    let o = run(&["evidence", "export", &id, "--out", package.to_str().unwrap(), "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["evidence", "verify", package.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let mut bytes = std::fs::read(&package).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&package, &bytes).unwrap();
    let o = run(&["evidence", "verify", package.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "a flipped bit fails: {}", stdout(&o));
    assert!(stdout(&o).starts_with("FAILED"));
}

#[test]
fn actors_verify_and_evidence_sqlite() {
    accountability(false);
}

#[test]
fn actors_verify_and_evidence_postgres() {
    accountability(true);
}
