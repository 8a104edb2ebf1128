//! Per-format field extraction and format detection.

use ward_match::Format;

use crate::support::{scan_text, set_of};

fn fields(format: Format, indicators: &[&str], text: &str) -> Vec<(u64, String, Option<String>)> {
    let set = set_of(indicators);
    let mut v: Vec<_> = scan_text(&set, text, format).into_iter().map(|m| (m.line, m.indicator, m.field)).collect();
    v.sort();
    v
}

fn f(line: u64, indicator: &str, field: Option<&str>) -> (u64, String, Option<String>) {
    (line, indicator.to_string(), field.map(str::to_string))
}

#[test]
fn json_lines_name_the_field_path() {
    let log = concat!(
        r#"{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"1.2.3.4","query":"a.evil.com"}"#,
        "\n",
        r#"{"@timestamp":"x","destination":{"ip":"1.2.3.4"},"url":{"full":"http://evil.com/x"}}"#,
        "\n",
        r#"{"host":"evil.com","uri":"/x","method":"GET"}"#,
        "\n",
        "not json but evil.com\n",
    );
    let got = fields(Format::Jsonl, &["evil.com", "1.2.3.4", "http://evil.com/x"], log);
    assert_eq!(
        got,
        vec![
            f(1, "1.2.3.4", Some("id.resp_h")),
            f(1, "evil.com", Some("query")),
            f(2, "1.2.3.4", Some("destination.ip")),
            f(2, "evil.com", Some("url.full")),
            f(2, "http://evil.com/x", Some("url.full")),
            f(3, "evil.com", Some("host")),
            f(3, "http://evil.com/x", Some("host+uri")),
            f(4, "evil.com", None),
        ]
    );
}

#[test]
fn csv_names_the_column() {
    let log = "time,src,dst,note\n1,10.0.0.1,1.2.3.4,\"seen, evil.com\"\n2,1.2.3.4,10.0.0.2,x\n";
    let got = fields(Format::Csv, &["evil.com", "1.2.3.4"], log);
    assert_eq!(got, vec![f(2, "1.2.3.4", Some("dst")), f(2, "evil.com", Some("note")), f(3, "1.2.3.4", Some("src"))]);
}

#[test]
fn squid_bind_syslog_fields() {
    let squid = "1710238532.123    150 1.2.3.4 TCP_MISS/200 1234 GET http://a.evil.com/x - HIER_DIRECT/5.6.7.8 text/html\n";
    assert_eq!(
        fields(Format::Squid, &["evil.com", "1.2.3.4", "5.6.7.8"], squid),
        vec![f(1, "1.2.3.4", Some("client")), f(1, "5.6.7.8", Some("peer")), f(1, "evil.com", Some("url"))]
    );
    let bind = "12-Mar-2025 10:15:32.123 client @0x7f 1.2.3.4#53211 (a.evil.com): query: a.evil.com IN A + (10.0.0.2)\n";
    assert_eq!(
        fields(Format::Bind, &["evil.com", "1.2.3.4"], bind),
        vec![f(1, "1.2.3.4", Some("client")), f(1, "evil.com", Some("query"))]
    );
    let unbound = "[1700000000] unbound[123:0] info: 1.2.3.4 a.evil.com. A IN\n";
    assert_eq!(
        fields(Format::Bind, &["evil.com", "1.2.3.4"], unbound),
        vec![f(1, "1.2.3.4", Some("client")), f(1, "evil.com", Some("query"))]
    );
    let cef = "Mar 12 10:15:32 fw CEF:0|Vendor|FW|1.0|100|Blocked|5|src=1.2.3.4 dst=10.0.0.9 dhost=a.evil.com\n";
    assert_eq!(
        fields(Format::Syslog, &["evil.com", "1.2.3.4"], cef),
        vec![f(1, "1.2.3.4", Some("src")), f(1, "evil.com", Some("dhost"))]
    );
}

#[test]
fn detection_per_file() {
    use ward_match::detect_format;
    assert_eq!(detect_format(b"{\"a\":\"b\"}\n"), Format::Jsonl);
    assert_eq!(detect_format(b"a,b,c\n1,2,3\n"), Format::Csv);
    assert_eq!(detect_format(b"Mar 12 10:15:32 fw01 kernel: x\n"), Format::Syslog);
    assert_eq!(detect_format(b"\x00\x01\x02garbage\xff\n"), Format::Plain);
    // Mixed formats fall back to plain text, which loses nothing.
    assert_eq!(detect_format(b"{\"a\":1}\nMar 12 10:15:32 fw01 kernel: x\n"), Format::Plain);
}

#[test]
fn csv_files_are_read_from_their_first_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows.csv");
    std::fs::write(&path, "src,dst\n10.0.0.1,1.2.3.4\n").expect("write");
    let set = set_of(&["1.2.3.4"]);
    let mut got = Vec::new();
    let report = ward_match::scan_input(&set, &ward_match::Input::File(path), &ward_match::ScanOptions::default(), &mut |m| {
        got.push((m.line, m.field));
    });
    assert_eq!(report.format, Format::Csv);
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(got, vec![(2, Some("dst".to_string()))]);
}
