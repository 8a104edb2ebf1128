//! Tabletop exercises over HTTP, the part without HTML: loading a run with its scenario and
//! events, releasing the injects that have come due, and recording an event safely.
//!
//! Every write goes through [`record`]: it replays the run, appends the injects due by now,
//! checks the new event against the replayed state (`RunState::check`) and appends it under the
//! run's sequence guard, retrying when another participant appended first. So the log never
//! holds an event that was impossible when it was recorded, and every viewer sees the same
//! release times. Access is decided by the caller (pages/exercises.rs) before it calls here.

use jiff::Timestamp;
use ward_core::{OrgId, UserId};
use ward_exercise::run::{EventKind, RunState, Status};
use ward_exercise::scenario::{self, Scenario};
use ward_exercise::{Event, FieldProblem};
use ward_store::{ExerciseRun, NewExerciseEvent, StoreError};

use crate::AppState;

/// How often an append is retried when other participants keep appending first.
const MAX_APPEND_ATTEMPTS: usize = 8;

/// A run with its scenario and events.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub run: ExerciseRun,
    pub scenario: &'static Scenario,
    pub events: Vec<Event>,
}

impl Loaded {
    pub fn state(&self) -> RunState<'static> {
        RunState::replay(self.scenario, self.run.origin_at, self.events.clone())
    }
}

/// Why an event was not recorded.
#[derive(Debug)]
pub enum RecordError {
    /// The run refuses it (field and reason, for a 422).
    Refused(FieldProblem),
    NotFound,
    Store(StoreError),
}

impl From<StoreError> for RecordError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => RecordError::NotFound,
            StoreError::Invalid { field, reason } => RecordError::Refused(FieldProblem::new(field, reason)),
            other => RecordError::Store(other),
        }
    }
}

/// Loads a run of `org`; `None` when there is no such run or its scenario no longer ships.
pub async fn load(state: &AppState, org: OrgId, run_id: &str) -> Result<Option<Loaded>, StoreError> {
    let Some(run) = state.store.exercise_run(org, run_id).await? else { return Ok(None) };
    let Some(scenario) = scenario::find(&run.scenario_id) else { return Ok(None) };
    let events = state.store.exercise_events(org, run_id).await?;
    Ok(Some(Loaded { run, scenario, events }))
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "not_started",
        Status::Running => "running",
        Status::Paused => "paused",
        Status::Finished => "finished",
    }
}

/// Loads a run and appends the injects that have come due by `now`.
pub async fn sync(state: &AppState, org: OrgId, run_id: &str, now: Timestamp) -> Result<Option<Loaded>, StoreError> {
    match record_inner(state, org, run_id, None, None, None, now).await {
        Ok(l) => Ok(Some(l)),
        Err(RecordError::NotFound) => Ok(None),
        Err(RecordError::Store(e)) => Err(e),
        Err(RecordError::Refused(p)) => Err(StoreError::Invalid { field: "event", reason: p.to_string() }),
    }
}

/// Records one event by `user` (shown as `recorded_by`) at `now`, after the due injects.
pub async fn record(
    state: &AppState,
    org: OrgId,
    run_id: &str,
    kind: EventKind,
    user: Option<UserId>,
    recorded_by: Option<String>,
    now: Timestamp,
) -> Result<Loaded, RecordError> {
    record_inner(state, org, run_id, Some(kind), user, recorded_by, now).await
}

