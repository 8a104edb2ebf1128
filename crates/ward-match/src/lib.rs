//! ward-match: exact indicator matching over hospital logs at memory speed.
//!
//! Indicators (domains, URLs, IPv4/IPv6 addresses and CIDR ranges, MD5/SHA-1/SHA-256
//! digests, e-mail addresses) are compiled once into compact, flat tables
//! ([`IndicatorSet`]), which can be saved and memory-mapped again in milliseconds. Logs
//! are scanned in parallel chunks; every hit is an exact, boundary-respecting match
//! (see `DESIGN.md` for the semantics and the table of examples).
//!
//! The crate does no network and no database IO: indicators from the ward store are
//! passed in by the caller as [`Indicator`] values.
//!
//! Typical use:
//! ```no_run
//! use ward_match::{IndicatorSet, ScanOptions, Scanner};
//! # fn main() -> Result<(), ward_match::MatchError> {
//! let (_kind, loaded) = ward_match::load_indicator_file(std::path::Path::new("iocs.txt"))?;
//! let set = IndicatorSet::builder().extend(loaded.indicators).build()?;
//! let scanner = Scanner::new(&set, ScanOptions::default());
//! for input in ward_match::expand_inputs(&["/var/log/squid".to_string()]) {
//!     let report = scanner.scan_input(&input?, &mut |m| {
//!         println!("{}", serde_json::to_string(&m).unwrap_or_default());
//!     });
//!     if let Some(e) = report.error {
//!         eprintln!("{e}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod compiled;
mod engine;
mod error;
mod format;
pub mod generator;
mod hashing;
mod indicator;
mod input;
mod load;
mod mmap;
pub mod normalize;
mod output;
mod scan;
mod simd;
mod warninglist;

pub use compiled::{BuildReport, IndicatorSet, IndicatorSetBuilder, InvalidIndicator, SetStats, SuppressedIndicator};
pub use engine::{scan_bytes, scan_input, FileReport, ScanOptions, Scanner};
pub use error::MatchError;
pub use format::{detect_format, Format, FormatChoice};
pub use indicator::{Indicator, IndicatorKind};
pub use input::{expand_inputs, Compression, Input};
pub use load::{
    load_indicator_file, load_indicators_from_bytes, load_misp_json, load_plain_list, load_stix_bundle,
    IndicatorFileKind, LoadedIndicators, SkippedIndicator,
};
pub use output::{Match, StixSightings, Summary};
pub use warninglist::{WarningList, WarningLists};

/// The byte classes the scanner uses, for oracles and documentation.
pub mod syntax {
    pub use crate::normalize::is_email_local_byte;
    pub use crate::scan::{is_scheme_byte, is_url_terminator, is_word_byte};
}

/// Longest line (in bytes) that the structured parsers (JSON lines, CSV) accept; longer
/// lines are skipped and counted in [`FileReport::lines_too_long`]. The plain-text
/// scanner has no per-line buffer and scans lines of any length.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Longest word (run of hostname/IP/hash characters) examined; longer runs are skipped.
pub const MAX_WORD_BYTES: usize = 1024;
/// Longest URL examined in a log.
pub const MAX_URL_BYTES: usize = 8192;
/// Longest domain name (RFC 1035).
pub const MAX_DOMAIN_BYTES: usize = 253;
/// Most indicators one compiled set may hold.
pub const MAX_INDICATORS: usize = 20_000_000;
/// Largest indicator file (plain list, STIX bundle, MISP event) read.
pub const MAX_INDICATOR_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Most invalid indicators or scan errors kept with their details (the rest are counted).
pub const MAX_REPORTED_PROBLEMS: usize = 1000;
