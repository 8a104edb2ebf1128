//! ward-import: streaming readers that turn public healthcare incident datasets into ward-core
//! drafts, with a reason for every record that could not be used.
//!
//! Four sources, one entry point ([`read_path`]):
//! - [`Kind::Vcdb`]: VERIS incidents (one file per incident, JSON lines, a JSON array, or the
//!   VCDB "joined" zip), schema 1.3.x and 1.4.x;
//! - [`Kind::Hhs`]: HHS OCR breach portal CSV exports, with their real quirks;
//! - [`Kind::Cipher`]: CIPHER patient-harm rows, as sourced [`ClinicalHarmEvent`] facts;
//! - [`Kind::Stix`]: STIX 2.1 `incident` objects from a bundle.
//!
//! Every record read ends as exactly one [`Record`] handed to the caller's sink: an incident, a
//! harm, or a [`Rejection`] naming the file, line or record number and the reason. Records the
//! caller filtered out (VCDB industry filter) are counted in the [`ImportSummary`]. Nothing is
//! dropped silently, and a bad record never stops the rest of the file. File-level failures
//! (unreadable file, unknown CSV header, broken zip) are an [`ImportError`].
//!
//! This crate does no database, network or clock access: dates that matter (when an export was
//! taken) come in through [`Options`].

pub mod attack;
pub mod cipher;
pub mod error;
mod geo;
pub mod hhs;
mod input;
pub mod limits;
pub mod misp;
mod names;
pub mod stix;
mod text;
pub mod vcdb;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use jiff::civil::Date;
use ward_core::harm::{ClinicalHarmEvent, Fact};
use ward_core::incident::ExternalId;
use ward_core::org::HhsEntityType;
use ward_core::{IncidentDraft, Source};

pub use error::ImportError;

/// ward-core's country code for "unknown" (user-assigned in ISO 3166, as in Unicode CLDR): a
/// record whose source names no country is kept under it, never placed by guesswork.
pub const UNKNOWN_COUNTRY: &str = "ZZ";
pub use names::normalise_org_name;

/// Which dataset format a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// VERIS JSON (VCDB): a file per incident, JSON lines, a JSON array, or a zip of those.
    Vcdb,
    /// HHS OCR breach portal CSV export (archive or "under investigation" list).
    Hhs,
    /// CIPHER patient-harm CSV.
    Cipher,
    /// STIX 2.1 bundle with `incident` objects.
    Stix,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Vcdb, Kind::Hhs, Kind::Cipher, Kind::Stix];

    /// The token used on command lines and in logs (`vcdb`, `hhs`, `cipher`, `stix`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vcdb => "vcdb",
            Kind::Hhs => "hhs",
            Kind::Cipher => "cipher",
            Kind::Stix => "stix",
        }
    }

    /// File-name endings read when [`read_path`] is given a directory.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Vcdb => &["json", "jsonl", "ndjson", "zip"],
            Kind::Hhs | Kind::Cipher => &["csv"],
            Kind::Stix => &["json"],
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| format!("{s:?} is not an import kind (one of: vcdb, hhs, cipher, stix)"))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Caller choices for one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// VCDB only: keep records whose `victim.industry` (NAICS) starts with one of these prefixes
    /// (`["62"]` for health care and social assistance). Empty keeps every record. Records left
    /// out are counted in [`ImportSummary::filtered_out`], never rejected.
    pub naics_prefixes: Vec<String>,
    /// The day the export was downloaded or read. Becomes `retrieved_on` of the sources, and the
    /// as-of date of HHS "individuals affected" facts (the portal revises counts; without it the
    /// breach submission date is used).
    pub retrieved_on: Option<Date>,
}

/// Where a record came from: the file (for a zip, `archive.zip!entry`), the 1-based line it
/// starts on when the format has lines, and its 1-based position among the file's records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub record: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{} (record {})", self.file, line, self.record),
            None => write!(f, "{} (record {})", self.file, self.record),
        }
    }
}

