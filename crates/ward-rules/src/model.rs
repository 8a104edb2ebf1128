//! The checked rule model: what `compile.rs` produces from rule files and what the engine reads.
//! Every reference (fact, stage, recipient, content field, calendar) is resolved here, so the
//! engine never meets a dangling id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::calendar::HolidayCalendar;

/// Index of a fact in the catalogue of a [`RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FactIdx(pub usize);

/// Index of a stage inside its regime version.
pub(crate) type StageIdx = usize;

/// Three-valued truth (Kleene logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Unknown,
        }
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
        }
    }
    pub(crate) fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Tri> {
        match s {
            "yes" => Some(Tri::Yes),
            "no" => Some(Tri::No),
            "unknown" => Some(Tri::Unknown),
            _ => None,
        }
    }
}

/// The type of a fact in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactType {
    /// yes / no / unknown
    Tri,
    /// true / false
    Bool,
    /// a non-negative whole number
    Count,
    /// a decimal number (money)
    Decimal,
    /// an instant: RFC 3339 with offset
    Instant,
    /// a calendar date `YYYY-MM-DD`
    Date,
    /// one of `values`
    Enum,
    /// a list of `values`
    Set,
    /// a list of ISO 3166-1 alpha-2 codes
    Countries,
    /// a map US State code → count
    StateCounts,
    /// free text
    Text,
    /// an IANA time-zone name
    TimeZone,
    /// the id of a holiday calendar
    HolidayCalendar,
    /// an ISO 8601 duration
    Duration,
    /// `{kind: written|oral, stated_on: date, until: date?}`
    LawEnforcementDelay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A binding rule (once its status is in force).
    Rule,
    /// A directive: binding only through national rules that `implements:` it.
    Template,
    /// An organisational policy, not law.
    Policy,
}

/// Legal status of a regime version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegimeStatus {
    InForce,
    Proposed,
    Template,
    PendingTransposition,
}

