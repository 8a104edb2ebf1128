//! The CLI contract: help with examples, exit codes, admin commands, incidents from files.

use crate::support::{run, seed_user, stderr, stdout};

#[test]
fn help_shows_examples_and_usage_errors_exit_2() {
    let o = run(&["--help"], None);
    assert!(o.status.success());
    assert!(stdout(&o).contains("Examples:") && stdout(&o).contains("ward demo"));
    let o = run(&["no-such-command"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["serve", "--bind", "not-an-address"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn admin_and_incident_commands_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("cli.db").display());
    let token = seed_user(&db, "St Example Hospital", "it@example.org");
    assert!(token.starts_with("ward_") && !token.contains(' ') && !token.contains('\n'), "only the token on stdout: {token:?}");
    // The password never comes from argv: a short one on stdin is refused with the reason.
    let o = run(&["admin", "create-user", "--org", "St Example Hospital", "--email", "b@example.org", "--role", "viewer", "--database-url", &db], Some("short\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("password: must be at least 12 characters"), "{}", stderr(&o));
    let o = run(&["admin", "create-org", "st example HOSPITAL", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"));
    let o = run(&["admin", "create-org", "X", "--country", "XX", "--database-url", &db], None);
    assert!(stderr(&o).contains("--country") && stderr(&o).contains("ISO 3166-1"), "{}", stderr(&o));
    // Incidents from YAML and JSON files.
    let yaml = dir.path().join("incident.yaml");
    std::fs::write(&yaml, "title: Ransomware on the lab system\ntlp: green\nvictim: {org_type: laboratory, country: DE, region: DE-NW}\ntimeline: {incident_on: 2024-05-01}\nattack_types: [ransomware]\n").unwrap();
    let o = run(&["incident", "create", "--org", "St Example Hospital", "--file", yaml.to_str().unwrap(), "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o);
    let json_file = dir.path().join("bad.json");
    std::fs::write(&json_file, r#"{"title": "x", "victim": {"org_type": "hospital", "country": "DE"}, "harm": {"deaths": {"value": {"alleged": 1}, "source": "https://x.example/", "as_of": "2024-01-01"}}}"#).unwrap();
    let o = run(&["incident", "create", "--org", "St Example Hospital", "--file", json_file.to_str().unwrap(), "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("harm.deaths.source"), "{}", stderr(&o));
    let o = run(&["incident", "show", &id, "--json", "--database-url", &db], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["draft"]["victim"]["region"], "DE-NW");
    let o = run(&["incident", "list", "--json", "--country", "DE", "--database-url", &db], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let o = run(&["incident", "list", "--database-url", &db], None);
    assert!(stdout(&o).contains("Ransomware on the lab system"));
    // Revoke the token by id (listed through the store via the API in other tests).
    let o = run(&["admin", "revoke-token", "00000000-0000-0000-0000-000000000000", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["admin", "list-orgs", "--json", "--database-url", &db], None);
    assert!(stdout(&o).contains("St Example Hospital"));
    let o = run(&["migrate", "--database-url", "mysql://nope"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsupported database URL"));
}
