//! The rule-file format as written on disk: serde types that reject unknown keys. They are
//! compiled into the checked model (`model.rs`) by `compile.rs`; nothing else reads them.

// Some keys exist for the reader of a rule file (notes, sources, verification of a country group)
// and are accepted so unknown-key checking stays strict; the engine does not read them.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{
    Arithmetic, FactType, Kind, Occurs, Promptness, RegimeStatus, TollingMode, Verification,
    WhenUnknown,
};

/// Labels of one text in several languages (`en`, `de`, `fr`, …).
pub(crate) type Labels = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub schema_version: u32,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub facts: BTreeMap<String, RawFact>,
    #[serde(default)]
    pub checks: Vec<RawCheck>,
    #[serde(default)]
    pub content_fields: BTreeMap<String, RawContentField>,
    #[serde(default)]
    pub recipients: BTreeMap<String, RawRecipient>,
    #[serde(default)]
    pub country_groups: BTreeMap<String, RawCountryGroup>,
    #[serde(default)]
    pub predicates: BTreeMap<String, RawPredicate>,
    #[serde(default)]
    pub regimes: Vec<RawRegime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFact {
    #[serde(rename = "type")]
    pub fact_type: FactType,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub short: Option<String>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub identifies_patients: bool,
    /// `countries` and `state_counts`: the country group whose members are the valid codes.
    #[serde(default)]
    pub codes_from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCheck {
    pub kind: crate::model::CheckKind,
    /// The fact checked (`sum_at_most`: the map whose values are summed; `not_before`,
    /// `max_gap`: the later instant).
    pub fact: String,
    /// `sum_at_most`: the total; `not_before`, `max_gap`: the earlier instant.
    pub reference: String,
    /// `max_gap`: a duration fact that may set the limit, and the default when it is absent.
    #[serde(default)]
    pub limit_fact: Option<String>,
    #[serde(default)]
    pub default_limit: Option<String>,
    pub severity: crate::model::Severity,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContentField {
    pub labels: Labels,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub from_facts: Vec<String>,
    #[serde(default)]
    pub identifies_patients: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRecipient {
    pub labels: Labels,
    pub language: String,
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    pub verification: Verification,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCountryGroup {
    pub title: String,
    pub members: Vec<String>,
    pub verification: Verification,
    #[serde(default)]
    pub source: Option<String>,
}

/// One predicate node: exactly one of the combinators, a fact leaf, a named predicate, or a
/// submission test. Checked in `compile.rs`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPredicate {
    #[serde(default)]
    pub all: Option<Vec<RawPredicate>>,
    #[serde(default)]
    pub any: Option<Vec<RawPredicate>>,
    #[serde(default)]
    pub not: Option<Box<RawPredicate>>,
    #[serde(default)]
    pub predicate: Option<String>,
    #[serde(default)]
    pub submitted: Option<String>,
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub is: Option<String>,
    #[serde(default)]
    pub eq: Option<serde_yaml_ng::Value>,
    #[serde(default, rename = "in")]
    pub in_: Option<Vec<String>>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub contains_any: Option<Vec<String>>,
    #[serde(default)]
    pub contains_any_of_group: Option<String>,
    #[serde(default)]
    pub lt: Option<f64>,
    #[serde(default)]
    pub lte: Option<f64>,
    #[serde(default)]
    pub gt: Option<f64>,
    #[serde(default)]
    pub gte: Option<f64>,
    #[serde(default)]
    pub any_value_gt: Option<f64>,
    /// For presumptions: how an unknown fact counts (e.g. "no exemption established").
    #[serde(default)]
    pub if_unknown: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInstrument {
    pub name: String,
    #[serde(default)]
    pub eli: Option<String>,
    #[serde(default)]
    pub celex: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub provisions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClock {
    pub fact: String,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTolling {
    pub fact: String,
    pub mode: TollingMode,
    pub oral_max_days: i64,
    pub citation: String,
    pub verification: Verification,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAdvisoryInstances {
    pub for_countries_in: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegime {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub title: String,
    #[serde(default)]
    pub labels: Labels,
    pub jurisdiction: String,
    pub instrument: RawInstrument,
    pub status: RegimeStatus,
    #[serde(default)]
    pub applies_from: Option<String>,
    #[serde(default)]
    pub applies_until: Option<String>,
    #[serde(default)]
    pub legal_time_zone: Option<String>,
    pub verification: Verification,
    #[serde(default)]
    pub verification_note: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub implements: Option<String>,
    #[serde(default)]
    pub advisory_instances: Option<RawAdvisoryInstances>,
    #[serde(default)]
    pub applies_when: Option<RawPredicate>,
    #[serde(default)]
    pub trigger: Option<RawPredicate>,
    #[serde(default)]
    pub clocks: BTreeMap<String, RawClock>,
    #[serde(default)]
    pub version_clock: Option<String>,
    #[serde(default)]
    pub tolling: Option<RawTolling>,
    #[serde(default)]
    pub stages: Vec<RawStage>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A recipient: an id, or a choice by the value of an enum fact.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum RawRecipientChoice {
    Fixed(String),
    ByFact(RawRecipientByFact),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRecipientByFact {
    pub by_fact: String,
    pub cases: BTreeMap<String, String>,
    pub default: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawForEach {
    pub fact: String,
    #[serde(default)]
    pub value_gt: Option<f64>,
    #[serde(default)]
    pub in_group: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContent {
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub where_applicable: Vec<String>,
    #[serde(default)]
    pub where_available: Vec<String>,
    #[serde(default)]
    pub as_available: Vec<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    pub id: String,
    #[serde(default)]
    pub inherit: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub citation: Option<String>,
    #[serde(default)]
    pub verification: Option<Verification>,
    #[serde(default)]
    pub recipient: Option<RawRecipientChoice>,
    #[serde(default)]
    pub occurs: Option<Occurs>,
    #[serde(default)]
    pub when: Option<RawPredicate>,
    #[serde(default)]
    pub when_unknown: Option<WhenUnknown>,
    #[serde(default)]
    pub for_each: Option<RawForEach>,
    #[serde(default)]
    pub deadline: Option<RawDeadline>,
    #[serde(default)]
    pub override_when: Vec<RawOverride>,
    #[serde(default)]
    pub satisfied_by: Vec<String>,
    #[serde(default)]
    pub late_submission_requires: Vec<String>,
    #[serde(default)]
    pub content: Option<RawContent>,
    /// Citation of the provision that requires patient identities in this report.
    #[serde(default)]
    pub identities_required_by: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeadline {
    pub promptness: Promptness,
    #[serde(default)]
    pub limit: Option<RawLimit>,
    /// The law's own words where it sets no number ("sans délai", "unverzüglich").
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub qualifier: Option<String>,
    /// Anchor of the organisation's internal SLA (`policy.internal_sla`) where the law sets no number.
    #[serde(default)]
    pub policy_from: Option<RawAnchor>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimit {
    #[serde(default)]
    pub from: Option<RawAnchor>,
    #[serde(default)]
    pub add: Option<String>,
    #[serde(default)]
    pub arithmetic: Option<Arithmetic>,
    #[serde(default)]
    pub business_days: Option<i64>,
    #[serde(default)]
    pub holiday_calendar: Option<String>,
    #[serde(default)]
    pub earliest_of: Option<Vec<RawLimit>>,
    #[serde(default)]
    pub contemporaneous_with: Option<String>,
    #[serde(default)]
    pub cap: Option<Box<RawLimit>>,
    #[serde(default)]
    pub same_as: Option<String>,
    #[serde(default)]
    pub set_by_request: Option<bool>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnchor {
    #[serde(default)]
    pub clock: Option<String>,
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub submission_of: Option<String>,
    #[serde(default)]
    pub else_due_of: Option<String>,
    #[serde(default)]
    pub end_of_calendar_year_of: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    pub when: RawPredicate,
    pub limit: RawLimit,
    pub citation: String,
}

/// A holiday calendar file (`rules/calendars/*.yaml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalendar {
    pub schema_version: u32,
    pub id: String,
    pub title: String,
    pub weekend: Vec<String>,
    pub covers_from: String,
    pub covers_until: String,
    pub verification: Verification,
    #[serde(default)]
    pub source: Option<String>,
    pub holidays: Vec<RawHoliday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHoliday {
    pub date: String,
    pub name: String,
}
