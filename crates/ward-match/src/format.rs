//! Log formats: detection from a sample, and the field a hit sits in. Line formats
//! (plain, syslog/CEF, BIND/Unbound, Squid) share the fast whole-buffer scanner and
//! name fields only for hits; JSON lines and CSV are parsed and scanned field by field.

use serde::Serialize;

/// A log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Any text: every word is examined; `key=value` and `key: value` name the field.
    Plain,
    /// One JSON object a line; every string value is examined, the field is its dotted
    /// path (Zeek `id.resp_h`, ECS `destination.ip`, …).
    Jsonl,
    /// CSV with a header line; the field is the column name.
    Csv,
    /// Syslog (RFC 3164/5424) and CEF; `key=value` extensions name the field.
    Syslog,
    /// BIND query logs and Unbound query logs; fields `client` and `query`.
    Bind,
    /// Squid native access logs; fields `client`, `url`, `peer`, `user`.
    Squid,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Syslog => "syslog",
            Format::Bind => "bind",
            Format::Squid => "squid",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "plain" | "text" => Format::Plain,
            "jsonl" | "json" | "ndjson" => Format::Jsonl,
            "csv" => Format::Csv,
            "syslog" | "cef" => Format::Syslog,
            "bind" | "unbound" | "dns" => Format::Bind,
            "squid" => Format::Squid,
            _ => return None,
        })
    }
}

/// Auto-detection per file, or one format for all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormatChoice {
    #[default]
    Auto,
    Fixed(Format),
}

impl FormatChoice {
    pub fn parse(s: &str) -> Option<FormatChoice> {
        if s.eq_ignore_ascii_case("auto") {
            Some(FormatChoice::Auto)
        } else {
            Format::parse(s).map(FormatChoice::Fixed)
        }
    }
}

const SAMPLE_LINES: usize = 20;

/// Detects the format of a log from its first bytes (decompressed). Every sampled line
/// must agree, otherwise the log is plain text (which loses nothing: every word of every
/// format is still examined).
pub fn detect_format(sample: &[u8]) -> Format {
    let mut lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(SAMPLE_LINES + 1)
        .collect();
    // The last line of a sample may be cut short.
    if lines.len() > 1 && !sample.ends_with(b"\n") {
        lines.pop();
    }
    lines.truncate(SAMPLE_LINES);
    if lines.is_empty() {
        return Format::Plain;
    }
    if lines.iter().all(|l| l.trim_ascii_start().starts_with(b"{")) {
        let parses = lines.iter().take(3).all(|l| serde_json::from_slice::<serde_json::Value>(l).is_ok_and(|v| v.is_object()));
        if parses {
            return Format::Jsonl;
        }
    }
    if lines.iter().all(|l| is_bind_line(l)) {
        return Format::Bind;
    }
    if lines.iter().all(|l| is_squid_line(l)) {
        return Format::Squid;
    }
    if lines.iter().all(|l| is_syslog_line(l)) {
        return Format::Syslog;
    }
    if lines.len() >= 2 && is_csv(&lines) {
        return Format::Csv;
    }
    Format::Plain
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn is_bind_line(l: &[u8]) -> bool {
    (contains(l, b"client ") && contains(l, b"query: ")) || (contains(l, b" info: ") && contains(l, b" IN"))
}

fn is_squid_line(l: &[u8]) -> bool {
    let cols: Vec<&[u8]> = l.split(|b| b.is_ascii_whitespace()).filter(|c| !c.is_empty()).collect();
    cols.len() >= 10
        && cols[0].iter().all(|&b| b.is_ascii_digit() || b == b'.')
        && cols[0].contains(&b'.')
        && cols[1].iter().all(u8::is_ascii_digit)
        && cols[3].contains(&b'/')
}

fn is_syslog_line(l: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] =
        [b"Jan ", b"Feb ", b"Mar ", b"Apr ", b"May ", b"Jun ", b"Jul ", b"Aug ", b"Sep ", b"Oct ", b"Nov ", b"Dec "];
    if l.starts_with(b"<") {
        let end = l.iter().position(|&b| b == b'>').unwrap_or(0);
        return (2..=4).contains(&end) && l[1..end].iter().all(u8::is_ascii_digit);
    }
    l.starts_with(b"CEF:") || contains(l, b"CEF:0|") || MONTHS.iter().any(|m| l.starts_with(m))
}

