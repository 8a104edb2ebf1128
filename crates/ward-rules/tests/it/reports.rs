//! Report drafts (C-8): minimal early warnings, missing required fields listed but never
//! blocking, data minimisation, labels in the recipient's language.

use ward_rules::{
    draft_report, evaluate, parse_document, render_json, render_markdown, Requirement, RuleSet,
};

use crate::worked_example::WORKED_EXAMPLE;

fn drafts_for(doc_text: &str, now: &str) -> Vec<ward_rules::ReportDraft> {
    let rules = RuleSet::embedded().expect("embedded rules");
    let doc = parse_document(rules, doc_text).expect("document parses");
    let obligations = evaluate(
        rules,
        &doc.facts,
        &doc.submissions,
        &doc.decisions,
        now.parse().expect("now"),
    );
    obligations
        .iter()
        .map(|o| draft_report(rules, &doc.facts, o).expect("draft"))
        .collect()
}

#[test]
fn early_warning_renders_minimal_fields_in_german() {
    let drafts = drafts_for(WORKED_EXAMPLE, "2026-06-06T12:00:00+02:00");
    let ew = drafts
        .iter()
        .find(|d| d.stage == "fruehe_erstmeldung")
        .expect("early warning draft");
    assert_eq!(ew.language, "de");
    assert_eq!(ew.stage_title, "Frühe Erstmeldung");
    assert_eq!(ew.recipient_name, "Gemeinsame Meldestelle von BSI und BBK");
    let ids: Vec<&str> = ew.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "reporter.identity",
            "reporter.contact_point",
            "incident.summary",
            "incident.suspected_unlawful_or_malicious",
            "incident.cross_border_impact"
        ]
    );
    assert_eq!(ew.fields[0].label, "Meldende Einrichtung");
    assert!(ew.missing_required.is_empty(), "{:?}", ew.missing_required);
    // A value derived from the facts, with its label in German.
    let malicious = &ew.fields[3];
    assert_eq!(
        malicious.value.as_deref(),
        Some("Rechtswidrige oder böswillige Handlung: confirmed")
    );
    // Cross-border impact was not entered: "fehlt", and not required.
    assert_eq!(
        (ew.fields[4].display.as_str(), ew.fields[4].requirement),
        ("fehlt", Requirement::WhereApplicable)
    );
    let md = render_markdown(ew);
    assert!(
        md.contains("# § 32 BSIG – Meldepflichten (NIS2UmsuCG) — Frühe Erstmeldung"),
        "{md}"
    );
    assert!(md.contains("**Frist**: 2026-06-06T23:30:00+02:00"), "{md}");
}

#[test]
fn notification_lists_missing_required_fields_without_blocking() {
    let drafts = drafts_for(WORKED_EXAMPLE, "2026-06-08T22:00:00+02:00");
    let meldung = drafts
        .iter()
        .find(|d| d.stage == "meldung")
        .expect("notification draft");
    assert_eq!(
        meldung.missing_required,
        vec!["incident.initial_assessment".to_string()]
    );
    let md = render_markdown(meldung);
    assert!(
        md.contains("**Fehlende Pflichtangaben**: incident.initial_assessment"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&render_json(meldung)).expect("JSON");
    assert_eq!(json["status"], "owed");
    assert_eq!(json["fields"][2]["value"], serde_json::Value::Null);
    assert_eq!(json["fields"][2]["display"], "fehlt");
}

#[test]
fn french_recipient_gets_french_labels() {
    let doc = r#"
entity: {entity.time_zone: Europe/Paris, entity.country_of_establishment: [FR], entity.types: [hospital], entity.fr.l1111_8_2_category: etablissement_de_sante}
incident: {incident.awareness_at: "2026-06-01T09:00:00+02:00", incident.is_security_incident: "yes", impact.normal_functioning_of_establishment: "yes"}
content:
  incident.summary: {value: "Rançongiciel sur le SIH", source: "RSSI", as_of: "2026-06-01T10:00:00+02:00"}
"#;
    let drafts = drafts_for(doc, "2026-06-01T10:00:00+02:00");
    let ars = drafts
        .iter()
        .find(|d| d.stage == "signalement_ars")
        .expect("ARS draft");
    assert_eq!(ars.language, "fr");
    assert_eq!(ars.stage_title, "Signalement à l'agence régionale de santé");
    let summary = ars
        .fields
        .iter()
        .find(|f| f.id == "incident.summary")
        .expect("summary");
    assert_eq!(
        (summary.label.as_str(), summary.source.as_deref()),
        ("Résumé de l'incident", Some("RSSI"))
    );
    assert!(render_markdown(ars)
        .contains("Rançongiciel sur le SIH _(source: RSSI, as of 2026-06-01T10:00:00+02:00)_"));
    assert!(ars.fields.iter().any(|f| f.display == "manquant"));
}

#[test]
fn patient_identities_only_where_the_regime_requires_them() {
    let identities = "Jane Roe (MRN 0042), John Doe (MRN 0043)";
    let doc = format!(
        r#"
entity: {{entity.time_zone: America/New_York, entity.country_of_establishment: [US], entity.types: [hipaa_business_associate, hipaa_covered_entity], entity.us.hospital_beds: 300}}
incident:
  phi.involved: "yes"
  phi.unsecured: "yes"
  phi.discovered_on: "2026-01-15"
  phi.ba_discovered_on: "2026-01-10"
  phi.individuals_affected: 2
  impact.circia_substantial: "yes"
  circia.reasonable_belief_at: "2026-01-15T09:00:00-05:00"
content:
  phi.identities_of_individuals: "{identities}"
  incident.summary: "EHR vendor compromise"
"#
    );
    let drafts = drafts_for(&doc, "2026-01-16T12:00:00-05:00");
    let ba = drafts
        .iter()
        .find(|d| d.stage == "notify_covered_entity")
        .expect("BA draft");
    assert!(ba.patient_identities_included);
    assert!(render_json(ba).contains(identities));
    // Every other payload (CISA, HHS, individuals' notice template) carries no identities.
    let others: Vec<_> = drafts
        .iter()
        .filter(|d| d.stage != "notify_covered_entity")
        .collect();
    assert!(others.len() >= 3);
    for d in others {
        assert!(!d.patient_identities_included);
        assert!(
            !render_json(d).contains("MRN"),
            "{} leaks identities",
            d.stage
        );
        assert!(
            !render_markdown(d).contains("MRN"),
            "{} leaks identities",
            d.stage
        );
    }
}
