//! MISP → STIX 2.1 on the real CIRCL OSINT events and on the misp-stix golden pairs.

use std::collections::BTreeSet;

use ward_import::misp::misp_to_stix;

use crate::data;

fn read(rel: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(data(rel)).unwrap()).unwrap()
}

/// The 12 CIRCL events hold 1,103 attributes (shared/data/README.md); every one is either
/// converted or counted, and every produced object passes ward-stix validation.
#[test]
fn circl_osint_events_convert_and_validate() {
    let dir = data("misp/circl_osint_events");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    assert_eq!(files.len(), 12);
    let (mut attributes, mut converted, mut skipped) = (0, 0, 0);
    let mut all = Vec::new();
    for f in &files {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let (objects, report) = misp_to_stix(&doc).unwrap();
        assert_eq!(report.n_events, 1, "{}", f.display());
        attributes += report.n_attributes;
        converted += report.n_indicators + report.n_observed;
        skipped += report.not_converted.values().sum::<usize>() + report.n_problems;
        all.extend(objects);
    }
    assert_eq!(attributes, 1103);
    assert_eq!(converted + skipped, attributes, "every attribute converted or counted");
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": all}).to_string();
    let parsed = ward_stix::parse_bundle(&bundle).unwrap();
    let bad: Vec<_> = parsed.objects.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(bad.is_empty(), "{bad:?}");
    // Every indicator is CLEAR (the events are tlp:white) and its pattern parses.
    for o in parsed.objects.iter().flatten().filter(|o| o.object_type == "indicator") {
        assert_eq!(o.tlp, Some(ward_stix::TlpLevel::Clear));
    }
}

/// misp-stix's own STIX 2.1 export of the same attribute collection: the indicator patterns
/// ward produces for the attribute types both handle the same way are the same.
#[test]
fn misp_stix_golden_patterns() {
    let (objects, _) = misp_to_stix(&read("misp/misp_stix_tests/test_attributes_collection_1.json")).unwrap();
    let ours: BTreeSet<String> = objects.iter().filter(|o| o["type"] == "indicator").map(|o| o["pattern"].as_str().unwrap().to_owned()).collect();
    let golden = read("misp/misp_stix_tests/test_attributes_collection_stix21.json");
    let theirs: BTreeSet<String> = golden["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "indicator").map(|o| o["pattern"].as_str().unwrap().to_owned()).collect();
    assert!(!ours.is_empty());
    assert!(ours.is_subset(&theirs), "ours {ours:?} vs misp-stix {theirs:?}");
    // Indicator ids are the attributes' UUIDs, as misp-stix makes them.
    let ids: BTreeSet<&str> = golden["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "indicator").map(|o| o["id"].as_str().unwrap()).collect();
    for o in objects.iter().filter(|o| o["type"] == "indicator") {
        assert!(ids.contains(o["id"].as_str().unwrap()), "{}", o["id"]);
    }
}
