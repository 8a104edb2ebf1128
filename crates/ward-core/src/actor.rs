//! Threat actors and attribution: the actor register's document (from MITRE ATT&CK or made by
//! hand), the attribution confidence scale, and how an ATT&CK re-import merges into what a
//! curator added. Pure: the reader lives in ward-import, persistence in ward-store.

use std::fmt;
use std::str::FromStr;

/// What an actor entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// An ATT&CK group (STIX `intrusion-set`).
    IntrusionSet,
    /// An ATT&CK campaign.
    Campaign,
    /// ATT&CK software: malware.
    Malware,
    /// ATT&CK software: a tool.
    Tool,
    /// A hand-made entry: a ransomware operation known by its brand, a hacktivist group…
    Group,
}

impl ActorKind {
    pub const ALL: [ActorKind; 5] = [ActorKind::IntrusionSet, ActorKind::Campaign, ActorKind::Malware, ActorKind::Tool, ActorKind::Group];
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::IntrusionSet => "intrusion_set",
            ActorKind::Campaign => "campaign",
            ActorKind::Malware => "malware",
            ActorKind::Tool => "tool",
            ActorKind::Group => "group",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ActorKind::IntrusionSet => "Intrusion set (ATT&CK group)",
            ActorKind::Campaign => "Campaign",
            ActorKind::Malware => "Malware",
            ActorKind::Tool => "Tool",
            ActorKind::Group => "Group",
        }
    }
}

impl FromStr for ActorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActorKind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| format!("{s:?} is not an actor kind (intrusion_set, campaign, malware, tool, group)"))
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure an attribution is, strongest first. Shown with its wording, never as bare fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A government, law-enforcement or judicial authority attributed it officially.
    ConfirmedByAuthority,
    /// The actor claimed it (leak site, statement): a claim, not proof.
    ClaimedByActor,
    /// A named source (vendor, researcher, CERT) assessed it likely.
    AssessedLikely,
    /// Reported as possible; not assessed.
    Possible,
    /// Contested by a credible source.
    Disputed,
}

impl Confidence {
    pub const ALL: [Confidence; 5] = [Confidence::ConfirmedByAuthority, Confidence::ClaimedByActor, Confidence::AssessedLikely, Confidence::Possible, Confidence::Disputed];
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::ConfirmedByAuthority => "confirmed_by_authority",
            Confidence::ClaimedByActor => "claimed_by_actor",
            Confidence::AssessedLikely => "assessed_likely",
            Confidence::Possible => "possible",
            Confidence::Disputed => "disputed",
        }
    }
    /// The words shown before the actor's name ("Claimed by the actor: LockBit").
    pub fn wording(self) -> &'static str {
        match self {
            Confidence::ConfirmedByAuthority => "Confirmed by an authority",
            Confidence::ClaimedByActor => "Claimed by the actor",
            Confidence::AssessedLikely => "Assessed likely by a named source",
            Confidence::Possible => "Possible",
            Confidence::Disputed => "Disputed",
        }
    }
    /// Whether the attribution counts towards an actor's incidents and harm (a disputed one
    /// is shown but not counted).
    pub fn counts(self) -> bool {
        self != Confidence::Disputed
    }
}

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Confidence::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| {
            format!("{s:?} is not a confidence level (confirmed_by_authority, claimed_by_actor, assessed_likely, possible, disputed)")
        })
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A technique an actor uses (an ATT&CK `uses` relationship).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct TechniqueRef {
    /// `T1486`, `T0866`…
    pub attack_id: String,
    pub name: String,
    /// The ATT&CK domain it came from (`enterprise-attack`, `ics-attack`).
    pub domain: String,
}

/// A reference an actor entry cites.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ActorReference {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A sentence documenting healthcare targeting, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct HealthcareEvidence {
    pub sentence: String,
    /// The matched term class (`healthcare`, `hospital`, `medical`, `pharmaceutical`…).
    pub term: String,
    /// Where the sentence is (`MITRE ATT&CK enterprise-attack: G0071`).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A policy an actor stated about healthcare (a pledge not to attack hospitals, or the
/// opposite), with its source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatedPolicy {
    pub statement: String,
    pub source_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_on: Option<String>,
}

/// An actor in the register.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActorDocument {
    pub kind: ActorKind,
    pub name: String,
    /// `G0102`, `C0010`, `S0570`; none for hand-made actors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stix_id: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub deprecated: bool,
    /// The source object's `modified` (ATT&CK), as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// ATT&CK domains the entry was read from.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub techniques: Vec<TechniqueRef>,
    #[serde(default)]
    pub references: Vec<ActorReference>,
    #[serde(default)]
    pub healthcare_evidence: Vec<HealthcareEvidence>,
    #[serde(default)]
    pub stated_policy: Vec<StatedPolicy>,
    /// The terms of use of the data the entry comes from (MITRE's for ATT&CK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_use: Option<String>,
}

