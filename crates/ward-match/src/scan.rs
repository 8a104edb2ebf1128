//! The token scanner: finds the words of a byte buffer that can hold an indicator and
//! looks each one up with exact semantics. It works on any buffer (a 4 MiB chunk of a
//! log, one line, one JSON string) and reports hits as byte ranges plus a group of
//! indicator records; line numbers and fields are worked out later, for hits only.
//!
//! Words are maximal runs of `[A-Za-z0-9._:@-]` and bytes ≥ 0x80. Within a word:
//! - a word ending in `:` followed by `//` starts a URL (scheme run to the left, up to
//!   the first whitespace, quote, `<`, `>`, backtick or backslash);
//! - maximal alphanumeric runs of 32, 40 or 64 hex digits are digests;
//! - a word with two or more `:` that parses as IPv6 is an IPv6 address (mapped IPv4
//!   goes to IPv4); otherwise the word is split at `:` into parts;
//! - in a part, text after the last `@` is a host, and `local@host` an e-mail address;
//! - a host (dots trimmed at both ends) is an IPv4 address if it is a dotted quad, else a
//!   domain name if it has a dot, no empty label and a last label starting with a letter.

use crate::compiled::View;
use crate::hashing::hash_bytes;
use crate::normalize::{self, is_email_local_byte};
use crate::simd::candidates64;
use crate::{MAX_DOMAIN_BYTES, MAX_URL_BYTES, MAX_WORD_BYTES};

/// A hit: the matched text's byte range in the scanned buffer, its line (0-based,
/// within the buffer) and the indicator group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) group: u32,
    pub(crate) line: u64,
}

const fn word_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' || b == b':' || b == b'@' || b >= 0x80;
        i += 1;
    }
    t
}

static WORD: [bool; 256] = word_table();

/// True for bytes that can be part of a word.
#[inline]
pub fn is_word_byte(b: u8) -> bool {
    WORD[usize::from(b)]
}

/// True for bytes that end a URL in a log.
#[inline]
pub fn is_url_terminator(b: u8) -> bool {
    b <= 0x20 || b == 0x7f || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\')
}

/// True for bytes of a URL scheme.
#[inline]
pub fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

/// Scans `buf`, appending hits (in no particular order) to `hits`; returns the number
/// of newlines in `buf` (counted on the way, from the same SIMD pass).
pub(crate) fn scan(view: &View<'_>, buf: &[u8], hits: &mut Vec<Hit>) -> u64 {
    let want_hex = !view.digest.is_empty();
    let mut pos = 0usize;
    let mut done = 0usize;
    let mut lines = 0u64;
    let n = buf.len();
    let mut tail = [0u8; 64];
    let mut out = Sink::new(hits);
    while pos < n {
        let masks = if let Some(Ok(block)) = buf.get(pos..pos + 64).map(<&[u8; 64]>::try_from) {
            candidates64(block)
        } else {
            tail.fill(0);
            tail[..n - pos].copy_from_slice(&buf[pos..]);
            candidates64(&tail)
        };
        let crate::simd::Masks { special, hex, newline, word, colon, at } = masks;
        let mut cand = special | if want_hex { hex } else { 0 };
        if pos + 64 > n {
            cand &= (1u64 << (n - pos)) - 1;
        }
        if done > pos {
            cand = clear_below(cand, done - pos);
        }
        while cand != 0 {
            let bit = cand.trailing_zeros();
            let p = pos + bit as usize;
            let (ws, we) = word_bounds_masked(buf, pos, word, bit, p);
            out.line = lines + u64::from((newline & ((1u64 << bit) - 1)).count_ones());
            // What the word holds, from the masks when it lies inside this block.
            let shape = if ws >= pos && we <= pos + 64 && we > ws {
                let lo = ws - pos;
                let range = (u64::MAX >> (64 - (we - ws))) << lo;
                let dots = special & !colon & !at & range;
                WordShape { colons: (colon & range).count_ones(), has_at: at & range != 0, has_dot: dots != 0 }
            } else {
                WordShape::of(&buf[ws..we])
            };
            process_word(view, buf, ws, we, shape, &mut out);
            done = we.max(p + 1);
            cand = clear_below(cand, done - pos);
        }
        lines += u64::from(newline.count_ones());
        pos += 64;
    }
    out.flush(view, buf);
    lines
}

/// Lookups waiting for their pre-filter word, which was prefetched when they were
/// queued: probing a few dozen lookups later overlaps the cache misses of the filters
/// (several MB for 1.7 million indicators, more than L2) instead of paying them one by one.
const DEFER_QUEUE: usize = 32;

