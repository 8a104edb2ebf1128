//! Promoting an incident to a wider audience: the anonymised form (`ward_core::anonymise`) as
//! STIX 2.1 with standard properties only (no custom properties, so stix2-validator's strict
//! mode accepts it) — an `identity` for the generalised victim (sector healthcare) `located-at`
//! a `location` (its country), and an `incident` (attack types as labels, month and figures in
//! the description, and the STIX Incident Core Extension with what ward knows: determination,
//! criticality, incident types, impacted entity counts) `related-to` that identity — marked TLP:GREEN (community) or TLP:CLEAR
//! (public), stored in a TAXII collection the promoter's organisation may write. The original
//! incident is not changed and stays at its own TLP.
//!
//! Who may promote: whoever may change the incident (`policy::decide` with `Action::Update`),
//! into a collection their organisation may write. The STIX ids derive from the incident id,
//! so promoting again publishes a new version of the same objects, never a second incident;
//! no object carries `created_by_ref` (it would name the victim).

use jiff::Timestamp;
use serde_json::{json, Value};
use ward_core::anonymise::{anonymise, AnonymisedIncident, Audience};
use ward_core::policy::{Action, Decision, Resource};
use ward_core::{IncidentId, Principal};
use ward_store::{Collection, IncidentRecord, Store, StoreError};

use crate::error::ApiError;
use crate::export::STIX_ID_NAMESPACE;

/// What a promotion stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Promoted {
    pub collection: String,
    pub objects: Vec<String>,
    pub tlp: String,
}

