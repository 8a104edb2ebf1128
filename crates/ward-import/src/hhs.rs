//! HHS OCR breach portal exports → ward drafts.
//!
//! The portal ("Breaches affecting 500 or more individuals") exports nine columns: Name of
//! Covered Entity, State, Covered Entity Type, Individuals Affected, Breach Submission Date,
//! Type of Breach, Location of Breached Information, Business Associate Present, Web
//! Description. Real exports have JSF component ids instead of some header names (columns are
//! therefore mapped by position once the header is recognised), comma-separated lists in the
//! type and location columns, newlines inside the description, with or without a byte-order
//! mark, and occasionally Windows-1252 text. A derived export may put a `source_list` column
//! first. The mapping rules are listed in the crate README.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;

use jiff::civil::Date;
use ward_core::harm::{Fact, Harm};
use ward_core::incident::{ActionCategory, ActionEntry, AttackType, ExternalId, Timeline, Victim};
use ward_core::org::HhsEntityType;
use ward_core::text::Label;
use ward_core::{IncidentDraft, OrgType, Source, Tlp};

use crate::input::{self, CsvItem};
use crate::text::{self, fixed_label};
use crate::{geo, normalise_org_name, Ctx, ImportError, ImportedIncident, Options, Origin};

/// The portal page every HHS fact cites (the portal has no per-breach URL).
pub const PORTAL_URL: &str = "https://ocrportal.hhs.gov/ocr/breach/breach_report.jsf";
pub const PUBLISHER: &str = "U.S. Department of Health and Human Services, Office for Civil Rights";
pub const PORTAL_TITLE: &str = "Breach Portal: Breaches Affecting 500 or More Individuals";
pub const LICENCE: &str = "US public domain";
/// External-id scheme; the value is `<normalised name>|<state>|<YYYY-MM-DD submission date>`.
pub const SCHEME: &str = "hhs";

/// The nine export columns, in order, as the portal names them.
pub const COLUMNS: [&str; 9] = [
    "Name of Covered Entity",
    "State",
    "Covered Entity Type",
    "Individuals Affected",
    "Breach Submission Date",
    "Type of Breach",
    "Location of Breached Information",
    "Business Associate Present",
    "Web Description",
];
/// Optional first column of a derived export saying which portal list a row came from.
const SOURCE_LIST_COLUMN: &str = "source_list";

/// Where the nine columns start.
#[derive(Debug, Clone, Copy)]
struct Layout {
    offset: usize,
}

pub(crate) fn read_csv(reader: &mut dyn Read, ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let file = ctx.file.clone();
    let layout = std::cell::Cell::new(None);
    let mut issued: HashSet<String> = HashSet::new();
    input::for_each_csv_row(
        reader,
        &file,
        &mut |header| {
            layout.set(Some(header_layout(header).map_err(|reason| ImportError::Header { path: file.clone(), reason })?));
            Ok(())
        },
        &mut |item: CsvItem| {
            let origin = ctx.origin(item.line, item.index);
            let fields = match item.fields {
                Ok(f) => f,
                Err(reason) => return ctx.reject(origin, None, reason),
            };
            let Some(layout) = layout.get() else { return ctx.reject(origin, None, "row before the header") };
            match map_row(&fields, layout, &item.windows_1252, origin.clone(), ctx.options) {
                Ok(mut incident) => {
                    disambiguate(&mut incident, &mut issued);
                    ctx.incident(incident)
                }
                Err((id, reason)) => ctx.reject(origin, id, reason),
            }
        },
    )
}

