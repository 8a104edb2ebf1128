//! The engine: (rules, facts, submissions, decisions, now) → obligations. Pure: no IO, no clock;
//! `now` only decides overdue flags (and the rule version when the version clock is unknown).
//!
//! Semantics (reporting-regimes.md §b.3): scope and trigger predicates in Kleene logic; `yes`
//! owes, `unknown` gives a provisional obligation whose clock runs; deadlines from anchors with
//! exact elapsed time, calendar days to local end of day, clamped calendar months, business days;
//! overrides (earliest applicable wins), tolling; submissions and decisions settle stages. An
//! obligation owed (or provisional) at any point of the fact log stays until a decision closes it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};
use serde::{Serialize, Serializer};

use crate::facts::{Decision, FactValue, Facts, Submission};
use crate::model::*;
use crate::{FACT_COUNTRY_OF_ESTABLISHMENT, FACT_INTERNAL_SLA};

/// The note on an obligation whose due instant has passed at `now` (the only note that depends
/// on `now`; stored evaluations drop it with `past_due`).
pub const PAST_DUE_NOTE: &str = "past due: file immediately";

/// Where an obligation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The facts establish the duty; not yet submitted; not past due.
    Owed,
    /// An unknown fact decides whether the duty exists; the clock runs.
    Provisional,
    /// Not binding law here (proposed rule, directive template without encoded transposition,
    /// pending transposition): shown for awareness, never overdue.
    Advisory,
    SubmittedOnTime,
    SubmittedLate,
    /// Owed, not submitted, and `now` is past the due instant.
    Overdue,
    /// Closed by a recorded decision with a rationale.
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Owed => "owed",
            Status::Provisional => "provisional",
            Status::Advisory => "advisory",
            Status::SubmittedOnTime => "submitted_on_time",
            Status::SubmittedLate => "submitted_late",
            Status::Overdue => "overdue",
            Status::Closed => "closed",
        }
    }

    /// Whether the obligation still asks for something (not submitted, not closed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Owed | Status::Provisional | Status::Advisory | Status::Overdue
        )
    }
}

/// A shorter deadline that applies if an unknown fact turns out `yes` (e.g. MDR 10 d on death).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PossibleDeadline {
    #[serde(serialize_with = "ser_zoned")]
    pub due_at: Zoned,
    pub citation: String,
    pub if_facts: Vec<String>,
}

/// The decision that closed an obligation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closure {
    pub rationale: String,
    pub decided_by: String,
    pub decided_at: Timestamp,
}

/// One notification owed (or possibly owed) for one stage of one regime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obligation {
    pub regime: String,
    pub regime_title: String,
    pub jurisdiction: String,
    pub instrument: String,
    pub stage: String,
    pub stage_title: String,
    /// For stages per State or per country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub status: Status,
    /// `yes`: the facts establish the duty; `unknown`: an unknown fact decides it.
    pub trigger: Tri,
    /// The primary (conservative) due instant, in the legal time zone; null when the law sets
    /// no number or an anchor fact is still unknown.
    #[serde(serialize_with = "ser_opt_zoned")]
    pub due_at: Option<Zoned>,
    /// How `due_at` is computed, e.g. "awareness + 24 h".
    pub due_basis: String,
    pub promptness: Promptness,
    /// The law's words where it sets no number ("sans délai", "unverzüglich").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_label: Option<String>,
    /// The organisation's internal deadline (policy, not law) where the law sets no number.
    #[serde(
        serialize_with = "ser_opt_zoned",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_due_at: Option<Zoned>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_basis: Option<String>,
    /// `now` is past `due_at` and nothing was submitted (also for provisional obligations).
    pub past_due: bool,
    pub recipient: String,
    pub recipient_name: String,
    pub citation: String,
    pub rule_version: String,
    pub legal_status: RegimeStatus,
    pub kind: Kind,
    pub verification: Verification,
    /// The anchor is another stage's due time because that stage is not submitted yet.
    pub anchor_provisional: bool,
    /// An anchor instant was entered as a date only (start of that day is used).
    pub imprecise_anchor: bool,
    /// Unknown facts that decide whether this is owed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deciding_facts: Vec<String>,
    /// Unknown facts the due time waits for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub awaiting_facts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub may_shorten_to: Vec<PossibleDeadline>,
    #[serde(
        serialize_with = "ser_opt_zoned",
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_at: Option<Zoned>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// RFC 3339 with the offset of the legal time zone, to the second.
pub fn format_zoned(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn ser_zoned<S: Serializer>(z: &Zoned, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_zoned(z))
}

fn ser_opt_zoned<S: Serializer>(z: &Option<Zoned>, s: S) -> Result<S::Ok, S::Error> {
    match z {
        Some(z) => s.serialize_str(&format_zoned(z)),
        None => s.serialize_none(),
    }
}

