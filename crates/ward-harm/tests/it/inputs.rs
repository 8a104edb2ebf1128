//! Refused inputs: every problem is named by its field, with the reason; nothing panics.

use ward_harm::{estimate, HarmInput};

fn base() -> HarmInput {
    HarmInput { beds: Some(200), admissions_per_day: 30.0, downtime_days: 10.0, ..Default::default() }
}

/// The problems of an input, as "field: reason".
fn problems(input: &HarmInput) -> Vec<String> {
    estimate(input).expect_err("input should be refused").problems.into_iter().map(|p| format!("{}: {}", p.field, p.reason)).collect()
}

#[test]
fn each_bad_field_is_named_with_its_reason() {
    let cases: Vec<(HarmInput, &str)> = vec![
        (HarmInput { admissions_per_day: -1.0, ..base() }, "admissions_per_day: must not be negative (got -1)"),
        (HarmInput { admissions_per_day: f64::NAN, ..base() }, "admissions_per_day: is not a number (NaN)"),
        (HarmInput { downtime_days: f64::INFINITY, ..base() }, "downtime_days: must be finite"),
        (HarmInput { downtime_days: 366.0, ..base() }, "downtime_days: must be at most 365 days (got 366)"),
        (HarmInput { downtime_days: -0.5, ..base() }, "downtime_days: must not be negative (got -0.5)"),
        (HarmInput { occupancy: Some(1.2), ..base() }, "occupancy: must be a share between 0 and 1, e.g. 0.85 for 85 % (got 1.2)"),
        (HarmInput { occupancy: Some(85.0), ..base() }, "occupancy: must be a share between 0 and 1, e.g. 0.85 for 85 % (got 85)"),
        (HarmInput { baseline_mortality: Some(3.0), ..base() }, "baseline_mortality: must be a share between 0 and 0.5, e.g. 0.03 for 3 % (got 3)"),
        (HarmInput { beds: Some(50_000), ..base() }, "beds: must be at most 10000 staffed beds (got 50000)"),
        (HarmInput { beds: None, ..base() }, "beds: required unless inpatients_at_onset is given"),
        (HarmInput { inpatients_at_onset: Some(20_000), ..base() }, "inpatients_at_onset: must be at most 10000 (got 20000)"),
        (HarmInput { inpatients_at_onset: Some(100), occupancy: Some(0.9), ..base() }, "occupancy: give either occupancy (with beds) or inpatients_at_onset, not both"),
        (HarmInput { admissions_per_day: 1e9, ..base() }, "admissions_per_day: must be at most 2000 (got 1000000000)"),
        (HarmInput { ed_visits_per_day: Some(-3.0), ..base() }, "ed_visits_per_day: must not be negative (got -3)"),
        (HarmInput { neighbour_ed_visits_per_day: Some(f64::NAN), ..base() }, "neighbour_ed_visits_per_day: is not a number (NaN)"),
        (HarmInput { ami_discharges_per_year: Some(1e6), ..base() }, "ami_discharges_per_year: must be at most 20000 (got 1000000)"),
    ];
    for (input, expected) in cases {
        assert_eq!(problems(&input), [expected]);
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let input = HarmInput { beds: None, admissions_per_day: -1.0, downtime_days: 400.0, baseline_mortality: Some(f64::NAN), ..Default::default() };
    let err = estimate(&input).unwrap_err();
    for field in ["beds", "admissions_per_day", "downtime_days", "baseline_mortality"] {
        assert!(err.names(field), "{field} missing from {err}");
    }
    assert!(err.to_string().contains("downtime_days: must be at most 365 days (got 400)"), "{err}");
}

#[test]
fn json_with_an_unknown_or_missing_field_is_refused_with_its_name() {
    let err = HarmInput::from_json(r#"{"beds": 10, "admissions_per_day": 1, "downtime_days": 1, "downtime_hours": 3}"#).unwrap_err();
    assert!(err.to_string().contains("downtime_hours"), "{err}");
    let err = HarmInput::from_json(r#"{"beds": 10, "admissions_per_day": 1}"#).unwrap_err();
    assert!(err.to_string().contains("downtime_days"), "{err}");
    let err = HarmInput::from_json(r#"{"beds": -10, "admissions_per_day": 1, "downtime_days": 1}"#).unwrap_err();
    assert!(err.to_string().contains("-10"), "{err}");
    let err = HarmInput::from_json(r#"{"beds": 10, "admissions_per_day": 1, "downtime_days": 1, "severity": "catastrophic"}"#).unwrap_err();
    assert!(err.to_string().contains("catastrophic"), "{err}");
}

#[test]
fn edge_values_are_accepted() {
    for input in [
        HarmInput { beds: Some(0), admissions_per_day: 0.0, downtime_days: 0.0, ..Default::default() },
        HarmInput { beds: Some(ward_harm::MAX_BEDS), occupancy: Some(1.0), admissions_per_day: ward_harm::MAX_ADMISSIONS_PER_DAY, downtime_days: ward_harm::MAX_DOWNTIME_DAYS, baseline_mortality: Some(ward_harm::MAX_BASELINE_MORTALITY), ..Default::default() },
        HarmInput { inpatients_at_onset: Some(0), occupancy: None, admissions_per_day: 1.0, downtime_days: 0.25, ..Default::default() },
    ] {
        let e = estimate(&input).unwrap();
        assert!(e.outcomes.iter().all(|o| o.low.is_finite() && o.high.is_finite()));
    }
}
