//! ward-risk: continuous risk management as pure functions.
//!
//! Control frameworks and crosswalks are data ([`framework`]: `frameworks/*.yaml`, embedded at
//! build time); an organisation's posture is computed from its answers, their evidence, the open
//! known-exploited-vulnerability findings and the day ([`posture`]), and inferred for other
//! frameworks through the crosswalks; the CISA KEV catalogue ([`kev`]) and asset inventories
//! ([`assets`]) are parsed from bytes handed in, and matched ([`matching`]). This crate does no
//! IO and never reads the clock: `today` is always an argument.

pub mod assets;
mod csv_table;
pub mod framework;
pub mod kev;
pub mod matching;
pub mod posture;

use std::fmt;

use serde::Serialize;

pub use assets::{AssetDraft, AssetKind, Cpe, Criticality, FieldError};
pub use framework::{Basis, Catalogue, Crosswalk, FileError, Framework, Mapping, Relationship, Requirement};
pub use kev::{KevCatalogue, KevEntry, KevFormat};
pub use matching::{Confidence, Exposure, MatchRule};
pub use posture::{Answer, Counts, EvidencePeriod, InferredPosture, OpenFinding, Posture, Reason, RequirementAnswer, Status};

/// One problem in one record of an imported file: where (CSV line, or record number in a JSON
/// list, or the file as a whole), which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// Line (CSV) or 1-based record number (JSON); `None` for the whole file.
    pub position: Option<usize>,
    /// Whether `position` is a line number.
    pub is_line: bool,
    pub field: String,
    pub reason: String,
}

impl RecordError {
    pub(crate) fn new(record: usize, field: &str, reason: impl Into<String>) -> RecordError {
        RecordError { position: Some(record), is_line: false, field: field.to_owned(), reason: reason.into() }
    }
    pub(crate) fn line(line: usize, field: &str, reason: impl Into<String>) -> RecordError {
        RecordError { position: Some(line), is_line: true, field: field.to_owned(), reason: reason.into() }
    }
    pub(crate) fn top(field: &str, reason: impl Into<String>) -> RecordError {
        RecordError { position: None, is_line: false, field: field.to_owned(), reason: reason.into() }
    }
    pub(crate) fn file(reason: impl Into<String>) -> RecordError {
        RecordError { position: None, is_line: false, field: String::new(), reason: reason.into() }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.position, self.is_line) {
            (Some(n), true) => write!(f, "line {n}: ")?,
            (Some(n), false) => write!(f, "vulnerabilities[{}]: ", n - 1)?,
            (None, _) => {}
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.reason)
    }
}

/// Formats a list of record errors one per line.
pub fn format_errors(errors: &[RecordError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}
