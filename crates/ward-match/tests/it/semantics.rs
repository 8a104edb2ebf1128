//! The matching semantics, as a table: `check(indicators, log text, expected
//! (indicator, matched) pairs)`. Mirrors the table in DESIGN.md.

use ward_match::{Format, FormatChoice, Indicator, IndicatorKind, IndicatorSet, ScanOptions, WarningLists};

use crate::support::{pairs, scan_text, set_of};

#[track_caller]
fn check(indicators: &[&str], text: &str, expected: &[(&str, &str)]) {
    let set = set_of(indicators);
    let got = pairs(&set, text);
    let mut want: Vec<(String, String)> = expected.iter().map(|(i, m)| (i.to_string(), m.to_string())).collect();
    want.sort();
    assert_eq!(got, want, "indicators {indicators:?}, log {text:?}");
}

#[test]
fn domains_match_on_label_boundaries() {
    let d = &["evil.com"];
    check(d, "GET evil.com", &[("evil.com", "evil.com")]);
    check(d, "query: a.b.evil.com IN A", &[("evil.com", "a.b.evil.com")]);
    check(d, "xevil.com", &[]);
    check(d, "evil.com.example.net", &[]);
    check(d, "evil.co evil.comx evil.com-backup evil_com", &[]);
    check(d, "a..evil.com", &[]);
    check(d, "(evil.com):", &[("evil.com", "evil.com")]);
    check(d, "host=evil.com:443", &[("evil.com", "evil.com")]);
    check(d, "http://user@Sub.Evil.com:8080/x?q=1", &[("evil.com", "Sub.Evil.com")]);
    check(d, "mail from bob@evil.com", &[("evil.com", "evil.com")]);
}

#[test]
fn domains_are_case_insensitive_and_ignore_the_trailing_dot() {
    check(&["Evil.COM."], "EVIL.com. and evil.com", &[("evil.com", "EVIL.com"), ("evil.com", "evil.com")]);
    check(&["*.evil.com"], "www.evil.com", &[("evil.com", "www.evil.com")]);
}

#[test]
fn every_matching_parent_is_reported() {
    check(&["evil.com", "a.evil.com"], "x.a.evil.com", &[("a.evil.com", "x.a.evil.com"), ("evil.com", "x.a.evil.com")]);
}

#[test]
fn idn_in_unicode_and_punycode() {
    check(&["bücher.de"], "xn--bcher-kva.de", &[("xn--bcher-kva.de", "xn--bcher-kva.de")]);
    check(&["xn--bcher-kva.de"], "www.bücher.de", &[("xn--bcher-kva.de", "www.bücher.de")]);
    check(&["bücher.de"], "BÜCHER.de", &[("xn--bcher-kva.de", "BÜCHER.de")]);
}

#[test]
fn ipv4_exact_ports_and_near_misses() {
    let i = &["1.2.3.4"];
    check(i, "SRC=1.2.3.4 DST=9.9.9.9", &[("1.2.3.4", "1.2.3.4")]);
    check(i, "1.2.3.4:443", &[("1.2.3.4", "1.2.3.4")]);
    check(i, "1.2.3.45 11.2.3.4 1.2.3.4.5 01.2.3.4 1.2.3.40", &[]);
    check(i, "client 1.2.3.4#53 (x)", &[("1.2.3.4", "1.2.3.4")]);
    check(i, "::ffff:1.2.3.4", &[("1.2.3.4", "::ffff:1.2.3.4")]);
    check(&["::ffff:1.2.3.4"], "1.2.3.4", &[("1.2.3.4", "1.2.3.4")]);
}

#[test]
fn cidr_ranges_report_the_longest_prefix() {
    let i = &["1.2.0.0/16", "1.2.3.0/24", "1.2.3.7"];
    check(i, "1.2.3.9", &[("1.2.3.0/24", "1.2.3.9")]);
    check(i, "1.2.4.1", &[("1.2.0.0/16", "1.2.4.1")]);
    check(i, "1.2.3.7", &[("1.2.3.7", "1.2.3.7")]);
    check(i, "1.3.0.0 1.1.255.255", &[]);
    check(&["10.0.0.0/8"], "10.255.255.255", &[("10.0.0.0/8", "10.255.255.255")]);
    check(&["1.2.3.4/24"], "1.2.3.200", &[("1.2.3.0/24", "1.2.3.200")]);
}

#[test]
fn ipv6_exact_and_ranges() {
    check(&["2001:db8::/32"], "SRC=2001:db8:1::5", &[("2001:db8::/32", "2001:db8:1::5")]);
    check(&["2001:db8::/32"], "[2001:DB8::1]:443", &[("2001:db8::/32", "2001:DB8::1")]);
    check(&["2001:db8::1"], "2001:0db8:0:0:0:0:0:1", &[("2001:db8::1", "2001:0db8:0:0:0:0:0:1")]);
    check(&["2001:db8::/32"], "2001:db9::1 10:15:32.123 52:54:00:aa:bb:cc", &[]);
}

#[test]
fn digests_exact_case_insensitive_on_token_boundaries() {
    let md5 = "d41d8cd98f00b204e9800998ecf8427f";
    let sha1 = "46aba99aa7158e4609aaa72b50990842fd22ae86";
    let sha256 = "ec5aedf5ecc6bdadd4120932170d1b10f6cfa175cfda22951dfd882928ab279b";
    check(&[md5], &format!("md5={}", md5.to_uppercase()), &[(md5, &md5.to_uppercase())]);
    check(&[md5], &format!("file_{md5}.exe"), &[(md5, md5)]);
    check(&[md5], &format!("{md5}0 0{md5} {}", &md5[1..]), &[]);
    check(&[sha1], &format!("{sha1}{}", "0".repeat(24)), &[]);
    check(&[sha256], &format!("sha256:{sha256}"), &[(sha256, sha256)]);
    check(&[&sha256.to_uppercase()], sha256, &[(sha256, sha256)]);
}

