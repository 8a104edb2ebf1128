use jiff::civil::{date, Date};
use ward_risk::posture::{going_stale, infer, posture, Answer, EvidencePeriod, OpenFinding, Reason, RequirementAnswer, Status};
use ward_risk::{Catalogue, Relationship};

fn answer(id: &str, answer: Answer, evidence: &[(Date, Date)]) -> RequirementAnswer {
    RequirementAnswer {
        requirement_id: id.into(),
        answer,
        evidence: evidence.iter().map(|&(effective_on, expires_on)| EvidencePeriod { effective_on, expires_on }).collect(),
    }
}

/// An HPH CPG assessment: every essential goal compliant with a year of evidence, except E2
/// (partial) and E3 (non-compliant); enhanced goals not assessed.
fn hph_answers() -> Vec<RequirementAnswer> {
    let year = (date(2026, 1, 1), date(2027, 1, 1));
    (1..=10)
        .map(|n| {
            let id = format!("HPH-E{n}");
            match n {
                2 => answer(&id, Answer::Partial, &[year]),
                3 => answer(&id, Answer::NonCompliant, &[]),
                _ => answer(&id, Answer::Compliant, &[year]),
            }
        })
        .collect()
}

#[test]
fn an_hph_cpg_assessment_yields_the_inferred_nis2_posture_through_the_crosswalk() {
    let catalogue = Catalogue::embedded().unwrap();
    let hph = catalogue.framework("hph-cpg").unwrap();
    let today = date(2026, 6, 1);
    let assessed = posture(hph, &hph_answers(), &[], today);
    assert_eq!((assessed.counts.compliant, assessed.counts.partial, assessed.counts.non_compliant, assessed.counts.not_assessed), (8, 1, 1, 10));
    let nis2 = infer(&catalogue, &assessed, "nis2-art21").expect("a crosswalk links HPH CPGs and NIS2");
    assert_eq!(nis2.inferred_from, "hph-cpg");
    let status = |id: &str| nis2.requirements.iter().find(|r| r.requirement_id == id).unwrap();
    // (j) MFA: E3 is non-compliant, so (j) is non-compliant whatever E8 says.
    assert_eq!(status("21.2.j").status, Status::NonCompliant);
    // (h) cryptography: only E5 (a subset, compliant) → at best partial.
    let h = status("21.2.h");
    assert_eq!(h.status, Status::Partial);
    assert_eq!(h.via.len(), 1);
    assert_eq!((h.via[0].source_requirement.as_str(), h.via[0].relationship, h.via[0].source_status, h.via[0].crosswalk_id.as_str()), ("HPH-E5", Relationship::Subset, Status::Compliant, "hph-cpg_nis2-art21"));
    // (f) effectiveness: only X4, not assessed → not assessed.
    assert_eq!(status("21.2.f").status, Status::NotAssessed);
    // (g) hygiene and training: E2 partial, E4 compliant subset → partial.
    assert_eq!(status("21.2.g").status, Status::Partial);
    assert_eq!(nis2.counts.non_compliant, 1);
    assert!(nis2.score_percent.unwrap() > 0.0);
    // The CISA crosswalk uses `equal`: a compliant HPH goal makes its CISA twin compliant.
    let cisa = infer(&catalogue, &assessed, "cisa-cpg-2").unwrap();
    assert_eq!(cisa.requirements.iter().find(|r| r.requirement_id == "3.K").unwrap().status, Status::Compliant);
    assert_eq!(cisa.requirements.iter().find(|r| r.requirement_id == "3.F").unwrap().status, Status::NonCompliant);
    // The reverse direction works too: a NIS2 posture reaches HPH through the same crosswalk.
    let nis2_fw = catalogue.framework("nis2-art21").unwrap();
    let nis2_assessed = posture(nis2_fw, &[answer("21.2.h", Answer::Compliant, &[(date(2026, 1, 1), date(2027, 1, 1))])], &[], today);
    let back = infer(&catalogue, &nis2_assessed, "hph-cpg").unwrap();
    let e5 = back.requirements.iter().find(|r| r.requirement_id == "HPH-E5").unwrap();
    assert_eq!((e5.status, e5.via[0].relationship), (Status::Compliant, Relationship::Superset), "NIS2 (h) covers all of E5");
    assert!(infer(&catalogue, &nis2_assessed, "hicp-2023").is_none(), "no crosswalk links NIS2 and HICP directly");
}

