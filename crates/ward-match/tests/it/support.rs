//! Helpers shared by the test modules.

use std::path::PathBuf;

use ward_match::{Format, FormatChoice, Indicator, IndicatorSet, Match, ScanOptions, WarningLists};

/// Builds a set from bare values (kinds detected), without warning lists.
pub fn set_of(values: &[&str]) -> IndicatorSet {
    let indicators: Vec<Indicator> =
        values.iter().map(|v| Indicator::detect(v).unwrap_or_else(|| panic!("not an indicator: {v}"))).collect();
    IndicatorSet::builder().warning_lists(WarningLists::none()).extend(indicators).seed(7).build().expect("build")
}

pub fn scan_text(set: &IndicatorSet, text: &str, format: Format) -> Vec<Match> {
    let opts = ScanOptions { format: FormatChoice::Fixed(format), ..ScanOptions::default() };
    ward_match::scan_bytes(set, "test.log", text.as_bytes(), &opts).0
}

/// (indicator, matched) pairs of a plain-text scan, sorted.
pub fn pairs(set: &IndicatorSet, text: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> =
        scan_text(set, text, Format::Plain).into_iter().map(|m| (m.indicator, m.matched)).collect();
    v.sort();
    v
}

/// `../shared/data` relative to the repository root (read in place, never copied).
pub fn shared_data() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("note: {} not found; shared-data tests skipped", p.display());
        None
    }
}
