//! MISP event JSON → STIX 2.1 objects, for `ward misp import`.
//!
//! Accepted shapes: `{"Event": …}`, an unwrapped event, `{"response": [{"Event": …}, …]}`, a
//! list of events, JSON lines of events, and an attribute collection
//! `{"response": {"Attribute": […]}}`. Attributes are read at the top level and inside MISP
//! objects.
//!
//! [`stream_misp`] reads a file event by event (a list's elements and JSON lines one at a
//! time), so memory is bounded by the largest record ([`crate::limits::MAX_MISP_RECORD_BYTES`]:
//! one event, or a whole document that is not a list); [`misp_to_stix`] converts a parsed
//! document.
//!
//! Per event:
//! - the creator organisation (`Orgc`) becomes an `identity` (deterministic id from its UUID);
//! - an attribute flagged for detection (`to_ids: true`) becomes an `indicator` whose id is the
//!   attribute's UUID, with a simple comparison pattern the matcher can use;
//! - any other convertible attribute becomes `observed-data` (same UUID) with its cyber
//!   observable (deterministic SCO id, as the STIX 2.1 specification derives them);
//! - the event becomes a `grouping` (context `suspicious-activity`) of everything it produced;
//! - TLP tags (`tlp:white`/`tlp:clear`, `green`, `amber`, `amber+strict`, `red`) become the OASIS
//!   TLP 2.0 markings, an attribute's own tag overriding its event's.
//!
//! Composite attributes: `domain|ip` gives `[domain-name:value = 'd'] OR [ipv4-addr:value = 'i']`
//! (either sighting is worth a look); `filename|md5` (and sha1/sha256) gives a pattern on the hash
//! alone, with the file name in the indicator's name, so that the matcher can use it;
//! `ip-dst|port` keeps the address. Attribute types with no STIX observable that ward uses
//! (text, comment, port, ssdeep, yara, …) are counted per type in the report, never dropped
//! silently.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use ward_core::Tlp;

/// STIX 2.1's namespace for deterministic SCO identifiers (section 2.9).
const SCO_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);
/// ward's namespace for identifiers derived from MISP values that carry no UUID.
const MISP_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x9d3c_1e7a_5b20_4f61_a8c4_2e95_07b1_d3f8);

/// What a conversion produced and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MispReport {
    pub n_events: usize,
    pub n_attributes: usize,
    pub n_indicators: usize,
    pub n_observed: usize,
    /// Attributes not converted, by MISP type.
    pub not_converted: BTreeMap<String, usize>,
    /// Attributes whose value could not be used, with the reason (the first 20).
    pub problems: Vec<String>,
    pub n_problems: usize,
}

impl MispReport {
    fn problem(&mut self, msg: String) {
        self.n_problems += 1;
        if self.problems.len() < 20 {
            self.problems.push(msg);
        }
    }
}

/// An error with the whole document (not one attribute).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MispError(pub String);

/// Converts a MISP JSON document into STIX 2.1 objects (SDOs, SCOs, groupings; no bundle).
pub fn misp_to_stix(doc: &Value) -> Result<(Vec<Value>, MispReport), MispError> {
    let mut report = MispReport::default();
    let mut out = Vec::new();
    for event in events(doc)? {
        convert_event(event, &mut out, &mut report);
    }
    Ok((out, report))
}

/// Reads MISP JSON from `reader` record by record and converts each event as soon as it has
/// been read: `on_objects` gets the STIX objects of one event (in the order [`misp_to_stix`]
/// gives them) and returns false to stop. A record that cannot be read (broken JSON, over
/// [`crate::limits::MAX_MISP_RECORD_BYTES`]) ends the file with an error naming it; events
/// converted before it have been handed over.
pub fn stream_misp(reader: &mut dyn std::io::Read, file: &str, on_objects: &mut dyn FnMut(Vec<Value>) -> bool) -> Result<MispReport, MispError> {
    let mut report = MispReport::default();
    let mut failure: Option<MispError> = None;
    let mut stopped = false;
    let flow = crate::input::for_each_json_record(reader, file, crate::limits::MAX_MISP_RECORD_BYTES, &mut |item| {
        let at = match item.line {
            Some(line) => format!("record {} (line {line})", item.index),
            None => format!("record {}", item.index),
        };
        let stop = || Err(crate::ImportError::Format { path: String::new(), reason: String::new() });
        let doc = match item.value {
            Ok(v) => v,
            Err(reason) => {
                failure = Some(MispError(format!("{at}: {reason}")));
                return stop();
            }
        };
        let list = match events(&doc) {
            Ok(list) => list,
            Err(e) => {
                failure = Some(MispError(format!("{at}: {e}")));
                return stop();
            }
        };
        for event in list {
            let mut out = Vec::new();
            convert_event(event, &mut out, &mut report);
            if !on_objects(out) {
                stopped = true;
                return stop();
            }
        }
        Ok(())
    });
    if let Some(e) = failure {
        return Err(e);
    }
    match flow {
        Err(_) if stopped => Ok(report),
        Err(e) => Err(MispError(e.to_string())),
        Ok(()) if report.n_events == 0 => Err(MispError("no MISP event or attribute found (expected Event, Attribute or response)".into())),
        Ok(()) => Ok(report),
    }
}

