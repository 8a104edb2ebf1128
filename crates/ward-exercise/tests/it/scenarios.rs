use ward_exercise::scenario::{self, Scenario, EMBEDDED};

#[test]
fn every_file_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded, "scenarios/*.yaml and scenario::EMBEDDED differ");
}

#[test]
fn every_shipped_scenario_loads_and_validates() {
    let all = scenario::embedded().unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 4, "at least four scenarios ship, found {}", all.len());
    let catalogue = ward_risk::framework::Catalogue::embedded().expect("frameworks load");
    for s in all {
        assert!(s.injects.len() >= 6, "{}: a realistic scenario has several injects", s.id);
        assert!(s.expectations().count() >= 8, "{}: expectations to score", s.id);
        assert!(s.decisions().count() >= 1, "{}: at least one decision point", s.id);
        // Every control link names a requirement the risk module knows.
        for (field, link) in s.control_links() {
            let (fw, req) = link.split_once('/').unwrap();
            let framework = catalogue.framework(fw).unwrap_or_else(|| panic!("{}: {field}: no framework {fw:?}", s.id));
            assert!(framework.requirement(req).is_some(), "{}: {field}: {fw} has no requirement {req:?}", s.id);
        }
        // The scenario's facts give obligations once the organisation is aware.
        let doc = s.fact_document("2026-06-06T00:10:00Z".parse().unwrap(), &[]).unwrap();
        let rules = ward_rules::RuleSet::embedded().unwrap();
        let facts = ward_rules::Facts::from_document(rules, &doc).unwrap();
        let obligations = ward_rules::evaluate(rules, &facts, &[], &[], "2026-06-06T01:00:00Z".parse().unwrap());
        assert!(obligations.iter().any(|o| o.due_at.is_some()), "{}: the reporting engine finds a deadline", s.id);
    }
    // The four the issue names are there.
    for id in ["ehr-ransomware", "pathology-supplier-outage", "ddos-portal-phones", "medical-device-fleet"] {
        assert!(scenario::find(id).is_some(), "{id} ships");
    }
}

fn problems(text: &str) -> String {
    match Scenario::from_yaml("ehr-ransomware.yaml", text) {
        Ok(_) => String::from("(accepted)"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_broken_scenario_is_refused_with_every_problem_named() {
    let good = EMBEDDED.iter().find(|(n, _)| *n == "ehr-ransomware.yaml").unwrap().1;
    assert_eq!(problems(good), "(accepted)");
    let cases = [
        ("id: ehr-ransomware", "id: other", "id: must equal the file name"),
        ("    at: PT20M", "    at: PT20X", "injects[1].at"),
        ("    at: PT20M", "    at: P1M", "injects[1].at"),
        ("        role: it_lead\n        text: \"Isolate", "        role: surgeon\n        text: \"Isolate", "injects[0].expectations[0].role"),
        ("        action: isolate_systems", "        action: pray", "injects[0].expectations[0].action"),
        ("expectation_not_met: {expectation: e02-escalate}", "expectation_not_met: {expectation: e99}", "injects[2].when.expectation"),
        ("decision_pending: {decision: d1-diversion}", "decision_pending: {decision: d9}", "injects[4].when.decision_pending.decision"),
        ("awareness_inject: i01-ransom-note", "awareness_inject: i03-nobody-in-charge", "awareness_inject: must be an unconditional inject"),
        ("  beds: 350", "  beds: 0", "organisation.beds"),
        ("  time_zone: Europe/Berlin", "  time_zone: Mars/Olympus", "organisation.time_zone"),
        ("    target: PT60M", "    target: soon", "objectives[0].target"),
        ("[nis2-art21/21.2.b, hph-cpg/HPH-E7]", "[nis2-art21]", "objectives[0].controls[0]"),
        ("    entity.de.bsig_class: besonders_wichtig", "    entity.de.bsig_class: maybe", "facts:"),
        ("  downtime_days: 21", "  downtime_days: -3", "harm.downtime_days"),
        ("    channel: radio", "    channel: pigeon", "injects[3].channel"),
        ("  - id: i02-ward-medication\n    at: PT20M", "  - id: i02-ward-medication\n    at: PT0M\n    surprise: true", "unknown field `surprise`"),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "test text {from:?} not in the file");
        let bad = good.replacen(from, to, 1);
        let got = problems(&bad);
        assert!(got.contains(expected), "changing {from:?} → {to:?}: expected {expected:?} in {got:?}");
    }
    // Two problems at once are both reported.
    let bad = good.replacen("  beds: 350", "  beds: 0", 1).replacen("  setting: urban", "  setting: lunar", 1);
    let got = problems(&bad);
    assert!(got.contains("organisation.beds") && got.contains("organisation.setting"), "{got}");
    // Injects out of order.
    let bad = good.replacen("    at: PT20M", "    at: PT2H", 1);
    assert!(problems(&bad).contains("time order"), "{}", problems(&bad));
    // Not YAML at all, and hostile sizes.
    assert!(problems("{{{{").starts_with("scenario ehr-ransomware.yaml"));
    assert!(problems(&"x".repeat(scenario::MAX_FILE_BYTES + 1)).contains("larger than"));
}


// Replays of the shipped scenarios with simulated players: each scenario's contingency injects
// fire when play fails and are skipped when it succeeds, and the reporting engine owes what the
// story says, with the right due times.

use jiff::SignedDuration;
use ward_exercise::run::{EventKind, ExpectationStatus, RunState};
use ward_exercise::scenario::{ActionKind, Role};
use ward_rules::{Obligation, Status as Owed, Tri};

use crate::sim::Sim;

fn obligation<'a>(all: &'a [Obligation], regime: &str, stage: &str) -> &'a Obligation {
    all.iter().find(|o| o.regime == regime && o.stage == stage).unwrap_or_else(|| {
        let have: Vec<String> = all.iter().map(|o| format!("{}/{}", o.regime, o.stage)).collect();
        panic!("no {regime}/{stage} among {have:?}")
    })
}