fn is_csv(lines: &[&[u8]]) -> bool {
    let count = |l: &[u8]| {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(l);
        rdr.byte_records().next().and_then(Result::ok).map_or(0, |r| r.len())
    };
    let header = lines[0];
    let n = count(header);
    if n < 2 {
        return false;
    }
    // A header is names, not data: no dots, no digits-only fields.
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(header);
    let Some(Ok(names)) = rdr.byte_records().next() else { return false };
    if names.iter().any(|f| f.is_empty() || f.contains(&b'.') || f.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    lines[1..].iter().all(|l| count(l) == n)
}

/// The field a hit at `offset` of `line` sits in, for line formats.
pub(crate) fn field_for(format: Format, line: &[u8], offset: usize) -> Option<String> {
    match format {
        Format::Squid => squid_field(line, offset),
        Format::Bind => bind_field(line, offset).or_else(|| key_before(line, offset)),
        Format::Plain | Format::Syslog | Format::Jsonl | Format::Csv => key_before(line, offset),
    }
}

fn squid_field(line: &[u8], offset: usize) -> Option<String> {
    let mut col = 0;
    let mut in_col = false;
    for (i, &b) in line.iter().enumerate() {
        if b.is_ascii_whitespace() {
            in_col = false;
        } else if !in_col {
            in_col = true;
            col += 1;
        }
        if i == offset {
            break;
        }
    }
    let name = match col {
        3 => "client",
        7 => "url",
        8 => "user",
        9 => "peer",
        _ => return None,
    };
    Some(name.to_string())
}

fn bind_field(line: &[u8], offset: usize) -> Option<String> {
    let before = &line[..offset];
    let word_end = offset + line[offset..].iter().position(|&b| b.is_ascii_whitespace()).unwrap_or(line.len() - offset);
    let word = &line[offset..word_end];
    if word.contains(&b'#') || before.ends_with(b"client ") || before.ends_with(b" info: ") {
        return Some("client".to_string());
    }
    if before.ends_with(b"query: ") || before.ends_with(b"(") && contains(line, b"query: ") {
        return Some("query".to_string());
    }
    // Unbound: `info: <client> <query>. A IN`
    if let Some(i) = memchr::memmem::rfind(before, b" info: ") {
        let between = &before[i + 7..];
        if between.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).count() == 1 {
            return Some("query".to_string());
        }
    }
    None
}

/// `key=value`, `key: value`, `"key":"value"`: the key before the value at `offset`.
fn key_before(line: &[u8], offset: usize) -> Option<String> {
    let mut i = offset;
    let is_key = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    if i > 0 && matches!(line[i - 1], b'"' | b'\'' | b'<' | b'[' | b'(') {
        i -= 1;
    }
    if i > 0 && line[i - 1] == b' ' {
        i -= 1;
    }
    if i == 0 || !matches!(line[i - 1], b'=' | b':') {
        return None;
    }
    i -= 1;
    if i > 0 && matches!(line[i - 1], b'"' | b'\'') {
        i -= 1;
    }
    let end = i;
    while i > 0 && is_key(line[i - 1]) && end - i < 64 {
        i -= 1;
    }
    if i == end {
        return None;
    }
    Some(String::from_utf8_lossy(&line[i..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(detect_format(b"{\"a\":1}\n{\"b\":\"x\"}\n"), Format::Jsonl);
        assert_eq!(
            detect_format(b"1710238532.123    150 192.168.1.10 TCP_MISS/200 1234 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html\n"),
            Format::Squid
        );
        assert_eq!(
            detect_format(b"12-Mar-2025 10:15:32.123 client @0x7f 10.0.0.1#53211 (www.example.com): query: www.example.com IN A + (10.0.0.2)\n"),
            Format::Bind
        );
        assert_eq!(detect_format(b"[1700000000] unbound[123:0] info: 10.0.0.1 example.com. A IN\n"), Format::Bind);
        assert_eq!(detect_format(b"Mar 12 10:15:32 fw01 kernel: DROP SRC=10.1.2.3 DST=8.8.8.8\n"), Format::Syslog);
        assert_eq!(detect_format(b"<34>1 2025-03-12T10:15:32Z host app - - - msg\n"), Format::Syslog);
        assert_eq!(detect_format(b"time,src,dst\n1,10.0.0.1,evil.com\n2,10.0.0.2,x.org\n"), Format::Csv);
        assert_eq!(detect_format(b"hello world\n"), Format::Plain);
    }

    #[test]
    fn fields() {
        let l = "Mar 12 fw SRC=10.1.2.3 query: evil.com \"host\":\"x.com\"";
        let at = |s: &str| l.find(s).unwrap_or(0);
        assert_eq!(key_before(l.as_bytes(), at("10.1")).as_deref(), Some("SRC"));
        assert_eq!(key_before(l.as_bytes(), at("evil")).as_deref(), Some("query"));
        assert_eq!(key_before(l.as_bytes(), at("x.com")).as_deref(), Some("host"));
        assert_eq!(key_before(l.as_bytes(), at("fw")).as_deref(), None);
        let sq = "1710238532.123    150 192.168.1.10 TCP_MISS/200 1234 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html";
        assert_eq!(squid_field(sq.as_bytes(), sq.find("192").unwrap_or(0)).as_deref(), Some("client"));
        assert_eq!(squid_field(sq.as_bytes(), sq.find("http").unwrap_or(0)).as_deref(), Some("url"));
    }
}
