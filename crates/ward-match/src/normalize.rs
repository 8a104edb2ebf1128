//! Normalisation shared by indicators and log text: one function per kind, so that an
//! indicator and a log token meet in the same canonical form (lowercase punycode domains,
//! RFC 3986-normalised URLs, masked CIDRs, lowercase hex digests).

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::indicator::IndicatorKind;
use crate::{MAX_DOMAIN_BYTES, MAX_URL_BYTES};

/// Undoes the usual defanging of indicators: `hxxp`/`hxxps`/`fxp` schemes, `[.]`, `(.)`,
/// `{.}`, `[dot]`, `[:]`, `[://]`, `[@]`, `(@)`, `[at]` (case-insensitive).
pub fn refang(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let needs = bytes.iter().any(|&b| matches!(b, b'[' | b'(' | b'{'))
        || starts_with_ignore_case(s.trim_start().as_bytes(), b"hxxp")
        || starts_with_ignore_case(s.trim_start().as_bytes(), b"fxp");
    if !needs {
        return Cow::Borrowed(s);
    }
    const REPLACEMENTS: [(&str, &str); 11] = [
        ("[://]", "://"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[:]", ":"),
        ("[@]", "@"),
        ("(@)", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s.trim();
    for (from, to) in [("hxxps", "https"), ("hxxp", "http"), ("fxp", "ftp")] {
        if starts_with_ignore_case(rest.as_bytes(), from.as_bytes())
            && rest[from.len()..].starts_with([':', '['])
        {
            out.push_str(to);
            rest = &rest[from.len()..];
            break;
        }
    }
    'outer: while !rest.is_empty() {
        for (from, to) in REPLACEMENTS {
            if starts_with_ignore_case(rest.as_bytes(), from.as_bytes()) {
                out.push_str(to);
                rest = &rest[from.len()..];
                continue 'outer;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    Cow::Owned(out)
}

fn starts_with_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Checks a lowercase ASCII host name: non-empty labels of `[a-z0-9_-]`, at most 63
/// bytes each and 253 in all, the last label starting with a letter (so that numbers
/// such as `12.5` or `1.2.3.4.5` are never domains).
pub fn validate_hostname(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty domain name");
    }
    if name.len() > MAX_DOMAIN_BYTES {
        return Err("domain name longer than 253 bytes");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("empty label in domain name");
        }
        if label.len() > 63 {
            return Err("domain label longer than 63 bytes");
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
            return Err("domain name contains characters other than letters, digits, '-' and '_'");
        }
    }
    let last = name.rsplit('.').next().unwrap_or("");
    if !last.as_bytes().first().is_some_and(|b| b.is_ascii_lowercase()) {
        return Err("top-level label must start with a letter");
    }
    Ok(())
}

/// Normalises a domain indicator: trims, drops a leading `*.` and one trailing dot,
/// lowercases, converts Unicode (IDN) to punycode, validates.
pub fn normalize_domain(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let s = s.strip_prefix("*.").unwrap_or(s);
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() {
        return Err("empty domain name");
    }
    if s.len() > 4 * MAX_DOMAIN_BYTES {
        return Err("domain name too long");
    }
    let ascii = if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(s).map_err(|_| "invalid internationalised domain name")?
    };
    validate_hostname(&ascii)?;
    Ok(ascii)
}

/// Converts a log-side hostname candidate with non-ASCII bytes to lowercase punycode.
pub(crate) fn idn_to_ascii(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    let ascii = idna::domain_to_ascii(s).ok()?;
    validate_hostname(&ascii).ok()?;
    Some(ascii)
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        "ftp" => Some("21"),
        _ => None,
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 3986 §6.2.2 percent-encoding normalisation: escapes of unreserved characters are
/// decoded, other escapes are uppercased, and bytes that must be escaped are escaped.
fn push_pct_normalized(out: &mut Vec<u8>, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                let v = h * 16 + l;
                if is_unreserved(v) {
                    out.push(v);
                } else {
                    out.extend_from_slice(&[b'%', HEX_UPPER[usize::from(h)], HEX_UPPER[usize::from(l)]]);
                }
                i += 3;
                continue;
            }
        }
        // A `%` that starts no escape is a literal percent sign: written `%25`, or the
        // next pass would read it as the start of an escape (`%%33` → `%3` → `3`).
        if b <= 0x20 || b >= 0x7f || matches!(b, b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | b'%') {
            out.extend_from_slice(&[b'%', HEX_UPPER[usize::from(b >> 4)], HEX_UPPER[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
        i += 1;
    }
}

/// Normalises a URL (indicator or log text): lowercase scheme and host, IDN host to
/// punycode, trailing dot of the host and default port dropped, percent-encoding
/// normalised, empty path as `/`, trailing slashes of a longer path dropped, empty
/// query and fragment dropped. `None` when the text is not a URL.
pub fn normalize_url_bytes(input: &[u8]) -> Option<String> {
    let input = input.trim_ascii();
    if input.len() > MAX_URL_BYTES {
        return None;
    }
    let sep = memchr::memmem::find(input, b"://")?;
    let scheme = &input[..sep];
    if !scheme.first().is_some_and(u8::is_ascii_alphabetic)
        || !scheme.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    {
        return None;
    }
    let scheme = String::from_utf8_lossy(scheme).to_ascii_lowercase();
    let rest = &input[sep + 3..];
    let auth_end = rest.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let (userinfo, hostport) = match memchr::memrchr(b'@', authority) {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port): (&[u8], Option<&[u8]>) = if hostport.first() == Some(&b'[') {
        let end = memchr::memchr(b']', hostport)?;
        let after = &hostport[end + 1..];
        let port = match after.first() {
            None => None,
            Some(b':') => Some(&after[1..]),
            Some(_) => return None,
        };
        (&hostport[..=end], port)
    } else {
        match memchr::memrchr(b':', hostport) {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        }
    };
    let host = normalize_url_host(host)?;
    let port = match port {
        None | Some(b"") => None,
        Some(p) if p.iter().all(u8::is_ascii_digit) && p.len() <= 5 => {
            let p = std::str::from_utf8(p).ok()?.trim_start_matches('0');
            let p = if p.is_empty() { "0" } else { p };
            if default_port(&scheme) == Some(p) {
                None
            } else {
                Some(p.to_string())
            }
        }
        Some(_) => return None,
    };
    let tail = match memchr::memchr(b'#', tail) {
        Some(i) => &tail[..i],
        None => tail,
    };
    let (path, query) = match memchr::memchr(b'?', tail) {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    let mut out = Vec::with_capacity(input.len() + 8);
    out.extend_from_slice(scheme.as_bytes());
    out.extend_from_slice(b"://");
    if let Some(userinfo) = userinfo {
        push_pct_normalized(&mut out, userinfo);
        out.push(b'@');
    }
    out.extend_from_slice(host.as_bytes());
    if let Some(port) = port {
        out.push(b':');
        out.extend_from_slice(port.as_bytes());
    }
    let path_start = out.len();
    push_pct_normalized(&mut out, path);
    while out.len() > path_start + 1 && out.last() == Some(&b'/') {
        out.pop();
    }
    if out.len() == path_start {
        out.push(b'/');
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        out.push(b'?');
        push_pct_normalized(&mut out, query);
    }
    String::from_utf8(out).ok()
}

/// Normalises a URL indicator; see [`normalize_url_bytes`].
pub fn normalize_url(s: &str) -> Result<String, &'static str> {
    normalize_url_bytes(s.as_bytes()).ok_or("not a URL (scheme://host/…)")
}

/// The host of a URL, as compared: lowercase, punycode, no trailing dot. IPv6 literals
/// keep their brackets.
pub(crate) fn normalize_url_host(host: &[u8]) -> Option<String> {
    if host.first() == Some(&b'[') {
        let inner = std::str::from_utf8(host.get(1..host.len() - 1)?).ok()?;
        let ip: Ipv6Addr = inner.parse().ok()?;
        return Some(format!("[{ip}]"));
    }
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.is_empty() || host.len() > 4 * MAX_DOMAIN_BYTES {
        return None;
    }
    let h = if host.is_ascii() {
        String::from_utf8_lossy(host).to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(std::str::from_utf8(host).ok()?).ok()?
    };
    // The same check for both: an IDN conversion can keep ASCII punctuation (`9]̤` becomes
    // `xn--9]-9wb`), which the ASCII path rejects — normalising must be idempotent.
    if h.bytes().any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))) {
        return None;
    }
    // No empty label: `..` or `evil.com..` lose one trailing dot here and would lose
    // another when normalised again. And no empty host: IDNA maps some characters (U+034F,
    // the combining grapheme joiner) to nothing.
    if h.is_empty() || h.starts_with('.') || h.ends_with('.') || h.contains("..") {
        return None;
    }
    Some(h)
}

/// Bytes allowed in the local part of an e-mail address as the matcher reads it
/// (RFC 5322 atext without `'`, `/`, `=` and `?`, which in logs are field syntax).
pub fn is_email_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'!' | b'#' | b'$' | b'%' | b'&' | b'*' | b'+' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~' | b'-')
}

