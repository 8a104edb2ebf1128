//! ward-culture: the pure part of the culture of resilience.
//!
//! What a staff member may report and how it is checked ([`report`]), the texts of the report
//! page in English, German and French ([`i18n`]), triage timers and the escalation chain as a
//! function of (report, configuration, now) ([`triage`]), e-mail reports parsed into headers,
//! sender, links, attachment hashes and indicators ([`eml`]), cyber-hygiene lessons as data
//! ([`lessons`]), department culture metrics ([`metrics`]) and webhook signatures ([`notify`]).
//!
//! This crate does no IO: no files (lessons are embedded at compile time), network, database,
//! clock or randomness. Time is always passed in.

pub mod eml;
pub mod i18n;
pub mod lessons;
pub mod metrics;
pub mod notify;
pub mod report;
pub mod triage;

pub use report::{Category, OccurredHint, ReportInput, ReportStatus};
pub use triage::{EscalationPolicy, TriageConfig, TriageState};

/// One problem with an input, named by field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldProblem {
        FieldProblem { field: field.into(), reason: reason.into() }
    }
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// The crate's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldProblem>),
    #[error("lesson {file}: {problem}")]
    Lesson { file: String, problem: FieldProblem },
}

/// Text a person typed: trimmed; control characters other than newlines and tabs are refused
/// (they hide content in logs and pages), and it must fit `max_chars`.
pub fn clean_text(field: &str, text: &str, max_chars: usize) -> Result<String, FieldProblem> {
    let t = text.trim();
    if t.chars().count() > max_chars {
        return Err(FieldProblem::new(field, format!("must be at most {max_chars} characters")));
    }
    if let Some(c) = t.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldProblem::new(field, format!("contains the control character U+{:04X}", c as u32)));
    }
    Ok(t.replace("\r\n", "\n"))
}
