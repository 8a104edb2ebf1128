//! The STIX 2.1 Incident Core Extension (`extension-definition--ef765651-…`, the OASIS CTI TC's
//! "Incident Extension Suite", Incident Core part): a typed view with validation of its
//! enumerations, vocabularies, ranges and references, used by the object validator on every
//! `incident` that carries the extension, and built by ward's anonymised incident promotion.
//!
//! Source: `cti-stix-common-objects/extension-definition-specifications/incident-core/
//! Incident Extension Suite.adoc`, section 2.1 (properties), 3 (entity-count, event-entry,
//! event-sequence-entry, incident-score, task-entry, task-sequence-entry) and 5 (enumerations).
//! Closed enumerations are enforced; open vocabularies (`investigation_status`,
//! `detection_methods`, `incident_types`, entity-count keys) must be non-empty strings and
//! are otherwise open, as STIX open vocabularies are. Properties the extension does not define
//! are left alone (producers add their own).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::StixErrors;
use crate::StixId;

/// The extension's id.
pub const INCIDENT_CORE_EXTENSION_ID: &str = "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

/// Most entries in any list of the extension.
pub const MAX_EXTENSION_LIST_ITEMS: usize = 1_000;

macro_rules! closed_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            fn parse(path: &str, v: &Value, errors: &mut StixErrors) -> Option<$name> {
                let found = v.as_str().and_then(|s| $name::ALL.iter().copied().find(|x| x.as_str() == s));
                if found.is_none() {
                    let names: Vec<&str> = $name::ALL.iter().map(|x| x.as_str()).collect();
                    errors.push(path, format!("must be one of the {} values {}", $what, names.join(", ")));
                }
                found
            }
        }
    };
}

closed_enum!(
    /// `incident-determination-enum` (5.5).
    Determination, "incident-determination-enum" {
        Blocked = "blocked", Confirmed = "confirmed", FailedAttempt = "failed-attempt", FalsePositive = "false-positive", Suspected = "suspected",
    }
);
closed_enum!(
    /// `recoverability-enum` (5.8).
    Recoverability, "recoverability-enum" {
        Extended = "extended", NotApplicable = "not-applicable", NotRecoverable = "not-recoverable", Regular = "regular", Supplemented = "supplemented",
    }
);
closed_enum!(
    /// `activity-condition-enum` (5.1).
    ActivityCondition, "activity-condition-enum" { Optional = "optional", Required = "required", Unknown = "unknown" }
);
closed_enum!(
    /// `activity-transition-enum` (5.2).
    ActivityTransition, "activity-transition-enum" { Completion = "completion", Failure = "failure", Success = "success", Unknown = "unknown" }
);

/// `event-sequence-entry` / `task-sequence-entry`: the next step after an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceEntry {
    pub target_ref: StixId,
    pub condition_type: ActivityCondition,
    pub transition_type: ActivityTransition,
}

/// `event-entry` / `task-entry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub target_ref: StixId,
    pub next_steps: Vec<SequenceEntry>,
    pub sequence_start: Option<bool>,
}

/// `incident-score`.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentScore {
    pub name: String,
    pub value: f64,
    pub description: Option<String>,
}

/// The Incident Core Extension of one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentCore {
    pub determination: Determination,
    pub investigation_status: String,
    /// 0–100 (Appendix B maps qualitative scales onto it).
    pub criticality: Option<u8>,
    pub detection_methods: Vec<String>,
    pub events: Vec<ActivityEntry>,
    /// `impact` objects.
    pub impact_refs: Vec<StixId>,
    /// `entity-count`: entity type → how many were affected.
    pub impacted_entity_counts: BTreeMap<String, u64>,
    pub incident_types: Vec<String>,
    pub recoverability: Option<Recoverability>,
    pub scores: Vec<IncidentScore>,
    pub tasks: Vec<ActivityEntry>,
}

impl IncidentCore {
    /// A new extension with the two required properties.
    pub fn new(determination: Determination, investigation_status: &str) -> IncidentCore {
        IncidentCore {
            determination,
            investigation_status: investigation_status.to_owned(),
            criticality: None,
            detection_methods: Vec::new(),
            events: Vec::new(),
            impact_refs: Vec::new(),
            impacted_entity_counts: BTreeMap::new(),
            incident_types: Vec::new(),
            recoverability: None,
            scores: Vec::new(),
            tasks: Vec::new(),
        }
    }