fn unwrap_event(v: &Value) -> Option<&Value> {
    if let Some(e) = v.get("Event") {
        return Some(e);
    }
    (v.get("Attribute").is_some() || v.get("Object").is_some() || v.get("info").is_some()).then_some(v)
}

/// The events of a document; an attribute collection is one synthetic event.
fn events(doc: &Value) -> Result<Vec<&Value>, MispError> {
    let list: Vec<&Value> = match doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => match doc.get("response") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(inner @ Value::Object(_)) => vec![inner],
            Some(_) => return Err(MispError("response: must be a list of events or an attribute collection".into())),
            None => vec![doc],
        },
        _ => return Err(MispError("not a MISP event document (expected a JSON object or list)".into())),
    };
    let events: Vec<&Value> = list.into_iter().filter_map(unwrap_event).collect();
    if events.is_empty() {
        return Err(MispError("no MISP event or attribute found (expected Event, Attribute or response)".into()));
    }
    Ok(events)
}

fn tag_tlp(tags: Option<&Value>) -> Option<Tlp> {
    let mut found: Option<Tlp> = None;
    for tag in tags.and_then(Value::as_array).into_iter().flatten() {
        let name = tag.get("name").and_then(Value::as_str).unwrap_or_default().trim().to_ascii_lowercase();
        let level = match name.as_str() {
            "tlp:white" | "tlp:clear" => Tlp::Clear,
            "tlp:green" => Tlp::Green,
            "tlp:amber" => Tlp::Amber,
            "tlp:amber+strict" => Tlp::AmberStrict,
            "tlp:red" => Tlp::Red,
            _ => continue,
        };
        // Several TLP tags: the strictest wins.
        if found.is_none_or(|f| level > f) {
            found = Some(level);
        }
    }
    found
}

/// A MISP timestamp (Unix seconds as a string or number) as STIX time.
fn stix_time(v: Option<&Value>) -> Option<String> {
    let secs = match v? {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    let ts = jiff::Timestamp::from_second(secs).ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string())
}

fn uuid_or_derived(v: Option<&Value>, seed: &str) -> String {
    v.and_then(Value::as_str).and_then(|s| uuid::Uuid::parse_str(s).ok()).map_or_else(|| uuid::Uuid::new_v5(&MISP_NAMESPACE, seed.as_bytes()), |u| u).hyphenated().to_string()
}

fn quote(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'")
}

/// One observable: its STIX pattern comparison and its SCO.
struct Observable {
    comparison: String,
    sco: Value,
}

fn sco(ty: &str, props: Value) -> Value {
    let id = uuid::Uuid::new_v5(&SCO_NAMESPACE, props.to_string().as_bytes());
    let mut o = json!({"type": ty, "spec_version": "2.1", "id": format!("{ty}--{id}")});
    if let (Some(map), Value::Object(p)) = (o.as_object_mut(), props) {
        map.extend(p);
    }
    o
}

fn ip_observable(ip: &str) -> Option<Observable> {
    let ip = ip.trim();
    let ty = match ip.split('/').next()?.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(_) => "ipv4-addr",
        std::net::IpAddr::V6(_) => "ipv6-addr",
    };
    Some(Observable { comparison: format!("{ty}:value = '{}'", quote(ip)), sco: sco(ty, json!({"value": ip})) })
}

fn value_observable(ty: &str, v: &str) -> Observable {
    Observable { comparison: format!("{ty}:value = '{}'", quote(v)), sco: sco(ty, json!({"value": v})) }
}

fn hash_observable(algo: &str, hex: &str, want_len: usize) -> Option<Observable> {
    let hex = hex.trim();
    if hex.len() != want_len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let path = if algo.contains('-') { format!("file:hashes.'{algo}'") } else { format!("file:hashes.{algo}") };
    Some(Observable { comparison: format!("{path} = '{hex}'"), sco: sco("file", json!({"hashes": {algo: hex}})) })
}

