//! Posture: what an organisation's assessment of a framework amounts to on a given day, and what
//! it implies, through the crosswalks, for every other framework.
//!
//! Posture is a pure function of (framework, answers with their evidence, open findings, today):
//! nothing here is a stored checkbox. A requirement answered "compliant" or "partial" counts
//! only while a piece of its evidence is in force (effective on or before today, expiring after
//! today); otherwise it is *stale*. A requirement flagged `known_exploited_vulnerabilities` is
//! *non-compliant* while any KEV finding is open past its due date, whatever was answered.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::framework::{Basis, Catalogue, Framework, Relationship};

/// What the organisation answered for a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Compliant,
    Partial,
    NonCompliant,
    NotApplicable,
    NotAssessed,
}

impl Answer {
    pub const ALL: [Answer; 5] = [Answer::Compliant, Answer::Partial, Answer::NonCompliant, Answer::NotApplicable, Answer::NotAssessed];
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Compliant => "compliant",
            Answer::Partial => "partial",
            Answer::NonCompliant => "non_compliant",
            Answer::NotApplicable => "not_applicable",
            Answer::NotAssessed => "not_assessed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Answer::Compliant => "Compliant",
            Answer::Partial => "Partially compliant",
            Answer::NonCompliant => "Non-compliant",
            Answer::NotApplicable => "Not applicable",
            Answer::NotAssessed => "Not assessed",
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Answer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| format!("{s:?} is not one of compliant, partial, non_compliant, not_applicable, not_assessed"))
    }
}

/// The effective status of a requirement on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    // Order: worst first (combining contributions takes the minimum).
    NonCompliant,
    Stale,
    Partial,
    Compliant,
    NotAssessed,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Partial => "partial",
            Status::NonCompliant => "non_compliant",
            Status::Stale => "stale",
            Status::NotAssessed => "not_assessed",
            Status::NotApplicable => "not_applicable",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Compliant => "Compliant",
            Status::Partial => "Partially compliant",
            Status::NonCompliant => "Non-compliant",
            Status::Stale => "Stale (no evidence in force)",
            Status::NotAssessed => "Not assessed",
            Status::NotApplicable => "Not applicable",
        }
    }
    fn is_assessed(self) -> bool {
        !matches!(self, Status::NotAssessed | Status::NotApplicable)
    }
}

/// One piece of evidence: when what it shows became true, and when it stops counting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidencePeriod {
    pub effective_on: Date,
    pub expires_on: Date,
}

impl EvidencePeriod {
    pub fn in_force(&self, today: Date) -> bool {
        self.effective_on <= today && today < self.expires_on
    }
}

/// The organisation's answer to one requirement with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementAnswer {
    pub requirement_id: String,
    pub answer: Answer,
    pub evidence: Vec<EvidencePeriod>,
}

/// An open known-exploited-vulnerability finding, as far as posture needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub cve_id: String,
    pub asset_name: String,
    pub due_on: Date,
}

/// Why a requirement has its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The answer stands, with evidence in force until `stale_from` (exclusive).
    Answered { stale_from: Option<Date> },
    NoEvidence,
    EvidenceExpired { expired_on: Date },
    EvidenceNotYetEffective { effective_on: Date },
    /// Known exploited vulnerabilities open past their due date.
    OverdueKnownExploited { cve_ids: Vec<String>, earliest_due_on: Date },
    /// Inferred through crosswalks (see [`InferredRequirement::via`]).
    Inferred,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequirementPosture {
    pub requirement_id: String,
    pub title: String,
    pub answer: Answer,
    pub status: Status,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub compliant: u32,
    pub partial: u32,
    pub non_compliant: u32,
    pub stale: u32,
    pub not_assessed: u32,
    pub not_applicable: u32,
}

impl Counts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Compliant => self.compliant += 1,
            Status::Partial => self.partial += 1,
            Status::NonCompliant => self.non_compliant += 1,
            Status::Stale => self.stale += 1,
            Status::NotAssessed => self.not_assessed += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }
    /// Requirements that count towards the score (all but not-applicable ones).
    pub fn applicable(&self) -> u32 {
        self.compliant + self.partial + self.non_compliant + self.stale + self.not_assessed
    }
    /// The score in percent: compliant counts 1, partial ½, everything else (stale and not
    /// assessed included) 0, over the applicable requirements. `None` when none applies.
    pub fn score_percent(&self) -> Option<f64> {
        let n = self.applicable();
        (n > 0).then(|| (f64::from(self.compliant) + 0.5 * f64::from(self.partial)) * 100.0 / f64::from(n))
    }
}

/// A framework's posture on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Posture {
    pub framework_id: String,
    pub today: Date,
    pub requirements: Vec<RequirementPosture>,
    pub counts: Counts,
    pub score_percent: Option<f64>,
}

