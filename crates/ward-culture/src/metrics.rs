//! Culture metrics per department: reports per 100 staff, median minutes to acknowledge and to
//! decide, the share of decided reports that were real incidents, and lesson completion.
//! Individuals never appear: scores are shown only as a department average, and only when at
//! least [`MIN_GROUP`] completions make one.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::ReportStatus;

/// Fewest completions before a department's average quiz score is shown.
pub const MIN_GROUP: usize = 3;

#[derive(Debug, Clone)]
pub struct ReportFact {
    pub department: String,
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub status: ReportStatus,
}

#[derive(Debug, Clone)]
pub struct CompletionFact {
    pub department: String,
    pub lesson_id: String,
    pub score: u32,
    pub total: u32,
    pub passed: bool,
}

/// The metrics of one department (or of the whole organisation, named "All departments").
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DepartmentMetrics {
    pub department: String,
    pub staff: Option<u32>,
    pub reports: usize,
    pub reports_per_100_staff: Option<f64>,
    pub median_minutes_to_acknowledge: Option<f64>,
    pub median_minutes_to_decide: Option<f64>,
    pub decided: usize,
    pub incidents: usize,
    /// incidents / decided.
    pub share_real_incidents: Option<f64>,
    pub lessons_passed: usize,
    /// Passed (person, lesson) pairs over staff × lessons offered.
    pub lesson_completion: Option<f64>,
    /// Average quiz score in percent, only with at least [`MIN_GROUP`] completions.
    pub average_score_percent: Option<f64>,
}

/// A department name as a grouping key: trimmed, case-folded, inner spaces collapsed.
pub fn department_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

fn minutes(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64() / 60.0
}

fn compute(name: &str, staff: Option<u32>, reports: &[&ReportFact], completions: &[&CompletionFact], n_lessons: usize) -> DepartmentMetrics {
    let decided: Vec<_> = reports.iter().filter(|r| r.status.is_decided()).collect();
    let incidents = decided.iter().filter(|r| r.status == ReportStatus::Incident).count();
    let passed = completions.iter().filter(|c| c.passed).count();
    let scored: Vec<f64> = completions.iter().filter(|c| c.total > 0).map(|c| f64::from(c.score) * 100.0 / f64::from(c.total)).collect();
    DepartmentMetrics {
        department: name.to_owned(),
        staff,
        reports: reports.len(),
        reports_per_100_staff: staff.filter(|s| *s > 0).map(|s| reports.len() as f64 * 100.0 / f64::from(s)),
        median_minutes_to_acknowledge: median(reports.iter().filter_map(|r| r.acknowledged_at.map(|a| minutes(r.received_at, a))).collect()),
        median_minutes_to_decide: median(reports.iter().filter_map(|r| r.decided_at.map(|d| minutes(r.received_at, d))).collect()),
        decided: decided.len(),
        incidents,
        share_real_incidents: (!decided.is_empty()).then(|| incidents as f64 / decided.len() as f64),
        lessons_passed: passed,
        lesson_completion: staff.filter(|s| *s > 0 && n_lessons > 0).map(|s| (passed as f64 / (f64::from(s) * n_lessons as f64)).min(1.0)),
        average_score_percent: (scored.len() >= MIN_GROUP).then(|| scored.iter().sum::<f64>() / scored.len() as f64),
    }
}

/// Metrics per department (those with staff figures, plus any that reported or learned), and
/// a last row for the whole organisation.
pub fn department_metrics(staff: &[(String, u32)], reports: &[ReportFact], completions: &[CompletionFact], n_lessons: usize) -> Vec<DepartmentMetrics> {
    let mut names: BTreeMap<String, (String, Option<u32>)> = BTreeMap::new();
    for (name, n) in staff {
        names.insert(department_key(name), (name.clone(), Some(*n)));
    }
    for d in reports.iter().map(|r| &r.department).chain(completions.iter().map(|c| &c.department)) {
        names.entry(department_key(d)).or_insert_with(|| (d.trim().to_owned(), None));
    }
    let mut out: Vec<DepartmentMetrics> = names
        .iter()
        .map(|(key, (name, n))| {
            let r: Vec<&ReportFact> = reports.iter().filter(|r| department_key(&r.department) == *key).collect();
            let c: Vec<&CompletionFact> = completions.iter().filter(|c| department_key(&c.department) == *key).collect();
            compute(name, *n, &r, &c, n_lessons)
        })
        .collect();
    let total_staff: u32 = staff.iter().map(|(_, n)| n).sum();
    let all_r: Vec<&ReportFact> = reports.iter().collect();
    let all_c: Vec<&CompletionFact> = completions.iter().collect();
    out.push(compute("All departments", (total_staff > 0).then_some(total_staff), &all_r, &all_c, n_lessons));
    out
}