impl ActorDocument {
    /// A hand-made actor.
    pub fn hand_made(kind: ActorKind, name: &str) -> Result<ActorDocument, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > crate::limits::MAX_LABEL_CHARS {
            return Err(format!("name: must be 1 to {} characters", crate::limits::MAX_LABEL_CHARS));
        }
        Ok(ActorDocument {
            kind,
            name: name.to_owned(),
            attack_id: None,
            stix_id: None,
            aliases: Vec::new(),
            description: String::new(),
            revoked: false,
            deprecated: false,
            modified: None,
            domains: Vec::new(),
            techniques: Vec::new(),
            references: Vec::new(),
            healthcare_evidence: Vec::new(),
            stated_policy: Vec::new(),
            terms_of_use: None,
        })
    }

    /// Whether any source documents healthcare targeting.
    pub fn targets_healthcare(&self) -> bool {
        !self.healthcare_evidence.is_empty()
    }

    /// Merges a freshly read ATT&CK object of `domain` into this stored entry: the source's
    /// fields replace the old ones, techniques and evidence of other domains stay, and what a
    /// curator added (aliases, stated policy, other evidence) is kept.
    pub fn merge_import(&self, incoming: &ActorDocument, domain: &str) -> ActorDocument {
        let mut out = incoming.clone();
        let mut aliases = incoming.aliases.clone();
        for a in &self.aliases {
            if !aliases.iter().any(|b| b.eq_ignore_ascii_case(a)) {
                aliases.push(a.clone());
            }
        }
        out.aliases = aliases;
        let mut techniques: Vec<TechniqueRef> = self.techniques.iter().filter(|t| t.domain != domain).cloned().collect();
        techniques.extend(incoming.techniques.iter().cloned());
        techniques.sort();
        techniques.dedup();
        out.techniques = techniques;
        let incoming_source = format!("MITRE ATT&CK {domain}");
        let mut evidence: Vec<HealthcareEvidence> = self.healthcare_evidence.iter().filter(|e| !e.source.starts_with(&incoming_source)).cloned().collect();
        evidence.extend(incoming.healthcare_evidence.iter().cloned());
        evidence.sort();
        evidence.dedup();
        out.healthcare_evidence = evidence;
        let mut domains = self.domains.clone();
        domains.extend(incoming.domains.iter().cloned());
        domains.sort();
        domains.dedup();
        out.domains = domains;
        let mut refs = self.references.clone();
        refs.extend(incoming.references.iter().cloned());
        refs.sort();
        refs.dedup();
        out.references = refs;
        out.stated_policy = self.stated_policy.clone();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_trip() {
        for c in Confidence::ALL {
            assert_eq!(c.as_str().parse::<Confidence>().unwrap(), c);
        }
        for k in ActorKind::ALL {
            assert_eq!(k.as_str().parse::<ActorKind>().unwrap(), k);
        }
        assert!("certain".parse::<Confidence>().unwrap_err().contains("confidence level"));
        assert!(!Confidence::Disputed.counts());
    }

    #[test]
    fn reimport_keeps_other_domains_and_curation() {
        let mut stored = ActorDocument::hand_made(ActorKind::IntrusionSet, "Wizard Spider").unwrap();
        stored.aliases = vec!["UNC1878".into(), "Trickbot group".into()];
        stored.techniques = vec![TechniqueRef { attack_id: "T0866".into(), name: "x".into(), domain: "ics-attack".into() }];
        stored.stated_policy = vec![StatedPolicy { statement: "s".into(), source_url: "https://example.org".into(), stated_on: None }];
        let mut incoming = ActorDocument::hand_made(ActorKind::IntrusionSet, "Wizard Spider").unwrap();
        incoming.aliases = vec!["UNC1878".into()];
        incoming.domains = vec!["enterprise-attack".into()];
        incoming.techniques = vec![TechniqueRef { attack_id: "T1486".into(), name: "y".into(), domain: "enterprise-attack".into() }];
        let merged = stored.merge_import(&incoming, "enterprise-attack");
        assert_eq!(merged.aliases, ["UNC1878", "Trickbot group"]);
        assert_eq!(merged.techniques.len(), 2);
        assert_eq!(merged.stated_policy.len(), 1);
        assert_eq!(merged.merge_import(&incoming, "enterprise-attack"), merged, "merging twice changes nothing");
    }
}