fn header_key(cell: &str) -> String {
    let t = cell.trim().trim_start_matches('\u{feff}').to_lowercase().replace('_', " ");
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn header_layout(header: &[String]) -> Result<Layout, String> {
    let offset = usize::from(header.first().is_some_and(|h| header_key(h) == header_key(SOURCE_LIST_COLUMN)));
    if header.len() != offset + COLUMNS.len() {
        return Err(format!(
            "{} columns; an HHS breach export has {} ({})",
            header.len(),
            offset + COLUMNS.len(),
            COLUMNS.join(", ")
        ));
    }
    for (i, want) in COLUMNS.iter().enumerate() {
        let got = &header[offset + i];
        let key = header_key(got);
        // The portal writes JSF component ids (javax.faces.component.UIPanel@…) for some headers.
        if key != header_key(want) && !key.starts_with("javax.faces.component") {
            return Err(format!("column {} is {got:?}; expected {want:?}", offset + i + 1));
        }
    }
    Ok(Layout { offset })
}

/// HHS has no public id, and one business associate may file many same-day rows under its
/// own name (Alvaria, 13 rows on 2023-05-26). The first row with a key in a file keeps it; a
/// later row with the same key gets its individuals-affected count appended (`…|1389`), which
/// tells such rows apart without depending on their order, and a running number only if that
/// is taken too. Such keys are the one place ids can differ between exports (see the README).
fn disambiguate(incident: &mut ImportedIncident, issued: &mut HashSet<String>) {
    let base = incident.external_id.value.as_str().to_owned();
    if issued.insert(base.clone()) {
        return;
    }
    let count = incident.draft.harm.individuals_affected.as_ref().map_or_else(|| "blank".to_owned(), |f| f.value.to_string());
    let mut candidate = format!("{base}|{count}");
    let mut n = 2;
    while issued.contains(&candidate) {
        candidate = format!("{base}|{count}|{n}");
        n += 1;
    }
    if let Some(value) = fixed_label(&candidate) {
        incident.notes.push(format!("an earlier row has the same name, state and date; external id {candidate}"));
        issued.insert(candidate);
        incident.external_id.value = value;
        incident.draft.external_ids = vec![incident.external_id.clone()];
    }
}

/// `MM/DD/YYYY` (one-digit month and day too), or an ISO `YYYY-MM-DD` from re-saved exports.
fn parse_date(s: &str) -> Option<Date> {
    let t = s.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some(d);
    }
    let mut parts = t.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

fn parse_count(s: &str) -> Result<Option<u64>, String> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u64>().map(Some).map_err(|_| format!("Individuals Affected {s:?} is not a whole number"))
}

/// Covered Entity Type → (portal type, organisation type, whether the type was read from the name).
fn entity_type(raw: &str, normalised_name: &str) -> (Option<HhsEntityType>, OrgType, Option<&'static str>) {
    match header_key(raw).as_str() {
        "healthcare provider" => {
            let (org, why) = provider_type_from_name(normalised_name).map_or((OrgType::Other, None), |(o, k)| (o, Some(k)));
            (Some(HhsEntityType::HealthcareProvider), org, why)
        }
        "health plan" => (Some(HhsEntityType::HealthPlan), OrgType::HealthPlan, None),
        "business associate" => (Some(HhsEntityType::BusinessAssociate), OrgType::BusinessAssociate, None),
        "healthcare clearing house" | "health care clearing house" | "healthcare clearinghouse" => {
            (Some(HhsEntityType::HealthcareClearingHouse), OrgType::Clearinghouse, None)
        }
        _ => (None, OrgType::Other, None),
    }
}

/// Words in a provider's (normalised) name that say what kind of provider it is, most specific
/// first. A name matching none stays `other`: "Healthcare Provider" alone does not say.
const PROVIDER_NAME_RULES: &[(OrgType, &[&str])] = &[
    (OrgType::PsychiatricHospital, &["psychiatric hospital", "behavioral hospital"]),
    (OrgType::HealthSystem, &["health system", "healthcare system", "health care system", "hospitals", "health network"]),
    (OrgType::Hospital, &["hospital", "medical center"]),
    (OrgType::DentalPractice, &["dental", "dentistry", "dds", "dmd", "orthodontics", "orthodontic", "oral surgery", "endodontics", "periodontics"]),
    (OrgType::Pharmacy, &["pharmacy", "pharmacies", "drug store", "drugstore"]),
    (OrgType::Laboratory, &["laboratory", "laboratories", "labs", "lab", "pathology"]),
    (OrgType::DiagnosticImaging, &["imaging", "radiology"]),
    (OrgType::HomeHealth, &["home health", "home care", "homecare", "hospice"]),
    (OrgType::NursingCare, &["nursing", "assisted living", "senior living", "retirement community"]),
    (OrgType::AmbulanceService, &["ambulance", "ems", "fire department", "fire district", "fire rescue"]),
    (OrgType::MentalHealthClinic, &["behavioral health", "mental health", "counseling", "psychiatry", "psychology", "psychological"]),
    (
        OrgType::PhysicianPractice,
        &[
            "physicians", "physician", "family practice", "family medicine", "medical group", "medical associates", "md",
            "pediatrics", "dermatology", "cardiology", "orthopedics", "orthopaedics", "urology", "gastroenterology",
            "ophthalmology", "obgyn", "internal medicine",
        ],
    ),
];

