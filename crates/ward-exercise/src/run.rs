//! A run of a scenario, replayed from its append-only event log.
//!
//! The store keeps the events; everything else — the exercise clock, which injects are out,
//! whether each expectation was met, the decisions, the reporting obligations ticking in the
//! scenario's time — is a pure function of (scenario, origin, events, now). The server appends
//! the injects that have come due ([`RunState::due_releases`]) before it shows a page, so every
//! viewer sees the same release times.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::duration::ScenarioDuration;
use crate::scenario::{ActionKind, Condition, Role, Scenario};
use crate::{FieldProblem, MAX_NOTE_CHARS};

/// One recorded event. `scenario_at` is the exercise clock when it was recorded (the server
/// computes it with [`RunState::scenario_now`] before appending).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub seq: i64,
    /// Wall-clock time it was recorded.
    pub at: Timestamp,
    pub scenario_at: ScenarioDuration,
    /// Display name of who recorded it (a player or the facilitator); never patient data.
    #[serde(default)]
    pub recorded_by: Option<String>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Started,
    Paused,
    Resumed,
    /// The facilitator moved the clock forward.
    Advanced { by: ScenarioDuration },
    /// An inject went out; `manual` when the facilitator released it before its time.
    Released { inject: String, manual: bool },
    /// Its time came but its condition did not hold.
    Skipped { inject: String },
    /// A player did something.
    Action {
        role: Role,
        action: ActionKind,
        text: String,
        /// For `notify_authority`: which obligation the notification answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stage: Option<ward_rules::StageRef>,
    },
    /// A decision point was answered.
    Decided { decision: String, option: String, role: Role, rationale: String },
    /// The facilitator (as evaluator) overrides the scoring of one expectation.
    Marked { expectation: String, met: bool, note: String },
    /// A facilitator's observation for the after-action report.
    Observation { text: String, role: Option<Role> },
    Finished,
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::Paused => "paused",
            EventKind::Resumed => "resumed",
            EventKind::Advanced { .. } => "advanced",
            EventKind::Released { .. } => "released",
            EventKind::Skipped { .. } => "skipped",
            EventKind::Action { .. } => "action",
            EventKind::Decided { .. } => "decided",
            EventKind::Marked { .. } => "marked",
            EventKind::Observation { .. } => "observation",
            EventKind::Finished => "finished",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    Running,
    Paused,
    Finished,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "not started",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Finished => "finished",
        }
    }
}

/// How an expectation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationStatus {
    /// Its inject is not out yet.
    NotReleased,
    /// Its inject was skipped (its condition did not hold): not scored.
    NotApplicable,
    /// Out, window still open.
    Pending,
    /// Met within the window.
    Met,
    /// Met, but after the window closed.
    Late,
    /// The window closed without it.
    Missed,
}

impl ExpectationStatus {
    pub fn label(self) -> &'static str {
        match self {
            ExpectationStatus::NotReleased => "not released",
            ExpectationStatus::NotApplicable => "not applicable",
            ExpectationStatus::Pending => "open",
            ExpectationStatus::Met => "met",
            ExpectationStatus::Late => "late",
            ExpectationStatus::Missed => "missed",
        }
    }
}

/// One expectation's scoring, with the evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExpectationResult {
    pub inject: String,
    pub expectation: String,
    pub role: Role,
    pub status: ExpectationStatus,
    pub released_at: Option<ScenarioDuration>,
    pub due_at: Option<ScenarioDuration>,
    /// The action (or decision) that met it, by scenario time.
    pub met_at: Option<ScenarioDuration>,
    /// The facilitator's override, if any.
    pub override_note: Option<String>,
}

/// What can go wrong when an event is checked against the scenario and the run.
pub type Refusal = FieldProblem;

