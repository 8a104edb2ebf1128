//! Indicator loaders: plain lists, STIX 2.1 bundles and MISP event JSON. Bad entries are
//! skipped and reported with their line or object and the reason; a file that cannot be
//! read or parsed at all is an error.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::error::MatchError;
use crate::indicator::{Indicator, IndicatorKind};
use crate::{MAX_INDICATORS, MAX_INDICATOR_FILE_BYTES, MAX_REPORTED_PROBLEMS};

/// What kind of indicator file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorFileKind {
    Plain,
    Stix,
    Misp,
}

/// An entry that was not loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedIndicator {
    /// `line 12`, `indicator--…`, `attribute 5f1…`.
    pub location: String,
    pub value: String,
    pub reason: String,
}

/// The result of loading one indicator file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadedIndicators {
    pub indicators: Vec<Indicator>,
    /// Skipped entries (the first [`MAX_REPORTED_PROBLEMS`]; all are counted in `n_skipped`).
    pub skipped: Vec<SkippedIndicator>,
    pub n_skipped: u64,
    /// STIX patterns that are valid but not simple comparisons (AND, FOLLOWEDBY,
    /// MATCHES, qualifiers, non-indicator object paths): not matchable against logs here.
    pub n_not_matchable: u64,
    /// MISP attributes not flagged `to_ids` (not meant for detection) or of types the
    /// matcher does not handle.
    pub n_ignored: u64,
}

impl LoadedIndicators {
    fn skip(&mut self, location: String, value: &str, reason: &str) {
        self.n_skipped += 1;
        if self.skipped.len() < MAX_REPORTED_PROBLEMS {
            self.skipped.push(SkippedIndicator {
                location,
                value: value.chars().take(200).collect(),
                reason: reason.to_string(),
            });
        }
    }

    fn push(&mut self, ind: Indicator) -> Result<(), MatchError> {
        if self.indicators.len() >= MAX_INDICATORS {
            return Err(MatchError::Limit {
                what: "indicators in one file",
                limit: MAX_INDICATORS as u64,
                actual: self.indicators.len() as u64 + 1,
            });
        }
        self.indicators.push(ind);
        Ok(())
    }
}

/// Reads an indicator file, detecting its kind from the content: a JSON object with
/// `"type": "bundle"` or `objects` is STIX, one with `Event`/`response` is MISP,
/// anything else is a plain list.
pub fn load_indicator_file(path: &Path) -> Result<(IndicatorFileKind, LoadedIndicators), MatchError> {
    let meta = std::fs::metadata(path).map_err(|e| MatchError::io(path, e))?;
    if meta.len() > MAX_INDICATOR_FILE_BYTES {
        return Err(MatchError::Limit {
            what: "indicator file size in bytes",
            limit: MAX_INDICATOR_FILE_BYTES,
            actual: meta.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| MatchError::io(path, e))?;
    load_indicators_from_bytes(path, &bytes)
}

/// As [`load_indicator_file`], from bytes already read (`path` names them in errors).
pub fn load_indicators_from_bytes(path: &Path, bytes: &[u8]) -> Result<(IndicatorFileKind, LoadedIndicators), MatchError> {
    let source = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            if is_stix(&value) {
                return Ok((IndicatorFileKind::Stix, load_stix_bundle(&value, &source)?));
            }
            if is_misp(&value) {
                return Ok((IndicatorFileKind::Misp, load_misp_json(&value, &source)?));
            }
            return Err(MatchError::IndicatorFile {
                path: path.to_path_buf(),
                reason: "JSON that is neither a STIX 2.1 bundle nor a MISP event".into(),
            });
        } else if trimmed.starts_with(b"{") {
            let err = serde_json::from_slice::<Value>(bytes).err().map(|e| e.to_string()).unwrap_or_default();
            return Err(MatchError::IndicatorFile { path: path.to_path_buf(), reason: format!("invalid JSON: {err}") });
        }
    }
    let text = std::str::from_utf8(bytes).map_err(|e| MatchError::IndicatorFile {
        path: path.to_path_buf(),
        reason: format!("not UTF-8 text (byte {}); is this a binary file?", e.valid_up_to()),
    })?;
    Ok((IndicatorFileKind::Plain, load_plain_list(text, &source)?))
}

