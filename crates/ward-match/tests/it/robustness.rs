//! Corrupt and hostile inputs: clear errors or counted skips, never a crash or a hang.

use std::io::Write;

use ward_match::{Format, FormatChoice, Input, MatchError, ScanOptions};

use crate::support::{scan_text, set_of};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn scan_file(path: &std::path::Path, opts: &ScanOptions) -> (Vec<ward_match::Match>, ward_match::FileReport) {
    let set = set_of(&["evil.com", "1.2.3.4"]);
    let mut matches = Vec::new();
    let report = ward_match::scan_input(&set, &Input::File(path.to_path_buf()), opts, &mut |m| matches.push(m));
    (matches, report)
}

fn log_lines(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..n {
        writeln!(v, "line {i} client 10.0.0.{} query a{}.example.org", i % 250, i).expect("write");
        if i % 1000 == 7 {
            writeln!(v, "hit evil.com from 1.2.3.4").expect("write");
        }
    }
    v
}

#[test]
fn gzip_and_zstd_inputs_match_like_plain_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log_lines(20_000);
    let plain = dir.path().join("a.log");
    std::fs::write(&plain, &log).expect("write");
    let gz = dir.path().join("a.log.gz");
    std::fs::write(&gz, gzip(&log)).expect("write");
    let zst = dir.path().join("a.log.zst");
    std::fs::write(&zst, zstd::encode_all(&log[..], 3).expect("zstd")).expect("write");
    let opts = ScanOptions { chunk_bytes: 64 << 10, window_bytes: 1 << 20, ..ScanOptions::default() };
    let (m_plain, r_plain) = scan_file(&plain, &opts);
    assert!(r_plain.error.is_none());
    assert_eq!(m_plain.len(), 40);
    for path in [&gz, &zst] {
        let (m, r) = scan_file(path, &opts);
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.lines, r_plain.lines);
        let lines = |v: &[ward_match::Match]| v.iter().map(|m| (m.line, m.indicator.clone())).collect::<Vec<_>>();
        assert_eq!(lines(&m), lines(&m_plain));
    }
}

#[test]
fn corrupt_and_truncated_gzip_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = gzip(&log_lines(50_000));
    let mut corrupt = gz.clone();
    let mid = corrupt.len() / 2;
    for b in &mut corrupt[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let truncated = &gz[..gz.len() / 3];
    for (name, bytes) in [("corrupt.gz", &corrupt[..]), ("truncated.gz", truncated), ("header-only.gz", &gz[..10])] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let (_, report) = scan_file(&path, &ScanOptions::default());
        match &report.error {
            Some(e @ MatchError::Decompress { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(name) && msg.contains("gzip"), "{msg}");
            }
            other => panic!("{name}: expected a decompression error, got {other:?}"),
        }
    }
}

#[test]
fn binary_garbage_is_scanned_and_flagged() {
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut garbage = Vec::with_capacity(1 << 20);
    while garbage.len() < 1 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        garbage.extend_from_slice(&state.to_le_bytes());
    }
    garbage.extend_from_slice(b"\n evil.com \n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("garbage.bin");
    std::fs::write(&path, &garbage).expect("write");
    let (m, r) = scan_file(&path, &ScanOptions::default());
    assert!(r.error.is_none());
    assert!(r.binary_bytes > 0);
    assert!(m.iter().any(|m| m.indicator == "evil.com"));
    // Garbage as JSON lines: every line falls back to plain text, counted.
    let opts = ScanOptions { format: FormatChoice::Fixed(Format::Jsonl), ..ScanOptions::default() };
    let (_, r) = scan_file(&path, &opts);
    assert!(r.lines_unparsed > 0);
}

