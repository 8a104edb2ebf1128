//! The model: outcomes as ranges from published effect sizes (docs/HARM-ESTIMATE.md, "The model").
//!
//! Each outcome is one formula with its parameters, each parameter with the source it comes
//! from. Computation is in `f64` from the unrounded inputs; every figure that leaves the model is
//! rounded once, at the end, by `round2`.

use serde::{Deserialize, Serialize};

use crate::input::{check, Checked, Diversion, HarmInput, InputError, Setting, Severity, DEFAULT_BASELINE_MORTALITY, DEFAULT_OCCUPANCY};
use crate::sources::{Source, A1, H1, H1_WP, H2, H3, H4, H5, H6, H7, H8};

/// Version of the formulas and parameters; bumped whenever a figure for the same input changes,
/// so a stored estimate says which model produced it.
pub const MODEL_VERSION: u32 = 1;

// H1: the attacked hospital, all settings.
const H1_WEEK1_VOLUME_DROP: (f64, f64) = (0.17, 0.24);
const H1_RECOVERED_BY_DAY: f64 = 21.0;
const H1_MORTALITY_INCREASE: (f64, f64) = (0.34, 0.38);
// H1-wp: the most severe attacks.
const H1_WP_SEVERE_MORTALITY_INCREASE: (f64, f64) = (0.36, 0.55);
// H2: week-1 drops by setting, recovery in 2-3 weeks, rural travel-time ratio.
const H2_ADMISSIONS_DROP_RURAL: f64 = 0.147;
const H2_ADMISSIONS_DROP_URBAN: f64 = 0.169;
const H2_ED_DROP_RURAL: f64 = 0.100;
const H2_ED_DROP_URBAN: f64 = 0.193;
const H2_RECOVERED_BY_DAY: (f64, f64) = (14.0, 21.0);
const H2_RURAL_TRAVEL_TIME_RATIO: (f64, f64) = (4.0, 7.0);
// H3: shares of ransomware attacks, 2016-2021.
const H3_CARE_DISRUPTED: f64 = 0.444;
const H3_SYSTEM_DOWNTIME: f64 = 0.417;
const H3_SCHEDULED_CARE_CANCELLED: f64 = 0.102;
const H3_AMBULANCE_DIVERSION: f64 = 0.043;
// H4: neighbouring EDs during a large, month-long attack.
const H4_ED_CENSUS_INCREASE: f64 = 0.151;
const H4_EMS_ARRIVALS_RATIO: f64 = 1.352;
const H4_LWBS_RATIO: f64 = 2.278;
const H4_WAITING_TIME_RATIO: f64 = 1.476;
// H5: attacked hospitals' weekly profile and nearby EDs' peak.
const H5_WEEK1_DROP: f64 = 0.08;
const H5_WEEK2_DROP: (f64, f64) = (0.16, 0.17);
const H5_RECOVERED_BY_DAY: f64 = 56.0;
const H5_NEIGHBOUR_ED_PEAK_INCREASE: f64 = 0.07;
// H6: no mortality difference.
const H6_MORTALITY_INCREASE: f64 = 0.0;
// H7 and H8: 30-day (H7) and in-hospital (H8) AMI mortality change after a data breach.
const H7_AMI_MORTALITY_PP: (f64, f64) = (0.0023, 0.0036);
const H8_AMI_MORTALITY_PP: f64 = -0.01;
/// Days at the first-week level before recovery starts (H1, H2, H5 report week 1 as one figure).
const FIRST_WEEK_DAYS: f64 = 7.0;

/// Which outcome: a closed set, stable in JSON (snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeId {
    BaselineDeathsAdmitted,
    ExcessDeathsAdmitted,
    ExcessDeathsAdmittedWithNullArm,
    AdmissionsLost,
    AdmissionsLostBySetting,
    AdmissionsLostWeeklyProfile,
    EdVisitsLost,
    NeighbourEdExtraVisits,
    NeighbourEmsArrivalsRatio,
    NeighbourLeftWithoutBeingSeenRatio,
    NeighbourWaitingTimeRatio,
    RuralTravelTimeRatio,
    ShareOfAttacksDisruptingCare,
    ShareOfAttacksWithSystemDowntime,
    ShareOfAttacksCancellingScheduledCare,
    ShareOfAttacksDivertingAmbulances,
    AmiExcessDeathsPerYear,
    AmiDeathsPerYearWithContraryArm,
}

