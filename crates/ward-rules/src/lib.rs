//! ward-rules: the reporting-obligation engine of ward ("report once").
//!
//! Rules are data (`rules/*.yaml`, holiday calendars under `rules/calendars/`), loaded and checked
//! by [`RuleSet::load_dir`] or compiled into the binary ([`RuleSet::embedded`]). No regime name
//! appears in this crate's code: it knows predicates over tri-state facts (Kleene logic), clocks,
//! deadline arithmetic, overrides, tolling and the stage lifecycle.
//!
//! The engine is pure: [`evaluate`] maps (rules, facts, submissions, decisions, `now`) to
//! [`Obligation`]s. It never reads the clock; `now` only decides overdue flags.
//!
//! ```
//! let rules = ward_rules::RuleSet::embedded().expect("embedded rules load");
//! let doc = r#"
//! entity:
//!   entity.time_zone: Europe/Berlin
//!   entity.country_of_establishment: [DE]
//!   entity.de.bsig_class: besonders_wichtig
//! incident:
//!   incident.awareness_at: 2026-06-05T23:30:00+02:00
//!   incident.is_security_incident: "yes"
//!   impact.severe_operational_disruption: "yes"
//! "#;
//! let now: jiff::Timestamp = "2026-06-06T08:00:00+02:00".parse().unwrap();
//! let obligations = ward_rules::evaluate_document_with(rules, doc, now).unwrap();
//! // Sorted by due time: the first is the 24-hour early warning.
//! let first = &obligations[0];
//! assert_eq!(ward_rules::format_zoned(first.due_at.as_ref().unwrap()), "2026-06-06T23:30:00+02:00");
//! assert_eq!(first.due_basis, "awareness + 24 h");
//! ```

mod calendar;
mod compile;
mod engine;
mod error;
mod facts;
mod locate;
mod model;
mod raw;
mod report;

pub use jiff;

pub use calendar::HolidayCalendar;
pub use engine::{
    deciding_unknown_facts, evaluate, format_zoned, Closure, PAST_DUE_NOTE, DecidingFact, Obligation,
    PossibleDeadline, Status,
};
pub use error::{Error, Location};
pub use facts::{
    ContentValue, Decision, DecisionKind, FactChange, FactDocument, FactWarning, Facts, Request,
    SourcedText, StageRef, Submission,
};
pub use model::{
    FactInfo, FactType, Kind, Promptness, RegimeStatus, RegimeSummary, RuleSet, RuleSource, Tri, Verification,
};
pub use report::{
    draft_report, render_json, render_markdown, ReportDraft, ReportField, Requirement,
};

/// The rule-file schema version this crate reads.
pub const SCHEMA_VERSION: u32 = 1;
/// Largest rule or calendar file accepted.
pub const MAX_RULE_FILE_BYTES: usize = 1024 * 1024;
/// Most rule plus calendar files in one rule set.
pub const MAX_RULE_FILES: usize = 256;
/// Deepest nesting of predicates and limits.
pub const MAX_PREDICATE_DEPTH: usize = 32;
/// Largest business-day count a rule may use.
pub const MAX_BUSINESS_DAYS: i64 = 366;
/// Largest fact document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Most facts in the `entity` or the `incident` map.
pub const MAX_FACTS: usize = 500;
/// Most entries in the fact log.
pub const MAX_FACT_LOG_ENTRIES: usize = 1000;
/// Most submissions, decisions or requests in one document.
pub const MAX_EVENTS: usize = 1000;
/// Most items in a list or map fact.
pub const MAX_LIST_ITEMS: usize = 300;
/// Largest text value (a text fact or a content value).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The legal time zone of the entity (IANA name): date-based clocks end at local end of day.
pub const FACT_TIME_ZONE: &str = "entity.time_zone";
/// The entity's holiday calendar, for rules that count business days on it.
pub const FACT_HOLIDAY_CALENDAR: &str = "entity.holiday_calendar";
/// Countries of establishment: selects advisory instances of directive templates.
pub const FACT_COUNTRY_OF_ESTABLISHMENT: &str = "entity.country_of_establishment";
/// The organisation's internal deadline where the law sets no number.
pub const FACT_INTERNAL_SLA: &str = "policy.internal_sla";

/// A fact document checked against a rule set, split into what [`evaluate`] takes.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: FactDocument,
    pub facts: Facts,
    pub submissions: Vec<Submission>,
    pub decisions: Vec<Decision>,
}

/// Reads a fact document written in YAML or JSON (checks shape only, not fact values).
pub fn parse_fact_document(text: &str) -> Result<FactDocument, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::Limit {
            what: "fact document size (bytes)",
            limit: MAX_DOCUMENT_BYTES,
            actual: text.len(),
        });
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Error::DocumentSyntax {
            path: if path == "." {
                "(top level)".into()
            } else {
                path
            },
            line: inner.location().map(|l| l.line()),
            reason: inner.to_string(),
        }
    })
}

/// Reads and checks a fact document against `rules`.
pub fn parse_document(rules: &RuleSet, text: &str) -> Result<Document, Error> {
    let source = parse_fact_document(text)?;
    let facts = Facts::from_document(rules, &source)?;
    Ok(Document {
        submissions: source.submissions.clone(),
        decisions: source.decisions.clone(),
        facts,
        source,
    })
}

/// Evaluates a fact document (YAML or JSON) against the embedded rules: the code path of
/// `ward obligations evaluate`.
pub fn evaluate_document(doc_text: &str, now: jiff::Timestamp) -> Result<Vec<Obligation>, Error> {
    evaluate_document_with(RuleSet::embedded()?, doc_text, now)
}

/// Evaluates a fact document against the given rules.
pub fn evaluate_document_with(
    rules: &RuleSet,
    doc_text: &str,
    now: jiff::Timestamp,
) -> Result<Vec<Obligation>, Error> {
    let doc = parse_document(rules, doc_text)?;
    Ok(evaluate(
        rules,
        &doc.facts,
        &doc.submissions,
        &doc.decisions,
        now,
    ))
}
