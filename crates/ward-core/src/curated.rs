//! The curated starter dataset format: a YAML document listing real, publicly reported
//! attacks on healthcare, every fact with a cited public source.

use crate::error::{FieldError, ValidationErrors};
use crate::incident::IncidentDraft;
use crate::text::{Label, LongText};

/// The dataset shipped in the repository (`data/curated/incidents.yaml`) and loaded by
/// `ward demo`.
pub const EMBEDDED_CURATED_YAML: &str = include_str!("../../../data/curated/incidents.yaml");

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuratedDataset {
    /// Dataset name shown wherever its records appear ("ward curated starter dataset").
    pub dataset: Label,
    /// Date the dataset was last reviewed (YYYY-MM-DD).
    pub reviewed_on: jiff::civil::Date,
    pub description: LongText,
    /// Licence of the compilation (the sources keep their own).
    pub licence: Label,
    pub incidents: Vec<IncidentDraft>,
}

impl CuratedDataset {
    /// Parses and validates the whole dataset; errors name the incident index and field.
    pub fn parse(yaml: &str) -> Result<Self, ValidationErrors> {
        let de = serde_yaml_ng::Deserializer::from_str(yaml);
        let ds: CuratedDataset = serde_path_to_error::deserialize(de)
            .map_err(|e| ValidationErrors::single(e.path().to_string(), e.inner().to_string()))?;
        let mut errors = Vec::new();
        for (i, inc) in ds.incidents.iter().enumerate() {
            if let Err(e) = inc.validate() {
                errors.extend(e.0.into_iter().map(|f| FieldError::new(format!("incidents[{i}].{}", f.field), f.reason)));
            }
        }
        if errors.is_empty() { Ok(ds) } else { Err(ValidationErrors(errors)) }
    }

    pub fn embedded() -> Result<Self, ValidationErrors> {
        Self::parse(EMBEDDED_CURATED_YAML)
    }
}