/// The first day on or after `today` on which no evidence is in force, following evidence that
/// takes over from other evidence; `None` if none is in force today.
pub fn stale_from(evidence: &[EvidencePeriod], today: Date) -> Option<Date> {
    let mut end = evidence.iter().filter(|e| e.in_force(today)).map(|e| e.expires_on).max()?;
    loop {
        let extended = evidence.iter().filter(|e| e.effective_on <= end && e.expires_on > end).map(|e| e.expires_on).max();
        match extended {
            Some(later) => end = later,
            None => return Some(end),
        }
    }
}

/// The posture of `framework` on `today`. Requirements without an answer are not assessed.
pub fn posture(framework: &Framework, answers: &[RequirementAnswer], open_findings: &[OpenFinding], today: Date) -> Posture {
    let by_id: BTreeMap<&str, &RequirementAnswer> = answers.iter().map(|a| (a.requirement_id.as_str(), a)).collect();
    let mut overdue: Vec<&OpenFinding> = open_findings.iter().filter(|f| f.due_on < today).collect();
    overdue.sort_by(|a, b| (a.due_on, &a.cve_id).cmp(&(b.due_on, &b.cve_id)));
    let mut counts = Counts::default();
    let mut requirements = Vec::with_capacity(framework.requirements.len());
    for r in &framework.requirements {
        let answered = by_id.get(r.id.as_str());
        let answer = answered.map_or(Answer::NotAssessed, |a| a.answer);
        let evidence: &[EvidencePeriod] = answered.map_or(&[], |a| &a.evidence);
        let (status, reason) = match answer {
            Answer::NotApplicable => (Status::NotApplicable, Reason::Answered { stale_from: None }),
            _ if r.known_exploited_vulnerabilities && !overdue.is_empty() => {
                let mut cve_ids: Vec<String> = overdue.iter().map(|f| f.cve_id.clone()).collect();
                cve_ids.dedup();
                (Status::NonCompliant, Reason::OverdueKnownExploited { cve_ids, earliest_due_on: overdue[0].due_on })
            }
            Answer::NotAssessed => (Status::NotAssessed, Reason::Answered { stale_from: None }),
            Answer::NonCompliant => (Status::NonCompliant, Reason::Answered { stale_from: None }),
            Answer::Compliant | Answer::Partial => {
                let status = if answer == Answer::Compliant { Status::Compliant } else { Status::Partial };
                match stale_from(evidence, today) {
                    Some(end) => (status, Reason::Answered { stale_from: Some(end) }),
                    None => {
                        let expired = evidence.iter().filter(|e| e.expires_on <= today).map(|e| e.expires_on).max();
                        let future = evidence.iter().filter(|e| e.effective_on > today).map(|e| e.effective_on).min();
                        let reason = match (expired, future) {
                            (_, Some(on)) => Reason::EvidenceNotYetEffective { effective_on: on },
                            (Some(on), None) => Reason::EvidenceExpired { expired_on: on },
                            (None, None) => Reason::NoEvidence,
                        };
                        (Status::Stale, reason)
                    }
                }
            }
        };
        counts.add(status);
        requirements.push(RequirementPosture { requirement_id: r.id.clone(), title: r.title.clone(), answer, status, reason });
    }
    Posture { framework_id: framework.id.clone(), today, score_percent: counts.score_percent(), requirements, counts }
}

/// Requirements that are in force today but go stale within `days` days, soonest first.
pub fn going_stale(posture: &Posture, days: i32) -> Vec<(&RequirementPosture, Date)> {
    let horizon = posture.today.checked_add(jiff::Span::new().days(days)).unwrap_or(posture.today);
    let mut out: Vec<(&RequirementPosture, Date)> = posture
        .requirements
        .iter()
        .filter_map(|r| match (&r.reason, r.status) {
            (Reason::Answered { stale_from: Some(d) }, Status::Compliant | Status::Partial) if *d <= horizon => Some((r, *d)),
            _ => None,
        })
        .collect();
    out.sort_by_key(|(r, d)| (*d, r.requirement_id.clone()));
    out
}

/// One crosswalk link that contributed to an inferred status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappingUse {
    pub crosswalk_id: String,
    pub basis: Basis,
    pub source_requirement: String,
    /// Read from the assessed requirement to the inferred one.
    pub relationship: Relationship,
    pub strength: u8,
    pub rationale: String,
    pub source_status: Status,
    pub contribution: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferredRequirement {
    pub requirement_id: String,
    pub title: String,
    pub status: Status,
    pub via: Vec<MappingUse>,
}

/// A framework's posture inferred from another's assessment. Always shown as inferred.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferredPosture {
    pub framework_id: String,
    pub inferred_from: String,
    pub today: Date,
    pub requirements: Vec<InferredRequirement>,
    pub counts: Counts,
    pub score_percent: Option<f64>,
}