fn is_stix(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("bundle")
        || v.get("objects").is_some_and(Value::is_array)
        || v.get("type").and_then(Value::as_str) == Some("indicator")
}

fn is_misp(v: &Value) -> bool {
    v.get("Event").is_some() || v.get("response").is_some() || v.get("Attribute").is_some() || v.is_array()
}

/// A plain list: one indicator a line, kind detected, `#` starts a comment (at the
/// start of a line, or after whitespace). An optional `kind:` or `kind,` prefix
/// (`domain:evil.com`, `sha256,ab…`) forces the kind.
pub fn load_plain_list(text: &str, source: &str) -> Result<LoadedIndicators, MatchError> {
    use rayon::prelude::*;
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_INDICATORS {
        return Err(MatchError::Limit { what: "lines in an indicator list", limit: MAX_INDICATORS as u64, actual: lines.len() as u64 });
    }
    // Kind detection normalises each value: worth both cores on large lists.
    let (indicators, skipped): (Vec<Indicator>, Vec<(usize, &str)>) = lines
        .par_iter()
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = match raw.find(" #").or_else(|| raw.find("\t#")) {
                Some(c) => &raw[..c],
                None => raw,
            };
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let forced = line
                .split_once([',', ':', '\t'])
                .and_then(|(k, v)| IndicatorKind::parse(k.trim()).map(|k| (k, v.trim())))
                .filter(|(_, v)| !v.starts_with("//"));
            Some(match forced {
                Some((kind, value)) => rayon::iter::Either::Left(Indicator::new(kind, value).with_source(source)),
                None => match Indicator::detect(line) {
                    Some(ind) => rayon::iter::Either::Left(ind.with_source(source)),
                    None => rayon::iter::Either::Right((i, line)),
                },
            })
        })
        .partition_map(|e| e);
    drop(lines);
    let mut out = LoadedIndicators { indicators, ..LoadedIndicators::default() };
    for (i, line) in skipped {
        out.skip(format!("line {}", i + 1), line, "not a domain, URL, IP/CIDR, MD5/SHA-1/SHA-256 or e-mail address");
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// STIX 2.1

/// One comparison `object-path = 'value'` of a STIX pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Comparison {
    pub(crate) path: String,
    pub(crate) value: String,
}