/// How the wording of a rule was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// verified against the legal text itself
    PrimaryText,
    /// from an official summary, a government, law-firm or vendor page
    Secondary,
    /// unverified: check before relying on it
    Recalled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Promptness {
    Immediately,
    WithoutUndueDelay,
    Promptly,
    Contemporaneous,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arithmetic {
    /// exact elapsed time (24 h = 86 400 s), DST-independent; `P15D` = 15 × 24 h
    Elapsed,
    /// anchor date + N days, due at the end of that day in the legal time zone
    CalendarDays,
    /// month arithmetic with end-of-month clamp, wall-clock time kept
    CalendarMonths,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Occurs {
    /// owed whenever the regime and the stage's `when` say so
    Always,
    /// only when the authority asks (a request in the fact document)
    OnRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenUnknown {
    /// an unknown `when` gives a provisional obligation (the default)
    Provisional,
    /// an unknown `when` gives nothing yet: only for follow-up stages whose predecessor is
    /// owed anyway and carries the deadline
    Omit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TollingMode {
    /// due = the later of the original due time and the end of the delay (conservative)
    ExtendToDelayEnd,
    /// the clock stops for the delay and the remaining time resumes after it
    SuspendClock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// the values of a map fact must not add up to more than a total
    SumAtMost,
    /// an instant must not be before another
    NotBefore,
    /// the gap between two instants should not exceed a duration
    MaxGap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone)]
pub(crate) struct FactDef {
    pub id: String,
    pub fact_type: FactType,
    pub values: Vec<String>,
    pub short: String,
    pub labels: BTreeMap<String, String>,
    pub codes_from: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub kind: CheckKind,
    pub fact: FactIdx,
    pub reference: FactIdx,
    pub limit_fact: Option<FactIdx>,
    pub default_limit: Option<jiff::SignedDuration>,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ContentFieldDef {
    pub labels: BTreeMap<String, String>,
    pub from_facts: Vec<FactIdx>,
    pub identifies_patients: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct RecipientDef {
    pub labels: BTreeMap<String, String>,
    pub language: String,
    pub contact: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Predicate {
    #[allow(dead_code)] // kept for rule transformations (remapping)
    Const(Tri),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    Submitted(StageIdx),
    Leaf {
        fact: FactIdx,
        test: LeafTest,
        if_unknown: Tri,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum LeafTest {
    Is(Tri),
    EqBool(bool),
    EqText(String),
    In(BTreeSet<String>),
    Contains(String),
    ContainsAny(BTreeSet<String>),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
    AnyValueGt(f64),
}

#[derive(Debug, Clone)]
pub(crate) enum RecipientChoice {
    Fixed(String),
    ByFact {
        fact: FactIdx,
        cases: BTreeMap<String, String>,
        default: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ForEach {
    pub fact: FactIdx,
    pub value_gt: Option<f64>,
    pub in_group: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Content {
    pub required: Vec<String>,
    pub where_applicable: Vec<String>,
    pub where_available: Vec<String>,
    pub as_available: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Anchor {
    /// a regime clock (name kept for the basis text)
    Clock {
        name: String,
        fact: FactIdx,
    },
    Fact(FactIdx),
    SubmissionOf {
        stage: StageIdx,
        else_due_of: Option<StageIdx>,
    },
    EndOfCalendarYearOf(FactIdx),
}

#[derive(Debug, Clone)]
pub(crate) enum CalendarChoice {
    Fixed(String),
    /// the entity's `entity.holiday_calendar`
    Entity,
}

#[derive(Debug, Clone)]
pub(crate) enum Amount {
    Elapsed(jiff::SignedDuration),
    CalendarDays(i64),
    CalendarMonths(i64),
    BusinessDays(i64, CalendarChoice),
}

#[derive(Debug, Clone)]
pub(crate) enum Limit {
    Add {
        from: Anchor,
        amount: Amount,
        text: String,
    },
    EarliestOf(Vec<Limit>),
    Contemporaneous {
        with: StageIdx,
        cap: Box<Limit>,
    },
    SameAs(StageIdx),
    SetByRequest,
}

#[derive(Debug, Clone)]
pub(crate) struct Deadline {
    pub promptness: Promptness,
    pub limit: Option<Limit>,
    pub label: Option<String>,
    pub qualifier: Option<String>,
    pub policy_from: Option<Anchor>,
}

#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub when: Predicate,
    pub limit: Limit,
    pub citation: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Stage {
    pub id: String,
    pub title: String,
    pub labels: BTreeMap<String, String>,
    pub citation: String,
    pub verification: Verification,
    pub recipient: RecipientChoice,
    pub occurs: Occurs,
    pub when: Option<Predicate>,
    pub when_unknown: WhenUnknown,
    pub for_each: Option<ForEach>,
    pub deadline: Deadline,
    pub overrides: Vec<Override>,
    pub satisfied_by: Vec<StageIdx>,
    pub late_submission_requires: Vec<String>,
    pub content: Content,
    pub identities_required_by: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Tolling {
    pub fact: FactIdx,
    pub mode: TollingMode,
    pub oral_max_days: i64,
    pub citation: String,
}

#[derive(Debug, Clone)]
pub(crate) struct AdvisoryInstances {
    pub group: String,
    pub note: String,
}

/// One version of one regime.
#[derive(Debug, Clone)]
pub(crate) struct Regime {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub title: String,
    pub labels: BTreeMap<String, String>,
    pub jurisdiction: String,
    pub instrument: String,
    pub status: RegimeStatus,
    pub applies_from: Option<Date>,
    pub applies_until: Option<Date>,
    pub legal_time_zone: Option<TimeZone>,
    pub verification: Verification,
    pub implements: Option<String>,
    pub advisory_instances: Option<AdvisoryInstances>,
    pub applies_when: Predicate,
    pub trigger: Predicate,
    pub clocks: Vec<(String, FactIdx)>,
    pub version_clock: Option<FactIdx>,
    pub tolling: Option<Tolling>,
    pub stages: Vec<Stage>,
    #[allow(dead_code)] // for `ward rules` listings
    pub notes: Option<String>,
    pub file: String,
}

/// One source file of a rule set, with the digest that identifies its content.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSource {
    pub name: String,
    pub bytes: usize,
}

/// A loaded, checked rule set: fact catalogue, content fields, recipients, country groups,
/// holiday calendars and every regime version.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) facts: Vec<FactDef>,
    pub(crate) fact_index: HashMap<String, FactIdx>,
    pub(crate) checks: Vec<Check>,
    pub(crate) content_fields: BTreeMap<String, ContentFieldDef>,
    pub(crate) recipients: BTreeMap<String, RecipientDef>,
    pub(crate) groups: BTreeMap<String, BTreeSet<String>>,
    pub(crate) calendars: BTreeMap<String, HolidayCalendar>,
    /// Regime versions, grouped by id in file order.
    pub(crate) regimes: Vec<Regime>,
    pub(crate) sources: Vec<RuleSource>,
}

impl RuleSet {
    pub(crate) fn fact(&self, idx: FactIdx) -> &FactDef {
        &self.facts[idx.0]
    }

    pub(crate) fn fact_idx(&self, id: &str) -> Option<FactIdx> {
        self.fact_index.get(id).copied()
    }

    /// The files this rule set was loaded from.
    pub fn sources(&self) -> &[RuleSource] {
        &self.sources
    }

    /// Summary of every regime version: (id, version, status, title).
    pub fn regime_versions(&self) -> Vec<RegimeSummary> {
        self.regimes
            .iter()
            .map(|r| RegimeSummary {
                id: r.id.clone(),
                version: r.version.clone(),
                kind: r.kind,
                status: r.status,
                jurisdiction: r.jurisdiction.clone(),
                title: r.title.clone(),
                verification: r.verification,
                applies_from: r.applies_from,
                applies_until: r.applies_until,
                n_stages: r.stages.len(),
            })
            .collect()
    }

    /// The ids of every fact in the catalogue, with their types.
    pub fn fact_catalogue(&self) -> Vec<(String, FactType)> {
        self.facts
            .iter()
            .map(|f| (f.id.clone(), f.fact_type))
            .collect()
    }

    /// The ids of the holiday calendars.
    pub fn calendar_ids(&self) -> Vec<String> {
        self.calendars.keys().cloned().collect()
    }

    /// One fact of the catalogue, with what a form needs to ask for it.
    pub fn fact_info(&self, id: &str) -> Option<FactInfo> {
        self.fact_idx(id).map(|i| FactInfo::of(self.fact(i)))
    }

    /// Every fact of the catalogue, in catalogue order.
    pub fn facts_info(&self) -> Vec<FactInfo> {
        self.facts.iter().map(FactInfo::of).collect()
    }
}

/// A fact of the catalogue as a user interface asks for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactInfo {
    pub id: String,
    pub fact_type: FactType,
    /// The allowed values of an `enum` or `set` fact.
    pub values: Vec<String>,
    /// Labels by language (`en`, `de`, `fr`).
    pub labels: BTreeMap<String, String>,
}

impl FactInfo {
    fn of(f: &FactDef) -> FactInfo {
        FactInfo { id: f.id.clone(), fact_type: f.fact_type, values: f.values.clone(), labels: f.labels.clone() }
    }

    /// The label in `lang`, else English, else the id.
    pub fn label(&self, lang: &str) -> &str {
        self.labels.get(lang).or_else(|| self.labels.get("en")).map_or(self.id.as_str(), String::as_str)
    }
}

/// One line of [`RuleSet::regime_versions`].
#[derive(Debug, Clone, Serialize)]
pub struct RegimeSummary {
    pub id: String,
    pub version: String,
    pub kind: Kind,
    pub status: RegimeStatus,
    pub jurisdiction: String,
    pub title: String,
    pub verification: Verification,
    pub applies_from: Option<Date>,
    pub applies_until: Option<Date>,
    pub n_stages: usize,
}
