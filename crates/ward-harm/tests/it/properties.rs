//! Properties over random valid inputs: ranges are ordered, more downtime or more beds never
//! lowers a figure, no downtime displaces nothing, the same input gives the same estimate.

use proptest::prelude::*;
use ward_harm::{estimate, Diversion, HarmEstimate, HarmInput, OutcomeId, Setting, Severity};

fn any_input() -> impl Strategy<Value = HarmInput> {
    (
        (1u32..=3_000, prop::option::of(0.0f64..=1.0), 0.0f64..=500.0, prop::option::of(0.0f64..=1_000.0)),
        (prop::option::of(0.0f64..=0.5), 0.0f64..=365.0, prop::bool::ANY, prop::bool::ANY, 0usize..3),
        (prop::option::of(0.0f64..=5_000.0), prop::option::of(0.0f64..=2_000.0)),
    )
        .prop_map(|((beds, occupancy, admissions, ed), (mortality, downtime, severe, rural, diversion), (neighbour, ami))| HarmInput {
            beds: Some(beds),
            occupancy,
            inpatients_at_onset: None,
            admissions_per_day: admissions,
            ed_visits_per_day: ed,
            baseline_mortality: mortality,
            downtime_days: downtime,
            severity: if severe { Severity::Severe } else { Severity::Standard },
            setting: if rural { Setting::Rural } else { Setting::Urban },
            diversion: [Diversion::None, Diversion::Partial, Diversion::Full][diversion],
            neighbour_ed_visits_per_day: neighbour,
            ami_discharges_per_year: ami,
        })
}

/// Outcomes that grow with the downtime; every other outcome does not depend on it.
const GROW_WITH_DOWNTIME: [OutcomeId; 5] =
    [OutcomeId::AdmissionsLost, OutcomeId::AdmissionsLostBySetting, OutcomeId::AdmissionsLostWeeklyProfile, OutcomeId::EdVisitsLost, OutcomeId::NeighbourEdExtraVisits];

/// Each outcome of `more` is at least that of `less`, low and high.
fn no_figure_falls(less: &HarmEstimate, more: &HarmEstimate) -> Result<(), TestCaseError> {
    prop_assert_eq!(less.outcomes.len(), more.outcomes.len());
    for (a, b) in less.outcomes.iter().zip(&more.outcomes) {
        prop_assert_eq!(a.id, b.id);
        prop_assert!(b.low >= a.low && b.high >= a.high, "{:?}: {}..{} then {}..{}", a.id, a.low, a.high, b.low, b.high);
    }
    Ok(())
}

proptest! {
    #[test]
    fn ranges_are_ordered_and_finite(input in any_input()) {
        let e = estimate(&input).unwrap();
        for o in &e.outcomes {
            prop_assert!(o.low.is_finite() && o.high.is_finite() && o.low <= o.high, "{:?}: {} > {}", o.id, o.low, o.high);
            if let Some(c) = o.central {
                prop_assert!(o.low <= c && c <= o.high, "{:?}: central {} outside {}..{}", o.id, c, o.low, o.high);
            }
            if o.id != OutcomeId::AmiDeathsPerYearWithContraryArm {
                prop_assert!(o.low >= 0.0, "{:?} negative", o.id);
            }
        }
        prop_assert_eq!(&e, &estimate(&input).unwrap());
    }

    #[test]
    fn more_downtime_never_lowers_a_figure(input in any_input(), extra in 0.0f64..=100.0) {
        let longer = HarmInput { downtime_days: (input.downtime_days + extra).min(365.0), ..input.clone() };
        no_figure_falls(&estimate(&input).unwrap(), &estimate(&longer).unwrap())?;
    }

    #[test]
    fn more_beds_never_lowers_a_figure(input in any_input(), extra in 0u32..=3_000) {
        let bigger = HarmInput { beds: input.beds.map(|b| b + extra), ..input.clone() };
        no_figure_falls(&estimate(&input).unwrap(), &estimate(&bigger).unwrap())?;
    }

    #[test]
    fn no_downtime_displaces_nothing(input in any_input()) {
        let e = estimate(&HarmInput { downtime_days: 0.0, ..input }).unwrap();
        for id in GROW_WITH_DOWNTIME {
            if let Some(o) = e.outcome(id) {
                prop_assert_eq!((o.low, o.high), (0.0, 0.0), "{:?}", id);
            }
        }
    }

    #[test]
    fn downtime_moves_only_the_displaced_demand(input in any_input(), other in 0.0f64..=365.0) {
        let a = estimate(&input).unwrap();
        let b = estimate(&HarmInput { downtime_days: other, ..input }).unwrap();
        for (x, y) in a.outcomes.iter().zip(&b.outcomes) {
            if !GROW_WITH_DOWNTIME.contains(&x.id) {
                prop_assert_eq!(x, y);
            }
        }
    }
}

#[test]
fn severe_widens_the_mortality_range_upwards() {
    let standard = HarmInput { beds: Some(400), admissions_per_day: 50.0, downtime_days: 10.0, ..Default::default() };
    let severe = HarmInput { severity: Severity::Severe, ..standard.clone() };
    let a = estimate(&standard).unwrap();
    let b = estimate(&severe).unwrap();
    let (sa, sb) = (a.outcome(OutcomeId::ExcessDeathsAdmitted).unwrap(), b.outcome(OutcomeId::ExcessDeathsAdmitted).unwrap());
    assert!(sb.low >= sa.low && sb.high > sa.high);
}
