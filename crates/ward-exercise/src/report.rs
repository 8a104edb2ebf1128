//! Metrics of a run and its after-action report, as pure functions of the replayed run.
//!
//! Times are measured in scenario time from the moment the organisation became aware (the
//! awareness inject's release). The report's strengths, gaps and proposed improvement items
//! are derived from the scoring; the facilitator's observations and accepted improvement items
//! are added by the caller, which owns the store.

use crate::duration::{human, ScenarioDuration};
use crate::run::{EventKind, ExpectationResult, ExpectationStatus, RunState, Status};
use crate::scenario::{ActionKind, Metric, Role, Target};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Scenario time the organisation became aware.
    pub awareness_at: Option<ScenarioDuration>,
    pub time_to_escalate_seconds: Option<i64>,
    pub time_to_downtime_seconds: Option<i64>,
    pub time_to_first_notification_seconds: Option<i64>,
    /// The earliest deadline the reporting engine set under a law in force (proposed and
    /// pending regimes are shown but do not count), from awareness.
    pub first_deadline_seconds: Option<i64>,
    /// Which obligation that deadline belongs to (`regime/stage`).
    pub first_deadline_obligation: Option<String>,
    /// The first notification went out by the earliest deadline.
    pub first_notification_on_time: Option<bool>,
    pub time_to_diversion_decision_seconds: Option<i64>,
    pub expectations: Counts,
    /// Met in time, as a share of the scored expectations (percent, one decimal).
    pub expectations_met_percent: Option<f64>,
    pub points: u32,
    pub max_points: u32,
    pub roles: Vec<RoleScore>,
    pub decisions: Vec<DecisionTaken>,
    pub frontline_roles_engaged: u32,
    pub frontline_roles: u32,
    pub objectives: Vec<ObjectiveResult>,
    pub obligations: Vec<ObligationLine>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub met: u32,
    pub late: u32,
    pub missed: u32,
    pub pending: u32,
    pub not_released: u32,
    pub not_applicable: u32,
}

