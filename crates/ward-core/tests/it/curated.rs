//! The curated starter dataset (`data/curated/incidents.yaml`): it validates, every record is
//! public and sourced, and a few facts are checked against the research it was compiled from
//! (`notable-incidents.md`).

use std::collections::{BTreeSet, HashSet};

use ward_core::curated::CuratedDataset;
use ward_core::harm::{ClinicalDomain, DataVariety};
use ward_core::incident::IncidentDraft;
use ward_core::Tlp;

/// The incidents the dataset must always carry, by their `curated` slug.
const REQUIRED_SLUGS: &[&str] = &[
    "wannacry-nhs-england-2017",
    "singhealth-2018",
    "dusseldorf-university-hospital-2020",
    "universal-health-services-2020",
    "hse-ireland-2021",
    "scripps-health-2021",
    "ccss-costa-rica-2022",
    "aiims-delhi-2022",
    "chsf-corbeil-essonnes-2022",
    "medibank-2022",
    "commonspirit-health-2022",
    "hospital-clinic-barcelona-2023",
    "change-healthcare-2024",
    "ascension-2024",
    "synnovis-london-2024",
];

fn dataset() -> CuratedDataset {
    match CuratedDataset::embedded() {
        Ok(ds) => ds,
        Err(e) => panic!("data/curated/incidents.yaml does not validate:\n{}", e.to_string().replace("; ", "\n")),
    }
}

fn slug(inc: &IncidentDraft) -> Option<&str> {
    inc.external_ids.iter().find(|x| x.scheme.as_str() == "curated").map(|x| x.value.as_str())
}

fn incident<'a>(ds: &'a CuratedDataset, wanted: &str) -> &'a IncidentDraft {
    ds.incidents
        .iter()
        .find(|i| slug(i) == Some(wanted))
        .unwrap_or_else(|| panic!("no incident with curated slug {wanted}"))
}

/// Continent of every country the dataset uses (extend when a new country is added).
fn continent(country: &str) -> Option<&'static str> {
    Some(match country {
        "US" | "CA" | "MX" | "CR" => "North America",
        "BR" | "CO" | "AR" | "CL" | "PE" => "South America",
        "GB" | "IE" | "DE" | "FR" | "ES" | "IT" | "FI" | "CZ" | "RO" | "NL" | "BE" | "PL" => "Europe",
        "SG" | "IN" | "JP" | "PH" | "ID" | "MY" | "TH" | "KR" => "Asia",
        "AU" | "NZ" => "Oceania",
        "ZA" | "KE" | "NG" | "EG" => "Africa",
        _ => return None,
    })
}

#[test]
fn dataset_validates_and_has_at_least_25_incidents() {
    let ds = dataset();
    assert_eq!(ds.dataset.as_str(), "ward curated starter dataset");
    assert!(ds.incidents.len() >= 25, "only {} incidents", ds.incidents.len());
}

#[test]
fn every_incident_is_public_sourced_dated_and_slugged() {
    let ds = dataset();
    for (i, inc) in ds.incidents.iter().enumerate() {
        let name = format!("incidents[{i}] ({})", inc.title);
        assert_eq!(inc.tlp, Tlp::Clear, "{name} is not TLP:CLEAR");
        assert!(!inc.sources.is_empty(), "{name} has no source");
        assert!(slug(inc).is_some(), "{name} has no `curated` external id");
        assert!(inc.summary.is_some(), "{name} has no summary");
        assert!(inc.reference_date().is_some(), "{name} has no sourced date at all");
        for actor in &inc.actors {
            if actor.name.is_some() {
                assert!(actor.attribution.is_some(), "{name}: actor {:?} is named without attribution wording", actor.name);
            }
        }
    }
}

#[test]
fn slugs_are_unique_and_well_formed() {
    let ds = dataset();
    let mut seen = HashSet::new();
    for inc in &ds.incidents {
        let s = slug(inc).unwrap_or_default();
        assert!(
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "slug {s:?} is not lower-case ASCII with hyphens"
        );
        assert!(s.len() > 5 && s[s.len() - 5..].starts_with('-'), "slug {s:?} does not end in -YYYY");
        assert!(seen.insert(s.to_owned()), "slug {s} is used twice");
    }
}

#[test]
fn countries_span_at_least_four_continents() {
    let ds = dataset();
    let mut continents = BTreeSet::new();
    for inc in &ds.incidents {
        let cc = inc.victim.country.as_str();
        let c = continent(cc).unwrap_or_else(|| panic!("add {cc} to the continent table"));
        continents.insert(c);
    }
    assert!(continents.len() >= 4, "only {continents:?}");
}

