//! The CISA Known Exploited Vulnerabilities catalogue, from its JSON feed or its CSV export.
//! A catalogue is accepted whole or not at all: every bad record is reported (record number or
//! CSV line, field, reason) and none is kept, so an import never half-writes.

use std::collections::HashSet;

use jiff::civil::Date;
use serde::Serialize;

use crate::RecordError;

/// Largest catalogue file read (the 2026 catalogue is about 1.3 MB of JSON).
pub const MAX_KEV_BYTES: usize = 64 * 1024 * 1024;
/// Most entries a catalogue may have.
pub const MAX_KEV_ENTRIES: usize = 200_000;
/// Longest text field of an entry, in characters.
pub const MAX_KEV_FIELD_CHARS: usize = 20_000;
/// Errors reported before giving up on a file.
pub const MAX_REPORTED_ERRORS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevEntry {
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    pub date_added: Date,
    pub short_description: String,
    pub required_action: String,
    pub due_date: Date,
    /// `knownRansomwareCampaignUse` is "Known".
    pub known_ransomware: bool,
    pub notes: String,
    pub cwes: Vec<String>,
}

/// Which file format a catalogue came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KevFormat {
    Json,
    Csv,
}

impl KevFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            KevFormat::Json => "json",
            KevFormat::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevCatalogue {
    pub format: KevFormat,
    /// `catalogVersion` (JSON only).
    pub catalog_version: Option<String>,
    /// `dateReleased` (JSON only).
    pub date_released: Option<String>,
    pub entries: Vec<KevEntry>,
}

impl KevCatalogue {
    /// The newest `dateAdded` in the catalogue (what a CSV export can be dated by).
    pub fn newest_date_added(&self) -> Option<Date> {
        self.entries.iter().map(|e| e.date_added).max()
    }
}

/// Parses a catalogue, telling JSON from CSV by its first non-blank byte.
pub fn parse(bytes: &[u8]) -> Result<KevCatalogue, Vec<RecordError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => parse_json(bytes),
        Some(_) => parse_csv(bytes),
        None => Err(vec![RecordError::file("the catalogue is empty")]),
    }
}

/// A valid CVE id: `CVE-YYYY-NNNN…` (four or more digits).
pub fn valid_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && (4..=19).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the fields of one record through a field getter, collecting every problem.
fn entry_from<'a>(record: usize, get: impl Fn(&str) -> Option<&'a str>, cwes: Vec<String>, errors: &mut Vec<RecordError>) -> Option<KevEntry> {
    let before = errors.len();
    let mut text = |field: &'static str, required: bool| -> String {
        match get(field) {
            Some(v) if v.chars().count() > MAX_KEV_FIELD_CHARS => {
                errors.push(RecordError::new(record, field, format!("longer than {MAX_KEV_FIELD_CHARS} characters")));
                String::new()
            }
            Some(v) if required && v.trim().is_empty() => {
                errors.push(RecordError::new(record, field, "must not be empty"));
                String::new()
            }
            Some(v) => v.trim().to_owned(),
            None if required => {
                errors.push(RecordError::new(record, field, "missing"));
                String::new()
            }
            None => String::new(),
        }
    };
    let cve_id = text("cveID", true);
    let vendor_project = text("vendorProject", true);
    let product = text("product", true);
    let vulnerability_name = text("vulnerabilityName", true);
    let date_added_raw = text("dateAdded", true);
    let short_description = text("shortDescription", false);
    let required_action = text("requiredAction", false);
    let due_date_raw = text("dueDate", true);
    let ransomware_raw = text("knownRansomwareCampaignUse", true);
    let notes = text("notes", false);
    if !cve_id.is_empty() && !valid_cve_id(&cve_id) {
        errors.push(RecordError::new(record, "cveID", format!("{cve_id:?} is not a CVE id (CVE-YYYY-NNNN)")));
    }
    let mut date = |field: &'static str, raw: &str| -> Option<Date> {
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(RecordError::new(record, field, format!("{raw:?} is not a date (YYYY-MM-DD)")));
                None
            }
        }
    };
    let date_added = date("dateAdded", &date_added_raw);
    let due_date = date("dueDate", &due_date_raw);
    let known_ransomware = match ransomware_raw.as_str() {
        "Known" => true,
        "Unknown" | "" => false,
        other => {
            errors.push(RecordError::new(record, "knownRansomwareCampaignUse", format!("{other:?} is neither \"Known\" nor \"Unknown\"")));
            false
        }
    };
    for cwe in &cwes {
        if !(cwe.starts_with("CWE-") || cwe.starts_with("NVD-CWE-")) {
            errors.push(RecordError::new(record, "cwes", format!("{cwe:?} is not a CWE id")));
        }
    }
    if errors.len() != before {
        return None;
    }
    Some(KevEntry {
        cve_id,
        vendor_project,
        product,
        vulnerability_name,
        date_added: date_added?,
        short_description,
        required_action,
        due_date: due_date?,
        known_ransomware,
        notes,
        cwes,
    })
}

