//! Loading a compiled set from arbitrary bytes: an error, or a set that scans safely.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("ward-match-fuzz-{}.wmidx", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(set) = ward_match::IndicatorSet::load(&path) {
        let opts = ward_match::ScanOptions::default();
        let _ = ward_match::scan_bytes(&set, "fuzz", b"a.evil.com 1.2.3.9 bad@evil.com http://x.org/a 2001:db8::1", &opts);
        let _ = set.suppressed();
        let _ = set.indicators();
    }
    let _ = std::fs::remove_file(&path);
});