/// The observables of an attribute (several for composites), or why there are none.
fn observables(ty: &str, value: &str) -> Result<Vec<Observable>, Option<&'static str>> {
    let parts: Vec<&str> = value.split('|').collect();
    let second = parts.get(1).copied().unwrap_or_default();
    let hash = |algo: &str, hex: &str, n| hash_observable(algo, hex, n).map(|o| vec![o]).ok_or(Some("not a hexadecimal digest of the right length"));
    let v = value.trim();
    match ty {
        "domain" | "hostname" => {
            if v.is_empty() || v.contains(char::is_whitespace) || !v.contains('.') {
                return Err(Some("not a domain name"));
            }
            Ok(vec![value_observable("domain-name", &v.to_ascii_lowercase())])
        }
        "url" | "uri" | "link" => {
            if v.contains("://") {
                Ok(vec![value_observable("url", v)])
            } else {
                Err(Some("not an absolute URL"))
            }
        }
        "ip-src" | "ip-dst" => ip_observable(v).map(|o| vec![o]).ok_or(Some("not an IP address or CIDR range")),
        "ip-src|port" | "ip-dst|port" => ip_observable(parts[0]).map(|o| vec![o]).ok_or(Some("not an IP address")),
        "domain|ip" => {
            let d = parts[0].trim().to_ascii_lowercase();
            let ip = ip_observable(second).ok_or(Some("the second part is not an IP address"))?;
            Ok(vec![value_observable("domain-name", &d), ip])
        }
        "md5" => hash("MD5", v, 32),
        "sha1" => hash("SHA-1", v, 40),
        "sha256" => hash("SHA-256", v, 64),
        "filename|md5" => hash("MD5", second, 32),
        "filename|sha1" => hash("SHA-1", second, 40),
        "filename|sha256" => hash("SHA-256", second, 64),
        "email" | "email-src" | "email-dst" | "email-reply-to" => {
            if v.contains('@') && !v.contains(char::is_whitespace) {
                Ok(vec![value_observable("email-addr", &v.to_ascii_lowercase())])
            } else {
                Err(Some("not an e-mail address"))
            }
        }
        _ => Err(None),
    }
}

