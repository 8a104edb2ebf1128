//! `ward harm estimate`: the patient-harm estimate of ward-harm for a hospital and an outage,
//! printed as Markdown with every citation, or as JSON. No database: it reads only its flags.

use ward_harm::{Diversion, HarmInput, Setting, Severity};

#[derive(clap::Subcommand, Debug)]
pub enum HarmCommand {
    /// Estimate patient harm from a cyberattack as ranges from published studies, each parameter with its citation.
    /// Exit 1 with every bad input named. The model and its limits: docs/HARM-ESTIMATE.md.
    /// Example: ward harm estimate --beds 350 --admissions-per-day 40 --downtime-days 14
    #[command(allow_negative_numbers = true)]
    Estimate(EstimateArgs),
}

#[derive(clap::Args, Debug)]
pub struct EstimateArgs {
    /// Staffed beds (or give --inpatients-at-onset).
    #[arg(long, required_unless_present = "inpatients_at_onset")]
    pub beds: Option<u32>,
    /// Inpatients when the attack starts, when known (replaces beds × occupancy).
    #[arg(long)]
    pub inpatients_at_onset: Option<u32>,
    /// Inpatient admissions per day in normal operation.
    #[arg(long)]
    pub admissions_per_day: f64,
    /// Days of downtime, 0 to 365.
    #[arg(long)]
    pub downtime_days: f64,
    /// Share of staffed beds occupied, 0 to 1 [default: 0.85, an assumption].
    #[arg(long)]
    pub occupancy: Option<f64>,
    /// Baseline in-hospital mortality, 0 to 0.5 [default: 0.03, Medicare].
    #[arg(long)]
    pub mortality: Option<f64>,
    #[arg(long, value_enum, default_value_t = SeverityArg::Standard)]
    pub severity: SeverityArg,
    #[arg(long, value_enum, default_value_t = SettingArg::Urban)]
    pub setting: SettingArg,
    /// Ambulance diversion from the attacked hospital.
    #[arg(long, value_enum, default_value_t = DiversionArg::None)]
    pub diversion: DiversionArg,
    /// ED visits per day at the attacked hospital.
    #[arg(long)]
    pub ed_visits_per_day: Option<f64>,
    /// ED visits per day at the neighbouring EDs together (for spillover).
    #[arg(long)]
    pub neighbour_ed_visits_per_day: Option<f64>,
    /// Acute myocardial infarction (AMI) discharges per year (for the long-run quality drag).
    #[arg(long)]
    pub ami_discharges_per_year: Option<f64>,
    /// Print the estimate as JSON (inputs, outcomes with parameters and citations, limits).
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SeverityArg {
    /// Ransomware with the disruption most attacks cause.
    Standard,
    /// EHR and ancillary systems down, or ambulances diverted.
    Severe,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SettingArg {
    Urban,
    Rural,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum DiversionArg {
    None,
    Partial,
    Full,
}

impl EstimateArgs {
    fn input(&self) -> HarmInput {
        HarmInput {
            beds: self.beds,
            occupancy: self.occupancy,
            inpatients_at_onset: self.inpatients_at_onset,
            admissions_per_day: self.admissions_per_day,
            ed_visits_per_day: self.ed_visits_per_day,
            baseline_mortality: self.mortality,
            downtime_days: self.downtime_days,
            severity: match self.severity {
                SeverityArg::Standard => Severity::Standard,
                SeverityArg::Severe => Severity::Severe,
            },
            setting: match self.setting {
                SettingArg::Urban => Setting::Urban,
                SettingArg::Rural => Setting::Rural,
            },
            diversion: match self.diversion {
                DiversionArg::None => Diversion::None,
                DiversionArg::Partial => Diversion::Partial,
                DiversionArg::Full => Diversion::Full,
            },
            neighbour_ed_visits_per_day: self.neighbour_ed_visits_per_day,
            ami_discharges_per_year: self.ami_discharges_per_year,
        }
    }
}

/// The flag a model field comes from (`baseline_mortality` is `--mortality`).
fn flag(field: &str) -> String {
    match field {
        "baseline_mortality" => "--mortality".to_owned(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

pub fn run(cmd: HarmCommand) -> anyhow::Result<u8> {
    let HarmCommand::Estimate(args) = cmd;
    match ward_harm::estimate(&args.input()) {
        Ok(estimate) if args.json => {
            super::print_json(&estimate)?;
            Ok(0)
        }
        Ok(estimate) => {
            print!("{}", ward_harm::render_text(&estimate));
            Ok(0)
        }
        Err(e) => {
            for p in &e.problems {
                eprintln!("error: {}: {}", flag(&p.field), p.reason);
            }
            Ok(1)
        }
    }
}
