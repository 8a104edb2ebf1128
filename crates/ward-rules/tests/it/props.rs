//! Property tests: evaluating the same event log at any `now` gives identical due dates (only
//! overdue flags change); adding a fact (a fact-log entry) never removes an owed obligation.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use ward_rules::{evaluate_document, Obligation, Status};

const TRI_FACTS: &[&str] = &[
    "incident.is_security_incident",
    "impact.severe_operational_disruption",
    "impact.considerable_damage_to_others",
    "impact.uk_continuity_significant",
    "impact.health_data_confidentiality_or_integrity",
    "impact.circia_substantial",
    "pd.breach",
    "phi.involved",
    "phi.unsecured",
    "phi.low_probability_of_compromise",
    "device.involved",
    "device.serious_incident",
    "device.death_or_unanticipated_serious_deterioration",
    "ca.unauthorized_access",
];

fn entity(profile: usize) -> Value {
    match profile {
        0 => {
            json!({"entity.time_zone": "Europe/Berlin", "entity.country_of_establishment": ["DE"], "entity.types": ["hospital", "healthcare_provider", "gdpr_controller"], "entity.de.bsig_class": "besonders_wichtig", "policy.internal_sla": "PT24H"})
        }
        1 => {
            json!({"entity.time_zone": "America/New_York", "entity.country_of_establishment": ["US"], "entity.types": ["hospital", "hipaa_covered_entity"], "entity.us.hospital_beds": 250, "entity.us.ca_licensed_facility": true})
        }
        2 => {
            json!({"entity.time_zone": "Europe/London", "entity.country_of_establishment": ["GB"], "entity.types": ["hospital", "nhs_body"], "entity.uk.oes_health_designated": true, "entity.uk.nation": "england"})
        }
        3 => {
            json!({"entity.time_zone": "Europe/Paris", "entity.country_of_establishment": ["FR", "AT"], "entity.types": ["hospital", "healthcare_provider"], "entity.nis2_class": "essential", "entity.fr.l1111_8_2_category": "etablissement_de_sante"})
        }
        _ => {
            json!({"entity.time_zone": "Europe/Berlin", "entity.country_of_establishment": ["DE"], "entity.types": ["medical_device_manufacturer", "hipaa_business_associate"]})
        }
    }
}

fn instant(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .expect("in range")
        .to_string()
}

prop_compose! {
    fn document()(
        profile in 0usize..5,
        base in 1_764_547_200i64..1_830_000_000i64, // 2025-12-01 .. 2027-12
        pd_delay_hours in 0i64..96,
        tris in proptest::collection::vec(0u8..4, TRI_FACTS.len()),
        individuals in proptest::option::of(0u64..2_000),
        submit in proptest::collection::vec((0usize..6, 0i64..(90 * 86_400)), 0..4),
        ongoing in proptest::option::of(any::<bool>()),
    ) -> Value {
        let mut incident = Map::new();
        incident.insert("incident.awareness_at".into(), json!(instant(base)));
        incident.insert("pd.awareness_at".into(), json!(instant(base + pd_delay_hours * 3600)));
        incident.insert("device.manufacturer_aware_at".into(), json!(instant(base)));
        incident.insert("circia.reasonable_belief_at".into(), json!(instant(base + 3600)));
        let date = jiff::Timestamp::from_second(base).expect("in range").to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
        incident.insert("phi.discovered_on".into(), json!(date));
        incident.insert("phi.ba_discovered_on".into(), json!(date));
        incident.insert("ca.unauthorized_access_detected_on".into(), json!(date));
        for (fact, t) in TRI_FACTS.iter().zip(&tris) {
            match t {
                0 => {}
                1 => { incident.insert((*fact).into(), json!("yes")); }
                2 => { incident.insert((*fact).into(), json!("no")); }
                _ => { incident.insert((*fact).into(), json!("unknown")); }
            }
        }
        if let Some(n) = individuals {
            incident.insert("phi.individuals_affected".into(), json!(n));
        }
        if let Some(o) = ongoing {
            incident.insert("incident.ongoing".into(), json!(o));
        }
        let stages = [("de.bsig", "fruehe_erstmeldung"), ("de.bsig", "meldung"), ("eu.gdpr", "sa_notification"), ("us.hipaa.breach_notification", "individual_notice"), ("uk.nis2018.reg11", "nis_incident_notification"), ("eu.nis2.art23", "incident_notification")];
        let submissions: Vec<Value> = submit.iter().map(|(i, offset)| json!({"regime": stages[*i].0, "stage": stages[*i].1, "submitted_at": instant(base + offset)})).collect();
        json!({"entity": entity(profile), "incident": incident, "submissions": submissions})
    }
}

