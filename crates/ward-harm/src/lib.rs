//! ward-harm: a patient-harm estimate for a hospital cyberattack, from published effect sizes.
//!
//! [`estimate`] turns a hospital's size and an outage ([`HarmInput`]) into outcomes, each a range
//! with the formula in words and every parameter with its source, citation and uncertainty, plus
//! the model's limits ([`HarmEstimate`]). [`render_text`] prints it as Markdown. [`sources`] lists
//! every study the parameters come from. The model, its parameters and worked examples computed
//! by hand are in `docs/HARM-ESTIMATE.md`; what the tracer *records* as harm is `docs/HARM.md`.
//!
//! This crate does no IO: no files, network, database, clock or randomness. The same input
//! always gives the same estimate, to the last digit.

mod input;
mod model;
mod render;
mod sources;

pub use input::{
    Diversion, HarmInput, InputError, Problem, Setting, Severity, DEFAULT_BASELINE_MORTALITY, DEFAULT_OCCUPANCY, MAX_ADMISSIONS_PER_DAY,
    MAX_AMI_DISCHARGES_PER_YEAR, MAX_BASELINE_MORTALITY, MAX_BEDS, MAX_DOWNTIME_DAYS, MAX_ED_VISITS_PER_DAY, MAX_INPATIENTS,
    MAX_NEIGHBOUR_ED_VISITS_PER_DAY,
};
pub use model::{estimate, limits, round2, HarmEstimate, Outcome, OutcomeId, Parameter, ValueOrRange, MODEL_VERSION};
pub use render::render_text;
pub use sources::{source, sources, Source};
