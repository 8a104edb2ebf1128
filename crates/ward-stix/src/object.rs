//! One STIX object: the exact JSON text it arrived in, plus the typed properties ward needs.
//!
//! Validation covers the common properties (type, id, spec_version, created, modified,
//! created_by_ref, markings, external references, confidence, labels), every `*_ref` and
//! `*_refs` property, every known timestamp property, and the required properties of each
//! STIX 2.1 object type (SDOs, SROs, marking and extension definitions; indicators with
//! `pattern_type: stix` have their pattern parsed). Unknown and custom object types keep
//! every property; only the common rules apply to them.

use serde_json::{Map, Value};

use crate::error::StixErrors;
use crate::ident::{check_type_name, StixId};
use crate::limits::{MAX_LIST_ITEMS, MAX_NESTING_DEPTH, MAX_OBJECT_BYTES};
use crate::tlp::{self, TlpLevel};

/// STIX Cyber-observable object types (no `created`/`modified`).
pub const SCO_TYPES: [&str; 18] = [
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
    "mac-addr", "mutex", "network-traffic", "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate",
];

/// Properties that hold STIX timestamps wherever they appear at the top level.
const TIMESTAMP_PROPERTIES: [&str; 11] =
    ["created", "modified", "valid_from", "valid_until", "first_seen", "last_seen", "first_observed", "last_observed", "published", "object_modified", "analysis_started"];

/// Required properties per object type, beyond the common ones.
fn required_properties(ty: &str) -> &'static [&'static str] {
    match ty {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident" | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => &["name"],
        "indicator" => &["pattern", "pattern_type", "valid_from"],
        "grouping" => &["context", "object_refs"],
        "malware" => &["is_family"],
        "malware-analysis" => &["product"],
        "note" => &["content", "object_refs"],
        "observed-data" => &["first_observed", "last_observed", "number_observed"],
        "opinion" => &["opinion", "object_refs"],
        "report" => &["name", "published", "object_refs"],
        "relationship" => &["relationship_type", "source_ref", "target_ref"],
        "sighting" => &["sighting_of_ref"],
        "extension-definition" => &["name", "schema", "version", "extension_types", "created_by_ref"],
        "language-content" => &["object_ref", "object_modified", "contents"],
        _ => &[],
    }
}

/// A validated STIX object.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    pub id: StixId,
    pub object_type: String,
    /// `2.1` (SCOs without the property are taken as 2.1).
    pub spec_version: String,
    /// `modified`, else `created`, as written; `None` for objects with neither (SCOs), whose
    /// version is the time the server added them.
    pub version: Option<String>,
    /// `object_marking_refs`, normalised to OASIS TLP 2.0 ids.
    pub marking_refs: Vec<String>,
    /// The strictest TLP level among the markings, if any.
    pub tlp: Option<TlpLevel>,
    /// The object's JSON text: byte for byte as received, unless a TLP marking had to be
    /// normalised (then re-serialised with the OASIS ids).
    pub json: String,
}

impl StixObject {
    /// Parses and validates one object given as JSON text.
    pub fn parse(text: &str) -> Result<StixObject, StixErrors> {
        if text.len() > MAX_OBJECT_BYTES {
            return Err(StixErrors::from(crate::StixError::new("", format!("object is {} bytes; the limit is {MAX_OBJECT_BYTES}", text.len()))));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| StixErrors::from(crate::StixError::new("", format!("not JSON: {e}"))))?;
        let Value::Object(map) = value else {
            return Err(StixErrors::from(crate::StixError::new("", "a STIX object must be a JSON object")));
        };
        StixObject::from_map(map, Some(text))
    }

