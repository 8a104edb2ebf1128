//! TLP markings: the five OASIS TLP 2.0 marking definitions, and the normalisation of TLP 1.0
//! and known non-OASIS variant ids to them. Ward emits only the OASIS TLP 2.0 objects.

use serde_json::{json, Value};

/// The five TLP 2.0 levels, from most to least shareable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlpLevel {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

/// The OASIS TLP 2.0 extension definition the marking objects carry.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

impl TlpLevel {
    pub const ALL: [TlpLevel; 5] = [TlpLevel::Clear, TlpLevel::Green, TlpLevel::Amber, TlpLevel::AmberStrict, TlpLevel::Red];

    /// `clear`, `green`, `amber`, `amber+strict`, `red` (the `tlp_2_0` property's values).
    pub fn as_str(self) -> &'static str {
        match self {
            TlpLevel::Clear => "clear",
            TlpLevel::Green => "green",
            TlpLevel::Amber => "amber",
            TlpLevel::AmberStrict => "amber+strict",
            TlpLevel::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<TlpLevel> {
        TlpLevel::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The OASIS TLP 2.0 marking-definition id.
    pub fn marking_id(self) -> &'static str {
        match self {
            TlpLevel::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            TlpLevel::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            TlpLevel::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            TlpLevel::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            TlpLevel::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The canonical OASIS marking-definition object for this level.
    pub fn marking_object(self) -> Value {
        let name = match self {
            TlpLevel::Clear => "TLP:CLEAR",
            TlpLevel::Green => "TLP:GREEN",
            TlpLevel::Amber => "TLP:AMBER",
            TlpLevel::AmberStrict => "TLP:AMBER+STRICT",
            TlpLevel::Red => "TLP:RED",
        };
        json!({
            "type": "marking-definition", "spec_version": "2.1", "id": self.marking_id(),
            "created": "2022-10-01T00:00:00.000Z", "name": name,
            "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": self.as_str()}}
        })
    }
}

/// TLP 1.0 (STIX 2.1 predefined) and known non-OASIS ids → the TLP 2.0 level they mean.
const VARIANTS: [(&str, TlpLevel); 5] = [
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TlpLevel::Clear), // TLP 1.0 WHITE
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TlpLevel::Green), // TLP 1.0 GREEN
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TlpLevel::Amber), // TLP 1.0 AMBER
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TlpLevel::Red),   // TLP 1.0 RED
    ("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", TlpLevel::AmberStrict), // OpenCTI AMBER+STRICT
];

/// The TLP level a marking-definition id stands for, OASIS or variant.
pub fn level_of_marking_id(id: &str) -> Option<TlpLevel> {
    TlpLevel::ALL.into_iter().find(|t| t.marking_id() == id).or_else(|| VARIANTS.iter().find(|(v, _)| *v == id).map(|(_, t)| *t))
}

/// The OASIS id for a marking id: a TLP variant maps to its OASIS TLP 2.0 id; any other id is
/// returned unchanged.
pub fn normalise_marking_id(id: &str) -> &str {
    match level_of_marking_id(id) {
        Some(t) => t.marking_id(),
        None => id,
    }
}

/// Whether a marking-definition object is a TLP definition (any variant), and which level.
/// Recognises the OASIS extension form, the TLP 1.0 `definition_type: tlp` form (including
/// OpenCTI's `definition.tlp = "clear"` on the WHITE id) and the known variant ids.
pub fn level_of_marking_object(obj: &serde_json::Map<String, Value>) -> Option<TlpLevel> {
    if let Some(t) = obj.get("extensions").and_then(|e| e.get(TLP2_EXTENSION_ID)).and_then(|x| x.get("tlp_2_0")).and_then(Value::as_str) {
        return TlpLevel::parse(t);
    }
    if obj.get("definition_type").and_then(Value::as_str) == Some("tlp") {
        if let Some(t) = obj.get("definition").and_then(|d| d.get("tlp")).and_then(Value::as_str) {
            return match t.to_ascii_lowercase().as_str() {
                "white" | "clear" => Some(TlpLevel::Clear),
                other => TlpLevel::parse(other),
            };
        }
    }
    obj.get("id").and_then(Value::as_str).and_then(level_of_marking_id)
}

/// The most restrictive of the TLP levels in a list of marking ids; `None` when none is TLP.
pub fn strictest(marking_ids: &[String]) -> Option<TlpLevel> {
    marking_ids.iter().filter_map(|m| level_of_marking_id(m)).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_normalise_to_oasis() {
        assert_eq!(normalise_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), TlpLevel::Clear.marking_id());
        assert_eq!(normalise_marking_id("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"), TlpLevel::AmberStrict.marking_id());
        assert_eq!(normalise_marking_id("marking-definition--00000000-0000-4000-8000-000000000000"), "marking-definition--00000000-0000-4000-8000-000000000000");
        assert_eq!(strictest(&[TlpLevel::Green.marking_id().into(), "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed".into()]), Some(TlpLevel::Red));
        for t in TlpLevel::ALL {
            let o = t.marking_object();
            assert_eq!(level_of_marking_object(o.as_object().unwrap()), Some(t));
        }
    }
}
