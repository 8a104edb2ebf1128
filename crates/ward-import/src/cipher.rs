//! CIPHER patient-harm rows → sourced clinical-harm facts.
//!
//! CIPHER (Cyberattack Impacts, Patient Harms & Emergency Response; Straw, Tully, Dameff, UC San
//! Diego) lists documented patient-level harms during hospital cyberattacks, one per row, each
//! with the reference it was drawn from. A row becomes a [`ClinicalHarmEvent`] fact citing that
//! reference (or, where CIPHER removed a social-media link, the dataset itself), plus the slug of
//! the curated incident the reference identifies, when it does.

use std::io::Read;

use jiff::civil::Date;
use ward_core::harm::{ClinicalHarmEvent, Fact};
use ward_core::text::HttpUrl;
use ward_core::Source;

use crate::input::{self, CsvItem};
use crate::text::{self, fixed_label};
use crate::{CipherHarm, Ctx, ImportError, Origin};

/// The dataset's DOI, cited by facts whose own reference was removed.
pub const DATASET_URL: &str = "https://doi.org/10.5281/zenodo.17344644";
pub const DATASET_TITLE: &str = "CIPHER Dataset v1: Patient Harms During Hospital Cyberattacks";
pub const DATASET_PUBLISHER: &str = "CIPHER, UC San Diego H3RP (Straw, Tully, Dameff)";
pub const LICENCE: &str = "CC BY 4.0 (CIPHER dataset v1)";
/// How to credit the data wherever CIPHER-derived facts are shown (from `CITATION.cff`).
pub const CIPHER_CITATION: &str = "Straw I, Tully J, Dameff C. CIPHER Dataset v1: Patient Harms During Hospital Cyberattacks (version 1.0.0), 2025. UC San Diego H3RP. doi:10.5281/zenodo.17344644. Licensed under CC BY 4.0.";
/// Release date of CIPHER v1.0.1 (`CITATION.cff` `date-released`): the as-of date of every
/// CIPHER fact, since rows carry no date of their own.
pub const CIPHER_AS_OF: Date = jiff::civil::date(2025, 10, 13);

pub const COLUMNS: [&str; 9] = [
    "Reference Title",
    "Reference Link",
    "Short Title",
    "Description of Patient Harm",
    "Direct Quote",
    "Time Point",
    "Speciality",
    "Technical Domain",
    "Clinical Impact Score",
];

/// The time points CIPHER uses, and known misspellings of them in v1.
const TIME_POINTS: &[&str] = &["First Hour", "First Day", "First Week", "Week 2", "First Month"];
const TIME_POINT_FIXES: &[(&str, &str)] = &[("Firsy Day", "First Day")];

/// Text in a reference's title or link (lower-case) → the curated incident it is about
/// (`data/curated/incidents.yaml`, external id scheme `curated`). Title words are preferred;
/// link entries are for papers whose text, not title, names the attack (see the comment).
pub const INCIDENT_HINTS: &[(&str, &str)] = &[
    ("wannacry", "wannacry-nhs-england-2017"),
    ("hse cyberattack", "hse-ireland-2021"),
    ("2021 irish cyber-attack", "hse-ireland-2021"),
    ("national health service in ireland", "hse-ireland-2021"),
    ("irish tertiary hospital", "hse-ireland-2021"),
    ("cancer trials ireland", "hse-ireland-2021"),
    // "Learnings from a national cyberattack digital disaster…": an Irish paediatric ED in 2021.
    ("national cyberattack digital disaster", "hse-ireland-2021"),
    // "Dealing with digital paralysis: surviving a cyberattack in a National Cancer center": its
    // quotes name the HSE attack.
    ("sciencedirect.com/science/article/pii/s2213538323000838", "hse-ireland-2021"),
    ("change healthcare", "change-healthcare-2024"),
    ("national health laboratory service of south africa", "nhls-south-africa-2024"),
    ("cyberattack on london hospitals", "synnovis-london-2024"),
    // UC San Diego studies of hospitals next to the month-long May 2021 ransomware attack on a
    // San Diego health system (Scripps Health).
    ("adjacent emergency departments in the us", "scripps-health-2021"),
    ("untargeted, adjacent hospitals", "scripps-health-2021"),
];

/// The curated incident a reference identifies.
pub fn incident_hint(reference_title: &str, reference_link: &str) -> Option<&'static str> {
    let title = reference_title.to_lowercase();
    let link = reference_link.to_lowercase();
    INCIDENT_HINTS
        .iter()
        .find(|(needle, _)| title.contains(needle) || link.contains(needle))
        .map(|(_, slug)| *slug)
}

pub(crate) fn read_csv(reader: &mut dyn Read, ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let file = ctx.file.clone();
    input::for_each_csv_row(
        reader,
        &file,
        &mut |header| check_header(header).map_err(|reason| ImportError::Header { path: file.clone(), reason }),
        &mut |item: CsvItem| {
            let origin = ctx.origin(item.line, item.index);
            let fields = match item.fields {
                Ok(f) => f,
                Err(reason) => return ctx.reject(origin, None, reason),
            };
            match map_row(&fields, &item.windows_1252, origin.clone()) {
                Ok(harm) => ctx.harm(harm),
                Err(reason) => ctx.reject(origin, None, reason),
            }
        },
    )
}

