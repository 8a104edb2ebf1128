//! What the estimate is computed from, and the one check every input passes.
//!
//! `HarmInput` is the wire shape (JSON from the web UI, exercise scenarios, the CLI); `check`
//! turns it into `Checked`, the only thing the model accepts, so an out-of-range value can
//! never reach a formula. Every problem is reported at once, each naming its field.

use serde::{Deserialize, Serialize};

/// Largest number of staffed beds accepted (the largest hospitals in the world have a few
/// thousand; more is a typing error).
pub const MAX_BEDS: u32 = 10_000;
/// Largest number of inpatients at onset accepted.
pub const MAX_INPATIENTS: u32 = 10_000;
/// Largest number of admissions per day accepted.
pub const MAX_ADMISSIONS_PER_DAY: f64 = 2_000.0;
/// Largest number of ED visits per day accepted, for the attacked hospital.
pub const MAX_ED_VISITS_PER_DAY: f64 = 5_000.0;
/// Largest number of ED visits per day accepted for all neighbouring EDs together.
pub const MAX_NEIGHBOUR_ED_VISITS_PER_DAY: f64 = 50_000.0;
/// Largest number of AMI discharges per year accepted.
pub const MAX_AMI_DISCHARGES_PER_YEAR: f64 = 20_000.0;
/// Longest downtime accepted, in days.
pub const MAX_DOWNTIME_DAYS: f64 = 365.0;
/// Highest baseline in-hospital mortality accepted: above this the population is not an
/// acute hospital's and the studies do not apply.
pub const MAX_BASELINE_MORTALITY: f64 = 0.5;

/// Default bed occupancy: an assumption anchored on source A1 (see docs/HARM-ESTIMATE.md).
pub const DEFAULT_OCCUPANCY: f64 = 0.85;
/// Default baseline in-hospital mortality: "3 in 100" Medicare in-hospital deaths (H1-wp).
pub const DEFAULT_BASELINE_MORTALITY: f64 = 0.03;

/// How badly the attacked hospital is hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Ransomware with disruption of the kind most attacks cause.
    #[default]
    Standard,
    /// EHR and ancillary systems (laboratory, imaging, pharmacy) down, or ambulances diverted.
    Severe,
}

/// Where the attacked hospital is (chooses the H2 coefficients).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    #[default]
    Urban,
    Rural,
}

/// Whether ambulances are diverted away from the attacked hospital.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Diversion {
    #[default]
    None,
    Partial,
    Full,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Standard => "standard",
            Severity::Severe => "severe",
        }
    }
}

impl Setting {
    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Urban => "urban",
            Setting::Rural => "rural",
        }
    }
}

impl Diversion {
    pub fn as_str(self) -> &'static str {
        match self {
            Diversion::None => "none",
            Diversion::Partial => "partial",
            Diversion::Full => "full",
        }
    }
}

/// The hospital and the outage. Either `beds` (with `occupancy`, default 0.85) or
/// `inpatients_at_onset` gives the number of patients already admitted when the attack starts.
///
/// In JSON, `admissions_per_day` and `downtime_days` are required; everything else may be left
/// out. Unknown fields are refused (a misspelt field would otherwise be silently ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmInput {
    /// Staffed beds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beds: Option<u32>,
    /// Share of staffed beds occupied, 0 to 1; default 0.85 (an assumption, source A1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<f64>,
    /// Inpatients at attack onset, when known: replaces beds × occupancy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inpatients_at_onset: Option<u32>,
    /// Inpatient admissions per day in normal operation.
    pub admissions_per_day: f64,
    /// Emergency department visits per day in normal operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ed_visits_per_day: Option<f64>,
    /// Baseline in-hospital mortality of the inpatients, 0 to 0.5; default 0.03 (H1-wp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_mortality: Option<f64>,
    /// Days of downtime (systems unavailable), 0 to 365.
    pub downtime_days: f64,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub setting: Setting,
    #[serde(default)]
    pub diversion: Diversion,
    /// ED visits per day of the neighbouring EDs together (for spillover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbour_ed_visits_per_day: Option<f64>,
    /// Acute myocardial infarction discharges per year (for the long-run quality drag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami_discharges_per_year: Option<f64>,
}

impl HarmInput {
    /// Parses the JSON form; a syntax or type error names the field path where serde can.
    pub fn from_json(text: &str) -> Result<HarmInput, InputError> {
        serde_json::from_str(text).map_err(|e| InputError { problems: vec![Problem { field: "input".into(), reason: e.to_string() }] })
    }
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The field as named in `HarmInput` and its JSON (`downtime_days`); the CLI flag is the
    /// same with hyphens.
    pub field: String,
    pub reason: String,
}

/// Every problem found in an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.problems.iter().map(|p| format!("{}: {}", p.field, p.reason)).collect::<Vec<_>>().join("; "))]
pub struct InputError {
    pub problems: Vec<Problem>,
}

impl InputError {
    /// Whether `field` is among the problems.
    pub fn names(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }
}

