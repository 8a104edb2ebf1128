//! STIX 2.1 `incident` objects → ward drafts.
//!
//! The STIX 2.1 incident object is a stub (a name and a description); the victim, actors and
//! malware are other objects linked by relationships, and the OASIS Incident Core Extension
//! adds the determination, incident types and activity times. A bundle is read whole (it is
//! a graph), bounded by [`crate::limits::MAX_STIX_BUNDLE_BYTES`]. What is read:
//!
//! - victim: an `identity` the incident `targets` (or `impacts`), or that an Incident Core
//!   `impact` object names in `impacted_refs`; its country from a `location` the identity is
//!   `located-at` (or that the incident `targets`). No identity: rejected; no country: `ZZ`
//!   (ward's unknown country), with a note.
//! - organisation type: the identity's `x_ward_org_type` when ward wrote it, else its sectors
//!   (`healthcare` → other, `pharmaceuticals` → pharmaceutical), else other;
//! - actors: `attributed-to` threat actors, intrusion sets and campaigns (external);
//! - attack types: the extension's `incident_types` and the incident's labels, and `uses`
//!   malware whose `malware_types` include ransomware;
//! - TLP: TLP 2.0 (or 1.0) marking references, the most restrictive; none → AMBER;
//! - sources: `external_references` with a URL; timeline: the earliest attacker activity
//!   (`incident_on`) and the first `detected` defender activity (`discovered_on`).
//!
//! Non-incident objects are not records and are not counted. A `false-positive`
//! determination, a revoked incident, or an older version of an incident the bundle also holds
//! in a newer version is rejected with that reason.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use jiff::civil::Date;
use serde_json::Value;
use ward_core::incident::{ActorInvolvement, ActorKind, AttackType, Confidence, ExternalId, Timeline, Victim};
use ward_core::{CountryCode, IncidentDraft, OrgType, Source, Tlp};

use crate::text::{self, fixed_label};
use crate::{geo, limits, Ctx, ImportError, ImportedIncident, Options, Origin};

/// External-id scheme; the value is the STIX id (`incident--…`).
pub const SCHEME: &str = "stix";
/// The OASIS Incident Core Extension's extension-definition id.
pub const INCIDENT_CORE_EXTENSION: &str = "extension-definition--ef765651-680c-498d-9894-99799f2fa126";
/// Custom identity property ward writes so that an export re-imports with its organisation type.
pub const ORG_TYPE_PROPERTY: &str = "x_ward_org_type";

/// TLP 1.0 marking-definition ids, read as TLP 2.0 levels (WHITE as CLEAR).
const TLP1_MARKINGS: &[(&str, Tlp)] = &[
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::Clear),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::Green),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp::Amber),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::Red),
];

pub(crate) fn read_bundle(reader: &mut dyn Read, ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let limit = limits::MAX_STIX_BUNDLE_BYTES;
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ImportError::Io { path: ctx.file.clone(), source })?;
    if bytes.len() as u64 > limit {
        return Err(ImportError::TooLarge { path: ctx.file.clone(), reason: format!("a STIX bundle may be at most {limit} bytes") });
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value: Value = serde_json::from_slice(text)
        .map_err(|e| ImportError::Format { path: ctx.file.clone(), reason: format!("not valid JSON: {e}") })?;
    let objects: Vec<&Value> = match &value {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bundle") => {
            o.get("objects").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
        }
        Value::Object(o) if o.get("type").is_some() => vec![&value],
        Value::Array(items) => items.iter().collect(),
        _ => return Err(ImportError::Format { path: ctx.file.clone(), reason: "not a STIX bundle or object".to_owned() }),
    };
    let graph = Graph::new(&objects);
    for (i, obj) in objects.iter().enumerate() {
        if type_of(obj) != Some("incident") {
            continue;
        }
        let origin = ctx.origin(None, i as u64 + 1);
        let id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
        match map_incident(obj, &graph, origin.clone(), ctx.options) {
            Ok(incident) => ctx.incident(incident)?,
            Err(reason) => ctx.reject(origin, id, reason)?,
        }
    }
    Ok(())
}

fn type_of(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn str_list<'v>(v: &'v Value, key: &str) -> Vec<&'v str> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The bundle as a graph: objects by id (the latest version of each) and relationships.
struct Graph<'v> {
    by_id: HashMap<&'v str, &'v Value>,
    relationships: Vec<&'v Value>,
}

impl<'v> Graph<'v> {
    fn new(objects: &[&'v Value]) -> Self {
        let mut by_id: HashMap<&str, &Value> = HashMap::new();
        let mut relationships = Vec::new();
        for obj in objects {
            let Some(id) = str_of(obj, "id") else { continue };
            if type_of(obj) == Some("relationship") {
                relationships.push(*obj);
            }
            let newer = by_id.get(id).is_none_or(|old| modified(obj) >= modified(old));
            if newer {
                by_id.insert(id, *obj);
            }
        }
        Graph { by_id, relationships }
    }

    /// Objects that `from` points to with one of the relationship types.
    fn targets(&self, from: &str, types: &[&str]) -> Vec<&'v Value> {
        self.relationships
            .iter()
            .filter(|r| str_of(r, "source_ref") == Some(from))
            .filter(|r| str_of(r, "relationship_type").is_some_and(|t| types.contains(&t)))
            .filter_map(|r| str_of(r, "target_ref").and_then(|t| self.by_id.get(t).copied()))
            .collect()
    }
}