fn due(o: &Obligation) -> jiff::Timestamp {
    o.due_at.as_ref().unwrap_or_else(|| panic!("{}/{} has no due time ({})", o.regime, o.stage, o.due_basis)).timestamp()
}

fn decide(sim: &mut Sim, minutes: i64, decision: &str, option: &str, role: Role) {
    sim.record(minutes, EventKind::Decided { decision: decision.into(), option: option.into(), role, rationale: "sim".into() });
}

fn expectation(st: &RunState<'_>, sim: &Sim, minutes: i64, id: &str) -> ExpectationStatus {
    st.expectation(id, sim.now(minutes)).status
}

#[test]
fn pathology_supplier_outage_escalation_contingency_nis_and_ico_deadlines() {
    let origin = "2026-06-01T13:30:00+01:00"; // a Monday afternoon in London
    // Play fails: nobody declares an incident, so the theatre coordinator calls at one hour.
    let mut fail = Sim::with_origin("pathology-supplier-outage", origin);
    fail.record(0, EventKind::Started);
    fail.tick(61);
    let st = fail.state();
    assert!(st.released.contains_key("i03-theatres-nobody"), "{:?}", st.released.keys());
    assert_eq!(expectation(&st, &fail, 61, "e02-escalate"), ExpectationStatus::Missed);

    // Play succeeds: gold command at 20 minutes, the contingency inject is skipped.
    let mut sim = Sim::with_origin("pathology-supplier-outage", origin);
    sim.record(0, EventKind::Started);
    sim.act(10, Role::ItLead, ActionKind::IsolateSystems);
    sim.act(20, Role::IncidentCommander, ActionKind::ActivateCommand);
    sim.act(40, Role::ClinicalLead, ActionKind::DeclareDowntime);
    sim.tick(61);
    let st = sim.state();
    assert!(st.skipped.contains("i03-theatres-nobody"));
    assert_eq!(expectation(&st, &sim, 61, "e05-downtime"), ExpectationStatus::Met);

    // The NIS Regulations: one report to DHSC through the DSPT, 72 h after awareness; the NHS
    // England urgent call has no number; UK GDPR waits for a breach.
    let start = sim.origin;
    let now = sim.now(61);
    let ob = st.obligations(now).unwrap();
    let nis = obligation(&ob, "uk.nis2018.reg11", "nis_incident_notification");
    assert_eq!((nis.status, nis.trigger), (Owed::Owed, Tri::Yes));
    assert_eq!(due(nis), start + SignedDuration::from_hours(72));
    assert_eq!(nis.recipient, "uk.dhsc_via_dspt");
    let call = obligation(&ob, "uk.nhse.urgent_cyber", "urgent_call");
    assert!(call.due_at.is_none() && call.trigger == Tri::Yes);
    let ico = obligation(&ob, "uk.gdpr", "ico_notification");
    assert_eq!((ico.trigger, ico.due_at.is_none()), (Tri::Unknown, true), "no breach known on day 1");
    // The proposed CS&R Bill is shown, advisory, never overdue.
    assert_eq!(obligation(&ob, "uk.csr_bill", "initial_notification").status, Owed::Advisory);

    // The ambulance decision at 2 h 10: partial diversion of blood-dependent patients.
    sim.tick(121);
    decide(&mut sim, 130, "d1-diversion", "blood-dependent", Role::IncidentCommander);
    let m = ward_exercise::metrics(&sim.state(), sim.wall(130));
    assert_eq!(m.time_to_diversion_decision_seconds, Some(130 * 60));
    assert_eq!(m.time_to_escalate_seconds, Some(20 * 60));

    // Day 17: the leak site. UK GDPR is now owed, 72 h from the leak, not from day 1.
    sim.advance(140, "P17D");
    let st = sim.state();
    let now = sim.now(140);
    let (leak_at, _) = st.released["i10-leak"];
    assert_eq!(leak_at.seconds(), 17 * 86_400);
    let ob = st.obligations(now).unwrap();
    let ico = obligation(&ob, "uk.gdpr", "ico_notification");
    assert_eq!((ico.status, ico.trigger), (Owed::Owed, Tri::Yes));
    assert_eq!(due(ico), start + SignedDuration::from_hours(17 * 24 + 72));
    assert_eq!(obligation(&ob, "uk.gdpr", "data_subject_communication").trigger, Tri::Yes, "high risk: patients are told");
    assert_eq!(obligation(&ob, "uk.nis2018.reg11", "nis_incident_notification").status, Owed::Overdue, "never sent in this run");
}

