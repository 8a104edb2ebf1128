//! Indicator values as callers hand them in, and their kinds.

use serde::{Deserialize, Serialize};

/// The closed set of indicator kinds the matcher understands. CIDR ranges are
/// [`IndicatorKind::Ipv4`] or [`IndicatorKind::Ipv6`] values with a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    Domain,
    Url,
    Ipv4,
    Ipv6,
    Md5,
    Sha1,
    Sha256,
    Email,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 8] = [
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Ipv4,
        IndicatorKind::Ipv6,
        IndicatorKind::Md5,
        IndicatorKind::Sha1,
        IndicatorKind::Sha256,
        IndicatorKind::Email,
    ];

    /// The lowercase name used in JSON output and plain lists (`domain`, `ipv4`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Ipv4 => "ipv4",
            IndicatorKind::Ipv6 => "ipv6",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::Email => "email",
        }
    }

    /// Parses a kind name as written by [`IndicatorKind::as_str`] (plus a few aliases).
    pub fn parse(name: &str) -> Option<IndicatorKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "domain" | "domain-name" | "hostname" | "fqdn" => IndicatorKind::Domain,
            "url" | "uri" | "link" => IndicatorKind::Url,
            "ipv4" | "ipv4-addr" | "ip" | "cidr" => IndicatorKind::Ipv4,
            "ipv6" | "ipv6-addr" => IndicatorKind::Ipv6,
            "md5" => IndicatorKind::Md5,
            "sha1" | "sha-1" => IndicatorKind::Sha1,
            "sha256" | "sha-256" => IndicatorKind::Sha256,
            "email" | "email-addr" | "e-mail" => IndicatorKind::Email,
            _ => return None,
        })
    }

    pub(crate) fn to_u8(self) -> u8 {
        match self {
            IndicatorKind::Domain => 0,
            IndicatorKind::Url => 1,
            IndicatorKind::Ipv4 => 2,
            IndicatorKind::Ipv6 => 3,
            IndicatorKind::Md5 => 4,
            IndicatorKind::Sha1 => 5,
            IndicatorKind::Sha256 => 6,
            IndicatorKind::Email => 7,
        }
    }

    pub(crate) fn from_u8(v: u8) -> Option<IndicatorKind> {
        IndicatorKind::ALL.get(usize::from(v)).copied()
    }
}

impl std::fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One indicator as loaded from a list, a STIX bundle, a MISP event or the ward store.
/// `value` may be defanged (`hxxp://evil[.]com`); it is normalised when compiled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    pub value: String,
    /// Identifier at the source (STIX indicator id, MISP attribute uuid, store id).
    pub id: Option<String>,
    /// Where the indicator came from (file name, feed, sharing organisation).
    pub source: Option<String>,
}

impl Indicator {
    pub fn new(kind: IndicatorKind, value: impl Into<String>) -> Indicator {
        Indicator { kind, value: value.into(), id: None, source: None }
    }

    /// Detects the kind of a bare value (`evil.com`, `1.2.3.0/24`, a SHA-256, …);
    /// `None` when the value is none of the supported kinds.
    pub fn detect(value: &str) -> Option<Indicator> {
        crate::normalize::detect_kind(value).map(|kind| Indicator::new(kind, value))
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Indicator {
        self.id = Some(id.into());
        self
    }

    pub fn with_source(mut self, source: impl Into<String>) -> Indicator {
        self.source = Some(source.into());
        self
    }
}
