//! STIX 2.1 incidents. The shared STIX and MISP samples hold no incident objects, so the
//! mapping is tested on a bundle written here; the samples check that real bundles read cleanly.

use serde_json::json;
use ward_core::incident::{AttackType, Confidence};
use ward_core::Tlp;

use super::*;

const CORE: &str = "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

fn bundle() -> serde_json::Value {
    let t = "2024-06-05T10:00:00.000Z";
    json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "incident", "spec_version": "2.1", "id": "incident--a1b2c3d4-0000-4000-8000-000000000001",
                "created": t, "modified": t, "name": "Ransomware at a pathology provider",
                "description": "Pathology services for several hospitals disrupted.",
                "confidence": 85,
                "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
                "external_references": [
                    {"source_name": "Example News", "url": "https://news.example.org/pathology-attack", "description": "First report"},
                    {"source_name": "internal", "external_id": "CASE-1"}
                ],
                "extensions": {CORE: {
                    "extension_type": "property-extension", "determination": "confirmed", "investigation_status": "closed",
                    "incident_types": ["ransomware", "data-exfiltration", "something-new"],
                    "attacker_activities": [{"type": "first-recorded", "start_time": "2024-06-03T08:00:00Z"}],
                    "defender_activities": [{"type": "detected", "time": "2024-06-03T20:00:00Z"}]
                }}
            },
            {"type": "identity", "spec_version": "2.1", "id": "identity--00000000-0000-4000-8000-000000000002", "created": t, "modified": t,
             "name": "Example Pathology Ltd", "identity_class": "organization", "sectors": ["healthcare"], "x_ward_org_type": "laboratory"},
            {"type": "location", "spec_version": "2.1", "id": "location--00000000-0000-4000-8000-000000000003", "created": t, "modified": t,
             "country": "GB", "administrative_area": "GB-ENG"},
            {"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--00000000-0000-4000-8000-000000000004", "created": t, "modified": t,
             "name": "Qilin", "primary_motivation": "personal-gain"},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000005", "created": t, "modified": t,
             "relationship_type": "targets", "source_ref": "incident--a1b2c3d4-0000-4000-8000-000000000001", "target_ref": "identity--00000000-0000-4000-8000-000000000002"},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000006", "created": t, "modified": t,
             "relationship_type": "located-at", "source_ref": "identity--00000000-0000-4000-8000-000000000002", "target_ref": "location--00000000-0000-4000-8000-000000000003"},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000007", "created": t, "modified": t,
             "relationship_type": "attributed-to", "source_ref": "incident--a1b2c3d4-0000-4000-8000-000000000001", "target_ref": "intrusion-set--00000000-0000-4000-8000-000000000004"},
            // No victim at all.
            {"type": "incident", "spec_version": "2.1", "id": "incident--a1b2c3d4-0000-4000-8000-000000000010", "created": t, "modified": t,
             "name": "Unattributed outage"},
            // A victim without a country.
            {"type": "incident", "spec_version": "2.1", "id": "incident--a1b2c3d4-0000-4000-8000-000000000011", "created": t, "modified": t,
             "name": "Somewhere"},
            {"type": "identity", "spec_version": "2.1", "id": "identity--00000000-0000-4000-8000-000000000012", "created": t, "modified": t,
             "name": "Nowhere Clinic", "identity_class": "organization"},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000013", "created": t, "modified": t,
             "relationship_type": "targets", "source_ref": "incident--a1b2c3d4-0000-4000-8000-000000000011", "target_ref": "identity--00000000-0000-4000-8000-000000000012"},
            // A false positive.
            {"type": "incident", "spec_version": "2.1", "id": "incident--a1b2c3d4-0000-4000-8000-000000000020", "created": t, "modified": t,
             "name": "Benign scan", "extensions": {CORE: {"extension_type": "property-extension", "determination": "false-positive", "investigation_status": "closed"}}},
            // An older version of the first incident, listed after the newer one.
            {"type": "incident", "spec_version": "2.1", "id": "incident--a1b2c3d4-0000-4000-8000-000000000001",
             "created": t, "modified": "2024-06-04T00:00:00.000Z", "name": "Early report"}
        ]
    })
}

#[test]
fn incidents_from_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&bundle()).unwrap()).unwrap();
    let got = read(Kind::Stix, &path, &Options::default());
    assert_eq!(got.summary.records_read, 5);
    assert_eq!(got.incidents.len(), 2, "{:#?}", got.rejected);

    let i = &got.incidents[0];
    let d = &i.draft;
    assert_eq!(i.external_id.value.as_str(), "incident--a1b2c3d4-0000-4000-8000-000000000001");
    assert_eq!(i.origin.record, 1);
    assert_eq!(d.title.as_str(), "Ransomware at a pathology provider");
    assert_eq!(d.tlp, Tlp::Clear);
    assert_eq!(d.victim.name.as_ref().unwrap().as_str(), "Example Pathology Ltd");
    assert_eq!(d.victim.org_type, ward_core::OrgType::Laboratory);
    assert_eq!((d.victim.country.as_str(), d.victim.region.as_ref().unwrap().as_str()), ("GB", "GB-ENG"));
    assert_eq!(d.attack_types, [AttackType::Ransomware, AttackType::DataTheft]);
    assert!(i.notes.iter().any(|n| n.contains("something-new")));
    assert_eq!(d.actors[0].name.as_ref().unwrap().as_str(), "Qilin");
    assert_eq!(d.confidence, Some(Confidence::High));
    assert_eq!(d.sources.len(), 1);
    assert_eq!(d.sources[0].publisher.as_str(), "Example News");
    assert_eq!(d.timeline.incident_on, Some(jiff::civil::date(2024, 6, 3)));
    assert_eq!(d.timeline.discovered_on, Some(jiff::civil::date(2024, 6, 3)));
    assert_eq!(i.year, Some(2024));

    // A victim without a country is kept under ZZ (unknown), with a note.
    let nowhere = &got.incidents[1];
    assert_eq!((nowhere.draft.victim.country.as_str(), nowhere.draft.tlp), ("ZZ", Tlp::Amber));
    assert!(nowhere.notes.iter().any(|n| n.contains("\"Nowhere Clinic\" has no country")), "{:?}", nowhere.notes);

    let reasons: Vec<(u64, &str)> = got.rejected.iter().map(|r| (r.origin.record, r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 3);
    assert!(reasons[0].1.starts_with("victim is missing"), "{reasons:?}");
    assert!(reasons[1].1.contains("false-positive"), "{reasons:?}");
    assert!(reasons[2].1.contains("newer version"), "{reasons:?}");
    assert_eq!(got.rejected[0].record_id.as_deref(), Some("incident--a1b2c3d4-0000-4000-8000-000000000010"));
}

#[test]
fn shared_stix_samples_read_cleanly() {
    // Every STIX file in the shared data: valid bundles or objects, no incident objects in them.
    let mut files = Vec::new();
    let mut dirs = vec![data("stix21"), data("misp/misp_stix_tests")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.push(data("misp/pymisp_tests_stix2.json"));
    assert!(files.len() > 40, "{}", files.len());
    let mut read_ok = 0;
    for f in &files {
        match ward_import::read_path(Kind::Stix, f, &Options::default(), &mut |_| {}) {
            Ok(s) => {
                assert_eq!(s.records_read, 0, "{}", f.display());
                read_ok += 1;
            }
            // MISP's own JSON (not STIX) is refused as a whole file, never half-read.
            Err(e) => assert_eq!(e.code(), "import.format", "{}: {e}", f.display()),
        }
    }
    assert!(read_ok > 40, "{read_ok}");
}