/// The result of reading a pattern.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PatternShape {
    /// `[a = 'x' OR b = 'y' …]` (and ORs of such brackets): each comparison is an
    /// indicator of its own.
    Simple(Vec<Comparison>),
    /// Valid, but needs correlation (AND, FOLLOWEDBY, qualifiers, other operators).
    Complex(&'static str),
    Invalid(&'static str),
}

/// Reads a STIX pattern far enough to tell simple (OR-ed equality comparisons) from
/// complex ones. Quoted strings are parsed with STIX escapes (`\'`, `\\`).
pub(crate) fn parse_pattern(pattern: &str) -> PatternShape {
    #[derive(Debug, PartialEq)]
    enum Tok {
        Open,
        Close,
        Str(String),
        Word(String),
        Op(String),
    }
    let mut toks = Vec::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '[' => {
                toks.push(Tok::Open);
                i += 1;
            }
            ']' => {
                toks.push(Tok::Close);
                i += 1;
            }
            '(' | ')' => return PatternShape::Complex("parenthesised pattern"),
            '\'' => {
                let mut s = String::new();
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            s.push(chars[i + 1]);
                            i += 2;
                        }
                        '\'' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        ch => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return PatternShape::Invalid("unterminated string");
                }
                toks.push(Tok::Str(s));
            }
            '=' | '!' | '<' | '>' => {
                let mut op = String::from(c);
                if i + 1 < chars.len() && chars[i + 1] == '=' {
                    op.push('=');
                    i += 1;
                }
                toks.push(Tok::Op(op));
                i += 1;
            }
            _ => {
                let mut w = String::new();
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '\n' | '\r' | '[' | ']' | '(' | ')' | '=' | '!' | '<' | '>') {
                    if chars[i] == '\'' {
                        // quoted property name inside a path: hashes.'SHA-256'
                        let mut j = i + 1;
                        w.push('\'');
                        while j < chars.len() && chars[j] != '\'' {
                            w.push(chars[j]);
                            j += 1;
                        }
                        w.push('\'');
                        i = j + 1;
                        continue;
                    }
                    w.push(chars[i]);
                    i += 1;
                }
                toks.push(Tok::Word(w));
            }
        }
    }
    // Grammar accepted: obs ( OR obs )* ; obs = '[' cmp ( OR cmp )* ']' ; cmp = path '=' str
    let mut out = Vec::new();
    let mut t = toks.into_iter().peekable();
    loop {
        match t.next() {
            Some(Tok::Open) => {}
            Some(_) => return PatternShape::Invalid("expected '['"),
            None => return PatternShape::Invalid("empty pattern"),
        }
        loop {
            let path = match t.next() {
                Some(Tok::Word(w)) => w,
                _ => return PatternShape::Invalid("expected an object path"),
            };
            match t.next() {
                Some(Tok::Op(op)) if op == "=" => {}
                Some(Tok::Op(_)) => return PatternShape::Complex("comparison other than '='"),
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("NOT") => return PatternShape::Complex("negated comparison"),
                Some(Tok::Word(_)) => return PatternShape::Complex("operator other than '=' (IN, LIKE, MATCHES, …)"),
                _ => return PatternShape::Invalid("expected an operator"),
            }
            let value = match t.next() {
                Some(Tok::Str(s)) => s,
                _ => return PatternShape::Complex("value is not a string"),
            };
            out.push(Comparison { path, value });
            match t.next() {
                Some(Tok::Close) => break,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("OR") => continue,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("AND") => return PatternShape::Complex("AND of comparisons"),
                _ => return PatternShape::Invalid("expected ']' or OR"),
            }
        }
        match t.next() {
            None => return PatternShape::Simple(out),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("OR") => continue,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("AND") || w.eq_ignore_ascii_case("FOLLOWEDBY") => {
                return PatternShape::Complex("observation expressions combined with AND/FOLLOWEDBY")
            }
            Some(_) => return PatternShape::Complex("qualifier (WITHIN, REPEATS, START/STOP)"),
        }
    }
}

/// The indicator kind for a STIX object path, if the matcher handles it.
fn stix_path_kind(path: &str) -> Option<IndicatorKind> {
    let p = path.to_ascii_lowercase().replace('"', "'");
    Some(match p.as_str() {
        "domain-name:value" => IndicatorKind::Domain,
        "url:value" => IndicatorKind::Url,
        "ipv4-addr:value" => IndicatorKind::Ipv4,
        "ipv6-addr:value" => IndicatorKind::Ipv6,
        "email-addr:value" | "email-message:from_ref.value" | "email-message:sender_ref.value" => IndicatorKind::Email,
        "file:hashes.md5" | "file:hashes.'md5'" => IndicatorKind::Md5,
        "file:hashes.'sha-1'" | "file:hashes.sha1" | "file:hashes.'sha1'" => IndicatorKind::Sha1,
        "file:hashes.'sha-256'" | "file:hashes.sha256" | "file:hashes.'sha256'" => IndicatorKind::Sha256,
        _ => return None,
    })
}

