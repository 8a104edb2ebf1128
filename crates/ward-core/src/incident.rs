//! The incident record: a VERIS-compatible core (victim, actor, action, asset, attribute,
//! timeline, discovery, confidence, references) plus the healthcare [`Harm`] block.
//!
//! [`IncidentDraft`] is what an author writes (a file, a form, an API body); the store adds the
//! id, owner, version and timestamps. Parse with [`IncidentDraft::from_json`] or
//! [`IncidentDraft::from_yaml`]: every error names the field path and the reason.

use std::collections::HashSet;

use jiff::civil::Date;

use crate::country::{CountryCode, RegionCode};
use crate::error::{FieldError, ValidationErrors};
use crate::harm::Harm;
use crate::limits;
use crate::org::OrgType;
use crate::source::Source;
use crate::text::{Label, LongText, Title};
use crate::tlp::Tlp;

/// VERIS action categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionCategory {
    Malware,
    Hacking,
    Social,
    Misuse,
    Physical,
    Error,
    Environmental,
    Unknown,
}

impl ActionCategory {
    pub const ALL: &'static [ActionCategory] = &[
        Self::Malware, Self::Hacking, Self::Social, Self::Misuse, Self::Physical, Self::Error,
        Self::Environmental, Self::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malware => "malware",
            Self::Hacking => "hacking",
            Self::Social => "social",
            Self::Misuse => "misuse",
            Self::Physical => "physical",
            Self::Error => "error",
            Self::Environmental => "environmental",
            Self::Unknown => "unknown",
        }
    }
}

/// The attack types the tracer filters on (coarser than VERIS varieties, and what the public
/// calls them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackType {
    Ransomware,
    DataTheft,
    Extortion,
    Ddos,
    Phishing,
    BusinessEmailCompromise,
    Wiper,
    SupplyChain,
    UnauthorizedAccess,
    InsiderMisuse,
    LostOrStolenDevice,
    Error,
    Other,
    Unknown,
}

impl AttackType {
    pub const ALL: &'static [AttackType] = &[
        Self::Ransomware, Self::DataTheft, Self::Extortion, Self::Ddos, Self::Phishing,
        Self::BusinessEmailCompromise, Self::Wiper, Self::SupplyChain, Self::UnauthorizedAccess,
        Self::InsiderMisuse, Self::LostOrStolenDevice, Self::Error, Self::Other, Self::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ransomware => "ransomware",
            Self::DataTheft => "data_theft",
            Self::Extortion => "extortion",
            Self::Ddos => "ddos",
            Self::Phishing => "phishing",
            Self::BusinessEmailCompromise => "business_email_compromise",
            Self::Wiper => "wiper",
            Self::SupplyChain => "supply_chain",
            Self::UnauthorizedAccess => "unauthorized_access",
            Self::InsiderMisuse => "insider_misuse",
            Self::LostOrStolenDevice => "lost_or_stolen_device",
            Self::Error => "error",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Ransomware => "Ransomware",
            Self::DataTheft => "Data theft",
            Self::Extortion => "Extortion",
            Self::Ddos => "Denial of service",
            Self::Phishing => "Phishing",
            Self::BusinessEmailCompromise => "Business e-mail compromise",
            Self::Wiper => "Wiper",
            Self::SupplyChain => "Supply-chain compromise",
            Self::UnauthorizedAccess => "Unauthorised access",
            Self::InsiderMisuse => "Insider misuse",
            Self::LostOrStolenDevice => "Lost or stolen device",
            Self::Error => "Error",
            Self::Other => "Other",
            Self::Unknown => "Unknown",
        }
    }
}

impl std::str::FromStr for AttackType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        AttackType::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == t)
            .ok_or_else(|| format!("{s:?} is not an attack type"))
    }
}

/// VERIS actor categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    External,
    Internal,
    Partner,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorInvolvement {
    pub kind: ActorKind,
    /// The name a source gives ("Conti", "LockBit"), never a bare attribution: the source and
    /// its wording are in `attribution`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Label>,
    /// VERIS motive ("financial", "espionage"…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motive: Option<Label>,
    /// How the source puts it ("claimed by the group", "attributed by the FBI").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Label>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    pub category: ActionCategory,
    /// VERIS varieties ("Ransomware", "Phishing", "Theft").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub varieties: Vec<Label>,
    /// VERIS vectors ("Email attachment", "Web application").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vectors: Vec<Label>,
}

/// VERIS security attributes affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    Confidentiality,
    Integrity,
    Availability,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryMethod {
    Internal,
    External,
    Partner,
    Unknown,
}

