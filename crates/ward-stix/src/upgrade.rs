//! STIX 2.0 → 2.1: the smallest faithful change that makes a 2.0 bundle (e.g. MITRE ATT&CK's
//! STIX 2.0 release) valid 2.1, with a count of every change made.
//!
//! The rules, from the STIX 2.1 specification's "changes from 2.0" and its required
//! properties:
//! - every object gets `"spec_version": "2.1"` (2.0 put the version on the bundle only);
//! - `malware` gets `is_family` (required in 2.1): `true` when it has a `name` — 2.0 had no way
//!   to describe a single instance, and named entries such as ATT&CK's software are families —
//!   else `false`;
//! - `indicator` gets `pattern_type: "stix"` (2.0 patterns were always STIX patterns);
//! - the 2.0 `labels` that 2.1 moved to typed vocabularies are copied to those properties
//!   (`malware_types`, `tool_types`, `indicator_types`, `report_types`, `threat_actor_types`)
//!   when they are not there yet; `labels` itself is kept (it is a common property in 2.1);
//! - a reference property (`…_ref`) holding an empty string is removed: 2.1 requires every
//!   `_ref` to be an identifier, and an empty one refers to nothing (ATT&CK 18.1's 2.0 release
//!   has seven `x-mitre-data-component` objects with `x_mitre_data_source_ref: ""`);
//! - a 2.0 `observed-data` with an embedded `objects` map keeps it (2.1 deprecates it but
//!   still accepts it).
//!
//! Everything else — identifiers, timestamps, custom properties, relationships, markings —
//! is left byte-for-byte as it was. The bundle gets a new, deterministic 2.1 bundle id when its
//! own is not a valid one (bundle ids are transient wrappers; no object refers to them).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::StixId;

/// What an upgrade changed, by rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct UpgradeReport {
    pub n_objects: usize,
    pub changes: BTreeMap<&'static str, usize>,
}

impl UpgradeReport {
    fn count(&mut self, rule: &'static str) {
        *self.changes.entry(rule).or_default() += 1;
    }
}

/// Whether a parsed bundle is STIX 2.0: `spec_version: "2.0"` on the bundle, or objects
/// without their own `spec_version` and a bundle that does not say 2.1.
pub fn is_stix20_bundle(doc: &Value) -> bool {
    if doc.get("type").and_then(Value::as_str) != Some("bundle") {
        return false;
    }
    match doc.get("spec_version").and_then(Value::as_str) {
        Some("2.0") => true,
        Some(_) => false,
        None => doc
            .get("objects")
            .and_then(Value::as_array)
            .and_then(|objects| objects.iter().find(|o| o.get("type").and_then(Value::as_str) != Some("marking-definition")))
            .is_some_and(|o| o.get("spec_version").is_none() && o.get("created").is_some()),
    }
}

/// The 2.1 vocabulary property that took over a 2.0 object's `labels`.
fn typed_labels_property(object_type: &str) -> Option<&'static str> {
    Some(match object_type {
        "malware" => "malware_types",
        "tool" => "tool_types",
        "indicator" => "indicator_types",
        "report" => "report_types",
        "threat-actor" => "threat_actor_types",
        _ => return None,
    })
}

/// Upgrades one 2.0 object in place.
pub fn upgrade_object(object: &mut Map<String, Value>, report: &mut UpgradeReport) {
    report.n_objects += 1;
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    if !object.contains_key("spec_version") {
        object.insert("spec_version".into(), Value::String("2.1".into()));
        report.count("spec_version added");
    }
    match object_type.as_str() {
        "malware" if !object.contains_key("is_family") => {
            let named = object.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty());
            object.insert("is_family".into(), Value::Bool(named));
            report.count("malware is_family added");
        }
        "indicator" if !object.contains_key("pattern_type") => {
            object.insert("pattern_type".into(), Value::String("stix".into()));
            report.count("indicator pattern_type added");
        }
        _ => {}
    }
    let empty_refs: Vec<String> = object.iter().filter(|(k, v)| k.ends_with("_ref") && v.as_str() == Some("")).map(|(k, _)| k.clone()).collect();
    for key in empty_refs {
        object.remove(&key);
        report.count("empty reference property removed");
    }
    if let Some(typed) = typed_labels_property(&object_type) {
        if !object.contains_key(typed) {
            if let Some(labels) = object.get("labels").filter(|l| l.as_array().is_some_and(|a| !a.is_empty())).cloned() {
                object.insert(typed.into(), labels);
                report.count("labels copied to the 2.1 vocabulary property");
            }
        }
    }
}

