//! HHS OCR breach portal exports, against `shared/data/README.md` §3.

use std::collections::{BTreeMap, BTreeSet};

use ward_core::incident::{ActionCategory, AttackType};
use ward_core::org::HhsEntityType;

use super::*;

const ARCHIVE: &str = "hhs/hhs_breaches.csv";
const COMBINED: &str = "hhs/hhs_breaches_combined_archive+open_as_of_2024-06-28.csv";
const OPEN_2024: &str = "hhs/hhs_breaches_under_investigation_2024-06.csv";
const OPEN_2026: &str = "hhs/hhs_breaches_under_investigation_2026-04.csv";

/// (breaches, individuals affected) by submission year.
fn by_year(r: &super::Read) -> BTreeMap<i32, (u32, u64)> {
    let mut out: BTreeMap<i32, (u32, u64)> = BTreeMap::new();
    for i in &r.incidents {
        let e = out.entry(i.year.unwrap()).or_default();
        e.0 += 1;
        e.1 += i.draft.harm.individuals_affected.as_ref().map_or(0, |f| f.value);
    }
    out
}

#[test]
fn every_file_reads_every_row() {
    for (file, rows) in [(ARCHIVE, 5371), (COMBINED, 6279), (OPEN_2024, 908), (OPEN_2026, 702)] {
        let got = cached(Kind::Hhs, file);
        assert_eq!(got.summary.records_read, rows, "{file}");
        assert_eq!(got.incidents.len() as u64, rows, "{file}: {:#?}", got.rejected.first());
        for i in &got.incidents {
            let d = &i.draft;
            assert_eq!(d.victim.country.as_str(), "US");
            assert_eq!(d.timeline.disclosed_on.map(|x| i32::from(x.year())), i.year);
            assert_eq!(d.sources.len(), 1);
            assert_eq!(d.sources[0].url.as_str(), ward_import::hhs::PORTAL_URL);
            assert_eq!(d.tlp, ward_core::Tlp::Clear);
            assert!(i.external_id.value.as_str().contains('|'));
        }
    }
    // Line numbers count the newlines inside quoted descriptions (as `grep -n` shows them).
    let archive = cached(Kind::Hhs, ARCHIVE);
    let at = |r: &super::Read, i: usize| (r.incidents[i].origin.line, r.incidents[i].draft.victim.name.as_ref().unwrap().to_string());
    assert_eq!(at(archive, 999), (Some(1064), "Upstate HomeCare".to_owned()));
    assert_eq!(at(archive, 5370), (Some(6567), "Brooke Army Medical Center".to_owned()));
    assert_eq!(at(cached(Kind::Hhs, COMBINED), 999), (Some(1007), "SUNY at Buffalo School of Dental Medicine".to_owned()));
    // The JSF-headed 2026 export: 467 submissions in 2025 and 97 in 2026 still open in April 2026.
    let open_2026 = by_year(cached(Kind::Hhs, OPEN_2026));
    assert_eq!((open_2026[&2025].0, open_2026[&2026].0), (467, 97));
}

#[test]
fn combined_export_reproduces_breaches_and_individuals_by_year() {
    let got = cached(Kind::Hhs, COMBINED);
    let years = by_year(got);
    // The README's table: breaches, and millions of individuals affected (0.13 M for 2009, else
    // to one decimal).
    let want = [
        (2009, 18, "0.13"), (2010, 199, "5.9"), (2011, 200, "13.2"), (2012, 218, "2.9"), (2013, 277, "7.0"), (2014, 314, "19.1"),
        (2015, 270, "112.5"), (2016, 328, "16.7"), (2017, 358, "5.3"), (2018, 369, "15.2"), (2019, 512, "45.0"), (2020, 663, "35.0"),
        (2021, 715, "59.7"), (2022, 718, "57.5"), (2023, 741, "140.2"), (2024, 379, "44.8"),
    ];
    assert_eq!(years.len(), want.len());
    for (year, breaches, millions) in want {
        let (n, individuals) = years[&year];
        let m = individuals as f64 / 1e6;
        let shown = if year == 2009 { format!("{m:.2}") } else { format!("{m:.1}") };
        assert_eq!((n, shown.as_str()), (breaches, millions), "{year}");
    }
    // "One row has it blank": that row has no individuals-affected fact (never a zero).
    let blank: Vec<_> = got.incidents.iter().filter(|i| i.draft.harm.individuals_affected.is_none()).collect();
    assert_eq!(blank.len(), 1);
    assert!(blank[0].notes.iter().any(|n| n == "Individuals Affected is blank"));

    // 2023 by type: Hacking/IT Incident 596, Unauthorized Access/Disclosure 125, Theft 12,
    // Improper Disposal 5, Loss 3.
    let in_2023: Vec<_> = got.incidents.iter().filter(|i| i.year == Some(2023)).collect();
    let has_action = |i: &&ImportedIncident, c: ActionCategory, v: Option<&str>| {
        i.draft.actions.iter().any(|a| a.category == c && v.is_none_or(|v| a.varieties.iter().any(|x| x.as_str() == v)))
    };
    let count = |f: &dyn Fn(&&ImportedIncident) -> bool| in_2023.iter().filter(|i| f(i)).count();
    assert_eq!(count(&|i| has_action(i, ActionCategory::Hacking, None)), 596);
    assert_eq!(count(&|i| i.draft.attack_types.contains(&AttackType::InsiderMisuse)), 125);
    assert_eq!(count(&|i| has_action(i, ActionCategory::Physical, Some("Theft"))), 12);
    assert_eq!(count(&|i| has_action(i, ActionCategory::Error, Some("Disposal error"))), 5);
    assert_eq!(count(&|i| has_action(i, ActionCategory::Error, Some("Loss"))), 3);

    // Provider types read from names: 1,874 of the 4,492 provider rows (the rest stay `other`).
    let providers: Vec<_> = got.incidents.iter().filter(|i| i.hhs_entity_type == Some(HhsEntityType::HealthcareProvider)).collect();
    let typed = providers.iter().filter(|i| i.draft.victim.org_type != ward_core::OrgType::Other).count();
    assert_eq!((typed, providers.len()), (1874, 4492));

    // Its source_list column is kept per row.
    let lists: BTreeMap<String, usize> = got.incidents.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.sub_source.clone().unwrap()).or_default() += 1;
        m
    });
    assert_eq!(lists, BTreeMap::from([("archive_2024-07".to_owned(), 5371), ("ui_2024-06".to_owned(), 908)]));
}

