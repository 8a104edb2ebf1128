//! A public source a fact rests on: where it was published, by whom, and when it was read.

use jiff::civil::Date;

use crate::text::{HttpUrl, Label};

/// A cited public source. Facts refer to it by its URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub url: HttpUrl,
    /// Who published it ("Health Service Executive", "BBC News", "HHS OCR").
    pub publisher: Label,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Label>,
    /// Publication date as shown on the page; absent when the page shows none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<Date>,
    /// When ward (or its curator) read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieved_on: Option<Date>,
    /// Licence of the source material when it is reused (e.g. "CC BY-SA 4.0" for VCDB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Label>,
}
