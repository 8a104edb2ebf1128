//! Exercise conformance (both backends): runs belong to one organisation, events append in
//! order under the run's sequence guard (a stale append is refused whole), events read back
//! exactly, and improvement items keep their links.

use jiff::Timestamp;
use ward_core::text::{Email, Label};
use ward_core::{OrgType, Role};
use ward_exercise::{ActionKind, EventKind, ScenarioDuration};
use ward_store::{NewExerciseEvent, NewImprovement, NewUser, Store, StoreError};

crate::conformance!(exercise_runs_append_in_order_and_stay_in_their_organisation);

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn ev(at_s: &str, scenario_seconds: i64, kind: EventKind) -> NewExerciseEvent {
    NewExerciseEvent { at: at(at_s), scenario_at: ScenarioDuration::from_seconds(scenario_seconds), user_id: None, recorded_by: Some("facilitator@example.org".into()), kind }
}

async fn exercise_runs_append_in_order_and_stay_in_their_organisation(store: Store) {
    let now = at("2026-11-30T09:00:00Z");
    let h1 = store.create_org(&"H1".parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap();
    let h2 = store.create_org(&"H2".parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap();
    let u = store.create_user(NewUser { org_id: h1.id, email: "f@example.org".parse::<Email>().unwrap(), role: Role::Analyst, password_hash: None }, now).await.unwrap();
    let origin = at("2026-06-06T00:10:00Z");
    let run = store.create_exercise_run(h1.id, "ehr-ransomware", 1, "Night shift drill", origin, Some(u.id), now).await.unwrap();
    assert_eq!((run.status.as_str(), run.last_seq, run.origin_at), ("not_started", 0, origin));
    assert!(matches!(store.create_exercise_run(h1.id, "ehr-ransomware", 1, "  ", origin, None, now).await, Err(StoreError::Invalid { field: "title", .. })));

    let first = [
        ev("2026-11-30T09:01:00Z", 0, EventKind::Started),
        ev("2026-11-30T09:01:00Z", 0, EventKind::Released { inject: "i01-ransom-note".into(), manual: false }),
    ];
    assert_eq!(store.append_exercise_events(h1.id, &run.id, 0, &first, "running", None).await.unwrap(), 2);
    // A stale writer (it read seq 0) is refused whole and told the current number.
    let stale = [ev("2026-11-30T09:02:00Z", 60, EventKind::Paused)];
    assert!(matches!(store.append_exercise_events(h1.id, &run.id, 0, &stale, "paused", None).await, Err(StoreError::Conflict { current: 2 })));
    let action = EventKind::Action { role: ward_exercise::Role::ItLead, action: ActionKind::IsolateSystems, text: "Pulled the uplinks <b>now</b>".into(), stage: None };
    assert_eq!(store.append_exercise_events(h1.id, &run.id, 2, &[ev("2026-11-30T09:05:00Z", 240, action.clone())], "running", None).await.unwrap(), 3);
    store.append_exercise_events(h1.id, &run.id, 3, &[ev("2026-11-30T09:30:00Z", 1740, EventKind::Finished)], "finished", Some(r#"{"points":3}"#)).await.unwrap();

    let events = store.exercise_events(h1.id, &run.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(events[2].kind, action, "the event body reads back exactly");
    assert_eq!(events[2].scenario_at.seconds(), 240);
    assert_eq!(events[2].at, at("2026-11-30T09:05:00Z"));
    let run = store.exercise_run(h1.id, &run.id).await.unwrap().unwrap();
    assert_eq!((run.status.as_str(), run.last_seq, run.finished_at), ("finished", 4, Some(at("2026-11-30T09:30:00Z"))));
    assert_eq!(run.summary.as_deref(), Some(r#"{"points":3}"#));

    // Another organisation neither sees nor writes the run.
    assert!(store.exercise_run(h2.id, &run.id).await.unwrap().is_none());
    assert!(store.exercise_events(h2.id, &run.id).await.unwrap().is_empty());
    assert!(store.exercise_runs(h2.id).await.unwrap().is_empty());
    assert!(matches!(store.append_exercise_events(h2.id, &run.id, 4, &stale, "paused", None).await, Err(StoreError::NotFound)));
    let item = NewImprovement { text: "Print downtime medication lists every 4 h".into(), owner: "Nursing director".into(), due_on: Some("2027-01-31".parse().unwrap()), control: Some("nis2-art21/21.2.c".into()), source: Some("expectation e04-paper".into()) };
    assert!(matches!(store.add_improvement(h2.id, &run.id, &item, None, now).await, Err(StoreError::NotFound)));

    let added = store.add_improvement(h1.id, &run.id, &item, Some(u.id), now).await.unwrap();
    assert_eq!((added.status.as_str(), added.control.as_deref(), added.due_on), ("open", Some("nis2-art21/21.2.c"), Some("2027-01-31".parse().unwrap())));
    store.set_improvement_status(h1.id, &added.id, true).await.unwrap();
    assert!(matches!(store.set_improvement_status(h2.id, &added.id, false).await, Err(StoreError::NotFound)));
    let all = store.improvements(h1.id, None).await.unwrap();
    assert_eq!((all.len(), all[0].status.as_str()), (1, "done"));
    assert_eq!(store.exercise_runs(h1.id).await.unwrap().len(), 1);
}