/// Loads the `indicator` objects of a STIX 2.1 bundle (or a single indicator object).
pub fn load_stix_bundle(value: &Value, source: &str) -> Result<LoadedIndicators, MatchError> {
    let mut out = LoadedIndicators::default();
    let objects: Vec<&Value> = match value.get("objects").and_then(Value::as_array) {
        Some(objs) => objs.iter().collect(),
        None => vec![value],
    };
    for obj in objects {
        if obj.get("type").and_then(Value::as_str) != Some("indicator") {
            continue;
        }
        let id = obj.get("id").and_then(Value::as_str).unwrap_or("indicator (no id)").to_string();
        let pattern_type = obj.get("pattern_type").and_then(Value::as_str).unwrap_or("stix");
        if pattern_type != "stix" {
            out.n_not_matchable += 1;
            continue;
        }
        if obj.get("revoked").and_then(Value::as_bool) == Some(true) {
            out.n_ignored += 1;
            continue;
        }
        let Some(pattern) = obj.get("pattern").and_then(Value::as_str) else {
            out.skip(id, "", "indicator without a pattern");
            continue;
        };
        let indicator_source = obj.get("created_by_ref").and_then(Value::as_str).map_or_else(|| source.to_string(), |c| format!("{source} ({c})"));
        match parse_pattern(pattern) {
            PatternShape::Simple(comparisons) => {
                for c in comparisons {
                    match stix_path_kind(&c.path) {
                        Some(kind) => out.push(Indicator {
                            kind,
                            value: c.value,
                            id: Some(id.clone()),
                            source: Some(indicator_source.clone()),
                        })?,
                        None => out.n_not_matchable += 1,
                    }
                }
            }
            PatternShape::Complex(_) => out.n_not_matchable += 1,
            PatternShape::Invalid(reason) => out.skip(id, pattern, reason),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// MISP

/// The indicator kinds for a MISP attribute type, and how to split a composite value.
fn misp_kinds(attr_type: &str, value: &str) -> Vec<(IndicatorKind, String)> {
    let one = |k: IndicatorKind, v: &str| vec![(k, v.to_string())];
    let parts: Vec<&str> = value.split('|').collect();
    match attr_type {
        "domain" | "hostname" => one(IndicatorKind::Domain, value),
        "url" | "uri" | "link" => {
            if value.contains("://") {
                one(IndicatorKind::Url, value)
            } else {
                // CIRCL often puts bare host names (`x.onion`) in `url`.
                crate::normalize::detect_kind(value).map_or_else(Vec::new, |k| one(k, value))
            }
        }
        "ip-src" | "ip-dst" => one(if value.contains(':') && !value.contains('.') { IndicatorKind::Ipv6 } else { IndicatorKind::Ipv4 }, value),
        "ip-src|port" | "ip-dst|port" => {
            let ip = parts.first().copied().unwrap_or("");
            one(if ip.contains(':') && !ip.contains('.') { IndicatorKind::Ipv6 } else { IndicatorKind::Ipv4 }, ip)
        }
        "domain|ip" => {
            let mut v = Vec::new();
            if let Some(d) = parts.first() {
                v.push((IndicatorKind::Domain, d.to_string()));
            }
            if let Some(ip) = parts.get(1) {
                v.push((if ip.contains(':') { IndicatorKind::Ipv6 } else { IndicatorKind::Ipv4 }, ip.to_string()));
            }
            v
        }
        "hostname|port" => one(IndicatorKind::Domain, parts.first().copied().unwrap_or("")),
        "md5" => one(IndicatorKind::Md5, value),
        "sha1" => one(IndicatorKind::Sha1, value),
        "sha256" => one(IndicatorKind::Sha256, value),
        "filename|md5" => one(IndicatorKind::Md5, parts.get(1).copied().unwrap_or("")),
        "filename|sha1" => one(IndicatorKind::Sha1, parts.get(1).copied().unwrap_or("")),
        "filename|sha256" => one(IndicatorKind::Sha256, parts.get(1).copied().unwrap_or("")),
        "email" | "email-src" | "email-dst" | "email-reply-to" | "whois-registrant-email" => one(IndicatorKind::Email, value),
        _ => Vec::new(),
    }
}

/// Loads attributes (top-level and inside objects) of MISP events: `{"Event": …}`,
/// `{"response": [{"Event": …}, …]}`, `{"response": {"Attribute": […]}}` or a list of
/// events. Attributes with `to_ids: false` are not meant for detection and are ignored
/// (counted); attributes without the flag are loaded.
pub fn load_misp_json(value: &Value, source: &str) -> Result<LoadedIndicators, MatchError> {
    let mut out = LoadedIndicators::default();
    let mut events: Vec<&Value> = Vec::new();
    let mut loose_attributes: Vec<&Value> = Vec::new();
    fn gather<'v>(v: &'v Value, events: &mut Vec<&'v Value>, loose: &mut Vec<&'v Value>) {
        if let Some(e) = v.get("Event") {
            events.push(e);
        } else if let Some(r) = v.get("response") {
            gather(r, events, loose);
        } else if let Some(arr) = v.as_array() {
            for item in arr {
                gather(item, events, loose);
            }
        } else if let Some(attrs) = v.get("Attribute").and_then(Value::as_array) {
            loose.extend(attrs.iter());
        }
    }
    gather(value, &mut events, &mut loose_attributes);
    let handle = |attr: &Value, event_source: &str, out: &mut LoadedIndicators| -> Result<(), MatchError> {
        let attr_type = attr.get("type").and_then(Value::as_str).unwrap_or("");
        let value = attr.get("value").and_then(Value::as_str).unwrap_or("");
        let uuid = attr.get("uuid").and_then(Value::as_str).map(str::to_string);
        if attr.get("to_ids").and_then(Value::as_bool) == Some(false) || attr.get("deleted").and_then(Value::as_bool) == Some(true) {
            out.n_ignored += 1;
            return Ok(());
        }
        let kinds = misp_kinds(attr_type, value);
        if kinds.is_empty() {
            out.n_ignored += 1;
            return Ok(());
        }
        for (kind, v) in kinds {
            out.push(Indicator { kind, value: v, id: uuid.clone(), source: Some(event_source.to_string()) })?;
        }
        Ok(())
    };
    for event in events {
        let info = event.get("info").and_then(Value::as_str).unwrap_or("");
        let org = event.get("Orgc").and_then(|o| o.get("name")).and_then(Value::as_str);
        let event_source = match org {
            Some(org) => format!("{source}: MISP event \"{info}\" ({org})"),
            None => format!("{source}: MISP event \"{info}\""),
        };
        let attrs = event.get("Attribute").and_then(Value::as_array).into_iter().flatten();
        let obj_attrs = event
            .get("Object")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|o| o.get("Attribute").and_then(Value::as_array).into_iter().flatten());
        for attr in attrs.chain(obj_attrs) {
            handle(attr, &event_source, &mut out)?;
        }
    }
    for attr in loose_attributes {
        handle(attr, source, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let simple = |p: &str| match parse_pattern(p) {
            PatternShape::Simple(c) => c.into_iter().map(|c| (c.path, c.value)).collect::<Vec<_>>(),
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(simple("[domain-name:value = 'evil.com']"), vec![("domain-name:value".into(), "evil.com".into())]);
        assert_eq!(
            simple("[file:hashes.'SHA-256' = 'ab' OR ipv4-addr:value = '1.2.3.4'] OR [url:value = 'http://x/it\\'s']"),
            vec![
                ("file:hashes.'SHA-256'".into(), "ab".into()),
                ("ipv4-addr:value".into(), "1.2.3.4".into()),
                ("url:value".into(), "http://x/it's".into())
            ]
        );
        assert!(matches!(parse_pattern("[a:b = 'x' AND c:d = 'y']"), PatternShape::Complex(_)));
        assert!(matches!(parse_pattern("[a:b = 'x'] FOLLOWEDBY [c:d = 'y']"), PatternShape::Complex(_)));
        assert!(matches!(parse_pattern("[a:b MATCHES 'x']"), PatternShape::Complex(_)));
        assert!(matches!(parse_pattern("[a:b = 'x'] WITHIN 5 SECONDS"), PatternShape::Complex(_)));
        assert!(matches!(parse_pattern("[a:b = 'x"), PatternShape::Invalid(_)));
    }
}
