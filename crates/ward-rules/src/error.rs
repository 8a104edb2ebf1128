//! The one error type of ward-rules: every variant names where (file, line, YAML path or fact id)
//! and why, so `ward rules check` and `ward obligations evaluate` can print it as it is.

use std::fmt;

/// Where a problem is: a file, an optional 1-based line, and a YAML path such as
/// `regimes[2].stages[0].deadline.limit.from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: Option<usize>,
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line)?,
            None => write!(f, "{}", self.file)?,
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while loading rules, reading a fact document or rendering a report.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A rule or calendar file is not valid YAML, has an unknown key or a value of the wrong type.
    #[error("{location}: {reason}")]
    RuleSyntax { location: Location, reason: String },
    /// A rule file parses but says something impossible: a dangling reference, a predicate that can
    /// never be evaluated, a duration that does not fit its arithmetic, overlapping versions.
    #[error("{location}: {reason}")]
    RuleInvalid { location: Location, reason: String },
    /// A rule directory or file could not be read.
    #[error("{path}: {reason}")]
    RuleIo { path: String, reason: String },
    /// The fact document is not valid YAML/JSON or has the wrong shape.
    #[error("fact document: {path}{}: {reason}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    DocumentSyntax {
        path: String,
        line: Option<usize>,
        reason: String,
    },
    /// One fact has a bad value: wrong type, unknown id, a local time that is ambiguous, …
    #[error("fact {fact}: {reason}")]
    Fact { fact: String, reason: String },
    /// A submission, decision or request in the fact document is invalid.
    #[error("{what}[{index}]: {reason}")]
    Event {
        what: &'static str,
        index: usize,
        reason: String,
    },
    /// A named limit was exceeded (file size, number of facts, …).
    #[error("{what}: limit of {limit} exceeded ({actual})")]
    Limit {
        what: &'static str,
        limit: usize,
        actual: usize,
    },
    /// A report was asked for a regime or stage the rule set does not have.
    #[error("no stage {stage} in regime {regime} (version {version})")]
    UnknownStage {
        regime: String,
        version: String,
        stage: String,
    },
}

impl Error {
    /// A stable, machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::RuleSyntax { .. } => "rule_syntax",
            Error::RuleInvalid { .. } => "rule_invalid",
            Error::RuleIo { .. } => "rule_io",
            Error::DocumentSyntax { .. } => "document_syntax",
            Error::Fact { .. } => "fact_invalid",
            Error::Event { .. } => "event_invalid",
            Error::Limit { .. } => "limit_exceeded",
            Error::UnknownStage { .. } => "unknown_stage",
        }
    }

    pub(crate) fn fact(fact: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Fact {
            fact: fact.into(),
            reason: reason.into(),
        }
    }
}
