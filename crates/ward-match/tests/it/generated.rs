//! The generator's planted hits and near-misses: 100 % recall and 100 % precision.

use std::collections::BTreeSet;

use ward_match::generator::{generate, read_expected, GeneratorConfig};
use ward_match::{IndicatorKind, IndicatorSet, Input, ScanOptions};

type Key = (u64, IndicatorKind, String, String);

fn run(set: &IndicatorSet, input: &Input, opts: &ScanOptions) -> BTreeSet<Key> {
    let mut got = BTreeSet::new();
    let report = ward_match::scan_input(set, input, opts, &mut |m| {
        got.insert((m.line, m.kind, m.indicator, m.matched));
    });
    assert!(report.error.is_none(), "{:?}", report.error);
    got
}

#[test]
fn full_recall_and_precision_on_generated_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = GeneratorConfig { seed: 42, n_indicators: 4_000, log_bytes: 1 << 20, hit_every_lines: 20, near_miss_every_lines: 20 };
    let summary = generate(&cfg, dir.path()).expect("generate");
    assert!(summary.n_expected > 200 && summary.n_near_misses > 200, "{summary:?}");
    let expected: BTreeSet<Key> = read_expected(&dir.path().join("expected.jsonl"))
        .expect("expected")
        .into_iter()
        .map(|e| (e.line, e.kind, e.indicator, e.matched))
        .collect();
    let kinds: BTreeSet<IndicatorKind> = expected.iter().map(|k| k.1).collect();
    assert_eq!(kinds.len(), 8, "every kind planted: {kinds:?}");

    let (_, loaded) = ward_match::load_indicator_file(&dir.path().join("indicators.txt")).expect("load");
    assert_eq!(loaded.n_skipped, 0);
    let set = IndicatorSet::from_indicators(loaded.indicators).expect("build");
    assert_eq!(set.build_report().n_invalid, 0);

    // Small chunks and windows: exercises chunk and window boundaries.
    let opts = ScanOptions { threads: 2, chunk_bytes: 16 << 10, window_bytes: 256 << 10, ..ScanOptions::default() };
    let got = run(&set, &Input::File(dir.path().join("log.txt")), &opts);
    let missing: Vec<_> = expected.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&expected).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}, extra {extra:?}");

    // Through gzip (the streaming path) and a saved, reloaded set: the same.
    let log = std::fs::read(dir.path().join("log.txt")).expect("read");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, &log).expect("gz");
    std::fs::write(dir.path().join("log.txt.gz"), e.finish().expect("gz")).expect("write");
    set.save(&dir.path().join("set.idx")).expect("save");
    let loaded = IndicatorSet::load(&dir.path().join("set.idx")).expect("load");
    let got = run(&loaded, &Input::File(dir.path().join("log.txt.gz")), &opts);
    assert_eq!(got, expected);
}

#[test]
fn generator_is_deterministic() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let cfg = GeneratorConfig { n_indicators: 500, log_bytes: 64 << 10, ..GeneratorConfig::default() };
    generate(&cfg, a.path()).expect("a");
    generate(&cfg, b.path()).expect("b");
    for f in ["indicators.txt", "log.txt", "expected.jsonl"] {
        assert_eq!(std::fs::read(a.path().join(f)).expect("a"), std::fs::read(b.path().join(f)).expect("b"), "{f}");
    }
}
