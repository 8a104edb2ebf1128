use std::collections::HashSet;

use ward_risk::kev::{parse, parse_csv, parse_json, KevFormat};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(crate::kev_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e} (set WARD_KEV_DIR)"))
}

pub const JSON: &str = "known_exploited_vulnerabilities.json";
pub const CSV: &str = "known_exploited_vulnerabilities_2026-04-16.csv";

#[test]
fn the_real_catalogue_parses_as_json_and_csv() {
    let json = parse(&read(JSON)).unwrap();
    assert_eq!(json.format, KevFormat::Json);
    assert_eq!(json.catalog_version.as_deref(), Some("2025.08.25"));
    assert_eq!(json.entries.len(), 1404);
    assert_eq!(json.entries.iter().filter(|e| e.known_ransomware).count(), 293);
    let csv = parse(&read(CSV)).unwrap();
    assert_eq!(csv.format, KevFormat::Csv);
    assert_eq!(csv.entries.len(), 1569);
    assert_eq!(csv.newest_date_added().unwrap().to_string(), "2026-04-16");
    // Entries present in both formats agree field for field.
    let by_id: std::collections::HashMap<&str, &ward_risk::KevEntry> = csv.entries.iter().map(|e| (e.cve_id.as_str(), e)).collect();
    let log4shell_json = json.entries.iter().find(|e| e.cve_id == "CVE-2021-44228").unwrap();
    let log4shell_csv = by_id["CVE-2021-44228"];
    assert_eq!((&log4shell_json.vendor_project, &log4shell_json.product, log4shell_json.due_date, log4shell_json.known_ransomware), (&log4shell_csv.vendor_project, &log4shell_csv.product, log4shell_csv.due_date, log4shell_csv.known_ransomware));
    assert_eq!(log4shell_json.cwes, log4shell_csv.cwes);
    // The newer CSV adds 165 entries and drops none.
    let old: HashSet<&str> = json.entries.iter().map(|e| e.cve_id.as_str()).collect();
    let new: HashSet<&str> = csv.entries.iter().map(|e| e.cve_id.as_str()).collect();
    assert_eq!(new.difference(&old).count(), 165);
    assert_eq!(old.difference(&new).count(), 0);
}

fn check_json(doc: serde_json::Value, field: &str, reason: &str) {
    let errors = parse_json(doc.to_string().as_bytes()).unwrap_err();
    assert!(errors.iter().any(|e| e.field == field && e.reason.contains(reason)), "expected {field}: {reason}, got {errors:#?}");
}

fn entry() -> serde_json::Value {
    serde_json::json!({"cveID": "CVE-2024-0001", "vendorProject": "V", "product": "P", "vulnerabilityName": "N", "dateAdded": "2024-01-01",
        "shortDescription": "", "requiredAction": "", "dueDate": "2024-01-22", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-79"]})
}

#[test]
fn malformed_json_names_the_record_and_field() {
    let ok = serde_json::json!({"count": 1, "vulnerabilities": [entry()]});
    assert_eq!(parse_json(ok.to_string().as_bytes()).unwrap().entries.len(), 1);
    let with = |k: &str, v: serde_json::Value| {
        let mut e = entry();
        e[k] = v;
        serde_json::json!({"vulnerabilities": [entry(), e]})
    };
    check_json(with("cveID", "CVE-24-1".into()), "cveID", "not a CVE id");
    check_json(with("dueDate", "22/01/2024".into()), "dueDate", "not a date");
    check_json(with("knownRansomwareCampaignUse", "Maybe".into()), "knownRansomwareCampaignUse", "neither");
    check_json(with("product", 7.into()), "product", "must be a string");
    check_json(with("cwes", "CWE-79".into()), "cwes", "array");
    check_json(with("vendorProject", "".into()), "vendorProject", "must not be empty");
    check_json(serde_json::json!({"vulnerabilities": [entry(), entry()]}), "cveID", "more than once");
    check_json(serde_json::json!({"count": 5, "vulnerabilities": [entry()]}), "count", "says 5");
    check_json(serde_json::json!({"vulnerabilities": {}}), "vulnerabilities", "not an array");
    let errors = parse_json(serde_json::json!({"vulnerabilities": [entry(), with("dueDate", "x".into())["vulnerabilities"][1].clone()]}).to_string().as_bytes()).unwrap_err();
    assert_eq!(errors[0].to_string(), "vulnerabilities[1]: dueDate: \"x\" is not a date (YYYY-MM-DD)");
    assert!(parse(b"{ not json").unwrap_err()[0].reason.contains("not valid JSON"));
    assert!(parse(b"   ").is_err());
}

#[test]
fn malformed_csv_names_the_line_and_column() {
    let header = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n";
    let good = "CVE-2024-0001,V,P,N,2024-01-01,,,2024-01-22,Known,,\"CWE-79, CWE-89\"\n";
    let ok = parse_csv(format!("{header}{good}").as_bytes()).unwrap();
    assert_eq!(ok.entries[0].cwes, ["CWE-79", "CWE-89"]);
    assert!(ok.entries[0].known_ransomware);
    let bad = "CVE-2024-0002,V,P,N,2024-01-01,,,tomorrow,Unknown,,\nCVE-2024-0003,V,P,N,2024-01-01,,,2024-01-22,Unknown,\n";
    let errors = parse_csv(format!("{header}{good}{bad}").as_bytes()).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(shown.iter().any(|s| s == "line 3: dueDate: \"tomorrow\" is not a date (YYYY-MM-DD)"), "{shown:?}");
    assert!(shown.iter().any(|s| s.starts_with("line 4: ") && s.contains("not a valid CSV record")), "{shown:?}");
    let errors = parse_csv(b"cveID,vendor,product\n").unwrap_err();
    assert!(errors.iter().any(|e| e.field == "vendor" && e.reason == "unknown column"), "{errors:?}");
    assert!(errors.iter().any(|e| e.field == "dueDate" && e.reason == "required column missing"), "{errors:?}");
}