fn stix_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A deterministic id in UUIDv4 form (STIX 2.1 recommends v4 for SDOs; stix2-validator's
/// strict mode requires it): the version-4 layout over the first 16 bytes of a SHA-256 of the
/// incident id, ward's namespace and `what`.
fn derived_id(ty: &str, incident: IncidentId, what: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{STIX_ID_NAMESPACE}:promoted:{what}:{incident}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!("{ty}--{}", uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The STIX objects of a promotion. `created` is the day the incident was recorded (the same
/// for every version), `modified` is `now`.
pub fn promotion_objects(r: &IncidentRecord, a: &AnonymisedIncident, now: Timestamp) -> Vec<Value> {
    let created = r.created_at.strftime("%Y-%m-%dT00:00:00.000Z").to_string();
    let modified = stix_time(now.max(r.created_at));
    let marking = [a.tlp.marking_definition_id()];
    let identity_id = derived_id("identity", r.id, "victim");
    let location_id = derived_id("location", r.id, "country");
    let incident_id = derived_id("incident", r.id, "incident");
    let mut lines = Vec::new();
    if let Some(d) = &a.description {
        lines.push(d.clone());
    }
    let mut facts = vec![format!("Organisation: {} (sector: healthcare)", a.victim)];
    if let Some(m) = &a.month {
        facts.push(format!("Month: {m}"));
    }
    facts.extend(a.figures.iter().map(|f| format!("{}: {}", capitalised(f.label), f.shown)));
    lines.push(facts.join(". ") + ".");
    let mut incident = json!({
        "type": "incident", "spec_version": "2.1", "id": incident_id, "created": created, "modified": modified,
        "name": a.title, "description": lines.join("\n\n"), "object_marking_refs": marking,
    });
    if !a.attack_types.is_empty() {
        incident["labels"] = json!(a.attack_types);
    }
    incident["extensions"] = json!({ ward_stix::INCIDENT_CORE_EXTENSION_ID: incident_core(a).to_value() });
    let relationship = |what: &str, ty: &str, source: &str, target: &str, description: &str| {
        json!({
            "type": "relationship", "spec_version": "2.1", "id": derived_id("relationship", r.id, what), "created": created, "modified": modified,
            "relationship_type": ty, "source_ref": source, "target_ref": target, "description": description, "object_marking_refs": marking,
        })
    };
    vec![
        json!({
            "type": "identity", "spec_version": "2.1", "id": identity_id, "created": created, "modified": modified,
            "name": a.victim, "identity_class": "organization", "sectors": ["healthcare"], "object_marking_refs": marking,
        }),
        json!({
            "type": "location", "spec_version": "2.1", "id": location_id, "created": created, "modified": modified,
            "country": a.country, "object_marking_refs": marking,
        }),
        incident,
        relationship("victim-of", "related-to", &incident_id, &identity_id, "the organisation affected by the incident (generalised)"),
        relationship("located-at", "located-at", &identity_id, &location_id, "the country of the organisation affected"),
    ]
}

/// The STIX Incident Core Extension of a promoted incident, from what ward knows
/// (`ward_core::anonymise::IncidentCoreFacts` documents the mapping).
pub fn incident_core(a: &AnonymisedIncident) -> ward_stix::IncidentCore {
    use ward_stix::incident_core::{Determination, IncidentCore};
    let determination = if a.core.determination == "confirmed" { Determination::Confirmed } else { Determination::Suspected };
    let mut core = IncidentCore::new(determination, "open");
    core.criticality = a.core.criticality;
    core.incident_types = a.core.incident_types.iter().map(|t| (*t).to_owned()).collect();
    core.detection_methods = a.core.detection_methods.iter().map(|t| (*t).to_owned()).collect();
    if let Some(n) = a.core.individuals_affected {
        core.impacted_entity_counts.insert("individual".into(), n);
    }
    core.impacted_entity_counts.insert("organization".into(), 1);
    core
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The incident, if `principal` may promote it (may change it); else NotFound / Forbidden.
pub async fn promotable(store: &Store, principal: &Principal, id: IncidentId) -> Result<IncidentRecord, ApiError> {
    let scope = store.read_scope(principal).await?;
    let r = store.get_incident(id, &scope).await?;
    match ward_core::policy::decide_in_scope(&scope, principal, Action::Update, Resource::Incident { org_id: r.org_id, tlp: r.draft.tlp, created_by: r.created_by }) {
        Decision::Allow => Ok(r),
        Decision::Deny { hide: true, .. } => Err(ApiError::NotFound),
        Decision::Deny { .. } => Err(ApiError::Forbidden("only analysts and administrators of the owning organisation may share this incident")),
    }
}

/// The collections `principal`'s organisation may write.
pub async fn writable_collections(store: &Store, principal: &Principal) -> Result<Vec<Collection>, StoreError> {
    let scope = store.read_scope(principal).await?;
    Ok(store.list_collections(&scope, None).await?.into_iter().filter(|(_, access)| access.can_write).map(|(c, _)| c).collect())
}

/// The preview: what would be shared.
pub fn preview(r: &IncidentRecord, audience: Audience, now: Timestamp) -> (AnonymisedIncident, Vec<Value>) {
    let a = anonymise(&r.draft, audience, &[]);
    let objects = promotion_objects(r, &a, now);
    (a, objects)
}

/// Promotes `r` (already checked with [`promotable`]) into collection `collection_id`, which the
/// promoter's organisation must be able to write; every object is validated as STIX first.
pub async fn promote(store: &Store, principal: &Principal, r: &IncidentRecord, audience: Audience, collection_id: &str, now: Timestamp) -> Result<Promoted, ApiError> {
    let Principal::User { user_id, org_id, .. } = *principal else { return Err(ApiError::Unauthorized) };
    let collection = writable_collections(store, principal)
        .await?
        .into_iter()
        .find(|c| c.id == collection_id)
        .ok_or_else(|| ApiError::field("collection", "not a collection your organisation may write"))?;
    let (_, objects) = preview(r, audience, now);
    let mut new = Vec::new();
    for o in &objects {
        let parsed = ward_stix::StixObject::parse(&o.to_string()).map_err(|e| ApiError::Internal(format!("promotion produced invalid STIX: {e}")))?;
        new.push(crate::taxii::new_stix_object(&parsed));
    }
    store.add_stix_objects(&collection.id, org_id, Some(user_id), &new, now).await?;
    tracing::info!(incident.id = %r.id, collection.id = %collection.id, audience = audience.as_str(), "incident promoted (anonymised)");
    Ok(Promoted { collection: collection.id, objects: objects.iter().filter_map(|o| o["id"].as_str().map(str::to_owned)).collect(), tlp: audience.tlp().as_str().to_owned() })
}