#[derive(Clone, Copy)]
enum Deferred {
    /// A lowercase-able ASCII host `buf[s..e]`; `h2` keys the domain Bloom filter.
    Domain { s: usize, e: usize, h2: u64 },
    V4 { s: usize, e: usize, ip: u32 },
    /// A digest `buf[s..e]`; `h` keys the digest table.
    Digest { s: usize, e: usize, h: u64 },
    /// A URL whose `://` starts at `colon`; `h` is the hash of its host.
    Url { colon: usize, h: u64 },
    /// An e-mail address around the `@` at `at`; `h` is the hash of the address.
    Email { at: usize, e: usize, h: u64 },
}

/// Collects hits, and queues lookups (see [`DEFER_QUEUE`]).
pub(crate) struct Sink<'h> {
    hits: &'h mut Vec<Hit>,
    queue: [(Deferred, u64); DEFER_QUEUE],
    head: usize,
    len: usize,
    /// Line (0-based) of the word being examined.
    line: u64,
}

impl<'h> Sink<'h> {
    fn new(hits: &'h mut Vec<Hit>) -> Sink<'h> {
        Sink { hits, queue: [(Deferred::V4 { s: 0, e: 0, ip: 0 }, 0); DEFER_QUEUE], head: 0, len: 0, line: 0 }
    }

    #[inline]
    fn push(&mut self, mut hit: Hit) {
        hit.line = self.line;
        self.hits.push(hit);
    }

    #[inline]
    fn defer(&mut self, view: &View<'_>, buf: &[u8], d: Deferred, prefetch: Option<&u64>) {
        if let Some(word) = prefetch {
            crate::simd::prefetch(word);
        }
        if self.len == DEFER_QUEUE {
            self.resolve_oldest(view, buf);
        }
        let slot = (self.head + self.len) % DEFER_QUEUE;
        self.queue[slot] = (d, self.line);
        self.len += 1;
    }

    fn resolve_oldest(&mut self, view: &View<'_>, buf: &[u8]) {
        let (d, line) = self.queue[self.head];
        self.head = (self.head + 1) % DEFER_QUEUE;
        self.len -= 1;
        let saved = self.line;
        self.line = line;
        resolve(view, buf, d, self);
        self.line = saved;
    }

    fn flush(&mut self, view: &View<'_>, buf: &[u8]) {
        while self.len > 0 {
            self.resolve_oldest(view, buf);
        }
    }
}

fn resolve(view: &View<'_>, buf: &[u8], d: Deferred, out: &mut Sink) {
    match d {
        Deferred::Domain { s, e, h2 } => {
            if view.dom_bloom_maybe(h2) {
                resolve_domain(view, buf, s, e, out);
            }
        }
        Deferred::V4 { s, e, ip } => {
            if let Some(g) = view.lookup_v4(ip) {
                out.push(Hit { start: s, end: e, group: g, line: 0 });
            }
        }
        Deferred::Digest { s, e, h } => {
            if !view.digest.bloom_maybe(h) {
                return;
            }
            let mut digest = [0u8; 32];
            if let Some(n) = normalize::decode_hex_digest(&buf[s..e], &mut digest) {
                if let Some(g) = view.digest.get(h, &digest[..n]) {
                    out.push(Hit { start: s, end: e, group: g, line: 0 });
                }
            }
        }
        Deferred::Url { colon, h } => {
            if view.url_host.bloom_maybe(h) {
                url_candidate_full(view, buf, colon, out);
            }
        }
        Deferred::Email { at, e, h } => {
            if view.email.bloom_maybe(h) {
                email_candidate_full(view, buf, at, e, out);
            }
        }
    }
}

#[inline]
fn clear_below(mask: u64, bits: usize) -> u64 {
    if bits >= 64 {
        0
    } else {
        mask & (!0u64 << bits)
    }
}

/// Word bounds from the block's word mask; falls back to byte loops only for words that
/// cross the block's edges.
#[inline]
fn word_bounds_masked(buf: &[u8], pos: usize, word: u64, bit: u32, p: usize) -> (usize, usize) {
    let below = !word & ((1u64 << bit) - 1);
    let start = if below != 0 {
        pos + (64 - below.leading_zeros() as usize)
    } else {
        let mut s = pos;
        while s > 0 && WORD[usize::from(buf[s - 1])] {
            s -= 1;
        }
        s
    };
    let above = !word >> bit;
    let end = if above != 0 {
        p + above.trailing_zeros() as usize
    } else {
        let mut e = pos + 64;
        while e < buf.len() && WORD[usize::from(buf[e])] {
            e += 1;
        }
        e.min(buf.len())
    };
    (start, end)
}

#[cfg(test)]
#[inline]
fn word_bounds(buf: &[u8], p: usize) -> (usize, usize) {
    let mut s = p;
    while s > 0 && WORD[usize::from(buf[s - 1])] {
        s -= 1;
    }
    let mut e = p;
    while e < buf.len() && WORD[usize::from(buf[e])] {
        e += 1;
    }
    (s, e)
}

/// What a word holds, to skip work: `:` count, any `@`, any `.`.
#[derive(Clone, Copy, Debug)]
struct WordShape {
    colons: u32,
    has_at: bool,
    has_dot: bool,
}

impl WordShape {
    fn of(word: &[u8]) -> WordShape {
        let mut shape = WordShape { colons: 0, has_at: false, has_dot: false };
        for &b in word {
            shape.colons += u32::from(b == b':');
            shape.has_at |= b == b'@';
            shape.has_dot |= b == b'.';
        }
        shape
    }
}

#[inline]
fn process_word(view: &View<'_>, buf: &[u8], ws: usize, we: usize, shape: WordShape, out: &mut Sink) {
    if we - ws > MAX_WORD_BYTES || we == ws {
        return;
    }
    let word = &buf[ws..we];
    if shape.colons > 0 && !view.url.is_empty() && word.last() == Some(&b':') && buf[we..].starts_with(b"//") {
        url_candidate(view, buf, we - 1, out);
    }
    if !view.digest.is_empty() && word.len() >= 32 {
        hex_runs(view, buf, ws, we, out);
    }
    // Without `.`, `:` or `@` a word holds no host, IP or address (only digests, above).
    if !shape.has_dot && shape.colons == 0 && !shape.has_at {
        return;
    }
    let n_colon = shape.colons;
    if n_colon >= 2 {
        if let Some(ip) = parse_ipv6(word) {
            if view.has_ip() {
                if let Some(g) = view.lookup_v6(ip) {
                    out.push(Hit { start: ws, end: we, group: g, line: 0 });
                }
            }
            return;
        }
    }
    // Hosts need a dot and addresses an `@`: colon-separated words without either
    // (`query:`, `info:`, MAC addresses) hold nothing more.
    if !shape.has_dot && !shape.has_at {
        return;
    }
    if n_colon == 0 {
        process_part(view, buf, ws, we, shape.has_at, out);
    } else {
        let mut s = ws;
        for (c, &b) in word.iter().enumerate() {
            if b == b':' {
                process_part(view, buf, s, ws + c, shape.has_at, out);
                s = ws + c + 1;
            }
        }
        process_part(view, buf, s, we, shape.has_at, out);
    }
}

/// Parses an IPv6 address; cheap rejections first, because timestamps (`10:15:32.1`)
/// and MAC addresses are far more common in logs than IPv6 addresses.
fn parse_ipv6(word: &[u8]) -> Option<u128> {
    if word.len() > 45 || word.len() < 2 {
        return None;
    }
    let mut colons = 0;
    let mut group = 0;
    let mut double = false;
    let mut dots = false;
    for (i, &b) in word.iter().enumerate() {
        match b {
            b':' => {
                colons += 1;
                if i > 0 && word[i - 1] == b':' {
                    double = true;
                }
                group = 0;
            }
            b'.' => dots = true,
            _ if b.is_ascii_hexdigit() => {
                group += 1;
                if group > 4 && !dots {
                    return None;
                }
            }
            _ => return None,
        }
    }
    // Without `::` a full address has 7 colons (6 before an embedded IPv4).
    if colons > 7 || (!double && colons != if dots { 6 } else { 7 }) {
        return None;
    }
    let s = std::str::from_utf8(word).ok()?;
    s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

#[inline]
fn trim_dots(buf: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && buf[s] == b'.' {
        s += 1;
    }
    while e > s && buf[e - 1] == b'.' {
        e -= 1;
    }
    (s, e)
}

#[inline]
fn process_part(view: &View<'_>, buf: &[u8], s: usize, e: usize, word_has_at: bool, out: &mut Sink) {
    let (s, e) = trim_dots(buf, s, e);
    if s == e {
        return;
    }
    let at = if word_has_at { (s..e).rev().find(|&i| buf[i] == b'@') } else { None };
    if let Some(at) = at {
        if !view.email.is_empty() {
            email_candidate(view, buf, at, e, out);
        }
        let (hs, he) = trim_dots(buf, at + 1, e);
        process_host(view, buf, hs, he, out);
        return;
    }
    process_host(view, buf, s, e, out);
}

#[inline]
fn process_host(view: &View<'_>, buf: &[u8], s: usize, e: usize, out: &mut Sink) {
    let host = &buf[s..e];
    let Some(&first) = host.first() else { return };
    if first.is_ascii_digit() {
        if let Some(ip) = normalize::parse_ipv4(host) {
            if let Some(word) = view.v4_filter_word(ip) {
                out.defer(view, buf, Deferred::V4 { s, e, ip }, Some(word));
            }
            return;
        }
    }
    if !view.has_domains() || host.len() > MAX_DOMAIN_BYTES * 4 {
        return;
    }
    // Cheap rejection first: the last label must start with a letter (numbers such as
    // `03.315` or `1.2.3.4.5` are common in logs and never domains).
    let mut tld = host.len();
    while tld > 0 && host[tld - 1] != b'.' {
        tld -= 1;
    }
    if tld == 0 || tld == host.len() || !(host[tld].is_ascii_alphabetic() || host[tld] >= 0x80) {
        return;
    }
    if !host.is_ascii() {
        // IDN: rare; convert and look up at once.
        if !has_empty_label(host) {
            if let Some(ascii) = normalize::idn_to_ascii(host) {
                view.lookup_domain(ascii.as_bytes(), |_, g| out.push(Hit { start: s, end: e, group: g, line: 0 }));
            }
        }
        return;
    }
    if host.len() > MAX_DOMAIN_BYTES {
        return;
    }
    // Hash only the last two labels (lowercased) for the Bloom filter; the whole name is
    // lowercased and checked only if the filter lets it through (see `resolve`).
    let last_dot = tld - 1;
    let second = host[..last_dot].iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
    let mut two = [0u8; 2 * 63 + 1];
    let tail = &host[second..];
    if tail.len() <= two.len() && second < last_dot {
        let two = &mut two[..tail.len()];
        two.copy_from_slice(tail);
        two.make_ascii_lowercase();
        let split = last_dot - second;
        if let Some((h2, word)) = view.domain_prefilter_labels(&two[..split], &two[split + 1..]) {
            out.defer(view, buf, Deferred::Domain { s, e, h2 }, Some(word));
            return;
        }
    }
    resolve_domain(view, buf, s, e, out);
}

/// True when the name has an empty label (`a..b`); such text is not a host name.
#[inline]
fn has_empty_label(host: &[u8]) -> bool {
    host.windows(2).any(|w| w == b"..")
}

/// Full domain lookup of the ASCII host `buf[s..e]`: lowercase, validate, probe suffixes.
fn resolve_domain(view: &View<'_>, buf: &[u8], s: usize, e: usize, out: &mut Sink) {
    let host = &buf[s..e];
    if host.len() > MAX_DOMAIN_BYTES || has_empty_label(host) {
        return;
    }
    let mut lower = [0u8; MAX_DOMAIN_BYTES];
    let lower = &mut lower[..host.len()];
    lower.copy_from_slice(host);
    lower.make_ascii_lowercase();
    view.lookup_domain(lower, |_, g| out.push(Hit { start: s, end: e, group: g, line: 0 }));
}

/// `at` is the index of the `@`, `e` the end of the host part (dots trimmed).
fn email_candidate(view: &View<'_>, buf: &[u8], at: usize, e: usize, out: &mut Sink) {
    let mut key = [0u8; 256 + 1 + MAX_DOMAIN_BYTES];
    let Some((_, len)) = email_key(buf, at, e, &mut key) else { return };
    let h = hash_bytes(view.seed, &key[..len]);
    match view.email.bloom_word(h) {
        Some(word) => out.defer(view, buf, Deferred::Email { at, e, h }, Some(word)),
        None => email_candidate_full(view, buf, at, e, out),
    }
}

/// The normalised address around the `@` at `at` into `key`: (start in `buf`, length).
fn email_key(buf: &[u8], at: usize, e: usize, stack: &mut [u8; 256 + 1 + MAX_DOMAIN_BYTES]) -> Option<(usize, usize)> {
    let mut ls = at;
    while ls > 0 && is_email_local_byte(buf[ls - 1]) {
        ls -= 1;
    }
    while ls < at && buf[ls] == b'.' {
        ls += 1;
    }
    let (hs, he) = trim_dots(buf, at + 1, e);
    if ls == at || hs == he || at - ls > 256 || he - hs > MAX_DOMAIN_BYTES * 4 {
        return None;
    }
    let host = &buf[hs..he];
    let local_len = at - ls;
    for (d, &b) in stack.iter_mut().zip(&buf[ls..at]) {
        *d = b.to_ascii_lowercase();
    }
    stack[local_len] = b'@';
    if host.is_ascii() && host.len() <= MAX_DOMAIN_BYTES {
        for (d, &b) in stack[local_len + 1..].iter_mut().zip(host) {
            *d = b.to_ascii_lowercase();
        }
        Some((ls, local_len + 1 + host.len()))
    } else {
        let a = normalize::idn_to_ascii(host)?;
        if a.len() > MAX_DOMAIN_BYTES {
            return None;
        }
        stack[local_len + 1..local_len + 1 + a.len()].copy_from_slice(a.as_bytes());
        Some((ls, local_len + 1 + a.len()))
    }
}

fn email_candidate_full(view: &View<'_>, buf: &[u8], at: usize, e: usize, out: &mut Sink) {
    let mut key = [0u8; 256 + 1 + MAX_DOMAIN_BYTES];
    let Some((ls, len)) = email_key(buf, at, e, &mut key) else { return };
    let (_, he) = trim_dots(buf, at + 1, e);
    if let Some(g) = view.email.get(hash_bytes(view.seed, &key[..len]), &key[..len]) {
        out.push(Hit { start: ls, end: he, group: g, line: 0 });
    }
}

/// `colon` is the index of the `:` of `://`.
fn url_candidate(view: &View<'_>, buf: &[u8], colon: usize, out: &mut Sink) {
    // Hash the host the way the URL-host table does (ASCII hosts; others go straight on).
    let authority_start = colon + 3;
    let mut end = authority_start;
    while end < buf.len() && !is_url_terminator(buf[end]) && !matches!(buf[end], b'/' | b'?' | b'#') {
        end += 1;
    }
    let authority = &buf[authority_start..end];
    let hostport = match authority.iter().rposition(|&b| b == b'@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let host = match hostport.iter().rposition(|&b| b == b':') {
        Some(i) if hostport.first() != Some(&b'[') => &hostport[..i],
        _ => hostport,
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.first() != Some(&b'[') && host.is_ascii() && host.len() <= MAX_DOMAIN_BYTES && !host.is_empty() {
        let mut lower = [0u8; MAX_DOMAIN_BYTES];
        for (d, &b) in lower.iter_mut().zip(host) {
            *d = b.to_ascii_lowercase();
        }
        let h = hash_bytes(view.seed, &lower[..host.len()]);
        match view.url_host.bloom_word(h) {
            Some(word) => out.defer(view, buf, Deferred::Url { colon, h }, Some(word)),
            None => url_candidate_full(view, buf, colon, out),
        }
    } else {
        url_candidate_full(view, buf, colon, out);
    }
}

fn url_candidate_full(view: &View<'_>, buf: &[u8], colon: usize, out: &mut Sink) {
    let mut s = colon;
    while s > 0 && is_scheme_byte(buf[s - 1]) {
        s -= 1;
    }
    if s == colon || !buf[s].is_ascii_alphabetic() {
        return;
    }
    let mut e = colon + 3;
    while e < buf.len() && !is_url_terminator(buf[e]) {
        e += 1;
        if e - s > MAX_URL_BYTES {
            return;
        }
    }
    // Pre-filter: the host must be the host of some URL indicator.
    let authority_start = colon + 3;
    let authority_end = buf[authority_start..e]
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(e, |i| authority_start + i);
    let authority = &buf[authority_start..authority_end];
    let hostport = match memchr::memrchr(b'@', authority) {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let host: &[u8] = if hostport.first() == Some(&b'[') {
        match memchr::memchr(b']', hostport) {
            Some(i) => &hostport[..=i],
            None => return,
        }
    } else {
        match memchr::memrchr(b':', hostport) {
            Some(i) => &hostport[..i],
            None => hostport,
        }
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.first() != Some(&b'[') && host.is_ascii() && host.len() <= MAX_DOMAIN_BYTES {
        let mut lower = [0u8; MAX_DOMAIN_BYTES];
        for (d, &b) in lower.iter_mut().zip(host) {
            *d = b.to_ascii_lowercase();
        }
        let lower = &lower[..host.len()];
        if view.url_host.get(hash_bytes(view.seed, lower), lower).is_none() {
            return;
        }
    } else {
        let Some(host) = normalize::normalize_url_host(host) else { return };
        if view.url_host.get(hash_bytes(view.seed, host.as_bytes()), host.as_bytes()).is_none() {
            return;
        }
    }
    let Some(url) = normalize::normalize_url_bytes(&buf[s..e]) else { return };
    if let Some(g) = view.url.get(hash_bytes(view.seed, url.as_bytes()), url.as_bytes()) {
        out.push(Hit { start: s, end: e, group: g, line: 0 });
    }
}

fn hex_runs(view: &View<'_>, buf: &[u8], ws: usize, we: usize, out: &mut Sink) {
    // The usual case, a word that is exactly one digest (`md5=<hex>`): no run splitting.
    if matches!(we - ws, 32 | 40 | 64) {
        let mut digest = [0u8; 32];
        if let Some(n) = normalize::decode_hex_digest(&buf[ws..we], &mut digest) {
            let h = hash_bytes(view.seed, &digest[..n]);
            match view.digest.bloom_word(h) {
                Some(word) => out.defer(view, buf, Deferred::Digest { s: ws, e: we, h }, Some(word)),
                None => {
                    if let Some(g) = view.digest.get(h, &digest[..n]) {
                        out.push(Hit { start: ws, end: we, group: g, line: 0 });
                    }
                }
            }
            return;
        }
    }
    let mut i = ws;
    while i < we {
        if !buf[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < we && buf[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &buf[start..i];
        let mut digest = [0u8; 32];
        if let Some(n) = normalize::decode_hex_digest(run, &mut digest) {
            let h = hash_bytes(view.seed, &digest[..n]);
            match view.digest.bloom_word(h) {
                Some(word) => out.defer(view, buf, Deferred::Digest { s: start, e: i, h }, Some(word)),
                None => {
                    if let Some(g) = view.digest.get(h, &digest[..n]) {
                        out.push(Hit { start, end: i, group: g, line: 0 });
                    }
                }
            }
        }
    }
}

/// Undoes defanging in a log line (`hxxp`, `[.]`, `(.)`, `{.}`, `[dot]`, `[@]`, `[at]`,
/// `[:]`, `[://]`); `None` when there is nothing to undo.
pub(crate) fn refang_line(line: &[u8]) -> Option<Vec<u8>> {
    const PATTERNS: [(&[u8], &[u8]); 10] = [
        (b"[://]", b"://"),
        (b"[.]", b"."),
        (b"(.)", b"."),
        (b"{.}", b"."),
        (b"[dot]", b"."),
        (b"[@]", b"@"),
        (b"[at]", b"@"),
        (b"[:]", b":"),
        (b"hxxps", b"https"),
        (b"hxxp", b"http"),
    ];
    let interesting = memchr::memchr3(b'[', b'(', b'{', line).is_some()
        || memchr::memmem::find(line, b"xxp").is_some()
        || memchr::memmem::find(line, b"XXP").is_some();
    if !interesting {
        return None;
    }
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    let mut changed = false;
    'outer: while i < line.len() {
        for (from, to) in PATTERNS {
            if line[i..].len() >= from.len() && line[i..i + from.len()].eq_ignore_ascii_case(from) {
                out.extend_from_slice(to);
                i += from.len();
                changed = true;
                continue 'outer;
            }
        }
        out.push(line[i]);
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_word_bounds_agree_with_byte_loops() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"ab9.:@-_ =/\xc3\n\x00Z";
        for _ in 0..300 {
            let mut buf = vec![0u8; 200];
            for b in buf.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = alphabet[(state % alphabet.len() as u64) as usize];
            }
            let mut pos = 0;
            while pos < buf.len() {
                let mut block = [0u8; 64];
                let n = (buf.len() - pos).min(64);
                block[..n].copy_from_slice(&buf[pos..pos + n]);
                let masks = crate::simd::candidates64(&block);
                assert_eq!(masks, crate::simd::candidates64_scalar(&block));
                for bit in 0..n as u32 {
                    let p = pos + bit as usize;
                    if WORD[usize::from(buf[p])] {
                        assert_eq!(word_bounds_masked(&buf, pos, masks.word, bit, p), word_bounds(&buf, p), "at {p}");
                    }
                }
                pos += 64;
            }
        }
    }
}