#[test]
fn urls_are_normalised_and_matched_exactly() {
    let u = &["http://evil.com/a/b"];
    check(u, "GET HTTP://EVIL.COM:80/a/b/ HTTP/1.1", &[("http://evil.com/a/b", "HTTP://EVIL.COM:80/a/b/")]);
    check(u, "http://evil.com/a/b#frag", &[("http://evil.com/a/b", "http://evil.com/a/b#frag")]);
    check(u, "http://evil.com/a/bc https://evil.com/a/b http://evil.com/a", &[]);
    check(&["http://evil.com/~x"], "\"http://evil.com/%7ex\"", &[("http://evil.com/~x", "http://evil.com/%7ex")]);
    check(&["hxxp://evil[.]com/a"], "url=http://evil.com/a", &[("http://evil.com/a", "http://evil.com/a")]);
    check(&["http://evil.com/"], "http://evil.com", &[("http://evil.com/", "http://evil.com")]);
    check(
        &["http://evil.com/a", "evil.com"],
        "http://evil.com/a",
        &[("http://evil.com/a", "http://evil.com/a"), ("evil.com", "evil.com")],
    );
}

#[test]
fn emails() {
    let e = &["bad@evil.com"];
    check(e, "from=<Bad@Evil.com>", &[("bad@evil.com", "Bad@Evil.com")]);
    check(e, "xbad@evil.com bad@evil.com.au john+bad@evil.com bad@xevil.com", &[]);
    check(e, "mailto:bad@evil.com", &[("bad@evil.com", "bad@evil.com")]);
    check(&["bad[@]evil[.]com"], "bad@evil.com", &[("bad@evil.com", "bad@evil.com")]);
}

#[test]
fn defanged_logs_only_when_asked() {
    let set = set_of(&["evil.com", "http://evil.com/x"]);
    let log = "seen hxxp://evil[.]com/x and evil(.)com";
    assert!(scan_text(&set, log, Format::Plain).is_empty());
    let opts = ScanOptions { format: FormatChoice::Fixed(Format::Plain), refang_logs: true, ..ScanOptions::default() };
    let (matches, _) = ward_match::scan_bytes(&set, "t", log.as_bytes(), &opts);
    let mut got: Vec<(String, String)> = matches.into_iter().map(|m| (m.indicator, m.matched)).collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("evil.com".to_string(), "evil.com".to_string()),
            ("http://evil.com/x".to_string(), "http://evil.com/x".to_string())
        ]
    );
}

#[test]
fn line_numbers_are_one_based_and_duplicates_in_a_line_reported_once() {
    let set = set_of(&["evil.com"]);
    let m = scan_text(&set, "nothing\n(evil.com): query: evil.com\n\nevil.com\n", Format::Plain);
    let lines: Vec<u64> = m.iter().map(|m| m.line).collect();
    assert_eq!(lines, vec![2, 4]);
}

#[test]
fn warning_lists_suppress_and_report() {
    let indicators = ["google.com", "10.0.0.0/8", "8.8.8.8", "evil.com", "d41d8cd98f00b204e9800998ecf8427e"];
    let set = IndicatorSet::builder()
        .extend(indicators.iter().map(|v| Indicator::detect(v).expect("indicator")))
        .add(Indicator::new(IndicatorKind::Domain, "com"))
        .build()
        .expect("build");
    let suppressed: Vec<String> = set.suppressed().into_iter().map(|s| s.indicator).collect();
    assert_eq!(suppressed.len(), 5, "{suppressed:?}");
    assert!(set.suppressed().iter().all(|s| !s.reason.is_empty()));
    assert_eq!(set.stats().matchable, 1);
    let got = pairs(&set, "www.google.com 10.1.2.3 8.8.8.8 evil.com d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(got, vec![("evil.com".to_string(), "evil.com".to_string())]);
}

#[test]
fn indicator_ids_and_sources_are_reported() {
    let set = IndicatorSet::builder()
        .warning_lists(WarningLists::none())
        .add(Indicator::new(IndicatorKind::Domain, "evil.com").with_id("indicator--1").with_source("feed-a"))
        .add(Indicator::new(IndicatorKind::Domain, "evil.com").with_id("indicator--2").with_source("feed-b"))
        .add(Indicator::new(IndicatorKind::Domain, "evil.com").with_id("indicator--2").with_source("feed-b"))
        .build()
        .expect("build");
    assert_eq!(set.build_report().n_duplicates, 1);
    let m = scan_text(&set, "evil.com", Format::Plain);
    let mut ids: Vec<_> = m.iter().map(|m| (m.indicator_id.clone(), m.source.clone())).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            (Some("indicator--1".into()), Some("feed-a".into())),
            (Some("indicator--2".into()), Some("feed-b".into()))
        ]
    );
}

#[test]
fn compiled_sets_round_trip_through_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let set = set_of(&["evil.com", "1.2.3.0/24", "2001:db8::/32", "bad@evil.com", "http://x.org/a", "d41d8cd98f00b204e9800998ecf8427f"]);
    let path = dir.path().join("set.wmidx");
    set.save(&path).expect("save");
    let loaded = IndicatorSet::load(&path).expect("load");
    let log = "a.evil.com 1.2.3.9 2001:db8::1 bad@evil.com http://x.org/a D41D8CD98F00B204E9800998ECF8427F";
    assert_eq!(pairs(&set, log), pairs(&loaded, log));
    assert_eq!(pairs(&loaded, log).len(), 7);
    assert_eq!(loaded.stats().matchable, set.stats().matchable);
    assert_eq!(loaded.indicators().len(), 6);
}
