//! Whole runs with simulated participants: the clock, releases, conditions, scoring, the
//! obligations ticking in story time, metrics and the after-action report.

use jiff::{SignedDuration, Timestamp};
use ward_exercise::run::{EventKind, ExpectationStatus, RunState, Status};
use ward_exercise::scenario::{ActionKind, Role};
use ward_exercise::{after_action, metrics, ScenarioDuration};

use crate::sim::Sim;

fn status(st: &RunState<'_>, now: Timestamp, id: &str) -> ExpectationStatus {
    st.expectation(id, st.scenario_now(now)).status
}

#[test]
fn a_whole_ransomware_exercise_with_simulated_players_gives_the_expected_metrics_and_report() {
    let mut sim = Sim::new("ehr-ransomware");
    sim.record(0, EventKind::Started);
    let st = sim.state();
    assert_eq!(st.awareness_at(), Some(ScenarioDuration::ZERO));
    assert!(st.released.contains_key("i01-ransom-note"));

    sim.act(10, Role::ItLead, ActionKind::IsolateSystems);
    sim.act(25, Role::IncidentCommander, ActionKind::ActivateCommand);
    sim.tick(21);
    assert!(sim.state().released.contains_key("i02-ward-medication"), "released at its time");
    sim.act(50, Role::Nursing, ActionKind::ManualWorkarounds);
    // Incident command was activated in time, so the contingency inject is skipped.
    sim.tick(46);
    let st = sim.state();
    assert!(st.skipped.contains("i03-nobody-in-charge"));
    assert!(!st.released.contains_key("i03-nobody-in-charge"));

    // A decision before its inject is out is refused, with the field named.
    let early = EventKind::Decided { decision: "d1-diversion".into(), option: "none".into(), role: Role::IncidentCommander, rationale: String::new() };
    assert_eq!(sim.state().check(&early).unwrap_err().field, "decision");

    sim.act(70, Role::EmergencyDepartment, ActionKind::RequestMutualAid);
    sim.act(75, Role::ClinicalLead, ActionKind::DeclareDowntime);
    sim.record(80, EventKind::Decided {
        decision: "d1-diversion".into(),
        option: "time-critical".into(),
        role: Role::IncidentCommander,
        rationale: "CT reads by phone are too slow for stroke".into(),
    });
    // A second answer to the same decision is refused.
    let again = EventKind::Decided { decision: "d1-diversion".into(), option: "full".into(), role: Role::IncidentCommander, rationale: String::new() };
    assert!(sim.state().check(&again).is_err());

    // The facilitator jumps ahead: +3 h of story at wall minute 90 (scenario 1h30 → 4h30).
    sim.record(90, EventKind::Advanced { by: ScenarioDuration::parse("PT3H").unwrap() });
    let st = sim.state();
    assert_eq!(st.scenario_now(sim.wall(90)).seconds(), 4 * 3600 + 1800);
    assert!(st.skipped.contains("i05-diversion-silence"), "diversion was decided, so the neighbour does not call");
    assert_eq!(st.released.get("i06-authorities").map(|(t, _)| t.seconds()), Some(4 * 3600), "released at its own time, not the tick's");

    // The early warning: the earliest obligation the engine computed, answered at 4h40.
    let obligations = st.obligations(st.scenario_now(sim.wall(90))).unwrap();
    let first = obligations
        .iter()
        .filter(|o| o.due_at.is_some() && o.trigger == ward_rules::Tri::Yes)
        .min_by_key(|o| o.due_at.as_ref().unwrap().timestamp())
        .expect("the scenario owes a notification");
    let due = first.due_at.as_ref().unwrap().timestamp();
    assert_eq!(due, sim.origin + SignedDuration::from_hours(24), "24 h after awareness ({}/{})", first.regime, first.stage);
    let stage = ward_rules::StageRef { regime: first.regime.clone(), stage: first.stage.clone(), instance: first.instance.clone() };
    sim.record(100, EventKind::Action { role: Role::DpoLegal, action: ActionKind::NotifyAuthority, text: "Early warning sent via the BSI portal".into(), stage: Some(stage.clone()) });
    let st = sim.state();
    let after = st.obligations(st.scenario_now(sim.wall(100))).unwrap();
    let answered = after.iter().find(|o| o.regime == stage.regime && o.stage == stage.stage).unwrap();
    assert!(answered.submitted_at.is_some(), "the notification counts as the submission");
    sim.act(105, Role::Executive, ActionKind::EngageResponders);

    // To the leak-site inject (P1D): the engine now also owes the GDPR notification.
    sim.record(110, EventKind::Advanced { by: ScenarioDuration::parse("PT20H").unwrap() });
    let st = sim.state();
    let now = st.scenario_now(sim.wall(110));
    assert!(now.seconds() >= 86_400, "{now}");
    assert!(st.released.contains_key("i08-leak-site"));
    let gdpr = st.obligations(now).unwrap();
    let leak_at = sim.origin + SignedDuration::from_hours(24);
    let sa = gdpr.iter().find(|o| o.regime == "eu.gdpr" && o.stage == "sa_notification").expect("GDPR Art. 33 owed once the breach is known");
    assert_eq!(sa.due_at.as_ref().unwrap().timestamp(), leak_at + SignedDuration::from_hours(72));
    // Staff were informed late: the inject came at 8 h with a 2 h window; now it is past 24 h.
    sim.act(111, Role::Communications, ActionKind::InformStaff);
    sim.record(112, EventKind::Decided { decision: "d2-ransom".into(), option: "refuse".into(), role: Role::Executive, rationale: "Policy: we do not pay".into() });
    sim.record(113, EventKind::Marked { expectation: "e09-police".into(), met: true, note: "Police were called by phone; not recorded at the time".into() });
    sim.record(114, EventKind::Observation { text: "Nobody knew where the downtime forms were kept".into(), role: Some(Role::Nursing) });
    sim.record(120, EventKind::Finished);

    let st = sim.state();
    let end = sim.wall(500); // the clock stands still after the finish
    assert_eq!(st.status, Status::Finished);
    assert_eq!(st.scenario_now(end), st.scenario_now(sim.wall(120)));
    assert_eq!(status(&st, end, "e01-isolate"), ExpectationStatus::Met);
    assert_eq!(status(&st, end, "e02-escalate"), ExpectationStatus::Met);
    assert_eq!(status(&st, end, "e05-report"), ExpectationStatus::Missed);
    assert_eq!(status(&st, end, "e06-downtime"), ExpectationStatus::Met);
    assert_eq!(status(&st, end, "e08-notify"), ExpectationStatus::Met);
    assert_eq!(status(&st, end, "e09-police"), ExpectationStatus::Met, "the facilitator's mark wins");
    assert_eq!(status(&st, end, "e11-staff"), ExpectationStatus::Late);
    assert_eq!(status(&st, end, "e12-statement"), ExpectationStatus::Pending);
    assert_eq!(status(&st, end, "e16-staffing"), ExpectationStatus::NotReleased);

    let m = metrics(&st, end);
    assert_eq!(m.time_to_escalate_seconds, Some(25 * 60));
    assert_eq!(m.time_to_downtime_seconds, Some(75 * 60));
    assert_eq!(m.time_to_diversion_decision_seconds, Some(80 * 60));
    assert_eq!(m.time_to_first_notification_seconds, Some(4 * 3600 + 40 * 60));
    assert_eq!(m.first_deadline_seconds, Some(24 * 3600));
    assert_eq!(m.first_notification_on_time, Some(true));
    // met: e01 e02 e04 e06 e07 e08 e09 e10; late: e11; missed: e03 (evidence), e05.
    assert_eq!((m.expectations.met, m.expectations.late, m.expectations.missed), (8, 1, 2), "{:?}", m.expectations);
    assert_eq!(m.expectations_met_percent, Some(72.7));
    assert_eq!(m.decisions.len(), 2);
    assert_eq!(m.decisions[0].option_label, "Partial: divert stroke, STEMI and major trauma only");
    assert_eq!((m.frontline_roles_engaged, m.frontline_roles), (2, 3), "nursing and ED acted; frontline staff did not");
    let achieved: Vec<(&str, Option<bool>)> = m.objectives.iter().map(|o| (o.id.as_str(), o.achieved)).collect();
    assert_eq!(achieved, [("o1", Some(true)), ("o2", Some(true)), ("o3", Some(true)), ("o4", Some(true)), ("o5", Some(false))]);

    let aar = after_action(&st, end);
    assert_eq!(aar.scenario_id, "ehr-ransomware");
    assert_eq!(aar.origin, "2026-06-06T02:10:00+02:00");
    assert!(aar.timeline.windows(2).all(|w| w[0].scenario_at <= w[1].scenario_at), "timeline in story order");
    assert!(aar.timeline.iter().any(|e| e.text.contains("i03-nobody-in-charge skipped")));
    assert!(aar.timeline.iter().any(|e| e.story_at == "Sat 2026-06-06 02:35" && e.text.starts_with("Escalated")), "{:#?}", &aar.timeline[..6]);
    assert!(aar.strengths.iter().any(|s| s.starts_with("Objective o1 achieved (25 min)")), "{:?}", aar.strengths);
    assert!(aar.gaps.iter().any(|g| g.contains("Report the outage") && g.contains("not done")), "{:?}", aar.gaps);
    assert!(aar.gaps.iter().any(|g| g.starts_with("Objective o5 not achieved (72.7 %")), "{:?}", aar.gaps);
    assert!(aar.gaps.iter().any(|g| g.contains("1 of 3 frontline roles recorded nothing")));
    let late = aar.proposals.iter().find(|p| p.source == "expectation e11-staff").expect("late staff briefing proposes an item");
    assert_eq!(late.role, Some(Role::Communications));
    let evidence = aar.proposals.iter().find(|p| p.source == "expectation e03-evidence").unwrap();
    assert!(evidence.text.contains("Preserve evidence"));
    // The JSON form is what the web and CLI serve.
    let json = serde_json::to_value(&aar).unwrap();
    assert_eq!(json["metrics"]["time_to_escalate_seconds"], 1500);
    assert_eq!(json["expectations"][0]["status"], "met");

    // Replaying the same log gives the same report.
    assert_eq!(after_action(&sim.state(), end), aar);
}

