//! Match records (the JSON-lines wire form), the human summary, and STIX 2.1 sightings.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::indicator::IndicatorKind;

fn ser_arc_str<S: Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

/// One sighting of an indicator in a log line. Serialises to the JSON-lines output:
/// `file`, `line` (1-based), `kind`, `indicator` (normalised), `matched` (as written in
/// the log), and `field`, `indicator_id`, `source` when known.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Match {
    #[serde(serialize_with = "ser_arc_str")]
    pub file: Arc<str>,
    pub line: u64,
    pub kind: IndicatorKind,
    pub indicator: String,
    pub matched: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Aggregates matches for the human summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub n_matches: u64,
    per_indicator: HashMap<(IndicatorKind, String), u64>,
    per_kind: BTreeMap<IndicatorKind, u64>,
    per_file: BTreeMap<String, u64>,
}

impl Summary {
    pub fn add(&mut self, m: &Match) {
        self.n_matches += 1;
        *self.per_indicator.entry((m.kind, m.indicator.clone())).or_default() += 1;
        *self.per_kind.entry(m.kind).or_default() += 1;
        *self.per_file.entry(m.file.to_string()).or_default() += 1;
    }

    /// Indicators by number of matches, most first (ties by name).
    pub fn top_indicators(&self, n: usize) -> Vec<(IndicatorKind, String, u64)> {
        let mut v: Vec<_> = self.per_indicator.iter().map(|((k, i), c)| (*k, i.clone(), *c)).collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        v.truncate(n);
        v
    }

    pub fn per_kind(&self) -> &BTreeMap<IndicatorKind, u64> {
        &self.per_kind
    }

    pub fn per_file(&self) -> &BTreeMap<String, u64> {
        &self.per_file
    }

    pub fn n_indicators(&self) -> usize {
        self.per_indicator.len()
    }

    /// A plain-text report for a terminal.
    pub fn render(&self, top: usize) -> String {
        let mut out = String::new();
        if self.n_matches == 0 {
            out.push_str("No matches.\n");
            return out;
        }
        let _ = writeln!(
            out,
            "{} match{} of {} indicator{} in {} file{}",
            self.n_matches,
            if self.n_matches == 1 { "" } else { "es" },
            self.per_indicator.len(),
            if self.per_indicator.len() == 1 { "" } else { "s" },
            self.per_file.len(),
            if self.per_file.len() == 1 { "" } else { "s" },
        );
        let _ = writeln!(out, "\nBy indicator:");
        for (kind, ind, n) in self.top_indicators(top) {
            let _ = writeln!(out, "  {n:>10}  {:<7} {ind}", kind.as_str());
        }
        if self.per_indicator.len() > top {
            let _ = writeln!(out, "  … and {} more", self.per_indicator.len() - top);
        }
        let _ = writeln!(out, "\nBy kind:");
        for (kind, n) in &self.per_kind {
            let _ = writeln!(out, "  {n:>10}  {kind}");
        }
        let _ = writeln!(out, "\nBy file:");
        for (file, n) in self.per_file.iter().take(top) {
            let _ = writeln!(out, "  {n:>10}  {file}");
        }
        if self.per_file.len() > top {
            let _ = writeln!(out, "  … and {} more", self.per_file.len() - top);
        }
        out
    }
}

#[derive(Debug, Default)]
struct SightingAgg {
    kind: Option<IndicatorKind>,
    value: String,
    count: u64,
}

/// Aggregates matches into STIX 2.1 sightings (one per indicator).
#[derive(Debug, Default)]
pub struct StixSightings {
    by_indicator: BTreeMap<(String, String), SightingAgg>,
}

const WARD_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6f1d_5a0e_2b7c_4d39_9a51_3c7e_8d20_f4b6);

fn stix_pattern(kind: IndicatorKind, value: &str) -> String {
    let v = value.replace('\\', "\\\\").replace('\'', "\\'");
    match kind {
        IndicatorKind::Domain => format!("[domain-name:value = '{v}']"),
        IndicatorKind::Url => format!("[url:value = '{v}']"),
        IndicatorKind::Ipv4 => format!("[ipv4-addr:value = '{v}']"),
        IndicatorKind::Ipv6 => format!("[ipv6-addr:value = '{v}']"),
        IndicatorKind::Md5 => format!("[file:hashes.MD5 = '{v}']"),
        IndicatorKind::Sha1 => format!("[file:hashes.'SHA-1' = '{v}']"),
        IndicatorKind::Sha256 => format!("[file:hashes.'SHA-256' = '{v}']"),
        IndicatorKind::Email => format!("[email-addr:value = '{v}']"),
    }
}

impl StixSightings {
    pub fn add(&mut self, m: &Match) {
        let key = (m.indicator_id.clone().unwrap_or_default(), format!("{}:{}", m.kind, m.indicator));
        let agg = self.by_indicator.entry(key).or_default();
        agg.kind = Some(m.kind);
        agg.value.clone_from(&m.indicator);
        agg.count += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.by_indicator.is_empty()
    }

    /// A STIX 2.1 bundle: one `sighting` per indicator with its count. Indicators whose
    /// id is a STIX `indicator--…` id are referenced as they are; for others (plain lists,
    /// MISP attributes) an `indicator` object with a deterministic id is included.
    /// `now` is passed in so that output is reproducible.
    pub fn to_bundle(&self, now: std::time::SystemTime) -> serde_json::Value {
        let now = jiff::Timestamp::try_from(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let now = now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let now = now.as_str();
        let mut objects = Vec::new();
        for ((id, key), agg) in &self.by_indicator {
            let kind = agg.kind.unwrap_or(IndicatorKind::Domain);
            let indicator_ref = if id.starts_with("indicator--") {
                id.clone()
            } else {
                let uuid = match uuid::Uuid::parse_str(id) {
                    Ok(u) => u,
                    Err(_) => uuid::Uuid::new_v5(&WARD_NAMESPACE, key.as_bytes()),
                };
                let ind_id = format!("indicator--{uuid}");
                objects.push(serde_json::json!({
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": ind_id,
                    "created": now,
                    "modified": now,
                    "name": agg.value,
                    "pattern": stix_pattern(kind, &agg.value),
                    "pattern_type": "stix",
                    "valid_from": now,
                }));
                ind_id
            };
            let sighting_id = uuid::Uuid::new_v5(&WARD_NAMESPACE, format!("sighting:{indicator_ref}:{now}").as_bytes());
            objects.push(serde_json::json!({
                "type": "sighting",
                "spec_version": "2.1",
                "id": format!("sighting--{sighting_id}"),
                "created": now,
                "modified": now,
                "first_seen": now,
                "last_seen": now,
                "count": agg.count.min(999_999_999),
                "sighting_of_ref": indicator_ref,
                "description": format!("ward match: {} match{} of {} {}", agg.count, if agg.count == 1 { "" } else { "es" }, kind, agg.value),
            }));
        }
        let bundle_id = uuid::Uuid::new_v5(&WARD_NAMESPACE, format!("bundle:{now}:{}", objects.len()).as_bytes());
        serde_json::json!({
            "type": "bundle",
            "id": format!("bundle--{bundle_id}"),
            "objects": objects,
        })
    }
}