#[test]
fn evidence_expires_with_the_clock_and_posture_recovers_with_new_evidence() {
    let catalogue = Catalogue::embedded().unwrap();
    let hph = catalogue.framework("hph-cpg").unwrap();
    let mut answers = hph_answers();
    let before = posture(hph, &answers, &[], date(2026, 12, 1));
    // Within 30 days of 2026-12-15 every year-long piece of evidence runs out.
    let december = posture(hph, &answers, &[], date(2026, 12, 15));
    let soon = going_stale(&december, 30);
    assert_eq!(soon.len(), 9);
    assert!(soon.iter().all(|(_, d)| *d == date(2027, 1, 1)));
    // The clock moves past the expiry: the answers are unchanged, the posture drops.
    let after = posture(hph, &answers, &[], date(2027, 1, 1));
    assert_eq!(after.counts.stale, 9);
    assert_eq!(after.counts.compliant, 0);
    assert!(after.score_percent.unwrap() < before.score_percent.unwrap());
    let e1 = after.requirements.iter().find(|r| r.requirement_id == "HPH-E1").unwrap();
    assert_eq!(e1.reason, Reason::EvidenceExpired { expired_on: date(2027, 1, 1) });
    // Stale is inferred too.
    let nis2 = infer(&catalogue, &after, "nis2-art21").unwrap();
    assert_eq!(nis2.requirements.iter().find(|r| r.requirement_id == "21.2.h").unwrap().status, Status::Stale);
    // New evidence for E1 brings it back; nothing else changes.
    answers[0].evidence.push(EvidencePeriod { effective_on: date(2027, 1, 2), expires_on: date(2027, 4, 2) });
    let recovered = posture(hph, &answers, &[], date(2027, 1, 3));
    assert_eq!(recovered.requirements[0].status, Status::Compliant);
    assert_eq!((recovered.counts.compliant, recovered.counts.stale), (1, 8));
    assert!(recovered.score_percent > after.score_percent);
    // Evidence dated in the future does not count yet.
    let early = posture(hph, &answers, &[], date(2027, 1, 1));
    assert_eq!(early.requirements[0].reason, Reason::EvidenceNotYetEffective { effective_on: date(2027, 1, 2) });
}

#[test]
fn an_overdue_known_exploited_vulnerability_makes_the_linked_requirement_non_compliant() {
    let catalogue = Catalogue::embedded().unwrap();
    let hph = catalogue.framework("hph-cpg").unwrap();
    let answers = hph_answers();
    let finding = OpenFinding { cve_id: "CVE-2024-21762".into(), asset_name: "fw-edge-01".into(), due_on: date(2026, 6, 10) };
    let on_time = posture(hph, &answers, std::slice::from_ref(&finding), date(2026, 6, 10));
    assert_eq!(on_time.requirements[0].status, Status::Compliant, "due today is not yet overdue");
    let late = posture(hph, &answers, std::slice::from_ref(&finding), date(2026, 6, 11));
    assert_eq!(late.requirements[0].status, Status::NonCompliant);
    assert_eq!(late.requirements[0].reason, Reason::OverdueKnownExploited { cve_ids: vec!["CVE-2024-21762".into()], earliest_due_on: date(2026, 6, 10) });
    // Only the flagged requirements (E1, X5) are affected.
    assert_eq!(late.requirements.iter().filter(|r| matches!(r.reason, Reason::OverdueKnownExploited { .. })).count(), 2);
    assert_eq!(late.counts.non_compliant, on_time.counts.non_compliant + 2);
    // It shows up on NIS2 (e) through the crosswalk.
    let nis2 = infer(&catalogue, &late, "nis2-art21").unwrap();
    assert_eq!(nis2.requirements.iter().find(|r| r.requirement_id == "21.2.e").unwrap().status, Status::NonCompliant);
}

