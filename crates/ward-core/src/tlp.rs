//! Traffic Light Protocol 2.0 levels with their OASIS STIX marking-definition ids.
//!
//! Ward emits only the OASIS TLP 2.0 ids; TLP 1.0 WHITE is read as CLEAR.

use std::fmt;
use std::str::FromStr;

/// The five TLP 2.0 levels, ordered from most to least shareable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// Whether information at this level may be sent to another organisation's community (a
    /// remote TAXII collection others read): CLEAR and GREEN may; AMBER, AMBER+STRICT and RED
    /// are limited to the organisation (AMBER also to its named clients on this instance;
    /// RED to named recipients) and never leave by push.
    /// Unmarked objects count as GREEN, as everywhere in ward.
    pub fn may_leave_organisation(level: Option<Tlp>) -> bool {
        matches!(level.unwrap_or(Tlp::Green), Tlp::Clear | Tlp::Green)
    }

    /// The lower-case token used in storage, URLs and the API (`clear`, `amber+strict`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The label as written in the TLP 2.0 standard (`TLP:AMBER+STRICT`).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The OASIS STIX 2.1 marking-definition id for this level.
    pub fn marking_definition_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// Who may receive information at this level, in one sentence (shown in the UI).
    pub fn audience(self) -> &'static str {
        match self {
            Tlp::Clear => "Anyone: public.",
            Tlp::Green => "The community: any signed-in member of this ward instance.",
            Tlp::Amber => "The owning organisation and its named clients.",
            Tlp::AmberStrict => "The owning organisation only.",
            Tlp::Red => "Named recipients only: the recorder and the owning organisation's administrators.",
        }
    }
}

impl FromStr for Tlp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_prefix("tlp:").unwrap_or(&t);
        Ok(match t {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" | "amber-strict" | "amber_strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => {
                return Err(format!(
                    "{s:?} is not a TLP 2.0 level (expected clear, green, amber, amber+strict or red)"
                ))
            }
        })
    }
}

impl TryFrom<String> for Tlp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Tlp> for String {
    fn from(t: Tlp) -> String {
        t.as_str().to_owned()
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_labels_tokens_and_tlp1_white() {
        for t in Tlp::ALL {
            assert_eq!(t.as_str().parse::<Tlp>(), Ok(t));
            assert_eq!(t.label().parse::<Tlp>(), Ok(t));
        }
        assert_eq!("TLP:WHITE".parse::<Tlp>(), Ok(Tlp::Clear));
        assert!("orange".parse::<Tlp>().unwrap_err().contains("not a TLP 2.0 level"));
    }

    #[test]
    fn marking_ids_are_distinct_oasis_ids() {
        let ids: std::collections::HashSet<_> = Tlp::ALL.iter().map(|t| t.marking_definition_id()).collect();
        assert_eq!(ids.len(), 5);
        assert_eq!(Tlp::Clear.marking_definition_id(), "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    }
}