/// Normalises an e-mail indicator: lowercase local part, normalised domain.
pub fn normalize_email(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    let (local, domain) = s.rsplit_once('@').ok_or("e-mail address without '@'")?;
    let local = local.trim_matches('.');
    if local.is_empty() {
        return Err("empty e-mail local part");
    }
    if !local.bytes().all(is_email_local_byte) {
        return Err("e-mail local part has characters the matcher does not read (quotes, '/', '=', '?', spaces)");
    }
    let domain = normalize_domain(domain)?;
    Ok(format!("{}@{}", local.to_ascii_lowercase(), domain))
}

/// Strict dotted-quad IPv4 parser (four decimal octets, no leading zeros, no sign).
#[inline]
pub fn parse_ipv4(b: &[u8]) -> Option<u32> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut value: u32 = 0;
    let mut octet: u32 = 0;
    let mut digits = 0;
    let mut dots = 0;
    let mut first_digit = 0u8;
    for &c in b {
        if c.is_ascii_digit() {
            if digits == 0 {
                first_digit = c;
            } else if first_digit == b'0' {
                return None;
            }
            octet = octet * 10 + u32::from(c - b'0');
            digits += 1;
            if digits > 3 || octet > 255 {
                return None;
            }
        } else if c == b'.' {
            if digits == 0 {
                return None;
            }
            value = (value << 8) | octet;
            octet = 0;
            digits = 0;
            dots += 1;
            if dots > 3 {
                return None;
            }
        } else {
            return None;
        }
    }
    if dots != 3 || digits == 0 {
        return None;
    }
    Some((value << 8) | octet)
}

