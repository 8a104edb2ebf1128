//! Exports of a filtered tracer view: CSV, JSON and a STIX 2.1 bundle. Each carries the query
//! that produced it and, per incident, its sources with their publishers and licences. Only
//! what the viewer's scope allows is exported; no patient data exists in the model to leak.

use serde_json::{json, Value};
use ward_core::ReadScope;
use ward_store::{IncidentFilter, IncidentRecord, Store};

use crate::error::ApiError;

/// Most incidents one export holds; larger views say they were truncated.
pub const MAX_EXPORT_ROWS: usize = 50_000;

/// The licence of ward's own compilation; each source keeps its own terms.
pub const COMPILATION_LICENCE: &str = "ward compilation: CC BY 4.0. Each source keeps its own licence (listed per incident); records derived from VCDB are CC BY-SA 4.0 and must stay so.";

pub struct View {
    pub generated_at: jiff::Timestamp,
    /// The filters as a query string (`country=DE&attack_type=ransomware`).
    pub query: String,
    pub incidents: Vec<IncidentRecord>,
    pub truncated: bool,
}

pub async fn collect(store: &Store, scope: &ReadScope, filter: &IncidentFilter, query: String) -> Result<View, ApiError> {
    let mut incidents = Vec::new();
    let mut cursor = None;
    let mut truncated = false;
    loop {
        let page = store.list_incidents(scope, filter, cursor.as_ref(), ward_store::MAX_PAGE_SIZE).await?;
        incidents.extend(page.items);
        if incidents.len() >= MAX_EXPORT_ROWS {
            truncated = page.next.is_some() || incidents.len() > MAX_EXPORT_ROWS;
            incidents.truncate(MAX_EXPORT_ROWS);
            break;
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(View { generated_at: jiff::Timestamp::now(), query, incidents, truncated })
}

fn licences(r: &IncidentRecord) -> String {
    let mut l: Vec<&str> = r.draft.sources.iter().filter_map(|s| s.licence.as_ref().map(|x| x.as_str())).collect();
    l.sort_unstable();
    l.dedup();
    l.join("; ")
}

pub fn to_csv(v: &View) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id", "title", "date", "country", "region", "organisation_type", "organisation", "attack_types", "actors",
        "individuals_affected", "individuals_affected_is_estimate", "care_disruption_days_max", "ambulance_diverted",
        "appointments_cancelled", "procedures_cancelled", "deaths_alleged", "deaths_confirmed", "tlp", "source_urls",
        "source_publishers", "source_licences",
    ]);
    for r in &v.incidents {
        let d = &r.draft;
        let h = &d.harm;
        let opt = |x: Option<String>| x.unwrap_or_default();
        let care = h.care_disruption.iter().filter_map(|f| f.value.days).fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        let _ = w.write_record([
            r.id.to_string(),
            d.title.to_string(),
            opt(d.reference_date().map(|x| x.to_string())),
            d.victim.country.to_string(),
            opt(d.victim.region.as_ref().map(|x| x.to_string())),
            d.victim.org_type.as_str().to_owned(),
            opt(d.victim.name.as_ref().map(|x| x.to_string())),
            d.attack_types.iter().map(|a| a.as_str()).collect::<Vec<_>>().join("|"),
            d.actors.iter().filter_map(|a| a.name.as_ref().map(|n| match &a.attribution { Some(at) => format!("{n} ({at})"), None => n.to_string() })).collect::<Vec<_>>().join("|"),
            opt(h.individuals_affected.as_ref().map(|f| f.value.to_string())),
            opt(h.individuals_affected.as_ref().map(|f| f.estimate.to_string())),
            opt(care.map(|x| x.to_string())),
            opt(h.ambulance_diversion.as_ref().map(|f| f.value.diverted.to_string())),
            opt(h.appointments_cancelled.as_ref().map(|f| f.value.to_string())),
            opt(h.procedures_cancelled.as_ref().map(|f| f.value.to_string())),
            opt(h.deaths.as_ref().and_then(|f| f.value.alleged).map(|x| x.to_string())),
            opt(h.deaths.as_ref().and_then(|f| f.value.confirmed).map(|x| x.to_string())),
            d.tlp.label().to_owned(),
            d.sources.iter().map(|s| s.url.to_string()).collect::<Vec<_>>().join(" | "),
            d.sources.iter().map(|s| s.publisher.to_string()).collect::<Vec<_>>().join(" | "),
            licences(r),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

pub fn to_json(v: &View) -> Vec<u8> {
    let doc = json!({
        "generated_at": v.generated_at.to_string(),
        "query": v.query,
        "licence": COMPILATION_LICENCE,
        "truncated": v.truncated,
        "count": v.incidents.len(),
        "incidents": v.incidents.iter().map(|r| json!({
            "id": r.id.to_string(),
            "version": r.version,
            "updated_at": r.updated_at.to_string(),
            "source_licences": licences(r),
            "incident": r.draft.to_value(),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}

fn stix_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The identity that creates ward's STIX objects.
pub const WARD_IDENTITY_ID: &str = "identity--2b6b4c66-9a43-5b86-9d3e-1f1a6f4d8f0e";

pub fn to_stix(v: &View) -> Vec<u8> {
    let now = stix_time(v.generated_at);
    let mut objects = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": WARD_IDENTITY_ID,
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "ward", "identity_class": "system",
        "description": "ward: a sourced record of cyberattacks on healthcare. ".to_owned() + COMPILATION_LICENCE,
    })];
    for r in &v.incidents {
        let d = &r.draft;
        let mut o = json!({
            "type": "incident", "spec_version": "2.1",
            "id": format!("incident--{}", r.id),
            "created": stix_time(r.created_at), "modified": stix_time(r.updated_at),
            "created_by_ref": WARD_IDENTITY_ID,
            "name": d.title.to_string(),
            "object_marking_refs": [d.tlp.marking_definition_id()],
            "x_ward_country": d.victim.country.to_string(),
            "x_ward_organisation_type": d.victim.org_type.as_str(),
            "x_ward_attack_types": d.attack_types.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            "x_ward_harm": serde_json::to_value(&d.harm).unwrap_or(Value::Null),
        });
        if let Some(s) = &d.summary {
            o["description"] = json!(s.to_string());
        }
        if let Some(date) = d.reference_date() {
            o["x_ward_reference_date"] = json!(date.to_string());
        }
        let refs: Vec<Value> = d.sources.iter().map(|s| {
            let mut e = json!({"source_name": s.publisher.to_string(), "url": s.url.to_string()});
            if let Some(l) = &s.licence { e["description"] = json!(format!("licence: {l}")); }
            e
        }).collect();
        if !refs.is_empty() {
            o["external_references"] = Value::Array(refs);
        }
        objects.push(o);
    }
    // Bundles carry no custom properties; the query is recorded on a note.
    objects.push(json!({
        "type": "note", "spec_version": "2.1", "id": format!("note--{}", uuid::Uuid::new_v4()),
        "created": now, "modified": now, "created_by_ref": WARD_IDENTITY_ID,
        "abstract": "How this export was made",
        "content": format!("Exported from ward at {now} with the filters `{}`{}. {COMPILATION_LICENCE}", v.query, if v.truncated { " (truncated)" } else { "" }),
        "object_refs": [WARD_IDENTITY_ID],
    }));
    let bundle = json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects});
    serde_json::to_vec_pretty(&bundle).unwrap_or_default()
}

/// Namespace of the UUIDv5 STIX ids derived from ward's own (v7) ids in dossier bundles.
pub const STIX_ID_NAMESPACE: uuid::Uuid = uuid::uuid!("2b6b4c66-9a43-5b86-9d3e-1f1a6f4d8f0e");

/// The STIX type of an actor entry (hand-made groups are intrusion sets).
fn actor_stix_type(kind: ward_core::ActorKind) -> &'static str {
    match kind {
        ward_core::ActorKind::IntrusionSet | ward_core::ActorKind::Group => "intrusion-set",
        ward_core::ActorKind::Campaign => "campaign",
        ward_core::ActorKind::Malware => "malware",
        ward_core::ActorKind::Tool => "tool",
    }
}

/// An actor dossier as a STIX 2.1 bundle: the actor (its ATT&CK STIX id when it has one), the
/// attributed incidents the reader may see (as in the tracer export), one `related-to`
/// relationship per attribution carrying its confidence wording and source, and a `report`
/// that gathers them.
pub fn dossier_to_stix(actor: &ward_store::ActorRecord, attributions: &[ward_store::Attribution], incidents: Vec<IncidentRecord>, generated_at: jiff::Timestamp) -> Vec<u8> {
    let now = stix_time(generated_at);
    let view = View { generated_at, query: format!("actor={}", actor.id), incidents, truncated: false };
    let mut bundle: Value = serde_json::from_slice(&to_stix(&view)).unwrap_or_else(|_| json!({"objects": []}));
    // STIX ids must be UUIDv4 or v5; ward's ids are v7, so each gets a stable v5 derived from it.
    let derived = |kind: &str, id: &str| format!("{kind}--{}", uuid::Uuid::new_v5(&STIX_ID_NAMESPACE, format!("{kind}--{id}").as_bytes()));
    for o in bundle["objects"].as_array_mut().into_iter().flatten() {
        if let Some(rest) = o["id"].as_str().and_then(|i| i.strip_prefix("incident--")).map(str::to_owned) {
            o["id"] = json!(derived("incident", &rest));
        }
    }
    let d = &actor.doc;
    let stix_type = actor_stix_type(d.kind);
    let actor_ref = match &d.stix_id {
        Some(s) if s.starts_with(&format!("{stix_type}--")) => s.clone(),
        _ => derived(stix_type, &actor.id.to_string()),
    };
    let mut a = json!({
        "type": stix_type, "spec_version": "2.1", "id": actor_ref,
        "created": stix_time(actor.created_at), "modified": stix_time(actor.updated_at),
        "created_by_ref": WARD_IDENTITY_ID, "name": d.name,
    });
    if !d.description.is_empty() {
        a["description"] = json!(d.description);
    }
    if !d.aliases.is_empty() && matches!(stix_type, "intrusion-set" | "campaign" | "malware" | "tool") {
        a["aliases"] = json!(d.aliases);
    }
    if stix_type == "malware" {
        a["is_family"] = json!(true);
    }
    if let Some(id) = &d.attack_id {
        a["external_references"] = json!([{"source_name": "mitre-attack", "external_id": id}]);
    }
    let mut refs = vec![json!(actor_ref)];
    let objects = bundle["objects"].as_array_mut().map(std::mem::take).unwrap_or_default();
    let mut out = objects;
    out.push(a);
    for x in attributions {
        let incident_ref = derived("incident", &x.incident_id.to_string());
        if !out.iter().any(|o| o["id"] == json!(incident_ref)) {
            continue;
        }
        let rel = json!({
            "type": "relationship", "spec_version": "2.1", "id": derived("relationship", &x.id.to_string()),
            "created": stix_time(x.recorded_at), "modified": stix_time(x.recorded_at), "created_by_ref": WARD_IDENTITY_ID,
            "relationship_type": "related-to", "source_ref": incident_ref, "target_ref": actor_ref,
            "description": format!("Attribution — {} (stated {}; source {})", x.confidence.wording(), x.stated_on, x.source_url),
            "external_references": [{"source_name": "attribution source", "url": x.source_url}],
        });
        refs.push(json!(derived("relationship", &x.id.to_string())));
        refs.push(json!(incident_ref));
        out.push(rel);
    }
    refs.sort_by_key(|v| v.to_string());
    refs.dedup();
    out.push(json!({
        "type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid::Uuid::new_v4()),
        "created": now, "modified": now, "created_by_ref": WARD_IDENTITY_ID,
        "name": format!("ward actor dossier: {}", d.name), "published": now,
        "report_types": ["threat-actor"],
        "description": "Incidents attributed to this actor in ward, each attribution with its confidence level and source. Attributions are claims, not established fact.",
        "object_refs": refs,
    }));
    bundle["objects"] = Value::Array(out);
    serde_json::to_vec_pretty(&bundle).unwrap_or_default()
}
