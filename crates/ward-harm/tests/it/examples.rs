//! The three worked examples of docs/HARM-ESTIMATE.md ("Worked examples"), computed there by
//! hand. Each figure is asserted exactly (after the model's rounding to two decimals).

use ward_harm::{estimate, render_text, Diversion, HarmEstimate, HarmInput, OutcomeId, Setting, Severity};

/// (low, high, central) of an outcome.
fn figures(e: &HarmEstimate, id: OutcomeId) -> (f64, f64, Option<f64>) {
    let o = e.outcome(id).unwrap_or_else(|| panic!("outcome {id:?} missing"));
    (o.low, o.high, o.central)
}

/// Example 1: the research notes' illustration (C0 = 300, m0 = 3 %), 40 admissions a day,
/// two weeks down, standard urban attack, no neighbour data.
pub fn example_1() -> HarmInput {
    HarmInput { inpatients_at_onset: Some(300), admissions_per_day: 40.0, downtime_days: 14.0, ..Default::default() }
}

/// Example 2: a small rural hospital, severe attack with full diversion, four weeks down, every
/// optional input given.
pub fn example_2() -> HarmInput {
    HarmInput {
        beds: Some(120),
        admissions_per_day: 15.0,
        ed_visits_per_day: Some(60.0),
        downtime_days: 28.0,
        severity: Severity::Severe,
        setting: Setting::Rural,
        diversion: Diversion::Full,
        neighbour_ed_visits_per_day: Some(200.0),
        ami_discharges_per_year: Some(200.0),
        ..Default::default()
    }
}

/// Example 3: three days down, the hospital's own mortality, neighbours given, standard attack.
pub fn example_3() -> HarmInput {
    HarmInput {
        inpatients_at_onset: Some(50),
        baseline_mortality: Some(0.05),
        admissions_per_day: 10.0,
        downtime_days: 3.0,
        neighbour_ed_visits_per_day: Some(100.0),
        ..Default::default()
    }
}

#[test]
fn example_1_research_illustration() {
    let e = estimate(&example_1()).unwrap();
    assert_eq!(e.inpatients_at_onset, 300.0);
    assert_eq!(e.baseline_mortality, 0.03);
    assert_eq!(figures(&e, OutcomeId::BaselineDeathsAdmitted), (9.0, 9.0, Some(9.0)));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmitted), (3.06, 3.42, None));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmittedWithNullArm), (0.0, 3.42, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLost), (83.3, 117.6, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostBySetting), (70.98, 82.81, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostWeeklyProfile), (67.2, 70.0, None));
    assert_eq!(figures(&e, OutcomeId::ShareOfAttacksDisruptingCare), (44.4, 44.4, Some(44.4)));
    assert_eq!(figures(&e, OutcomeId::ShareOfAttacksWithSystemDowntime), (41.7, 41.7, Some(41.7)));
    assert_eq!(figures(&e, OutcomeId::ShareOfAttacksCancellingScheduledCare), (10.2, 10.2, Some(10.2)));
    assert_eq!(figures(&e, OutcomeId::ShareOfAttacksDivertingAmbulances), (4.3, 4.3, Some(4.3)));
    // Nothing was given for ED visits, neighbours or AMI, and the setting is urban.
    for absent in [OutcomeId::EdVisitsLost, OutcomeId::NeighbourEdExtraVisits, OutcomeId::NeighbourEmsArrivalsRatio, OutcomeId::RuralTravelTimeRatio, OutcomeId::AmiExcessDeathsPerYear] {
        assert!(e.outcome(absent).is_none(), "{absent:?}");
    }
    // The default mortality is a parameter with its source; inpatients were given, so no occupancy.
    let params = &e.outcome(OutcomeId::ExcessDeathsAdmitted).unwrap().parameters;
    let ids: Vec<&str> = params.iter().map(|p| p.source_id.as_str()).collect();
    assert_eq!(ids, ["H1-wp", "H1"]);
}

#[test]
fn example_2_severe_rural_with_every_input() {
    let e = estimate(&example_2()).unwrap();
    assert_eq!(ward_harm::round2(e.inpatients_at_onset), 102.0);
    assert_eq!(figures(&e, OutcomeId::BaselineDeathsAdmitted), (3.06, 3.06, Some(3.06)));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmitted), (1.1, 1.68, None));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmittedWithNullArm), (0.0, 1.68, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLost), (35.7, 50.4, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostBySetting), (23.15, 30.87, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostWeeklyProfile), (53.2, 56.0, None));
    assert_eq!(figures(&e, OutcomeId::EdVisitsLost), (63.0, 84.0, None));
    assert_eq!(figures(&e, OutcomeId::NeighbourEdExtraVisits), (392.0, 845.6, None));
    assert_eq!(figures(&e, OutcomeId::NeighbourEmsArrivalsRatio), (1.35, 1.35, Some(1.35)));
    assert_eq!(figures(&e, OutcomeId::NeighbourLeftWithoutBeingSeenRatio), (2.28, 2.28, Some(2.28)));
    assert_eq!(figures(&e, OutcomeId::NeighbourWaitingTimeRatio), (1.48, 1.48, Some(1.48)));
    assert_eq!(figures(&e, OutcomeId::RuralTravelTimeRatio), (4.0, 7.0, None));
    assert_eq!(figures(&e, OutcomeId::AmiExcessDeathsPerYear), (0.46, 0.72, None));
    assert_eq!(figures(&e, OutcomeId::AmiDeathsPerYearWithContraryArm), (-2.0, 0.72, None));
    // Both defaults stood in: occupancy (A1) and mortality (H1-wp); severe uses H1-wp's r.
    let params = &e.outcome(OutcomeId::ExcessDeathsAdmitted).unwrap().parameters;
    let ids: Vec<&str> = params.iter().map(|p| p.source_id.as_str()).collect();
    assert_eq!(ids, ["A1", "H1-wp", "H1-wp"]);
}

