//! The worked example of reporting-regimes.md §b.4, through `evaluate_document` (the CLI path).

use ward_rules::{evaluate_document, format_zoned, Obligation, Status};

pub(crate) const WORKED_EXAMPLE: &str = r#"
# A German university hospital: KRITIS site, besonders wichtig, GDPR controller.
entity:
  entity.time_zone: Europe/Berlin
  entity.country_of_establishment: [DE]
  entity.types: [hospital, healthcare_provider, gdpr_controller]
  entity.de.bsig_class: besonders_wichtig
  entity.de.kritis_operator: true
  policy.internal_sla: PT24H
incident:
  incident.detected_at: 2026-06-05T22:10:00+02:00
  incident.awareness_at: 2026-06-05T23:30:00+02:00
  incident.is_security_incident: yes
  incident.ransomware: yes
  incident.suspected_malicious: confirmed
  impact.severe_operational_disruption: yes   # emergency admissions diverted
  device.involved: yes                        # networked infusion-pump segment
  device.serious_incident: unknown            # potential patient harm
  pd.role: controller
  pd.main_establishment: DE
  pd.breach: yes
  pd.awareness_at: 2026-06-07T15:00:00+02:00  # exfiltration of patient data confirmed
content:
  reporter.identity: "Universitätsklinikum Beispielstadt (KRITIS-Anlage Krankenhaus)"
  reporter.contact_point: "ISB, +49 30 1234567, isb@example.org"
  incident.summary: "Ransomware encrypted clinical systems; emergency admissions diverted."
"#;

fn find<'a>(obligations: &'a [Obligation], regime: &str, stage: &str) -> &'a Obligation {
    obligations
        .iter()
        .find(|o| o.regime == regime && o.stage == stage)
        .unwrap_or_else(|| panic!("no obligation {regime}/{stage}"))
}

fn due(o: &Obligation) -> String {
    o.due_at
        .as_ref()
        .map(format_zoned)
        .unwrap_or_else(|| "null".into())
}

#[test]
fn worked_example_before_the_notification_is_submitted() {
    let now = "2026-06-06T12:00:00+02:00".parse().expect("valid now");
    let obligations = evaluate_document(WORKED_EXAMPLE, now).expect("worked example evaluates");

    let ew = find(&obligations, "de.bsig", "fruehe_erstmeldung");
    assert_eq!(
        (ew.status, due(ew).as_str(), ew.due_basis.as_str()),
        (
            Status::Owed,
            "2026-06-06T23:30:00+02:00",
            "awareness + 24 h"
        )
    );
    assert_eq!(ew.recipient, "de.bsi_bbk_meldestelle");

    let meldung = find(&obligations, "de.bsig", "meldung");
    assert_eq!(
        (meldung.status, due(meldung).as_str()),
        (Status::Owed, "2026-06-08T23:30:00+02:00")
    );

    // Provisionally: notification due + 1 month.
    let abschluss = find(&obligations, "de.bsig", "abschlussmeldung");
    assert_eq!(
        (
            abschluss.status,
            due(abschluss).as_str(),
            abschluss.anchor_provisional
        ),
        (Status::Owed, "2026-07-08T23:30:00+02:00", true)
    );

    let gdpr = find(&obligations, "eu.gdpr", "sa_notification");
    assert_eq!(
        (gdpr.status, due(gdpr).as_str(), gdpr.recipient.as_str()),
        (Status::Owed, "2026-06-10T15:00:00+02:00", "de.state_dpa")
    );
}

