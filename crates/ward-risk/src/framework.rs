//! Control frameworks and crosswalks as data: the file format, its validation, and the
//! [`Catalogue`] every other part of ward-risk works over. Files are parsed from text handed in
//! (embedded at build time, or read from a directory by the caller); nothing here touches disk.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/embedded_frameworks.rs"));

/// Largest framework or crosswalk file read.
pub const MAX_FRAMEWORK_FILE_BYTES: usize = 1024 * 1024;
/// Most requirements one framework may have.
pub const MAX_REQUIREMENTS: usize = 2_000;
/// Most mappings one crosswalk may have.
pub const MAX_MAPPINGS: usize = 10_000;

/// One problem in one framework or crosswalk file, with the field path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub file: String,
    pub path: String,
    pub reason: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}: {}: {}", self.file, self.path, self.reason)
        }
    }
}

/// Who stands behind a crosswalk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Published by the framework's own authority.
    Authoritative,
    /// ward's proposal: no authoritative mapping exists; needs expert review.
    WardProposal,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::Authoritative => "authoritative",
            Basis::WardProposal => "ward's proposal (no authoritative mapping exists)",
        }
    }
}

/// The NIST OLIR relationship of a source requirement's scope to a target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Equal,
    /// The source covers part of the target.
    Subset,
    /// The source covers all of the target and more.
    Superset,
    /// They overlap; each has parts the other lacks.
    Intersect,
}

impl Relationship {
    /// The same link read from the other end.
    pub fn reversed(self) -> Relationship {
        match self {
            Relationship::Subset => Relationship::Superset,
            Relationship::Superset => Relationship::Subset,
            other => other,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::Subset => "subset",
            Relationship::Superset => "superset",
            Relationship::Intersect => "intersect",
        }
    }
    /// Whether the source covers the whole of the target (so its result carries over as is).
    pub fn covers_target(self) -> bool {
        matches!(self, Relationship::Equal | Relationship::Superset)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub publisher: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub id: String,
    pub title: String,
}

/// One assessable requirement (a measure, goal or practice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub threats: Vec<String>,
    #[serde(default)]
    pub sizes: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Goes non-compliant while a known-exploited-vulnerability finding is open past its due date.
    #[serde(default)]
    pub known_exploited_vulnerabilities: bool,
}

/// A control framework, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub title: String,
    pub short_title: String,
    pub version: String,
    /// Publication date as precise as known: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub published: Option<String>,
    /// When the facts encoded were last checked against the source.
    pub retrieved: jiff::civil::Date,
    pub source: Source,
    pub licence: String,
    pub reuse_note: String,
    #[serde(default)]
    pub lead_in: Option<String>,
    #[serde(default)]
    pub tiers: Vec<String>,
    #[serde(default)]
    pub sizes: Vec<String>,
    #[serde(default)]
    pub threats: Vec<Threat>,
    #[serde(default)]
    pub threats_basis: Option<Basis>,
    pub requirements: Vec<Requirement>,
}

impl Framework {
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }
}

/// One link of a crosswalk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub from: String,
    pub to: String,
    pub relationship: Relationship,
    /// 1 (weak) to 10 (strong).
    pub strength: u8,
    pub rationale: String,
}

/// A crosswalk between two frameworks, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub id: String,
    pub from: String,
    pub to: String,
    pub basis: Basis,
    pub note: String,
    pub retrieved: jiff::civil::Date,
    #[serde(default)]
    pub source: Option<Source>,
    pub mappings: Vec<Mapping>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    framework: Framework,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrosswalkFile {
    crosswalk: Crosswalk,
}

/// Every framework and crosswalk, validated together (a crosswalk must name frameworks and
/// requirements that exist).
#[derive(Debug, Clone)]
pub struct Catalogue {
    frameworks: Vec<Framework>,
    crosswalks: Vec<Crosswalk>,
}

impl Catalogue {
    /// The frameworks shipped in the repository's `frameworks/` directory, embedded at build
    /// time. They are validated by the test suite, so this never fails in a released binary.
    pub fn embedded() -> Result<Catalogue, Vec<FileError>> {
        Catalogue::from_files(FRAMEWORK_FILES, CROSSWALK_FILES)
    }