#[test]
fn example_3_short_outage_with_own_mortality() {
    let e = estimate(&example_3()).unwrap();
    assert_eq!(figures(&e, OutcomeId::BaselineDeathsAdmitted), (2.5, 2.5, Some(2.5)));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmitted), (0.85, 0.95, None));
    assert_eq!(figures(&e, OutcomeId::ExcessDeathsAdmittedWithNullArm), (0.0, 0.95, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLost), (5.1, 7.2, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostBySetting), (5.07, 5.07, None));
    assert_eq!(figures(&e, OutcomeId::AdmissionsLostWeeklyProfile), (2.4, 2.4, None));
    assert_eq!(figures(&e, OutcomeId::NeighbourEdExtraVisits), (0.0, 21.0, None));
    // A standard attack: from no change to H4's ratio, no central value.
    assert_eq!(figures(&e, OutcomeId::NeighbourEmsArrivalsRatio), (1.0, 1.35, None));
    assert_eq!(figures(&e, OutcomeId::NeighbourLeftWithoutBeingSeenRatio), (1.0, 2.28, None));
    // The hospital's own mortality is an input, not a parameter.
    assert!(e.outcome(OutcomeId::BaselineDeathsAdmitted).unwrap().parameters.is_empty());
}

#[test]
fn rendered_text_shows_ranges_citations_and_limits() {
    let text = render_text(&estimate(&example_1()).unwrap());
    assert!(text.contains("**3.06 to 3.42 deaths**"), "{text}");
    assert!(text.contains("**83.30 to 117.60 admissions**"), "{text}");
    assert!(text.contains("doi:10.1257/pol.20240594"), "{text}");
    assert!(text.contains("doi:10.1038/s41746-019-0161-6"), "{text}");
    assert!(text.contains("= 0.34 to 0.38 [H1] Neprash H et al. 2026, doi:10.1257/pol.20240594\n"), "{text}");
    assert!(text.contains("\n- [H1] Neprash H, McGlave C, Nikpay S, et al. Hacked to Pieces? The Effects of Ransomware Attacks on Hospitals and Patients."), "{text}");
    assert!(text.contains("## Sources") && !text.contains("[H7]"), "only the sources cited: {text}");
    assert!(text.contains("## Limits") && text.contains("Association, not causation"), "{text}");
    assert_eq!(text, render_text(&estimate(&example_1()).unwrap()), "deterministic");
}

#[test]
fn every_parameter_carries_a_known_source_and_its_full_citation() {
    for input in [example_1(), example_2(), example_3()] {
        let e = estimate(&input).unwrap();
        for o in &e.outcomes {
            assert!(!o.formula.is_empty() && !o.unit.is_empty() && !o.label.is_empty(), "{:?}", o.id);
            assert!(!o.parameters.is_empty() || o.id == OutcomeId::BaselineDeathsAdmitted, "{:?} has no parameter", o.id);
            for p in &o.parameters {
                let source = ward_harm::source(&p.source_id).unwrap_or_else(|| panic!("{:?}: unknown source {}", o.id, p.source_id));
                assert_eq!(p.citation, source.citation(), "{:?} {}", o.id, p.name);
                assert!(!p.uncertainty.is_empty(), "{:?} {}", o.id, p.name);
            }
        }
    }
}

#[test]
fn every_source_but_the_unused_survey_is_used() {
    let mut used = std::collections::BTreeSet::new();
    for input in [example_1(), example_2(), example_3()] {
        for o in estimate(&input).unwrap().outcomes {
            used.extend(o.parameters.into_iter().map(|p| p.source_id));
        }
    }
    let listed: std::collections::BTreeSet<String> = ward_harm::sources().iter().map(|s| s.id.to_owned()).filter(|id| id != "H9").collect();
    assert_eq!(used, listed);
}

#[test]
fn json_round_trips_input_and_estimate() {
    let input = HarmInput::from_json(r#"{"beds": 120, "admissions_per_day": 15, "ed_visits_per_day": 60, "downtime_days": 28,
        "severity": "severe", "setting": "rural", "diversion": "full", "neighbour_ed_visits_per_day": 200, "ami_discharges_per_year": 200}"#)
    .unwrap();
    assert_eq!(input, example_2());
    let e = estimate(&input).unwrap();
    let json = serde_json::to_string(&e).unwrap();
    let back: HarmEstimate = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["outcomes"][1]["id"], "excess_deaths_admitted");
    assert_eq!(v["outcomes"][1]["low"], 1.1);
    assert_eq!(v["outcomes"][1]["central"], serde_json::Value::Null);
    assert_eq!(v["outcomes"][1]["parameters"][2]["value_or_range"], serde_json::json!({"low": 0.36, "high": 0.55}));
    assert_eq!(v["inputs"]["severity"], "severe");
    let sources = serde_json::to_value(ward_harm::sources()).unwrap();
    assert_eq!(sources[0]["doi"], "10.1257/pol.20240594");
}