/// An IP network in canonical form: host bits cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpNet {
    V4 { network: u32, prefix_len: u8 },
    V6 { network: u128, prefix_len: u8 },
}

impl IpNet {
    pub fn kind(&self) -> IndicatorKind {
        match self {
            IpNet::V4 { .. } => IndicatorKind::Ipv4,
            IpNet::V6 { .. } => IndicatorKind::Ipv6,
        }
    }

    /// `1.2.3.4`, `1.2.3.0/24`, `2001:db8::/32`, `2001:db8::1`.
    pub fn canonical(&self) -> String {
        match *self {
            IpNet::V4 { network, prefix_len: 32 } => Ipv4Addr::from(network).to_string(),
            IpNet::V4 { network, prefix_len } => format!("{}/{prefix_len}", Ipv4Addr::from(network)),
            IpNet::V6 { network, prefix_len: 128 } => Ipv6Addr::from(network).to_string(),
            IpNet::V6 { network, prefix_len } => format!("{}/{prefix_len}", Ipv6Addr::from(network)),
        }
    }

    /// First and last address as 128-bit numbers (IPv4 in the low 32 bits).
    pub(crate) fn range(&self) -> (u128, u128) {
        match *self {
            IpNet::V4 { network, prefix_len } => {
                let host = u32::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0);
                (u128::from(network), u128::from(network | host))
            }
            IpNet::V6 { network, prefix_len } => {
                let host = u128::MAX.checked_shr(u32::from(prefix_len)).unwrap_or(0);
                (network, network | host)
            }
        }
    }
}

fn v4_mask(prefix_len: u8) -> u32 {
    if prefix_len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix_len))
    }
}

fn v6_mask(prefix_len: u8) -> u128 {
    if prefix_len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix_len))
    }
}

/// If `ip` is IPv4-mapped (`::ffff:a.b.c.d`), the IPv4 address.
pub fn ipv4_mapped(ip: u128) -> Option<u32> {
    if ip >> 32 == 0xffff {
        Some(ip as u32)
    } else {
        None
    }
}

