//! The simulated server shared by the run and scenario tests.

use jiff::{SignedDuration, Timestamp};
use ward_exercise::run::{Event, EventKind, RunState};
use ward_exercise::scenario::{self, ActionKind, Role};
use ward_exercise::ScenarioDuration;

/// A stand-in for the server: appends events with the clock's scenario time, releasing due
/// injects first, exactly as `ward serve` does before it records anything.
pub struct Sim {
    pub scenario: &'static scenario::Scenario,
    /// The story's wall clock at scenario time zero.
    pub origin: Timestamp,
    /// The room's wall clock at minute zero.
    pub t0: Timestamp,
    pub events: Vec<Event>,
}

impl Sim {
    pub fn new(id: &str) -> Sim {
        Sim::with_origin(id, "2026-06-06T02:10:00+02:00")
    }
    /// A run whose story starts at `origin` (RFC 3339 with offset).
    pub fn with_origin(id: &str, origin: &str) -> Sim {
        Sim {
            scenario: scenario::find(id).unwrap_or_else(|| panic!("{id} ships")),
            origin: origin.parse().unwrap(),
            t0: "2026-12-01T09:00:00Z".parse().unwrap(),
            events: Vec::new(),
        }
    }
    pub fn state(&self) -> RunState<'static> {
        RunState::replay(self.scenario, self.origin, self.events.clone())
    }
    pub fn wall(&self, minutes: i64) -> Timestamp {
        self.t0 + SignedDuration::from_mins(minutes)
    }
    fn push(&mut self, at: Timestamp, scenario_at: ScenarioDuration, kind: EventKind) {
        let seq = self.events.len() as i64 + 1;
        self.events.push(Event { seq, at, scenario_at, recorded_by: Some("sim".into()), kind });
    }
    pub fn tick(&mut self, minutes: i64) {
        let at = self.wall(minutes);
        let st = self.state();
        for (scenario_at, kind) in st.due_releases(st.scenario_now(at)) {
            self.push(at, scenario_at, kind);
        }
    }
    /// Records `kind` at wall-clock minute `minutes`; panics if the run refuses it.
    pub fn record(&mut self, minutes: i64, kind: EventKind) {
        self.tick(minutes);
        let at = self.wall(minutes);
        let st = self.state();
        st.check(&kind).unwrap_or_else(|p| panic!("refused {kind:?}: {p}"));
        let now = st.scenario_now(at);
        self.push(at, now, kind);
        self.tick(minutes);
    }
    pub fn act(&mut self, minutes: i64, role: Role, action: ActionKind) {
        self.record(minutes, EventKind::Action { role, action, text: format!("{} by {}", action.as_str(), role.as_str()), stage: None });
    }
    /// Moves the story forward by `by` (an ISO 8601 duration) at wall-clock minute `minutes`.
    pub fn advance(&mut self, minutes: i64, by: &str) {
        self.record(minutes, EventKind::Advanced { by: ScenarioDuration::parse(by).unwrap() });
    }
    /// The scenario time at wall-clock minute `minutes`.
    pub fn now(&self, minutes: i64) -> ScenarioDuration {
        self.state().scenario_now(self.wall(minutes))
    }
}