/// A record that could not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub origin: Origin,
    /// The record's own id when it could be read (VCDB `incident_id`, STIX id, HHS key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// What is wrong, naming the source field.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.reason)
    }
}

/// An incident read from a dataset: the validated draft and what the draft has no field for.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportedIncident {
    /// Valid by construction: [`IncidentDraft::validate`] has passed.
    pub draft: IncidentDraft,
    /// The idempotency key of this record (also in `draft.external_ids`): re-reading the same
    /// data gives the same id, so a re-import updates instead of duplicating.
    pub external_id: ExternalId,
    /// VCDB: `timeline.incident.year` (kept even when month or day are unknown, which keeps the
    /// date itself out of `timeline.incident_on`). HHS: year of the breach submission. STIX:
    /// year of the first attacker activity, when given.
    pub year: Option<i32>,
    /// VCDB: `plus.sub_source` (`phidbr` marks incidents coded from the HHS portal, `priority`
    /// other deliberate picks: exclude or weight them before quoting rates). HHS combined
    /// export: its `source_list` column.
    pub sub_source: Option<String>,
    /// VCDB: `victim.industry` as written (a NAICS code or prefix).
    pub naics: Option<String>,
    /// HHS: the covered-entity type as the portal gives it.
    pub hhs_entity_type: Option<HhsEntityType>,
    pub origin: Origin,
    /// Lossy or inferred mappings made for this record (a country read from a state, a field
    /// decoded as Windows-1252, a reference that is not a URL…), for logs and review.
    pub notes: Vec<String>,
}

/// One CIPHER patient-harm row as a sourced fact, with the curated incident it names, if any.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CipherHarm {
    /// Slug of the curated incident (`data/curated/incidents.yaml`, scheme `curated`) that the
    /// row's reference identifies, e.g. `hse-ireland-2021`.
    pub incident_hint: Option<String>,
    /// The harm, citing `fact.source`, which is `sources[0]`.
    pub fact: Fact<ClinicalHarmEvent>,
    /// The sources to add to an incident before attaching the fact: the cited reference first,
    /// then the CIPHER dataset itself (CC BY 4.0; see [`cipher::CIPHER_CITATION`]).
    pub sources: Vec<Source>,
    pub origin: Origin,
    pub notes: Vec<String>,
}

/// What the sink receives: exactly one per record read (filtered-out VCDB records excepted,
/// which are only counted).
#[derive(Debug, Clone)]
pub enum Record {
    Incident(Box<ImportedIncident>),
    Harm(Box<CipherHarm>),
    Rejected(Rejection),
}

/// Counts for one [`read_path`] call. `records_read == incidents + harms + rejected + filtered_out`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub files: u64,
    pub records_read: u64,
    pub incidents: u64,
    pub harms: u64,
    pub rejected: u64,
    pub filtered_out: u64,
}

/// Reads a file (or every matching file in a directory, in name order) of the given kind and
/// hands each record to `sink`.
///
/// A VCDB path may be a `.zip` (every JSON entry is read). Errors are file-level only; bad
/// records become [`Record::Rejected`] and the import goes on.
pub fn read_path(kind: Kind, path: &Path, options: &Options, sink: &mut dyn FnMut(Record)) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    let meta = std::fs::metadata(path).map_err(|e| ImportError::io(path, e))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        let entries = std::fs::read_dir(path).map_err(|e| ImportError::io(path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| ImportError::io(path, e))?;
            let p = entry.path();
            let matches = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| kind.extensions().iter().any(|x| x.eq_ignore_ascii_case(e)));
            if matches && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        if files.len() > limits::MAX_FILES_PER_DIRECTORY {
            return Err(ImportError::TooLarge {
                path: path.display().to_string(),
                reason: format!("holds {} files; the limit is {}", files.len(), limits::MAX_FILES_PER_DIRECTORY),
            });
        }
        for f in files {
            read_one_file(kind, &f, options, sink, &mut summary)?;
        }
    } else {
        read_one_file(kind, path, options, sink, &mut summary)?;
    }
    Ok(summary)
}

