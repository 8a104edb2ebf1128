//! STIX identifiers (`type--uuid`) and type names.

use std::fmt;
use std::str::FromStr;

/// A valid STIX 2.1 identifier: a valid type name, `--`, and an RFC 4122 UUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId(String);

impl StixId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The object type part (`indicator` of `indicator--…`).
    pub fn object_type(&self) -> &str {
        self.0.split_once("--").map_or("", |(t, _)| t)
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for StixId {
    type Err = String;
    fn from_str(s: &str) -> Result<StixId, String> {
        let Some((ty, uuid)) = s.split_once("--") else {
            return Err(format!("{s:?} is not a STIX identifier (expected TYPE--UUID)"));
        };
        check_type_name(ty)?;
        let parsed = uuid::Uuid::parse_str(uuid).map_err(|_| format!("{uuid:?} after `{ty}--` is not a UUID"))?;
        if uuid.len() != 36 || uuid != parsed.hyphenated().to_string() {
            return Err(format!("{uuid:?} must be a lower-case hyphenated UUID"));
        }
        Ok(StixId(s.to_owned()))
    }
}

/// STIX type names: 3–250 characters of lower-case ASCII letters, digits and single hyphens
/// (the specification's rule; custom types conventionally start `x-`).
pub fn check_type_name(ty: &str) -> Result<(), String> {
    if ty.len() < 3 || ty.len() > 250 {
        return Err(format!("type {ty:?} must be 3 to 250 characters long"));
    }
    if !ty.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!("type {ty:?} may contain only lower-case ASCII letters, digits and hyphens"));
    }
    if ty.starts_with('-') || ty.ends_with('-') || ty.contains("--") {
        return Err(format!("type {ty:?} may not start or end with a hyphen or contain two in a row"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        let id: StixId = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".parse().unwrap();
        assert_eq!(id.object_type(), "indicator");
        for bad in ["indicator", "indicator--xyz", "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"] {
            assert!(bad.parse::<StixId>().is_err(), "{bad}");
        }
    }
}