fn finish(format: KevFormat, catalog_version: Option<String>, date_released: Option<String>, entries: Vec<KevEntry>, mut errors: Vec<RecordError>) -> Result<KevCatalogue, Vec<RecordError>> {
    let mut seen = HashSet::new();
    for e in &entries {
        if !seen.insert(e.cve_id.as_str()) {
            errors.push(RecordError::top("cveID", format!("{} appears more than once", e.cve_id)));
        }
    }
    if entries.is_empty() && errors.is_empty() {
        errors.push(RecordError::file("the catalogue has no entries"));
    }
    if errors.is_empty() {
        Ok(KevCatalogue { format, catalog_version, date_released, entries })
    } else {
        errors.truncate(MAX_REPORTED_ERRORS);
        Err(errors)
    }
}

/// The JSON feed: `{catalogVersion, dateReleased, count, vulnerabilities: [...]}`.
pub fn parse_json(bytes: &[u8]) -> Result<KevCatalogue, Vec<RecordError>> {
    if bytes.len() > MAX_KEV_BYTES {
        return Err(vec![RecordError::file(format!("the catalogue is larger than {MAX_KEV_BYTES} bytes"))]);
    }
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| vec![RecordError::file(format!("not valid JSON: {e}"))])?;
    let Some(obj) = doc.as_object() else { return Err(vec![RecordError::file("the top level must be a JSON object")]) };
    let Some(list) = obj.get("vulnerabilities").and_then(|v| v.as_array()) else {
        return Err(vec![RecordError::top("vulnerabilities", "missing or not an array")]);
    };
    if list.len() > MAX_KEV_ENTRIES {
        return Err(vec![RecordError::top("vulnerabilities", format!("more than {MAX_KEV_ENTRIES} entries"))]);
    }
    let mut errors = Vec::new();
    let string_field = |name: &str| obj.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    if let Some(count) = obj.get("count") {
        match count.as_u64() {
            Some(n) if n as usize == list.len() => {}
            Some(n) => errors.push(RecordError::top("count", format!("says {n} but the catalogue lists {} vulnerabilities", list.len()))),
            None => errors.push(RecordError::top("count", "must be a whole number")),
        }
    }
    let mut entries = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        if errors.len() >= MAX_REPORTED_ERRORS {
            break;
        }
        let record = i + 1;
        let Some(fields) = item.as_object() else {
            errors.push(RecordError::new(record, "", "an entry must be a JSON object"));
            continue;
        };
        for (k, v) in fields {
            if k != "cwes" && !v.is_string() {
                errors.push(RecordError::new(record, k, "must be a string"));
            }
        }
        let cwes = match fields.get("cwes") {
            None => Vec::new(),
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|c| c.as_str().map(|s| s.trim().to_owned())).collect(),
            Some(_) => {
                errors.push(RecordError::new(record, "cwes", "must be an array of strings"));
                Vec::new()
            }
        };
        if let Some(e) = entry_from(record, |f| fields.get(f).and_then(|v| v.as_str()), cwes, &mut errors) {
            entries.push(e);
        }
    }
    finish(KevFormat::Json, string_field("catalogVersion"), string_field("dateReleased"), entries, errors)
}

const CSV_COLUMNS: [&str; 11] =
    ["cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "shortDescription", "requiredAction", "dueDate", "knownRansomwareCampaignUse", "notes", "cwes"];
const CSV_REQUIRED: [&str; 7] = ["cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate", "knownRansomwareCampaignUse"];

/// The CSV export: one header line with the JSON field names, one entry per record (records
/// may span lines); `cwes` is a comma-separated list in one field. Errors name the record's
/// first line.
pub fn parse_csv(bytes: &[u8]) -> Result<KevCatalogue, Vec<RecordError>> {
    if bytes.len() > MAX_KEV_BYTES {
        return Err(vec![RecordError::file(format!("the catalogue is larger than {MAX_KEV_BYTES} bytes"))]);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let columns = crate::csv_table::Columns { known: &CSV_COLUMNS, required: &CSV_REQUIRED, case_insensitive: false, unknown_reason: "unknown column".into() };
    let index = crate::csv_table::header(&mut reader, &columns)?;
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    crate::csv_table::records(&mut reader, MAX_KEV_ENTRIES, "entries", &mut errors, |line, record, errors| {
        let get = |f: &str| index.get(f).and_then(|&i| record.get(i));
        let cwes: Vec<String> = get("cwes").map(|s| s.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()).unwrap_or_default();
        let mut record_errors = Vec::new();
        if let Some(e) = entry_from(line, get, cwes, &mut record_errors) {
            entries.push(e);
        }
        errors.extend(record_errors.into_iter().map(|mut e| {
            e.is_line = true;
            e
        }));
    });
    finish(KevFormat::Csv, None, None, entries, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        for (s, ok) in [("CVE-2024-1234", true), ("CVE-2024-123456", true), ("CVE-2024-123", false), ("cve-2024-1234", false), ("CVE-24-1234", false), ("CVE-2024-12a4", false)] {
            assert_eq!(valid_cve_id(s), ok, "{s}");
        }
    }
}
