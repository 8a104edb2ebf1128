//! Named limits on what an import will read. Exceeding one rejects the record (record limits)
//! or stops the file with [`crate::ImportError::TooLarge`] (file limits).

/// Largest single JSON record (a VERIS incident, a JSON line, an array element), in bytes.
pub const MAX_JSON_RECORD_BYTES: u64 = 4 * 1024 * 1024;
/// Largest MISP record read at once: one event of an event list or JSON-lines file, or a whole
/// document that is not a list (`{"Event": …}`, `{"response": […]}`).
pub const MAX_MISP_RECORD_BYTES: u64 = 256 * 1024 * 1024;
/// Largest CSV record (one row, embedded newlines included), in bytes.
pub const MAX_CSV_RECORD_BYTES: u64 = 1024 * 1024;
/// Most fields in one CSV row.
pub const MAX_CSV_FIELDS: usize = 64;
/// Largest STIX bundle; bundles are read whole because their objects refer to each other.
pub const MAX_STIX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// Most records one import call reads (all files of a directory together).
pub const MAX_RECORDS_PER_IMPORT: u64 = 10_000_000;
/// Most files read from one directory.
pub const MAX_FILES_PER_DIRECTORY: usize = 100_000;
/// Most entries in one zip archive.
pub const MAX_ZIP_ENTRIES: usize = 100_000;
/// Largest uncompressed zip entry, as the archive declares it.
pub const MAX_ZIP_ENTRY_BYTES: u64 = 1024 * 1024 * 1024;
/// Most source URLs taken from one VERIS `reference` string (ward-core allows 100 sources).
pub const MAX_REFERENCE_URLS: usize = 50;
