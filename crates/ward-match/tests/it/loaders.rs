//! Indicator loaders: plain lists, STIX 2.1 bundles, MISP events (the shared real data
//! is read in place).

use std::path::Path;

use ward_match::{load_indicators_from_bytes, IndicatorFileKind, IndicatorKind};

use crate::support::shared_data;

#[test]
fn plain_lists_detect_kinds_and_skip_junk_with_reasons() {
    let text = "# comment\nevil.com\nhxxp://bad[.]org/x  # trailing comment\n1.2.3.0/24\n2001:db8::/32\n\
                d41d8cd98f00b204e9800998ecf8427f\nbob@evil.com\nsha256,ABCDEF\nnot an indicator\n\n";
    let (kind, loaded) = load_indicators_from_bytes(Path::new("list.txt"), text.as_bytes()).expect("load");
    assert_eq!(kind, IndicatorFileKind::Plain);
    let kinds: Vec<IndicatorKind> = loaded.indicators.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![
            IndicatorKind::Domain,
            IndicatorKind::Url,
            IndicatorKind::Ipv4,
            IndicatorKind::Ipv6,
            IndicatorKind::Md5,
            IndicatorKind::Email,
            IndicatorKind::Sha256
        ]
    );
    assert_eq!(loaded.n_skipped, 1);
    assert_eq!(loaded.skipped[0].location, "line 9");
    // The forced-kind entry is invalid as a SHA-256: compiling reports it.
    let set = ward_match::IndicatorSet::builder().extend(loaded.indicators).build().expect("build");
    assert_eq!(set.build_report().n_invalid, 1);
    assert!(set.build_report().invalid[0].reason.contains("SHA-256"));
}

#[test]
fn binary_and_broken_json_indicator_files_are_errors() {
    let err = load_indicators_from_bytes(Path::new("x.bin"), b"\xff\xfe\x00garbage").expect_err("binary");
    assert!(err.to_string().contains("x.bin"), "{err}");
    let err = load_indicators_from_bytes(Path::new("x.json"), b"{\"type\": \"bundle\", ").expect_err("json");
    assert!(err.to_string().contains("invalid JSON"), "{err}");
}

#[test]
fn stix_bundles_simple_patterns_only() {
    let bundle = r#"{"type":"bundle","id":"bundle--1","objects":[
      {"type":"indicator","id":"indicator--a","pattern_type":"stix","pattern":"[domain-name:value = 'evil.com']"},
      {"type":"indicator","id":"indicator--b","pattern_type":"stix","pattern":"[url:value = 'http://x4z9arb.cn/4712/'] OR [ipv4-addr:value = '1.2.3.0/24']"},
      {"type":"indicator","id":"indicator--c","pattern_type":"stix","pattern":"[file:hashes.'SHA-256' = 'ec5aedf5ecc6bdadd4120932170d1b10f6cfa175cfda22951dfd882928ab279b']"},
      {"type":"indicator","id":"indicator--d","pattern_type":"stix","pattern":"[file:hashes.MD5 = '8764605c6f388c89096b534d33565802' AND file:name = 'oui']"},
      {"type":"indicator","id":"indicator--e","pattern_type":"stix","pattern":"[file:name = 'x.exe']"},
      {"type":"indicator","id":"indicator--f","pattern_type":"sigma","pattern":"title: x"},
      {"type":"indicator","id":"indicator--g","pattern_type":"stix","pattern":"[domain-name:value = 'unterminated]"},
      {"type":"malware","id":"malware--1","name":"x"}
    ]}"#;
    let (kind, loaded) = load_indicators_from_bytes(Path::new("b.json"), bundle.as_bytes()).expect("load");
    assert_eq!(kind, IndicatorFileKind::Stix);
    let got: Vec<(IndicatorKind, &str, &str)> =
        loaded.indicators.iter().map(|i| (i.kind, i.value.as_str(), i.id.as_deref().unwrap_or(""))).collect();
    assert_eq!(
        got,
        vec![
            (IndicatorKind::Domain, "evil.com", "indicator--a"),
            (IndicatorKind::Url, "http://x4z9arb.cn/4712/", "indicator--b"),
            (IndicatorKind::Ipv4, "1.2.3.0/24", "indicator--b"),
            (IndicatorKind::Sha256, "ec5aedf5ecc6bdadd4120932170d1b10f6cfa175cfda22951dfd882928ab279b", "indicator--c"),
        ]
    );
    assert_eq!(loaded.n_not_matchable, 3);
    assert_eq!(loaded.n_skipped, 1);
}

#[test]
fn real_stix_and_misp_files_load() {
    let Some(data) = shared_data() else { return };
    let url_example = data.join("stix21/oasis_cti_documentation_examples/indicator-for-malicious-url.json");
    let (kind, loaded) = ward_match::load_indicator_file(&url_example).expect("stix");
    assert_eq!(kind, IndicatorFileKind::Stix);
    assert_eq!(loaded.indicators.len(), 1);
    assert_eq!(loaded.indicators[0].value, "http://x4z9arb.cn/4712/");

    let mut n_misp = 0;
    let mut n_files = 0;
    for entry in std::fs::read_dir(data.join("misp/circl_osint_events")).expect("misp dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let (kind, loaded) = ward_match::load_indicator_file(&path).expect("misp");
            assert_eq!(kind, IndicatorFileKind::Misp, "{}", path.display());
            n_misp += loaded.indicators.len();
            n_files += 1;
            let set = ward_match::IndicatorSet::from_indicators(loaded.indicators).expect("build");
            assert!(set.build_report().n_invalid <= set.build_report().n_input);
        }
    }
    assert!(n_files >= 10 && n_misp > 500, "{n_files} files, {n_misp} indicators");

    let collection = data.join("misp/misp_stix_tests/test_events_collection_1.json");
    let (kind, loaded) = ward_match::load_indicator_file(&collection).expect("misp collection");
    assert_eq!(kind, IndicatorFileKind::Misp);
    assert!(loaded.indicators.iter().any(|i| i.value == "circl.lu"), "{:?}", loaded.indicators);

    // Every STIX 2.1 file in the shared data loads without error.
    let mut stack = vec![data.join("stix21")];
    let mut n_stix = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                let r = ward_match::load_indicator_file(&p);
                if let Ok((IndicatorFileKind::Stix, l)) = r {
                    n_stix += l.indicators.len();
                }
            }
        }
    }
    assert!(n_stix >= 1);
}