#[test]
fn ddos_portal_phones_contingencies_ars_report_and_the_late_gdpr_breach() {
    let origin = "2026-06-01T08:00:00+02:00"; // a Monday morning in France
    // Play fails: no crisis cell, no holding message: both contingency injects go out.
    let mut fail = Sim::with_origin("ddos-portal-phones", origin);
    fail.record(0, EventKind::Started);
    fail.tick(121);
    let st = fail.state();
    assert!(st.released.contains_key("i04-nobody-in-charge"));
    assert!(st.released.contains_key("i05-crowd"));

    // Play succeeds: crisis cell at 10 min, holding message 5 min after the claim.
    let mut sim = Sim::with_origin("ddos-portal-phones", origin);
    sim.record(0, EventKind::Started);
    sim.act(5, Role::ItLead, ActionKind::ContactVendor);
    sim.act(10, Role::IncidentCommander, ActionKind::ActivateCommand);
    sim.act(20, Role::Communications, ActionKind::PublicStatement);
    sim.act(35, Role::ClinicalLead, ActionKind::DeclareDowntime);
    decide(&mut sim, 45, "d1-routing", "none", Role::IncidentCommander);
    sim.tick(121);
    let st = sim.state();
    assert!(st.skipped.contains("i04-nobody-in-charge") && st.skipped.contains("i05-crowd"), "{:?}", st.skipped);
    let m = ward_exercise::metrics(&st, sim.wall(121));
    assert_eq!(m.time_to_diversion_decision_seconds, Some(45 * 60), "choosing not to divert is a decision too");

    // A DDoS owes the ARS report "sans délai" (no number) and, once the French NIS2 law is in
    // force, a 24 h early warning (advisory today). No personal data breach: no GDPR stage.
    let start = sim.origin;
    let ob = st.obligations(sim.now(121)).unwrap();
    let ars = obligation(&ob, "fr.csp.l1111_8_2", "signalement_ars");
    assert_eq!((ars.status, ars.trigger, ars.due_at.is_none()), (Owed::Owed, Tri::Yes, true));
    let ew = obligation(&ob, "fr.nis2.transposition", "early_warning");
    assert_eq!(ew.status, Owed::Advisory);
    assert_eq!(due(ew), start + SignedDuration::from_hours(24));
    assert!(!ob.iter().any(|o| o.regime == "eu.gdpr"), "a flood is not a personal data breach");
    assert!(!ob.iter().any(|o| o.regime.contains("5212") || o.regime.contains("device")), "no device involved");

    // Day 2, the extortion e-mail: a breach is possible (provisional, no clock yet).
    sim.advance(130, "P1DT4H");
    let st = sim.state();
    let ob = st.obligations(sim.now(130)).unwrap();
    let sa = obligation(&ob, "eu.gdpr", "sa_notification");
    assert_eq!((sa.trigger, sa.due_at.is_none()), (Tri::Unknown, true));
    // Day 3, the forensics: the CNIL is owed 72 h from that inject.
    sim.advance(140, "PT22H");
    let st = sim.state();
    let (found, _) = st.released["i10-forensics"];
    assert_eq!(found.seconds(), 2 * 86_400 + 4 * 3600);
    let ob = st.obligations(sim.now(140)).unwrap();
    let sa = obligation(&ob, "eu.gdpr", "sa_notification");
    assert_eq!((sa.status, sa.recipient.as_str()), (Owed::Owed, "fr.cnil"));
    assert_eq!(due(sa), start + SignedDuration::from_hours(2 * 24 + 4 + 72));
}

