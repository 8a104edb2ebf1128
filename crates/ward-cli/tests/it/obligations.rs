//! `ward obligations list` on the database: open obligations stored by the web workflow,
//! overdue first, filtered by organisation and overdue state, as a table or JSON.

use jiff::{Timestamp, ToSpan};
use ward_core::{IncidentDraft, OrgType, ReadScope};
use ward_store::{ObligationEventKind, Store};

use crate::support::{run, stderr, stdout};

async fn seed(db: &str) {
    let store = Store::open(db).await.unwrap();
    let now = Timestamp::now();
    let org = store.create_org(&"Klinikum Beispiel".parse().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap();
    store.create_org(&"Quiet Clinic".parse().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap();
    let entity = serde_json::from_value(serde_json::json!({
        "entity.time_zone": "Europe/Berlin", "entity.country_of_establishment": ["DE"],
        "entity.types": ["hospital"], "entity.de.bsig_class": "besonders_wichtig"
    }))
    .unwrap();
    store.save_reporting_profile(org.id, 0, &entity, None, now).await.unwrap();
    let draft = IncidentDraft::from_value(serde_json::json!({"title": "Ransomware at Klinikum Beispiel", "victim": {"org_type": "hospital", "country": "DE"}, "attack_types": ["ransomware"]})).unwrap();
    let inc = store.create_incident(org.id, &draft, None, now).await.unwrap();
    let scope = ReadScope::LOCAL_OPERATOR;
    let loaded = ward_web::obligations::load(&store, inc.id, &scope).await.unwrap();
    let rules = ward_web::obligations::rules().unwrap();
    // Aware 30 hours ago: the 24 h early warning is overdue, the 72 h notification is not.
    let facts = serde_json::json!({"facts": {
        "incident.awareness_at": (now - 30.hours()).to_string(),
        "incident.is_security_incident": "yes", "impact.severe_operational_disruption": "yes"}});
    ward_web::obligations::record(&store, rules, &loaded, Some("Klinikum Beispiel"), &scope, ObligationEventKind::Facts, facts, None, "test", now).await.unwrap();
    store.close().await;
}

#[test]
fn list_open_and_overdue_obligations() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("obligations.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(seed(&db));

    let o = run(&["obligations", "list", "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rows = v.as_array().unwrap();
    assert!(rows.len() >= 3, "{v}");
    assert_eq!((rows[0]["stage"].as_str(), rows[0]["status"].as_str(), rows[0]["overdue"].as_bool()), (Some("fruehe_erstmeldung"), Some("overdue"), Some(true)), "overdue first: {v}");
    assert!(rows.iter().any(|r| r["stage"] == "meldung" && r["status"] == "owed" && r["due_basis"] == "awareness + 72 h" && r["rule_version"] == "2025-12-06"));
    assert!(rows.iter().all(|r| r["recipient"].is_string() && r["citation"].is_string()));

    let o = run(&["obligations", "list", "--overdue", "--json", "--database-url", &db], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().iter().map(|r| r["stage"].as_str().unwrap()).collect::<Vec<_>>(), vec!["fruehe_erstmeldung"]);

    let o = run(&["obligations", "list", "--org", "Quiet Clinic", "--database-url", &db], None);
    assert!(o.status.success());
    assert!(stdout(&o).contains("(no open obligations)"), "{}", stdout(&o));
    let o = run(&["obligations", "list", "--org", "klinikum beispiel", "--overdue", "--database-url", &db], None);
    assert!(stdout(&o).contains("OVERDUE") && stdout(&o).contains("Ransomware at Klinikum Beispiel"), "{}", stdout(&o));

    let o = run(&["obligations", "list", "--org", "No Such Org", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--org") && stderr(&o).contains("No Such Org"), "{}", stderr(&o));
    let o = run(&["obligations", "list", "--now", "2026-06-05T10:00:00", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(2), "an offset-less --now is a usage error");

    // Bulk re-evaluation: the stored rows are independent of the instant (overdue is judged
    // when listed), so re-evaluating unchanged facts under unchanged rules writes nothing.
    let o = run(&["obligations", "reevaluate", "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["incidents"].as_u64(), v["changed_meanwhile"].as_u64(), v["failed"].as_array().map(Vec::len)), (Some(1), Some(0), Some(0)), "{v}");
    assert!(v["obligations"].as_u64().unwrap() >= 3, "{v}");
    let o = run(&["obligations", "reevaluate", "--json", "--database-url", &db], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["rows_written"].as_u64(), Some(0), "nothing changed: {v}");
    let o = run(&["obligations", "list", "--overdue", "--json", "--database-url", &db], None);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().iter().map(|r| r["stage"].as_str().unwrap()).collect::<Vec<_>>(), vec!["fruehe_erstmeldung"], "still overdue after re-evaluation");
    let o = run(&["obligations", "reevaluate", "--org", "Quiet Clinic", "--database-url", &db], None);
    assert!(o.status.success() && stdout(&o).contains("re-evaluated 0 incidents"), "{}", stdout(&o));
}