impl OutcomeId {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeId::BaselineDeathsAdmitted => "baseline_deaths_admitted",
            OutcomeId::ExcessDeathsAdmitted => "excess_deaths_admitted",
            OutcomeId::ExcessDeathsAdmittedWithNullArm => "excess_deaths_admitted_with_null_arm",
            OutcomeId::AdmissionsLost => "admissions_lost",
            OutcomeId::AdmissionsLostBySetting => "admissions_lost_by_setting",
            OutcomeId::AdmissionsLostWeeklyProfile => "admissions_lost_weekly_profile",
            OutcomeId::EdVisitsLost => "ed_visits_lost",
            OutcomeId::NeighbourEdExtraVisits => "neighbour_ed_extra_visits",
            OutcomeId::NeighbourEmsArrivalsRatio => "neighbour_ems_arrivals_ratio",
            OutcomeId::NeighbourLeftWithoutBeingSeenRatio => "neighbour_left_without_being_seen_ratio",
            OutcomeId::NeighbourWaitingTimeRatio => "neighbour_waiting_time_ratio",
            OutcomeId::RuralTravelTimeRatio => "rural_travel_time_ratio",
            OutcomeId::ShareOfAttacksDisruptingCare => "share_of_attacks_disrupting_care",
            OutcomeId::ShareOfAttacksWithSystemDowntime => "share_of_attacks_with_system_downtime",
            OutcomeId::ShareOfAttacksCancellingScheduledCare => "share_of_attacks_cancelling_scheduled_care",
            OutcomeId::ShareOfAttacksDivertingAmbulances => "share_of_attacks_diverting_ambulances",
            OutcomeId::AmiExcessDeathsPerYear => "ami_excess_deaths_per_year",
            OutcomeId::AmiDeathsPerYearWithContraryArm => "ami_deaths_per_year_with_contrary_arm",
        }
    }
}

/// A parameter's value: one figure, or the range the sources span.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValueOrRange {
    Value(f64),
    Range { low: f64, high: f64 },
}

impl std::fmt::Display for ValueOrRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueOrRange::Value(v) => write!(f, "{v}"),
            ValueOrRange::Range { low, high } => write!(f, "{low} to {high}"),
        }
    }
}

/// One parameter an outcome used, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value_or_range: ValueOrRange,
    /// `H1` … `H9`, `A1`: an id of [`crate::sources()`].
    pub source_id: String,
    /// The source's full citation ([`Source::citation`]).
    pub citation: String,
    pub uncertainty: String,
}

impl Parameter {
    fn new(name: &str, value_or_range: ValueOrRange, source: &Source, uncertainty: &str) -> Parameter {
        Parameter { name: name.to_owned(), value_or_range, source_id: source.id.to_owned(), citation: source.citation(), uncertainty: uncertainty.to_owned() }
    }
}

/// One estimated outcome: a range, a central value only where a source gives one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: OutcomeId,
    pub label: String,
    pub low: f64,
    pub high: f64,
    pub central: Option<f64>,
    pub unit: String,
    /// The formula in words, with the symbols the parameters name.
    pub formula: String,
    pub parameters: Vec<Parameter>,
}

/// The estimate: the inputs as given, what was derived from them, the outcomes and the limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarmEstimate {
    pub model_version: u32,
    pub inputs: HarmInput,
    /// C0: beds × occupancy, or the inpatients given (not rounded).
    pub inpatients_at_onset: f64,
    /// m0: as given, or the default 0.03.
    pub baseline_mortality: f64,
    pub outcomes: Vec<Outcome>,
    /// Plain statements of what the estimate cannot say.
    pub limits: Vec<String>,
}