/// Reads records of the given kind from any reader; `name` is used in origins. Zip archives
/// need [`read_path`] (they are read by seeking).
pub fn read_reader(kind: Kind, name: &str, reader: &mut dyn Read, options: &Options, sink: &mut dyn FnMut(Record)) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    let mut ctx = Ctx::new(name.to_owned(), options, sink, &mut summary);
    read_stream(kind, reader, &mut ctx)?;
    ctx.summary.files += 1;
    Ok(summary)
}

fn read_one_file(kind: Kind, path: &Path, options: &Options, sink: &mut dyn FnMut(Record), summary: &mut ImportSummary) -> Result<(), ImportError> {
    let mut file = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let name = path.display().to_string();
    if kind == Kind::Vcdb && input::is_zip(&mut file).map_err(|e| ImportError::io(path, e))? {
        return vcdb::read_zip(file, &name, options, sink, summary);
    }
    let mut ctx = Ctx::new(name, options, sink, summary);
    read_stream(kind, &mut file, &mut ctx)?;
    ctx.summary.files += 1;
    Ok(())
}

fn read_stream(kind: Kind, reader: &mut dyn Read, ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    match kind {
        Kind::Vcdb => vcdb::read_json(reader, ctx),
        Kind::Hhs => hhs::read_csv(reader, ctx),
        Kind::Cipher => cipher::read_csv(reader, ctx),
        Kind::Stix => stix::read_bundle(reader, ctx),
    }
}

/// One file's reading state: where records go and what has been counted.
pub(crate) struct Ctx<'a> {
    pub(crate) file: String,
    pub(crate) options: &'a Options,
    sink: &'a mut dyn FnMut(Record),
    pub(crate) summary: &'a mut ImportSummary,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(file: String, options: &'a Options, sink: &'a mut dyn FnMut(Record), summary: &'a mut ImportSummary) -> Self {
        Ctx { file, options, sink, summary }
    }

    pub(crate) fn origin(&self, line: Option<u64>, record: u64) -> Origin {
        Origin { file: self.file.clone(), line, record }
    }

    fn count_record(&mut self) -> Result<(), ImportError> {
        self.summary.records_read += 1;
        if self.summary.records_read > limits::MAX_RECORDS_PER_IMPORT {
            return Err(ImportError::TooLarge {
                path: self.file.clone(),
                reason: format!("more than {} records in one import", limits::MAX_RECORDS_PER_IMPORT),
            });
        }
        Ok(())
    }

    pub(crate) fn incident(&mut self, incident: ImportedIncident) -> Result<(), ImportError> {
        self.count_record()?;
        self.summary.incidents += 1;
        (self.sink)(Record::Incident(Box::new(incident)));
        Ok(())
    }

    pub(crate) fn harm(&mut self, harm: CipherHarm) -> Result<(), ImportError> {
        self.count_record()?;
        self.summary.harms += 1;
        (self.sink)(Record::Harm(Box::new(harm)));
        Ok(())
    }

    pub(crate) fn reject(&mut self, origin: Origin, record_id: Option<String>, reason: impl Into<String>) -> Result<(), ImportError> {
        self.count_record()?;
        self.summary.rejected += 1;
        (self.sink)(Record::Rejected(Rejection { origin, record_id, reason: reason.into() }));
        Ok(())
    }

    pub(crate) fn filtered_out(&mut self) -> Result<(), ImportError> {
        self.count_record()?;
        self.summary.filtered_out += 1;
        Ok(())
    }
}

/// Collects every record of a path into vectors (convenient for tests and small files).
pub fn read_path_to_vec(kind: Kind, path: &Path, options: &Options) -> Result<(Vec<Record>, ImportSummary), ImportError> {
    let mut records = Vec::new();
    let summary = read_path(kind, path, options, &mut |r| records.push(r))?;
    Ok((records, summary))
}