/// One calendar month (UTC) of reports: how the culture moves over time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonthMetrics {
    /// `YYYY-MM`.
    pub month: String,
    pub reports: usize,
    pub incidents: usize,
    pub median_minutes_to_acknowledge: Option<f64>,
}

/// Reports per month of arrival (UTC), oldest first.
pub fn monthly(reports: &[ReportFact]) -> Vec<MonthMetrics> {
    let mut by: BTreeMap<String, Vec<&ReportFact>> = BTreeMap::new();
    for r in reports {
        by.entry(r.received_at.strftime("%Y-%m").to_string()).or_default().push(r);
    }
    by.into_iter()
        .map(|(month, rs)| MonthMetrics {
            month,
            reports: rs.len(),
            incidents: rs.iter().filter(|r| r.status == ReportStatus::Incident).count(),
            median_minutes_to_acknowledge: median(rs.iter().filter_map(|r| r.acknowledged_at.map(|a| minutes(r.received_at, a))).collect()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_trend() {
        let at = |s: &str, ack: Option<i64>, status| {
            let t: Timestamp = s.parse().unwrap();
            ReportFact { department: "x".into(), received_at: t, acknowledged_at: ack.map(|m| t + jiff::SignedDuration::from_mins(m)), decided_at: None, status }
        };
        let m = monthly(&[
            at("2026-10-31T23:59:00Z", Some(4), ReportStatus::Incident),
            at("2026-11-01T00:00:00Z", Some(10), ReportStatus::Dismissed),
            at("2026-11-15T12:00:00Z", None, ReportStatus::New),
        ]);
        assert_eq!(m.iter().map(|x| (x.month.as_str(), x.reports, x.incidents)).collect::<Vec<_>>(), [("2026-10", 1, 1), ("2026-11", 2, 0)]);
        assert_eq!(m[1].median_minutes_to_acknowledge, Some(10.0));
    }

    #[test]
    fn metrics_per_department() {
        let t = |m: i64| "2026-11-30T08:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_mins(m);
        let r = |d: &str, ack: Option<i64>, dec: Option<i64>, s: ReportStatus| ReportFact { department: d.into(), received_at: t(0), acknowledged_at: ack.map(t), decided_at: dec.map(t), status: s };
        let reports = vec![
            r("Ward 4B", Some(5), Some(30), ReportStatus::Incident),
            r("ward  4b", Some(15), Some(60), ReportStatus::Dismissed),
            r("Ward 4B", None, None, ReportStatus::New),
            r("Radiology", Some(2), None, ReportStatus::Acknowledged),
        ];
        let c = |d: &str, score: u32, passed: bool| CompletionFact { department: d.into(), lesson_id: "x".into(), score, total: 4, passed };
        let completions = vec![c("Ward 4B", 4, true), c("Ward 4B", 2, false), c("Radiology", 3, true)];
        let m = department_metrics(&[("Ward 4B".into(), 20), ("Radiology".into(), 10), ("Pharmacy".into(), 5)], &reports, &completions, 2);
        let w = m.iter().find(|x| x.department == "Ward 4B").unwrap();
        assert_eq!(w.reports, 3);
        assert_eq!(w.reports_per_100_staff, Some(15.0));
        assert_eq!(w.median_minutes_to_acknowledge, Some(10.0));
        assert_eq!(w.median_minutes_to_decide, Some(45.0));
        assert_eq!(w.share_real_incidents, Some(0.5));
        assert_eq!(w.lesson_completion, Some(1.0 / 40.0));
        assert_eq!(w.average_score_percent, None, "two completions expose individuals: no average");
        let p = m.iter().find(|x| x.department == "Pharmacy").unwrap();
        assert_eq!((p.reports, p.reports_per_100_staff), (0, Some(0.0)));
        let all = m.last().unwrap();
        assert_eq!((all.department.as_str(), all.reports, all.staff), ("All departments", 4, Some(35)));
        assert_eq!(all.average_score_percent, Some(75.0));
    }
}
