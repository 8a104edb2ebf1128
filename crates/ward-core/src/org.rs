//! Organisations and the healthcare organisation-type taxonomy (mapped to NAICS and to the
//! HIPAA covered-entity types used by the HHS OCR breach portal).

use std::fmt;
use std::str::FromStr;

use crate::country::{CountryCode, RegionCode};
use crate::ids::OrgId;
use crate::text::Label;

/// HIPAA covered-entity types as the HHS OCR breach portal names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum HhsEntityType {
    #[serde(rename = "Healthcare Provider")]
    HealthcareProvider,
    #[serde(rename = "Health Plan")]
    HealthPlan,
    #[serde(rename = "Healthcare Clearing House")]
    HealthcareClearingHouse,
    #[serde(rename = "Business Associate")]
    BusinessAssociate,
}

impl HhsEntityType {
    pub fn label(self) -> &'static str {
        match self {
            Self::HealthcareProvider => "Healthcare Provider",
            Self::HealthPlan => "Health Plan",
            Self::HealthcareClearingHouse => "Healthcare Clearing House",
            Self::BusinessAssociate => "Business Associate",
        }
    }
}

macro_rules! org_types {
    ($( $variant:ident = $token:literal, $label:literal, $naics:literal, $hhs:expr; )*) => {
        /// What kind of healthcare (or healthcare-serving) organisation this is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum OrgType { $($variant,)* }

        impl OrgType {
            pub const ALL: &'static [OrgType] = &[$(OrgType::$variant,)*];
            /// Stable token used in storage, URLs and files (`hospital`, `health_plan`…).
            pub fn as_str(self) -> &'static str { match self { $(OrgType::$variant => $token,)* } }
            /// Human label ("Hospital", "Health plan or insurer").
            pub fn label(self) -> &'static str { match self { $(OrgType::$variant => $label,)* } }
            /// The NAICS 2022 code this type maps to (6 digits, or fewer for a whole sector).
            pub fn naics(self) -> &'static str { match self { $(OrgType::$variant => $naics,)* } }
            /// The HIPAA covered-entity type, when the type is one (a US lens; ward is international).
            pub fn hhs_entity_type(self) -> Option<HhsEntityType> { match self { $(OrgType::$variant => $hhs,)* } }
        }

        impl FromStr for OrgType {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
                    $($token => Ok(OrgType::$variant),)*
                    _ => Err(format!("{s:?} is not an organisation type (one of: {})",
                        [$($token),*].join(", "))),
                }
            }
        }
    };
}

use HhsEntityType as H;
org_types! {
    Hospital = "hospital", "Hospital", "622110", Some(H::HealthcareProvider);
    HealthSystem = "health_system", "Hospital group or health system", "622", Some(H::HealthcareProvider);
    NationalHealthService = "national_health_service", "National or regional health service", "622", Some(H::HealthcareProvider);
    PsychiatricHospital = "psychiatric_hospital", "Psychiatric hospital", "622210", Some(H::HealthcareProvider);
    PhysicianPractice = "physician_practice", "Physician practice", "621111", Some(H::HealthcareProvider);
    DentalPractice = "dental_practice", "Dental practice", "621210", Some(H::HealthcareProvider);
    OutpatientClinic = "outpatient_clinic", "Outpatient clinic", "621498", Some(H::HealthcareProvider);
    MentalHealthClinic = "mental_health_clinic", "Mental health or psychotherapy clinic", "621420", Some(H::HealthcareProvider);
    Laboratory = "laboratory", "Medical or pathology laboratory", "621511", Some(H::HealthcareProvider);
    DiagnosticImaging = "diagnostic_imaging", "Diagnostic imaging centre", "621512", Some(H::HealthcareProvider);
    HomeHealth = "home_health", "Home health care", "621610", Some(H::HealthcareProvider);
    AmbulanceService = "ambulance_service", "Ambulance or emergency medical service", "621910", Some(H::HealthcareProvider);
    NursingCare = "nursing_care", "Nursing or residential care", "623110", Some(H::HealthcareProvider);
    Pharmacy = "pharmacy", "Pharmacy", "456110", Some(H::HealthcareProvider);
    HealthPlan = "health_plan", "Health plan or insurer", "524114", Some(H::HealthPlan);
    Clearinghouse = "clearinghouse", "Healthcare clearinghouse", "522320", Some(H::HealthcareClearingHouse);
    HealthItVendor = "health_it_vendor", "IT or service supplier to healthcare", "541511", Some(H::BusinessAssociate);
    BusinessAssociate = "business_associate", "Other business associate", "561", Some(H::BusinessAssociate);
    PublicHealthAgency = "public_health_agency", "Public health agency or ministry", "923120", None;
    DeviceManufacturer = "device_manufacturer", "Medical device manufacturer", "339112", None;
    Pharmaceutical = "pharmaceutical", "Pharmaceutical company", "325412", None;
    ResearchInstitute = "research_institute", "Health research institute", "541714", None;
    SocialAssistance = "social_assistance", "Social assistance", "624", None;
    Other = "other", "Other healthcare organisation", "62", None;
}

