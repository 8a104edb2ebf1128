//! The fact document ("report once": the incident record entered once) and its validation
//! against the fact catalogue of a rule set.
//!
//! The document is plain serde data (`FactDocument`) so it can be stored as JSON per incident;
//! `Facts::from_document` checks every value against the catalogue and yields the typed facts
//! the engine reads.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compile::exact_duration;
use crate::error::Error;
use crate::model::{CheckKind, FactIdx, FactType, RuleSet, Severity, Tri};
use crate::{
    FACT_HOLIDAY_CALENDAR, FACT_TIME_ZONE, MAX_EVENTS, MAX_FACTS, MAX_FACT_LOG_ENTRIES,
    MAX_LIST_ITEMS, MAX_TEXT_BYTES,
};

/// One incident's facts as entered: the input of `ward obligations evaluate` and what the lead
/// stores per incident.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDocument {
    /// Entity profile: `entity.*` and `policy.*` facts, written in full.
    #[serde(default)]
    pub entity: BTreeMap<String, Value>,
    /// Incident facts (`incident.*`, `impact.*`, `pd.*`, `phi.*`, …), written in full.
    #[serde(default)]
    pub incident: BTreeMap<String, Value>,
    /// Report content captured once (summary, contact point, …), rendered into every report.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, ContentValue>,
    /// Later changes to facts, oldest first (the event log). The current state is the maps
    /// above with every change applied in order; an obligation owed at any point stays owed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fact_log: Vec<FactChange>,
    /// Requests from an authority (an intermediate report, a communication order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<Request>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submissions: Vec<Submission>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
}

/// A content value: plain text, or text with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContentValue {
    Text(String),
    Sourced(SourcedText),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcedText {
    pub value: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub as_of: Option<String>,
}

impl ContentValue {
    pub fn text(&self) -> &str {
        match self {
            ContentValue::Text(t) => t,
            ContentValue::Sourced(s) => &s.value,
        }
    }
}

/// One later change to a fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactChange {
    pub fact: String,
    pub value: Value,
    #[serde(default)]
    pub recorded_at: Option<Timestamp>,
    #[serde(default)]
    pub recorded_by: Option<String>,
}

/// A request from an authority that opens an on-request stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub regime: String,
    pub stage: String,
    pub requested_at: Timestamp,
    pub due_at: Timestamp,
    #[serde(default)]
    pub requested_by: Option<String>,
}

/// A report sent for a stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub regime: String,
    pub stage: String,
    /// For stages per State or per country: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub submitted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// Content fields the submission carried (checked against `late_submission_requires`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_fields: Vec<String>,
    /// Other stages this one submission satisfies (a combined report, or a channel configured to
    /// forward, like the DSPT tool to the ICO). Never inferred.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_satisfies: Vec<StageRef>,
    /// A voluntary notification: creates no obligation and satisfies none.
    #[serde(default)]
    pub voluntary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRef {
    pub regime: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Close the obligation(s): not owed, or owed and handled outside ward.
    Close,
}

/// A recorded decision with its rationale: the only thing that closes an owed obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub regime: String,
    /// Without a stage, the decision closes every stage of the regime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub decision: DecisionKind,
    pub rationale: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
}

/// A law-enforcement delay statement (45 CFR 164.412 pattern).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LeDelay {
    pub written: bool,
    pub stated_on: Date,
    pub until: Option<Date>,
}

/// A checked fact value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FactValue {
    Tri(Tri),
    Bool(bool),
    Count(u64),
    Decimal(f64),
    /// `imprecise`: only the date was known; the instant is the start of that day.
    Instant {
        at: Timestamp,
        imprecise: bool,
    },
    Date(Date),
    Enum(String),
    Set(BTreeSet<String>),
    StateCounts(BTreeMap<String, u64>),
    Text(String),
    Duration(SignedDuration),
    LeDelay(LeDelay),
}

/// A warning about the facts (not an error): attached to the obligations anchored on `fact`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactWarning {
    pub fact: String,
    pub message: String,
}

/// A request, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedRequest {
    pub regime: String,
    pub stage: String,
    pub due_at: Timestamp,
}