impl HarmEstimate {
    pub fn outcome(&self, id: OutcomeId) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}

/// Rounds half away from zero to two decimals: the one rounding rule of every output figure.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn range(low: f64, high: f64) -> ValueOrRange {
    ValueOrRange::Range { low, high }
}

fn outcome(id: OutcomeId, label: &str, (low, high): (f64, f64), central: Option<f64>, unit: &str, formula: String, parameters: Vec<Parameter>) -> Outcome {
    Outcome { id, label: label.to_owned(), low: round2(low), high: round2(high), central: central.map(round2), unit: unit.to_owned(), formula, parameters }
}

/// Area under a fractional-drop profile from day `start` to day `days`, where the drop falls in a
/// straight line from `level` at `start` to 0 at `end`: ∫ level × (end − t)/(end − start) dt
/// over [start, min(days, end)] = level × (t − start)(2·end − t − start) / (2(end − start)).
fn linear_tail(level: f64, start: f64, end: f64, days: f64) -> f64 {
    if days <= start {
        return 0.0;
    }
    let t = days.min(end);
    level * (t - start) * (2.0 * end - t - start) / (2.0 * (end - start))
}

/// Drop-days over the first `days` of a profile that holds `level` for week 1 and recovers in a
/// straight line to 0 at day `recovered_by` (H1, H2).
fn week1_then_linear(level: f64, recovered_by: f64, days: f64) -> f64 {
    level * days.min(FIRST_WEEK_DAYS) + linear_tail(level, FIRST_WEEK_DAYS, recovered_by, days)
}

/// Drop-days of H5's profile: `week1` for days 0-7, `week2` for days 7-14, then a straight line
/// to 0 at day 56.
fn h5_profile(week1: f64, week2: f64, days: f64) -> f64 {
    let second_week = (days.min(2.0 * FIRST_WEEK_DAYS) - FIRST_WEEK_DAYS).max(0.0);
    week1 * days.min(FIRST_WEEK_DAYS) + week2 * second_week + linear_tail(week2, 2.0 * FIRST_WEEK_DAYS, H5_RECOVERED_BY_DAY, days)
}

/// The estimate for one input; every bad field is named in the error. Never panics.
pub fn estimate(input: &HarmInput) -> Result<HarmEstimate, InputError> {
    let c = check(input)?;
    let mut outcomes = Vec::new();
    mortality(&c, &mut outcomes);
    displaced_demand(&c, &mut outcomes);
    spillover(&c, &mut outcomes);
    attack_shares(&mut outcomes);
    ami(&c, &mut outcomes);
    Ok(HarmEstimate {
        model_version: MODEL_VERSION,
        inputs: input.clone(),
        inpatients_at_onset: c.inpatients_at_onset,
        baseline_mortality: c.baseline_mortality,
        outcomes,
        limits: limits(),
    })
}

/// The defaults that stood in for inputs the caller did not give, as parameters.
fn default_parameters(c: &Checked) -> Vec<Parameter> {
    let mut parameters = Vec::new();
    if c.occupancy_defaulted {
        parameters.push(Parameter::new(
            "occupancy (default, ward's assumption)",
            ValueOrRange::Value(DEFAULT_OCCUPANCY),
            &A1,
            "an assumption, not a measurement: A1 found bed shortages become discernible above about 85 % occupancy, so a busy acute \
             hospital runs near it; US and European averages are often lower. Give the hospital's own occupancy or inpatients at onset.",
        ));
    }
    if c.mortality_defaulted {
        parameters.push(Parameter::new(
            "m0, baseline in-hospital mortality (default)",
            ValueOrRange::Value(DEFAULT_BASELINE_MORTALITY),
            &H1_WP,
            "the authors' Medicare figure (\"3 in 100\" in-hospital deaths), reported in press coverage; Medicare inpatients are older \
             than the average inpatient, so for a general mix this is likely high. Give the hospital's own figure.",
        ));
    }
    parameters
}