impl Counts {
    fn add(&mut self, s: ExpectationStatus) {
        match s {
            ExpectationStatus::Met => self.met += 1,
            ExpectationStatus::Late => self.late += 1,
            ExpectationStatus::Missed => self.missed += 1,
            ExpectationStatus::Pending => self.pending += 1,
            ExpectationStatus::NotReleased => self.not_released += 1,
            ExpectationStatus::NotApplicable => self.not_applicable += 1,
        }
    }
    /// Expectations whose outcome is known (met, late or missed).
    pub fn scored(&self) -> u32 {
        self.met + self.late + self.missed
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RoleScore {
    pub role: Role,
    pub label: &'static str,
    pub counts: Counts,
    pub actions: u32,
    pub decisions: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionTaken {
    pub decision: String,
    pub question: String,
    pub option: String,
    pub option_label: String,
    pub role: Role,
    pub rationale: String,
    pub scenario_at: ScenarioDuration,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObjectiveResult {
    pub id: String,
    pub text: String,
    pub metric: Metric,
    pub target: String,
    /// The measured value in words ("42 min", "75.0 %", "not reached").
    pub measured: String,
    /// None while the run can still reach it.
    pub achieved: Option<bool>,
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObligationLine {
    pub regime: String,
    pub stage: String,
    pub stage_title: String,
    pub recipient_name: String,
    pub due_at: Option<String>,
    pub due_basis: String,
    pub status: String,
    pub submitted_at: Option<String>,
    pub past_due: bool,
}

/// The metrics of a run at wall-clock `now`.
pub fn metrics(run: &RunState<'_>, now: jiff::Timestamp) -> Metrics {
    let obligations = run.obligations(run.scenario_now(now)).unwrap_or_default();
    metrics_with(run, now, &obligations)
}

/// [`metrics`] with the obligations at `now` already evaluated (a page that also shows them
/// evaluates the rules once).
pub fn metrics_with(run: &RunState<'_>, now: jiff::Timestamp, obligations: &[ward_rules::Obligation]) -> Metrics {
    let t = run.scenario_now(now);
    let aware = run.awareness_at();
    let actions = run.actions();
    let since_awareness = |kind: ActionKind| -> Option<i64> {
        let a = aware?;
        actions.iter().find(|(_, _, k)| *k == kind).map(|(at, _, _)| (at.seconds() - a.seconds()).max(0))
    };
    let expectation_results = run.expectations(t);
    let mut counts = Counts::default();
    let (mut points, mut max_points) = (0, 0);
    for r in &expectation_results {
        counts.add(r.status);
        let p = run.scenario.expectations().find(|(_, e)| e.id == r.expectation).map_or(0, |(_, e)| e.points);
        if matches!(r.status, ExpectationStatus::Met | ExpectationStatus::Late | ExpectationStatus::Missed) {
            max_points += p;
        }
        if r.status == ExpectationStatus::Met {
            points += p;
        }
    }
    let expectations_met_percent = (counts.scored() > 0).then(|| round1(100.0 * f64::from(counts.met) / f64::from(counts.scored())));

    let mut roles = Vec::new();
    for note in &run.scenario.roles {
        let mut c = Counts::default();
        for r in expectation_results.iter().filter(|r| r.role == note.role) {
            c.add(r.status);
        }
        let n_actions = run.events.iter().filter(|e| matches!(&e.kind, EventKind::Action { role, .. } if *role == note.role)).count();
        let n_decisions = run.events.iter().filter(|e| matches!(&e.kind, EventKind::Decided { role, .. } if *role == note.role)).count();
        roles.push(RoleScore {
            role: note.role,
            label: note.role.label(),
            counts: c,
            actions: u32::try_from(n_actions).unwrap_or(u32::MAX),
            decisions: u32::try_from(n_decisions).unwrap_or(u32::MAX),
        });
    }
    let frontline: Vec<&RoleScore> = roles.iter().filter(|r| r.role.is_frontline()).collect();
    let frontline_roles_engaged = u32::try_from(frontline.iter().filter(|r| r.actions + r.decisions > 0).count()).unwrap_or(0);
    let frontline_roles = u32::try_from(frontline.len()).unwrap_or(0);

    let mut decisions = Vec::new();
    for (_, d) in run.scenario.decisions() {
        if let Some((option, role, rationale, at)) = run.decisions.get(&d.id) {
            decisions.push(DecisionTaken {
                decision: d.id.clone(),
                question: d.question.clone(),
                option: option.clone(),
                option_label: d.options.iter().find(|o| &o.id == option).map(|o| o.label.clone()).unwrap_or_default(),
                role: *role,
                rationale: rationale.clone(),
                scenario_at: *at,
            });
        }
    }
    let diversion_decision = run.scenario.decisions().find(|(_, d)| {
        d.options.iter().any(|o| o.counts_as == Some(ActionKind::DivertAmbulances) || o.diversion.is_some())
    });
    let time_to_diversion_decision_seconds = diversion_decision.and_then(|(_, d)| {
        let (_, _, _, at) = run.decisions.get(&d.id)?;
        Some((at.seconds() - aware?.seconds()).max(0))
    });

    // Obligations as the engine sees them at the current scenario time.
    let first = obligations
        .iter()
        .filter(|o| o.trigger == ward_rules::Tri::Yes && o.legal_status == ward_rules::RegimeStatus::InForce)
        .filter_map(|o| o.due_at.as_ref().map(|d| (d.timestamp(), o)))
        .min_by_key(|(d, _)| *d);
    let first_deadline_seconds = first.and_then(|(d, _)| {
        let a = run.story_instant(aware?);
        Some(d.duration_since(a).as_secs())
    });
    let time_to_first_notification_seconds = since_awareness(ActionKind::NotifyAuthority);
    let first_notification_on_time = match (first_deadline_seconds, time_to_first_notification_seconds) {
        (Some(d), Some(n)) => Some(n <= d),
        (Some(d), None) => (aware.map_or(0, |a| t.seconds() - a.seconds()) > d).then_some(false),
        _ => None,
    };
    let obligation_lines = obligations
        .iter()
        .map(|o| ObligationLine {
            regime: o.regime.clone(),
            stage: o.stage.clone(),
            stage_title: o.stage_title.clone(),
            recipient_name: o.recipient_name.clone(),
            due_at: o.due_at.as_ref().map(ward_rules::format_zoned),
            due_basis: o.due_basis.clone(),
            status: o.status.as_str().to_owned(),
            submitted_at: o.submitted_at.as_ref().map(ward_rules::format_zoned),
            past_due: o.past_due,
        })
        .collect();

    let mut m = Metrics {
        awareness_at: aware,
        time_to_escalate_seconds: since_awareness(ActionKind::ActivateCommand),
        time_to_downtime_seconds: since_awareness(ActionKind::DeclareDowntime),
        time_to_first_notification_seconds,
        first_deadline_seconds,
        first_deadline_obligation: first.map(|(_, o)| format!("{}/{}", o.regime, o.stage)),
        first_notification_on_time,
        time_to_diversion_decision_seconds,
        expectations: counts,
        expectations_met_percent,
        points,
        max_points,
        roles,
        decisions,
        frontline_roles_engaged,
        frontline_roles,
        objectives: Vec::new(),
        obligations: obligation_lines,
    };
    let finished = run.status == Status::Finished;
    let elapsed_since_awareness = aware.map(|a| t.seconds() - a.seconds());
    m.objectives = run
        .scenario
        .objectives
        .iter()
        .map(|o| {
            let target = o.parsed_target();
            let (measured, achieved) = match (o.metric, target) {
                (Metric::ExpectationsMet, Ok(Target::Percent(p))) => match m.expectations_met_percent {
                    Some(v) => (format!("{v:.1} %"), finished.then_some(v >= p)),
                    None => ("nothing scored yet".to_owned(), None),
                },
                (metric, Ok(Target::Within(d))) => {
                    let value = match metric {
                        Metric::TimeToEscalate => m.time_to_escalate_seconds,
                        Metric::TimeToDowntime => m.time_to_downtime_seconds,
                        Metric::TimeToFirstNotification => m.time_to_first_notification_seconds,
                        Metric::TimeToDiversionDecision => m.time_to_diversion_decision_seconds,
                        Metric::ExpectationsMet => None,
                    };
                    match value {
                        Some(v) => (human(v), Some(v <= d.seconds())),
                        None if finished || elapsed_since_awareness.is_some_and(|e| e > d.seconds()) => ("not reached".to_owned(), Some(false)),
                        None => ("not yet".to_owned(), None),
                    }
                }
                _ => ("target not readable".to_owned(), None),
            };
            ObjectiveResult {
                id: o.id.clone(),
                text: o.text.clone(),
                metric: o.metric,
                target: o.target.clone(),
                measured,
                achieved,
                controls: o.controls.clone(),
            }
        })
        .collect();
    m
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// One line of the after-action timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimelineEntry {
    pub scenario_at: ScenarioDuration,
    /// The story's local time (the hospital's time zone).
    pub story_at: String,
    pub kind: &'static str,
    pub role: Option<Role>,
    pub text: String,
    pub recorded_by: Option<String>,
}

/// An improvement item the scoring proposes (a missed or late expectation, an objective not
/// achieved), with the control requirements it points to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Proposal {
    pub source: String,
    pub text: String,
    pub role: Option<Role>,
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AfterAction {
    pub scenario_id: String,
    pub scenario_version: u32,
    pub scenario_title: String,
    pub status: Status,
    pub origin: String,
    pub ended_at: ScenarioDuration,
    pub metrics: Metrics,
    pub expectations: Vec<ExpectationLine>,
    pub timeline: Vec<TimelineEntry>,
    pub strengths: Vec<String>,
    pub gaps: Vec<String>,
    pub proposals: Vec<Proposal>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExpectationLine {
    #[serde(flatten)]
    pub result: ExpectationResult,
    pub text: String,
    pub controls: Vec<String>,
}

/// The after-action report of a run at wall-clock `now` (normally after `Finished`).
pub fn after_action(run: &RunState<'_>, now: jiff::Timestamp) -> AfterAction {
    let obligations = run.obligations(run.scenario_now(now)).unwrap_or_default();
    after_action_with(run, now, &obligations)
}

/// [`after_action`] with the obligations at `now` already evaluated.
pub fn after_action_with(run: &RunState<'_>, now: jiff::Timestamp, obligations: &[ward_rules::Obligation]) -> AfterAction {
    let t = run.scenario_now(now);
    let m = metrics_with(run, now, obligations);
    let s = run.scenario;
    let tz = jiff::tz::TimeZone::get(&s.organisation.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let timeline = timeline(run);


    let mut strengths = Vec::new();
    let mut gaps = Vec::new();
    let mut proposals = Vec::new();
    for o in &m.objectives {
        match o.achieved {
            Some(true) => strengths.push(format!("Objective {} achieved ({}): {}", o.id, o.measured, o.text)),
            Some(false) => {
                gaps.push(format!("Objective {} not achieved ({}; target {}): {}", o.id, o.measured, o.target, o.text));
                proposals.push(Proposal { source: format!("objective {}", o.id), text: format!("Reach objective {}: {}", o.id, o.text), role: None, controls: o.controls.clone() });
            }
            None => {}
        }
    }
    let mut expectations = Vec::new();
    for r in run.expectations(t) {
        let Some((_, e)) = s.expectations().find(|(_, e)| e.id == r.expectation) else { continue };
        match r.status {
            ExpectationStatus::Met => strengths.push(format!("{}: {} ({} after the inject)", r.role.label(), e.text, human(r.met_at.zip(r.released_at).map_or(0, |(m, rel)| m.seconds() - rel.seconds())))),
            ExpectationStatus::Late => {
                gaps.push(format!("{}: {} — done {} late", r.role.label(), e.text, human(r.met_at.zip(r.due_at).map_or(0, |(m, d)| m.seconds() - d.seconds()))));
                proposals.push(Proposal { source: format!("expectation {}", e.id), text: format!("Do sooner: {}", e.text), role: Some(r.role), controls: e.controls.clone() });
            }
            ExpectationStatus::Missed => {
                gaps.push(format!("{}: {} — not done", r.role.label(), e.text));
                proposals.push(Proposal { source: format!("expectation {}", e.id), text: format!("Plan and train: {}", e.text), role: Some(r.role), controls: e.controls.clone() });
            }
            _ => {}
        }
        expectations.push(ExpectationLine { result: r, text: e.text.clone(), controls: e.controls.clone() });
    }
    if m.first_notification_on_time == Some(false) {
        gaps.push(format!(
            "The first regulatory notification ({}) was not made by its deadline",
            m.first_deadline_obligation.as_deref().unwrap_or("earliest obligation")
        ));
    } else if m.first_notification_on_time == Some(true) {
        strengths.push(format!(
            "The first regulatory notification went out {} after awareness, within the {} deadline",
            human(m.time_to_first_notification_seconds.unwrap_or(0)),
            m.first_deadline_obligation.as_deref().unwrap_or("earliest")
        ));
    }
    if m.frontline_roles > 0 && m.frontline_roles_engaged < m.frontline_roles {
        gaps.push(format!("{} of {} frontline roles recorded nothing", m.frontline_roles - m.frontline_roles_engaged, m.frontline_roles));
    }
    AfterAction {
        scenario_id: s.id.clone(),
        scenario_version: s.version,
        scenario_title: s.title.clone(),
        status: run.status,
        origin: run.origin.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        ended_at: t,
        metrics: m,
        expectations,
        timeline,
        strengths,
        gaps,
        proposals,
    }
}

/// The run's events as lines in story order, with the story's local time (the log of the
/// facilitator's view and the after-action report's timeline).
pub fn timeline(run: &RunState<'_>) -> Vec<TimelineEntry> {
    let s = run.scenario;
    let tz = jiff::tz::TimeZone::get(&s.organisation.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = |at: ScenarioDuration| run.story_instant(at).to_zoned(tz.clone()).strftime("%a %Y-%m-%d %H:%M").to_string();
    let mut timeline = Vec::new();
    for e in &run.events {
        let (role, text) = match &e.kind {
            EventKind::Started => (None, "Exercise started".to_owned()),
            EventKind::Paused => (None, "Paused".to_owned()),
            EventKind::Resumed => (None, "Resumed".to_owned()),
            EventKind::Advanced { by } => (None, format!("Clock advanced by {}", human(by.seconds()))),
            EventKind::Released { inject, manual } => {
                let title = s.inject(inject).map_or(inject.as_str(), |i| i.title.as_str());
                (None, format!("Inject {inject} out{}: {title}", if *manual { " (released by the facilitator)" } else { "" }))
            }
            EventKind::Skipped { inject } => (None, format!("Inject {inject} skipped: its condition did not hold")),
            EventKind::Action { role, action, text, stage } => {
                let mut line = action.label().to_owned();
                if let Some(st) = stage {
                    line.push_str(&format!(" [{}/{}]", st.regime, st.stage));
                }
                if !text.trim().is_empty() {
                    line.push_str(": ");
                    line.push_str(text.trim());
                }
                (Some(*role), line)
            }
            EventKind::Decided { decision, option, role, rationale } => {
                let d = s.decisions().find(|(_, d)| &d.id == decision).map(|(_, d)| d);
                let q = d.map_or(decision.as_str(), |d| d.question.as_str());
                let label = d.and_then(|d| d.options.iter().find(|o| &o.id == option)).map_or(option.as_str(), |o| o.label.as_str());
                let mut line = format!("Decided \"{q}\": {label}");
                if !rationale.trim().is_empty() {
                    line.push_str(&format!(" — {}", rationale.trim()));
                }
                (Some(*role), line)
            }
            EventKind::Marked { expectation, met, note } => {
                (None, format!("Facilitator marked {expectation} as {}{}", if *met { "met" } else { "missed" }, if note.is_empty() { String::new() } else { format!(": {note}") }))
            }
            EventKind::Observation { text, role } => (*role, format!("Observation: {text}")),
            EventKind::Finished => (None, "Exercise finished".to_owned()),
        };
        timeline.push(TimelineEntry {
            scenario_at: e.scenario_at,
            story_at: local(e.scenario_at),
            kind: e.kind.name(),
            role,
            text,
            recorded_by: e.recorded_by.clone(),
        });
    }
    timeline.sort_by_key(|e| e.scenario_at);
    timeline
}