#[test]
fn the_named_incidents_are_present() {
    let ds = dataset();
    let slugs: HashSet<&str> = ds.incidents.iter().filter_map(slug).collect();
    let missing: Vec<_> = REQUIRED_SLUGS.iter().filter(|s| !slugs.contains(**s)).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
}

#[test]
fn every_source_url_is_http_or_https() {
    let ds = dataset();
    for inc in &ds.incidents {
        for s in &inc.sources {
            let url = s.url.as_str();
            assert!(url.starts_with("https://") || url.starts_with("http://"), "{url}");
        }
    }
}

#[test]
fn spot_facts_match_the_research() {
    let ds = dataset();

    // HSE: phishing email opened 18 March 2021, Conti detonated 14 May 2021; no ransom paid.
    let hse = incident(&ds, "hse-ireland-2021");
    assert_eq!(hse.victim.country.as_str(), "IE");
    assert_eq!(hse.timeline.incident_on.map(|d| d.to_string()).as_deref(), Some("2021-03-18"));
    assert_eq!(hse.timeline.discovered_on.map(|d| d.to_string()).as_deref(), Some("2021-05-14"));
    assert_eq!(hse.harm.ransom.as_ref().and_then(|r| r.value.paid), Some(false));

    // WannaCry: 12 May 2017; five A&E departments diverted ambulances; at least 139 urgent
    // cancer referrals cancelled.
    let wc = incident(&ds, "wannacry-nhs-england-2017");
    assert_eq!(wc.timeline.incident_on.map(|d| d.to_string()).as_deref(), Some("2017-05-12"));
    let div = wc.harm.ambulance_diversion.as_ref().expect("WannaCry ambulance diversion");
    assert!(div.value.diverted);
    assert_eq!(div.value.emergency_departments, Some(5));
    let refs = wc.harm.urgent_referrals_cancelled.as_ref().expect("WannaCry cancer referrals");
    assert_eq!((refs.value, refs.at_least), (139, true));

    // SingHealth: 1.5 million patients; disclosed 20 July 2018.
    let sh = incident(&ds, "singhealth-2018");
    assert_eq!(sh.harm.individuals_affected.as_ref().map(|f| f.value), Some(1_500_000));
    assert_eq!(sh.timeline.disclosed_on.map(|d| d.to_string()).as_deref(), Some("2018-07-20"));

    // Change Healthcare: $22 million paid; 192.7 million people (UnitedHealth, 31 July 2025).
    let ch = incident(&ds, "change-healthcare-2024");
    let ransom = ch.harm.ransom.as_ref().expect("Change Healthcare ransom");
    assert_eq!((ransom.value.paid, ransom.value.paid_usd), (Some(true), Some(22_000_000)));
    let people = ch.harm.individuals_affected.as_ref().expect("Change Healthcare individuals");
    assert_eq!(people.value, 192_700_000);
    assert_eq!(people.as_of.to_string(), "2025-07-31");

    // Hospital Clínic: US$4.5 million demanded, not paid.
    let hc = incident(&ds, "hospital-clinic-barcelona-2023");
    let r = hc.harm.ransom.as_ref().expect("Clínic ransom");
    assert_eq!((r.value.demanded_usd, r.value.paid), (Some(4_500_000), Some(false)));

    // Medibank: about 9.7 million customers.
    let mb = incident(&ds, "medibank-2022");
    let n = mb.harm.individuals_affected.as_ref().expect("Medibank individuals");
    assert_eq!((n.value, n.estimate), (9_700_000, true));

    // Synnovis: 1,134 elective procedures postponed; laboratory disruption; a death linked by
    // the trust's patient safety investigation.
    let sy = incident(&ds, "synnovis-london-2024");
    assert_eq!(sy.harm.procedures_cancelled.as_ref().map(|f| f.value), Some(1_134));
    assert!(sy.harm.care_disruption.iter().any(|f| f.value.domain == ClinicalDomain::Laboratory));
    assert_eq!(sy.harm.deaths.as_ref().and_then(|d| d.value.alleged), Some(1));

    // Düsseldorf: one death alleged, none confirmed (prosecutors found no causal link).
    let du = incident(&ds, "dusseldorf-university-hospital-2020");
    let d = du.harm.deaths.as_ref().expect("Düsseldorf deaths");
    assert_eq!((d.value.alleged, d.value.confirmed), (Some(1), Some(0)));

    // Ascension: 5,599,699 people; payment data among the varieties.
    let asc = incident(&ds, "ascension-2024");
    assert_eq!(asc.harm.individuals_affected.as_ref().map(|f| f.value), Some(5_599_699));
    let varieties = &asc.harm.data_varieties.as_ref().expect("Ascension data varieties").value;
    assert!(varieties.contains(&DataVariety::Payment));
}
