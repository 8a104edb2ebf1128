//! CIPHER patient harms, against `shared/data/README.md` §8.

use std::collections::BTreeMap;

use super::*;

const FILE: &str = "cipher/cipher_v1_patient_harms.csv";

fn counts<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    items.fold(BTreeMap::new(), |mut m, k| {
        *m.entry(k).or_default() += 1;
        m
    })
}

#[test]
fn every_row_becomes_a_sourced_harm_fact() {
    let got = cached(Kind::Cipher, FILE);
    assert_eq!(got.summary.records_read, 316);
    assert_eq!(got.harms.len(), 316, "{:#?}", got.rejected);
    assert!(got.incidents.is_empty() && got.rejected.is_empty());

    let scores: u32 = got.harms.iter().map(|h| u32::from(h.fact.value.impact_score)).sum();
    assert_eq!(format!("{:.2}", f64::from(scores) / 316.0), "5.96");
    let domains = counts(got.harms.iter().map(|h| h.fact.value.technical_domain.as_str()));
    for (domain, n) in [("ePrescribing", 93), ("Health Records", 60), ("Hospital Infrastructure", 39), ("Laboratory Systems", 33), ("Imaging", 26), ("Booking Systems", 17)] {
        assert_eq!(domains[domain], n, "{domain}");
    }
    // "Firsy Day" (one row) is read as First Day: 58 + 1.
    let time_points = counts(got.harms.iter().map(|h| h.fact.value.time_point.as_str()));
    assert_eq!(
        time_points,
        BTreeMap::from([("First Week", 148), ("First Day", 59), ("Week 2", 56), ("First Month", 41), ("First Hour", 12)])
    );
    assert_eq!(got.harms.iter().filter(|h| h.notes.iter().any(|n| n.contains("Firsy Day"))).count(), 1);

    for h in &got.harms {
        // The fact cites the first source; the CIPHER dataset is always among the sources.
        assert_eq!(h.fact.source, h.sources[0].url);
        assert_eq!(h.sources.last().unwrap().url.as_str(), ward_import::cipher::DATASET_URL);
        assert_eq!(h.fact.as_of, ward_import::cipher::CIPHER_AS_OF);
        assert!(h.fact.value.impact_score >= 1 && h.fact.value.impact_score <= 10);
    }
    // 184 social-media rows had their links removed by CIPHER: they cite the dataset itself.
    let cite_dataset = got.harms.iter().filter(|h| h.sources.len() == 1).count();
    assert_eq!(cite_dataset, 184);
}

#[test]
fn references_name_curated_incidents() {
    let got = cached(Kind::Cipher, FILE);
    let hints = counts(got.harms.iter().filter_map(|h| h.incident_hint.as_deref()));
    assert_eq!(
        hints,
        BTreeMap::from([
            ("change-healthcare-2024", 1),
            ("hse-ireland-2021", 39),
            ("nhls-south-africa-2024", 2),
            ("scripps-health-2021", 9),
            ("synnovis-london-2024", 2),
            ("wannacry-nhs-england-2017", 5),
        ])
    );
    let wannacry = got.harms.iter().find(|h| h.incident_hint.as_deref() == Some("wannacry-nhs-england-2017")).unwrap();
    assert_eq!(wannacry.sources[0].publisher.as_str(), "www.nature.com");
    assert!(wannacry.sources[0].title.as_ref().unwrap().as_str().contains("WannaCry"));
}

#[test]
fn a_harm_attaches_to_an_incident_that_lists_its_sources() {
    // What the store will do: add the sources, attach the fact, validate.
    let got = cached(Kind::Cipher, FILE);
    let harm = got.harms.iter().find(|h| h.incident_hint.as_deref() == Some("hse-ireland-2021")).unwrap();
    let curated = ward_core::curated::CuratedDataset::embedded().unwrap();
    let mut draft = curated
        .incidents
        .into_iter()
        .find(|i| i.external_ids.iter().any(|e| e.value.as_str() == "hse-ireland-2021"))
        .unwrap();
    for s in &harm.sources {
        if !draft.sources.iter().any(|x| x.url == s.url) {
            draft.sources.push(s.clone());
        }
    }
    draft.harm.clinical_harm_events.push(harm.fact.clone());
    draft.validate().unwrap();
}
