//! Validation errors: each names the property path (`objects[3].created`) and the reason.

use std::fmt;

/// One problem with one property.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct StixError {
    pub path: String,
    pub reason: String,
}

impl StixError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> StixError {
        StixError { path: path.into(), reason: reason.into() }
    }
    /// The same error under a prefix (`objects[3]` + `created` → `objects[3].created`).
    pub fn under(mut self, prefix: &str) -> StixError {
        self.path = if self.path.is_empty() { prefix.to_owned() } else if self.path.starts_with('[') { format!("{prefix}{}", self.path) } else { format!("{prefix}.{}", self.path) };
        self
    }
}

/// Every problem found in one object or document (never only the first).
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
pub struct StixErrors(pub Vec<StixError>);

impl fmt::Display for StixErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl StixErrors {
    pub fn push(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(StixError::new(path, reason));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, StixErrors> {
        if self.0.is_empty() { Ok(ok) } else { Err(self) }
    }
}

impl From<StixError> for StixErrors {
    fn from(e: StixError) -> StixErrors {
        StixErrors(vec![e])
    }
}