    /// Parses and validates the extension's JSON (the value under its id in `extensions`);
    /// error paths are relative to it (`criticality`, `events[1].next_steps[0].event_ref`).
    pub fn from_value(v: &Value) -> Result<IncidentCore, StixErrors> {
        let mut errors = StixErrors::default();
        let Some(m) = v.as_object() else {
            errors.push("", "the Incident Core Extension must be a JSON object");
            return Err(errors);
        };
        if m.get("extension_type").and_then(Value::as_str) != Some("property-extension") {
            errors.push("extension_type", "must be \"property-extension\"");
        }
        let determination = match m.get("determination") {
            Some(v) => Determination::parse("determination", v, &mut errors),
            None => {
                errors.push("determination", "is required");
                None
            }
        };
        let investigation_status = match m.get("investigation_status") {
            Some(v) => open_vocab("investigation_status", v, &mut errors),
            None => {
                errors.push("investigation_status", "is required");
                None
            }
        };
        let criticality = m.get("criticality").and_then(|v| match v.as_u64().filter(|n| *n <= 100) {
            Some(n) => Some(n as u8),
            None => {
                errors.push("criticality", "must be an integer from 0 to 100");
                None
            }
        });
        let detection_methods = list(m, "detection_methods", &mut errors, |p, v, e| open_vocab(p, v, e));
        let incident_types = list(m, "incident_types", &mut errors, |p, v, e| open_vocab(p, v, e));
        let impact_refs = list(m, "impact_refs", &mut errors, |p, v, e| reference(p, v, "impact", e));
        let recoverability = m.get("recoverability").and_then(|v| Recoverability::parse("recoverability", v, &mut errors));
        let mut impacted_entity_counts = BTreeMap::new();
        match m.get("impacted_entity_counts") {
            None => {}
            Some(Value::Object(counts)) => {
                for (k, v) in counts {
                    let path = format!("impacted_entity_counts.{k}");
                    if k.is_empty() {
                        errors.push(path.clone(), "entity type names must not be empty");
                    }
                    match v.as_u64() {
                        Some(n) => {
                            impacted_entity_counts.insert(k.clone(), n);
                        }
                        None => errors.push(path, "must be an integer equal to or greater than zero"),
                    }
                }
            }
            Some(_) => errors.push("impacted_entity_counts", "must be an object of entity type → count"),
        }
        let scores = list(m, "scores", &mut errors, |p, v, e| {
            let Some(s) = v.as_object() else {
                e.push(p, "must be an incident-score object");
                return None;
            };
            let name = s.get("name").and_then(Value::as_str).filter(|n| !n.is_empty());
            if name.is_none() {
                e.push(format!("{p}.name"), "is required (a non-empty string)");
            }
            let value = s.get("value").and_then(Value::as_f64);
            if value.is_none() {
                e.push(format!("{p}.value"), "is required (a number)");
            }
            let description = match s.get("description") {
                None => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => {
                    e.push(format!("{p}.description"), "must be a string");
                    None
                }
            };
            Some(IncidentScore { name: name?.to_owned(), value: value?, description })
        });
        let events = activities(m, "events", "event_ref", "event", &mut errors);
        let tasks = activities(m, "tasks", "task_ref", "task", &mut errors);
        match (determination, investigation_status) {
            (Some(determination), Some(investigation_status)) if errors.is_empty() => Ok(IncidentCore {
                determination,
                investigation_status,
                criticality,
                detection_methods,
                events,
                impact_refs,
                impacted_entity_counts,
                incident_types,
                recoverability,
                scores,
                tasks,
            }),
            _ => Err(errors),
        }
    }

    /// The extension's JSON, as it goes under [`INCIDENT_CORE_EXTENSION_ID`] in `extensions`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("extension_type".into(), json!("property-extension"));
        m.insert("determination".into(), json!(self.determination.as_str()));
        m.insert("investigation_status".into(), json!(self.investigation_status));
        if let Some(c) = self.criticality {
            m.insert("criticality".into(), json!(c));
        }
        let strings = |l: &[String]| json!(l);
        if !self.detection_methods.is_empty() {
            m.insert("detection_methods".into(), strings(&self.detection_methods));
        }
        if !self.incident_types.is_empty() {
            m.insert("incident_types".into(), strings(&self.incident_types));
        }
        if !self.impact_refs.is_empty() {
            m.insert("impact_refs".into(), json!(self.impact_refs.iter().map(ToString::to_string).collect::<Vec<_>>()));
        }
        if !self.impacted_entity_counts.is_empty() {
            m.insert("impacted_entity_counts".into(), json!(self.impacted_entity_counts));
        }
        if let Some(r) = self.recoverability {
            m.insert("recoverability".into(), json!(r.as_str()));
        }
        if !self.scores.is_empty() {
            let scores: Vec<Value> = self
                .scores
                .iter()
                .map(|s| {
                    let mut v = json!({"name": s.name, "value": s.value});
                    if let Some(d) = &s.description {
                        v["description"] = json!(d);
                    }
                    v
                })
                .collect();
            m.insert("scores".into(), Value::Array(scores));
        }
        for (key, reference, entries) in [("events", "event_ref", &self.events), ("tasks", "task_ref", &self.tasks)] {
            if entries.is_empty() {
                continue;
            }
            let list: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let mut v = json!({ reference: e.target_ref.to_string() });
                    if let Some(s) = e.sequence_start {
                        v["sequence_start"] = json!(s);
                    }
                    if !e.next_steps.is_empty() {
                        v["next_steps"] = Value::Array(
                            e.next_steps.iter().map(|n| json!({ reference: n.target_ref.to_string(), "condition_type": n.condition_type.as_str(), "transition_type": n.transition_type.as_str() })).collect(),
                        );
                    }
                    v
                })
                .collect();
            m.insert(key.into(), Value::Array(list));
        }
        Value::Object(m)
    }
}