fn modified(v: &Value) -> &str {
    str_of(v, "modified").unwrap_or("")
}

fn date_of(timestamp: &str) -> Option<Date> {
    let ts: jiff::Timestamp = timestamp.parse().ok()?;
    Some(ts.to_zoned(jiff::tz::TimeZone::UTC).date())
}

fn map_incident(obj: &Value, graph: &Graph<'_>, origin: Origin, options: &Options) -> Result<ImportedIncident, String> {
    let id = str_of(obj, "id").filter(|id| id.starts_with("incident--")).ok_or("id is missing or not an incident id")?;
    if graph.by_id.get(id).is_some_and(|latest| !std::ptr::eq(*latest, obj)) {
        let newer = graph.by_id.get(id).map_or("", |l| modified(l));
        return Err(format!("a newer version of this incident (modified {newer}) is in the bundle"));
    }
    if obj.get("revoked").and_then(Value::as_bool) == Some(true) {
        return Err("the incident is revoked".to_owned());
    }
    let empty = Value::Null;
    let core = obj.get("extensions").and_then(|e| e.get(INCIDENT_CORE_EXTENSION)).unwrap_or(&empty);
    if str_of(core, "determination") == Some("false-positive") {
        return Err("determination is false-positive: not an incident".to_owned());
    }
    let mut notes = Vec::new();
    let title = str_of(obj, "name")
        .and_then(|n| text::title(n, "name", &mut notes))
        .ok_or("name is missing: a STIX incident must have a name")?;

    // Victim: an identity the incident targets or impacts, or one an impact object names.
    let mut identities = graph.targets(id, &["targets", "impacts"]);
    for impact_ref in str_list(core, "impact_refs") {
        if let Some(impact) = graph.by_id.get(impact_ref) {
            identities.extend(str_list(impact, "impacted_refs").into_iter().filter_map(|r| graph.by_id.get(r).copied()));
        }
    }
    identities.retain(|o| type_of(o) == Some("identity"));
    identities.sort_by_key(|o| str_of(o, "identity_class") != Some("organization"));
    let identity = *identities
        .first()
        .ok_or("victim is missing: no identity is targeted or impacted by the incident (a `targets` relationship from the incident to an identity)")?;
    let identity_id = str_of(identity, "id").unwrap_or("");
    let mut locations = graph.targets(identity_id, &["located-at"]);
    locations.extend(graph.targets(id, &["targets"]));
    locations.retain(|o| type_of(o) == Some("location"));
    let located = locations.iter().find_map(|l| str_of(l, "country").and_then(|c| c.parse::<CountryCode>().ok()).map(|c| (c, *l)));
    let (country, region) = match located {
        Some((country, location)) => (country, str_of(location, "administrative_area").and_then(|a| geo::region_for(country, a))),
        None => {
            let why = format!(
                "victim {:?} has no country (no `located-at` location with an ISO 3166-1 `country`)",
                str_of(identity, "name").unwrap_or(identity_id)
            );
            let zz = crate::UNKNOWN_COUNTRY.parse::<CountryCode>().map_err(|_| why.clone())?;
            notes.push(format!("{why}; recorded as ZZ (unknown country)"));
            (zz, None)
        }
    };
    let org_type = org_type(identity, &mut notes);
    let name = str_of(identity, "name").and_then(|n| text::label(n, "identity name", &mut notes));

    let actors = graph
        .targets(id, &["attributed-to"])
        .into_iter()
        .filter(|o| matches!(type_of(o), Some("threat-actor" | "intrusion-set" | "campaign")))
        .map(|o| ActorInvolvement {
            kind: ActorKind::External,
            name: str_of(o, "name").and_then(|n| text::label(n, "actor name", &mut notes)),
            motive: str_of(o, "primary_motivation").and_then(fixed_label),
            attribution: fixed_label("attributed-to relationship in the STIX bundle"),
        })
        .collect();

    let mut attack_types = BTreeSet::new();
    for t in str_list(core, "incident_types").into_iter().chain(str_list(obj, "labels")) {
        match attack_type(t) {
            Some(a) => {
                attack_types.insert(a);
            }
            None => notes.push(format!("incident type {t:?} has no ward attack type; left out")),
        }
    }
    let ransomware_used = graph
        .targets(id, &["uses"])
        .into_iter()
        .any(|m| type_of(m) == Some("malware") && str_list(m, "malware_types").contains(&"ransomware"));
    if ransomware_used {
        attack_types.insert(AttackType::Ransomware);
    }

    let tlp = tlp(obj, &mut notes);
    let mut sources: Vec<Source> = Vec::new();
    if let Some(refs) = obj.get("external_references").and_then(Value::as_array) {
        for r in refs {
            let Some(url) = str_of(r, "url").and_then(text::http_url) else { continue };
            if sources.iter().any(|s| s.url == url) {
                continue;
            }
            let publisher = str_of(r, "source_name").and_then(fixed_label).or_else(|| fixed_label(url.host()));
            let Some(publisher) = publisher else { continue };
            sources.push(Source {
                title: str_of(r, "description").and_then(|d| text::label(d, "external reference description", &mut notes)),
                url,
                publisher,
                published_on: None,
                retrieved_on: options.retrieved_on,
                licence: None,
            });
        }
    }
    if sources.len() > ward_core::limits::MAX_SOURCES {
        notes.push(format!("only the first {} external references are kept", ward_core::limits::MAX_SOURCES));
        sources.truncate(ward_core::limits::MAX_SOURCES);
    }

    let incident_on = core
        .get("attacker_activities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| str_of(a, "start_time").and_then(date_of))
        .min();
    let discovered_on = core
        .get("defender_activities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| str_of(a, "type") == Some("detected"))
        .filter_map(|a| str_of(a, "time").and_then(date_of))
        .min();
    let confidence = obj.get("confidence").and_then(Value::as_u64).map(|c| match c {
        0 => Confidence::None,
        1..=29 => Confidence::Low,
        30..=69 => Confidence::Medium,
        _ => Confidence::High,
    });

    let external_id = ExternalId {
        scheme: fixed_label(SCHEME).ok_or("scheme")?,
        value: text::label(id, "id", &mut notes).ok_or("id is empty")?,
    };
    let draft = IncidentDraft {
        title,
        summary: str_of(obj, "description").and_then(|d| text::long_text(d, "description", &mut notes)),
        tlp,
        victim: Victim { name, org_type, country, region, facilities_affected: None, via_third_party: None, third_party_name: None },
        timeline: Timeline { incident_on, discovered_on, ..Timeline::default() },
        attack_types: attack_types.into_iter().collect(),
        actors,
        actions: Vec::new(),
        assets: Vec::new(),
        attributes: Vec::new(),
        discovery_method: None,
        confidence,
        sources,
        harm: ward_core::Harm::default(),
        external_ids: vec![external_id.clone()],
    };
    draft.validate().map_err(|e| format!("does not validate after mapping: {e}"))?;
    Ok(ImportedIncident {
        draft,
        external_id,
        year: incident_on.map(|d| i32::from(d.year())),
        sub_source: None,
        naics: None,
        hhs_entity_type: None,
        origin,
        notes,
    })
}

fn org_type(identity: &Value, notes: &mut Vec<String>) -> OrgType {
    if let Some(t) = str_of(identity, ORG_TYPE_PROPERTY) {
        match t.parse() {
            Ok(org) => return org,
            Err(e) => notes.push(format!("{ORG_TYPE_PROPERTY}: {e}")),
        }
    }
    let sectors = str_list(identity, "sectors");
    if sectors.contains(&"pharmaceuticals") {
        OrgType::Pharmaceutical
    } else {
        if !sectors.contains(&"healthcare") {
            notes.push(format!("victim sectors {sectors:?} do not include healthcare; organisation type set to other"));
        }
        OrgType::Other
    }
}

/// Incident Core `incident_types` / labels → attack types (open vocabulary, so matched loosely).
fn attack_type(t: &str) -> Option<AttackType> {
    let t = t.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    Some(match t.as_str() {
        "ransomware" => AttackType::Ransomware,
        "phishing" | "spear-phishing" => AttackType::Phishing,
        "denial-of-service" | "ddos" | "dos" => AttackType::Ddos,
        "data-breach" | "data-exfiltration" | "data-theft" | "exfiltration" => AttackType::DataTheft,
        "extortion" => AttackType::Extortion,
        "wiper" | "destruction" => AttackType::Wiper,
        "supply-chain" | "supply-chain-compromise" => AttackType::SupplyChain,
        "business-email-compromise" | "bec" => AttackType::BusinessEmailCompromise,
        "unauthorized-access" | "account-compromise" | "compromise" | "intrusion" => AttackType::UnauthorizedAccess,
        "insider" | "insider-threat" | "insider-misuse" => AttackType::InsiderMisuse,
        "lost-device" | "stolen-device" | "lost-or-stolen-device" | "theft" => AttackType::LostOrStolenDevice,
        "error" => AttackType::Error,
        _ => return None,
    })
}

/// The most restrictive TLP among the incident's marking references; AMBER (ward's default
/// for new incidents) when there is none.
fn tlp(obj: &Value, notes: &mut Vec<String>) -> Tlp {
    let levels: Vec<Tlp> = str_list(obj, "object_marking_refs")
        .into_iter()
        .filter_map(|m| {
            Tlp::ALL
                .into_iter()
                .find(|t| t.marking_definition_id() == m)
                .or_else(|| TLP1_MARKINGS.iter().find(|(id, _)| *id == m).map(|(_, t)| *t))
        })
        .collect();
    levels.into_iter().max().unwrap_or_else(|| {
        notes.push("no TLP marking; TLP:AMBER assumed".to_owned());
        Tlp::Amber
    })
}