fn mortality(c: &Checked, outcomes: &mut Vec<Outcome>) {
    let baseline = c.inpatients_at_onset * c.baseline_mortality;
    outcomes.push(outcome(
        OutcomeId::BaselineDeathsAdmitted,
        "Expected in-hospital deaths among patients already admitted at onset, without an attack (baseline)",
        (baseline, baseline),
        Some(baseline),
        "deaths",
        "B = C0 × m0, where C0 is the inpatients at onset (beds × occupancy, or as given) and m0 the baseline in-hospital mortality".into(),
        default_parameters(c),
    ));
    let (r, r_parameter) = match c.severity {
        Severity::Standard => (
            H1_MORTALITY_INCREASE,
            Parameter::new(
                "r, relative increase in in-hospital mortality of patients admitted at onset",
                range(H1_MORTALITY_INCREASE.0, H1_MORTALITY_INCREASE.1),
                &H1,
                "the published estimates span 34-38 %; confidence intervals were not available to ward; Medicare fee-for-service \
                 patients only; an association from an event study, not a proven cause",
            ),
        ),
        Severity::Severe => (
            H1_WP_SEVERE_MORTALITY_INCREASE,
            Parameter::new(
                "r, relative increase in in-hospital mortality of patients admitted at onset (severe attacks)",
                range(H1_WP_SEVERE_MORTALITY_INCREASE.0, H1_WP_SEVERE_MORTALITY_INCREASE.1),
                &H1_WP,
                "from the 2023 working paper as reported by the press (1.28-1.87 percentage points); the press disagrees whether it \
                 describes the most severe attacks or all of them; not in the published version ward could check",
            ),
        ),
    };
    let mut parameters = default_parameters(c);
    parameters.push(r_parameter.clone());
    outcomes.push(outcome(
        OutcomeId::ExcessDeathsAdmitted,
        "Excess in-hospital deaths among patients already admitted at onset",
        (baseline * r.0, baseline * r.1),
        None,
        "deaths",
        "ΔD = C0 × m0 × r, for r at each end of its range; independent of the downtime length (H1 measured it per attack)".into(),
        parameters,
    ));
    let mut parameters = default_parameters(c);
    parameters.push(Parameter::new(
        "r, low end: no mortality difference (null arm)",
        ValueOrRange::Value(H6_MORTALITY_INCREASE),
        &H6,
        "WannaCry in English NHS trusts found no difference in mortality, measured as deaths in A&E, which the authors call a crude \
         measure; a one-day attack, stopped by a kill switch",
    ));
    parameters.push(r_parameter);
    outcomes.push(outcome(
        OutcomeId::ExcessDeathsAdmittedWithNullArm,
        "Excess in-hospital deaths among patients already admitted at onset, including the null result (sensitivity)",
        (baseline * H6_MORTALITY_INCREASE, baseline * r.1),
        None,
        "deaths",
        "ΔD = C0 × m0 × r, with r from 0 (H6) to the high end of the range above: the honest lower bound is no excess death".into(),
        parameters,
    ));
}