/// Validates the Incident Core Extension of an incident object, if it carries one; errors are
/// pushed under `extensions.<id>`.
pub(crate) fn validate_incident(map: &Map<String, Value>, errors: &mut StixErrors) {
    let Some(ext) = map.get("extensions").and_then(|e| e.get(INCIDENT_CORE_EXTENSION_ID)) else { return };
    if let Err(e) = IncidentCore::from_value(ext) {
        let prefix = format!("extensions.{INCIDENT_CORE_EXTENSION_ID}");
        errors.0.extend(e.0.into_iter().map(|x| x.under(&prefix)));
    }
}

fn open_vocab(path: &str, v: &Value, errors: &mut StixErrors) -> Option<String> {
    match v.as_str() {
        Some(s) if !s.trim().is_empty() => Some(s.to_owned()),
        _ => {
            errors.push(path, "must be a non-empty string");
            None
        }
    }
}

fn reference(path: &str, v: &Value, object_type: &str, errors: &mut StixErrors) -> Option<StixId> {
    match v.as_str().map(str::parse::<StixId>) {
        Some(Ok(id)) if id.object_type() == object_type => Some(id),
        Some(Ok(id)) => {
            errors.push(path, format!("must refer to a {object_type} object, not a {}", id.object_type()));
            None
        }
        Some(Err(e)) => {
            errors.push(path, e);
            None
        }
        None => {
            errors.push(path, format!("must be the identifier of a {object_type} object"));
            None
        }
    }
}

/// A non-empty list property, each item parsed by `item` (errors at `key[i]`).
fn list<T>(m: &Map<String, Value>, key: &str, errors: &mut StixErrors, mut item: impl FnMut(&str, &Value, &mut StixErrors) -> Option<T>) -> Vec<T> {
    match m.get(key) {
        None => Vec::new(),
        Some(Value::Array(items)) if items.is_empty() => {
            errors.push(key, "must not be empty when present");
            Vec::new()
        }
        Some(Value::Array(items)) if items.len() > MAX_EXTENSION_LIST_ITEMS => {
            errors.push(key, format!("has {} items; the limit is {MAX_EXTENSION_LIST_ITEMS}", items.len()));
            Vec::new()
        }
        Some(Value::Array(items)) => items.iter().enumerate().filter_map(|(i, v)| item(&format!("{key}[{i}]"), v, errors)).collect(),
        Some(_) => {
            errors.push(key, "must be a list");
            Vec::new()
        }
    }
}