/// An unknown fact that decides one or more obligations, with the earliest due time among them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecidingFact {
    pub fact: String,
    pub label: String,
    #[serde(serialize_with = "ser_opt_zoned")]
    pub earliest_due_at: Option<Zoned>,
    /// `regime/stage` of each obligation it decides.
    pub obligations: Vec<String>,
}

/// The unknown facts that decide open obligations (whether owed, or when due), most urgent
/// first: the questions the UI asks.
pub fn deciding_unknown_facts(rules: &RuleSet, obligations: &[Obligation]) -> Vec<DecidingFact> {
    let mut by_fact: BTreeMap<String, DecidingFact> = BTreeMap::new();
    for o in obligations.iter().filter(|o| o.status.is_open()) {
        for f in o.deciding_facts.iter().chain(&o.awaiting_facts) {
            let label = rules
                .fact_idx(f)
                .map(|i| {
                    rules
                        .fact(i)
                        .labels
                        .get("en")
                        .cloned()
                        .unwrap_or_else(|| f.clone())
                })
                .unwrap_or_else(|| f.clone());
            let entry = by_fact.entry(f.clone()).or_insert_with(|| DecidingFact {
                fact: f.clone(),
                label,
                earliest_due_at: None,
                obligations: Vec::new(),
            });
            let key = format!("{}/{}", o.regime, o.stage);
            if !entry.obligations.contains(&key) {
                entry.obligations.push(key);
            }
            if let Some(due) = &o.due_at {
                if entry
                    .earliest_due_at
                    .as_ref()
                    .is_none_or(|e| due.timestamp() < e.timestamp())
                {
                    entry.earliest_due_at = Some(due.clone());
                }
            }
        }
    }
    let mut out: Vec<DecidingFact> = by_fact.into_values().collect();
    out.sort_by(|a, b| match (&a.earliest_due_at, &b.earliest_due_at) {
        (Some(x), Some(y)) => x
            .timestamp()
            .cmp(&y.timestamp())
            .then_with(|| a.fact.cmp(&b.fact)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.fact.cmp(&b.fact),
    });
    out
}

/// Evaluates every regime of `rules` against one incident.
///
/// The result is sorted by due time (unknown due times last). It depends on `now` only through
/// the overdue flags (and the rule version where the version clock is unknown).
pub fn evaluate(
    rules: &RuleSet,
    facts: &Facts,
    submissions: &[Submission],
    decisions: &[Decision],
    now: Timestamp,
) -> Vec<Obligation> {
    let mut result = evaluate_state(rules, facts, &facts.current, submissions, decisions, now);
    if facts.log.is_empty() {
        return result;
    }
    // Replay the fact log: whatever was owed or provisional at an earlier state stays.
    let mut state = facts.initial.clone();
    let mut earlier: Vec<Vec<Obligation>> = vec![evaluate_state(
        rules,
        facts,
        &state,
        submissions,
        decisions,
        now,
    )];
    for (idx, value) in &facts.log[..facts.log.len() - 1] {
        state[idx.0] = value.clone();
        earlier.push(evaluate_state(
            rules,
            facts,
            &state,
            submissions,
            decisions,
            now,
        ));
    }
    let key = |o: &Obligation| (o.regime.clone(), o.stage.clone(), o.instance.clone());
    for (state_no, obligations) in earlier.iter().enumerate().rev() {
        for old in obligations {
            if !matches!(old.trigger, Tri::Yes | Tri::Unknown) {
                continue;
            }
            match result.iter_mut().find(|o| key(o) == key(old)) {
                Some(current) => {
                    if old.trigger == Tri::Yes && current.trigger == Tri::Unknown {
                        current.trigger = Tri::Yes;
                        current.deciding_facts.clear();
                        if current.status == Status::Provisional {
                            current.status = if current.past_due {
                                Status::Overdue
                            } else {
                                Status::Owed
                            };
                        }
                        current.notes.push(format!("owed since the facts recorded before change {} of the fact log; later facts make it uncertain, so only a decision with a rationale closes it", state_no + 1));
                    }
                }
                None => {
                    let mut kept = old.clone();
                    kept.notes.push(format!(
                        "the current facts no longer trigger this obligation, but it was {} before change {} of the fact log: it stays until a decision with a rationale closes it",
                        if old.trigger == Tri::Yes { "owed" } else { "possibly owed" },
                        state_no + 1
                    ));
                    result.push(kept);
                }
            }
        }
    }
    sort_obligations(&mut result);
    result
}

fn sort_obligations(v: &mut [Obligation]) {
    v.sort_by(|a, b| {
        let da = a.due_at.as_ref().map(Zoned::timestamp);
        let db = b.due_at.as_ref().map(Zoned::timestamp);
        let by_due = match (da, db) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_due
            .then_with(|| a.regime.cmp(&b.regime))
            .then_with(|| a.stage.cmp(&b.stage))
            .then_with(|| a.instance.cmp(&b.instance))
    });
}

type State = [Option<FactValue>];

fn evaluate_state(
    rules: &RuleSet,
    facts: &Facts,
    state: &State,
    submissions: &[Submission],
    decisions: &[Decision],
    now: Timestamp,
) -> Vec<Obligation> {
    let mut out = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for regime in &rules.regimes {
        if !seen.insert(regime.id.as_str()) {
            continue;
        }
        let versions: Vec<&Regime> = rules.regimes.iter().filter(|r| r.id == regime.id).collect();
        let Some(version) = select_version(&versions, facts, state, now) else {
            continue;
        };
        let ctx = Ctx {
            rules,
            facts,
            state,
            submissions,
            decisions,
            now,
            regime: version,
            tz: version
                .legal_time_zone
                .clone()
                .unwrap_or_else(|| facts.time_zone.clone()),
        };
        if version.kind == Kind::Template {
            let Some(adv) = &version.advisory_instances else {
                continue;
            };
            let Some(countries_idx) = rules.fact_idx(FACT_COUNTRY_OF_ESTABLISHMENT) else {
                continue;
            };
            let Some(FactValue::Set(countries)) = &state[countries_idx.0] else {
                continue;
            };
            let group = rules.groups.get(&adv.group).cloned().unwrap_or_default();
            let implemented: BTreeSet<&str> = rules
                .regimes
                .iter()
                .filter(|r| r.implements.as_deref() == Some(&version.id))
                .map(|r| r.jurisdiction.as_str())
                .collect();
            for country in countries
                .iter()
                .filter(|c| group.contains(*c) && !implemented.contains(c.as_str()))
            {
                ctx.evaluate_regime(&mut out, Some((country.clone(), adv.note.clone())));
            }
        } else {
            ctx.evaluate_regime(&mut out, None);
        }
    }
    sort_obligations(&mut out);
    out
}

/// Picks the version whose [applies_from, applies_until) holds the local date of its version
/// clock (or of `now` while that clock is unknown).
fn select_version<'r>(
    versions: &[&'r Regime],
    facts: &Facts,
    state: &State,
    now: Timestamp,
) -> Option<&'r Regime> {
    versions.iter().copied().find(|v| {
        let tz = v
            .legal_time_zone
            .clone()
            .unwrap_or_else(|| facts.time_zone.clone());
        let date = match v.version_clock.and_then(|f| state[f.0].as_ref()) {
            Some(FactValue::Instant { at, .. }) => at.to_zoned(tz).date(),
            Some(FactValue::Date(d)) => *d,
            _ => now.to_zoned(tz).date(),
        };
        v.applies_from.is_none_or(|f| date >= f) && v.applies_until.is_none_or(|u| date < u)
    })
}