/// Upgrades a whole 2.0 bundle document; returns the 2.1 bundle and what changed. A document
/// that is not a bundle with an `objects` array is returned unchanged with an empty report.
pub fn upgrade_bundle(mut doc: Value) -> (Value, UpgradeReport) {
    let mut report = UpgradeReport::default();
    let Some(bundle) = doc.as_object_mut() else { return (doc, report) };
    let Some(Value::Array(objects)) = bundle.get_mut("objects") else { return (doc, report) };
    for object in objects.iter_mut() {
        if let Value::Object(map) = object {
            upgrade_object(map, &mut report);
        }
    }
    bundle.remove("spec_version");
    let id_ok = bundle.get("id").and_then(Value::as_str).and_then(|s| s.parse::<StixId>().ok()).is_some_and(|id| id.object_type() == "bundle");
    if !id_ok {
        let seed = bundle.get("id").map(Value::to_string).unwrap_or_default();
        let uuid = uuid::Uuid::new_v5(&UPGRADE_NAMESPACE, seed.as_bytes());
        bundle.insert("id".into(), Value::String(format!("bundle--{uuid}")));
        report.count("bundle id replaced");
    }
    (doc, report)
}

/// Namespace of the deterministic bundle ids given to upgraded bundles.
const UPGRADE_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3a0f_62c4_91d7_4b5e_8c2a_7f10_d4e9_b635);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_the_2_0_shapes_and_leaves_the_rest() {
        let doc = serde_json::json!({"type": "bundle", "id": "bundle--assembled", "spec_version": "2.0", "objects": [
            {"type": "malware", "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-05-31T21:32:58.000Z", "modified": "2017-05-31T21:32:58.000Z", "name": "Ryuk", "labels": ["malware"], "x_mitre_version": "1.1"},
            {"type": "indicator", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-05-31T21:32:58.000Z", "modified": "2017-05-31T21:32:58.000Z", "pattern": "[domain-name:value = 'x.example']", "valid_from": "2017-05-31T21:32:58Z", "labels": ["malicious-activity"]},
            {"type": "attack-pattern", "id": "attack-pattern--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-05-31T21:32:58.000Z", "modified": "2017-05-31T21:32:58.000Z", "name": "Phishing"},
            {"type": "x-mitre-data-component", "id": "x-mitre-data-component--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2017-05-31T21:32:58.000Z", "modified": "2017-05-31T21:32:58.000Z", "name": "C", "x_mitre_data_source_ref": ""}
        ]});
        assert!(is_stix20_bundle(&doc));
        let (up, report) = upgrade_bundle(doc);
        assert!(!is_stix20_bundle(&up));
        assert_eq!(report.n_objects, 4);
        assert_eq!(report.changes["spec_version added"], 4);
        assert_eq!(report.changes["empty reference property removed"], 1);
        assert!(up["objects"][3].get("x_mitre_data_source_ref").is_none());
        assert_eq!(report.changes["bundle id replaced"], 1);
        let m = &up["objects"][0];
        assert_eq!((m["is_family"].as_bool(), m["malware_types"][0].as_str(), m["labels"][0].as_str(), m["x_mitre_version"].as_str()), (Some(true), Some("malware"), Some("malware"), Some("1.1")));
        assert_eq!(up["objects"][1]["pattern_type"], "stix");
        assert_eq!(up["objects"][1]["indicator_types"][0], "malicious-activity");
        assert!(up["objects"][2].get("labels").is_none());
        let text = up.to_string();
        let parsed = crate::parse_bundle(&text).unwrap();
        assert!(parsed.objects.iter().all(Result::is_ok), "{:?}", parsed.objects);
    }

    #[test]
    fn a_2_1_bundle_is_not_taken_for_2_0() {
        let doc = serde_json::json!({"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "objects": [
            {"type": "identity", "spec_version": "2.1", "id": "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2016-04-06T20:03:48Z", "modified": "2016-04-06T20:03:48Z", "name": "A"}]});
        assert!(!is_stix20_bundle(&doc));
        assert!(!is_stix20_bundle(&serde_json::json!({"type": "bundle", "id": "bundle--x", "objects": []})));
    }
}