#[test]
fn the_clock_pauses_advances_and_stops_and_contingency_injects_fire_when_play_fails() {
    let mut sim = Sim::new("ehr-ransomware");
    assert_eq!(sim.state().status, Status::NotStarted);
    assert!(sim.state().due_releases(ScenarioDuration::parse("P3D").unwrap()).is_empty(), "nothing goes out before the start");
    sim.record(0, EventKind::Started);
    sim.record(10, EventKind::Paused);
    let st = sim.state();
    assert_eq!(st.scenario_now(sim.wall(60)).seconds(), 600, "paused clock stands still");
    // Actions are still recorded while paused (a room discusses during a pause)...
    sim.act(30, Role::ItLead, ActionKind::IsolateSystems);
    sim.record(40, EventKind::Resumed);
    assert_eq!(sim.state().scenario_now(sim.wall(45)).seconds(), 900);
    // Nobody escalates: at 45 min of story the contingency inject goes out.
    sim.tick(80);
    let st = sim.state();
    assert!(st.released.contains_key("i03-nobody-in-charge"), "{:?}", st.released);
    // Story time is 50 min (10 before the pause, 40 after): the 60-minute window is still open.
    assert_eq!(status(&st, sim.wall(80), "e02-escalate"), ExpectationStatus::Pending);
    assert_eq!(status(&st, sim.wall(91), "e02-escalate"), ExpectationStatus::Missed);
    // The facilitator can release an inject early; it is marked manual.
    sim.record(81, EventKind::Released { inject: "i07-staff-rumours".into(), manual: true });
    let st = sim.state();
    assert_eq!(st.released.get("i07-staff-rumours").map(|(_, m)| *m), Some(true));
    assert!(st.check(&EventKind::Released { inject: "i07-staff-rumours".into(), manual: true }).is_err(), "not twice");
    sim.record(82, EventKind::Finished);
    let st = sim.state();
    for refused in [
        EventKind::Action { role: Role::ItLead, action: ActionKind::Other, text: "x".into(), stage: None },
        EventKind::Advanced { by: ScenarioDuration::parse("PT1H").unwrap() },
        EventKind::Started,
        EventKind::Paused,
    ] {
        assert!(st.check(&refused).is_err(), "{refused:?} after the finish");
    }
}

