//! Engine cases that need modified rules or several evaluations: both tolling modes (C-2.13),
//! swapping the holiday calendar (C-1.7), unknown facts most urgent first, determinism.

use ward_rules::{
    deciding_unknown_facts, evaluate_document, evaluate_document_with, format_zoned, RuleSet,
};

const CATALOGUE: &str = include_str!("../../../../rules/catalogue.yaml");
const HIPAA: &str = include_str!("../../../../rules/us-hipaa.yaml");
const CA: &str = include_str!("../../../../rules/us-ca.yaml");
const CA_CALENDAR: &str = include_str!("../../../../rules/calendars/us-ca-state.yaml");
const FEDERAL_CALENDAR: &str = include_str!("../../../../rules/calendars/us-federal.yaml");

fn rules(files: &[(&str, String)], calendars: &[(&str, &str)]) -> RuleSet {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| ((*n).to_string(), t.clone()))
        .collect();
    let calendars: Vec<(String, String)> = calendars
        .iter()
        .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
        .collect();
    RuleSet::from_sources(&files, &calendars).unwrap_or_else(|e| panic!("{e}"))
}

fn due_of(rules: &RuleSet, doc: &str, now: &str, regime: &str, stage: &str) -> String {
    let obligations = evaluate_document_with(rules, doc, now.parse().expect("now"))
        .unwrap_or_else(|e| panic!("{e}"));
    let o = obligations
        .iter()
        .find(|o| o.regime == regime && o.stage == stage)
        .unwrap_or_else(|| panic!("no {regime}/{stage}"));
    o.due_at.as_ref().map(format_zoned).unwrap_or_default()
}

const HIPAA_DOC: &str = r#"
entity: {entity.time_zone: America/New_York, entity.country_of_establishment: [US], entity.types: [hipaa_covered_entity]}
incident:
  phi.involved: "yes"
  phi.unsecured: "yes"
  phi.discovered_on: "2026-01-15"
  phi.individuals_affected: 30
  phi.law_enforcement_delay: {kind: oral, stated_on: "2026-02-01"}
"#;

#[test]
fn tolling_modes_are_data_and_both_work() {
    let catalogue = ("catalogue.yaml", CATALOGUE.to_string());
    // Extend (the encoded, conservative reading): later of original due (03-16) and delay end (03-03).
    let extend = rules(
        &[catalogue.clone(), ("us-hipaa.yaml", HIPAA.to_string())],
        &[],
    );
    assert_eq!(
        due_of(
            &extend,
            HIPAA_DOC,
            "2026-02-02T00:00:00Z",
            "us.hipaa.breach_notification",
            "individual_notice"
        ),
        "2026-03-16T23:59:59-04:00"
    );
    // Suspend: the 30 days of the oral delay (02-01..03-03) are added to the original due.
    let suspend = rules(
        &[
            catalogue,
            (
                "us-hipaa.yaml",
                HIPAA.replace("mode: extend_to_delay_end", "mode: suspend_clock"),
            ),
        ],
        &[],
    );
    assert_eq!(
        due_of(
            &suspend,
            HIPAA_DOC,
            "2026-02-02T00:00:00Z",
            "us.hipaa.breach_notification",
            "individual_notice"
        ),
        "2026-04-15T23:59:59-04:00"
    );
    // Written statement until 04-30 under suspend: 88 days added.
    let written = HIPAA_DOC.replace(
        "{kind: oral, stated_on: \"2026-02-01\"}",
        "{kind: written, stated_on: \"2026-02-01\", until: \"2026-04-30\"}",
    );
    assert_eq!(
        due_of(
            &suspend,
            &written,
            "2026-02-02T00:00:00Z",
            "us.hipaa.breach_notification",
            "individual_notice"
        ),
        "2026-06-12T23:59:59-04:00"
    );
}

#[test]
fn swapping_the_holiday_calendar_moves_the_business_day_deadline() {
    let doc = r#"
entity: {entity.time_zone: America/Los_Angeles, entity.country_of_establishment: [US], entity.us.ca_licensed_facility: true}
incident: {ca.unauthorized_access: "yes", ca.unauthorized_access_detected_on: "2026-12-23"}
"#;
    let files = [
        ("catalogue.yaml", CATALOGUE.to_string()),
        ("us-ca.yaml", CA.to_string()),
    ];
    let ca = rules(&files, &[("us-ca-state.yaml", CA_CALENDAR)]);
    assert_eq!(
        due_of(
            &ca,
            doc,
            "2026-12-24T00:00:00Z",
            "us.ca.hsc_1280_15",
            "cdph_and_patient_report"
        ),
        "2027-01-15T23:59:59-08:00"
    );
    // Same id, federal dates: Christmas 25 Dec, New Year (observed Fri 1 Jan) — and no extra
    // state holidays; then a calendar with no holidays at all: two business days earlier.
    let federal_as_ca = FEDERAL_CALENDAR.replace("id: us-federal", "id: us-ca-state");
    let swapped = rules(&files, &[("us-ca-state.yaml", &federal_as_ca)]);
    assert_eq!(
        due_of(
            &swapped,
            doc,
            "2026-12-24T00:00:00Z",
            "us.ca.hsc_1280_15",
            "cdph_and_patient_report"
        ),
        "2027-01-15T23:59:59-08:00"
    );
    let no_holidays = "schema_version: 1\nid: us-ca-state\ntitle: none\nweekend: [saturday, sunday]\ncovers_from: \"2025-01-01\"\ncovers_until: \"2028-12-31\"\nverification: recalled\nholidays: []\n";
    let bare = rules(&files, &[("us-ca-state.yaml", no_holidays)]);
    assert_eq!(
        due_of(
            &bare,
            doc,
            "2026-12-24T00:00:00Z",
            "us.ca.hsc_1280_15",
            "cdph_and_patient_report"
        ),
        "2027-01-13T23:59:59-08:00"
    );
}

