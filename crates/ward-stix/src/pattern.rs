//! The STIX 2.1 patterning language: a complete parser to an AST, and printing back.
//!
//! Grammar (STIX 2.1 §9): observation expressions joined by `AND`, `OR` and `FOLLOWEDBY`
//! (binding in that order, tightest first), each either `[comparison expression]` or a
//! parenthesised observation expression, followed by any of the qualifiers
//! `WITHIN n SECONDS`, `REPEATS n TIMES`, `START t'…' STOP t'…'`. Comparison expressions join
//! property tests with `AND` (tighter) and `OR`; a test is `object-type:path` with an operator
//! (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, each
//! optionally preceded by `NOT`), or `EXISTS path`, or a parenthesised comparison expression.
//! Errors give the byte offset and what was expected there.

use std::fmt;

use crate::limits::{MAX_PATTERN_BYTES, MAX_PATTERN_DEPTH};

/// A parse error: where (byte offset, 0-based) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern error at offset {offset}: expected {expected}, found {found}")]
pub struct PatternError {
    pub offset: usize,
    pub expected: String,
    pub found: String,
}

/// A whole pattern: one observation expression tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(pub Observation);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObsOp {
    And,
    Or,
    FollowedBy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    Within(Number),
    Repeats(u64),
    StartStop(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// `[ … ]`
    Simple(Comparison),
    /// `( … )`
    Group(Box<Observation>),
    Binary(ObsOp, Box<Observation>, Box<Observation>),
    Qualified(Box<Observation>, Qualifier),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
}

impl CmpOp {
    fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Neq => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "IN",
            CmpOp::Like => "LIKE",
            CmpOp::Matches => "MATCHES",
            CmpOp::IsSubset => "ISSUBSET",
            CmpOp::IsSuperset => "ISSUPERSET",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    Test { path: ObjectPath, negated: bool, op: CmpOp, value: Literal },
    Exists(ObjectPath),
    Group(Box<Comparison>),
    And(Box<Comparison>, Box<Comparison>),
    Or(Box<Comparison>, Box<Comparison>),
}

/// `object-type:first.rest[0].'quoted'[*]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    pub object_type: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Property(String),
    Index(i64),
    AnyIndex,
}

/// A number as written (kept as text so printing round-trips exactly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(pub String);

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(Number),
    Str(String),
    Bool(bool),
    Binary(String),
    Hex(String),
    Timestamp(String),
    Set(Vec<Literal>),
}