fn displaced_demand(c: &Checked, outcomes: &mut Vec<Outcome>) {
    let a = c.admissions_per_day;
    let d = c.downtime_days;
    outcomes.push(outcome(
        OutcomeId::AdmissionsLost,
        "Admissions lost at the attacked hospital over the downtime (displaced demand)",
        (a * week1_then_linear(H1_WEEK1_VOLUME_DROP.0, H1_RECOVERED_BY_DAY, d), a * week1_then_linear(H1_WEEK1_VOLUME_DROP.1, H1_RECOVERED_BY_DAY, d)),
        None,
        "admissions",
        "L = A × ∫₀ᴰ f(t) dt, where A is admissions per day, D the downtime in days and f the drop on day t: f = d1 for t < 7, then \
         falling in a straight line to 0 at day 21 (f = d1 × (21 − t)/14), 0 after; so L = A × d1 × D for D ≤ 7, \
         A × d1 × (7 + (D − 7)(35 − D)/28) for 7 < D ≤ 21, A × d1 × 14 for D > 21"
            .into(),
        vec![
            Parameter::new(
                "d1, drop in hospital volume in week 1",
                range(H1_WEEK1_VOLUME_DROP.0, H1_WEEK1_VOLUME_DROP.1),
                &H1,
                "Medicare fee-for-service volume; the spread of published estimates, not a confidence interval",
            ),
            Parameter::new(
                "day by which volume is back to baseline",
                ValueOrRange::Value(H1_RECOVERED_BY_DAY),
                &H1,
                "H1 reports recovery \"within 3 weeks\" on average; the straight-line path between week 1 and week 3 is ward's \
                 interpolation, and the profile does not stretch with a longer downtime",
            ),
        ],
    ));
    let (admissions_drop, ed_drop) = match c.setting {
        Setting::Rural => (H2_ADMISSIONS_DROP_RURAL, H2_ED_DROP_RURAL),
        Setting::Urban => (H2_ADMISSIONS_DROP_URBAN, H2_ED_DROP_URBAN),
    };
    let setting = c.setting.as_str();
    let recovery = |name: &str| {
        Parameter::new(
            name,
            range(H2_RECOVERED_BY_DAY.0, H2_RECOVERED_BY_DAY.1),
            &H2,
            "H2 reports recovery in 2-3 weeks; the straight-line path from the end of week 1 is ward's interpolation; the low end of \
             the outcome uses day 14, the high end day 21",
        )
    };
    let by_setting_formula = |what: &str| {
        format!(
            "L = {what} × ∫₀ᴰ f(t) dt with f = d1 for t < 7, then a straight line to 0 at day R (f = d1 × (R − t)/(R − 7)), 0 after; \
             low end R = 14, high end R = 21"
        )
    };
    outcomes.push(outcome(
        OutcomeId::AdmissionsLostBySetting,
        &format!("Inpatient admissions lost at the attacked hospital over the downtime, {setting} coefficient"),
        (a * week1_then_linear(admissions_drop, H2_RECOVERED_BY_DAY.0, d), a * week1_then_linear(admissions_drop, H2_RECOVERED_BY_DAY.1, d)),
        None,
        "admissions",
        by_setting_formula("A"),
        vec![
            Parameter::new(
                &format!("d1, week-1 drop in inpatient admissions ({setting})"),
                ValueOrRange::Value(admissions_drop),
                &H2,
                "point estimate for Medicare fee-for-service admissions (rural 14.7 %, urban 16.9 %); confidence intervals not available to ward",
            ),
            recovery("R, day by which admissions are back to baseline"),
        ],
    ));
    outcomes.push(outcome(
        OutcomeId::AdmissionsLostWeeklyProfile,
        "Admissions lost at the attacked hospital over the downtime, California weekly profile (alternative arm)",
        (a * h5_profile(H5_WEEK1_DROP, H5_WEEK2_DROP.0, d), a * h5_profile(H5_WEEK1_DROP, H5_WEEK2_DROP.1, d)),
        None,
        "admissions",
        "L = A × ∫₀ᴰ f(t) dt with f = 0.08 for t < 7, f = d2 for 7 ≤ t < 14, then a straight line from d2 to 0 at day 56 \
         (f = d2 × (56 − t)/42), 0 after"
            .into(),
        vec![
            Parameter::new(
                "drop in ED visits and admissions in week 1",
                ValueOrRange::Value(H5_WEEK1_DROP),
                &H5,
                "ED visits and inpatient admissions together, 15 attacked California hospitals; applied here to admissions alone",
            ),
            Parameter::new(
                "d2, drop in week 2",
                range(H5_WEEK2_DROP.0, H5_WEEK2_DROP.1),
                &H5,
                "the reported 16-17 %; confidence intervals not available to ward",
            ),
            Parameter::new(
                "day by which volume is back to baseline",
                ValueOrRange::Value(H5_RECOVERED_BY_DAY),
                &H5,
                "\"within about 8 weeks\"; the straight line from week 2 to week 8 is ward's interpolation",
            ),
        ],
    ));
    if let Some(e) = c.ed_visits_per_day {
        outcomes.push(outcome(
            OutcomeId::EdVisitsLost,
            &format!("ED visits lost at the attacked hospital over the downtime, {setting} coefficient"),
            (e * week1_then_linear(ed_drop, H2_RECOVERED_BY_DAY.0, d), e * week1_then_linear(ed_drop, H2_RECOVERED_BY_DAY.1, d)),
            None,
            "ED visits",
            by_setting_formula("E (ED visits per day)"),
            vec![
                Parameter::new(
                    &format!("d1, week-1 drop in ED visits ({setting})"),
                    ValueOrRange::Value(ed_drop),
                    &H2,
                    "point estimate for Medicare fee-for-service ED visits (rural 10.0 %, urban 19.3 %); confidence intervals not available to ward",
                ),
                recovery("R, day by which ED visits are back to baseline"),
            ],
        ));
    }
}