fn eval(doc: &Value, now_secs: i64) -> Vec<Obligation> {
    let now = jiff::Timestamp::from_second(now_secs).expect("in range");
    evaluate_document(&doc.to_string(), now).unwrap_or_else(|e| panic!("{e}\n{doc}"))
}

/// What must not depend on `now`: which obligations exist and when they are due.
/// (regime, stage, instance, due, basis, rule version)
type Timeless = (
    String,
    String,
    Option<String>,
    Option<jiff::Timestamp>,
    String,
    String,
);

fn timeless(obligations: &[Obligation]) -> Vec<Timeless> {
    let mut v: Vec<_> = obligations
        .iter()
        .map(|o| {
            (
                o.regime.clone(),
                o.stage.clone(),
                o.instance.clone(),
                o.due_at.as_ref().map(|z| z.timestamp()),
                o.due_basis.clone(),
                o.rule_version.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn is_owed(o: &Obligation) -> bool {
    matches!(o.status, Status::Owed | Status::Overdue)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn due_dates_do_not_depend_on_now(doc in document(), a in 1_764_547_200i64..1_900_000_000i64, b in 1_764_547_200i64..1_900_000_000i64) {
        let at_a = eval(&doc, a);
        let at_b = eval(&doc, b);
        prop_assert_eq!(timeless(&at_a), timeless(&at_b));
        // Only the overdue flag may differ between owed and overdue.
        for (x, y) in at_a.iter().zip(&at_b) {
            let same_or_overdue_flip = x.status == y.status || matches!((x.status, y.status), (Status::Owed, Status::Overdue) | (Status::Overdue, Status::Owed));
            prop_assert!(same_or_overdue_flip, "{}/{}: {:?} vs {:?}", x.regime, x.stage, x.status, y.status);
        }
    }

    #[test]
    fn adding_a_fact_never_removes_an_owed_obligation(doc in document(), fact in 0usize..TRI_FACTS.len(), value in 0u8..3, now in 1_764_547_200i64..1_900_000_000i64) {
        let before = eval(&doc, now);
        let mut later = doc.clone();
        let v = ["yes", "no", "unknown"][value as usize];
        later["fact_log"] = json!([{"fact": TRI_FACTS[fact], "value": v}]);
        let after = eval(&later, now);
        for o in before.iter().filter(|o| is_owed(o)) {
            let kept = after.iter().find(|p| p.regime == o.regime && p.stage == o.stage && p.instance == o.instance);
            prop_assert!(kept.is_some_and(is_owed), "{}/{} owed before setting {} = {}, then {:?}", o.regime, o.stage, TRI_FACTS[fact], v, kept.map(|k| k.status));
        }
    }

    #[test]
    fn adding_an_unknown_fact_to_the_record_never_removes_an_owed_obligation_kleene(doc in document(), fact in 0usize..TRI_FACTS.len(), value in 0u8..2, now in 1_764_547_200i64..1_900_000_000i64) {
        // Kleene monotonicity of the predicates alone: a fact that was unknown (absent) becomes
        // known in the record itself (no fact log), for leaves without presumptions.
        prop_assume!(doc["incident"].get(TRI_FACTS[fact]).is_none_or(|v| v == "unknown"));
        prop_assume!(!["phi.low_probability_of_compromise"].contains(&TRI_FACTS[fact]));
        let before = eval(&doc, now);
        let mut later = doc.clone();
        later["incident"][TRI_FACTS[fact]] = json!(["yes", "no"][value as usize]);
        let after = eval(&later, now);
        for o in before.iter().filter(|o| is_owed(o)) {
            prop_assert!(after.iter().any(|p| p.regime == o.regime && p.stage == o.stage && p.instance == o.instance && is_owed(p)), "{}/{} lost after setting {}", o.regime, o.stage, TRI_FACTS[fact]);
        }
    }
}
