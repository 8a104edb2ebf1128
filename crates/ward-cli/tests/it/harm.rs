//! `ward harm estimate`: the worked examples of docs/HARM-ESTIMATE.md through the real binary,
//! with their citations, the JSON form, and refused inputs named by flag.

use crate::support::{run, stderr, stdout};

#[test]
fn worked_example_1_prints_the_hand_computed_ranges_and_citations() {
    let o = run(&["harm", "estimate", "--inpatients-at-onset", "300", "--admissions-per-day", "40", "--downtime-days", "14"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        "- inpatients at onset (C0): 300.00",
        "- baseline in-hospital mortality (m0): 0.03 (default)",
        "**9.00 deaths**",
        "**3.06 to 3.42 deaths** (`excess_deaths_admitted`)",
        "**0.00 to 3.42 deaths** (`excess_deaths_admitted_with_null_arm`)",
        "**83.30 to 117.60 admissions** (`admissions_lost`)",
        "**70.98 to 82.81 admissions** (`admissions_lost_by_setting`)",
        "**67.20 to 70.00 admissions** (`admissions_lost_weekly_profile`)",
        "**44.40 % of ransomware attacks",
        // The citations, with their DOIs, next to the parameters they support.
        "r, relative increase in in-hospital mortality of patients admitted at onset = 0.34 to 0.38 [H1] Neprash H et al. 2026, doi:10.1257/pol.20240594",
        "- [H1] Neprash H, McGlave C, Nikpay S, et al. Hacked to Pieces? The Effects of Ransomware Attacks on Hospitals and Patients.",
        "doi:10.1257/pol.20240594",
        "doi:10.1111/jrh.12834",
        "doi:10.1001/jamahealthforum.2022.4873",
        "doi:10.1001/jama.2024.7752",
        "doi:10.1038/s41746-019-0161-6",
        "## Limits",
        "Association, not causation",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn worked_example_2_as_json() {
    let o = run(
        &[
            "harm", "estimate", "--beds", "120", "--admissions-per-day", "15", "--ed-visits-per-day", "60", "--downtime-days", "28", "--severity", "severe",
            "--setting", "rural", "--diversion", "full", "--neighbour-ed-visits-per-day", "200", "--ami-discharges-per-year", "200", "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let outcome = |id: &str| v["outcomes"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap_or_else(|| panic!("{id}")).clone();
    let range = |id: &str| (outcome(id)["low"].as_f64().unwrap(), outcome(id)["high"].as_f64().unwrap());
    assert_eq!(range("excess_deaths_admitted"), (1.1, 1.68));
    assert_eq!(range("admissions_lost"), (35.7, 50.4));
    assert_eq!(range("admissions_lost_by_setting"), (23.15, 30.87));
    assert_eq!(range("ed_visits_lost"), (63.0, 84.0));
    assert_eq!(range("neighbour_ed_extra_visits"), (392.0, 845.6));
    assert_eq!(range("rural_travel_time_ratio"), (4.0, 7.0));
    assert_eq!(range("ami_deaths_per_year_with_contrary_arm"), (-2.0, 0.72));
    assert_eq!(outcome("neighbour_ems_arrivals_ratio")["central"], 1.35);
    assert_eq!(outcome("excess_deaths_admitted")["parameters"][2]["source_id"], "H1-wp");
    assert!(outcome("neighbour_ed_extra_visits")["parameters"][1]["citation"].as_str().unwrap().contains("doi:10.1001/jamanetworkopen.2023.12270"));
    assert_eq!(v["inputs"]["setting"], "rural");
    assert!(!v["limits"].as_array().unwrap().is_empty());
}

#[test]
fn bad_inputs_are_named_by_flag_and_exit_1() {
    let o = run(&["harm", "estimate", "--beds", "200", "--occupancy", "1.5", "--admissions-per-day", "-2", "--downtime-days", "400"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("--occupancy: must be a share between 0 and 1"), "{err}");
    assert!(err.contains("--admissions-per-day: must not be negative"), "{err}");
    assert!(err.contains("--downtime-days: must be at most 365 days (got 400)"), "{err}");
    assert!(stdout(&o).is_empty());
    let o = run(&["harm", "estimate", "--beds", "200", "--admissions-per-day", "3", "--downtime-days", "2", "--mortality", "0.9"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--mortality: must be a share between 0 and 0.5"), "{}", stderr(&o));
    // Neither beds nor inpatients: a usage error.
    let o = run(&["harm", "estimate", "--admissions-per-day", "3", "--downtime-days", "2"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--beds"), "{}", stderr(&o));
}