/// The input after checking, with defaults resolved. Only `check` makes one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    /// Patients already admitted at onset (C0).
    pub inpatients_at_onset: f64,
    /// Whether C0 came from beds × occupancy with the default occupancy.
    pub occupancy_defaulted: bool,
    pub occupancy_used: Option<f64>,
    /// Baseline in-hospital mortality (m0).
    pub baseline_mortality: f64,
    pub mortality_defaulted: bool,
    pub admissions_per_day: f64,
    pub ed_visits_per_day: Option<f64>,
    pub downtime_days: f64,
    pub severity: Severity,
    pub setting: Setting,
    pub diversion: Diversion,
    pub neighbour_ed_visits_per_day: Option<f64>,
    pub ami_discharges_per_year: Option<f64>,
}

struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, field: &str, reason: impl Into<String>) {
        self.0.push(Problem { field: field.to_owned(), reason: reason.into() });
    }

    /// A number that must be finite and within [min, max]; `what` completes "must be …".
    fn range(&mut self, field: &str, value: f64, min: f64, max: f64, what: &str) {
        if value.is_nan() {
            self.push(field, "is not a number (NaN)");
        } else if value.is_infinite() {
            self.push(field, "must be finite");
        } else if value < 0.0 && min >= 0.0 {
            self.push(field, format!("must not be negative (got {value})"));
        } else if value < min || value > max {
            self.push(field, format!("must be {what} (got {value})"));
        }
    }
}

/// Checks every field; returns all problems at once.
pub(crate) fn check(input: &HarmInput) -> Result<Checked, InputError> {
    let mut p = Problems(Vec::new());
    if let Some(beds) = input.beds {
        if beds > MAX_BEDS {
            p.push("beds", format!("must be at most {MAX_BEDS} staffed beds (got {beds})"));
        }
    }
    if let Some(occupancy) = input.occupancy {
        p.range("occupancy", occupancy, 0.0, 1.0, "a share between 0 and 1, e.g. 0.85 for 85 %");
        if input.inpatients_at_onset.is_some() {
            p.push("occupancy", "give either occupancy (with beds) or inpatients_at_onset, not both");
        }
    }
    if let Some(n) = input.inpatients_at_onset {
        if n > MAX_INPATIENTS {
            p.push("inpatients_at_onset", format!("must be at most {MAX_INPATIENTS} (got {n})"));
        }
    }
    // C0: inpatients at onset, given or from beds × occupancy.
    let onset = match (input.inpatients_at_onset, input.beds) {
        (Some(n), _) => Some((f64::from(n), None, false)),
        (None, Some(beds)) => {
            let occupancy = input.occupancy.unwrap_or(DEFAULT_OCCUPANCY);
            Some((f64::from(beds) * occupancy, Some(occupancy), input.occupancy.is_none()))
        }
        (None, None) => {
            p.push("beds", "required unless inpatients_at_onset is given");
            None
        }
    };
    p.range("admissions_per_day", input.admissions_per_day, 0.0, MAX_ADMISSIONS_PER_DAY, &format!("at most {MAX_ADMISSIONS_PER_DAY}"));
    if let Some(v) = input.ed_visits_per_day {
        p.range("ed_visits_per_day", v, 0.0, MAX_ED_VISITS_PER_DAY, &format!("at most {MAX_ED_VISITS_PER_DAY}"));
    }
    if let Some(m) = input.baseline_mortality {
        p.range("baseline_mortality", m, 0.0, MAX_BASELINE_MORTALITY, &format!("a share between 0 and {MAX_BASELINE_MORTALITY}, e.g. 0.03 for 3 %"));
    }
    p.range("downtime_days", input.downtime_days, 0.0, MAX_DOWNTIME_DAYS, &format!("at most {MAX_DOWNTIME_DAYS} days"));
    if let Some(v) = input.neighbour_ed_visits_per_day {
        p.range("neighbour_ed_visits_per_day", v, 0.0, MAX_NEIGHBOUR_ED_VISITS_PER_DAY, &format!("at most {MAX_NEIGHBOUR_ED_VISITS_PER_DAY}"));
    }
    if let Some(v) = input.ami_discharges_per_year {
        p.range("ami_discharges_per_year", v, 0.0, MAX_AMI_DISCHARGES_PER_YEAR, &format!("at most {MAX_AMI_DISCHARGES_PER_YEAR}"));
    }
    let (Some((inpatients_at_onset, occupancy_used, occupancy_defaulted)), true) = (onset, p.0.is_empty()) else {
        return Err(InputError { problems: p.0 });
    };
    Ok(Checked {
        inpatients_at_onset,
        occupancy_defaulted,
        occupancy_used,
        baseline_mortality: input.baseline_mortality.unwrap_or(DEFAULT_BASELINE_MORTALITY),
        mortality_defaulted: input.baseline_mortality.is_none(),
        admissions_per_day: input.admissions_per_day,
        ed_visits_per_day: input.ed_visits_per_day,
        downtime_days: input.downtime_days,
        severity: input.severity,
        setting: input.setting,
        diversion: input.diversion,
        neighbour_ed_visits_per_day: input.neighbour_ed_visits_per_day,
        ami_discharges_per_year: input.ami_discharges_per_year,
    })
}