fn key(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_header(header: &[String]) -> Result<(), String> {
    if header.len() != COLUMNS.len() {
        return Err(format!("{} columns; the CIPHER file has {} ({})", header.len(), COLUMNS.len(), COLUMNS.join(", ")));
    }
    for (i, (got, want)) in header.iter().zip(COLUMNS).enumerate() {
        if key(got) != key(want) {
            return Err(format!("column {} is {got:?}; expected {want:?}", i + 1));
        }
    }
    Ok(())
}

fn dataset_source() -> Option<Source> {
    Some(Source {
        url: DATASET_URL.parse().ok()?,
        publisher: fixed_label(DATASET_PUBLISHER)?,
        title: fixed_label(DATASET_TITLE),
        published_on: Some(CIPHER_AS_OF),
        retrieved_on: None,
        licence: fixed_label(LICENCE),
    })
}

fn map_row(f: &[String], windows_1252: &[usize], origin: Origin) -> Result<CipherHarm, String> {
    if f.len() != COLUMNS.len() {
        return Err(format!("row has {} fields; the header has {}", f.len(), COLUMNS.len()));
    }
    let mut notes = Vec::new();
    for i in windows_1252 {
        if let Some(column) = COLUMNS.get(*i) {
            notes.push(format!("{column} is not UTF-8; read as Windows-1252"));
        }
    }
    let [ref_title, ref_link, short, description, quote, time_point, speciality, domain, score] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(|i| f[i].trim());

    let impact_score = score
        .parse::<u8>()
        .ok()
        .filter(|s| *s <= 10)
        .ok_or_else(|| format!("Clinical Impact Score {score:?} is not a whole number from 0 to 10"))?;
    if description.is_empty() {
        return Err("Description of Patient Harm is empty".to_owned());
    }
    let mut full_description = description.to_owned();
    if !quote.is_empty() {
        full_description.push_str("\n\nDirect quote from the source: ");
        full_description.push_str(quote);
    }
    let time_point = match TIME_POINT_FIXES.iter().find(|(wrong, _)| wrong.eq_ignore_ascii_case(time_point)) {
        Some((wrong, right)) => {
            notes.push(format!("Time Point {wrong:?} read as {right:?}"));
            *right
        }
        None => {
            if !time_point.is_empty() && !TIME_POINTS.iter().any(|t| t.eq_ignore_ascii_case(time_point)) {
                notes.push(format!("Time Point {time_point:?} is not one of CIPHER's ({})", TIME_POINTS.join(", ")));
            }
            time_point
        }
    };
    // One separator for the several specialties a row may list ("A;B", "A, B" → "A; B").
    let speciality = speciality.split([';', ',']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");

    let required = |value: &str, column: &str, notes: &mut Vec<String>| {
        text::label(value, column, notes).ok_or_else(|| format!("{column} is empty"))
    };
    let event = ClinicalHarmEvent {
        time_point: required(time_point, "Time Point", &mut notes)?,
        specialty: required(&speciality, "Speciality", &mut notes)?,
        technical_domain: required(domain, "Technical Domain", &mut notes)?,
        impact_score,
        description: text::long_text(&full_description, "Description of Patient Harm", &mut notes)
            .ok_or("Description of Patient Harm is empty")?,
    };

    let dataset = dataset_source().ok_or("CIPHER dataset source")?;
    let mut sources = Vec::new();
    match text::http_url(ref_link) {
        Some(url) => sources.push(reference_source(url, ref_title, &mut notes).ok_or("Reference Link has no host")?),
        None => notes.push(format!(
            "Reference Link {ref_link:?} is not a URL (CIPHER removes social-media links); the fact cites the CIPHER dataset"
        )),
    }
    if !sources.iter().any(|s| s.url == dataset.url) {
        sources.push(dataset);
    }
    let fact = Fact {
        value: event,
        source: sources[0].url.clone(),
        as_of: CIPHER_AS_OF,
        estimate: false,
        at_least: false,
        note: text::label(&format!("CIPHER: {short}"), "Short Title", &mut notes).filter(|_| !short.is_empty()),
    };
    Ok(CipherHarm {
        incident_hint: incident_hint(ref_title, ref_link).map(str::to_owned),
        fact,
        sources,
        origin,
        notes,
    })
}

fn reference_source(url: HttpUrl, title: &str, notes: &mut Vec<String>) -> Option<Source> {
    Some(Source {
        publisher: fixed_label(url.host())?,
        title: text::label(title, "Reference Title", notes),
        url,
        published_on: None,
        retrieved_on: None,
        licence: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_curated_incidents() {
        let curated = ward_core::curated::CuratedDataset::embedded().unwrap();
        let slugs: Vec<String> = curated
            .incidents
            .iter()
            .flat_map(|i| i.external_ids.iter())
            .filter(|e| e.scheme.as_str() == "curated")
            .map(|e| e.value.as_str().to_owned())
            .collect();
        for (needle, slug) in INCIDENT_HINTS {
            assert!(slugs.iter().any(|s| s == slug), "{needle:?} → {slug:?} is not a curated incident");
            assert_eq!(needle.to_lowercase(), *needle, "needles are lower-case");
        }
        assert_eq!(incident_hint("A retrospective impact analysis of the WannaCry cyberattack on the NHS", "https://www.nature.com/x"), Some("wannacry-nhs-england-2017"));
        assert_eq!(incident_hint("Anatomy of a Cyberattack", "https://academic.oup.com/ajcp/article/157/6/814/6533555"), None);
        assert_eq!(incident_hint("Social Media", "Removed"), None);
    }
}