/// The facts of one incident, checked against a rule set's catalogue.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The state before any logged change, indexed by fact.
    pub(crate) initial: Vec<Option<FactValue>>,
    /// Logged changes, oldest first.
    pub(crate) log: Vec<(FactIdx, Option<FactValue>)>,
    /// The state after every change.
    pub(crate) current: Vec<Option<FactValue>>,
    pub(crate) time_zone: TimeZone,
    pub(crate) time_zone_name: String,
    pub(crate) holiday_calendar: Option<String>,
    pub(crate) content: BTreeMap<String, ContentValue>,
    pub(crate) requests: Vec<ParsedRequest>,
    pub(crate) warnings: Vec<(FactIdx, String)>,
}

impl Facts {
    /// Checks a document against the rule set: every fact id must be in the catalogue and every
    /// value must fit its type; submissions, decisions and requests must name existing stages.
    pub fn from_document(rules: &RuleSet, doc: &FactDocument) -> Result<Facts, Error> {
        for (what, n) in [
            ("entity facts", doc.entity.len()),
            ("incident facts", doc.incident.len()),
        ] {
            if n > MAX_FACTS {
                return Err(Error::Limit {
                    what,
                    limit: MAX_FACTS,
                    actual: n,
                });
            }
        }
        if doc.fact_log.len() > MAX_FACT_LOG_ENTRIES {
            return Err(Error::Limit {
                what: "fact_log entries",
                limit: MAX_FACT_LOG_ENTRIES,
                actual: doc.fact_log.len(),
            });
        }
        for (what, n) in [
            ("submissions", doc.submissions.len()),
            ("decisions", doc.decisions.len()),
            ("requests", doc.requests.len()),
        ] {
            if n > MAX_EVENTS {
                return Err(Error::Limit {
                    what,
                    limit: MAX_EVENTS,
                    actual: n,
                });
            }
        }
        // The legal time zone first: instants written as local times or dates need it.
        let tz_value = doc.entity.get(FACT_TIME_ZONE).filter(|v| !is_unknown(v));
        let Some(Value::String(time_zone_name)) = tz_value else {
            return Err(Error::fact(
                FACT_TIME_ZONE,
                "required: the IANA name of the legal time zone for date-based clocks (e.g. Europe/Berlin)",
            ));
        };
        let time_zone = jiff::tz::db().get(time_zone_name).map_err(|_| {
            Error::fact(
                FACT_TIME_ZONE,
                format!("unknown IANA time zone {time_zone_name:?}"),
            )
        })?;
        let parser = ValueParser {
            rules,
            tz: &time_zone,
        };
        let mut initial: Vec<Option<FactValue>> = vec![None; rules.facts.len()];
        for (map_name, map) in [("entity", &doc.entity), ("incident", &doc.incident)] {
            for (id, raw) in map {
                let idx = rules
                    .fact_idx(id)
                    .ok_or_else(|| Error::fact(id, unknown_fact_reason(rules, id)))?;
                let belongs = if id.starts_with("entity.") || id.starts_with("policy.") {
                    "entity"
                } else {
                    "incident"
                };
                if belongs != map_name {
                    return Err(Error::fact(
                        id,
                        format!("belongs in the `{belongs}` map, not `{map_name}`"),
                    ));
                }
                initial[idx.0] = parser.parse(idx, raw)?;
            }
        }
        let mut log = Vec::new();
        let mut current = initial.clone();
        for change in &doc.fact_log {
            let idx = rules.fact_idx(&change.fact).ok_or_else(|| {
                Error::fact(&change.fact, unknown_fact_reason(rules, &change.fact))
            })?;
            if change.fact == FACT_TIME_ZONE {
                return Err(Error::fact(
                    FACT_TIME_ZONE,
                    "the legal time zone cannot change in the fact log",
                ));
            }
            let value = parser.parse(idx, &change.value)?;
            current[idx.0] = value.clone();
            log.push((idx, value));
        }
        let holiday_calendar =
            rules
                .fact_idx(FACT_HOLIDAY_CALENDAR)
                .and_then(|i| match &current[i.0] {
                    Some(FactValue::Text(id)) => Some(id.clone()),
                    _ => None,
                });
        for (id, value) in &doc.content {
            if !rules.content_fields.contains_key(id) {
                return Err(Error::fact(
                    id,
                    "unknown content field (not in the content field catalogue)",
                ));
            }
            if value.text().len() > MAX_TEXT_BYTES {
                return Err(Error::Limit {
                    what: "content value size (bytes)",
                    limit: MAX_TEXT_BYTES,
                    actual: value.text().len(),
                });
            }
        }
        let mut requests = Vec::new();
        for (i, r) in doc.requests.iter().enumerate() {
            check_stage_exists(rules, "requests", i, &r.regime, &r.stage)?;
            if r.due_at < r.requested_at {
                return Err(Error::Event {
                    what: "requests",
                    index: i,
                    reason: "due_at is before requested_at".into(),
                });
            }
            requests.push(ParsedRequest {
                regime: r.regime.clone(),
                stage: r.stage.clone(),
                due_at: r.due_at,
            });
        }
        for (i, s) in doc.submissions.iter().enumerate() {
            validate_submission(rules, i, s)?;
        }
        for (i, d) in doc.decisions.iter().enumerate() {
            validate_decision(rules, i, d)?;
        }
        let mut facts = Facts {
            initial,
            log,
            current,
            time_zone,
            time_zone_name: time_zone_name.clone(),
            holiday_calendar,
            content: doc.content.clone(),
            requests,
            warnings: Vec::new(),
        };
        facts.run_checks(rules)?;
        Ok(facts)
    }