#[test]
fn combined_export_is_the_two_lists_with_the_same_external_ids() {
    let ids = |file: &str| -> Vec<String> {
        cached(Kind::Hhs, file).incidents.iter().map(|i| i.external_id.value.to_string()).collect()
    };
    let combined = ids(COMBINED);
    let mut parts = ids(OPEN_2024);
    parts.extend(ids(ARCHIVE));
    assert_eq!(combined.len(), parts.len());
    let distinct: BTreeSet<&String> = combined.iter().collect();
    assert_eq!(distinct.len(), combined.len(), "external ids are unique within a file");
    // Same rows, same ids, except where one name filed twice on one day and the two rows sit
    // in different lists: then which row keeps the plain key depends on the file.
    let differing: Vec<(&String, &String)> = combined.iter().zip(&parts).filter(|(a, b)| a != b).collect();
    assert_eq!(differing, [(&"highmark|PA|2023-02-10|239039".to_owned(), &"highmark|PA|2023-02-10".to_owned())]);
    // Re-reading gives identical ids.
    let again: Vec<String> = read(Kind::Hhs, &data(OPEN_2024), &Options::default()).incidents.iter().map(|i| i.external_id.value.to_string()).collect();
    assert_eq!(again, ids(OPEN_2024));
    // Same-day rows of one business associate are told apart by their counts.
    assert!(combined.iter().any(|id| id == "alvaria|MA|2023-05-26"));
    assert!(combined.iter().any(|id| id == "alvaria|MA|2023-05-26|1389"));
}

#[test]
fn mapping_of_one_row() {
    let got = cached(Kind::Hhs, ARCHIVE);
    let i = &got.incidents[0];
    let d = &i.draft;
    assert_eq!(i.origin.line, Some(2));
    assert_eq!(d.title.as_str(), "Hacking/IT Incident at Bay Oral Surgery & Implant Center");
    assert_eq!(d.victim.name.as_ref().unwrap().as_str(), "Bay Oral Surgery & Implant Center");
    assert_eq!(d.victim.region.as_ref().unwrap().as_str(), "US-WI");
    assert_eq!(d.victim.org_type, ward_core::OrgType::DentalPractice);
    assert_eq!(i.hhs_entity_type, Some(HhsEntityType::HealthcareProvider));
    assert_eq!(d.victim.via_third_party, Some(false));
    assert_eq!(d.attack_types, [AttackType::Phishing, AttackType::UnauthorizedAccess]);
    assert_eq!(d.assets.iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["Email"]);
    let fact = d.harm.individuals_affected.as_ref().unwrap();
    assert_eq!((fact.value, fact.as_of), (13055, jiff::civil::date(2024, 4, 26)), "as of the submission without an export date");
    assert_eq!(d.sources[0].retrieved_on, None);
    assert_eq!(d.timeline.disclosed_on, Some(jiff::civil::date(2024, 4, 26)));
    assert!(d.summary.as_ref().unwrap().as_str().starts_with("The covered entity (CE), Bay Oral Surgery"));
    assert_eq!(i.external_id.value.as_str(), "bay oral surgery and implant center|WI|2024-04-26");

    // Entity types → organisation types, over the whole archive.
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &got.incidents {
        *types.entry(i.draft.victim.org_type.as_str()).or_default() += 1;
        match i.hhs_entity_type {
            Some(HhsEntityType::HealthPlan) => assert_eq!(i.draft.victim.org_type, ward_core::OrgType::HealthPlan),
            Some(HhsEntityType::BusinessAssociate) => assert_eq!(i.draft.victim.org_type, ward_core::OrgType::BusinessAssociate),
            Some(HhsEntityType::HealthcareClearingHouse) => assert_eq!(i.draft.victim.org_type, ward_core::OrgType::Clearinghouse),
            Some(HhsEntityType::HealthcareProvider) => {
                assert_eq!(i.draft.victim.org_type.hhs_entity_type().unwrap_or(HhsEntityType::HealthcareProvider), HhsEntityType::HealthcareProvider)
            }
            None => assert_eq!(i.draft.victim.org_type, ward_core::OrgType::Other),
        }
    }
    assert_eq!(got.incidents.iter().filter(|i| i.hhs_entity_type.is_none()).count(), 5, "five rows have a blank type");
    assert!(types["hospital"] > 500 && types["other"] > 1500, "{types:?}");
}
