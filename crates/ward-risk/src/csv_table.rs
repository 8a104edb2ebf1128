//! The CSV reading the KEV catalogue and the asset inventory share: a header line naming the
//! columns (checked once: unknown, repeated and missing required columns), then records handed
//! over with their first line, up to a row limit and [`MAX_REPORTED_ERRORS`] problems.

use std::collections::HashMap;

use crate::kev::MAX_REPORTED_ERRORS;
use crate::RecordError;

/// How a file names its columns.
pub(crate) struct Columns<'a> {
    pub known: &'a [&'a str],
    pub required: &'a [&'a str],
    /// Header names are matched case-insensitively (and reported lower-cased).
    pub case_insensitive: bool,
    /// The reason given for a column that is not known.
    pub unknown_reason: String,
}

/// Reads the header; the column index by name, or every header problem.
pub(crate) fn header<R: std::io::Read>(reader: &mut csv::Reader<R>, columns: &Columns<'_>) -> Result<HashMap<String, usize>, Vec<RecordError>> {
    let headers = reader.headers().map_err(|e| vec![RecordError::file(format!("the header line cannot be read: {e}"))])?.clone();
    let mut errors = Vec::new();
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = if columns.case_insensitive { h.trim().to_ascii_lowercase() } else { h.trim().to_owned() };
        if !columns.known.contains(&h.as_str()) {
            errors.push(RecordError::line(1, &h, columns.unknown_reason.clone()));
        } else if index.insert(h.clone(), i).is_some() {
            errors.push(RecordError::line(1, &h, "column appears twice"));
        }
    }
    for required in columns.required {
        if !index.contains_key(*required) {
            errors.push(RecordError::line(1, required, "required column missing"));
        }
    }
    if errors.is_empty() { Ok(index) } else { Err(errors) }
}

/// Hands every record to `each` with its first line, stopping after `max_rows` records (`what`
/// names them in the error) or once [`MAX_REPORTED_ERRORS`] problems are collected; a record
/// that is not valid CSV is reported and skipped.
pub(crate) fn records<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    max_rows: usize,
    what: &str,
    errors: &mut Vec<RecordError>,
    mut each: impl FnMut(usize, &csv::StringRecord, &mut Vec<RecordError>),
) {
    for (n, record) in reader.records().enumerate() {
        if errors.len() >= MAX_REPORTED_ERRORS {
            break;
        }
        if n >= max_rows {
            errors.push(RecordError::file(format!("more than {max_rows} {what}")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(RecordError::line(line, "", format!("not a valid CSV record: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(n + 2, |p| p.line() as usize);
        each(line, &record, errors);
    }
}