/// `events` or `tasks`: entries whose `next_steps` must point at entries of the same list.
fn activities(m: &Map<String, Value>, key: &str, reference_key: &str, object_type: &str, errors: &mut StixErrors) -> Vec<ActivityEntry> {
    let entries = list(m, key, errors, |p, v, e| {
        let Some(entry) = v.as_object() else {
            e.push(p, format!("must be an {object_type}-entry object"));
            return None;
        };
        let target = match entry.get(reference_key) {
            Some(r) => reference(&format!("{p}.{reference_key}"), r, object_type, e),
            None => {
                e.push(format!("{p}.{reference_key}"), "is required");
                None
            }
        };
        let sequence_start = match entry.get("sequence_start") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                e.push(format!("{p}.sequence_start"), "must be true or false");
                None
            }
        };
        let next_steps = list(entry, "next_steps", e, |q, v, e| {
            let q = format!("{p}.{q}");
            let Some(step) = v.as_object() else {
                e.push(q, "must be a sequence entry object");
                return None;
            };
            let target = match step.get(reference_key) {
                Some(r) => reference(&format!("{q}.{reference_key}"), r, object_type, e),
                None => {
                    e.push(format!("{q}.{reference_key}"), "is required");
                    None
                }
            };
            let condition = match step.get("condition_type") {
                Some(v) => ActivityCondition::parse(&format!("{q}.condition_type"), v, e),
                None => {
                    e.push(format!("{q}.condition_type"), "is required");
                    None
                }
            };
            let transition = match step.get("transition_type") {
                Some(v) => ActivityTransition::parse(&format!("{q}.transition_type"), v, e),
                None => {
                    e.push(format!("{q}.transition_type"), "is required");
                    None
                }
            };
            Some(SequenceEntry { target_ref: target?, condition_type: condition?, transition_type: transition? })
        });
        Some(ActivityEntry { target_ref: target?, next_steps, sequence_start })
    });
    // A next step MUST name an entry of the same list.
    for (i, entry) in entries.iter().enumerate() {
        for (j, step) in entry.next_steps.iter().enumerate() {
            if !entries.iter().any(|e| e.target_ref == step.target_ref) {
                errors.push(format!("{key}[{i}].next_steps[{j}].{reference_key}"), format!("must be the {reference_key} of an entry in {key}"));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT_A: &str = "event--1a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a";
    const EVENT_B: &str = "event--2a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a";

    fn check(v: Value) -> Result<IncidentCore, Vec<String>> {
        IncidentCore::from_value(&v).map_err(|e| e.0.into_iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn a_full_extension_round_trips() {
        let v = json!({
            "extension_type": "property-extension", "determination": "confirmed", "investigation_status": "closed", "criticality": 95,
            "detection_methods": ["system-outage"], "incident_types": ["ransomware"], "recoverability": "extended",
            "impacted_entity_counts": {"individual": 1200, "organization": 1},
            "impact_refs": ["impact--3a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a"],
            "scores": [{"name": "internal severity", "value": 8.5, "description": "0–10"}],
            "events": [{"event_ref": EVENT_A, "sequence_start": true, "next_steps": [{"event_ref": EVENT_B, "condition_type": "required", "transition_type": "success"}]}, {"event_ref": EVENT_B}],
            "tasks": [{"task_ref": "task--4a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a"}],
        });
        let core = check(v.clone()).unwrap();
        assert_eq!((core.determination, core.criticality, core.recoverability), (Determination::Confirmed, Some(95), Some(Recoverability::Extended)));
        assert_eq!(core.to_value(), v);
    }

    #[test]
    fn every_bad_property_is_named() {
        let table: &[(Value, &str)] = &[
            (json!({"extension_type": "property-extension", "investigation_status": "open"}), "determination: is required"),
            (json!({"extension_type": "property-extension", "determination": "successful-attempt", "investigation_status": "open"}), "determination: must be one of the incident-determination-enum values blocked, confirmed, failed-attempt, false-positive, suspected"),
            (json!({"extension_type": "toplevel-property-extension", "determination": "suspected", "investigation_status": "open"}), "extension_type: must be \"property-extension\""),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": ""}), "investigation_status: must be a non-empty string"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "criticality": 101}), "criticality: must be an integer from 0 to 100"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "criticality": 5.5}), "criticality: must be an integer from 0 to 100"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "recoverability": "quick"}), "recoverability: must be one of the recoverability-enum values"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "impacted_entity_counts": {"individual": -1}}), "impacted_entity_counts.individual: must be an integer equal to or greater than zero"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "impact_refs": ["identity--3a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a"]}), "impact_refs[0]: must refer to a impact object, not a identity"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "incident_types": []}), "incident_types: must not be empty when present"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "scores": [{"name": "x"}]}), "scores[0].value: is required (a number)"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "events": [{"event_ref": EVENT_A, "next_steps": [{"event_ref": EVENT_B, "condition_type": "required", "transition_type": "success"}]}]}), "events[0].next_steps[0].event_ref: must be the event_ref of an entry in events"),
            (json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "open", "tasks": [{"task_ref": "task--4a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a", "next_steps": [{"task_ref": "task--4a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a", "condition_type": "maybe", "transition_type": "success"}]}]}), "tasks[0].next_steps[0].condition_type: must be one of the activity-condition-enum values optional, required, unknown"),
        ];
        for (v, want) in table {
            let got = check(v.clone()).unwrap_err();
            assert!(got.iter().any(|g| g.starts_with(want)), "{v}: want {want:?}, got {got:?}");
        }
        assert!(check(json!("x")).is_err());
    }

    #[test]
    fn the_object_validator_checks_incidents_that_carry_it() {
        let incident = |ext: Value| {
            json!({"type": "incident", "spec_version": "2.1", "id": "incident--5a6f8a3b-2e1c-4d4e-8f8a-9b0c1d2e3f4a", "created": "2024-01-01T00:00:00.000Z",
                "modified": "2024-01-01T00:00:00.000Z", "name": "Ransomware", "extensions": {INCIDENT_CORE_EXTENSION_ID: ext}})
            .to_string()
        };
        assert!(crate::StixObject::parse(&incident(json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "new"}))).is_ok());
        let e = crate::StixObject::parse(&incident(json!({"extension_type": "property-extension", "determination": "suspected", "investigation_status": "new", "criticality": 500}))).unwrap_err();
        assert_eq!(e.0[0].path, format!("extensions.{INCIDENT_CORE_EXTENSION_ID}.criticality"));
    }
}