/// Parses an IP indicator: an address, a CIDR (host bits are cleared), `ip:port`,
/// `[v6]:port`. IPv4-mapped IPv6 addresses and ranges become IPv4.
pub fn parse_ip_indicator(s: &str) -> Result<IpNet, &'static str> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            let p: u8 = p.trim().parse().map_err(|_| "CIDR prefix length is not a number")?;
            (a.trim(), Some(p))
        }
        None => (s, None),
    };
    let addr = addr.trim_start_matches('[');
    let addr = match addr.split_once(']') {
        Some((a, _port)) => a,
        None => addr,
    };
    if let Some(v4) = parse_ipv4(addr.as_bytes()).or_else(|| {
        // `a.b.c.d:port`
        let (a, port) = addr.rsplit_once(':')?;
        if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() {
            parse_ipv4(a.as_bytes())
        } else {
            None
        }
    }) {
        let prefix_len = prefix.unwrap_or(32);
        if prefix_len > 32 {
            return Err("IPv4 prefix length above 32");
        }
        return Ok(IpNet::V4 { network: v4 & v4_mask(prefix_len), prefix_len });
    }
    let v6: Ipv6Addr = addr.parse().map_err(|_| "not an IP address or CIDR range")?;
    let v6 = u128::from(v6);
    let prefix_len = prefix.unwrap_or(128);
    if prefix_len > 128 {
        return Err("IPv6 prefix length above 128");
    }
    if let Some(v4) = ipv4_mapped(v6) {
        if prefix_len >= 96 {
            let p4 = prefix_len - 96;
            return Ok(IpNet::V4 { network: v4 & v4_mask(p4), prefix_len: p4 });
        }
    }
    Ok(IpNet::V6 { network: v6 & v6_mask(prefix_len), prefix_len })
}

/// Decodes a 32/40/64-digit hex digest into `out`; returns the byte length.
#[inline]
pub fn decode_hex_digest(hex: &[u8], out: &mut [u8; 32]) -> Option<usize> {
    if !matches!(hex.len(), 32 | 40 | 64) {
        return None;
    }
    // Eight hex digits (four output bytes) per step: digests are decoded for every
    // candidate run in a log, so this is on the hot path.
    for (i, c) in hex.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        let v = hex8(u64::from_le_bytes(a))?;
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    Some(hex.len() / 2)
}

/// Decodes eight ASCII hex digits packed little-endian in `x` (SWAR) into four bytes,
/// first digit in the high nibble of the first byte; `None` if any byte is not a hex digit.
#[inline]
fn hex8(x: u64) -> Option<u32> {
    const L: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * L;
    if x & HIGH != 0 {
        return None;
    }
    // Bit 7 of each byte: in '0'..='9'; (lowercased) in 'a'..='f'. No carries cross bytes.
    let digit = (x + (0x80 - 0x30) * L) & !(x + (0x80 - 0x3a) * L) & HIGH;
    let lx = x | (0x20 * L);
    let letter = (lx + (0x80 - 0x61) * L) & !(lx + (0x80 - 0x67) * L) & HIGH;
    if digit | letter != HIGH {
        return None;
    }
    let nib = (x & (0x0f * L)) + (letter >> 7) * 9;
    // Pairs of nibbles into 16-bit lanes, then the lanes' low bytes together.
    let t = ((nib & 0x00ff_00ff_00ff_00ff) << 4) | ((nib & 0xff00_ff00_ff00_ff00) >> 8);
    let t = (t | (t >> 8)) & 0x0000_ffff_0000_ffff;
    Some(((t | (t >> 16)) & 0xffff_ffff) as u32)
}

/// The digest kind for a hex length.
pub fn digest_kind(hex_len: usize) -> Option<IndicatorKind> {
    match hex_len {
        32 => Some(IndicatorKind::Md5),
        40 => Some(IndicatorKind::Sha1),
        64 => Some(IndicatorKind::Sha256),
        _ => None,
    }
}

/// Detects the kind of an indicator value (after refanging): URL, e-mail, IPv4/IPv6
/// (also CIDR and `ip:port`), MD5/SHA-1/SHA-256, domain. `None` for anything else.
pub fn detect_kind(value: &str) -> Option<IndicatorKind> {
    let v = refang(value);
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if v.contains("://") {
        return normalize_url(v).ok().map(|_| IndicatorKind::Url);
    }
    if v.contains('@') {
        return normalize_email(v).ok().map(|_| IndicatorKind::Email);
    }
    if let Ok(net) = parse_ip_indicator(v) {
        return Some(net.kind());
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Some(kind) = digest_kind(v.len()) {
            return Some(kind);
        }
    }
    if v.contains('.') && looks_like_domain(v) {
        return Some(IndicatorKind::Domain);
    }
    None
}