    /// The legal time zone of the entity (`entity.time_zone`).
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// Warnings about the facts (inconsistent but not impossible values).
    pub fn warnings(&self, rules: &RuleSet) -> Vec<FactWarning> {
        self.warnings
            .iter()
            .map(|(f, m)| FactWarning {
                fact: rules.fact(*f).id.clone(),
                message: m.clone(),
            })
            .collect()
    }

    fn run_checks(&mut self, rules: &RuleSet) -> Result<(), Error> {
        for check in &rules.checks {
            let fact_id = &rules.fact(check.fact).id;
            let reference_id = &rules.fact(check.reference).id;
            let problem = match (
                check.kind,
                &self.current[check.fact.0],
                &self.current[check.reference.0],
            ) {
                (
                    CheckKind::SumAtMost,
                    Some(FactValue::StateCounts(map)),
                    Some(FactValue::Count(total)),
                ) => {
                    let sum: u64 = map.values().sum();
                    (sum > *total).then(|| {
                        format!(
                            "{} ({fact_id} adds up to {sum}, but {reference_id} is {total})",
                            check.message
                        )
                    })
                }
                (
                    CheckKind::NotBefore,
                    Some(FactValue::Instant { at, .. }),
                    Some(FactValue::Instant { at: reference, .. }),
                ) => (at < reference).then(|| {
                    format!(
                        "{} ({fact_id} {at} is before {reference_id} {reference})",
                        check.message
                    )
                }),
                (
                    CheckKind::MaxGap,
                    Some(FactValue::Instant { at, .. }),
                    Some(FactValue::Instant { at: reference, .. }),
                ) => {
                    let limit = match check.limit_fact.and_then(|f| self.current[f.0].clone()) {
                        Some(FactValue::Duration(d)) => d,
                        _ => check.default_limit.unwrap_or(SignedDuration::MAX),
                    };
                    let gap = at.duration_since(*reference);
                    (gap > limit).then(|| {
                        format!(
                            "{} ({reference_id} → {fact_id}: {:.1} h, more than {:.1} h)",
                            check.message,
                            gap.as_secs_f64() / 3600.0,
                            limit.as_secs_f64() / 3600.0
                        )
                    })
                }
                _ => None,
            };
            if let Some(message) = problem {
                match check.severity {
                    Severity::Error => return Err(Error::fact(fact_id, message)),
                    Severity::Warning => self.warnings.push((check.fact, message)),
                }
            }
        }
        Ok(())
    }
}

fn unknown_fact_reason(rules: &RuleSet, id: &str) -> String {
    let tail = id.rsplit('.').next().unwrap_or(id);
    let similar: Vec<&str> = rules
        .facts
        .iter()
        .map(|f| f.id.as_str())
        .filter(|f| f.ends_with(&format!(".{tail}")) || f.rsplit('.').next() == Some(tail))
        .take(3)
        .collect();
    if similar.is_empty() {
        "unknown fact id (not in the fact catalogue)".to_string()
    } else {
        format!(
            "unknown fact id (not in the fact catalogue; did you mean {}?)",
            similar.join(" or ")
        )
    }
}

fn check_stage_exists(
    rules: &RuleSet,
    what: &'static str,
    index: usize,
    regime: &str,
    stage: &str,
) -> Result<(), Error> {
    let versions: Vec<_> = rules.regimes.iter().filter(|r| r.id == regime).collect();
    if versions.is_empty() {
        return Err(Error::Event {
            what,
            index,
            reason: format!("unknown regime {regime}"),
        });
    }
    if !versions
        .iter()
        .any(|r| r.stages.iter().any(|s| s.id == stage))
    {
        return Err(Error::Event {
            what,
            index,
            reason: format!("regime {regime} has no stage {stage}"),
        });
    }
    Ok(())
}