#[test]
fn worked_example_after_the_notification_is_submitted() {
    let doc = format!("{WORKED_EXAMPLE}\nsubmissions:\n  - {{regime: de.bsig, stage: meldung, submitted_at: 2026-06-07T14:00:00+02:00}}\n");
    let now = "2026-06-07T16:00:00+02:00".parse().expect("valid now");
    let obligations = evaluate_document(&doc, now).expect("worked example evaluates");

    // The example records no early-warning submission, so by Sunday 16:00 it is overdue; its due
    // instant is the one in the table.
    let ew = find(&obligations, "de.bsig", "fruehe_erstmeldung");
    assert_eq!(
        (ew.status, due(ew).as_str()),
        (Status::Overdue, "2026-06-06T23:30:00+02:00")
    );

    let meldung = find(&obligations, "de.bsig", "meldung");
    assert_eq!(
        (meldung.status, due(meldung).as_str()),
        (Status::SubmittedOnTime, "2026-06-08T23:30:00+02:00")
    );

    let abschluss = find(&obligations, "de.bsig", "abschlussmeldung");
    assert_eq!(
        (
            abschluss.status,
            due(abschluss).as_str(),
            abschluss.anchor_provisional
        ),
        (Status::Owed, "2026-07-07T14:00:00+02:00", false)
    );
    assert_eq!(abschluss.due_basis, "submission of meldung + 1 month");

    let gdpr = find(&obligations, "eu.gdpr", "sa_notification");
    assert_eq!(
        (gdpr.status, due(gdpr).as_str()),
        (Status::Owed, "2026-06-10T15:00:00+02:00")
    );

    // Art. 34: provisional (risk level unknown), no number in the law, internal SLA as policy.
    let art34 = find(&obligations, "eu.gdpr", "data_subject_communication");
    assert_eq!(
        (art34.status, art34.due_at.is_none()),
        (Status::Provisional, true)
    );
    assert_eq!(art34.deciding_facts, vec!["pd.risk_level".to_string()]);
    assert_eq!(
        art34.policy_due_at.as_ref().map(format_zoned).as_deref(),
        Some("2026-06-08T15:00:00+02:00")
    );
    assert!(art34
        .policy_basis
        .as_deref()
        .unwrap_or_default()
        .contains("policy, not law"));

    // MPAMIV § 3: provisional (serious incident unknown), "unverzüglich", policy SLA 24 h.
    let mpamiv = find(&obligations, "de.mpamiv.3", "bfarm_report");
    assert_eq!(
        (mpamiv.status, mpamiv.due_at.is_none()),
        (Status::Provisional, true)
    );
    assert_eq!(
        mpamiv.deciding_facts,
        vec!["device.serious_incident".to_string()]
    );
    assert_eq!(
        mpamiv.policy_due_at.as_ref().map(format_zoned).as_deref(),
        Some("2026-06-06T23:30:00+02:00")
    );
    assert!(mpamiv
        .deadline_label
        .as_deref()
        .unwrap_or_default()
        .starts_with("unverzüglich"));

    // Inform the device manufacturer: a policy task.
    let task = find(
        &obligations,
        "policy.device_manufacturer_notice",
        "inform_manufacturer",
    );
    assert_eq!(task.status, Status::Provisional);

    // The variant of §b.4 / C-2.1: encryption of patient data on Friday is an availability
    // breach known then → GDPR due Mon 2026-06-08 23:30.
    let variant = doc.replace(
        "pd.awareness_at: 2026-06-07T15:00:00+02:00",
        "pd.awareness_at: 2026-06-05T23:30:00+02:00",
    );
    let obligations = evaluate_document(&variant, now).expect("variant evaluates");
    assert_eq!(
        due(find(&obligations, "eu.gdpr", "sa_notification")),
        "2026-06-08T23:30:00+02:00"
    );
}

#[test]
fn obligations_are_sorted_by_due_time_and_fan_out() {
    // The same hospital group with a French site (C-5.1 shape).
    let fan_out = WORKED_EXAMPLE
        .replace("entity.country_of_establishment: [DE]", "entity.country_of_establishment: [DE, FR]\n  entity.nis2_class: essential\n  entity.fr.l1111_8_2_category: etablissement_de_sante")
        .replace("  pd.role: controller", "  impact.normal_functioning_of_establishment: yes\n  pd.role: controller");
    let now = "2026-06-06T12:00:00+02:00".parse().expect("valid now");
    let obligations = evaluate_document(&fan_out, now).expect("evaluates");
    // C-5.4: one incident yields eight or more obligations, sorted by due time (unknown last).
    assert!(obligations.len() >= 8, "{} obligations", obligations.len());
    let dues: Vec<Option<jiff::Timestamp>> = obligations
        .iter()
        .map(|o| o.due_at.as_ref().map(|z| z.timestamp()))
        .collect();
    let first_none = dues.iter().position(Option::is_none).unwrap_or(dues.len());
    assert!(dues[first_none..].iter().all(Option::is_none));
    assert!(dues[..first_none].windows(2).all(|w| w[0] <= w[1]));
}