impl OrgType {
    /// The closest type for a NAICS code (as VCDB records carry), most specific prefix first.
    pub fn from_naics(code: &str) -> OrgType {
        let code = code.trim();
        let exact = OrgType::ALL.iter().copied().find(|t| t.naics() == code);
        if let Some(t) = exact {
            return t;
        }
        match code.get(..3) {
            Some("621") => OrgType::OutpatientClinic,
            Some("622") => OrgType::Hospital,
            Some("623") => OrgType::NursingCare,
            Some("624") => OrgType::SocialAssistance,
            _ => OrgType::Other,
        }
    }
}

impl TryFrom<String> for OrgType {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
impl From<OrgType> for String {
    fn from(t: OrgType) -> String {
        t.as_str().to_owned()
    }
}
impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Legal-form words removed from the end of a name (after punctuation is gone, so `L.L.C.`
/// has become `llc`).
const LEGAL_SUFFIXES: &[&str] = &[
    "inc", "incorporated", "llc", "llp", "lllp", "lp", "pllc", "ltd", "limited", "corp", "corporation",
    "co", "plc", "gmbh", "ag", "sa", "sas", "bv", "nv", "pc", "pa", "psc", "sc", "pty",
];

/// Normalises an organisation name so that spellings of the same name compare equal:
///
/// 1. Unicode lower-case;
/// 2. text in parentheses or brackets is dropped (`Anthem, Inc. (“Anthem”)` → `anthem`);
///    apostrophes and full stops are deleted (`Children's` → `childrens`, `L.L.C.` → `llc`);
///    `&` becomes `and`; every other character that is not a letter or digit becomes a space;
/// 3. the word `the` is dropped wherever it stands;
/// 4. legal-form words at the end are dropped, repeatedly (`inc`, `llc`, `ltd`, `corp`, `plc`,
///    `gmbh`, `pc`, `pa`… see the crate README for the list), but never the only word left;
/// 5. runs of spaces become one space, and the ends are trimmed.
///
/// `"The Kroger Co."` → `"kroger"`, `"St. Mary's Medical Center, Inc."` →
/// `"st marys medical center"`, `"Smith & Jones, P.C."` → `"smith and jones"`.
///
/// It does not resolve trade names (`d/b/a`), abbreviations (`Ctr`) or accents: equal output
/// means "very likely the same name", unequal output means nothing.
pub fn normalise_name(name: &str) -> String {
    let mut flat = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            '(' | '[' => {
                depth += 1;
                flat.push(' ');
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                flat.push(' ');
            }
            _ if depth > 0 => {}
            '\'' | '’' | '‘' | '`' | '´' | '.' => {}
            '&' => flat.push_str(" and "),
            c if c.is_alphanumeric() => flat.push(c),
            _ => flat.push(' '),
        }
    }
    let mut words: Vec<&str> = flat.split_whitespace().filter(|w| *w != "the").collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_SUFFIXES.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

/// A member organisation of this ward instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: Label,
    pub org_type: OrgType,
    /// Country of establishment; absent for international bodies (an ISAC spanning countries).
    pub country: Option<CountryCode>,
    pub region: Option<RegionCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_for_linking() {
        assert_eq!(normalise_name("The Anthem, Inc."), "anthem");
        assert_eq!(normalise_name("ANTHEM INC"), "anthem");
        assert_eq!(normalise_name("Smith & Jones Medical Group, P.C."), "smith and jones medical group");
        assert_eq!(normalise_name("  Universitätsklinikum   Düsseldorf "), "universitätsklinikum düsseldorf");
    }

    #[test]
    fn tokens_round_trip_and_map() {
        for t in OrgType::ALL {
            assert_eq!(t.as_str().parse::<OrgType>(), Ok(*t));
        }
        assert_eq!("Health Plan".parse::<OrgType>(), Ok(OrgType::HealthPlan));
        assert!("spaceship".parse::<OrgType>().unwrap_err().contains("hospital"));
        assert_eq!(OrgType::from_naics("622110"), OrgType::Hospital);
        assert_eq!(OrgType::from_naics("621999"), OrgType::OutpatientClinic);
        assert_eq!(OrgType::from_naics("62"), OrgType::Other);
        assert_eq!(OrgType::HealthPlan.hhs_entity_type(), Some(HhsEntityType::HealthPlan));
    }
}