fn spillover(c: &Checked, outcomes: &mut Vec<Outcome>) {
    let large = c.severity == Severity::Severe || c.diversion != Diversion::None;
    if let Some(n) = c.neighbour_ed_visits_per_day {
        let d = c.downtime_days;
        let (u, parameters, rule) = if large {
            (
                (H5_NEIGHBOUR_ED_PEAK_INCREASE, H4_ED_CENSUS_INCREASE),
                vec![
                    Parameter::new(
                        "u, low end: nearby EDs' increase (peak, week 3)",
                        ValueOrRange::Value(H5_NEIGHBOUR_ED_PEAK_INCREASE),
                        &H5,
                        "the peak weekly effect averaged over 8 California attacks; earlier and later weeks were smaller",
                    ),
                    Parameter::new(
                        "u, high end: adjacent EDs' daily census increase during a large attack",
                        ValueOrRange::Value(H4_ED_CENSUS_INCREASE),
                        &H4,
                        "one month-long attack on 4 hospitals (about 25 % of regional discharges), 2 adjacent academic EDs in San Diego",
                    ),
                ],
                "large attack (severe, or ambulances diverted): u from 0.07 (H5) to 0.151 (H4)",
            )
        } else {
            (
                (0.0, H5_NEIGHBOUR_ED_PEAK_INCREASE),
                vec![Parameter::new(
                    "u, nearby EDs' increase, up to the week-3 peak",
                    range(0.0, H5_NEIGHBOUR_ED_PEAK_INCREASE),
                    &H5,
                    "+7 % is the peak week, averaged over 8 California attacks; the average over an outage is lower and the low end of \
                     no increase is ward's reading of \"up to\"",
                )],
                "standard attack without diversion: u from 0 to 0.07 (H5)",
            )
        };
        outcomes.push(outcome(
            OutcomeId::NeighbourEdExtraVisits,
            "Extra visits at neighbouring EDs over the downtime (spillover)",
            (n * d * u.0, n * d * u.1),
            None,
            "ED visits",
            format!("S = N × D × u, where N is the neighbouring EDs' visits per day and D the downtime in days; {rule}"),
            parameters,
        ));
        let ratios = [
            (OutcomeId::NeighbourEmsArrivalsRatio, "EMS (ambulance) arrivals at neighbouring EDs", "EMS arrivals ratio", H4_EMS_ARRIVALS_RATIO, "+35.2 % (1,741 to 2,354 arrivals over 4 weeks)"),
            (
                OutcomeId::NeighbourLeftWithoutBeingSeenRatio,
                "Patients leaving neighbouring EDs without being seen",
                "left-without-being-seen ratio",
                H4_LWBS_RATIO,
                "+127.8 % (158 to 360 over 4 weeks): small counts, so a wide unknown interval",
            ),
            (OutcomeId::NeighbourWaitingTimeRatio, "Median waiting-room time at neighbouring EDs", "median waiting-room time ratio", H4_WAITING_TIME_RATIO, "+47.6 %"),
        ];
        for (id, label, name, ratio, reported) in ratios {
            let (low, central, rule) = if large {
                (ratio, Some(ratio), "large attack (severe, or ambulances diverted): the H4 ratio")
            } else {
                (1.0, None, "standard attack without diversion: from 1 (no change) to the H4 ratio, which was measured for a large attack")
            };
            outcomes.push(outcome(
                id,
                &format!("{label}, during the downtime, as a multiple of normal"),
                (low, ratio),
                central,
                "× normal",
                format!("ratio to the neighbouring EDs' normal level; {rule}"),
                vec![Parameter::new(
                    name,
                    ValueOrRange::Value(ratio),
                    &H4,
                    &format!("{reported}; one attack, 2 EDs, before-and-after comparison; confidence intervals not available to ward"),
                )],
            ));
        }
    }
    if c.setting == Setting::Rural && c.diversion != Diversion::None {
        outcomes.push(outcome(
            OutcomeId::RuralTravelTimeRatio,
            "Travel time and distance to the nearest non-attacked hospital, rural compared with urban",
            H2_RURAL_TRAVEL_TIME_RATIO,
            None,
            "× the urban figure",
            "the H2 ratio as reported (rural diversion sends patients 4-7 times as far as urban diversion)".into(),
            vec![Parameter::new(
                "rural-to-urban travel time ratio",
                range(H2_RURAL_TRAVEL_TIME_RATIO.0, H2_RURAL_TRAVEL_TIME_RATIO.1),
                &H2,
                "a property of US hospital geography, not of the attack; local geography decides",
            )],
        ));
    }
}

