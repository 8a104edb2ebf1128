//! MITRE ATT&CK bundles (Enterprise as STIX 2.0, ICS and newer releases as STIX 2.1, plain or
//! gzipped) into actor-register documents: intrusion sets, campaigns, malware and tools with their
//! ATT&CK ids, aliases, revoked/deprecated status, techniques (`uses` relationships to attack
//! patterns), references, MITRE's terms of use, and the description sentences that document
//! healthcare targeting.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use serde_json::Value;
use ward_core::actor::{ActorReference, HealthcareEvidence, TechniqueRef};
use ward_core::{ActorDocument, ActorKind};

use crate::error::ImportError;

/// Largest bundle read, decompressed (Enterprise v18.1 is about 50 MB).
pub const MAX_ATTACK_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

/// A bundle read.
#[derive(Debug, Clone)]
pub struct AttackBundle {
    /// `enterprise-attack`, `ics-attack`, `mobile-attack`.
    pub domain: String,
    /// `2.0` or `2.1`.
    pub spec_version: String,
    pub actors: Vec<ActorDocument>,
    /// The copyright statement of MITRE's marking definition.
    pub terms_of_use: String,
}

impl AttackBundle {
    /// How many of each kind, and how many of those are neither revoked nor deprecated.
    pub fn counts(&self) -> BTreeMap<&'static str, (usize, usize)> {
        let mut out = BTreeMap::new();
        for a in &self.actors {
            let e = out.entry(a.kind.as_str()).or_insert((0, 0));
            e.0 += 1;
            if !a.revoked && !a.deprecated {
                e.1 += 1;
            }
        }
        out
    }
}

/// The terms the sentence scan looks for, with the class each belongs to. Matched on word
/// boundaries, case-insensitively.
pub const HEALTHCARE_TERMS: &[(&str, &str)] = &[
    ("healthcare", "healthcare"),
    ("health care", "healthcare"),
    ("health-care", "healthcare"),
    ("hospital", "hospital"),
    ("hospitals", "hospital"),
    ("medical", "medical"),
    ("pharmaceutical", "pharmaceutical"),
    ("pharmaceuticals", "pharmaceutical"),
    ("pharma", "pharmaceutical"),
    ("biomedical", "medical"),
    ("clinic", "clinic"),
    ("clinics", "clinic"),
    ("patients", "patient"),
    ("health sector", "healthcare"),
    ("health organization", "healthcare"),
    ("health organizations", "healthcare"),
];

/// Reads a bundle file (gzip detected by its magic bytes).
pub fn read_attack_file(path: &Path) -> Result<AttackBundle, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut head = [0u8; 2];
    let mut reader = std::io::BufReader::new(file);
    let n = {
        use std::io::BufRead;
        let buf = reader.fill_buf().map_err(|e| ImportError::io(path, e))?;
        let n = buf.len().min(2);
        head[..n].copy_from_slice(&buf[..n]);
        n
    };
    let mut bytes = Vec::new();
    let limited: Box<dyn Read> = if n == 2 && head == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(reader).take(MAX_ATTACK_BUNDLE_BYTES + 1))
    } else {
        Box::new(reader.take(MAX_ATTACK_BUNDLE_BYTES + 1))
    };
    let mut limited = limited;
    limited.read_to_end(&mut bytes).map_err(|e| ImportError::io(path, e))?;
    if bytes.len() as u64 > MAX_ATTACK_BUNDLE_BYTES {
        return Err(ImportError::TooLarge { path: path.display().to_string(), reason: format!("over {MAX_ATTACK_BUNDLE_BYTES} bytes decompressed") });
    }
    read_attack_bytes(&bytes).map_err(|reason| ImportError::Format { path: path.display().to_string(), reason })
}

