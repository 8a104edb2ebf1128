//! The one error type of ward-match: every variant names the file (and line or field
//! when known) and the reason, so that messages can be shown to users as they are.

use std::path::PathBuf;

/// Errors from loading indicators, compiling, saving/loading compiled sets and scanning.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// A file could not be opened, read, mapped or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A compressed input is corrupt or truncated.
    #[error("{path}: corrupt {compression} data after {bytes_read} bytes: {reason}")]
    Decompress {
        path: PathBuf,
        compression: &'static str,
        bytes_read: u64,
        reason: String,
    },
    /// An indicator file could not be parsed at all (not a single bad entry: those are skipped).
    #[error("{path}: {reason}")]
    IndicatorFile { path: PathBuf, reason: String },
    /// A saved compiled set is not one this version can read.
    #[error("{path}: not a usable compiled indicator set: {reason}")]
    CompiledSet { path: PathBuf, reason: String },
    /// A limit (named constant) was exceeded.
    #[error("{what}: limit of {limit} exceeded ({actual})")]
    Limit { what: &'static str, limit: u64, actual: u64 },
    /// An input name matched nothing (no such file, empty glob).
    #[error("{input}: {reason}")]
    Input { input: String, reason: String },
    /// A CSV input could not be parsed.
    #[error("{path}:{line}: CSV: {reason}")]
    Csv { path: PathBuf, line: u64, reason: String },
}

impl MatchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        MatchError::Io { path: path.into(), source }
    }

    /// A stable, machine-readable code for the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            MatchError::Io { .. } => "io",
            MatchError::Decompress { .. } => "decompress",
            MatchError::IndicatorFile { .. } => "indicator_file",
            MatchError::CompiledSet { .. } => "compiled_set",
            MatchError::Limit { .. } => "limit",
            MatchError::Input { .. } => "input",
            MatchError::Csv { .. } => "csv",
        }
    }
}