/// What one mapping says about the target: a source that covers the whole target
/// (equal, superset) passes its status on; one that covers only part of it (subset,
/// intersect) can make the target at best partially compliant.
fn contribution(relationship: Relationship, source: Status) -> Status {
    if relationship.covers_target() || source != Status::Compliant {
        source
    } else {
        Status::Partial
    }
}

/// The posture of `target` inferred from `source` through every crosswalk linking the two
/// frameworks (in either direction). Per target requirement the contributions of its assessed
/// mappings combine to the worst of them; mappings from not-assessed or not-applicable
/// requirements contribute nothing, and a requirement no assessed mapping reaches is not
/// assessed. `None` when no crosswalk links the two.
pub fn infer(catalogue: &Catalogue, source: &Posture, target_id: &str) -> Option<InferredPosture> {
    let target = catalogue.framework(target_id)?;
    let status_of: BTreeMap<&str, Status> = source.requirements.iter().map(|r| (r.requirement_id.as_str(), r.status)).collect();
    let mut uses: BTreeMap<&str, Vec<MappingUse>> = BTreeMap::new();
    let mut linked = false;
    for c in catalogue.crosswalks() {
        let forward = c.from == source.framework_id && c.to == target_id;
        let backward = c.to == source.framework_id && c.from == target_id;
        if !forward && !backward {
            continue;
        }
        linked = true;
        for m in &c.mappings {
            let (src, tgt, rel) = if forward { (&m.from, &m.to, m.relationship) } else { (&m.to, &m.from, m.relationship.reversed()) };
            let source_status = status_of.get(src.as_str()).copied().unwrap_or(Status::NotAssessed);
            uses.entry(tgt.as_str()).or_default().push(MappingUse {
                crosswalk_id: c.id.clone(),
                basis: c.basis,
                source_requirement: src.clone(),
                relationship: rel,
                strength: m.strength,
                rationale: m.rationale.clone(),
                source_status,
                contribution: contribution(rel, source_status),
            });
        }
    }
    if !linked {
        return None;
    }
    let mut counts = Counts::default();
    let requirements = target
        .requirements
        .iter()
        .map(|r| {
            let via = uses.remove(r.id.as_str()).unwrap_or_default();
            let assessed = via.iter().map(|u| u.contribution).filter(|s| s.is_assessed()).min();
            let status = match assessed {
                Some(s) => s,
                None if !via.is_empty() && via.iter().all(|u| u.source_status == Status::NotApplicable) => Status::NotApplicable,
                None => Status::NotAssessed,
            };
            counts.add(status);
            InferredRequirement { requirement_id: r.id.clone(), title: r.title.clone(), status, via }
        })
        .collect();
    Some(InferredPosture {
        framework_id: target.id.clone(),
        inferred_from: source.framework_id.clone(),
        today: source.today,
        requirements,
        score_percent: counts.score_percent(),
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ev(a: Date, b: Date) -> EvidencePeriod {
        EvidencePeriod { effective_on: a, expires_on: b }
    }

    #[test]
    fn stale_from_follows_overlapping_evidence() {
        let today = date(2026, 3, 1);
        assert_eq!(stale_from(&[], today), None);
        assert_eq!(stale_from(&[ev(date(2026, 1, 1), date(2026, 3, 1))], today), None, "expiry day itself is stale");
        assert_eq!(stale_from(&[ev(date(2026, 1, 1), date(2026, 4, 1))], today), Some(date(2026, 4, 1)));
        let chain = [ev(date(2026, 1, 1), date(2026, 4, 1)), ev(date(2026, 4, 1), date(2026, 7, 1)), ev(date(2026, 8, 1), date(2026, 9, 1))];
        assert_eq!(stale_from(&chain, today), Some(date(2026, 7, 1)), "a gap ends the chain");
    }

    #[test]
    fn contributions() {
        assert_eq!(contribution(Relationship::Equal, Status::Compliant), Status::Compliant);
        assert_eq!(contribution(Relationship::Superset, Status::Compliant), Status::Compliant);
        assert_eq!(contribution(Relationship::Subset, Status::Compliant), Status::Partial);
        assert_eq!(contribution(Relationship::Intersect, Status::Compliant), Status::Partial);
        assert_eq!(contribution(Relationship::Subset, Status::Stale), Status::Stale);
        assert_eq!(contribution(Relationship::Intersect, Status::NonCompliant), Status::NonCompliant);
    }

    #[test]
    fn score() {
        let c = Counts { compliant: 2, partial: 2, non_compliant: 1, stale: 1, not_assessed: 2, not_applicable: 5 };
        assert_eq!(c.applicable(), 8);
        assert_eq!(c.score_percent(), Some(37.5));
        assert_eq!(Counts { not_applicable: 3, ..Counts::default() }.score_percent(), None);
    }
}
