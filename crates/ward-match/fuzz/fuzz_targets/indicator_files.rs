//! Indicator loaders (plain lists, STIX bundles and patterns, MISP JSON) and compiling
//! whatever they accept: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_match::{IndicatorSet, WarningLists};

fuzz_target!(|data: &[u8]| {
    if let Ok((_, loaded)) = ward_match::load_indicators_from_bytes(std::path::Path::new("fuzz"), data) {
        let set = IndicatorSet::builder().warning_lists(WarningLists::builtin()).extend(loaded.indicators).build();
        if let Ok(set) = set {
            let opts = ward_match::ScanOptions::default();
            let _ = ward_match::scan_bytes(&set, "fuzz", b"evil.com 1.2.3.4 http://x.org/ a@b.cc", &opts);
        }
    }
});
