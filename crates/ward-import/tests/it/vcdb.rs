//! VCDB healthcare subset and the joined zip, against `shared/data/README.md` §1.

use std::collections::{BTreeMap, BTreeSet, HashMap};


use serde_json::Value;
use ward_core::incident::{ActionCategory, AttackType};

use super::*;

/// The raw VERIS records of the JSON-lines file, by line number (a test-side cross-check).
fn raw_lines() -> HashMap<u64, Value> {
    let text = std::fs::read_to_string(data("vcdb/vcdb_healthcare.jsonl")).unwrap();
    text.lines().enumerate().map(|(i, l)| (i as u64 + 1, serde_json::from_str(l).unwrap())).collect()
}

fn raw_categories(v: &Value) -> Vec<String> {
    v["action"].as_object().unwrap().keys().cloned().collect()
}

fn raw_ransomware(v: &Value) -> bool {
    v["action"]["malware"]["variety"].as_array().is_some_and(|a| a.iter().any(|x| x == "Ransomware"))
}

#[test]
fn healthcare_jsonl_reproduces_the_readme_figures() {
    let got = cached(Kind::Vcdb, "vcdb/vcdb_healthcare.jsonl");
    let raw = raw_lines();
    assert_eq!(got.summary.records_read, 2341);
    assert_eq!(got.summary.files, 1);
    assert_eq!(got.incidents.len(), 2341, "{:#?}", got.rejected);

    // Action categories (checked record by record against the raw VERIS), ransomware, incident
    // years and sub-sources give the README's counts.
    let mut categories: BTreeMap<String, u32> = BTreeMap::new();
    let mut ransomware = 0;
    let mut years: BTreeMap<i32, u32> = BTreeMap::new();
    let mut sub_sources: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown_country = 0;
    for i in &got.incidents {
        let v = &raw[&i.origin.line.unwrap()];
        let mapped: BTreeSet<String> = i.draft.actions.iter().map(|a| a.category.as_str().to_owned()).collect();
        assert_eq!(mapped, raw_categories(v).into_iter().collect(), "{}", i.origin);
        for c in mapped {
            *categories.entry(c).or_default() += 1;
        }
        let is_ransomware = i.draft.attack_types.contains(&AttackType::Ransomware);
        assert_eq!(is_ransomware, raw_ransomware(v), "{}", i.origin);
        ransomware += u32::from(is_ransomware);
        *years.entry(i.year.unwrap()).or_default() += 1;
        *sub_sources.entry(i.sub_source.clone().unwrap_or_default()).or_default() += 1;
        assert_eq!(i.external_id.scheme.as_str(), "vcdb");
        assert_eq!(i.external_id.value.as_str(), v["incident_id"].as_str().unwrap().to_lowercase());
        assert_eq!(i.naics.as_deref(), v["victim"]["industry"].as_str());
        assert!(i.naics.as_deref().unwrap().starts_with("62"));
        // The year is in the draft when the full date is not.
        let t = &i.draft.timeline;
        assert_eq!(t.incident_on.map(|d| i32::from(d.year())).or(t.incident_year.map(i32::from)), i.year, "{}", i.origin);
        if i.draft.victim.country.as_str() == ward_import::UNKNOWN_COUNTRY {
            // Unknown in VCDB and nothing to read a country from: kept as ZZ, never guessed.
            assert_eq!(v["victim"]["country"], serde_json::json!(["Unknown"]), "{}", i.origin);
            assert!(i.notes.iter().any(|n| n.contains("recorded as ZZ")), "{:?}", i.notes);
            unknown_country += 1;
        }
    }
    assert_eq!(unknown_country, 13);
    let want: BTreeMap<String, u32> = [
        ("physical", 684), ("error", 652), ("misuse", 622), ("hacking", 255), ("malware", 148), ("social", 130), ("unknown", 65), ("environmental", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(categories, want);
    assert_eq!(ransomware, 95);
    let want_years: BTreeMap<i32, u32> = [
        (1994, 1), (2001, 1), (2002, 1), (2003, 4), (2004, 3), (2005, 4), (2006, 4), (2007, 9), (2008, 17), (2009, 27), (2010, 201),
        (2011, 162), (2012, 287), (2013, 395), (2014, 310), (2015, 317), (2016, 260), (2017, 204), (2018, 62), (2019, 72),
    ]
    .into_iter()
    .collect();
    assert_eq!(years, want_years);
    assert_eq!(sub_sources.get("phidbr"), Some(&852));
    assert_eq!(sub_sources.get("priority"), Some(&27));

    // Every category name is one ward knows.
    assert!(want.keys().all(|k| ActionCategory::ALL.iter().any(|c| c.as_str() == k)));
    // Harm facts only where a source URL exists, and always citing a listed source.
    let with_harm = got.incidents.iter().filter(|i| i.draft.harm.individuals_affected.is_some()).count();
    assert!(with_harm > 1000, "{with_harm}");
    for i in &got.incidents {
        if i.draft.sources.is_empty() {
            assert!(i.draft.harm.individuals_affected.is_none() && i.draft.harm.data_varieties.is_none());
        }
        assert_eq!(i.draft.tlp, ward_core::Tlp::Clear);
    }
}

#[test]
fn joined_zip_gives_the_same_healthcare_records() {
    let options = Options { naics_prefixes: vec!["62".to_owned()], ..Options::default() };
    let zip = read(Kind::Vcdb, &data("vcdb/vcdb_joined_2020-03-07.json.zip"), &options);
    assert_eq!(zip.summary.records_read, 8553);
    assert_eq!(zip.summary.filtered_out, 8553 - 2341);
    assert_eq!((zip.incidents.len(), zip.rejected.len()), (2341, 0));
    assert!(zip.incidents.iter().all(|i| i.origin.file.ends_with("vcdb_joined_2020-03-07.json.zip!vcdb.json")));

    let jsonl = cached(Kind::Vcdb, "vcdb/vcdb_healthcare.jsonl");
    let ids = |r: &super::Read| -> BTreeSet<String> { r.incidents.iter().map(|i| i.external_id.value.as_str().to_owned()).collect() };
    // 2,341 records, 2,340 distinct ids: VCDB holds one incident twice, identically.
    assert_eq!(ids(&zip).len(), 2340);
    assert_eq!(ids(&zip), ids(jsonl));
    // The same record maps to the same draft whichever file it came from.
    let by_id: HashMap<&str, &ward_core::IncidentDraft> = jsonl.incidents.iter().map(|i| (i.external_id.value.as_str(), &i.draft)).collect();
    for i in &zip.incidents {
        assert_eq!(Some(&&i.draft), by_id.get(i.external_id.value.as_str()), "{}", i.origin);
    }
    let ransomware = zip.incidents.iter().filter(|i| i.draft.attack_types.contains(&AttackType::Ransomware)).count();
    assert_eq!(ransomware, 95);
    let duplicate = zip.incidents.iter().filter(|i| i.notes.iter().any(|n| n.contains("also at record"))).count();
    assert_eq!(duplicate, 1);
}

#[test]
fn rereading_gives_identical_external_ids() {
    let path = data("vcdb/vcdb_healthcare.jsonl");
    let first: Vec<String> = cached(Kind::Vcdb, "vcdb/vcdb_healthcare.jsonl").incidents.iter().map(|i| i.external_id.value.to_string()).collect();
    let second: Vec<String> = read(Kind::Vcdb, &path, &Options::default()).incidents.iter().map(|i| i.external_id.value.to_string()).collect();
    assert_eq!(first, second);
}

#[test]
fn one_record_mapped_in_full() {
    // Corvallis Clinic, the first line: laptop stolen from an employee's car.
    let got = cached(Kind::Vcdb, "vcdb/vcdb_healthcare.jsonl");
    let i = &got.incidents[0];
    let d = &i.draft;
    assert_eq!(i.external_id.value.as_str(), "0008dadb-e83d-4278-a19a-cee01610cf43");
    assert_eq!(d.title.as_str(), "Lost or stolen device at Corvallis Clinic");
    assert_eq!(d.victim.country.as_str(), "US");
    assert_eq!(d.victim.org_type, ward_core::OrgType::from_naics(i.naics.as_deref().unwrap()));
    assert_eq!(d.attack_types, [AttackType::LostOrStolenDevice]);
    assert_eq!(d.sources.len(), 2);
    assert_eq!(d.sources[0].publisher.as_str(), "healthitsecurity.com");
    assert_eq!(d.sources[0].licence.as_ref().unwrap().as_str(), "CC BY-SA 4.0 (VCDB)");
    assert_eq!(d.timeline.disclosed_on, Some(jiff::civil::date(2014, 12, 11)));
    assert_eq!(d.discovery_method, Some(ward_core::incident::DiscoveryMethod::Internal));
    let varieties = d.harm.data_varieties.as_ref().unwrap();
    assert_eq!(varieties.value, [ward_core::harm::DataVariety::Personal]);
    assert_eq!(varieties.source, d.sources[0].url);
    assert!(d.harm.individuals_affected.is_none(), "no data_total in this record");
    assert_eq!(i.year, Some(2014));
}