/// The provider type a normalised name states, with the words that said so.
pub(crate) fn provider_type_from_name(normalised: &str) -> Option<(OrgType, &'static str)> {
    let padded = format!(" {normalised} ");
    PROVIDER_NAME_RULES.iter().find_map(|(org, words)| words.iter().find(|w| has_phrase(&padded, w)).map(|w| (*org, *w)))
}

/// Does `phrase` occur in `padded` (which starts and ends with a space) as whole words?
fn has_phrase(padded: &str, phrase: &str) -> bool {
    let bytes = padded.as_bytes();
    padded.match_indices(phrase).any(|(i, m)| i > 0 && bytes[i - 1] == b' ' && bytes.get(i + m.len()) == Some(&b' '))
}

/// A VERIS action category and, when known, its variety.
type ActionOf = (ActionCategory, Option<&'static str>);

/// Type of Breach value → (attack type, VERIS action category and variety it certainly is).
fn breach_type(value: &str) -> Option<(AttackType, Option<ActionOf>)> {
    Some(match header_key(value).as_str() {
        "hacking/it incident" => (AttackType::UnauthorizedAccess, Some((ActionCategory::Hacking, None))),
        // Snooping staff, misdirected mail and records shown to the wrong person: mostly
        // insiders, so insider misuse; errors among them are not told apart by the portal.
        "unauthorized access/disclosure" => (AttackType::InsiderMisuse, None),
        "theft" => (AttackType::LostOrStolenDevice, Some((ActionCategory::Physical, Some("Theft")))),
        "loss" => (AttackType::LostOrStolenDevice, Some((ActionCategory::Error, Some("Loss")))),
        "improper disposal" => (AttackType::Error, Some((ActionCategory::Error, Some("Disposal error")))),
        "other" => (AttackType::Other, None),
        "unknown" => (AttackType::Unknown, Some((ActionCategory::Unknown, None))),
        _ => return None,
    })
}

/// Does the (lower-cased) description say this happened (not just name it among examples, as in "attacks
/// such as ransomware")?
fn mentions(lower: &str, word: &str) -> bool {
    let hits = lower.matches(word).count();
    let generic = lower.matches(&format!("such as {word}")).count() + lower.matches(&format!("including {word}")).count();
    hits > generic
}

fn list(field: &str) -> Vec<&str> {
    field.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
}

type RowError = (Option<String>, String);

fn map_row(fields: &[String], layout: Layout, windows_1252: &[usize], origin: Origin, options: &Options) -> Result<ImportedIncident, RowError> {
    let want = layout.offset + COLUMNS.len();
    if fields.len() != want {
        return Err((None, format!("row has {} fields; the header has {want}", fields.len())));
    }
    let sub_source = if layout.offset == 1 { Some(fields[0].trim().to_owned()).filter(|s| !s.is_empty()) } else { None };
    let f = &fields[layout.offset..];
    let mut notes = Vec::new();
    for i in windows_1252 {
        if let Some(column) = i.checked_sub(layout.offset).and_then(|c| COLUMNS.get(c)) {
            notes.push(format!("{column} is not UTF-8; read as Windows-1252"));
        }
    }

    let raw_name = f[0].trim();
    if raw_name.is_empty() {
        return Err((None, "Name of Covered Entity is empty".to_owned()));
    }
    let normalised = normalise_org_name(raw_name);
    let state = f[1].trim();
    let submitted = parse_date(&f[4]).ok_or_else(|| {
        (None, format!("Breach Submission Date {:?} is not a date (MM/DD/YYYY)", f[4].trim()))
    })?;
    let key = format!("{normalised}|{}|{submitted}", state.to_ascii_uppercase());
    let fail = |reason: String| (Some(key.clone()), reason);
    let name = text::label(raw_name, "Name of Covered Entity", &mut notes);
    let region = if state.is_empty() {
        None
    } else {
        let r = geo::us_region(state);
        if r.is_none() {
            notes.push(format!("State {state:?} is not a US state or territory code; left out"));
        }
        r
    };
    let (hhs_entity_type, org_type, inferred_by) = entity_type(&f[2], &normalised);
    match (hhs_entity_type, inferred_by) {
        (None, _) if f[2].trim().is_empty() => notes.push("Covered Entity Type is blank; organisation type set to other".to_owned()),
        (None, _) => notes.push(format!("Covered Entity Type {:?} is not a portal type; organisation type set to other", f[2].trim())),
        (Some(_), Some(word)) => notes.push(format!("organisation type {} inferred from the word {word:?} in the name", org_type.as_str())),
        _ => {}
    }
    let individuals = parse_count(&f[3]).map_err(fail)?;
    if individuals.is_none() {
        notes.push("Individuals Affected is blank".to_owned());
    }

    let description = f[8].trim();
    let mut attack_types = BTreeSet::new();
    let mut actions: BTreeMap<ActionCategory, Vec<Label>> = BTreeMap::new();
    let breach_types = list(&f[5]);
    for t in &breach_types {
        match breach_type(t) {
            Some((attack, action)) => {
                attack_types.insert(attack);
                if let Some((category, variety)) = action {
                    let varieties = actions.entry(category).or_default();
                    if let Some(v) = variety.and_then(fixed_label) {
                        if !varieties.contains(&v) {
                            varieties.push(v);
                        }
                    }
                }
            }
            None => {
                attack_types.insert(AttackType::Other);
                notes.push(format!("Type of Breach {t:?} is not a portal value; attack type other"));
            }
        }
    }
    if breach_types.is_empty() {
        notes.push("Type of Breach is blank".to_owned());
    }
    let lower = description.to_lowercase();
    for (word, attack) in [("ransomware", AttackType::Ransomware), ("phishing", AttackType::Phishing)] {
        if mentions(&lower, word) {
            attack_types.insert(attack);
            notes.push(format!("attack type {} read from the Web Description", attack.as_str()));
        }
    }
    let attack_types: Vec<AttackType> = attack_types.into_iter().collect();
    let actions = actions.into_iter().map(|(category, varieties)| ActionEntry { category, varieties, vectors: Vec::new() }).collect();
    let assets: Vec<Label> = list(&f[6]).into_iter().filter_map(fixed_label).collect();
    let via_third_party = match header_key(&f[7]).as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        other => {
            notes.push(format!("Business Associate Present {other:?} is neither Yes nor No; left out"));
            None
        }
    };

    let url = PORTAL_URL.parse().map_err(|e: String| fail(e))?;
    let source = Source {
        url,
        publisher: fixed_label(PUBLISHER).ok_or_else(|| fail("publisher".to_owned()))?,
        title: fixed_label(PORTAL_TITLE),
        published_on: None,
        retrieved_on: options.retrieved_on,
        licence: fixed_label(LICENCE),
    };
    let harm = Harm {
        individuals_affected: individuals.map(|n| Fact {
            value: n,
            source: source.url.clone(),
            as_of: options.retrieved_on.unwrap_or(submitted),
            estimate: false,
            at_least: false,
            note: fixed_label("HHS OCR breach portal, Individuals Affected"),
        }),
        ..Harm::default()
    };
    let what = if breach_types.is_empty() { "Breach".to_owned() } else { breach_types.join(", ") };
    let title = text::title(&format!("{what} at {raw_name}"), "title", &mut notes).ok_or_else(|| fail("cannot build a title".to_owned()))?;
    let external_id = ExternalId {
        scheme: fixed_label(SCHEME).ok_or_else(|| fail("scheme".to_owned()))?,
        value: text::label(&key, "external id", &mut notes).ok_or_else(|| fail("empty external id".to_owned()))?,
    };
    let country = "US".parse().map_err(|e: String| fail(e))?;
    let draft = IncidentDraft {
        title,
        summary: text::long_text(description, "Web Description", &mut notes),
        tlp: Tlp::Clear,
        victim: Victim { name, org_type, country, region, facilities_affected: None, via_third_party, third_party_name: None },
        timeline: Timeline { disclosed_on: Some(submitted), ..Timeline::default() },
        attack_types,
        actors: Vec::new(),
        actions,
        assets,
        attributes: Vec::new(),
        discovery_method: None,
        confidence: None,
        sources: vec![source],
        harm,
        external_ids: vec![external_id.clone()],
    };
    draft.validate().map_err(|e| fail(format!("does not validate after mapping: {e}")))?;
    Ok(ImportedIncident {
        draft,
        external_id,
        year: Some(i32::from(submitted.year())),
        sub_source,
        naics: None,
        hhs_entity_type,
        origin,
        notes,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_counts() {
        assert_eq!(parse_date("04/26/2024"), Some(jiff::civil::date(2024, 4, 26)));
        assert_eq!(parse_date("4/6/2024"), Some(jiff::civil::date(2024, 4, 6)));
        assert_eq!(parse_date("2024-04-26"), Some(jiff::civil::date(2024, 4, 26)));
        for bad in ["13/01/2024", "02/30/2024", "2024/04/26", "04/26/24", "", "yesterday"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_count(" 13,055 "), Ok(Some(13055)));
        assert_eq!(parse_count(""), Ok(None));
        assert!(parse_count("about 500").is_err());
    }

    #[test]
    fn header_recognition() {
        let h = |cells: &[&str]| header_layout(&cells.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(h(&COLUMNS).map(|l| l.offset), Ok(0));
        let mut jsf = COLUMNS.to_vec();
        jsf[0] = "javax.faces.component.UIPanel@495f2e1e";
        jsf[7] = "javax.faces.component.UIPanel@3408c427";
        assert_eq!(h(&jsf).map(|l| l.offset), Ok(0));
        let mut combined = vec!["source_list"];
        combined.extend(COLUMNS);
        assert_eq!(h(&combined).map(|l| l.offset), Ok(1));
        let snake: Vec<String> = COLUMNS.iter().map(|c| c.to_lowercase().replace(' ', "_")).collect();
        assert!(header_layout(&snake).is_ok());
        let mut wrong = COLUMNS.to_vec();
        wrong[3] = "Records";
        assert!(h(&wrong).unwrap_err().contains("column 4"));
        assert!(h(&COLUMNS[..8]).unwrap_err().contains("8 columns"));
    }

    #[test]
    fn provider_types_from_names() {
        let check = |name: &str| provider_type_from_name(&normalise_org_name(name)).map(|(o, _)| o);
        assert_eq!(check("Massachusetts General Hospital"), Some(OrgType::Hospital));
        assert_eq!(check("Jackson Health System"), Some(OrgType::HealthSystem));
        assert_eq!(check("Ronald E. Rosenbaum DMD, PA"), Some(OrgType::DentalPractice));
        assert_eq!(check("L. Douglas Carlson, M.D."), Some(OrgType::PhysicianPractice));
        assert_eq!(check("Alive Hospice"), Some(OrgType::HomeHealth));
        assert_eq!(check("Bay Oral Surgery & Implant Center"), Some(OrgType::DentalPractice));
        assert_eq!(check("Codman Square Health Center"), None);
        assert_eq!(check("Hospitality Partners"), None);
    }

    #[test]
    fn description_mentions() {
        assert!(mentions("the ce reported a ransomware attack.", "ransomware"));
        assert!(!mentions("staff were trained on attacks such as ransomware.", "ransomware"));
        assert!(mentions("ransomware encrypted servers; training covered threats such as ransomware.", "ransomware"));
        assert!(!mentions("", "phishing"));
    }
}