mod properties {
    use jiff::civil::{date, Date};
    use proptest::prelude::*;
    use ward_risk::posture::{infer, posture, stale_from, Answer, EvidencePeriod, RequirementAnswer, Status};
    use ward_risk::Catalogue;

    fn day(n: i64) -> Date {
        date(2026, 1, 1).checked_add(jiff::Span::new().days(n)).unwrap()
    }

    fn evidence() -> impl Strategy<Value = Vec<EvidencePeriod>> {
        proptest::collection::vec((0i64..120, 1i64..60), 0..6)
            .prop_map(|v| v.into_iter().map(|(start, len)| EvidencePeriod { effective_on: day(start), expires_on: day(start + len) }).collect())
    }

    proptest! {
        /// `stale_from` equals the first day, scanning day by day, on which no evidence is in force.
        #[test]
        fn stale_from_matches_a_day_by_day_scan(ev in evidence(), today in 0i64..150) {
            let today = day(today);
            let oracle = if ev.iter().any(|e| e.in_force(today)) {
                let mut d = today;
                while ev.iter().any(|e| e.in_force(d)) { d = d.checked_add(jiff::Span::new().days(1)).unwrap(); }
                Some(d)
            } else { None };
            prop_assert_eq!(stale_from(&ev, today), oracle);
        }

        /// Posture moves with the day only through evidence: a compliant answer is compliant
        /// exactly on the days some evidence is in force, stale on the others.
        #[test]
        fn compliance_follows_evidence_day_by_day(ev in evidence(), today in 0i64..150) {
            let catalogue = Catalogue::embedded().unwrap();
            let hph = catalogue.framework("hph-cpg").unwrap();
            let answers = [RequirementAnswer { requirement_id: "HPH-E4".into(), answer: Answer::Compliant, evidence: ev.clone() }];
            let p = posture(hph, &answers, &[], day(today));
            let e4 = p.requirements.iter().find(|r| r.requirement_id == "HPH-E4").unwrap();
            let expected = if ev.iter().any(|e| e.in_force(day(today))) { Status::Compliant } else { Status::Stale };
            prop_assert_eq!(e4.status, expected);
        }

        /// An inferred status is never better than the best status among the assessed
        /// requirements that map to it, and never compliant through a partial mapping alone.
        #[test]
        fn inference_never_improves_on_its_sources(answers in proptest::collection::vec(0usize..5, 20)) {
            let catalogue = Catalogue::embedded().unwrap();
            let hph = catalogue.framework("hph-cpg").unwrap();
            let year = vec![EvidencePeriod { effective_on: day(0), expires_on: day(365) }];
            let list: Vec<RequirementAnswer> = hph.requirements.iter().zip(&answers).map(|(r, a)| RequirementAnswer {
                requirement_id: r.id.clone(), answer: Answer::ALL[*a], evidence: if *a == 1 { Vec::new() } else { year.clone() },
            }).collect();
            let p = posture(hph, &list, &[], day(10));
            for target in ["nis2-art21", "hicp-2023", "cisa-cpg-2"] {
                let inferred = infer(&catalogue, &p, target).unwrap();
                for r in &inferred.requirements {
                    let assessed: Vec<Status> = r.via.iter().map(|u| u.source_status).filter(|s| !matches!(s, Status::NotAssessed | Status::NotApplicable)).collect();
                    if let Some(best) = assessed.iter().max() {
                        prop_assert!(r.status <= *best, "{target} {}: {:?} better than its best source {:?}", r.requirement_id, r.status, best);
                    }
                    if r.status == Status::Compliant {
                        prop_assert!(r.via.iter().all(|u| u.relationship.covers_target() || u.contribution != Status::Compliant));
                        prop_assert!(r.via.iter().any(|u| u.relationship.covers_target() && u.source_status == Status::Compliant));
                    }
                }
            }
        }
    }
}
