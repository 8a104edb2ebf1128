//! `ward frameworks`, `ward kev import`, `ward assets import` and `ward risk` as an operator runs
//! them: validation errors named, the real KEV catalogue's additions shown against an older
//! one derived from it, bad files refused whole, exposures found.

use crate::support::{run, stderr, stdout};

fn kev_path(name: &str) -> String {
    let dir = std::env::var("WARD_KEV_DIR").unwrap_or_else(|_| "/work/shared/data/kev".into());
    std::path::Path::new(&dir).join(name).display().to_string()
}

#[test]
fn frameworks_list_and_validate() {
    let o = run(&["frameworks", "validate"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 frameworks (74 requirements) and 3 crosswalks"), "{}", stdout(&o));
    let list = run(&["frameworks", "list", "--json"], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(v["frameworks"].as_array().unwrap().len(), 4);
    // A directory with a broken framework and a crosswalk to a missing requirement.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("crosswalks")).unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "framework:\n  id: bad\n  title: B\n  short_title: B\n  version: '1'\n  retrieved: 2026-01-01\n  source: {publisher: P, url: 'https://example.org'}\n  licence: l\n  reuse_note: r\n  requirements:\n    - {id: 'R 1', title: One}\n").unwrap();
    std::fs::write(dir.path().join("crosswalks/cw.yaml"), "crosswalk:\n  id: cw\n  from: bad\n  to: nowhere\n  basis: ward-proposal\n  note: n\n  retrieved: 2026-01-01\n  mappings: [{from: R1, to: X, relationship: equal, strength: 5, rationale: r}]\n").unwrap();
    let o = run(&["frameworks", "validate", &dir.path().display().to_string()], None);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.yaml: framework.requirements[0].id: must be 1–64 letters"), "{err}");
    assert!(err.contains("cw.yaml: crosswalk.from: no framework \"bad\""), "the invalid framework is not linkable: {err}");
    assert!(err.contains("cw.yaml: crosswalk.to: no framework \"nowhere\""), "{err}");
}

#[test]
fn kev_and_asset_imports_show_what_changed_and_refuse_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("risk.db").display());
    // An older catalogue: the real one without its three newest entries.
    let full: serde_json::Value = serde_json::from_slice(&std::fs::read(kev_path("known_exploited_vulnerabilities.json")).unwrap()).unwrap();
    let mut older = full.clone();
    let list = older["vulnerabilities"].as_array_mut().unwrap();
    list.sort_by(|a, b| (b["dateAdded"].as_str(), b["cveID"].as_str()).cmp(&(a["dateAdded"].as_str(), a["cveID"].as_str())));
    let dropped: Vec<String> = list.drain(..3).map(|v| v["cveID"].as_str().unwrap().to_owned()).collect();
    older["count"] = serde_json::json!(list.len());
    let older_path = dir.path().join("older.json");
    std::fs::write(&older_path, older.to_string()).unwrap();
    let o = run(&["kev", "import", "--database-url", &db, &older_path.display().to_string()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("older.json: 1401 entries (json, version 2025.08.25); 1401 added, 0 removed"), "{}", stdout(&o));
    let o = run(&["kev", "import", "--database-url", &db, &kev_path("known_exploited_vulnerabilities.json")], None);
    let out = stdout(&o);
    assert!(out.contains("1404 entries (json, version 2025.08.25); 3 added, 0 removed, 0 changed"), "{out}");
    let added: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("+ ")).map(|l| l.split_whitespace().next().unwrap()).collect();
    let mut expected: Vec<&str> = dropped.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(added, expected);
    let o = run(&["kev", "import", "--json", "--database-url", &db, &kev_path("known_exploited_vulnerabilities_2026-04-16.csv")], None);
    let run_json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(run_json["added"].as_array().unwrap().len(), 165);
    assert_eq!(run_json["source_format"], "csv");
    // A bad catalogue is refused whole.
    let mut bad = full.clone();
    bad["vulnerabilities"][0]["dueDate"] = serde_json::json!("next week");
    let bad_path = dir.path().join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let o = run(&["kev", "import", "--database-url", &db, &bad_path.display().to_string()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("vulnerabilities[0]: dueDate: \"next week\" is not a date"), "{}", stderr(&o));

    assert!(run(&["admin", "create-org", "St Example Hospital", "--type", "hospital", "--country", "IE", "--database-url", &db], None).status.success());
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "name,kind,criticality,internet_facing\npacs,server,high,no\nmri,scanner,urgent,maybe\n").unwrap();
    let o = run(&["assets", "import", "--org", "St Example Hospital", "--database-url", &db, &bad_csv.display().to_string()], None);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for fragment in ["line 3: kind: must be one of", "line 3: criticality: must be one of", "line 3: internet_facing: \"maybe\" is not yes or no", "nothing was written"] {
        assert!(err.contains(fragment), "missing {fragment:?} in {err}");
    }
    let good_csv = dir.path().join("assets.csv");
    std::fs::write(&good_csv, "name,kind,manufacturer,product,version,cpe,criticality,internet_facing\nfw-edge-01,network_device,Fortinet,FortiGate 100F,7.2.4,cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*,high,yes\npacs,server,Acme,PACS,3,,high,no\n").unwrap();
    let o = run(&["assets", "import", "--org", "St Example Hospital", "--database-url", &db, &good_csv.display().to_string()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 assets: 2 added, 0 updated, 0 unchanged"), "{}", stdout(&o));
    assert!(stdout(&o).contains("findings: 8 opened"), "the firewall matches the 8 FortiOS entries: {}", stdout(&o));
    let o = run(&["risk", "posture", "--org", "St Example Hospital", "--json", "--database-url", &db], None);
    let posture: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(posture["open_findings"].as_array().unwrap().len(), 8);
    assert!(posture["open_findings"].as_array().unwrap().iter().all(|f| f["asset_name"] == "fw-edge-01" && f["confidence"] == "high"));
    let o = run(&["risk", "snapshot", "--on", "2026-01-01", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("recorded the posture of 1 organisation(s) on 2026-01-01"), "{}", stderr(&o));
}