    /// Validates an already parsed object (`original` is its text, kept when unchanged).
    pub fn from_map(mut map: Map<String, Value>, original: Option<&str>) -> Result<StixObject, StixErrors> {
        let mut errors = StixErrors::default();
        validate(&map, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let ty = map["type"].as_str().unwrap_or_default().to_owned();
        let mut changed = original.is_none();
        // A TLP marking definition in any variant becomes the canonical OASIS object.
        if ty == "marking-definition" {
            if let Some(level) = tlp::level_of_marking_object(&map) {
                let canonical = level.marking_object();
                if Value::Object(map.clone()) != canonical {
                    map = canonical.as_object().cloned().unwrap_or_default();
                    changed = true;
                }
            }
        }
        let mut marking_refs = Vec::new();
        if let Some(Value::Array(refs)) = map.get_mut("object_marking_refs") {
            for r in refs.iter_mut() {
                let id = r.as_str().unwrap_or_default().to_owned();
                let norm = tlp::normalise_marking_id(&id).to_owned();
                if norm != id {
                    *r = Value::String(norm.clone());
                    changed = true;
                }
                marking_refs.push(norm);
            }
        }
        if let Some(Value::Array(gms)) = map.get_mut("granular_markings") {
            for gm in gms.iter_mut() {
                if let Some(Value::String(r)) = gm.get_mut("marking_ref") {
                    let norm = tlp::normalise_marking_id(r).to_owned();
                    if norm != *r {
                        *r = norm;
                        changed = true;
                    }
                }
            }
        }
        let id: StixId = map["id"].as_str().unwrap_or_default().parse().map_err(|e: String| StixErrors::from(crate::StixError::new("id", e)))?;
        let spec_version = map.get("spec_version").and_then(Value::as_str).unwrap_or("2.1").to_owned();
        let version = map.get("modified").or_else(|| map.get("created")).and_then(Value::as_str).map(str::to_owned);
        let tlp = tlp::strictest(&marking_refs);
        let json = match original {
            Some(text) if !changed => text.to_owned(),
            _ => serde_json::to_string(&map).unwrap_or_default(),
        };
        Ok(StixObject { id, object_type: ty, spec_version, version, marking_refs, tlp, json })
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn check_id_ref(errors: &mut StixErrors, path: &str, v: &Value, want_type: Option<&str>) {
    match v.as_str().map(str::parse::<StixId>) {
        Some(Ok(id)) => {
            if let Some(t) = want_type {
                if id.object_type() != t {
                    errors.push(path, format!("must reference a {t}, not a {}", id.object_type()));
                }
            }
        }
        Some(Err(e)) => errors.push(path, e),
        None => errors.push(path, "must be a STIX identifier string"),
    }
}

fn check_id_list(errors: &mut StixErrors, path: &str, v: &Value, want_type: Option<&str>, non_empty: bool) {
    match v.as_array() {
        Some(items) => {
            if non_empty && items.is_empty() {
                errors.push(path, "must not be empty");
            }
            if items.len() > MAX_LIST_ITEMS {
                errors.push(path, format!("has {} items; the limit is {MAX_LIST_ITEMS}", items.len()));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                check_id_ref(errors, &format!("{path}[{i}]"), item, want_type);
            }
        }
        None => errors.push(path, "must be a list of STIX identifiers"),
    }
}

fn validate(map: &Map<String, Value>, errors: &mut StixErrors) {
    let depth = depth(&Value::Object(map.clone()));
    if depth > MAX_NESTING_DEPTH {
        errors.push("", format!("nested {depth} levels deep; the limit is {MAX_NESTING_DEPTH}"));
        return;
    }
    let ty = match map.get("type") {
        Some(Value::String(t)) => match check_type_name(t) {
            Ok(()) => t.as_str(),
            Err(e) => {
                errors.push("type", e);
                return;
            }
        },
        Some(_) => {
            errors.push("type", "must be a string");
            return;
        }
        None => {
            errors.push("type", "is required");
            return;
        }
    };
    if ty == "bundle" {
        errors.push("type", "a bundle cannot be an object inside a bundle or envelope");
        return;
    }
    match map.get("id") {
        Some(v) => {
            check_id_ref(errors, "id", v, Some(ty));
        }
        None => errors.push("id", "is required"),
    }
    let sco = SCO_TYPES.contains(&ty);
    match map.get("spec_version").map(Value::as_str) {
        Some(Some("2.1")) => {}
        Some(Some(other)) => errors.push("spec_version", format!("{other:?} is not supported (expected \"2.1\")")),
        Some(None) => errors.push("spec_version", "must be the string \"2.1\""),
        None if !sco => errors.push("spec_version", "is required"),
        None => {}
    }
    for name in map.keys() {
        if name.len() > 250 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            errors.push(name.as_str(), "property names may contain only ASCII letters, digits and `_` (at most 250)");
        }
    }
    for p in TIMESTAMP_PROPERTIES {
        if let Some(v) = map.get(p) {
            match v.as_str().map(crate::timestamp::parse) {
                Some(Ok(_)) => {}
                Some(Err(e)) => errors.push(p, e),
                None => errors.push(p, "must be a timestamp string"),
            }
        }
    }
    if !sco {
        if !map.contains_key("created") {
            errors.push("created", "is required");
        }
        if ty != "marking-definition" && !map.contains_key("modified") {
            errors.push("modified", "is required");
        }
    }
    let ts = |p: &str| map.get(p).and_then(Value::as_str).and_then(|s| crate::timestamp::parse(s).ok());
    if let (Some(c), Some(m)) = (ts("created"), ts("modified")) {
        if m < c {
            errors.push("modified", "must not be earlier than created");
        }
    }
    for (name, v) in map {
        if name == "object_marking_refs" {
            check_id_list(errors, name, v, Some("marking-definition"), false);
        } else if name == "created_by_ref" {
            check_id_ref(errors, name, v, Some("identity"));
        } else if name.ends_with("_refs") {
            check_id_list(errors, name, v, None, false);
        } else if name.ends_with("_ref") {
            check_id_ref(errors, name, v, None);
        }
    }
    if let Some(v) = map.get("granular_markings") {
        match v.as_array() {
            Some(gms) => {
                for (i, gm) in gms.iter().enumerate() {
                    let path = format!("granular_markings[{i}]");
                    match gm.get("selectors").and_then(Value::as_array) {
                        Some(s) if !s.is_empty() && s.iter().all(Value::is_string) => {}
                        _ => errors.push(format!("{path}.selectors"), "must be a non-empty list of strings"),
                    }
                    match (gm.get("marking_ref"), gm.get("lang")) {
                        (Some(r), None) => check_id_ref(errors, &format!("{path}.marking_ref"), r, Some("marking-definition")),
                        (None, Some(Value::String(_))) => {}
                        _ => errors.push(path, "must have exactly one of marking_ref and lang"),
                    }
                }
            }
            None => errors.push("granular_markings", "must be a list"),
        }
    }
    if let Some(v) = map.get("external_references") {
        match v.as_array() {
            Some(refs) => {
                for (i, r) in refs.iter().enumerate() {
                    if !r.get("source_name").is_some_and(Value::is_string) {
                        errors.push(format!("external_references[{i}].source_name"), "is required");
                    }
                }
            }
            None => errors.push("external_references", "must be a list"),
        }
    }
    if let Some(v) = map.get("confidence") {
        if !v.as_u64().is_some_and(|c| c <= 100) {
            errors.push("confidence", "must be an integer from 0 to 100");
        }
    }
    if let Some(v) = map.get("labels") {
        if !v.as_array().is_some_and(|l| l.iter().all(Value::is_string)) {
            errors.push("labels", "must be a list of strings");
        }
    }
    if let Some(v) = map.get("revoked") {
        if !v.is_boolean() {
            errors.push("revoked", "must be true or false");
        }
    }
    for p in required_properties(ty) {
        if !map.contains_key(*p) {
            errors.push(*p, "is required");
        }
    }
    validate_type(ty, map, errors);
}

fn validate_type(ty: &str, map: &Map<String, Value>, errors: &mut StixErrors) {
    let s = |p: &str| map.get(p).and_then(Value::as_str);
    let ts = |p: &str| s(p).and_then(|v| crate::timestamp::parse(v).ok());
    match ty {
        "indicator" => {
            if s("pattern_type") == Some("stix") {
                match s("pattern") {
                    Some(p) => {
                        if let Err(e) = crate::pattern::parse(p) {
                            errors.push("pattern", e.to_string());
                        }
                    }
                    None if map.contains_key("pattern") => errors.push("pattern", "must be a string"),
                    None => {}
                }
            }
            if let (Some(from), Some(until)) = (ts("valid_from"), ts("valid_until")) {
                if until <= from {
                    errors.push("valid_until", "must be later than valid_from");
                }
            }
        }
        "malware" => match map.get("is_family") {
            Some(Value::Bool(true)) if !map.contains_key("name") => errors.push("name", "is required when is_family is true"),
            Some(Value::Bool(_)) | None => {}
            Some(_) => errors.push("is_family", "must be true or false"),
        },
        "observed-data" => {
            if !map.get("number_observed").and_then(Value::as_u64).is_some_and(|n| (1..=999_999_999).contains(&n)) && map.contains_key("number_observed") {
                errors.push("number_observed", "must be an integer from 1 to 999,999,999");
            }
            if map.contains_key("objects") == map.contains_key("object_refs") {
                errors.push("object_refs", "exactly one of objects and object_refs must be present");
            }
            if let (Some(a), Some(b)) = (ts("first_observed"), ts("last_observed")) {
                if b < a {
                    errors.push("last_observed", "must not be earlier than first_observed");
                }
            }
        }
        "sighting" => {
            if let Some(c) = map.get("count") {
                if !c.as_u64().is_some_and(|n| n <= 999_999_999) {
                    errors.push("count", "must be an integer from 0 to 999,999,999");
                }
            }
            if let (Some(a), Some(b)) = (ts("first_seen"), ts("last_seen")) {
                if b < a {
                    errors.push("last_seen", "must not be earlier than first_seen");
                }
            }
            if let Some(v) = map.get("where_sighted_refs") {
                check_id_list(errors, "where_sighted_refs", v, None, true);
            }
        }
        "relationship" => {
            if !s("relationship_type").is_some_and(|t| !t.is_empty()) && map.contains_key("relationship_type") {
                errors.push("relationship_type", "must be a non-empty string");
            }
        }
        "opinion" => {
            const OPINIONS: [&str; 5] = ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"];
            if map.contains_key("opinion") && !s("opinion").is_some_and(|o| OPINIONS.contains(&o)) {
                errors.push("opinion", "must be one of strongly-disagree, disagree, neutral, agree, strongly-agree");
            }
        }
        "report" | "grouping" | "note" | "opinion_refs" => {
            if let Some(v) = map.get("object_refs") {
                check_id_list(errors, "object_refs", v, None, true);
            }
        }
        "identity" => {
            if let Some(v) = map.get("sectors") {
                if !v.as_array().is_some_and(|l| l.iter().all(Value::is_string)) {
                    errors.push("sectors", "must be a list of strings");
                }
            }
        }
        "incident" => crate::incident_core::validate_incident(map, errors),
        "marking-definition" => {
            let has_definition = map.contains_key("definition_type") || map.contains_key("definition");
            let has_extension = map.contains_key("extensions");
            if !has_definition && !has_extension {
                errors.push("definition", "a marking definition needs definition_type and definition, or an extension");
            }
            if has_definition && !(s("definition_type").is_some() && map.get("definition").is_some_and(Value::is_object)) {
                errors.push("definition", "definition_type (a string) and definition (an object) go together");
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDICATOR: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","x_custom":{"kept":  [1, 2.50, "as is"]},"object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]}"#;

    fn paths(text: &str) -> Vec<String> {
        StixObject::parse(text).expect_err(text).0.into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn custom_properties_are_kept_byte_for_byte() {
        let o = StixObject::parse(INDICATOR).unwrap();
        assert_eq!(o.json, INDICATOR);
        assert_eq!(o.tlp, Some(TlpLevel::AmberStrict));
        assert_eq!(o.version.as_deref(), Some("2016-04-06T20:03:48.000Z"));
    }

    #[test]
    fn unknown_types_pass_common_rules() {
        let t = r#"{"type":"x-hospital-ward","spec_version":"2.1","id":"x-hospital-ward--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","beds":12}"#;
        assert_eq!(StixObject::parse(t).unwrap().json, t);
    }

    #[test]
    fn tlp1_markings_become_oasis() {
        let t = INDICATOR.replace("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed");
        let o = StixObject::parse(&t).unwrap();
        assert_eq!(o.tlp, Some(TlpLevel::Red));
        assert!(o.json.contains(TlpLevel::Red.marking_id()) && !o.json.contains("5e57c739"));
        let white = r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}"#;
        let o = StixObject::parse(white).unwrap();
        assert_eq!(o.id.as_str(), TlpLevel::Clear.marking_id());
    }

    #[test]
    fn errors_name_every_property_path() {
        let t = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--nope","created":"yesterday","pattern":"[x","pattern_type":"stix","created_by_ref":"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","object_marking_refs":["x"],"confidence":101}"#;
        let p = paths(t);
        for want in ["id", "created", "modified", "valid_from", "pattern", "created_by_ref", "object_marking_refs[0]", "confidence"] {
            assert!(p.contains(&want.to_owned()), "{want} in {p:?}");
        }
        assert!(paths(r#"{"type":"relationship","spec_version":"2.1","id":"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#).contains(&"target_ref".to_owned()));
        assert!(paths(r#"{"type":"sighting","spec_version":"2.1","id":"sighting--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","count":-1}"#).contains(&"count".to_owned()));
        assert!(paths(r#"{"type":"malware","spec_version":"2.1","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","is_family":true}"#).contains(&"name".to_owned()));
    }
}
