//! Triage timers and the escalation chain, as pure functions of (report, configuration, now).
//!
//! A report must be acknowledged within `ack_minutes` and decided (dismissed, merged or turned
//! into an incident) within `decide_minutes` of its arrival, both per category. When the
//! acknowledgement deadline passes unacknowledged, the report escalates to level 1 of the
//! organisation's chain, then one level further every `interval_minutes`, up to the last level.
//! An acknowledgement freezes the level reached: nothing escalates after it.

use jiff::{SignedDuration, Timestamp};

use crate::report::Category;

/// Longest timer a configuration may set (a week), in minutes.
pub const MAX_TIMER_MINUTES: i64 = 7 * 24 * 60;
/// Most levels of an escalation chain.
pub const MAX_ESCALATION_LEVELS: u32 = 5;

/// The timers of one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TriageConfig {
    pub ack_minutes: i64,
    pub decide_minutes: i64,
}

impl TriageConfig {
    /// Defaults chosen for a hospital: what can spread (e-mail, odd devices) or must be
    /// reported within 72 h (data sent to the wrong person) is acknowledged fastest.
    pub fn default_for(category: Category) -> TriageConfig {
        let (ack_minutes, decide_minutes) = match category {
            Category::SuspiciousEmail => (15, 120),
            Category::DeviceBehaviour => (15, 120),
            Category::LostDevice => (30, 240),
            Category::MisdirectedData => (30, 240),
            Category::StrangeCall => (60, 480),
            Category::Other => (60, 480),
        };
        TriageConfig { ack_minutes, decide_minutes }
    }

    pub fn new(ack_minutes: i64, decide_minutes: i64) -> Result<TriageConfig, crate::FieldProblem> {
        if !(1..=MAX_TIMER_MINUTES).contains(&ack_minutes) {
            return Err(crate::FieldProblem::new("ack_minutes", format!("must be between 1 and {MAX_TIMER_MINUTES} minutes")));
        }
        if !(ack_minutes..=MAX_TIMER_MINUTES).contains(&decide_minutes) {
            return Err(crate::FieldProblem::new("decide_minutes", format!("must be between ack_minutes ({ack_minutes}) and {MAX_TIMER_MINUTES} minutes")));
        }
        Ok(TriageConfig { ack_minutes, decide_minutes })
    }
}

/// How escalation moves up the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EscalationPolicy {
    /// Minutes between one level and the next.
    pub interval_minutes: i64,
    /// Levels in the chain (the highest level any team member has); 0 means no chain.
    pub levels: u32,
}

/// A report's timers at `now`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TriageState {
    pub ack_due_at: Timestamp,
    pub decide_due_at: Timestamp,
    pub ack_overdue: bool,
    pub decide_overdue: bool,
    /// The escalation level the report should have reached by `now` (0: none).
    pub escalation_level: u32,
    /// When the next level is due, if one is still to come.
    pub next_escalation_at: Option<Timestamp>,
}

/// The timers and escalation level of a report received at `received_at`.
pub fn evaluate(
    received_at: Timestamp,
    acknowledged_at: Option<Timestamp>,
    decided_at: Option<Timestamp>,
    config: TriageConfig,
    policy: EscalationPolicy,
    now: Timestamp,
) -> TriageState {
    let ack_due_at = received_at + SignedDuration::from_mins(config.ack_minutes);
    let decide_due_at = received_at + SignedDuration::from_mins(config.decide_minutes);
    // An acknowledgement (or a decision) stops escalation at the level reached then.
    let stop = [acknowledged_at, decided_at].into_iter().flatten().min();
    let at = stop.map_or(now, |s| s.min(now));
    let interval = SignedDuration::from_mins(policy.interval_minutes.max(1));
    let escalation_level = if policy.levels == 0 || at < ack_due_at {
        0
    } else {
        let steps = at.duration_since(ack_due_at).as_secs() / interval.as_secs();
        (1 + steps).min(i64::from(policy.levels)) as u32
    };
    let next_escalation_at = (stop.is_none() && escalation_level < policy.levels)
        .then(|| ack_due_at + SignedDuration::from_secs(interval.as_secs() * i64::from(escalation_level)));
    TriageState {
        ack_due_at,
        decide_due_at,
        ack_overdue: acknowledged_at.is_none() && decided_at.is_none() && now >= ack_due_at,
        decide_overdue: decided_at.is_none() && now >= decide_due_at,
        escalation_level,
        next_escalation_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn escalation_follows_the_chain_and_stops_at_acknowledgement() {
        let cfg = TriageConfig { ack_minutes: 15, decide_minutes: 60 };
        let pol = EscalationPolicy { interval_minutes: 10, levels: 3 };
        let rx = t("2026-11-30T08:00:00Z");
        let at = |now: &str, ack: Option<&str>| evaluate(rx, ack.map(t), None, cfg, pol, t(now));
        let cases = [
            ("2026-11-30T08:14:59Z", None, 0, Some("2026-11-30T08:15:00Z")),
            ("2026-11-30T08:15:00Z", None, 1, Some("2026-11-30T08:25:00Z")),
            ("2026-11-30T08:25:00Z", None, 2, Some("2026-11-30T08:35:00Z")),
            ("2026-11-30T08:35:00Z", None, 3, None),
            ("2026-11-30T12:00:00Z", None, 3, None),
            ("2026-11-30T12:00:00Z", Some("2026-11-30T08:10:00Z"), 0, None),
            ("2026-11-30T12:00:00Z", Some("2026-11-30T08:26:00Z"), 2, None),
        ];
        for (now, ack, level, next) in cases {
            let s = at(now, ack);
            assert_eq!(s.escalation_level, level, "at {now} ack {ack:?}");
            assert_eq!(s.next_escalation_at, next.map(t), "at {now} ack {ack:?}");
        }
        let s = at("2026-11-30T09:00:00Z", None);
        assert!(s.ack_overdue && s.decide_overdue);
        assert!(!at("2026-11-30T09:00:00Z", Some("2026-11-30T08:01:00Z")).ack_overdue);
        assert_eq!(evaluate(rx, None, None, cfg, EscalationPolicy { interval_minutes: 10, levels: 0 }, t("2026-12-01T00:00:00Z")).escalation_level, 0);
    }

    #[test]
    fn configurations_are_bounded() {
        assert!(TriageConfig::new(0, 10).is_err());
        assert_eq!(TriageConfig::new(30, 10).unwrap_err().field, "decide_minutes");
        assert!(TriageConfig::new(10, 30).is_ok());
    }
}