#[test]
fn medical_device_fleet_awareness_isolation_contingency_bsi_and_mpamiv() {
    let origin = "2026-06-04T03:40:00+02:00"; // a Thursday night in Germany
    // Play fails: the device network is not isolated, so the step-down unit freezes too.
    let mut fail = Sim::with_origin("medical-device-fleet", origin);
    fail.record(0, EventKind::Started);
    assert!(fail.state().obligations(fail.now(0)).unwrap().is_empty(), "a frozen screen is not yet awareness");
    fail.tick(121);
    let st = fail.state();
    assert!(st.released.contains_key("i04-spread"));
    assert_eq!(expectation(&st, &fail, 121, "e03-isolate"), ExpectationStatus::Missed);

    // Play succeeds: isolation 15 min after the compromise is found.
    let mut sim = Sim::with_origin("medical-device-fleet", origin);
    sim.record(0, EventKind::Started);
    sim.act(5, Role::Nursing, ActionKind::ManualWorkarounds);
    sim.act(60, Role::ItLead, ActionKind::IsolateSystems);
    sim.act(70, Role::IncidentCommander, ActionKind::ActivateCommand);
    sim.tick(121);
    let st = sim.state();
    assert!(st.skipped.contains("i04-spread"));
    assert_eq!(st.awareness_at().map(|a| a.seconds()), Some(45 * 60), "awareness is the vendor-session inject");
    let m = ward_exercise::metrics(&st, sim.wall(121));
    assert_eq!(m.time_to_escalate_seconds, Some(25 * 60), "measured from awareness, not from the first call");

    // § 32 BSIG: the early initial report 24 h after awareness; MPAMIV waits for a serious incident.
    let aware = sim.origin + SignedDuration::from_mins(45);
    let ob = st.obligations(sim.now(121)).unwrap();
    let early = obligation(&ob, "de.bsig", "fruehe_erstmeldung");
    assert_eq!((early.status, early.trigger), (Owed::Owed, Tri::Yes));
    assert_eq!(due(early), aware + SignedDuration::from_hours(24));
    assert_eq!(due(obligation(&ob, "de.bsig", "meldung")), aware + SignedDuration::from_hours(72));
    assert_eq!(obligation(&ob, "de.mpamiv.3", "bfarm_report").trigger, Tri::Unknown);

    // ICU admissions: partial diversion at 3 h 20.
    sim.tick(181);
    decide(&mut sim, 200, "d2-icu-admissions", "critical-care", Role::IncidentCommander);
    let m = ward_exercise::metrics(&sim.state(), sim.wall(200));
    assert_eq!(m.time_to_diversion_decision_seconds, Some((200 - 45) * 60));

    // 6 h: the patient deteriorates. BfArM (unverzüglich, no number) and the manufacturer are owed.
    sim.advance(210, "PT3H");
    let st = sim.state();
    assert!(st.released.contains_key("i07-patient"));
    let ob = st.obligations(sim.now(210)).unwrap();
    let bfarm = obligation(&ob, "de.mpamiv.3", "bfarm_report");
    assert_eq!((bfarm.status, bfarm.trigger, bfarm.due_at.is_none()), (Owed::Owed, Tri::Yes, true));
    assert_eq!(bfarm.recipient, "de.bfarm");
    assert_eq!(obligation(&ob, "policy.device_manufacturer_notice", "inform_manufacturer").trigger, Tri::Yes);
    assert!(!ob.iter().any(|o| o.regime == "eu.mdr.art87"), "the hospital is a user, not the manufacturer");
}