fn convert_event(event: &Value, out: &mut Vec<Value>, report: &mut MispReport) {
    report.n_events += 1;
    let event_uuid = uuid_or_derived(event.get("uuid"), &event.get("info").map(Value::to_string).unwrap_or_default());
    let event_time = stix_time(event.get("timestamp")).or_else(|| {
        event.get("date").and_then(Value::as_str).and_then(|d| d.parse::<jiff::civil::Date>().ok()).map(|d| format!("{d}T00:00:00.000Z"))
    });
    let event_tlp = tag_tlp(event.get("Tag"));
    let identity = event.get("Orgc").and_then(|o| o.get("name")).and_then(Value::as_str).map(|name| {
        let id = format!("identity--{}", uuid_or_derived(event.get("Orgc").and_then(|o| o.get("uuid")), name));
        (id, name.to_owned())
    });
    let mut refs = Vec::new();
    let mut attributes: Vec<(&Value, Option<&str>)> = event.get("Attribute").and_then(Value::as_array).into_iter().flatten().map(|a| (a, None)).collect();
    for object in event.get("Object").and_then(Value::as_array).into_iter().flatten() {
        let object_name = object.get("name").and_then(Value::as_str);
        attributes.extend(object.get("Attribute").and_then(Value::as_array).into_iter().flatten().map(|a| (a, object_name)));
    }
    let mut earliest: Option<String> = None;
    for (attribute, object_name) in attributes {
        report.n_attributes += 1;
        let ty = attribute.get("type").and_then(Value::as_str).unwrap_or_default();
        let value = attribute.get("value").and_then(Value::as_str).unwrap_or_default();
        let uuid = uuid_or_derived(attribute.get("uuid"), &format!("{event_uuid}|{ty}|{value}"));
        let observables = match observables(ty, value) {
            Ok(o) => o,
            Err(None) => {
                *report.not_converted.entry(if ty.is_empty() { "(no type)".to_owned() } else { ty.to_owned() }).or_default() += 1;
                continue;
            }
            Err(Some(reason)) => {
                report.problem(format!("attribute {uuid} ({ty} {:?}): {reason}", value.chars().take(100).collect::<String>()));
                continue;
            }
        };
        let Some(time) = stix_time(attribute.get("timestamp")).or_else(|| event_time.clone()) else {
            report.problem(format!("attribute {uuid}: no timestamp on the attribute or its event"));
            continue;
        };
        if earliest.as_ref().is_none_or(|e| &time < e) {
            earliest = Some(time.clone());
        }
        let tlp = tag_tlp(attribute.get("Tag")).or(event_tlp);
        let category = attribute.get("category").and_then(Value::as_str).unwrap_or_default();
        let mut common = Map::new();
        common.insert("spec_version".into(), json!("2.1"));
        common.insert("created".into(), json!(time));
        common.insert("modified".into(), json!(time));
        if let Some((id, _)) = &identity {
            common.insert("created_by_ref".into(), json!(id));
        }
        if let Some(t) = tlp {
            common.insert("object_marking_refs".into(), json!([t.marking_definition_id()]));
        }
        let mut labels = vec![format!("misp:type=\"{ty}\"")];
        if !category.is_empty() {
            labels.push(format!("misp:category=\"{category}\""));
        }
        if let Some(n) = object_name {
            labels.push(format!("misp:object=\"{n}\""));
        }
        common.insert("labels".into(), json!(labels));
        let to_ids = attribute.get("to_ids").and_then(Value::as_bool).unwrap_or(false);
        let mut object = common;
        if to_ids {
            let pattern = observables.iter().map(|o| format!("[{}]", o.comparison)).collect::<Vec<_>>().join(" OR ");
            let id = format!("indicator--{uuid}");
            object.insert("type".into(), json!("indicator"));
            object.insert("id".into(), json!(id));
            object.insert("name".into(), json!(format!("{ty}: {}", value.chars().take(200).collect::<String>())));
            object.insert("pattern".into(), json!(pattern));
            object.insert("pattern_type".into(), json!("stix"));
            object.insert("valid_from".into(), json!(time));
            if let Some(c) = attribute.get("comment").and_then(Value::as_str).filter(|c| !c.trim().is_empty()) {
                object.insert("description".into(), json!(c));
            }
            refs.push(id);
            report.n_indicators += 1;
            out.push(Value::Object(object));
        } else {
            let id = format!("observed-data--{uuid}");
            let sco_ids: Vec<Value> = observables.iter().map(|o| o.sco["id"].clone()).collect();
            object.insert("type".into(), json!("observed-data"));
            object.insert("id".into(), json!(id));
            object.insert("first_observed".into(), json!(time));
            object.insert("last_observed".into(), json!(time));
            object.insert("number_observed".into(), json!(1));
            object.insert("object_refs".into(), Value::Array(sco_ids.clone()));
            refs.push(id);
            refs.extend(sco_ids.iter().filter_map(|v| v.as_str().map(str::to_owned)));
            report.n_observed += 1;
            out.push(Value::Object(object));
            out.extend(observables.into_iter().map(|o| o.sco));
        }
    }
    if refs.is_empty() {
        return;
    }
    let time = event_time.or(earliest).unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
    if let Some((id, name)) = &identity {
        out.push(json!({"type": "identity", "spec_version": "2.1", "id": id, "created": time, "modified": time, "name": name, "identity_class": "organization"}));
    }
    let mut grouping = json!({
        "type": "grouping", "spec_version": "2.1", "id": format!("grouping--{event_uuid}"), "created": time, "modified": time,
        "name": event.get("info").and_then(Value::as_str).unwrap_or("MISP event"), "context": "suspicious-activity", "object_refs": refs,
    });
    if let Some((id, _)) = &identity {
        grouping["created_by_ref"] = json!(id);
    }
    if let Some(t) = event_tlp {
        grouping["object_marking_refs"] = json!([t.marking_definition_id()]);
    }
    out.push(grouping);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_become_indicators_or_observed_data_with_tlp() {
        let doc = json!({"Event": {"uuid": "5a0a9aa9-23a4-4607-b6df-41a9950d210f", "info": "Ransomware wave", "timestamp": "1510000000", "date": "2017-11-06",
            "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"}, "Tag": [{"name": "tlp:white"}],
            "Attribute": [
                {"uuid": "11111111-2222-4333-8444-555555555555", "type": "domain", "category": "Network activity", "value": "Evil.Example", "to_ids": true, "timestamp": "1510000100"},
                {"uuid": "11111111-2222-4333-8444-555555555556", "type": "ip-dst", "value": "203.0.113.9", "to_ids": false, "timestamp": "1510000200", "Tag": [{"name": "tlp:amber"}]},
                {"uuid": "11111111-2222-4333-8444-555555555557", "type": "filename|sha256", "value": "x.exe|AB3f5f7c2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071", "to_ids": true},
                {"uuid": "11111111-2222-4333-8444-555555555558", "type": "text", "value": "hello"},
                {"uuid": "11111111-2222-4333-8444-555555555559", "type": "md5", "value": "nothex", "to_ids": true}
            ],
            "Object": [{"name": "domain-ip", "Attribute": [{"uuid": "11111111-2222-4333-8444-55555555555a", "type": "domain|ip", "value": "c2.example|198.51.100.7", "to_ids": true}]}]
        }});
        let (objects, report) = misp_to_stix(&doc).unwrap();
        assert_eq!((report.n_events, report.n_attributes, report.n_indicators, report.n_observed), (1, 6, 3, 1));
        assert_eq!(report.not_converted["text"], 1);
        assert_eq!(report.n_problems, 1);
        assert!(report.problems[0].contains("nothex"), "{:?}", report.problems);
        let by_id = |id: &str| objects.iter().find(|o| o["id"] == id).unwrap().clone();
        let d = by_id("indicator--11111111-2222-4333-8444-555555555555");
        assert_eq!(d["pattern"], "[domain-name:value = 'evil.example']");
        assert_eq!(d["object_marking_refs"][0], Tlp::Clear.marking_definition_id());
        assert_eq!(d["created"], "2017-11-06T20:28:20.000Z");
        let ip = by_id("observed-data--11111111-2222-4333-8444-555555555556");
        assert_eq!(ip["object_marking_refs"][0], Tlp::Amber.marking_definition_id(), "the attribute's own tag wins");
        let sco_id = ip["object_refs"][0].as_str().unwrap();
        assert_eq!(by_id(sco_id)["value"], "203.0.113.9");
        let h = by_id("indicator--11111111-2222-4333-8444-555555555557");
        assert_eq!(h["pattern"], "[file:hashes.'SHA-256' = 'ab3f5f7c2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071']");
        assert_eq!(by_id("indicator--11111111-2222-4333-8444-55555555555a")["pattern"], "[domain-name:value = 'c2.example'] OR [ipv4-addr:value = '198.51.100.7']");
        let g = by_id("grouping--5a0a9aa9-23a4-4607-b6df-41a9950d210f");
        assert_eq!(g["object_refs"].as_array().unwrap().len(), 5);
        assert_eq!(by_id(g["created_by_ref"].as_str().unwrap())["name"], "CIRCL");
    }

    #[test]
    fn streaming_gives_the_same_objects_event_by_event() {
        let event = |n: u32| json!({"Event": {"uuid": format!("5e1c0000-0000-4000-8000-{n:012}"), "info": format!("event {n}"), "timestamp": "1700000000",
            "Attribute": [{"uuid": format!("6e1c0000-0000-4000-8000-{n:012}"), "type": "domain", "value": format!("bad{n}.example"), "to_ids": true, "timestamp": "1700000000"}]}});
        let list = json!([event(1), event(2), event(3)]);
        let (whole, whole_report) = misp_to_stix(&list).unwrap();
        for text in [list.to_string(), format!("{}\n{}\n{}\n", event(1), event(2), event(3)), json!({"response": [event(1), event(2), event(3)]}).to_string()] {
            let mut got = Vec::new();
            let mut calls = 0;
            let report = stream_misp(&mut text.as_bytes(), "events.json", &mut |objects| {
                calls += 1;
                got.extend(objects);
                true
            })
            .unwrap();
            assert_eq!(got, whole);
            assert_eq!(report, whole_report);
            assert_eq!(calls, 3, "one call per event");
        }
        let broken = format!("[{}, {{\"Event\": ", event(1));
        let mut got = 0;
        let e = stream_misp(&mut broken.as_bytes(), "broken.json", &mut |o| { got += o.len(); true }).unwrap_err();
        assert!(got > 0, "the first event was handed over");
        assert!(e.0.starts_with("record 2") && e.0.contains("not valid JSON"), "{e}");
        assert!(stream_misp(&mut "{\"nothing\": 1}".as_bytes(), "x.json", &mut |_| true).is_err());
    }

    #[test]
    fn whole_document_errors() {
        assert!(misp_to_stix(&json!("x")).is_err());
        assert!(misp_to_stix(&json!({"response": 3})).is_err());
        assert!(misp_to_stix(&json!({"nothing": []})).is_err());
    }
}