#[test]
fn unknown_facts_are_listed_most_urgent_first() {
    let doc = r#"
entity: {entity.time_zone: Europe/Berlin, entity.country_of_establishment: [DE], entity.types: [hospital, healthcare_provider], entity.de.bsig_class: wichtig, policy.internal_sla: PT24H}
incident:
  incident.awareness_at: "2026-06-01T09:00:00+02:00"
  incident.is_security_incident: "yes"
  pd.role: controller
  pd.awareness_at: "2026-06-01T12:00:00+02:00"
  device.involved: "yes"
"#;
    let rules = RuleSet::embedded().expect("rules");
    let obligations = evaluate_document(doc, "2026-06-01T10:00:00+02:00".parse().expect("now"))
        .expect("evaluates");
    let facts = deciding_unknown_facts(rules, &obligations);
    let order: Vec<&str> = facts.iter().map(|f| f.fact.as_str()).collect();
    // NIS2 significance decides the 24 h early warning (due first), the personal-data breach the
    // GDPR 72 h from a later awareness; device questions have no legal number (last).
    let pos = |f: &str| {
        order
            .iter()
            .position(|x| *x == f)
            .unwrap_or_else(|| panic!("{f} not in {order:?}"))
    };
    assert!(
        pos("impact.severe_operational_disruption") < pos("pd.breach"),
        "{order:?}"
    );
    assert!(
        pos("pd.breach") < pos("device.serious_incident"),
        "{order:?}"
    );
    assert_eq!(
        facts[0]
            .earliest_due_at
            .as_ref()
            .map(format_zoned)
            .as_deref(),
        Some("2026-06-02T09:00:00+02:00")
    );
    assert!(facts[0]
        .obligations
        .contains(&"de.bsig/fruehe_erstmeldung".to_string()));
}

#[test]
fn evaluation_is_deterministic_and_now_only_moves_overdue_flags() {
    // C-1.13: T and T + 1 day.
    let doc = crate::worked_example::WORKED_EXAMPLE;
    let a = evaluate_document(doc, "2026-06-06T12:00:00+02:00".parse().expect("now"))
        .expect("evaluates");
    let b = evaluate_document(doc, "2026-06-07T12:00:00+02:00".parse().expect("now"))
        .expect("evaluates");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.regime, &x.stage, &x.due_at),
            (&y.regime, &y.stage, &y.due_at)
        );
    }
    let overdue: Vec<&str> = b
        .iter()
        .filter(|o| o.status == ward_rules::Status::Overdue)
        .map(|o| o.stage.as_str())
        .collect();
    assert_eq!(overdue, ["fruehe_erstmeldung"]);
    assert_eq!(
        a,
        evaluate_document(doc, "2026-06-06T12:00:00+02:00".parse().expect("now"))
            .expect("evaluates")
    );
}

#[test]
fn a_recorded_promulgation_switches_a_transposition_from_advisory_to_binding() {
    // C-6.5 (and the C-6.2/C-6.3 pattern): a new version with status in_force and an
    // applies_from date; the version is chosen by the awareness date. The date is hypothetical.
    let nis2 = include_str!("../../../../rules/eu-nis2.yaml");
    let fr = include_str!("../../../../rules/fr-sante.yaml");
    let pending_start = fr
        .find("  - id: fr.nis2.transposition")
        .expect("pending version");
    let pending_end = fr[pending_start..]
        .find("\n  - id: fr.csp.l5212_2")
        .expect("next regime")
        + pending_start;
    let pending = &fr[pending_start..pending_end];
    let bounded = pending.replace(
        "    status: pending_transposition\n",
        "    status: pending_transposition\n    applies_until: \"2026-09-01\"\n",
    );
    let promulgated = pending
        .replace("version: \"2025-09-10-bill\"", "version: \"2026-09-01\"")
        .replace(
            "    status: pending_transposition\n",
            "    status: in_force\n    applies_from: \"2026-09-01\"\n",
        );
    let fr = format!(
        "{}{bounded}\n{promulgated}{}",
        &fr[..pending_start],
        &fr[pending_end..]
    );
    let rules = rules(
        &[
            ("catalogue.yaml", CATALOGUE.to_string()),
            ("eu-nis2.yaml", nis2.to_string()),
            ("fr-sante.yaml", fr),
        ],
        &[],
    );
    let doc = |awareness: &str| {
        format!(
            "entity: {{entity.time_zone: Europe/Paris, entity.country_of_establishment: [FR], entity.types: [hospital], entity.nis2_class: essential}}\nincident: {{incident.awareness_at: \"{awareness}\", incident.is_security_incident: \"yes\", impact.severe_operational_disruption: \"yes\"}}\n"
        )
    };
    let status = |awareness: &str| {
        let obligations = evaluate_document_with(
            &rules,
            &doc(awareness),
            "2026-08-31T12:00:00Z".parse().expect("now"),
        )
        .expect("evaluates");
        let o = obligations
            .iter()
            .find(|o| o.regime == "fr.nis2.transposition" && o.stage == "early_warning")
            .expect("early warning");
        (o.status, o.rule_version.clone())
    };
    assert_eq!(
        status("2026-08-31T23:30:00+02:00"),
        (ward_rules::Status::Advisory, "2025-09-10-bill".to_string())
    );
    assert_eq!(
        status("2026-09-01T00:30:00+02:00"),
        (ward_rules::Status::Owed, "2026-09-01".to_string())
    );
}
