//! Every line parser (plain, JSON lines, CSV, syslog/CEF, BIND/Unbound, Squid, and the
//! refanging path) on arbitrary bytes: no panic, no hang, line numbers in range.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ward_match::{Format, FormatChoice, Indicator, IndicatorSet, ScanOptions, WarningLists};

fn set() -> &'static IndicatorSet {
    static SET: OnceLock<IndicatorSet> = OnceLock::new();
    SET.get_or_init(|| {
        let values = [
            "evil.com", "a.b.evil.org", "xn--bcher-kva.de", "1.2.3.4", "10.0.0.0/8", "2001:db8::/32",
            "d41d8cd98f00b204e9800998ecf8427f", "bad@evil.com", "http://evil.com/a", "https://x.org/~y?q=1",
        ];
        IndicatorSet::builder()
            .warning_lists(WarningLists::none())
            .extend(values.iter().filter_map(|v| Indicator::detect(v)))
            .build()
            .expect("fixed indicators compile")
    })
}

fuzz_target!(|data: &[u8]| {
    let formats = [Format::Plain, Format::Jsonl, Format::Csv, Format::Syslog, Format::Bind, Format::Squid];
    let _ = ward_match::detect_format(data);
    for (i, format) in formats.into_iter().enumerate() {
        let opts = ScanOptions {
            format: FormatChoice::Fixed(format),
            refang_logs: i % 2 == 1,
            chunk_bytes: 4096,
            ..ScanOptions::default()
        };
        let (matches, report) = ward_match::scan_bytes(set(), "fuzz", data, &opts);
        for m in &matches {
            assert!(m.line >= 1 && m.line <= report.lines.max(1), "line {} of {}", m.line, report.lines);
        }
    }
});