fn s<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn strings(o: &Value, k: &str) -> Vec<String> {
    o.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// The ATT&CK id and page of an object (`external_references` of source `mitre-attack`).
fn attack_ref(o: &Value) -> (Option<String>, Option<String>) {
    for r in o.get("external_references").and_then(Value::as_array).into_iter().flatten() {
        if s(r, "source_name").is_some_and(|n| n.starts_with("mitre")) && r.get("external_id").is_some() {
            return (s(r, "external_id").map(str::to_owned), s(r, "url").map(str::to_owned));
        }
    }
    (None, None)
}

/// Reads a bundle already in memory. The error says what is wrong with it.
pub fn read_attack_bytes(bytes: &[u8]) -> Result<AttackBundle, String> {
    let bundle: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if s(&bundle, "type") != Some("bundle") {
        return Err("not a STIX bundle (type is not \"bundle\")".into());
    }
    let objects = bundle.get("objects").and_then(Value::as_array).ok_or("the bundle has no objects array")?;
    let spec_version = if objects.iter().any(|o| s(o, "spec_version") == Some("2.1")) { "2.1" } else { "2.0" }.to_owned();
    let mut terms_of_use = String::new();
    let mut domain_votes: HashMap<String, usize> = HashMap::new();
    let mut collection_domain = None;
    let mut techniques: HashMap<&str, (String, String, bool)> = HashMap::new();
    for o in objects {
        match s(o, "type") {
            Some("marking-definition") => {
                if let Some(st) = o.get("definition").and_then(|d| s(d, "statement")) {
                    terms_of_use = st.to_owned();
                }
            }
            Some("x-mitre-collection") => {
                collection_domain = match s(o, "name") {
                    Some(n) if n.contains("Enterprise") => Some("enterprise-attack"),
                    Some(n) if n.contains("ICS") => Some("ics-attack"),
                    Some(n) if n.contains("Mobile") => Some("mobile-attack"),
                    _ => None,
                };
            }
            Some("attack-pattern") => {
                for d in strings(o, "x_mitre_domains") {
                    *domain_votes.entry(d).or_default() += 1;
                }
                let (id, _) = attack_ref(o);
                let gone = o.get("revoked").and_then(Value::as_bool).unwrap_or(false) || o.get("x_mitre_deprecated").and_then(Value::as_bool).unwrap_or(false);
                if let (Some(stix), Some(id)) = (s(o, "id"), id) {
                    techniques.insert(stix, (id, s(o, "name").unwrap_or("").to_owned(), gone));
                }
            }
            _ => {}
        }
    }
    let domain = match collection_domain {
        Some(d) => d.to_owned(),
        None => domain_votes.into_iter().max_by_key(|(d, n)| (*n, d.clone())).map(|(d, _)| d).ok_or("no ATT&CK domain: the bundle has no collection and no attack patterns")?,
    };
    let mut uses: HashMap<&str, Vec<TechniqueRef>> = HashMap::new();
    for o in objects.iter().filter(|o| s(o, "type") == Some("relationship") && s(o, "relationship_type") == Some("uses")) {
        if o.get("revoked").and_then(Value::as_bool).unwrap_or(false) || o.get("x_mitre_deprecated").and_then(Value::as_bool).unwrap_or(false) {
            continue;
        }
        let (Some(src), Some(dst)) = (s(o, "source_ref"), s(o, "target_ref")) else { continue };
        if let Some((id, name, gone)) = techniques.get(dst) {
            if !gone {
                uses.entry(src).or_default().push(TechniqueRef { attack_id: id.clone(), name: name.clone(), domain: domain.clone() });
            }
        }
    }
    let mut actors = Vec::new();
    for o in objects {
        let kind = match s(o, "type") {
            Some("intrusion-set") => ActorKind::IntrusionSet,
            Some("campaign") => ActorKind::Campaign,
            Some("malware") => ActorKind::Malware,
            Some("tool") => ActorKind::Tool,
            _ => continue,
        };
        let Some(stix_id) = s(o, "id") else { continue };
        let name = s(o, "name").unwrap_or(stix_id).to_owned();
        let (attack_id, url) = attack_ref(o);
        let mut aliases = strings(o, if matches!(kind, ActorKind::Malware | ActorKind::Tool) { "x_mitre_aliases" } else { "aliases" });
        aliases.retain(|a| a != &name);
        let description = s(o, "description").unwrap_or("").to_owned();
        let mut techniques = uses.remove(stix_id).unwrap_or_default();
        techniques.sort();
        techniques.dedup();
        let mut references: Vec<ActorReference> = o
            .get("external_references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| r.get("external_id").is_none())
            .filter_map(|r| {
                Some(ActorReference { source: s(r, "source_name")?.to_owned(), url: s(r, "url").map(str::to_owned), description: s(r, "description").map(str::to_owned) })
            })
            .collect();
        references.sort();
        references.dedup();
        let source = format!("MITRE ATT&CK {domain}: {}", attack_id.as_deref().unwrap_or(stix_id));
        let healthcare_evidence = healthcare_sentences(&description)
            .into_iter()
            .map(|(sentence, term)| HealthcareEvidence { sentence, term: term.to_owned(), source: source.clone(), url: url.clone() })
            .collect();
        actors.push(ActorDocument {
            kind,
            name,
            attack_id,
            stix_id: Some(stix_id.to_owned()),
            aliases,
            description,
            revoked: o.get("revoked").and_then(Value::as_bool).unwrap_or(false),
            deprecated: o.get("x_mitre_deprecated").and_then(Value::as_bool).unwrap_or(false),
            modified: s(o, "modified").map(str::to_owned),
            domains: vec![domain.clone()],
            techniques,
            references,
            healthcare_evidence,
            stated_policy: Vec::new(),
            terms_of_use: (!terms_of_use.is_empty()).then(|| terms_of_use.clone()),
        });
    }
    actors.sort_by(|a, b| a.stix_id.cmp(&b.stix_id));
    Ok(AttackBundle { domain, spec_version, actors, terms_of_use })
}

/// Plain text of an ATT&CK description: `[name](url)` links become their names and
/// `(Citation: …)` markers go (for display; the stored description is kept as MITRE wrote it).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['[', '(']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("(Citation:") {
            match tail.find(')') {
                Some(j) => rest = &tail[j + 1..],
                None => rest = "",
            }
            continue;
        }
        if tail.starts_with('[') {
            if let (Some(close), true) = (tail.find("]("), true) {
                if let Some(end) = tail[close..].find(')') {
                    out.push_str(&tail[1..close]);
                    rest = &tail[close + end + 1..];
                    continue;
                }
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sentences of a description that name a healthcare term, each with the first term's class.
pub fn healthcare_sentences(description: &str) -> Vec<(String, &'static str)> {
    let text = plain(description);
    let mut out = Vec::new();
    for sentence in split_sentences(&text) {
        let lower = sentence.to_lowercase();
        if let Some(class) = HEALTHCARE_TERMS.iter().find(|(term, _)| contains_word(&lower, term)).map(|(_, c)| *c) {
            out.push((sentence.to_owned(), class));
        }
    }
    out
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Splits at `.`, `!` or `?` followed by a space and an upper-case letter or digit.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        if matches!(bytes[i], b'.' | b'!' | b'?') && bytes.get(i + 1) == Some(&b' ') && bytes.get(i + 2).is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            out.push(text[start..=i].trim());
            start = i + 2;
        }
    }
    if start < text.len() {
        out.push(text[start..].trim());
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_with_healthcare_terms() {
        let d = "[Orangeworm](https://attack.mitre.org/groups/G0071) is a group that has targeted organizations in the healthcare sector in the United States, Europe, and Asia since at least 2015.(Citation: Symantec Orangeworm April 2018) It also hit manufacturing. Its malware found on X-Ray machines.";
        let found = healthcare_sentences(d);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, "healthcare");
        assert!(found[0].0.starts_with("Orangeworm is a group that has targeted organizations in the healthcare sector"), "{found:?}");
        assert!(healthcare_sentences("Targets pharmacies and farmaceutical-ish words.").is_empty());
        assert_eq!(healthcare_sentences("Hit U.S. hospitals. Then more.")[0].1, "hospital");
    }

    #[test]
    fn reads_a_small_bundle_of_each_version() {
        for spec in ["2.0", "2.1"] {
            let sv = if spec == "2.1" { serde_json::json!("2.1") } else { Value::Null };
            let bundle = serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": [
                {"type": "marking-definition", "id": "marking-definition--1", "spec_version": sv, "definition": {"statement": "Copyright MITRE"}},
                {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Data Encrypted for Impact", "x_mitre_domains": ["enterprise-attack"],
                 "external_references": [{"source_name": "mitre-attack", "external_id": "T1486"}]},
                {"type": "intrusion-set", "id": "intrusion-set--1", "name": "Wizard Spider", "aliases": ["Wizard Spider", "UNC1878"], "revoked": false,
                 "description": "Wizard Spider has targeted hospitals.(Citation: X)", "x_mitre_deprecated": false, "modified": "2025-01-01T00:00:00.000Z",
                 "external_references": [{"source_name": "mitre-attack", "external_id": "G0102", "url": "https://attack.mitre.org/groups/G0102"}, {"source_name": "X", "url": "https://example.org/x"}]},
                {"type": "relationship", "id": "relationship--1", "relationship_type": "uses", "source_ref": "intrusion-set--1", "target_ref": "attack-pattern--1"},
                {"type": "tool", "id": "tool--1", "name": "AdFind", "revoked": true, "x_mitre_aliases": ["AdFind"]}
            ]});
            let b = read_attack_bytes(serde_json::to_vec(&bundle).unwrap().as_slice()).unwrap();
            assert_eq!((b.domain.as_str(), b.spec_version.as_str(), b.terms_of_use.as_str()), ("enterprise-attack", spec, "Copyright MITRE"));
            let ws = b.actors.iter().find(|a| a.name == "Wizard Spider").unwrap();
            assert_eq!(ws.attack_id.as_deref(), Some("G0102"));
            assert_eq!(ws.aliases, ["UNC1878"]);
            assert_eq!(ws.techniques[0].attack_id, "T1486");
            assert_eq!(ws.healthcare_evidence[0].sentence, "Wizard Spider has targeted hospitals.");
            assert_eq!(ws.references.len(), 1);
            assert_eq!(b.counts()["tool"], (1, 0));
        }
        assert!(read_attack_bytes(b"{\"type\": \"x\"}").unwrap_err().contains("not a STIX bundle"));
    }
}
