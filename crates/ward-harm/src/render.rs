//! The estimate as plain text (Markdown): what the CLI prints and what a page can show as is.

use std::fmt::Write;

use crate::model::{HarmEstimate, Outcome};

/// Figures with two decimals, always, so equal inputs print equal text.
fn figure(x: f64) -> String {
    format!("{x:.2}")
}

fn range_text(o: &Outcome) -> String {
    let mut text = if o.low == o.high { figure(o.low) } else { format!("{} to {}", figure(o.low), figure(o.high)) };
    if let Some(central) = o.central {
        if o.low != o.high {
            text.push_str(&format!(" (central {})", figure(central)));
        }
    }
    text
}

/// Renders the estimate: inputs, each outcome with its range, formula and parameters (value,
/// source id, short citation with DOI, uncertainty), the full citation of every source cited,
/// then the limits.
pub fn render_text(estimate: &HarmEstimate) -> String {
    let mut out = String::new();
    let i = &estimate.inputs;
    // Writing to a String cannot fail; the results are ignored deliberately.
    let _ = writeln!(out, "# Patient-harm estimate (ward-harm model {})", estimate.model_version);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Ranges implied by published studies for a hospital of this size; not a prediction for any person. Read the limits at the end."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "## Inputs");
    let _ = writeln!(out);
    if let Some(beds) = i.beds {
        let _ = writeln!(out, "- staffed beds: {beds}");
    }
    match (i.inpatients_at_onset, i.occupancy) {
        (Some(_), _) => {}
        (None, Some(occupancy)) => {
            let _ = writeln!(out, "- occupancy: {occupancy}");
        }
        (None, None) => {
            let _ = writeln!(out, "- occupancy: {} (default, an assumption)", crate::DEFAULT_OCCUPANCY);
        }
    }
    let _ = writeln!(out, "- inpatients at onset (C0): {}{}", figure(estimate.inpatients_at_onset), if i.inpatients_at_onset.is_some() { "" } else { " (beds × occupancy)" });
    let defaulted = if i.baseline_mortality.is_none() { " (default)" } else { "" };
    let _ = writeln!(out, "- baseline in-hospital mortality (m0): {}{defaulted}", estimate.baseline_mortality);
    let _ = writeln!(out, "- admissions per day (A): {}", i.admissions_per_day);
    if let Some(e) = i.ed_visits_per_day {
        let _ = writeln!(out, "- ED visits per day (E): {e}");
    }
    let _ = writeln!(out, "- downtime (D): {} days", i.downtime_days);
    let _ = writeln!(out, "- severity: {}; setting: {}; ambulance diversion: {}", i.severity.as_str(), i.setting.as_str(), i.diversion.as_str());
    if let Some(n) = i.neighbour_ed_visits_per_day {
        let _ = writeln!(out, "- neighbouring EDs' visits per day (N): {n}");
    }
    if let Some(n) = i.ami_discharges_per_year {
        let _ = writeln!(out, "- AMI discharges per year: {n}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "## Outcomes");
    // Every source a parameter cites, in order of first use, for the full citations at the end.
    let mut cited_in_order: Vec<(&str, &str)> = Vec::new();
    for o in &estimate.outcomes {
        let _ = writeln!(out);
        let _ = writeln!(out, "### {}", o.label);
        let _ = writeln!(out);
        let _ = writeln!(out, "**{} {}** (`{}`)", range_text(o), o.unit, o.id.as_str());
        let _ = writeln!(out);
        let _ = writeln!(out, "Formula: {}", o.formula);
        if !o.parameters.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Parameters:");
            for p in &o.parameters {
                let cited = crate::sources::source(&p.source_id).map_or_else(|| p.citation.clone(), |s| s.short_citation());
                let _ = writeln!(out, "- {} = {} [{}] {}", p.name, p.value_or_range, p.source_id, cited);
                let _ = writeln!(out, "  Uncertainty: {}", p.uncertainty);
                if !cited_in_order.iter().any(|(id, _)| *id == p.source_id) {
                    cited_in_order.push((p.source_id.as_str(), p.citation.as_str()));
                }
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "## Sources");
    let _ = writeln!(out);
    for (id, citation) in cited_in_order {
        let _ = writeln!(out, "- [{id}] {citation}");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "## Limits");
    let _ = writeln!(out);
    for limit in &estimate.limits {
        let _ = writeln!(out, "- {limit}");
    }
    out
}