/// VERIS confidence in the record as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Victim {
    /// Public name of the organisation attacked; absent when it has not been named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Label>,
    pub org_type: OrgType,
    pub country: CountryCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// Number of facilities (hospitals, sites) affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilities_affected: Option<u32>,
    /// The attack reached the victim through a supplier or business associate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_third_party: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_name: Option<Label>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    /// When the attack began (or was first reported to have begun).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_on: Option<Date>,
    /// The year it began, when only the year is known (VERIS records often give no month or
    /// day). Ignored for sorting when `incident_on` is set; must agree with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_year: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered_on: Option<Date>,
    /// First public disclosure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained_on: Option<Date>,
    /// The exact instant the organisation became aware (starts reporting clocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awareness_at: Option<jiff::Timestamp>,
}

/// An identifier of the same incident in another dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalId {
    /// `vcdb`, `hhs`, `cit`, `stix`, `curated`…
    pub scheme: Label,
    pub value: Label,
}

fn default_tlp() -> Tlp {
    Tlp::Amber
}

/// What an author writes about an incident.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentDraft {
    pub title: Title,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<LongText>,
    /// Who may see it. New incidents default to TLP:AMBER (the owning organisation).
    #[serde(default = "default_tlp")]
    pub tlp: Tlp,
    pub victim: Victim,
    #[serde(default)]
    pub timeline: Timeline,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack_types: Vec<AttackType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<ActorInvolvement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionEntry>,
    /// VERIS asset varieties ("S - Database", "U - Desktop").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Label>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_method: Option<DiscoveryMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// The references every fact cites (VERIS `reference`, with publisher and dates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub harm: Harm,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_ids: Vec<ExternalId>,
}

impl IncidentDraft {
    /// Parses and validates a JSON document.
    pub fn from_json(text: &str) -> Result<Self, ValidationErrors> {
        check_size(text.len())?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let draft: Self = serde_path_to_error::deserialize(de).map_err(|e| path_error(e.path().to_string(), e.inner().to_string()))?;
        draft.validate()?;
        Ok(draft)
    }

    /// Parses and validates a YAML document.
    pub fn from_yaml(text: &str) -> Result<Self, ValidationErrors> {
        check_size(text.len())?;
        let de = serde_yaml_ng::Deserializer::from_str(text);
        let draft: Self = serde_path_to_error::deserialize(de).map_err(|e| path_error(e.path().to_string(), e.inner().to_string()))?;
        draft.validate()?;
        Ok(draft)
    }

    /// Parses and validates an already decoded JSON value (REST bodies, stored versions).
    pub fn from_value(value: serde_json::Value) -> Result<Self, ValidationErrors> {
        let draft: Self = serde_path_to_error::deserialize(value).map_err(|e| path_error(e.path().to_string(), e.inner().to_string()))?;
        draft.validate()?;
        Ok(draft)
    }