fn validate_submission(rules: &RuleSet, i: usize, s: &Submission) -> Result<(), Error> {
    check_stage_exists(rules, "submissions", i, &s.regime, &s.stage)?;
    for target in &s.also_satisfies {
        check_stage_exists(rules, "submissions", i, &target.regime, &target.stage)?;
    }
    for f in &s.content_fields {
        if !rules.content_fields.contains_key(f) {
            return Err(Error::Event {
                what: "submissions",
                index: i,
                reason: format!("unknown content field {f}"),
            });
        }
    }
    if let Some(h) = &s.payload_sha256 {
        if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Event {
                what: "submissions",
                index: i,
                reason: "payload_sha256 must be 64 hex digits".into(),
            });
        }
    }
    Ok(())
}

fn validate_decision(rules: &RuleSet, i: usize, d: &Decision) -> Result<(), Error> {
    match &d.stage {
        Some(stage) => check_stage_exists(rules, "decisions", i, &d.regime, stage)?,
        None => {
            if !rules.regimes.iter().any(|r| r.id == d.regime) {
                return Err(Error::Event {
                    what: "decisions",
                    index: i,
                    reason: format!("unknown regime {}", d.regime),
                });
            }
        }
    }
    if d.rationale.trim().is_empty() {
        return Err(Error::Event {
            what: "decisions",
            index: i,
            reason: "a decision needs a rationale".into(),
        });
    }
    if d.decided_by.trim().is_empty() {
        return Err(Error::Event {
            what: "decisions",
            index: i,
            reason: "a decision needs decided_by".into(),
        });
    }
    Ok(())
}

fn is_unknown(v: &Value) -> bool {
    v.is_null() || v.as_str() == Some("unknown")
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(80).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

struct ValueParser<'a> {
    rules: &'a RuleSet,
    tz: &'a TimeZone,
}

