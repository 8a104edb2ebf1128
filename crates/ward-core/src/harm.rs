//! The healthcare harm block: what an attack did to care and to people.
//!
//! Every fact is a [`Fact`]: a value, the URL of the source it rests on (one of the incident's
//! sources), the date it was true as of, and whether it is an estimate or a lower bound. A harm
//! fact that nobody sourced is absent, never guessed.

use jiff::civil::Date;

use crate::text::{HttpUrl, Label, LongText};

/// One sourced harm fact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact<T> {
    pub value: T,
    /// URL of the source, which must be listed in the incident's `sources`.
    pub source: HttpUrl,
    /// The date the source says the value held on (or the source's date).
    pub as_of: Date,
    /// The source gives an estimate ("about 1,000").
    #[serde(default, skip_serializing_if = "is_false")]
    pub estimate: bool,
    /// The source gives a lower bound ("at least", "more than").
    #[serde(default, skip_serializing_if = "is_false")]
    pub at_least: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Label>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Clinical or technical domain whose systems were down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalDomain {
    /// The electronic health/patient record as a whole.
    Ehr,
    Laboratory,
    Imaging,
    Radiotherapy,
    Pharmacy,
    Emergency,
    Surgery,
    Maternity,
    Outpatient,
    Primary,
    Telephony,
    Administration,
    Other,
}

impl ClinicalDomain {
    pub const ALL: &'static [ClinicalDomain] = &[
        Self::Ehr, Self::Laboratory, Self::Imaging, Self::Radiotherapy, Self::Pharmacy, Self::Emergency,
        Self::Surgery, Self::Maternity, Self::Outpatient, Self::Primary, Self::Telephony,
        Self::Administration, Self::Other,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Self::Ehr => "Electronic health record",
            Self::Laboratory => "Laboratory and pathology",
            Self::Imaging => "Imaging",
            Self::Radiotherapy => "Radiotherapy",
            Self::Pharmacy => "Pharmacy and e-prescribing",
            Self::Emergency => "Emergency department",
            Self::Surgery => "Surgery",
            Self::Maternity => "Maternity",
            Self::Outpatient => "Outpatient services",
            Self::Primary => "Primary care",
            Self::Telephony => "Telephony and communications",
            Self::Administration => "Administration and billing",
            Self::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareDisruption {
    pub domain: ClinicalDomain,
    /// Days of downtime or degraded service in this domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Label>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmbulanceDiversion {
    pub diverted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_departments: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ransom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demanded_usd: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_usd: Option<u64>,
}

/// A clinical harm event in the CIPHER style.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalHarmEvent {
    /// When after the attack it happened ("First Day", "Week 2").
    pub time_point: Label,
    pub specialty: Label,
    pub technical_domain: Label,
    /// CIPHER clinical impact score, 0 (none) to 10 (most severe).
    pub impact_score: u8,
    pub description: LongText,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deaths {
    /// Deaths alleged (by relatives, media, prosecutors) to be linked to the attack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alleged: Option<u32>,
    /// Deaths confirmed as linked by an official finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<u32>,
}

/// Kinds of data exposed (VERIS attribute.confidentiality.data.variety, lower-cased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataVariety {
    Medical,
    Personal,
    Payment,
    Bank,
    Credentials,
    Insurance,
    Genetic,
    Internal,
    Secrets,
    Other,
    Unknown,
}

impl DataVariety {
    pub const ALL: &'static [DataVariety] = &[
        Self::Medical, Self::Personal, Self::Payment, Self::Bank, Self::Credentials, Self::Insurance,
        Self::Genetic, Self::Internal, Self::Secrets, Self::Other, Self::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Medical => "medical",
            Self::Personal => "personal",
            Self::Payment => "payment",
            Self::Bank => "bank",
            Self::Credentials => "credentials",
            Self::Insurance => "insurance",
            Self::Genetic => "genetic",
            Self::Internal => "internal",
            Self::Secrets => "secrets",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
}