/// The state of a run, replayed.
#[derive(Debug, Clone)]
pub struct RunState<'s> {
    pub scenario: &'s Scenario,
    /// The scenario's start on the wall clock of the story (deadlines are computed from it).
    pub origin: Timestamp,
    pub events: Vec<Event>,
    pub status: Status,
    /// Scenario time at `anchor`.
    base: ScenarioDuration,
    /// Wall-clock instant from which a running clock counts.
    anchor: Option<Timestamp>,
    /// Inject id → (scenario time released, manual).
    pub released: BTreeMap<String, (ScenarioDuration, bool)>,
    pub skipped: BTreeSet<String>,
    /// Decision id → (option, role, rationale, scenario time).
    pub decisions: BTreeMap<String, (String, Role, String, ScenarioDuration)>,
}

impl<'s> RunState<'s> {
    /// Replays `events` (in `seq` order) over `scenario`.
    pub fn replay(scenario: &'s Scenario, origin: Timestamp, events: Vec<Event>) -> RunState<'s> {
        let mut st = RunState {
            scenario,
            origin,
            events: Vec::new(),
            status: Status::NotStarted,
            base: ScenarioDuration::ZERO,
            anchor: None,
            released: BTreeMap::new(),
            skipped: BTreeSet::new(),
            decisions: BTreeMap::new(),
        };
        for e in events {
            st.push(e);
        }
        st
    }

    /// Applies one more event (the next in `seq` order): replaying a log is pushing its events.
    pub fn push(&mut self, e: Event) {
        match &e.kind {
            EventKind::Started => {
                self.status = Status::Running;
                self.base = ScenarioDuration::ZERO;
                self.anchor = Some(e.at);
            }
            EventKind::Paused => {
                self.base = self.scenario_now(e.at);
                self.anchor = None;
                self.status = Status::Paused;
            }
            EventKind::Resumed => {
                self.anchor = Some(e.at);
                self.status = Status::Running;
            }
            EventKind::Advanced { by } => {
                self.base = ScenarioDuration::from_seconds(self.scenario_now(e.at).seconds() + by.seconds());
                if self.anchor.is_some() {
                    self.anchor = Some(e.at);
                }
            }
            EventKind::Released { inject, manual } => {
                self.released.insert(inject.clone(), (e.scenario_at, *manual));
            }
            EventKind::Skipped { inject } => {
                self.skipped.insert(inject.clone());
            }
            EventKind::Decided { decision, option, role, rationale } => {
                self.decisions.entry(decision.clone()).or_insert((option.clone(), *role, rationale.clone(), e.scenario_at));
            }
            EventKind::Finished => {
                self.base = self.scenario_now(e.at);
                self.anchor = None;
                self.status = Status::Finished;
            }
            EventKind::Action { .. } | EventKind::Marked { .. } | EventKind::Observation { .. } => {}
        }
        self.events.push(e);
    }

    /// The exercise clock at wall-clock `now`: it runs with the wall clock while the run is
    /// running, stands still while paused or finished, and jumps when the facilitator advances.
    pub fn scenario_now(&self, now: Timestamp) -> ScenarioDuration {
        match self.anchor {
            Some(anchor) if now > anchor => {
                let secs = now.duration_since(anchor).as_secs();
                ScenarioDuration::from_seconds(self.base.seconds().saturating_add(secs))
            }
            _ => self.base,
        }
    }

    /// The story's wall clock for a scenario time.
    pub fn story_instant(&self, t: ScenarioDuration) -> Timestamp {
        self.origin.saturating_add(t.as_signed()).unwrap_or(self.origin)
    }

    /// When the organisation became aware (the awareness inject's release), if it has.
    pub fn awareness_at(&self) -> Option<ScenarioDuration> {
        self.released.get(&self.scenario.awareness_inject).map(|(t, _)| *t)
    }

    /// The injects whose time has come by scenario time `until` and that are not out yet,
    /// in order, each as the event to append: `Released` at its own time, or `Skipped` when
    /// its condition does not hold at that time.
    pub fn due_releases(&self, until: ScenarioDuration) -> Vec<(ScenarioDuration, EventKind)> {
        if self.status != Status::Running && self.status != Status::Paused {
            return Vec::new();
        }
        let mut sim = self.clone();
        let mut out = Vec::new();
        for inj in &self.scenario.injects {
            if inj.at > until {
                break;
            }
            if sim.released.contains_key(&inj.id) || sim.skipped.contains(&inj.id) {
                continue;
            }
            let holds = inj.when.as_ref().is_none_or(|c| sim.condition_holds(c, inj.at));
            let kind = if holds {
                EventKind::Released { inject: inj.id.clone(), manual: false }
            } else {
                EventKind::Skipped { inject: inj.id.clone() }
            };
            match &kind {
                EventKind::Released { inject, .. } => {
                    sim.released.insert(inject.clone(), (inj.at, false));
                }
                EventKind::Skipped { inject } => {
                    sim.skipped.insert(inject.clone());
                }
                _ => {}
            }
            out.push((inj.at, kind));
        }
        out
    }

    /// Whether a condition holds at scenario time `t`.
    pub fn condition_holds(&self, c: &Condition, t: ScenarioDuration) -> bool {
        match c {
            Condition::DecisionIn { decision, options } => {
                self.decisions.get(decision).is_some_and(|(o, _, _, at)| *at <= t && options.contains(o))
            }
            Condition::DecisionPending { decision } => self.decisions.get(decision).is_none_or(|(_, _, _, at)| *at > t),
            Condition::ExpectationMet { expectation } => self.expectation(expectation, t).status == ExpectationStatus::Met,
            Condition::ExpectationNotMet { expectation } => {
                matches!(self.expectation(expectation, t).status, ExpectationStatus::Missed | ExpectationStatus::Late | ExpectationStatus::Pending)
            }
        }
    }

    /// Actions (and decision options that count as actions) by scenario time:
    /// (time, role, kind).
    pub fn actions(&self) -> Vec<(ScenarioDuration, Role, ActionKind)> {
        let mut out: Vec<_> = self.events.iter().filter_map(|e| self.counts_as(&e.kind).map(|(r, k)| (e.scenario_at, r, k))).collect();
        out.sort_by_key(|(t, _, _)| *t);
        out
    }

    /// The (role, action) an event counts as: an action, or a decision whose option counts as one.
    fn counts_as(&self, kind: &EventKind) -> Option<(Role, ActionKind)> {
        match kind {
            EventKind::Action { role, action, .. } => Some((*role, *action)),
            EventKind::Decided { decision, option, role, .. } => self
                .scenario
                .decisions()
                .find(|(_, d)| &d.id == decision)
                .and_then(|(_, d)| d.options.iter().find(|o| &o.id == option))
                .and_then(|o| o.counts_as)
                .map(|k| (*role, k)),
            _ => None,
        }
    }

    /// How one expectation stands at scenario time `t`.
    ///
    /// The rule: an action of the expected kind by the expected role, recorded at or after the
    /// inject's release and no later than `release + within`, meets it; one recorded later
    /// makes it late; none by then misses it. A facilitator's mark overrides the rule.
    pub fn expectation(&self, id: &str, t: ScenarioDuration) -> ExpectationResult {
        let Some((inj, exp)) = self.scenario.expectations().find(|(_, e)| e.id == id) else {
            return ExpectationResult {
                inject: String::new(),
                expectation: id.to_owned(),
                role: Role::IncidentCommander,
                status: ExpectationStatus::NotApplicable,
                released_at: None,
                due_at: None,
                met_at: None,
                override_note: None,
            };
        };
        let mut r = ExpectationResult {
            inject: inj.id.clone(),
            expectation: exp.id.clone(),
            role: exp.role,
            status: ExpectationStatus::NotReleased,
            released_at: None,
            due_at: None,
            met_at: None,
            override_note: None,
        };
        if self.skipped.contains(&inj.id) {
            r.status = ExpectationStatus::NotApplicable;
            return r;
        }
        let Some((released, _)) = self.released.get(&inj.id).copied().filter(|(at, _)| *at <= t) else {
            return r;
        };
        let due = ScenarioDuration::from_seconds(released.seconds() + exp.within.seconds());
        r.released_at = Some(released);
        r.due_at = Some(due);
        let answers = |stage: Option<&ward_rules::StageRef>| match (&exp.obligation, stage) {
            (None, _) => true,
            (Some(want), Some(st)) => *want == format!("{}/{}", st.regime, st.stage),
            (Some(_), None) => false,
        };
        let met_at = self
            .events
            .iter()
            .filter(|e| e.scenario_at >= released && e.scenario_at <= t)
            .find(|e| match &e.kind {
                EventKind::Action { role, action, stage, .. } => *role == exp.role && *action == exp.action && answers(stage.as_ref()),
                EventKind::Decided { .. } => {
                    exp.obligation.is_none() && self.counts_as(&e.kind).is_some_and(|(role, kind)| role == exp.role && kind == exp.action)
                }
                _ => false,
            })
            .map(|e| e.scenario_at);
        r.met_at = met_at;
        r.status = match met_at {
            Some(at) if at <= due => ExpectationStatus::Met,
            Some(_) => ExpectationStatus::Late,
            None if t > due => ExpectationStatus::Missed,
            None => ExpectationStatus::Pending,
        };
        // The last mark recorded by `t` wins.
        for e in self.events.iter().filter(|e| e.scenario_at <= t) {
            if let EventKind::Marked { expectation, met, note } = &e.kind {
                if expectation == id {
                    r.status = if *met { ExpectationStatus::Met } else { ExpectationStatus::Missed };
                    if *met && r.met_at.is_none() {
                        r.met_at = Some(e.scenario_at);
                    }
                    r.override_note = Some(note.clone());
                }
            }
        }
        r
    }

    /// Every expectation at scenario time `t`, in scenario order.
    pub fn expectations(&self, t: ScenarioDuration) -> Vec<ExpectationResult> {
        self.scenario.expectations().map(|(_, e)| self.expectation(&e.id, t)).collect()
    }

    /// The notifications the players sent, as the reporting engine's submissions.
    pub fn submissions(&self) -> Vec<ward_rules::Submission> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Action { action: ActionKind::NotifyAuthority, stage: Some(stage), .. } => Some(ward_rules::Submission {
                    regime: stage.regime.clone(),
                    stage: stage.stage.clone(),
                    instance: stage.instance.clone(),
                    submitted_at: self.story_instant(e.scenario_at),
                    channel: Some("exercise".into()),
                    payload_sha256: None,
                    receipt: None,
                    content_fields: Vec::new(),
                    also_satisfies: Vec::new(),
                    voluntary: false,
                }),
                _ => None,
            })
            .collect()
    }

    /// The reporting obligations of the scenario's incident at scenario time `t`: empty until
    /// the organisation is aware. Deadlines are the rule engine's, in the story's time.
    pub fn obligations(&self, t: ScenarioDuration) -> Result<Vec<ward_rules::Obligation>, String> {
        let Some(aware) = self.awareness_at().filter(|a| *a <= t) else {
            return Ok(Vec::new());
        };
        let mut released: Vec<(&str, ScenarioDuration)> =
            self.released.iter().filter(|(_, (at, _))| *at <= t).map(|(id, (at, _))| (id.as_str(), *at)).collect();
        released.sort_by_key(|(_, at)| *at);
        let released: Vec<(&str, Timestamp)> = released.into_iter().map(|(id, at)| (id, self.story_instant(at))).collect();
        let doc = self.scenario.fact_document_with(self.story_instant(aware), &released, &self.submissions())?;
        let rules = ward_rules::RuleSet::embedded().map_err(|e| e.to_string())?;
        let facts = ward_rules::Facts::from_document(rules, &doc).map_err(|e| e.to_string())?;
        Ok(ward_rules::evaluate(rules, &facts, &doc.submissions, &[], self.story_instant(t)))
    }

    /// Checks an event a person wants to record against the scenario and the run; the server
    /// appends only what passes, so the log never holds an impossible event.
    pub fn check(&self, kind: &EventKind) -> Result<(), Refusal> {
        let refuse = |field: &str, reason: &str| Err(FieldProblem::new(field, reason));
        let live = matches!(self.status, Status::Running | Status::Paused);
        match kind {
            EventKind::Started => {
                if self.status != Status::NotStarted {
                    return refuse("action", "the exercise has already started");
                }
            }
            EventKind::Paused => {
                if self.status != Status::Running {
                    return refuse("action", "only a running exercise can be paused");
                }
            }
            EventKind::Resumed => {
                if self.status != Status::Paused {
                    return refuse("action", "only a paused exercise can be resumed");
                }
            }
            EventKind::Advanced { by } => {
                if !live {
                    return refuse("action", "the clock moves only while the exercise is on");
                }
                if by.seconds() <= 0 || by.seconds() > crate::scenario::MAX_OFFSET_SECONDS {
                    return refuse("by", "must be between one second and eight weeks");
                }
            }
            EventKind::Released { inject, .. } => {
                if !live {
                    return refuse("action", "injects go out only while the exercise is on");
                }
                if self.scenario.inject(inject).is_none() {
                    return refuse("inject", "is not an inject of this scenario");
                }
                if self.released.contains_key(inject) || self.skipped.contains(inject) {
                    return refuse("inject", "is already out (or was skipped)");
                }
            }
            EventKind::Skipped { inject } => {
                if self.scenario.inject(inject).is_none() || self.released.contains_key(inject) || self.skipped.contains(inject) {
                    return refuse("inject", "cannot be skipped");
                }
            }
            EventKind::Action { role, text, stage, action } => {
                if !live {
                    return refuse("action", "actions are recorded only while the exercise is on");
                }
                if !self.scenario.has_role(*role) {
                    return refuse("role", "is not a role of this scenario");
                }
                check_note("text", text, *action == ActionKind::Other)?;
                if stage.is_some() && *action != ActionKind::NotifyAuthority {
                    return refuse("stage", "only a notification answers an obligation");
                }
            }
            EventKind::Decided { decision, option, role, rationale } => {
                if !live {
                    return refuse("decision", "decisions are recorded only while the exercise is on");
                }
                let Some((inj, d)) = self.scenario.decisions().find(|(_, d)| &d.id == decision) else {
                    return refuse("decision", "is not a decision point of this scenario");
                };
                if !self.released.contains_key(&inj.id) {
                    return refuse("decision", "its inject is not out yet");
                }
                if self.decisions.contains_key(decision) {
                    return refuse("decision", "was already taken");
                }
                if !d.options.iter().any(|o| &o.id == option) {
                    return refuse("option", "is not an option of this decision");
                }
                if !self.scenario.has_role(*role) {
                    return refuse("role", "is not a role of this scenario");
                }
                check_note("rationale", rationale, false)?;
            }
            EventKind::Marked { expectation, note, .. } => {
                if self.status == Status::NotStarted {
                    return refuse("expectation", "the exercise has not started");
                }
                if !self.scenario.expectations().any(|(_, e)| &e.id == expectation) {
                    return refuse("expectation", "is not an expectation of this scenario");
                }
                check_note("note", note, false)?;
            }
            EventKind::Observation { text, role } => {
                if self.status == Status::NotStarted {
                    return refuse("text", "the exercise has not started");
                }
                if role.is_some_and(|r| !self.scenario.has_role(r)) {
                    return refuse("role", "is not a role of this scenario");
                }
                check_note("text", text, true)?;
            }
            EventKind::Finished => {
                if !live {
                    return refuse("action", "only a started exercise can be finished");
                }
            }
        }
        Ok(())
    }
}

fn check_note(field: &str, text: &str, required: bool) -> Result<(), FieldProblem> {
    if required && text.trim().is_empty() {
        return Err(FieldProblem::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(FieldProblem::new(field, format!("must be at most {MAX_NOTE_CHARS} characters")));
    }
    if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldProblem::new(field, format!("contains the control character U+{:04X}", c as u32)));
    }
    Ok(())
}