impl ValueParser<'_> {
    /// Parses one fact value; `unknown` and null give `None` (an unknown fact).
    fn parse(&self, idx: FactIdx, v: &Value) -> Result<Option<FactValue>, Error> {
        let def = self.rules.fact(idx);
        let id = def.id.as_str();
        if is_unknown(v) {
            return Ok(None);
        }
        let bad =
            |expected: &str| Error::fact(id, format!("expected {expected}, got {}", describe(v)));
        let value = match def.fact_type {
            FactType::Tri => match v.as_str().and_then(Tri::parse) {
                Some(t) => FactValue::Tri(t),
                None => return Err(bad("yes, no or unknown")),
            },
            FactType::Bool => FactValue::Bool(v.as_bool().ok_or_else(|| bad("true or false"))?),
            FactType::Count => {
                FactValue::Count(v.as_u64().ok_or_else(|| bad("a whole number ≥ 0"))?)
            }
            FactType::Decimal => {
                let n = v
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("a number"))?;
                FactValue::Decimal(n)
            }
            FactType::Instant => {
                let s = v.as_str().ok_or_else(|| {
                    bad("an RFC 3339 instant with offset, e.g. 2026-06-05T23:30:00+02:00")
                })?;
                let (at, imprecise) =
                    parse_instant(s, self.tz).map_err(|reason| Error::fact(id, reason))?;
                FactValue::Instant { at, imprecise }
            }
            FactType::Date => {
                let s = v.as_str().ok_or_else(|| bad("a date YYYY-MM-DD"))?;
                FactValue::Date(
                    parse_date_fact(s, self.tz).map_err(|reason| Error::fact(id, reason))?,
                )
            }
            FactType::Enum => {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad(&format!("one of {}", def.values.join(", "))))?;
                if !def.values.iter().any(|x| x == s) {
                    return Err(bad(&format!("one of {}", def.values.join(", "))));
                }
                FactValue::Enum(s.to_string())
            }
            FactType::Set | FactType::Countries => {
                let items = v.as_array().ok_or_else(|| bad("a list"))?;
                if items.len() > MAX_LIST_ITEMS {
                    return Err(Error::Limit {
                        what: "list fact items",
                        limit: MAX_LIST_ITEMS,
                        actual: items.len(),
                    });
                }
                let allowed: Vec<String> = if def.fact_type == FactType::Set {
                    def.values.clone()
                } else {
                    self.group_codes(def.codes_from.as_deref())
                };
                let mut set = BTreeSet::new();
                for item in items {
                    let s = item.as_str().ok_or_else(|| bad("a list of strings"))?;
                    if !allowed.iter().any(|a| a == s) {
                        let what = if def.fact_type == FactType::Set {
                            format!("one of {}", def.values.join(", "))
                        } else {
                            format!(
                                "an ISO code of {}",
                                def.codes_from.clone().unwrap_or_default()
                            )
                        };
                        return Err(Error::fact(
                            id,
                            format!("unknown value {s:?}: expected {what}"),
                        ));
                    }
                    set.insert(s.to_string());
                }
                FactValue::Set(set)
            }
            FactType::StateCounts => {
                let obj = v
                    .as_object()
                    .ok_or_else(|| bad("a map of State code → count"))?;
                if obj.len() > MAX_LIST_ITEMS {
                    return Err(Error::Limit {
                        what: "map fact entries",
                        limit: MAX_LIST_ITEMS,
                        actual: obj.len(),
                    });
                }
                let allowed = self.group_codes(def.codes_from.as_deref());
                let mut map = BTreeMap::new();
                for (k, n) in obj {
                    if !allowed.iter().any(|a| a == k) {
                        return Err(Error::fact(
                            id,
                            format!("unknown State or jurisdiction code {k:?}"),
                        ));
                    }
                    let n = n.as_u64().ok_or_else(|| {
                        Error::fact(
                            id,
                            format!("{k}: expected a whole number ≥ 0, got {}", describe(n)),
                        )
                    })?;
                    map.insert(k.clone(), n);
                }
                FactValue::StateCounts(map)
            }
            FactType::Text => {
                let s = v.as_str().ok_or_else(|| bad("text"))?;
                if s.len() > MAX_TEXT_BYTES {
                    return Err(Error::Limit {
                        what: "text fact size (bytes)",
                        limit: MAX_TEXT_BYTES,
                        actual: s.len(),
                    });
                }
                FactValue::Text(s.to_string())
            }
            FactType::TimeZone => {
                let s = v.as_str().ok_or_else(|| bad("an IANA time-zone name"))?;
                jiff::tz::db()
                    .get(s)
                    .map_err(|_| Error::fact(id, format!("unknown IANA time zone {s:?}")))?;
                FactValue::Text(s.to_string())
            }
            FactType::HolidayCalendar => {
                let s = v.as_str().ok_or_else(|| bad("a holiday calendar id"))?;
                if !self.rules.calendars.contains_key(s) {
                    let known: Vec<&str> =
                        self.rules.calendars.keys().map(String::as_str).collect();
                    return Err(Error::fact(
                        id,
                        format!(
                            "unknown holiday calendar {s:?} (known: {})",
                            known.join(", ")
                        ),
                    ));
                }
                FactValue::Text(s.to_string())
            }
            FactType::Duration => {
                let s = v
                    .as_str()
                    .ok_or_else(|| bad("an ISO 8601 duration, e.g. PT24H"))?;
                let span: jiff::Span = s
                    .parse()
                    .map_err(|_| bad("an ISO 8601 duration, e.g. PT24H"))?;
                let d = exact_duration(&span)
                    .filter(|d| d.is_positive())
                    .ok_or_else(|| bad("a positive duration in days, hours or minutes"))?;
                FactValue::Duration(d)
            }
            FactType::LawEnforcementDelay => {
                let obj = v.as_object().ok_or_else(|| {
                    bad("{kind: written|oral, stated_on: YYYY-MM-DD, until: YYYY-MM-DD}")
                })?;
                for k in obj.keys() {
                    if !["kind", "stated_on", "until"].contains(&k.as_str()) {
                        return Err(Error::fact(
                            id,
                            format!("unknown key {k:?} (expected kind, stated_on, until)"),
                        ));
                    }
                }
                let written = match obj.get("kind").and_then(Value::as_str) {
                    Some("written") => true,
                    Some("oral") => false,
                    _ => return Err(Error::fact(id, "kind: expected written or oral")),
                };
                let date = |key: &str| -> Result<Option<Date>, Error> {
                    match obj.get(key) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) => parse_date_fact(s, self.tz)
                            .map(Some)
                            .map_err(|r| Error::fact(id, format!("{key}: {r}"))),
                        Some(other) => Err(Error::fact(
                            id,
                            format!("{key}: expected a date, got {}", describe(other)),
                        )),
                    }
                };
                let stated_on =
                    date("stated_on")?.ok_or_else(|| Error::fact(id, "stated_on is required"))?;
                let until = date("until")?;
                if written && until.is_none() {
                    return Err(Error::fact(
                        id,
                        "a written statement gives the end of the delay: until is required",
                    ));
                }
                if until.is_some_and(|u| u < stated_on) {
                    return Err(Error::fact(id, "until is before stated_on"));
                }
                FactValue::LeDelay(LeDelay {
                    written,
                    stated_on,
                    until,
                })
            }
        };
        Ok(Some(value))
    }

    fn group_codes(&self, group: Option<&str>) -> Vec<String> {
        group
            .and_then(|g| self.rules.groups.get(g))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Parses an instant. Accepted: RFC 3339 with offset; RFC 9557 with offset and zone annotation
/// (they must agree); a local time with a zone annotation and no offset, if it exists exactly
/// once in that zone; a bare date (the start of that day in the legal time zone, imprecise).
/// Rejected: a local time with neither offset nor zone, and ambiguous or non-existent local times.
pub(crate) fn parse_instant(s: &str, tz: &TimeZone) -> Result<(Timestamp, bool), String> {
    let s = s.trim();
    if s.len() == 10 {
        if let Ok(date) = s.parse::<Date>() {
            let start = date
                .to_zoned(tz.clone())
                .and_then(|z| z.start_of_day())
                .map_err(|e| e.to_string())?;
            return Ok((start.timestamp(), true));
        }
    }
    let (local_part, zone) = match s.find('[') {
        Some(i) if s.ends_with(']') => (&s[..i], Some(&s[i + 1..s.len() - 1])),
        Some(_) => return Err(format!("{s:?}: unbalanced time-zone annotation")),
        None => (s, None),
    };
    if let Ok(ts) = local_part.parse::<Timestamp>() {
        if let Some(zone) = zone {
            // Offset and zone must agree.
            let zone_tz = jiff::tz::db()
                .get(zone)
                .map_err(|_| format!("{s:?}: unknown time zone {zone:?}"))?;
            let parsed = jiff::fmt::temporal::DateTimeParser::new()
                .offset_conflict(jiff::tz::OffsetConflict::Reject)
                .parse_zoned(s);
            if parsed.is_err() {
                let actual = zone_tz.to_offset(ts);
                return Err(format!(
                    "{s:?}: the offset does not match {zone} (which is at {actual} then)"
                ));
            }
        }
        return Ok((ts, false));
    }
    let dt: DateTime = local_part.parse().map_err(|_| {
        format!("{s:?} is not an RFC 3339 instant: write it with a UTC offset, e.g. 2026-06-05T23:30:00+02:00")
    })?;
    let Some(zone) = zone else {
        return Err(format!(
            "{s:?} has no UTC offset: a local time is ambiguous without one; write e.g. {}+02:00, or add a time-zone annotation like [Europe/Berlin]",
            local_part
        ));
    };
    let zone_tz = jiff::tz::db()
        .get(zone)
        .map_err(|_| format!("{s:?}: unknown time zone {zone:?}"))?;
    match zone_tz.to_ambiguous_zoned(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            let ts = offset.to_timestamp(dt).map_err(|e| e.to_string())?;
            Ok((ts, false))
        }
        AmbiguousOffset::Fold { before, after } => Err(format!(
            "{dt} occurs twice in {zone} (at offsets {before} and {after}, when clocks go back): write the offset, e.g. {dt}{before}"
        )),
        AmbiguousOffset::Gap { before, after } => Err(format!(
            "{dt} does not exist in {zone} (clocks jump from offset {before} to {after} then)"
        )),
    }
}

/// Parses a date fact: `YYYY-MM-DD`, or an instant whose local date in the legal time zone is
/// taken (year and day membership use the local date).
pub(crate) fn parse_date_fact(s: &str, tz: &TimeZone) -> Result<Date, String> {
    if let Ok(d) = s.trim().parse::<Date>() {
        if s.trim().len() == 10 {
            return Ok(d);
        }
    }
    let (ts, _) = parse_instant(s, tz)
        .map_err(|e| format!("expected a date YYYY-MM-DD or an instant: {e}"))?;
    Ok(ts.to_zoned(tz.clone()).date())
}