    /// Cross-field rules serde cannot express. Every problem is collected, not just the first.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        if let Some(region) = &self.victim.region {
            if region.country() != self.victim.country {
                errors.push(FieldError::new(
                    "victim.region",
                    format!("{region} is not a region of {}", self.victim.country),
                ));
            }
        }
        if self.victim.third_party_name.is_some() && self.victim.via_third_party == Some(false) {
            errors.push(FieldError::new("victim.third_party_name", "is given but via_third_party is false"));
        }
        let t = &self.timeline;
        if let (Some(start), Some(found)) = (t.incident_on, t.discovered_on) {
            if found < start {
                errors.push(FieldError::new("timeline.discovered_on", format!("{found} is before the incident began ({start})")));
            }
        }
        if let Some(y) = t.incident_year {
            if !(1970..=2100).contains(&y) {
                errors.push(FieldError::new("timeline.incident_year", format!("{y} is not a year between 1970 and 2100")));
            } else if t.incident_on.is_some_and(|d| d.year() != y) {
                errors.push(FieldError::new("timeline.incident_year", format!("{y} disagrees with incident_on")));
            }
        }
        if let (Some(start), Some(end)) = (t.incident_on, t.contained_on) {
            if end < start {
                errors.push(FieldError::new("timeline.contained_on", format!("{end} is before the incident began ({start})")));
            }
        }
        if self.sources.len() > limits::MAX_SOURCES {
            errors.push(FieldError::new("sources", format!("has {} entries; the limit is {}", self.sources.len(), limits::MAX_SOURCES)));
        }
        for (name, len) in [
            ("actors", self.actors.len()),
            ("actions", self.actions.len()),
            ("assets", self.assets.len()),
            ("external_ids", self.external_ids.len()),
            ("attack_types", self.attack_types.len()),
        ] {
            if len > limits::MAX_LIST_ITEMS {
                errors.push(FieldError::new(name, format!("has {len} entries; the limit is {}", limits::MAX_LIST_ITEMS)));
            }
        }
        let mut seen = HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            if !seen.insert(s.url.as_str()) {
                errors.push(FieldError::new(format!("sources[{i}].url"), format!("{} is listed twice", s.url)));
            }
        }
        for (field, url) in self.harm.fact_sources() {
            if !seen.contains(url.as_str()) {
                errors.push(FieldError::new(field, format!("{url} is not one of the incident's sources; add it to `sources` first")));
            }
        }
        self.harm.check(&mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// Lower-cased text the free-text search looks in. Holds no harm figures or patient data:
    /// only what is shown publicly on the incident page anyway.
    pub fn search_text(&self) -> String {
        let mut s = String::new();
        let mut push = |t: &str| {
            s.push_str(&t.to_lowercase());
            s.push(' ');
        };
        push(self.title.as_str());
        if let Some(x) = &self.summary {
            push(x.as_str());
        }
        if let Some(x) = &self.victim.name {
            push(x.as_str());
        }
        push(self.victim.country.name());
        for a in &self.actors {
            if let Some(n) = &a.name {
                push(n.as_str());
            }
        }
        for a in &self.attack_types {
            push(a.label());
        }
        s
    }

    /// The date the tracer sorts and buckets by: start of the incident, else discovery, else
    /// disclosure.
    pub fn reference_date(&self) -> Option<Date> {
        self.timeline.incident_on.or(self.timeline.discovered_on).or(self.timeline.disclosed_on)
    }

    /// The draft as a JSON value (how versions are stored).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn check_size(len: usize) -> Result<(), ValidationErrors> {
    if len > limits::MAX_INCIDENT_DOCUMENT_BYTES {
        return Err(ValidationErrors::single(
            "",
            format!("document is {len} bytes; the limit is {} bytes", limits::MAX_INCIDENT_DOCUMENT_BYTES),
        ));
    }
    Ok(())
}

fn path_error(path: String, reason: String) -> ValidationErrors {
    let field = if path == "." { String::new() } else { path };
    ValidationErrors::single(field, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"title":"Ransomware at a test hospital","victim":{"org_type":"hospital","country":"DE"}}"#;

    #[test]
    fn minimal_incident_parses_with_amber_default() {
        let d = IncidentDraft::from_json(MINIMAL).unwrap();
        assert_eq!(d.tlp, Tlp::Amber);
        assert_eq!(d.victim.country.as_str(), "DE");
    }

    #[test]
    fn errors_name_the_field_path() {
        let e = IncidentDraft::from_json(r#"{"title":"x","victim":{"org_type":"hospital","country":"XX"}}"#).unwrap_err();
        assert_eq!(e.0[0].field, "victim.country");
        assert!(e.0[0].reason.contains("ISO 3166-1"), "{e}");
        let e = IncidentDraft::from_json(r#"{"title":"x","victim":{"org_type":"hospital","country":"DE"},"colour":1}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
        let e = IncidentDraft::from_json("{not json").unwrap_err();
        assert!(!e.0.is_empty());
    }

    #[test]
    fn harm_fact_must_cite_a_listed_source() {
        let doc = r#"
title: Test
victim: {org_type: hospital, country: IE}
sources:
  - {url: "https://example.org/a", publisher: Example}
harm:
  individuals_affected: {value: 100, source: "https://example.org/b", as_of: 2021-05-20}
  deaths: {value: {alleged: 1, confirmed: 2}, source: "https://example.org/a", as_of: 2021-05-20}
"#;
        let e = IncidentDraft::from_yaml(doc).unwrap_err();
        assert_eq!(e.0.len(), 2, "{e}");
        assert_eq!(e.0[0].field, "harm.individuals_affected.source");
        assert_eq!(e.0[1].field, "harm.deaths.value.confirmed");
    }

    #[test]
    fn region_must_belong_to_country_and_dates_in_order() {
        let doc = r#"{"title":"x","victim":{"org_type":"hospital","country":"DE","region":"US-CA"},
            "timeline":{"incident_on":"2020-09-10","discovered_on":"2020-09-01"}}"#;
        let e = IncidentDraft::from_json(doc).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["victim.region", "timeline.discovered_on"]);
    }

    #[test]
    fn round_trips_through_json() {
        let d = IncidentDraft::from_json(MINIMAL).unwrap();
        let again = IncidentDraft::from_value(d.to_value()).unwrap();
        assert_eq!(d, again);
    }
}
