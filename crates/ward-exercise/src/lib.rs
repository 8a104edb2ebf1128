//! ward-exercise: tabletop exercises for hospitals, the pure part.
//!
//! Scenarios as data ([`scenario`]: `scenarios/*.yaml`, embedded and validated field by field),
//! scenario time ([`duration`]), a run replayed from its append-only event log ([`run`]: the
//! exercise clock, inject release with conditions on earlier play, expectation scoring, the
//! reporting obligations of the scenario's incident ticking in story time through ward-rules),
//! and the metrics and after-action report ([`report`]).
//!
//! This crate does no IO: no files (scenarios are embedded at compile time), network, database,
//! clock or randomness. `now` is always passed in.

pub mod duration;
pub mod report;
pub mod run;
pub mod scenario;

pub use duration::ScenarioDuration;
pub use report::{after_action, after_action_with, metrics, metrics_with, timeline, AfterAction, Metrics};
pub use run::{Event, EventKind, ExpectationStatus, RunState, Status};
pub use scenario::{ActionKind, Role, Scenario};

/// Longest note, rationale or observation a person types, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

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
        if self.field.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.field, self.reason)
        }
    }
}

/// The crate's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("scenario {file}: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Scenario { file: String, problems: Vec<FieldProblem> },
}