    /// Names of the embedded files, for listings.
    pub fn embedded_file_names() -> impl Iterator<Item = &'static str> {
        FRAMEWORK_FILES.iter().chain(CROSSWALK_FILES.iter()).map(|(n, _)| *n)
    }

    /// Parses and validates framework files and crosswalk files given as (file name, text).
    /// Every problem in every file is reported, each with its file and field path.
    pub fn from_files<S: AsRef<str>, T: AsRef<str>>(frameworks: &[(S, T)], crosswalks: &[(S, T)]) -> Result<Catalogue, Vec<FileError>> {
        let mut errors = Vec::new();
        let mut parsed_frameworks = Vec::new();
        for (file, text) in frameworks {
            let file = file.as_ref();
            match parse_yaml::<FrameworkFile>(file, text.as_ref()) {
                Ok(f) => {
                    let before = errors.len();
                    validate_framework(file, &f.framework, &mut errors);
                    if errors.len() == before {
                        parsed_frameworks.push((file.to_owned(), f.framework));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        let mut seen = HashSet::new();
        for (file, f) in &parsed_frameworks {
            if !seen.insert(f.id.clone()) {
                errors.push(err(file, "framework.id", format!("framework id {:?} is used by another file", f.id)));
            }
        }
        let mut parsed_crosswalks: Vec<Crosswalk> = Vec::new();
        let mut crosswalk_ids = HashSet::new();
        for (file, text) in crosswalks {
            let file = file.as_ref();
            match parse_yaml::<CrosswalkFile>(file, text.as_ref()) {
                Ok(c) => {
                    let c = c.crosswalk;
                    let before = errors.len();
                    validate_crosswalk(file, &c, parsed_frameworks.iter().map(|(_, f)| f), &mut errors);
                    if !crosswalk_ids.insert(c.id.clone()) {
                        errors.push(err(file, "crosswalk.id", format!("crosswalk id {:?} is used by another file", c.id)));
                    }
                    if errors.len() == before {
                        parsed_crosswalks.push(c);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Catalogue { frameworks: parsed_frameworks.into_iter().map(|(_, f)| f).collect(), crosswalks: parsed_crosswalks })
        } else {
            Err(errors)
        }
    }

    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    pub fn crosswalks(&self) -> &[Crosswalk] {
        &self.crosswalks
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// The requirements flagged as known-exploited-vulnerability requirements, per framework.
    pub fn kev_requirements(&self) -> BTreeMap<&str, Vec<&str>> {
        self.frameworks
            .iter()
            .map(|f| (f.id.as_str(), f.requirements.iter().filter(|r| r.known_exploited_vulnerabilities).map(|r| r.id.as_str()).collect()))
            .collect()
    }
}

fn err(file: &str, path: impl Into<String>, reason: impl Into<String>) -> FileError {
    FileError { file: file.to_owned(), path: path.into(), reason: reason.into() }
}

fn parse_yaml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, FileError> {
    if text.len() > MAX_FRAMEWORK_FILE_BYTES {
        return Err(err(file, "", format!("the file is larger than {MAX_FRAMEWORK_FILE_BYTES} bytes")));
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        err(file, path, e.into_inner().to_string())
    })
}

/// Ids are short, printable and free of spaces, so they work in URLs and file names.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

fn valid_partial_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u8>().unwrap_or(0)),
        [_, _, _] => s.parse::<jiff::civil::Date>().is_ok(),
        _ => false,
    }
}

fn non_empty(file: &str, path: &str, value: &str, errors: &mut Vec<FileError>) {
    if value.trim().is_empty() {
        errors.push(err(file, path, "must not be empty"));
    }
}

fn validate_framework(file: &str, f: &Framework, errors: &mut Vec<FileError>) {
    if !valid_id(&f.id) {
        errors.push(err(file, "framework.id", "must be 1–64 letters, digits, '-', '.' or '_'"));
    }
    for (path, value) in [
        ("framework.title", &f.title),
        ("framework.short_title", &f.short_title),
        ("framework.version", &f.version),
        ("framework.source.publisher", &f.source.publisher),
        ("framework.licence", &f.licence),
        ("framework.reuse_note", &f.reuse_note),
    ] {
        non_empty(file, path, value, errors);
    }
    if !f.source.url.starts_with("https://") {
        errors.push(err(file, "framework.source.url", "must be an https:// URL"));
    }
    if let Some(p) = &f.published {
        if !valid_partial_date(p) {
            errors.push(err(file, "framework.published", "must be YYYY, YYYY-MM or YYYY-MM-DD"));
        }
    }
    if f.requirements.is_empty() {
        errors.push(err(file, "framework.requirements", "a framework needs at least one requirement"));
    }
    if f.requirements.len() > MAX_REQUIREMENTS {
        errors.push(err(file, "framework.requirements", format!("more than {MAX_REQUIREMENTS} requirements")));
    }
    let threat_ids: BTreeSet<&str> = f.threats.iter().map(|t| t.id.as_str()).collect();
    if threat_ids.len() != f.threats.len() {
        errors.push(err(file, "framework.threats", "threat ids must be unique"));
    }
    if !f.threats.is_empty() && f.threats_basis.is_none() {
        errors.push(err(file, "framework.threats_basis", "say whether the threat links are authoritative or ward's proposal"));
    }
    let mut ids = HashSet::new();
    for (i, r) in f.requirements.iter().enumerate() {
        let at = |field: &str| format!("framework.requirements[{i}].{field}");
        if !valid_id(&r.id) {
            errors.push(err(file, at("id"), "must be 1–64 letters, digits, '-', '.' or '_'"));
        }
        if !ids.insert(r.id.as_str()) {
            errors.push(err(file, at("id"), format!("requirement id {:?} appears twice", r.id)));
        }
        non_empty(file, &at("title"), &r.title, errors);
        match (&r.tier, f.tiers.is_empty()) {
            (Some(t), _) if !f.tiers.contains(t) => errors.push(err(file, at("tier"), format!("tier {t:?} is not one of the framework's tiers {:?}", f.tiers))),
            (None, false) => errors.push(err(file, at("tier"), format!("required: one of {:?}", f.tiers))),
            _ => {}
        }
        for (j, t) in r.threats.iter().enumerate() {
            if !threat_ids.contains(t.as_str()) {
                errors.push(err(file, format!("framework.requirements[{i}].threats[{j}]"), format!("threat {t:?} is not declared in framework.threats")));
            }
        }
        for (j, s) in r.sizes.iter().enumerate() {
            if !f.sizes.contains(s) {
                errors.push(err(file, format!("framework.requirements[{i}].sizes[{j}]"), format!("size {s:?} is not one of the framework's sizes {:?}", f.sizes)));
            }
        }
        if !f.sizes.is_empty() && r.sizes.is_empty() {
            errors.push(err(file, at("sizes"), "required: the organisation sizes this requirement applies to"));
        }
    }
}

fn validate_crosswalk<'a>(file: &str, c: &Crosswalk, frameworks: impl Iterator<Item = &'a Framework> + Clone, errors: &mut Vec<FileError>) {
    if !valid_id(&c.id) {
        errors.push(err(file, "crosswalk.id", "must be 1–64 letters, digits, '-', '.' or '_'"));
    }
    non_empty(file, "crosswalk.note", &c.note, errors);
    let find = |id: &str| frameworks.clone().find(|f| f.id == id);
    let from = find(&c.from);
    let to = find(&c.to);
    if from.is_none() {
        errors.push(err(file, "crosswalk.from", format!("no framework {:?}", c.from)));
    }
    if to.is_none() {
        errors.push(err(file, "crosswalk.to", format!("no framework {:?}", c.to)));
    }
    if c.from == c.to {
        errors.push(err(file, "crosswalk.to", "a crosswalk links two different frameworks"));
    }
    if c.basis == Basis::Authoritative && c.source.is_none() {
        errors.push(err(file, "crosswalk.source", "an authoritative crosswalk must cite its source"));
    }
    if c.mappings.is_empty() {
        errors.push(err(file, "crosswalk.mappings", "a crosswalk needs at least one mapping"));
    }
    if c.mappings.len() > MAX_MAPPINGS {
        errors.push(err(file, "crosswalk.mappings", format!("more than {MAX_MAPPINGS} mappings")));
    }
    let mut pairs = HashSet::new();
    for (i, m) in c.mappings.iter().enumerate() {
        let at = |field: &str| format!("crosswalk.mappings[{i}].{field}");
        if let Some(f) = from {
            if f.requirement(&m.from).is_none() {
                errors.push(err(file, at("from"), format!("{} has no requirement {:?}", f.id, m.from)));
            }
        }
        if let Some(f) = to {
            if f.requirement(&m.to).is_none() {
                errors.push(err(file, at("to"), format!("{} has no requirement {:?}", f.id, m.to)));
            }
        }
        if !(1..=10).contains(&m.strength) {
            errors.push(err(file, at("strength"), "must be from 1 (weak) to 10 (strong)"));
        }
        non_empty(file, &at("rationale"), &m.rationale, errors);
        if !pairs.insert((m.from.as_str(), m.to.as_str())) {
            errors.push(err(file, at("to"), format!("{} → {} is mapped twice", m.from, m.to)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates() {
        for (s, ok) in [("2023", true), ("2024-01", true), ("2024-01-24", true), ("2024-13", false), ("2024-02-30", false), ("24", false), ("", false)] {
            assert_eq!(valid_partial_date(s), ok, "{s}");
        }
    }

    #[test]
    fn relationships_reverse() {
        assert_eq!(Relationship::Subset.reversed(), Relationship::Superset);
        assert_eq!(Relationship::Equal.reversed(), Relationship::Equal);
        assert_eq!(Relationship::Intersect.reversed(), Relationship::Intersect);
    }
}