/// The harm block. Absent facts are unknown, not zero.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Harm {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub care_disruption: Vec<Fact<CareDisruption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointments_cancelled: Option<Fact<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedures_cancelled: Option<Fact<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_referrals_cancelled: Option<Fact<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambulance_diversion: Option<Fact<AmbulanceDiversion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_transfers: Option<Fact<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub individuals_affected: Option<Fact<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_varieties: Option<Fact<Vec<DataVariety>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransom: Option<Fact<Ransom>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clinical_harm_events: Vec<Fact<ClinicalHarmEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaths: Option<Fact<Deaths>>,
}

impl Harm {
    /// Every (field path, source URL, as-of) of the block, for cross-checks against sources.
    pub fn fact_sources(&self) -> Vec<(String, &HttpUrl)> {
        let mut out = Vec::new();
        for (i, f) in self.care_disruption.iter().enumerate() {
            out.push((format!("harm.care_disruption[{i}].source"), &f.source));
        }
        macro_rules! one {
            ($($field:ident),*) => {$(
                if let Some(f) = &self.$field {
                    out.push((concat!("harm.", stringify!($field), ".source").to_owned(), &f.source));
                }
            )*};
        }
        one!(appointments_cancelled, procedures_cancelled, urgent_referrals_cancelled,
            ambulance_diversion, patient_transfers, individuals_affected, data_varieties, ransom, deaths);
        for (i, f) in self.clinical_harm_events.iter().enumerate() {
            out.push((format!("harm.clinical_harm_events[{i}].source"), &f.source));
        }
        out
    }

    /// Range and consistency checks that serde types cannot express.
    pub(crate) fn check(&self, errors: &mut Vec<crate::FieldError>) {
        use crate::FieldError;
        let days_ok = |d: f64| d.is_finite() && (0.0..=3650.0).contains(&d);
        for (i, f) in self.care_disruption.iter().enumerate() {
            if let Some(d) = f.value.days {
                if !days_ok(d) {
                    errors.push(FieldError::new(
                        format!("harm.care_disruption[{i}].value.days"),
                        format!("{d} is not a number of days between 0 and 3650"),
                    ));
                }
            }
        }
        if let Some(a) = &self.ambulance_diversion {
            if let Some(h) = a.value.hours {
                if !(h.is_finite() && (0.0..=87_600.0).contains(&h)) {
                    errors.push(FieldError::new("harm.ambulance_diversion.value.hours", format!("{h} is not a number of hours between 0 and 87600")));
                }
            }
            if !a.value.diverted && (a.value.hours.is_some_and(|h| h > 0.0) || a.value.emergency_departments.is_some_and(|n| n > 0)) {
                errors.push(FieldError::new("harm.ambulance_diversion.value.diverted", "is false but hours or emergency departments of diversion are given"));
            }
        }
        if let Some(r) = &self.ransom {
            if r.value.paid == Some(false) && r.value.paid_usd.is_some_and(|p| p > 0) {
                errors.push(FieldError::new("harm.ransom.value.paid", "is false but an amount paid is given"));
            }
        }
        for (i, f) in self.clinical_harm_events.iter().enumerate() {
            if f.value.impact_score > 10 {
                errors.push(FieldError::new(
                    format!("harm.clinical_harm_events[{i}].value.impact_score"),
                    format!("{} is outside the CIPHER scale 0–10", f.value.impact_score),
                ));
            }
        }
        if let Some(d) = &self.deaths {
            if let (Some(a), Some(c)) = (d.value.alleged, d.value.confirmed) {
                if c > a {
                    errors.push(FieldError::new("harm.deaths.value.confirmed", format!("{c} confirmed deaths exceed the {a} alleged; alleged counts every death claimed, confirmed ones included")));
                }
            }
        }
        for (name, len) in [("harm.care_disruption", self.care_disruption.len()), ("harm.clinical_harm_events", self.clinical_harm_events.len())] {
            if len > crate::limits::MAX_LIST_ITEMS {
                errors.push(FieldError::new(name, format!("has {len} entries; the limit is {}", crate::limits::MAX_LIST_ITEMS)));
            }
        }
    }
}
