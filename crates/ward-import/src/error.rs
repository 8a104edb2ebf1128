//! The one error type of ward-import: problems with a whole file. Problems with one record are
//! not errors but [`crate::Rejection`]s, so the rest of the file still imports.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file or directory could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The CSV header is not the one this kind of file has (columns are named in the message).
    #[error("{path}: unexpected header: {reason}")]
    Header { path: String, reason: String },
    /// A zip archive could not be read.
    #[error("{path}: not a readable zip archive: {reason}")]
    Zip { path: String, reason: String },
    /// The input is over one of the limits in [`crate::limits`].
    #[error("{path}: too large: {reason}")]
    TooLarge { path: String, reason: String },
    /// The file is not of the expected format at all (not a STIX bundle, not a CSV…).
    #[error("{path}: {reason}")]
    Format { path: String, reason: String },
}

impl ImportError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ImportError::Io { path: path.display().to_string(), source }
    }

    /// A stable machine-readable code for logs and API answers.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Io { .. } => "import.io",
            ImportError::Header { .. } => "import.header",
            ImportError::Zip { .. } => "import.zip",
            ImportError::TooLarge { .. } => "import.too_large",
            ImportError::Format { .. } => "import.format",
        }
    }
}