/// Parses a pattern.
pub fn parse(input: &str) -> Result<Pattern, PatternError> {
    if input.len() > MAX_PATTERN_BYTES {
        return Err(PatternError { offset: MAX_PATTERN_BYTES, expected: format!("a pattern of at most {MAX_PATTERN_BYTES} bytes"), found: format!("{} bytes", input.len()) });
    }
    let mut p = Parser { src: input, pos: 0, depth: 0 };
    let obs = p.observations()?;
    p.skip_ws();
    if p.pos < input.len() {
        return Err(p.error("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern"));
    }
    Ok(Pattern(obs))
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

const KEYWORDS: [&str; 17] = ["AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "IN", "START", "STOP", "SECONDS", "WITHIN", "REPEATS", "TIMES", "LAST"];

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }
    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }
    fn found(&self) -> String {
        let r = self.rest();
        if r.is_empty() {
            return "the end of the pattern".into();
        }
        let tok: String = r.chars().take_while(|c| !c.is_whitespace()).take(20).collect();
        format!("{tok:?}")
    }
    fn error(&self, expected: &str) -> PatternError {
        PatternError { offset: self.pos, expected: expected.into(), found: self.found() }
    }
    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_PATTERN_DEPTH {
            return Err(PatternError { offset: self.pos, expected: format!("at most {MAX_PATTERN_DEPTH} nested levels"), found: "deeper nesting".into() });
        }
        Ok(())
    }
    /// Consumes `sym` (punctuation) after whitespace.
    fn eat(&mut self, sym: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(sym) {
            self.pos += sym.len();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, sym: &str, what: &str) -> Result<(), PatternError> {
        if self.eat(sym) { Ok(()) } else { Err(self.error(what)) }
    }
    /// Consumes keyword `kw` when it stands alone (not a prefix of an identifier).
    fn eat_kw(&mut self, kw: &str) -> bool {
        self.skip_ws();
        let r = self.rest();
        if r.starts_with(kw) && !r[kw.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    // observations := or (FOLLOWEDBY or)*
    fn observations(&mut self) -> Result<Observation, PatternError> {
        let mut left = self.obs_or()?;
        while self.eat_kw("FOLLOWEDBY") {
            let right = self.obs_or()?;
            left = Observation::Binary(ObsOp::FollowedBy, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn obs_or(&mut self) -> Result<Observation, PatternError> {
        let mut left = self.obs_and()?;
        while self.eat_kw("OR") {
            let right = self.obs_and()?;
            left = Observation::Binary(ObsOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn obs_and(&mut self) -> Result<Observation, PatternError> {
        let mut left = self.obs_qualified()?;
        while self.eat_kw("AND") {
            let right = self.obs_qualified()?;
            left = Observation::Binary(ObsOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn obs_qualified(&mut self) -> Result<Observation, PatternError> {
        let mut obs = self.obs_primary()?;
        loop {
            if self.eat_kw("WITHIN") {
                self.skip_ws();
                let n = self.number()?.ok_or_else(|| self.error("a positive number of seconds"))?;
                if n.0.starts_with('-') || n.0.trim_start_matches(['0', '.']).is_empty() {
                    return Err(self.error("a positive number of seconds"));
                }
                if !self.eat_kw("SECONDS") {
                    return Err(self.error("SECONDS"));
                }
                obs = Observation::Qualified(Box::new(obs), Qualifier::Within(n));
            } else if self.eat_kw("REPEATS") {
                self.skip_ws();
                let at = self.pos;
                let n = self.number()?.ok_or_else(|| self.error("a positive integer"))?;
                let count: u64 = n.0.parse().ok().filter(|c| *c > 0).ok_or(PatternError { offset: at, expected: "a positive integer".into(), found: n.0.clone() })?;
                if !self.eat_kw("TIMES") {
                    return Err(self.error("TIMES"));
                }
                obs = Observation::Qualified(Box::new(obs), Qualifier::Repeats(count));
            } else if self.eat_kw("START") {
                let start = self.timestamp_literal()?;
                if !self.eat_kw("STOP") {
                    return Err(self.error("STOP"));
                }
                let stop = self.timestamp_literal()?;
                obs = Observation::Qualified(Box::new(obs), Qualifier::StartStop(start, stop));
            } else {
                return Ok(obs);
            }
        }
    }
    fn obs_primary(&mut self) -> Result<Observation, PatternError> {
        if self.eat("[") {
            self.enter()?;
            let c = self.comparison()?;
            self.expect("]", "AND, OR or `]` closing the observation expression")?;
            self.depth -= 1;
            Ok(Observation::Simple(c))
        } else if self.eat("(") {
            self.enter()?;
            let o = self.observations()?;
            self.expect(")", "AND, OR, FOLLOWEDBY, a qualifier or `)`")?;
            self.depth -= 1;
            Ok(Observation::Group(Box::new(o)))
        } else {
            Err(self.error("`[` starting an observation expression or `(`"))
        }
    }

    // comparison := and (OR and)*
    fn comparison(&mut self) -> Result<Comparison, PatternError> {
        let mut left = self.cmp_and()?;
        while self.eat_kw("OR") {
            let right = self.cmp_and()?;
            left = Comparison::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn cmp_and(&mut self) -> Result<Comparison, PatternError> {
        let mut left = self.prop_test()?;
        while self.eat_kw("AND") {
            let right = self.prop_test()?;
            left = Comparison::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn prop_test(&mut self) -> Result<Comparison, PatternError> {
        if self.eat("(") {
            self.enter()?;
            let c = self.comparison()?;
            self.expect(")", "AND, OR or `)`")?;
            self.depth -= 1;
            return Ok(Comparison::Group(Box::new(c)));
        }
        if self.eat_kw("EXISTS") {
            return Ok(Comparison::Exists(self.object_path()?));
        }
        let path = self.object_path()?;
        let negated = self.eat_kw("NOT");
        self.skip_ws();
        let op = if self.eat("<=") {
            CmpOp::Le
        } else if self.eat(">=") {
            CmpOp::Ge
        } else if self.eat("!=") {
            CmpOp::Neq
        } else if self.eat("=") {
            CmpOp::Eq
        } else if self.eat("<") {
            CmpOp::Lt
        } else if self.eat(">") {
            CmpOp::Gt
        } else if self.eat_kw("IN") {
            CmpOp::In
        } else if self.eat_kw("LIKE") {
            CmpOp::Like
        } else if self.eat_kw("MATCHES") {
            CmpOp::Matches
        } else if self.eat_kw("ISSUBSET") {
            CmpOp::IsSubset
        } else if self.eat_kw("ISSUPERSET") {
            CmpOp::IsSuperset
        } else {
            return Err(self.error("a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"));
        };
        self.skip_ws();
        let at = self.pos;
        let value = match op {
            CmpOp::In => self.set_literal()?,
            CmpOp::Like | CmpOp::Matches | CmpOp::IsSubset | CmpOp::IsSuperset => match self.literal()? {
                Some(Literal::Str(s)) => Literal::Str(s),
                _ => return Err(PatternError { offset: at, expected: format!("a string literal after {}", op.as_str()), found: self.src[at..].chars().take(20).collect() }),
            },
            CmpOp::Eq | CmpOp::Neq => self.literal()?.ok_or_else(|| self.error("a literal (string, number, boolean, b'…', h'…' or t'…')"))?,
            _ => match self.literal()? {
                Some(Literal::Bool(_)) | None => return Err(PatternError { offset: at, expected: "an orderable literal (string, number, b'…', h'…' or t'…')".into(), found: self.src[at..].chars().take(20).collect() }),
                Some(l) => l,
            },
        };
        Ok(Comparison::Test { path, negated, op, value })
    }
    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        self.skip_ws();
        let at = self.pos;
        let ty = self.identifier(true).ok_or_else(|| self.error("an object path (object-type:property)"))?;
        if KEYWORDS.contains(&ty.as_str()) {
            self.pos = at;
            return Err(self.error("an object path (object-type:property)"));
        }
        if let Err(e) = crate::ident::check_type_name(&ty) {
            return Err(PatternError { offset: at, expected: "a valid STIX object type".into(), found: e });
        }
        if !self.rest().starts_with(':') {
            return Err(self.error("`:` after the object type"));
        }
        self.pos += 1;
        let mut steps = vec![PathStep::Property(self.path_name().ok_or_else(|| self.error("a property name"))?)];
        loop {
            if self.rest().starts_with('.') {
                self.pos += 1;
                steps.push(PathStep::Property(self.path_name().ok_or_else(|| self.error("a property name after `.`"))?));
            } else if self.rest().starts_with('[') {
                self.pos += 1;
                if self.rest().starts_with('*') {
                    self.pos += 1;
                    steps.push(PathStep::AnyIndex);
                } else {
                    let at = self.pos;
                    let n = self.number()?.ok_or_else(|| self.error("a list index or `*`"))?;
                    let i: i64 = n.0.parse().map_err(|_| PatternError { offset: at, expected: "an integer list index or `*`".into(), found: n.0.clone() })?;
                    steps.push(PathStep::Index(i));
                }
                if !self.rest().starts_with(']') {
                    return Err(self.error("`]` closing the list index"));
                }
                self.pos += 1;
            } else {
                return Ok(ObjectPath { object_type: ty, steps });
            }
        }
    }
    fn path_name(&mut self) -> Option<String> {
        if self.rest().starts_with('\'') {
            return self.string_body().ok();
        }
        self.identifier(false)
    }
    fn identifier(&mut self, hyphens: bool) -> Option<String> {
        let r = self.rest();
        let first = r.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || (hyphens && c == '-'))).unwrap_or(r.len());
        self.pos += len;
        Some(r[..len].to_owned())
    }
    /// A quoted string starting at the current position (`'` … `'`, with `\'` and `\\`).
    fn string_body(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('\'' | '\\'))) => out.push(e),
                    _ => return Err(PatternError { offset: self.pos + i, expected: "`\\'` or `\\\\` (the only escapes in a string literal)".into(), found: "another escape".into() }),
                },
                c => out.push(c),
            }
        }
        Err(PatternError { offset: start, expected: "a closing `'`".into(), found: "the end of the pattern".into() })
    }
    fn number(&mut self) -> Result<Option<Number>, PatternError> {
        let r = self.rest();
        let b = r.as_bytes();
        let mut i = 0;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let digits_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut float = false;
        if i < b.len() && b[i] == b'.' {
            float = true;
            i += 1;
            let frac = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == frac {
                self.pos += i;
                return Err(self.error("digits after the decimal point"));
            }
        }
        if i == digits_start {
            return Ok(None);
        }
        let text = r[..i].to_owned();
        let _ = float;
        self.pos += i;
        Ok(Some(Number(text)))
    }
    fn timestamp_literal(&mut self) -> Result<String, PatternError> {
        self.skip_ws();
        match self.literal()? {
            Some(Literal::Timestamp(t)) => Ok(t),
            _ => Err(self.error("a timestamp literal t'YYYY-MM-DDTHH:MM:SSZ'")),
        }
    }
    fn set_literal(&mut self) -> Result<Literal, PatternError> {
        self.expect("(", "`(` starting a set of literals")?;
        let mut items = Vec::new();
        if self.eat(")") {
            return Ok(Literal::Set(items));
        }
        loop {
            self.skip_ws();
            items.push(self.literal()?.ok_or_else(|| self.error("a literal in the set"))?);
            if self.eat(")") {
                return Ok(Literal::Set(items));
            }
            self.expect(",", "`,` or `)` in the set")?;
        }
    }
    /// A primitive literal at the current position, or `None` when none starts here.
    fn literal(&mut self) -> Result<Option<Literal>, PatternError> {
        let r = self.rest();
        let prefixed = |p: &str| r.starts_with(p) && r[p.len()..].starts_with('\'');
        if r.starts_with('\'') {
            return self.string_body().map(|s| Some(Literal::Str(s)));
        }
        for (p, kind) in [("t", 't'), ("b", 'b'), ("h", 'h')] {
            if prefixed(p) {
                let at = self.pos;
                self.pos += 1;
                let body = self.string_body()?;
                let ok = match kind {
                    't' => crate::timestamp::parse(&body).is_ok(),
                    'b' => body.len() % 4 == 0 && body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='),
                    _ => body.len() % 2 == 0 && body.bytes().all(|c| c.is_ascii_hexdigit()),
                };
                if !ok {
                    let what = match kind { 't' => "a STIX timestamp in t'…'", 'b' => "base64 in b'…'", _ => "an even number of hex digits in h'…'" };
                    return Err(PatternError { offset: at, expected: what.into(), found: format!("{body:?}") });
                }
                return Ok(Some(match kind { 't' => Literal::Timestamp(body), 'b' => Literal::Binary(body), _ => Literal::Hex(body) }));
            }
        }
        if self.eat_kw("true") {
            return Ok(Some(Literal::Bool(true)));
        }
        if self.eat_kw("false") {
            return Ok(Some(Literal::Bool(false)));
        }
        let at = self.pos;
        Ok(match self.number()? {
            None => None,
            Some(n) if n.0.contains('.') => Some(Literal::Float(n)),
            Some(n) => Some(Literal::Int(n.0.parse().map_err(|_| PatternError { offset: at, expected: "an integer that fits 64 bits".into(), found: n.0.clone() })?)),
        })
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observation::Simple(c) => write!(f, "[{c}]"),
            Observation::Group(o) => write!(f, "({o})"),
            Observation::Binary(op, l, r) => {
                let kw = match op { ObsOp::And => "AND", ObsOp::Or => "OR", ObsOp::FollowedBy => "FOLLOWEDBY" };
                write!(f, "{l} {kw} {r}")
            }
            Observation::Qualified(o, Qualifier::Within(n)) => write!(f, "{o} WITHIN {} SECONDS", n.0),
            Observation::Qualified(o, Qualifier::Repeats(n)) => write!(f, "{o} REPEATS {n} TIMES"),
            Observation::Qualified(o, Qualifier::StartStop(a, b)) => write!(f, "{o} START t{} STOP t{}", quote(a), quote(b)),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::Test { path, negated, op, value } => write!(f, "{path} {}{} {value}", if *negated { "NOT " } else { "" }, op.as_str()),
            Comparison::Exists(p) => write!(f, "EXISTS {p}"),
            Comparison::Group(c) => write!(f, "({c})"),
            Comparison::And(l, r) => write!(f, "{l} AND {r}"),
            Comparison::Or(l, r) => write!(f, "{l} OR {r}"),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                PathStep::Property(p) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = p.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if plain { f.write_str(p)? } else { f.write_str(&quote(p))? }
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(n) => f.write_str(&n.0),
            Literal::Str(s) => f.write_str(&quote(s)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Binary(s) => write!(f, "b{}", quote(s)),
            Literal::Hex(s) => write!(f, "h{}", quote(s)),
            Literal::Timestamp(s) => write!(f, "t{}", quote(s)),
            Literal::Set(items) => {
                f.write_str("(")?;
                for (i, l) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{l}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) {
        let parsed = parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let printed = parsed.to_string();
        assert_eq!(parse(&printed).unwrap(), parsed, "round trip of {p} via {printed}");
    }

    fn err(p: &str, offset: usize, expected_part: &str) {
        let e = parse(p).expect_err(p);
        assert_eq!(e.offset, offset, "{p}: {e}");
        assert!(e.expected.contains(expected_part), "{p}: {e}");
    }

    #[test]
    fn valid_patterns() {
        for p in [
            "[ipv4-addr:value = '203.0.113.7']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[domain-name:value = 'evil.example' OR domain-name:value = 'bad.example' AND domain-name:value != 'x']",
            "[url:value LIKE '%/admin%'] FOLLOWEDBY [ipv4-addr:value ISSUBSET '198.51.100.0/24']",
            "([file:size > 1024 AND file:size <= 4096] AND [process:pid IN (1, 2, 3)]) WITHIN 300 SECONDS",
            "[network-traffic:dst_port NOT IN (80, 443)] REPEATS 5 TIMES WITHIN 2.5 SECONDS",
            "[x-custom-thing:nested.list[*].name MATCHES '^a\\\\d+$'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[file:content_ref.payload_bin = b'aGVsbG8='] OR [artifact:hashes.MD5 = h'0a1b']",
            "[email-message:is_multipart = true AND EXISTS email-message:from_ref.value]",
            "[network-traffic:src_ref.value ISSUPERSET '10.0.0.1' AND (x509-certificate:version >= -1 OR windows-registry-key:values[0].name = 'a\\'b')]",
            "[a-b:c[-1] = 1.5]",
        ] {
            ok(p);
        }
    }

    #[test]
    fn errors_name_position_and_expectation() {
        err("[ipv4-addr:value = '1.2.3.4'", 28, "`]`");
        err("ipv4-addr:value = '1'", 0, "`[`");
        err("[ipv4-addr:value == '1']", 18, "literal");
        err("[ipv4-addr:value LIKE 5]", 22, "string literal");
        err("[ipv4-addr:value = '1'] WITHIN SECONDS", 31, "positive number");
        err("[ipv4-addr:value = '1'] REPEATS 0 TIMES", 32, "positive integer");
        err("[ipv4-addr:value = '1'] START t'2016' STOP t'2017'", 30, "timestamp");
        err("[ipv4-addr value = '1']", 10, "`:`");
        err("[ipv4-addr:value = '1'] BOGUS", 24, "end of the pattern");
        err("[file:hashes.MD5 = h'abc']", 19, "hex");
        err("[ipv4-addr:value > true]", 19, "orderable");
        err("[ipv4-addr:value = 'unterminated]", 19, "closing");
        let deep = format!("{}[a-b:c = 1]{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().expected.contains("nested"));
        assert!(parse(&"x".repeat(MAX_PATTERN_BYTES + 1)).is_err());
    }

    #[test]
    fn precedence_and_binds_tighter_than_or_then_followedby() {
        let p = parse("[a-a:b = 1] OR [a-a:b = 2] AND [a-a:b = 3] FOLLOWEDBY [a-a:b = 4]").unwrap();
        let Observation::Binary(ObsOp::FollowedBy, left, _) = p.0 else { panic!("FOLLOWEDBY at the top") };
        let Observation::Binary(ObsOp::Or, _, right) = *left else { panic!("OR below") };
        assert!(matches!(*right, Observation::Binary(ObsOp::And, _, _)));
    }
}