/// [`normalize_domain`] succeeds, without allocating for ASCII names.
fn looks_like_domain(v: &str) -> bool {
    if !v.is_ascii() {
        return normalize_domain(v).is_ok();
    }
    let v = v.strip_prefix("*.").unwrap_or(v);
    let v = v.strip_suffix('.').unwrap_or(v);
    if v.is_empty() || v.len() > MAX_DOMAIN_BYTES {
        return false;
    }
    let mut last = "";
    for label in v.split('.') {
        if label.is_empty() || label.len() > 63 || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return false;
        }
        last = label;
    }
    last.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
}

/// The canonical, normalised form of one indicator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NormalizedKey {
    Domain(String),
    Url(String),
    Email(String),
    Ip(IpNet),
    Digest(Vec<u8>),
}

impl NormalizedKey {
    /// The canonical display form (what match records report as `indicator`).
    pub(crate) fn canonical(&self) -> Cow<'_, str> {
        match self {
            NormalizedKey::Domain(s) | NormalizedKey::Url(s) | NormalizedKey::Email(s) => Cow::Borrowed(s),
            NormalizedKey::Ip(net) => Cow::Owned(net.canonical()),
            NormalizedKey::Digest(d) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut s = String::with_capacity(d.len() * 2);
                for &b in d {
                    s.push(char::from(HEX[usize::from(b >> 4)]));
                    s.push(char::from(HEX[usize::from(b & 15)]));
                }
                Cow::Owned(s)
            }
        }
    }
}

/// Normalises an indicator value of the given kind; returns the (possibly corrected,
/// e.g. mapped IPv6 → IPv4) kind and the key.
pub(crate) fn normalize_indicator(kind: IndicatorKind, value: &str) -> Result<(IndicatorKind, NormalizedKey), &'static str> {
    let v = refang(value);
    let v = v.trim();
    if v.is_empty() {
        return Err("empty value");
    }
    match kind {
        IndicatorKind::Domain => {
            Ok((kind, NormalizedKey::Domain(normalize_domain(v)?)))
        }
        IndicatorKind::Url => {
            Ok((kind, NormalizedKey::Url(normalize_url(v)?)))
        }
        IndicatorKind::Email => {
            Ok((kind, NormalizedKey::Email(normalize_email(v)?)))
        }
        IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
            let net = parse_ip_indicator(v)?;
            Ok((net.kind(), NormalizedKey::Ip(net)))
        }
        IndicatorKind::Md5 | IndicatorKind::Sha1 | IndicatorKind::Sha256 => {
            if digest_kind(v.len()) != Some(kind) {
                return Err(match kind {
                    IndicatorKind::Md5 => "MD5 must be 32 hex digits",
                    IndicatorKind::Sha1 => "SHA-1 must be 40 hex digits",
                    _ => "SHA-256 must be 64 hex digits",
                });
            }
            let mut buf = [0u8; 32];
            let n = decode_hex_digest(v.as_bytes(), &mut buf).ok_or("digest has characters other than hex digits")?;
            Ok((kind, NormalizedKey::Digest(buf[..n].to_vec())))
        }
    }
}