struct Ctx<'a> {
    rules: &'a RuleSet,
    facts: &'a Facts,
    state: &'a State,
    submissions: &'a [Submission],
    decisions: &'a [Decision],
    now: Timestamp,
    regime: &'a Regime,
    tz: TimeZone,
}

/// A computed due time and how it was reached.
#[derive(Debug, Clone, Default)]
struct Due {
    at: Option<Zoned>,
    basis: String,
    anchor_provisional: bool,
    imprecise: bool,
    awaiting: Vec<FactIdx>,
    anchor_facts: Vec<FactIdx>,
    warnings: Vec<String>,
}

/// A resolved anchor.
enum AnchorValue {
    Instant(Timestamp),
    Date(Date),
}

impl Ctx<'_> {
    fn eval(&self, p: &Predicate) -> Tri {
        match p {
            Predicate::Const(t) => *t,
            Predicate::All(ps) => ps.iter().fold(Tri::Yes, |acc, p| {
                if acc == Tri::No {
                    acc
                } else {
                    acc.and(self.eval(p))
                }
            }),
            Predicate::Any(ps) => ps.iter().fold(Tri::No, |acc, p| {
                if acc == Tri::Yes {
                    acc
                } else {
                    acc.or(self.eval(p))
                }
            }),
            Predicate::Not(p) => self.eval(p).not(),
            Predicate::Submitted(si) => Tri::from_bool(self.first_submission(*si, None).is_some()),
            Predicate::Leaf {
                fact,
                test,
                if_unknown,
            } => match &self.state[fact.0] {
                None => *if_unknown,
                Some(v) => Tri::from_bool(leaf_test(test, v)),
            },
        }
    }

    /// Facts whose being unknown makes `p` unknown.
    fn unknown_leaves(&self, p: &Predicate, out: &mut Vec<FactIdx>) {
        if self.eval(p) != Tri::Unknown {
            return;
        }
        match p {
            Predicate::All(ps) | Predicate::Any(ps) => {
                ps.iter().for_each(|p| self.unknown_leaves(p, out))
            }
            Predicate::Not(p) => self.unknown_leaves(p, out),
            Predicate::Leaf { fact, .. } => {
                if !out.contains(fact) {
                    out.push(*fact);
                }
            }
            Predicate::Const(_) | Predicate::Submitted(_) => {}
        }
    }

    fn stage_matches(
        &self,
        regime: &str,
        stage: &str,
        instance: Option<&str>,
        target_stage: usize,
        target_instance: Option<&str>,
    ) -> bool {
        let st = &self.regime.stages[target_stage];
        let stage_ok = stage == st.id
            || st
                .satisfied_by
                .iter()
                .any(|&i| self.regime.stages[i].id == stage);
        regime == self.regime.id
            && stage_ok
            && (instance.is_none() || target_instance.is_none() || instance == target_instance)
    }

    /// The first non-voluntary submission that satisfies stage `si` (for `instance`).
    fn first_submission(&self, si: usize, instance: Option<&str>) -> Option<&Submission> {
        self.submissions
            .iter()
            .filter(|s| !s.voluntary)
            .filter(|s| {
                self.stage_matches(&s.regime, &s.stage, s.instance.as_deref(), si, instance)
                    || s.also_satisfies.iter().any(|t| {
                        self.stage_matches(&t.regime, &t.stage, t.instance.as_deref(), si, instance)
                    })
            })
            .min_by_key(|s| s.submitted_at)
    }

    fn fact_value(&self, f: FactIdx) -> Option<&FactValue> {
        self.state[f.0].as_ref()
    }

    fn fact_short(&self, f: FactIdx) -> String {
        self.rules.fact(f).short.clone()
    }

    fn end_of_day(&self, d: Date) -> Option<Zoned> {
        d.to_zoned(self.tz.clone())
            .and_then(|z| z.end_of_day())
            .ok()
    }

    fn resolve_anchor(
        &self,
        a: &Anchor,
        due: &mut Due,
        memo: &mut Vec<Option<Due>>,
    ) -> Option<(AnchorValue, String)> {
        let instant_or_date = |f: FactIdx, due: &mut Due| -> Option<AnchorValue> {
            due.anchor_facts.push(f);
            match self.fact_value(f) {
                Some(FactValue::Instant { at, imprecise }) => {
                    due.imprecise |= *imprecise;
                    Some(AnchorValue::Instant(*at))
                }
                Some(FactValue::Date(d)) => Some(AnchorValue::Date(*d)),
                _ => {
                    due.awaiting.push(f);
                    None
                }
            }
        };
        match a {
            Anchor::Clock { name, fact } => instant_or_date(*fact, due).map(|v| (v, name.clone())),
            Anchor::Fact(f) => instant_or_date(*f, due).map(|v| (v, self.fact_short(*f))),
            Anchor::EndOfCalendarYearOf(f) => {
                let v = instant_or_date(*f, due)?;
                let year = match v {
                    AnchorValue::Instant(ts) => ts.to_zoned(self.tz.clone()).date().year(),
                    AnchorValue::Date(d) => d.year(),
                };
                let end = Date::new(year, 12, 31).ok()?;
                Some((
                    AnchorValue::Date(end),
                    format!(
                        "end of the calendar year of {} ({end})",
                        self.fact_short(*f)
                    ),
                ))
            }
            Anchor::SubmissionOf { stage, else_due_of } => {
                let stage_id = &self.regime.stages[*stage].id;
                if let Some(s) = self.first_submission(*stage, None) {
                    return Some((
                        AnchorValue::Instant(s.submitted_at),
                        format!("submission of {stage_id}"),
                    ));
                }
                let other = (*else_due_of)?;
                let other_due = self.stage_due(other, memo);
                due.anchor_provisional = true;
                due.awaiting.extend(other_due.awaiting.iter().copied());
                due.imprecise |= other_due.imprecise;
                let at = other_due.at?;
                Some((
                    AnchorValue::Instant(at.timestamp()),
                    format!("submission of {stage_id} (not yet submitted: its due time for now)"),
                ))
            }
        }
    }

    fn compute_limit(&self, l: &Limit, memo: &mut Vec<Option<Due>>) -> Due {
        let mut due = Due::default();
        match l {
            Limit::Add { from, amount, text } => {
                let Some((anchor, label)) = self.resolve_anchor(from, &mut due, memo) else {
                    due.basis = format!(
                        "{} + {text} (waiting for the anchor)",
                        anchor_label(self, from)
                    );
                    return due;
                };
                let tz_name = self.facts.time_zone_name.as_str();
                let at = match amount {
                    Amount::Elapsed(d) => {
                        let start = match anchor {
                            AnchorValue::Instant(ts) => Some(ts),
                            AnchorValue::Date(date) => {
                                due.imprecise = true;
                                date.to_zoned(self.tz.clone())
                                    .and_then(|z| z.start_of_day())
                                    .ok()
                                    .map(|z| z.timestamp())
                            }
                        };
                        due.basis = format!("{label} + {text}");
                        start
                            .and_then(|s| s.checked_add(*d).ok())
                            .map(|t| t.to_zoned(self.tz.clone()))
                    }
                    Amount::CalendarDays(n) => {
                        due.basis = format!("{label} + {text} (end of day, {tz_name})");
                        self.anchor_date(&anchor)
                            .checked_add(Span::new().days(*n))
                            .ok()
                            .and_then(|d| self.end_of_day(d))
                    }
                    Amount::CalendarMonths(n) => {
                        due.basis = format!("{label} + {text}");
                        match anchor {
                            AnchorValue::Instant(ts) => ts
                                .to_zoned(self.tz.clone())
                                .checked_add(Span::new().months(*n))
                                .ok(),
                            AnchorValue::Date(d) => d
                                .checked_add(Span::new().months(*n))
                                .ok()
                                .and_then(|d| self.end_of_day(d)),
                        }
                    }
                    Amount::BusinessDays(n, choice) => {
                        let cal_id = match choice {
                            CalendarChoice::Fixed(id) => Some(id.clone()),
                            CalendarChoice::Entity => self.facts.holiday_calendar.clone(),
                        };
                        match cal_id.as_ref().and_then(|id| self.rules.calendars.get(id)) {
                            Some(cal) => {
                                due.basis = format!("{label} + {text} (holiday calendar {}, anchor day not counted, end of day, {tz_name})", cal.id());
                                let r = cal.add_business_days(self.anchor_date(&anchor), *n);
                                if r.beyond_coverage {
                                    due.warnings.push(format!("holiday calendar {} does not cover every day counted: holidays there are not known", cal.id()));
                                }
                                self.end_of_day(r.date)
                            }
                            None => {
                                due.basis =
                                    format!("{label} + {text} (needs entity.holiday_calendar)");
                                if let Some(f) = self.rules.fact_idx(crate::FACT_HOLIDAY_CALENDAR) {
                                    due.awaiting.push(f);
                                }
                                None
                            }
                        }
                    }
                };
                due.at = at;
            }
            Limit::EarliestOf(limits) => {
                let parts: Vec<Due> = limits.iter().map(|l| self.compute_limit(l, memo)).collect();
                due.basis = format!(
                    "earliest of ({})",
                    parts
                        .iter()
                        .map(|p| p.basis.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                for p in &parts {
                    due.awaiting.extend(p.awaiting.iter().copied());
                    due.anchor_facts.extend(p.anchor_facts.iter().copied());
                    due.warnings.extend(p.warnings.iter().cloned());
                    due.imprecise |= p.imprecise;
                    due.anchor_provisional |= p.anchor_provisional;
                }
                due.at = parts
                    .iter()
                    .filter_map(|p| p.at.clone())
                    .min_by_key(Zoned::timestamp);
            }
            Limit::Contemporaneous { with, cap } => {
                let cap_due = self.compute_limit(cap, memo);
                let with_id = &self.regime.stages[*with].id;
                match self.first_submission(*with, None) {
                    Some(s) => {
                        let sub_day = s.submitted_at.to_zoned(self.tz.clone()).date();
                        let same_day = self.end_of_day(sub_day);
                        let earlier = match (&same_day, &cap_due.at) {
                            (Some(a), Some(b)) => Some(if a.timestamp() <= b.timestamp() {
                                a.clone()
                            } else {
                                b.clone()
                            }),
                            (a, b) => a.clone().or(b.clone()),
                        };
                        due = cap_due;
                        due.at = earlier;
                        due.basis = format!("contemporaneously with {with_id} (submitted {}: the same day), at the latest {}", format_zoned(&s.submitted_at.to_zoned(self.tz.clone())), due.basis);
                    }
                    None => {
                        due = cap_due;
                        due.basis = format!(
                            "contemporaneously with {with_id}, at the latest {}",
                            due.basis
                        );
                    }
                }
            }
            Limit::SameAs(s) => {
                due = self.stage_due(*s, memo);
                due.basis = format!("same as {}: {}", self.regime.stages[*s].id, due.basis);
            }
            Limit::SetByRequest => {
                due.basis = "set by the requesting authority".into();
            }
        }
        due
    }

    fn anchor_date(&self, a: &AnchorValue) -> Date {
        match a {
            AnchorValue::Instant(ts) => ts.to_zoned(self.tz.clone()).date(),
            AnchorValue::Date(d) => *d,
        }
    }

    /// The due time of a stage after overrides and tolling (memoised per regime evaluation).
    fn stage_due(&self, si: usize, memo: &mut Vec<Option<Due>>) -> Due {
        if let Some(d) = &memo[si] {
            return d.clone();
        }
        let stage = &self.regime.stages[si];
        let mut due = match &stage.deadline.limit {
            Some(l) => self.compute_limit(l, memo),
            None => Due {
                basis: no_number_basis(stage),
                ..Due::default()
            },
        };
        for o in &stage.overrides {
            if self.eval(&o.when) == Tri::Yes {
                let od = self.compute_limit(&o.limit, memo);
                let shorter = match (&od.at, &due.at) {
                    (Some(a), Some(b)) => a.timestamp() < b.timestamp(),
                    (Some(_), None) => true,
                    _ => false,
                };
                if shorter {
                    let warnings = std::mem::take(&mut due.warnings);
                    due = od;
                    due.warnings.extend(warnings);
                    due.basis = format!("{} ({})", due.basis, o.citation);
                }
            }
        }
        if let (Some(tolling), Some(at)) = (&self.regime.tolling, due.at.clone()) {
            if let Some(FactValue::LeDelay(delay)) = self.fact_value(tolling.fact) {
                let delay_end = if delay.written {
                    delay.until
                } else {
                    let oral_max = delay
                        .stated_on
                        .checked_add(Span::new().days(tolling.oral_max_days))
                        .ok();
                    match (oral_max, delay.until) {
                        (Some(m), Some(u)) => Some(m.min(u)),
                        (m, u) => m.or(u),
                    }
                };
                if let Some(end) = delay_end {
                    let kind = if delay.written { "written" } else { "oral" };
                    match tolling.mode {
                        TollingMode::ExtendToDelayEnd => {
                            if let Some(end_at) = self.end_of_day(end) {
                                if end_at.timestamp() > at.timestamp() {
                                    due.at = Some(end_at);
                                    due.basis = format!("{}; extended to the end of the {kind} law-enforcement delay on {end} ({})", due.basis, tolling.citation);
                                }
                            }
                        }
                        TollingMode::SuspendClock => {
                            if delay.stated_on <= at.date() {
                                let paused = (end - delay.stated_on).get_days();
                                due.at = at.checked_add(Span::new().days(paused)).ok();
                                due.basis = format!("{}; clock suspended {paused} days by the {kind} law-enforcement delay {}..{end} ({})", due.basis, delay.stated_on, tolling.citation);
                            }
                        }
                    }
                }
            }
        }
        memo[si] = Some(due.clone());
        due
    }

    fn recipient(&self, stage: &Stage) -> (String, Option<String>) {
        match &stage.recipient {
            RecipientChoice::Fixed(id) => (id.clone(), None),
            RecipientChoice::ByFact {
                fact,
                cases,
                default,
            } => match self.fact_value(*fact) {
                Some(FactValue::Enum(v)) => (
                    cases.get(v).cloned().unwrap_or_else(|| default.clone()),
                    None,
                ),
                _ => (
                    default.clone(),
                    Some(format!(
                        "recipient depends on {}, which is unknown: {default} shown",
                        self.rules.fact(*fact).id
                    )),
                ),
            },
        }
    }

    fn evaluate_regime(
        &self,
        out: &mut Vec<Obligation>,
        advisory_instance: Option<(String, String)>,
    ) {
        let r = self.regime;
        let scope = self.eval(&r.applies_when);
        if scope == Tri::No {
            return;
        }
        let trigger = scope.and(self.eval(&r.trigger));
        if trigger == Tri::No {
            return;
        }
        let mut regime_unknowns = Vec::new();
        self.unknown_leaves(&r.applies_when, &mut regime_unknowns);
        self.unknown_leaves(&r.trigger, &mut regime_unknowns);
        let mut memo: Vec<Option<Due>> = vec![None; r.stages.len()];
        let advisory = advisory_instance.is_some() || r.status != RegimeStatus::InForce;
        for (si, stage) in r.stages.iter().enumerate() {
            let when = stage.when.as_ref().map_or(Tri::Yes, |w| self.eval(w));
            if when == Tri::No || (when == Tri::Unknown && stage.when_unknown == WhenUnknown::Omit)
            {
                continue;
            }
            let mut t = trigger.and(when);
            let mut deciding = regime_unknowns.clone();
            if let Some(w) = &stage.when {
                self.unknown_leaves(w, &mut deciding);
            }
            // Instances (per State, per country).
            let instances: Vec<Option<String>> = match &stage.for_each {
                None => vec![None],
                Some(fe) => match self.fact_value(fe.fact) {
                    Some(FactValue::StateCounts(map)) => map
                        .iter()
                        .filter(|(_, n)| fe.value_gt.is_none_or(|g| (**n as f64) > g))
                        .map(|(k, _)| Some(k.clone()))
                        .collect(),
                    Some(FactValue::Set(set)) => {
                        let group = fe.in_group.as_ref().and_then(|g| self.rules.groups.get(g));
                        set.iter()
                            .filter(|c| group.is_none_or(|g| g.contains(*c)))
                            .map(|c| Some(c.clone()))
                            .collect()
                    }
                    _ => {
                        t = t.and(Tri::Unknown);
                        if !deciding.contains(&fe.fact) {
                            deciding.push(fe.fact);
                        }
                        vec![None]
                    }
                },
            };
            let requested_due = if stage.occurs == Occurs::OnRequest {
                let due = self
                    .facts
                    .requests
                    .iter()
                    .filter(|q| q.regime == r.id && q.stage == stage.id)
                    .map(|q| q.due_at)
                    .min();
                match due {
                    Some(d) => Some(d),
                    None => continue, // no request, no stage
                }
            } else {
                None
            };
            let mut due = self.stage_due(si, &mut memo);
            if let Some(d) = requested_due {
                due.at = Some(d.to_zoned(self.tz.clone()));
            }
            // Overrides that would shorten the deadline if an unknown fact turned out yes.
            let mut may_shorten_to = Vec::new();
            for o in &stage.overrides {
                if self.eval(&o.when) == Tri::Unknown {
                    let od = self.compute_limit(&o.limit, &mut memo);
                    if let Some(at) = od.at {
                        if due
                            .at
                            .as_ref()
                            .is_none_or(|d| at.timestamp() < d.timestamp())
                        {
                            let mut facts = Vec::new();
                            self.unknown_leaves(&o.when, &mut facts);
                            may_shorten_to.push(PossibleDeadline {
                                due_at: at,
                                citation: o.citation.clone(),
                                if_facts: facts
                                    .iter()
                                    .map(|f| self.rules.fact(*f).id.clone())
                                    .collect(),
                            });
                        }
                    }
                }
            }
            let policy = match (
                &stage.deadline.policy_from,
                self.rules
                    .fact_idx(FACT_INTERNAL_SLA)
                    .and_then(|f| self.fact_value(f)),
            ) {
                (Some(anchor), Some(FactValue::Duration(sla))) => {
                    let mut scratch = Due::default();
                    self.resolve_anchor(anchor, &mut scratch, &mut memo)
                        .and_then(|(v, label)| {
                            let start = match v {
                                AnchorValue::Instant(ts) => ts,
                                AnchorValue::Date(d) => {
                                    d.to_zoned(self.tz.clone()).ok()?.timestamp()
                                }
                            };
                            let at = start.checked_add(*sla).ok()?.to_zoned(self.tz.clone());
                            Some((
                                at,
                                format!(
                                    "{label} + {} (internal SLA: policy, not law)",
                                    human_secs(sla.as_secs())
                                ),
                            ))
                        })
                }
                _ => None,
            };
            let (recipient, recipient_note) = self.recipient(stage);
            let recipient_name = self
                .rules
                .recipients
                .get(&recipient)
                .and_then(|d| d.labels.get("en").cloned())
                .unwrap_or_else(|| recipient.clone());
            for instance in instances {
                let inst = instance.as_deref();
                let submission = self.first_submission(si, inst);
                let closure = self.decisions.iter().find(|d| {
                    d.regime == r.id
                        && d.stage.as_ref().is_none_or(|s| *s == stage.id)
                        && (d.instance.is_none()
                            || d.instance.as_deref()
                                == inst.or(advisory_instance.as_ref().map(|(c, _)| c.as_str())))
                });
                let past_due = !advisory
                    && submission.is_none()
                    && due.at.as_ref().is_some_and(|d| self.now > d.timestamp());
                let mut notes = Vec::new();
                let mut warnings = due.warnings.clone();
                let status = if let Some(d) = closure {
                    let _ = d;
                    Status::Closed
                } else if let Some(s) = submission {
                    let late = due
                        .at
                        .as_ref()
                        .is_some_and(|d| s.submitted_at > d.timestamp());
                    if late {
                        let missing: Vec<&String> = stage
                            .late_submission_requires
                            .iter()
                            .filter(|f| !s.content_fields.contains(f))
                            .collect();
                        if !missing.is_empty() {
                            warnings.push(format!("late submission without {}: required when the report is made after the deadline", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
                        }
                        Status::SubmittedLate
                    } else {
                        Status::SubmittedOnTime
                    }
                } else if advisory {
                    Status::Advisory
                } else if t == Tri::Yes {
                    if past_due {
                        Status::Overdue
                    } else {
                        Status::Owed
                    }
                } else {
                    Status::Provisional
                };
                if status == Status::Overdue || (status == Status::Provisional && past_due) {
                    notes.push(PAST_DUE_NOTE.into());
                }
                if let Some((country, note)) = &advisory_instance {
                    notes.push(format!("{note} ({country})"));
                } else if r.status == RegimeStatus::Proposed {
                    notes.push("proposed rule: advisory only, never overdue".into());
                } else if r.status == RegimeStatus::PendingTransposition {
                    notes.push(
                        "transposition pending: advisory until a promulgation date is recorded"
                            .into(),
                    );
                }
                if r.kind == Kind::Policy {
                    notes.push("policy, not law".into());
                }
                if let Some(n) = &recipient_note {
                    notes.push(n.clone());
                }
                if let Some(q) = &stage.deadline.qualifier {
                    notes.push(format!("limit qualified: {q}"));
                }
                if let Some(n) = &stage.note {
                    notes.push(n.clone());
                }
                for (f, w) in &self.facts.warnings {
                    if due.anchor_facts.contains(f) && !warnings.contains(w) {
                        warnings.push(w.clone());
                    }
                }
                let deciding_facts = if t == Tri::Unknown {
                    deciding
                        .iter()
                        .map(|f| self.rules.fact(*f).id.clone())
                        .collect()
                } else {
                    Vec::new()
                };
                let mut awaiting: Vec<String> = Vec::new();
                if due.at.is_none() {
                    for f in &due.awaiting {
                        let id = self.rules.fact(*f).id.clone();
                        if !awaiting.contains(&id) {
                            awaiting.push(id);
                        }
                    }
                }
                out.push(Obligation {
                    regime: r.id.clone(),
                    regime_title: r.title.clone(),
                    jurisdiction: advisory_instance
                        .as_ref()
                        .map_or_else(|| r.jurisdiction.clone(), |(c, _)| c.clone()),
                    instrument: r.instrument.clone(),
                    stage: stage.id.clone(),
                    stage_title: stage.title.clone(),
                    instance: instance
                        .clone()
                        .or_else(|| advisory_instance.as_ref().map(|(c, _)| c.clone())),
                    status,
                    trigger: t,
                    due_at: due.at.clone(),
                    due_basis: if requested_due.is_some() {
                        "set by the requesting authority".into()
                    } else {
                        due.basis.clone()
                    },
                    promptness: stage.deadline.promptness,
                    deadline_label: stage.deadline.label.clone(),
                    policy_due_at: policy.as_ref().map(|(z, _)| z.clone()),
                    policy_basis: policy.as_ref().map(|(_, b)| b.clone()),
                    past_due,
                    recipient: recipient.clone(),
                    recipient_name: recipient_name.clone(),
                    citation: stage.citation.clone(),
                    rule_version: r.version.clone(),
                    legal_status: r.status,
                    kind: r.kind,
                    verification: stage.verification,
                    anchor_provisional: due.anchor_provisional,
                    imprecise_anchor: due.imprecise,
                    deciding_facts,
                    awaiting_facts: awaiting,
                    may_shorten_to: may_shorten_to.clone(),
                    submitted_at: submission.map(|s| s.submitted_at.to_zoned(self.tz.clone())),
                    closed: closure.map(|d| Closure {
                        rationale: d.rationale.clone(),
                        decided_by: d.decided_by.clone(),
                        decided_at: d.decided_at,
                    }),
                    notes,
                    warnings,
                });
            }
        }
    }
}

fn anchor_label(ctx: &Ctx<'_>, a: &Anchor) -> String {
    match a {
        Anchor::Clock { name, .. } => name.clone(),
        Anchor::Fact(f) => ctx.fact_short(*f),
        Anchor::EndOfCalendarYearOf(f) => {
            format!("end of the calendar year of {}", ctx.fact_short(*f))
        }
        Anchor::SubmissionOf { stage, .. } => {
            format!("submission of {}", ctx.regime.stages[*stage].id)
        }
    }
}

fn no_number_basis(stage: &Stage) -> String {
    let words = match stage.deadline.promptness {
        Promptness::Immediately => "immediately",
        Promptness::WithoutUndueDelay => "without undue delay",
        Promptness::Promptly => "promptly",
        Promptness::Contemporaneous => "contemporaneously",
        Promptness::None => "no deadline",
    };
    match &stage.deadline.label {
        Some(l) => format!("{words} (\"{l}\"): the law sets no number"),
        None => format!("{words}: the law sets no number"),
    }
}

fn human_secs(secs: i64) -> String {
    if secs % 86_400 == 0 && secs >= 86_400 * 2 {
        format!("{} days", secs / 86_400)
    } else if secs % 3_600 == 0 {
        format!("{} h", secs / 3_600)
    } else {
        format!("{} min", secs / 60)
    }
}

fn leaf_test(test: &LeafTest, v: &FactValue) -> bool {
    let num = |v: &FactValue| match v {
        FactValue::Count(n) => Some(*n as f64),
        FactValue::Decimal(d) => Some(*d),
        _ => None,
    };
    match (test, v) {
        (LeafTest::Is(t), FactValue::Tri(x)) => t == x,
        (LeafTest::EqBool(b), FactValue::Bool(x)) => b == x,
        (LeafTest::EqText(s), FactValue::Enum(x)) => s == x,
        (LeafTest::In(set), FactValue::Enum(x)) => set.contains(x),
        (LeafTest::Contains(s), FactValue::Set(x)) => x.contains(s),
        (LeafTest::ContainsAny(set), FactValue::Set(x)) => !set.is_disjoint(x),
        (LeafTest::Lt(n), v) => num(v).is_some_and(|x| x < *n),
        (LeafTest::Lte(n), v) => num(v).is_some_and(|x| x <= *n),
        (LeafTest::Gt(n), v) => num(v).is_some_and(|x| x > *n),
        (LeafTest::Gte(n), v) => num(v).is_some_and(|x| x >= *n),
        (LeafTest::AnyValueGt(n), FactValue::StateCounts(m)) => {
            m.values().any(|x| (*x as f64) > *n)
        }
        _ => false,
    }
}