async fn record_inner(
    state: &AppState,
    org: OrgId,
    run_id: &str,
    kind: Option<EventKind>,
    user: Option<UserId>,
    recorded_by: Option<String>,
    now: Timestamp,
) -> Result<Loaded, RecordError> {
    // The store keeps microseconds; so does the state handed back without a re-read.
    let now = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
    for _ in 0..MAX_APPEND_ATTEMPTS {
        let Some(loaded) = load(state, org, run_id).await? else { return Err(RecordError::NotFound) };
        let mut st = loaded.state();
        let scenario_now = st.scenario_now(now);
        let mut new: Vec<NewExerciseEvent> = Vec::new();
        let mut seq = loaded.run.last_seq;
        let mut push = |st: &mut RunState<'static>, scenario_at, user_id, recorded_by: Option<String>, kind: EventKind| {
            seq += 1;
            st.push(Event { seq, at: now, scenario_at, recorded_by: recorded_by.clone(), kind: kind.clone() });
            new.push(NewExerciseEvent { at: now, scenario_at, user_id, recorded_by, kind });
        };
        for (at, release) in st.due_releases(scenario_now) {
            push(&mut st, at, None, None, release);
        }
        // The new event is checked against the state with the releases applied.
        if let Some(kind) = &kind {
            st.check(kind).map_err(RecordError::Refused)?;
            push(&mut st, scenario_now, user, recorded_by.clone(), kind.clone());
        }
        if new.is_empty() {
            return Ok(loaded);
        }
        // The finish stores the metrics summary for the history across runs.
        let summary = matches!(kind, Some(EventKind::Finished))
            .then(|| {
                let mut v = serde_json::to_value(ward_exercise::metrics(&st, now)).ok()?;
                let harm = scenario_harm(&st).0.ok().and_then(|h| serde_json::to_value(h).ok());
                if let (Some(obj), Some(h)) = (v.as_object_mut(), harm) {
                    obj.insert("harm_estimate".into(), h);
                }
                serde_json::to_string(&v).ok()
            })
            .flatten();
        let status = status_str(st.status);
        match state.store.append_exercise_events(org, run_id, loaded.run.last_seq, &new, status, summary.as_deref()).await {
            Ok(last_seq) => {
                // What was written is what the store now holds: no need to read it back.
                let mut run = loaded.run;
                run.last_seq = last_seq;
                run.status = status.to_owned();
                if let Some(fin) = new.iter().find(|e| matches!(e.kind, EventKind::Finished)) {
                    run.finished_at = Some(fin.at);
                }
                if summary.is_some() {
                    run.summary = summary;
                }
                return Ok(Loaded { run, scenario: loaded.scenario, events: st.events });
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RecordError::Store(StoreError::Conflict { current: -1 }))
}

/// The diversion as played: the scenario's, unless a decision set one (the last that did; its id
/// is returned with it).
pub fn played_diversion(st: &RunState<'_>) -> (String, Option<String>) {
    let s = st.scenario;
    let mut diversion = s.harm.diversion.clone();
    let mut decided_by = None;
    for (_, d) in s.decisions() {
        if let Some((option, _, _, _)) = st.decisions.get(&d.id) {
            if let Some(dv) = d.options.iter().find(|o| &o.id == option).and_then(|o| o.diversion.clone()) {
                diversion = dv;
                decided_by = Some(d.id.clone());
            }
        }
    }
    (diversion, decided_by)
}

/// The patient-harm estimate of the scenario as played: the organisation profile and outage the
/// scenario assumes, with the diversion the players decided ([`played_diversion`]).
pub fn scenario_harm(st: &RunState<'_>) -> (Result<ward_harm::HarmEstimate, ward_harm::InputError>, Option<String>) {
    let s = st.scenario;
    let (diversion, decided_by) = played_diversion(st);
    let input = serde_json::json!({
        "beds": s.organisation.beds,
        "admissions_per_day": s.organisation.admissions_per_day,
        "ed_visits_per_day": s.organisation.ed_visits_per_day,
        "downtime_days": s.harm.downtime_days,
        "severity": s.harm.severity,
        "setting": s.organisation.setting,
        "diversion": diversion,
        "neighbour_ed_visits_per_day": s.harm.neighbour_ed_visits_per_day,
    });
    let estimate = serde_json::from_value::<ward_harm::HarmInput>(input)
        .map_err(|e| ward_harm::InputError { problems: vec![ward_harm::Problem { field: "harm".into(), reason: e.to_string() }] })
        .and_then(|i| ward_harm::estimate(&i));
    (estimate, decided_by)
}

/// The harm estimate stored with a finished run's summary: it carries its inputs and model
/// version, so a later model change never rewrites an old report.
pub fn stored_harm(run: &ExerciseRun) -> Option<ward_harm::HarmEstimate> {
    let summary: serde_json::Value = serde_json::from_str(run.summary.as_deref()?).ok()?;
    serde_json::from_value(summary.get("harm_estimate")?.clone()).ok()
}