#[test]
fn megabyte_lines() {
    let set = set_of(&["evil.com"]);
    // A 1 MB line is scanned whole in plain text.
    let mut line = "a".repeat(1_000_000);
    line.push_str(" evil.com\nevil.com\n");
    let m = scan_text(&set, &line, Format::Plain);
    assert_eq!(m.iter().map(|m| m.line).collect::<Vec<_>>(), vec![1, 2]);
    // A JSON line over the limit is skipped and counted; the next line still matches.
    let big = format!("{{\"x\":\"{}\",\"h\":\"evil.com\"}}\n{{\"h\":\"evil.com\"}}\n", "b".repeat(ward_match::MAX_LINE_BYTES));
    let opts = ScanOptions { format: FormatChoice::Fixed(Format::Jsonl), ..ScanOptions::default() };
    let (m, r) = ward_match::scan_bytes(&set, "big.jsonl", big.as_bytes(), &opts);
    assert_eq!(r.lines_too_long, 1);
    assert_eq!(m.iter().map(|m| m.line).collect::<Vec<_>>(), vec![2]);
    // Long words (a 1 MB hex run, a 1 MB dotted run) are skipped quickly.
    let hexy = format!("{} {}\n", "ab".repeat(500_000), "a.".repeat(500_000));
    let set = set_of(&["evil.com", "d41d8cd98f00b204e9800998ecf8427f"]);
    assert!(scan_text(&set, &hexy, Format::Plain).is_empty());
}

#[test]
fn invalid_indicators_are_counted_with_reasons() {
    use ward_match::{Indicator, IndicatorKind, IndicatorSet};
    let set = IndicatorSet::builder()
        .add(Indicator::new(IndicatorKind::Domain, "not a domain"))
        .add(Indicator::new(IndicatorKind::Ipv4, "1.2.3.4/33"))
        .add(Indicator::new(IndicatorKind::Md5, "abc"))
        .add(Indicator::new(IndicatorKind::Url, "evil.com/x"))
        .add(Indicator::new(IndicatorKind::Email, "no-at-sign"))
        .add(Indicator::new(IndicatorKind::Domain, "evil.com"))
        .build()
        .expect("build");
    let report = set.build_report();
    assert_eq!(report.n_invalid, 5);
    assert!(report.invalid.iter().all(|i| !i.reason.is_empty()));
    assert_eq!(set.stats().matchable, 1);
}

#[test]
fn corrupt_compiled_sets_are_errors_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let set = set_of(&["evil.com", "1.2.3.0/24", "bad@evil.com", "d41d8cd98f00b204e9800998ecf8427f", "http://x.org/a"]);
    let good = dir.path().join("good.idx");
    set.save(&good).expect("save");
    let bytes = std::fs::read(&good).expect("read");
    let path = dir.path().join("bad.idx");
    // Truncations and garbage headers fail to load.
    for cut in [0, 7, 40, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).expect("write");
        assert!(ward_match::IndicatorSet::load(&path).is_err(), "cut at {cut}");
    }
    // Flipped bytes anywhere: either a load error, or a set that scans without panicking.
    let mut state = 12345u64;
    for _ in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let i = (state >> 33) as usize % b.len();
            b[i] ^= (state >> 8) as u8 | 1;
        }
        std::fs::write(&path, &b).expect("write");
        if let Ok(s) = ward_match::IndicatorSet::load(&path) {
            let _ = scan_text(&s, "a.evil.com 1.2.3.9 bad@evil.com http://x.org/a d41d8cd98f00b204e9800998ecf8427f", Format::Plain);
            let _ = s.suppressed();
            let _ = s.indicators();
        }
    }
}

#[test]
fn missing_inputs_and_empty_globs_are_errors_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.log"), "x\n").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/b.log"), "y\n").expect("write");
    let args = vec![
        dir.path().display().to_string(),
        dir.path().join("nope.log").display().to_string(),
        dir.path().join("*.none").display().to_string(),
        dir.path().join("*.log").display().to_string(),
    ];
    let expanded = ward_match::expand_inputs(&args);
    let ok = expanded.iter().filter(|r| r.is_ok()).count();
    let errs: Vec<String> = expanded.iter().filter_map(|r| r.as_ref().err().map(ToString::to_string)).collect();
    assert_eq!(ok, 3, "{expanded:?}");
    assert_eq!(errs.len(), 2);
    assert!(errs[0].contains("no such file"));
    assert!(errs[1].contains("matched no files"));
}