#[test]
fn hostile_entries_are_refused_with_the_field_named() {
    let mut sim = Sim::new("ehr-ransomware");
    sim.record(0, EventKind::Started);
    let st = sim.state();
    let cases: Vec<(EventKind, &str)> = vec![
        (EventKind::Action { role: Role::ItLead, action: ActionKind::Other, text: " ".into(), stage: None }, "text"),
        (EventKind::Action { role: Role::ItLead, action: ActionKind::IsolateSystems, text: "a\u{0}b".into(), stage: None }, "text"),
        (EventKind::Action { role: Role::ItLead, action: ActionKind::IsolateSystems, text: "x".repeat(ward_exercise::MAX_NOTE_CHARS + 1), stage: None }, "text"),
        (
            EventKind::Action {
                role: Role::ItLead,
                action: ActionKind::IsolateSystems,
                text: String::new(),
                stage: Some(ward_rules::StageRef { regime: "eu.nis2".into(), stage: "early_warning".into(), instance: None }),
            },
            "stage",
        ),
        (EventKind::Released { inject: "nope".into(), manual: true }, "inject"),
        (EventKind::Marked { expectation: "nope".into(), met: true, note: String::new() }, "expectation"),
        (EventKind::Decided { decision: "nope".into(), option: "x".into(), role: Role::Executive, rationale: String::new() }, "decision"),
        (EventKind::Advanced { by: ScenarioDuration::ZERO }, "by"),
        (EventKind::Observation { text: String::new(), role: None }, "text"),
    ];
    for (kind, field) in cases {
        let err = st.check(&kind).expect_err("refused");
        assert_eq!(err.field, field, "{kind:?}: {err}");
    }
}

#[test]
fn a_notification_meets_only_the_expectation_of_the_obligation_it_answers() {
    let mut sim = Sim::new("ehr-ransomware");
    sim.record(0, EventKind::Started);
    sim.advance(1, "PT4H");
    let gdpr = ward_rules::StageRef { regime: "eu.gdpr".into(), stage: "sa_notification".into(), instance: None };
    sim.record(2, EventKind::Action { role: Role::DpoLegal, action: ActionKind::NotifyAuthority, text: "Told the DPA".into(), stage: Some(gdpr) });
    let st = sim.state();
    assert_eq!(st.expectation("e08-notify", st.scenario_now(sim.wall(3))).status, ExpectationStatus::Pending, "a GDPR notification is not the BSI early warning");
    let bsi = ward_rules::StageRef { regime: "de.bsig".into(), stage: "fruehe_erstmeldung".into(), instance: None };
    sim.record(4, EventKind::Action { role: Role::DpoLegal, action: ActionKind::NotifyAuthority, text: "BSI portal".into(), stage: Some(bsi) });
    let st = sim.state();
    assert_eq!(st.expectation("e08-notify", st.scenario_now(sim.wall(5))).status, ExpectationStatus::Met);
}
