//! US states and territories (the ISO 3166-2:US subdivisions the datasets use) and reading a
//! dataset's free-text state field into a region code.

use ward_core::{CountryCode, RegionCode};

/// (USPS code, name): the 50 states, DC, and the inhabited territories plus the Minor Outlying
/// Islands, all ISO 3166-2:US subdivisions.
const US_STATES: &[(&str, &str)] = &[
    ("AK", "Alaska"), ("AL", "Alabama"), ("AR", "Arkansas"), ("AS", "American Samoa"), ("AZ", "Arizona"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DC", "District of Columbia"),
    ("DE", "Delaware"), ("FL", "Florida"), ("GA", "Georgia"), ("GU", "Guam"), ("HI", "Hawaii"),
    ("IA", "Iowa"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("KS", "Kansas"),
    ("KY", "Kentucky"), ("LA", "Louisiana"), ("MA", "Massachusetts"), ("MD", "Maryland"), ("ME", "Maine"),
    ("MI", "Michigan"), ("MN", "Minnesota"), ("MO", "Missouri"), ("MP", "Northern Mariana Islands"),
    ("MS", "Mississippi"), ("MT", "Montana"), ("NC", "North Carolina"), ("ND", "North Dakota"),
    ("NE", "Nebraska"), ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"),
    ("NV", "Nevada"), ("NY", "New York"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("PR", "Puerto Rico"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
    ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UM", "United States Minor Outlying Islands"),
    ("UT", "Utah"), ("VA", "Virginia"), ("VI", "Virgin Islands"), ("VT", "Vermont"), ("WA", "Washington"),
    ("WI", "Wisconsin"), ("WV", "West Virginia"), ("WY", "Wyoming"),
];

/// The USPS code of a US state written as `CA`, `ca `, `US-CA` or `California`.
pub(crate) fn us_state_code(s: &str) -> Option<&'static str> {
    let t = s.trim();
    let t = t.strip_prefix("US-").or_else(|| t.strip_prefix("us-")).unwrap_or(t).trim();
    US_STATES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(t) || name.eq_ignore_ascii_case(t))
        .map(|(code, _)| *code)
}

/// `US-XX` for a US state.
pub(crate) fn us_region(s: &str) -> Option<RegionCode> {
    us_state_code(s).and_then(|code| format!("US-{code}").parse().ok())
}

/// The region for a state field given the victim's country: US states for the US, and an
/// already ISO 3166-2-shaped code (`CA-ON`, `GB-GLS`) whose prefix is the country for others.
pub(crate) fn region_for(country: CountryCode, state: &str) -> Option<RegionCode> {
    if country.as_str() == "US" {
        return us_region(state);
    }
    let t = state.trim();
    let (prefix, _) = t.split_once('-')?;
    if !prefix.eq_ignore_ascii_case(country.as_str()) {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_state_spellings() {
        for (input, want) in [("CA", Some("CA")), ("IL ", Some("IL")), ("US-IL", Some("IL")), ("New York", Some("NY")), ("pr", Some("PR")), ("Conneticut", None), ("Scotland", None), ("", None)] {
            assert_eq!(us_state_code(input), want, "{input:?}");
        }
        assert_eq!(US_STATES.len(), 57);
        let us: CountryCode = "US".parse().unwrap();
        let ca: CountryCode = "CA".parse().unwrap();
        assert_eq!(region_for(us, "oh").unwrap().as_str(), "US-OH");
        assert_eq!(region_for(ca, "CA-ON").unwrap().as_str(), "CA-ON");
        assert_eq!(region_for(ca, "ON"), None);
        assert_eq!(region_for(ca, "US-IL"), None);
    }
}