fn attack_shares(outcomes: &mut Vec<Outcome>) {
    let shares = [
        (OutcomeId::ShareOfAttacksDisruptingCare, "Ransomware attacks that disrupted care delivery", "P(care disruption | ransomware)", H3_CARE_DISRUPTED, "166 of 374"),
        (OutcomeId::ShareOfAttacksWithSystemDowntime, "Ransomware attacks with electronic system (EHR) downtime", "P(EHR downtime | ransomware)", H3_SYSTEM_DOWNTIME, "156 of 374"),
        (OutcomeId::ShareOfAttacksCancellingScheduledCare, "Ransomware attacks that cancelled scheduled care", "P(scheduled care cancelled | ransomware)", H3_SCHEDULED_CARE_CANCELLED, "38 of 374"),
        (OutcomeId::ShareOfAttacksDivertingAmbulances, "Ransomware attacks that diverted ambulances", "P(ambulance diversion | ransomware)", H3_AMBULANCE_DIVERSION, "16 of 374"),
    ];
    for (id, label, name, share, counts) in shares {
        let percent = share * 100.0;
        outcomes.push(outcome(
            id,
            &format!("{label} (context, not about this hospital)"),
            (percent, percent),
            Some(percent),
            "% of ransomware attacks on US health care delivery organisations, 2016-2021",
            "the share H3 observed, × 100".into(),
            vec![Parameter::new(
                name,
                ValueOrRange::Value(share),
                &H3,
                &format!(
                    "{counts} publicly reported attacks on all kinds of care organisations (clinics, hospitals, dental, …); disruption \
                     is under-reported, so a lower bound"
                ),
            )],
        ));
    }
}