#[cfg(test)]
mod tests {
    /// Found by the `normalize` fuzz target: the IDN conversion of `9]` + U+0324 keeps
    /// the `]`, so the normalised URL did not normalise again.
    #[test]
    fn url_with_punctuation_in_an_idn_host_is_rejected_like_an_ascii_one() {
        assert!(super::normalize_url("Y://@9]\u{324}").is_err());
        assert!(super::normalize_url("y://@xn--9]-9wb/").is_err());
        // Also found by it: a host of dots (`l.cl://…@../`) lost one dot per pass.
        for bad in ["l.cl://x@../", "http://evil.com../a", "http://a..evil.com/", "http://./"] {
            assert!(super::normalize_url(bad).is_err(), "{bad}");
        }
        assert_eq!(super::normalize_url("http://Evil.com./a").as_deref(), Ok("http://evil.com/a"));
        // And a stray `%` before an escape (`%%33`) turned into a new escape (`%3` + `3`).
        assert_eq!(super::normalize_url("http://e.com/a%%338B").as_deref(), Ok("http://e.com/a%2538B"));
        assert_eq!(super::normalize_url("http://e.com/100%").as_deref(), Ok("http://e.com/100%25"));
        assert_eq!(super::normalize_url("http://e.com/%7e%41%2f").as_deref(), Ok("http://e.com/~A%2F"));
        // And a host that IDNA maps to nothing (U+034F) left an empty host behind.
        assert!(super::normalize_url("W.://W^@\u{34f}:/\0\0\0\0@\0").is_err());
        assert!(super::normalize_url("http://\u{34f}/").is_err());
        for ok in ["http://b\u{fc}cher.de/a", "HTTP://EVIL.COM:80/a/b/"] {
            let u = super::normalize_url(ok).expect("valid URL");
            assert_eq!(super::normalize_url(&u), Ok(u.clone()), "idempotent");
        }
    }

    #[test]
    fn swar_hex_decoding_matches_bytewise() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"0123456789abcdefABCDEFgG/:@`\x7f\x80";
        for round in 0..20_000 {
            let len = [32, 40, 64][round % 3];
            let mut hex = vec![0u8; len];
            for b in hex.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly valid digits, sometimes one odd byte.
                let pick = if state % 97 == 0 { alphabet.len() } else { 22 };
                *b = alphabet[(state >> 8) as usize % pick];
            }
            if round % 50 == 0 {
                hex[round % len] = (round / 50) as u8;
            }
            let mut want = [0u8; 32];
            let ok = hex.chunks_exact(2).enumerate().all(|(i, p)| match (super::hex_val(p[0]), super::hex_val(p[1])) {
                (Some(a), Some(b)) => {
                    want[i] = a << 4 | b;
                    true
                }
                _ => false,
            });
            let mut got = [0u8; 32];
            let r = super::decode_hex_digest(&hex, &mut got);
            assert_eq!(r.is_some(), ok, "{hex:?}");
            if ok {
                assert_eq!(got[..len / 2], want[..len / 2]);
            }
        }
    }

    use super::*;

    #[test]
    fn refang_examples() {
        assert_eq!(refang("hxxp://evil[.]com/x"), "http://evil.com/x");
        assert_eq!(refang("hXXps[://]evil(.)com"), "https://evil.com");
        assert_eq!(refang("bad[@]evil[dot]com"), "bad@evil.com");
        assert_eq!(refang("plain.com"), "plain.com");
    }

    #[test]
    fn url_normalisation() {
        let n = |s: &str| normalize_url(s).expect("valid");
        assert_eq!(n("HTTP://Evil.COM"), "http://evil.com/");
        assert_eq!(n("http://evil.com:80/a/"), "http://evil.com/a");
        assert_eq!(n("https://evil.com:443/%7euser/%2f?q=%3a#frag"), "https://evil.com/~user/%2F?q=%3A");
        assert_eq!(n("http://evil.com:8080/"), "http://evil.com:8080/");
        assert_eq!(n("http://evil.com./x?"), "http://evil.com/x");
        assert_eq!(n("http://bücher.de/ä"), "http://xn--bcher-kva.de/%C3%A4");
        assert!(normalize_url("evil.com/x").is_err());
    }

    #[test]
    fn ipv4_parser_is_strict() {
        assert_eq!(parse_ipv4(b"1.2.3.4"), Some(0x01020304));
        assert_eq!(parse_ipv4(b"255.255.255.255"), Some(u32::MAX));
        for bad in ["1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1..2.3", "1.2.3.4.", "a.b.c.d"] {
            assert_eq!(parse_ipv4(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn ip_indicators() {
        assert_eq!(parse_ip_indicator("1.2.3.4/24").expect("valid").canonical(), "1.2.3.0/24");
        assert_eq!(parse_ip_indicator("1.2.3.4:8080").expect("valid").canonical(), "1.2.3.4");
        assert_eq!(parse_ip_indicator("::ffff:1.2.3.4").expect("valid").canonical(), "1.2.3.4");
        assert_eq!(parse_ip_indicator("2001:DB8::1/32").expect("valid").canonical(), "2001:db8::/32");
        assert_eq!(parse_ip_indicator("[2001:db8::1]:443").expect("valid").canonical(), "2001:db8::1");
    }
}