fn ami(c: &Checked, outcomes: &mut Vec<Outcome>) {
    let Some(n) = c.ami_discharges_per_year else { return };
    let h7 = Parameter::new(
        "Δ30-day AMI mortality after a breach (absolute)",
        range(H7_AMI_MORTALITY_PP.0, H7_AMI_MORTALITY_PP.1),
        &H7,
        "0.23-0.36 percentage points (\"as much as 0.36\"), for up to 3 years after any reported data breach, attributed to \
         remediation; not specific to ransomware",
    );
    outcomes.push(outcome(
        OutcomeId::AmiExcessDeathsPerYear,
        "Extra 30-day deaths after heart attack (AMI) per year, in the years after the attack (remediation drag)",
        (n * H7_AMI_MORTALITY_PP.0, n * H7_AMI_MORTALITY_PP.1),
        None,
        "deaths per year, for up to 3 years",
        "K = AMI discharges per year × Δ, for Δ at each end of its range".into(),
        vec![h7.clone()],
    ));
    outcomes.push(outcome(
        OutcomeId::AmiDeathsPerYearWithContraryArm,
        "Change in deaths after heart attack (AMI) per year after the attack, including the contrary result (sensitivity)",
        (n * H8_AMI_MORTALITY_PP, n * H7_AMI_MORTALITY_PP.1),
        None,
        "deaths per year (negative: fewer deaths)",
        "K = AMI discharges per year × Δ, with Δ from −0.01 (H8) to the high end of H7".into(),
        vec![
            Parameter::new(
                "Δ AMI in-hospital mortality after a breach, contrary arm",
                ValueOrRange::Value(H8_AMI_MORTALITY_PP),
                &H8,
                "−1 percentage point at 12 Florida hospitals, attributed to IT upgrades after the breach; abstract only, authors not recorded",
            ),
            h7,
        ],
    ));
}

/// Plain statements of what the estimate cannot say; shown with every estimate.
pub fn limits() -> Vec<String> {
    [
        "Association, not causation: every effect size comes from an observational study (event study, difference in differences, before-and-after comparison).",
        "Not a prediction for any person, and not a forecast for this hospital: the figures are what published averages imply for a hospital of the size given.",
        "US data for almost every parameter (Medicare fee-for-service claims, California hospitals, two San Diego EDs); only the null mortality arm (H6) is from England. Other health systems, case mixes and downtime practices differ.",
        "The mortality effect (H1) was measured in Medicare fee-for-service inpatients, mostly aged 65 and over; applying it to all inpatients assumes others are affected in the same proportion.",
        "Effect sizes come from few attacks and few hospitals (H4: one attack, two EDs; H5: eight attacks; H3: 374 reported attacks). The ranges are the spread of published estimates, not confidence intervals, which ward did not have.",
        "Deaths among patients admitted during the outage, diverted, or staying away are not estimated: no study gives an effect size for them.",
        "The volume profiles are averages over attacks of different lengths and do not stretch with a longer downtime: beyond 21 days (H1, H2) or 56 days (H5) displaced demand stops growing and is likely understated.",
        "Outcomes are not additive: admissions lost at the attacked hospital partly reappear as extra visits at neighbouring EDs.",
        "Fractional figures are expected values from averages, not people; do not round them up into cases.",
        "Preparedness is not modelled: tested downtime procedures, immutable backups and regional surge plans may reduce harm, and no study measured by how much.",
        "The AMI figures (H7, H8) concern data breaches in general and the years after them, not ransomware downtime itself.",
        "Defaults stand in for missing inputs (occupancy 0.85, an assumption; baseline mortality 3 %, a Medicare figure): a hospital's own figures should replace them.",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_integrate_as_the_doc_says() {
        // H1 profile: d1 × D up to a week, d1 × 14 after day 21.
        assert_eq!(week1_then_linear(1.0, 21.0, 3.0), 3.0);
        assert_eq!(week1_then_linear(1.0, 21.0, 14.0), 12.25);
        assert_eq!(week1_then_linear(1.0, 21.0, 21.0), 14.0);
        assert_eq!(week1_then_linear(1.0, 21.0, 400.0), 14.0);
        assert_eq!(week1_then_linear(1.0, 14.0, 14.0), 10.5);
        // H5 profile: 0.08 × 7 + d2 × 7 + d2 × 21 after day 56.
        assert_eq!(h5_profile(1.0, 1.0, 56.0), 7.0 + 7.0 + 21.0);
        assert_eq!(h5_profile(1.0, 2.0, 10.0), 7.0 + 6.0);
        assert_eq!(h5_profile(1.0, 1.0, 0.0), 0.0);
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_two_decimals() {
        assert_eq!(round2(3.4249), 3.42);
        assert_eq!(round2(-2.0), -2.0);
        assert_eq!(round2(0.125), 0.13);
        assert_eq!(round2(-0.125), -0.13);
    }
}
