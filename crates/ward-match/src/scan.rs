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

use crate::compiled::{bloom_bits, View};
use crate::hashing::{hash_bytes, hash_bytes_lower};
use crate::normalize::{self, is_email_local_byte};
use crate::simd::{candidates64, word_masks64, WordMasks};
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

const fn authority_end_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b <= 0x20 || b == 0x7f || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\' | b'/' | b'?' | b'#');
        i += 1;
    }
    t
}

/// Bytes that end a URL's authority: URL terminators, `/`, `?` and `#`.
static AUTHORITY_END: [bool; 256] = authority_end_table();

/// True for bytes of a URL scheme.
#[inline]
pub fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

/// Scans `buf`, appending hits (in no particular order) to `hits`; returns the number
/// of newlines in `buf` (counted on the way, from the same SIMD pass).
///
/// The hot loop: one SIMD pass classifies each 64-byte block into masks; only words
/// holding a candidate byte (`.`, `:`, `@`, or an all-hex 16-byte block) are looked at,
/// and a word of at most 64 bytes is examined through its own masks ([`WordMasks`]) —
/// split at `:` and `@`, labels found, ASCII checked, all without a byte loop — so that
/// most words (timestamps, counters, `key:` prefixes) are dropped after a few mask
/// operations and the others are reduced to one hash before any table is touched.
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
        let crate::simd::Masks { follow, hex, newline, word, colon, at, dot, high } = masks;
        // A `:` matters only where an IPv6 address or a URL can go on after it.
        let next_follows = buf.get(pos + 64).is_some_and(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'/');
        let colon_cand = colon & ((follow >> 1) | (u64::from(next_follows) << 63));
        let mut cand = dot | at | colon_cand | if want_hex { hex } else { 0 };
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
            // The line is worked out only for hits: keep its parts.
            out.line_base = lines;
            out.line_mask = newline & ((1u64 << bit) - 1);
            let len = we - ws;
            if len > 0 && len <= 64 {
                // The word's own masks: shifted out of this block's when it lies inside
                // it, else classified again from its first byte (words across an edge).
                let wm = if ws >= pos && we <= pos + 64 {
                    let lo = ws - pos;
                    let keep = low_bits(len);
                    WordMasks { dot: (dot >> lo) & keep, colon: (colon >> lo) & keep, at: (at >> lo) & keep, high: (high >> lo) & keep }
                } else {
                    word_masks_at(buf, ws, len)
                };
                // A run of 32+ hex digits holds an aligned all-hex 16-byte block: a word
                // inside this block without one has no digest.
                let hexy = want_hex && len >= 32 && (ws < pos || we > pos + 64 || hex & (low_bits(len) << (ws - pos)) != 0);
                process_word_fast(view, buf, ws, we, wm, hexy, &mut out);
            } else {
                process_word(view, buf, ws, we, WordShape::of(&buf[ws..we]), &mut out);
            }
            done = we.max(p + 1);
            cand = clear_below(cand, done - pos);
        }
        lines += u64::from(newline.count_ones());
        pos += 64;
    }
    out.flush(view, buf);
    lines
}

/// The low `n` bits set (`n` in 1..=64).
#[inline]
fn low_bits(n: usize) -> u64 {
    u64::MAX >> (64 - n)
}

/// Bits `lo..=hi` set (`lo <= hi < 64`).
#[inline]
fn span(lo: usize, hi: usize) -> u64 {
    (u64::MAX << lo) & (u64::MAX >> (63 - hi))
}

/// Index of the highest set bit (`m != 0`).
#[inline]
fn top_bit(m: u64) -> usize {
    63 - m.leading_zeros() as usize
}

/// [`normalize::parse_ipv4`] of `buf[ws + s..ws + e]` whose three dots are the bits of
/// `dots` (word-relative): the octets' bounds come from the mask, so each octet is
/// checked and converted on its own (1 to 3 digits, no leading zero, at most 255).
#[inline]
fn parse_ipv4_dots(buf: &[u8], ws: usize, s: usize, e: usize, dots: u64) -> Option<u32> {
    let mut ip = 0u32;
    let mut a = s;
    let mut d = dots;
    for k in 0..4 {
        let b = if k < 3 {
            let t = d.trailing_zeros() as usize;
            d &= d.wrapping_sub(1);
            t
        } else {
            e
        };
        let octet = buf.get(ws + a..ws + b)?;
        let digit = |i: usize| octet[i].wrapping_sub(b'0');
        let v = match octet.len() {
            1 if digit(0) <= 9 => u32::from(digit(0)),
            2 if (1..=9).contains(&digit(0)) && digit(1) <= 9 => u32::from(digit(0)) * 10 + u32::from(digit(1)),
            3 if (1..=2).contains(&digit(0)) && digit(1) <= 9 && digit(2) <= 9 => {
                let v = u32::from(digit(0)) * 100 + u32::from(digit(1)) * 10 + u32::from(digit(2));
                if v > 255 {
                    return None;
                }
                v
            }
            _ => return None,
        };
        ip = (ip << 8) | v;
        a = b + 1;
    }
    Some(ip)
}

/// True when exactly three bits of `m` are set (no popcount: not in the x86-64 baseline).
#[inline]
fn has_three_bits(m: u64) -> bool {
    let m = m & m.wrapping_sub(1);
    let m = m & m.wrapping_sub(1);
    m != 0 && m & (m - 1) == 0
}

/// [`WordMasks`] of the word `buf[ws..ws + len]` (`len <= 64`), classified afresh.
#[inline]
fn word_masks_at(buf: &[u8], ws: usize, len: usize) -> WordMasks {
    let m = if let Some(Ok(block)) = buf.get(ws..ws + 64).map(<&[u8; 64]>::try_from) {
        word_masks64(block)
    } else {
        let mut tail = [0u8; 64];
        tail[..len].copy_from_slice(&buf[ws..ws + len]);
        word_masks64(&tail)
    };
    let keep = low_bits(len);
    WordMasks { dot: m.dot & keep, colon: m.colon & keep, at: m.at & keep, high: m.high & keep }
}

/// [`process_word`] for a word of 1 to 64 bytes, driven by its masks (bit i = byte
/// `ws + i`). Same semantics; `tests::fast_word_path_agrees_with_byte_path` checks it.
#[inline]
fn process_word_fast<'v>(view: &View<'v>, buf: &[u8], ws: usize, we: usize, m: WordMasks, hexy: bool, out: &mut Sink<'_, 'v>) {
    let len = we - ws;
    if m.colon != 0 && buf[we - 1] == b':' && !view.url.is_empty() && buf[we..].starts_with(b"//") {
        url_candidate(view, buf, we - 1, out);
    }
    if hexy {
        hex_runs(view, buf, ws, we, out);
    }
    if m.dot | m.colon | m.at == 0 {
        return;
    }
    if m.colon & (m.colon.wrapping_sub(1)) != 0 && maybe_ipv6_colons(m.colon, m.dot != 0) {
        if let Some(ip) = parse_ipv6(&buf[ws..we]) {
            if view.has_ip() {
                if let Some(g) = view.lookup_v6(ip) {
                    out.push(Hit { start: ws, end: we, group: g, line: 0 });
                }
            }
            return;
        }
    }
    let interesting = m.dot | m.at;
    if interesting == 0 {
        return;
    }
    // Parts between `:` as bit masks; only those with a `.` or an `@` can hold a host or
    // an address.
    let mut rest = low_bits(len);
    let mut colons = m.colon;
    while colons != 0 {
        let c = colons & colons.wrapping_neg();
        let part = rest & (c - 1);
        if part & interesting != 0 {
            process_part_fast(view, buf, ws, part, m, out);
        }
        rest &= !(c | (c - 1));
        colons &= colons - 1;
    }
    if rest & interesting != 0 {
        process_part_fast(view, buf, ws, rest, m, out);
    }
}

/// With two or more `:` (mask `colon`), whether the word can be an IPv6 address: with
/// `::` anything up to 7 colons, else exactly 7 (6 before a dotted quad), so timestamps
/// (`10:15:32.1`) and MAC addresses never reach the parser.
#[inline]
fn maybe_ipv6_colons(colon: u64, has_dot: bool) -> bool {
    let double = colon & (colon >> 1) != 0;
    if !double {
        // Fewer than six colons: clearing the five lowest leaves nothing.
        let mut r = colon;
        for _ in 0..5 {
            r &= r.wrapping_sub(1);
        }
        if r == 0 {
            return false;
        }
    }
    let n = colon.count_ones();
    n <= 7 && (double || n == 7 || (n == 6 && has_dot))
}

/// [`process_part`] on the part of the word at `ws` whose bytes are the bits of `part`
/// (contiguous, non-empty): dots trimmed at both ends, then host or `local@host`.
#[inline]
fn process_part_fast<'v>(view: &View<'v>, buf: &[u8], ws: usize, part: u64, m: WordMasks, out: &mut Sink<'_, 'v>) {
    let inner = part & !m.dot;
    if inner == 0 {
        return;
    }
    let ats = m.at & part;
    if ats != 0 {
        let at = top_bit(ats);
        if !view.email.is_empty() {
            email_candidate(view, buf, ws + at, ws + top_bit(inner) + 1, out);
        }
        // The host: after the last `@`, dots trimmed at both ends.
        let host = inner & !(u64::MAX >> (63 - at));
        if host != 0 {
            process_host_fast(view, buf, ws, span(host.trailing_zeros() as usize, top_bit(host)), m, out);
        }
        return;
    }
    process_host_fast(view, buf, ws, span(inner.trailing_zeros() as usize, top_bit(inner)), m, out);
}

/// [`process_host`] on the host whose bytes are the bits of `host` (contiguous, no dot
/// at either end) in the word at `ws`: IPv4 if a strict dotted quad,
/// else a domain candidate reduced to the hash of its last two labels.
#[inline(always)]
fn process_host_fast<'v>(view: &View<'v>, buf: &[u8], ws: usize, host: u64, m: WordMasks, out: &mut Sink<'_, 'v>) {
    let dots = m.dot & host;
    if dots == 0 {
        return; // neither a dotted quad nor a name with a dot
    }
    let (s, e) = (host.trailing_zeros() as usize, top_bit(host) + 1);
    let (as_, ae) = (ws + s, ws + e);
    let first = buf[as_];
    // A dotted quad has exactly three dots and 7 to 15 bytes.
    if first.is_ascii_digit() && (7..=15).contains(&(e - s)) && has_three_bits(dots) {
        if let Some(ip) = parse_ipv4_dots(buf, ws, s, e, dots) {
            // The IPv4 block bitmap is small enough to stay in cache (and the private
            // ranges most log addresses fall in are hot): test it at once, and queue
            // only the addresses it lets through for the exact tables.
            if let Some(word) = view.v4_filter_word(ip) {
                let bit = view.v4_filter_bit(ip);
                if *word & bit != 0 {
                    out.defer(view, buf, Deferred::V4 { s: as_, e: ae, ip }, word, bit);
                }
            }
            return;
        }
    }
    if !view.has_domains() {
        return;
    }
    // The last label must start with a letter (or be non-ASCII: IDN).
    let last_dot = top_bit(dots);
    let Some(&tld) = buf.get(ws + last_dot + 1).filter(|_| last_dot + 1 < e) else { return };
    if !(tld.is_ascii_alphabetic() || tld >= 0x80) {
        return;
    }
    if m.high & host != 0 {
        // IDN: rare; convert and look up at once.
        process_host(view, buf, as_, ae, out);
        return;
    }
    if dots & (dots >> 1) != 0 {
        return; // an empty label (`a..b`): not a host name
    }
    let rest = dots & !(1u64 << last_dot);
    let second = if rest == 0 { s } else { top_bit(rest) + 1 };
    if let Some((h2, word)) = view.domain_prefilter_span(buf, ws + second, ws + last_dot, ae) {
        out.defer(view, buf, Deferred::Domain { s: as_, e: ae, h2 }, word, bloom_bits(h2));
        return;
    }
    resolve_domain(view, buf, as_, ae, out);
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

/// A queued lookup: its pre-filter word and the bits that must all be set in it for the
/// key to be possibly present (tested first, without decoding the lookup), and the line
/// of its word as (`line_base`, `line_mask`).
#[derive(Clone, Copy)]
struct Pending<'v> {
    word: &'v u64,
    bits: u64,
    lookup: Deferred,
    line_base: u64,
    line_mask: u64,
}

/// Collects hits, and queues lookups (see [`DEFER_QUEUE`]).
pub(crate) struct Sink<'h, 'v> {
    hits: &'h mut Vec<Hit>,
    queue: [Pending<'v>; DEFER_QUEUE],
    head: usize,
    len: usize,
    /// The line (0-based) of the word being examined is `line_base` plus the number of
    /// bits in `line_mask` (the newlines before it in its block): counted for hits only.
    line_base: u64,
    line_mask: u64,
}

impl<'h, 'v> Sink<'h, 'v> {
    fn new(hits: &'h mut Vec<Hit>) -> Sink<'h, 'v> {
        const NONE: Pending<'static> =
            Pending { word: &0, bits: 0, lookup: Deferred::V4 { s: 0, e: 0, ip: 0 }, line_base: 0, line_mask: 0 };
        Sink { hits, queue: [NONE; DEFER_QUEUE], head: 0, len: 0, line_base: 0, line_mask: 0 }
    }

    #[inline]
    fn push(&mut self, mut hit: Hit) {
        hit.line = self.line_base + u64::from(self.line_mask.count_ones());
        self.hits.push(hit);
    }

    /// Queues `lookup`, whose filter `word` was just prefetched; resolves the oldest
    /// queued lookup first when the queue is full.
    #[inline]
    fn defer(&mut self, view: &View<'v>, buf: &[u8], lookup: Deferred, word: &'v u64, bits: u64) {
        crate::simd::prefetch(word);
        if self.len == DEFER_QUEUE {
            self.resolve_oldest(view, buf);
        }
        let slot = (self.head + self.len) % DEFER_QUEUE;
        self.queue[slot] = Pending { word, bits, lookup, line_base: self.line_base, line_mask: self.line_mask };
        self.len += 1;
    }

    #[inline]
    fn resolve_oldest(&mut self, view: &View<'v>, buf: &[u8]) {
        let p = self.queue[self.head];
        self.head = (self.head + 1) % DEFER_QUEUE;
        self.len -= 1;
        // Almost every lookup stops here: the filter says the key is absent.
        if *p.word & p.bits != p.bits {
            return;
        }
        let saved = (self.line_base, self.line_mask);
        (self.line_base, self.line_mask) = (p.line_base, p.line_mask);
        resolve(view, buf, p.lookup, self);
        (self.line_base, self.line_mask) = saved;
    }

    fn flush(&mut self, view: &View<'v>, buf: &[u8]) {
        while self.len > 0 {
            self.resolve_oldest(view, buf);
        }
    }
}

fn resolve<'v>(view: &View<'v>, buf: &[u8], d: Deferred, out: &mut Sink<'_, 'v>) {
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
fn process_word<'v>(view: &View<'v>, buf: &[u8], ws: usize, we: usize, shape: WordShape, out: &mut Sink<'_, 'v>) {
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
fn process_part<'v>(view: &View<'v>, buf: &[u8], s: usize, e: usize, word_has_at: bool, out: &mut Sink<'_, 'v>) {
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
fn process_host<'v>(view: &View<'v>, buf: &[u8], s: usize, e: usize, out: &mut Sink<'_, 'v>) {
    let host = &buf[s..e];
    let Some(&first) = host.first() else { return };
    if first.is_ascii_digit() {
        if let Some(ip) = normalize::parse_ipv4(host) {
            if let Some(word) = view.v4_filter_word(ip) {
                out.defer(view, buf, Deferred::V4 { s, e, ip }, word, view.v4_filter_bit(ip));
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
            out.defer(view, buf, Deferred::Domain { s, e, h2 }, word, bloom_bits(h2));
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
fn resolve_domain<'v>(view: &View<'v>, buf: &[u8], s: usize, e: usize, out: &mut Sink<'_, 'v>) {
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
fn email_candidate<'v>(view: &View<'v>, buf: &[u8], at: usize, e: usize, out: &mut Sink<'_, 'v>) {
    // No local part (`@0x7f…` in BIND logs): nothing to build.
    if at == 0 || !is_email_local_byte(buf[at - 1]) {
        return;
    }
    let h = match email_span(buf, at, e) {
        // The usual case: the address as written is its key once lowercased.
        Some((ls, he)) => hash_bytes_lower(view.seed, buf, ls, he),
        None => {
            let mut key = [0u8; 256 + 1 + MAX_DOMAIN_BYTES];
            let Some((_, len)) = email_key(buf, at, e, &mut key) else { return };
            hash_bytes(view.seed, &key[..len])
        }
    };
    match view.email.bloom_word(h) {
        Some(word) => out.defer(view, buf, Deferred::Email { at, e, h }, word, bloom_bits(h)),
        None => email_candidate_full(view, buf, at, e, out),
    }
}

/// When the key of the address around the `@` at `at` is simply `buf[ls..he]`
/// lowercased (ASCII host, no dot right after the `@`, lengths in bounds): `(ls, he)`.
/// `None` means "build the key with [`email_key`]", not "no address".
#[inline]
fn email_span(buf: &[u8], at: usize, e: usize) -> Option<(usize, usize)> {
    let mut ls = at;
    while ls > 0 && is_email_local_byte(buf[ls - 1]) {
        ls -= 1;
    }
    while ls < at && buf[ls] == b'.' {
        ls += 1;
    }
    let (hs, he) = trim_dots(buf, at + 1, e);
    let host = &buf[hs..he];
    (ls < at && hs == at + 1 && he > hs && at - ls <= 256 && host.len() <= MAX_DOMAIN_BYTES && host.is_ascii()).then_some((ls, he))
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

fn email_candidate_full<'v>(view: &View<'v>, buf: &[u8], at: usize, e: usize, out: &mut Sink<'_, 'v>) {
    let mut key = [0u8; 256 + 1 + MAX_DOMAIN_BYTES];
    let Some((ls, len)) = email_key(buf, at, e, &mut key) else { return };
    let (_, he) = trim_dots(buf, at + 1, e);
    if let Some(g) = view.email.get(hash_bytes(view.seed, &key[..len]), &key[..len]) {
        out.push(Hit { start: ls, end: he, group: g, line: 0 });
    }
}

/// `colon` is the index of the `:` of `://`.
fn url_candidate<'v>(view: &View<'v>, buf: &[u8], colon: usize, out: &mut Sink<'_, 'v>) {
    // Hash the host the way the URL-host table does (ASCII hosts; others go straight on).
    // One pass over the authority finds its end, its last `@` and its last `:`.
    let authority_start = colon + 3;
    let mut end = authority_start;
    let (mut last_at, mut last_colon) = (None, None);
    while let Some(&b) = buf.get(end) {
        if AUTHORITY_END[usize::from(b)] {
            break;
        }
        if b == b'@' {
            last_at = Some(end);
        } else if b == b':' {
            last_colon = Some(end);
        }
        end += 1;
    }
    let hostport_start = last_at.map_or(authority_start, |i| i + 1);
    let hostport = &buf[hostport_start..end];
    let host = match last_colon {
        Some(i) if i >= hostport_start && hostport.first() != Some(&b'[') => &buf[hostport_start..i],
        _ => hostport,
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.first() != Some(&b'[') && host.is_ascii() && host.len() <= MAX_DOMAIN_BYTES && !host.is_empty() {
        // The host starts the host-port part: hash it lowercased in place.
        let h = hash_bytes_lower(view.seed, buf, hostport_start, hostport_start + host.len());
        match view.url_host.bloom_word(h) {
            Some(word) => out.defer(view, buf, Deferred::Url { colon, h }, word, bloom_bits(h)),
            None => url_candidate_full(view, buf, colon, out),
        }
    } else {
        url_candidate_full(view, buf, colon, out);
    }
}

fn url_candidate_full<'v>(view: &View<'v>, buf: &[u8], colon: usize, out: &mut Sink<'_, 'v>) {
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

fn hex_runs<'v>(view: &View<'v>, buf: &[u8], ws: usize, we: usize, out: &mut Sink<'_, 'v>) {
    // The usual case, a word that is exactly one digest (`md5=<hex>`): no run splitting.
    if matches!(we - ws, 32 | 40 | 64) {
        let mut digest = [0u8; 32];
        if let Some(n) = normalize::decode_hex_digest(&buf[ws..we], &mut digest) {
            let h = hash_bytes(view.seed, &digest[..n]);
            match view.digest.bloom_word(h) {
                Some(word) => out.defer(view, buf, Deferred::Digest { s: ws, e: we, h }, word, bloom_bits(h)),
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
        if !matches!(run.len(), 32 | 40 | 64) {
            continue;
        }
        let mut digest = [0u8; 32];
        if let Some(n) = normalize::decode_hex_digest(run, &mut digest) {
            let h = hash_bytes(view.seed, &digest[..n]);
            match view.digest.bloom_word(h) {
                Some(word) => out.defer(view, buf, Deferred::Digest { s: start, e: i, h }, word, bloom_bits(h)),
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

    /// The reference path: every word found with byte loops and examined by the
    /// byte-based `process_word` (what the scanner did before the mask-driven path).
    fn scan_bytewise(view: &View<'_>, buf: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut out = Sink::new(&mut hits);
        let mut i = 0;
        let mut line = 0u64;
        while i < buf.len() {
            if !WORD[usize::from(buf[i])] {
                line += u64::from(buf[i] == b'\n');
                i += 1;
                continue;
            }
            let (ws, we) = word_bounds(buf, i);
            out.line_base = line;
            out.line_mask = 0;
            process_word(view, buf, ws, we, WordShape::of(&buf[ws..we]), &mut out);
            i = we;
        }
        out.flush(view, buf);
        hits.sort_by_key(|h| (h.start, h.end, h.group, h.line));
        hits
    }

    #[test]
    fn fast_word_path_agrees_with_byte_path() {
        let indicators = [
            "evil.com", "a.b.example.org", "1.2.3.4", "10.0.0.0/8", "1.2.0.0/16", "2001:db8::/32", "bad@evil.com",
            "http://evil.com/a", "d41d8cd98f00b204e9800998ecf8427e", "xn--bcher-kva.de", "Ab.Cd",
        ];
        let set = crate::IndicatorSet::builder()
            .warning_lists(crate::WarningLists::none())
            .extend(indicators.iter().map(|v| crate::Indicator::detect(v).expect("indicator")))
            .build()
            .expect("set");
        let view = set.view();
        let pieces: [&[u8]; 30] = [
            b"evil.com", b"EVIL.COM", b"a.b.example.org", b"1.2.3.4", b"10.1.2.3", b"1.2.3.45", b"01.2.3.4", b"1.2.200.9",
            b"2001:db8::1", b"::ffff:1.2.3.4", b"bad@evil.com", b"x@Evil.com.", b"http://evil.com/a", b"d41d8cd98f00b204e9800998ecf8427e",
            b"b\xc3\xbccher.de", b"ab.cd", b".", b":", b"@", b"..", b"10:15:32.123", b"52:54:00:aa:bb:cc", b"a", b"-", b"_",
            b" ", b"\n", b"=", b"/", b"0",
        ];
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut total = 0;
        for round in 0..3000 {
            let mut buf = Vec::new();
            let target = 20 + (next() % 300) as usize;
            while buf.len() < target {
                let r = next();
                buf.extend_from_slice(pieces[(r % pieces.len() as u64) as usize]);
                if r % 7 == 0 {
                    buf.push(b' ');
                }
            }
            // Also words over 64 bytes, and words across block edges at every offset.
            if round % 10 == 0 {
                buf.extend(std::iter::repeat_n(b'a', 60));
                buf.extend_from_slice(b".evil.com");
            }
            if round % 10 == 5 {
                // A word over two blocks long (the byte-wise path and end search).
                buf.extend(std::iter::repeat_n(b'B', 150 + round % 64));
                buf.extend_from_slice(b".evil.com 1.2.3.4");
            }
            let mut fast = Vec::new();
            scan(&view, &buf, &mut fast);
            fast.sort_by_key(|h| (h.start, h.end, h.group, h.line));
            assert_eq!(fast, scan_bytewise(&view, &buf), "{}", String::from_utf8_lossy(&buf));
            total += fast.len();
        }
        assert!(total > 5_000, "the random lines should hold many hits, got {total}");
    }

    #[test]
    fn every_kind_is_found_at_every_offset_across_block_edges() {
        let indicators = [
            "evil.com", "1.2.3.4", "2001:db8::/32", "bad@evil.com", "http://intranet/a", "d41d8cd98f00b204e9800998ecf8427e",
        ];
        let set = crate::IndicatorSet::builder()
            .warning_lists(crate::WarningLists::none())
            .extend(indicators.iter().map(|v| crate::Indicator::detect(v).expect("indicator")))
            .build()
            .expect("set");
        let view = set.view();
        // A dotless URL host and an IPv6 address are found only through their `:`, which
        // must stay a candidate when what follows it is in the next 64-byte block.
        let texts: [&[u8]; 6] =
            [b"x.evil.com", b"1.2.3.4:443", b"[2001:db8::1]", b"<bad@evil.com>", b"GET http://intranet/a HTTP", b"md5=D41D8CD98F00B204E9800998ECF8427E"];
        // The address's domain is an indicator too.
        let expected = [1, 1, 1, 2, 1, 1];
        for (text, want) in texts.into_iter().zip(expected) {
            for offset in 0..140 {
                for prefix in [b' ', b'a'] {
                    let mut buf = vec![prefix; offset];
                    buf.push(b'\n');
                    buf.extend_from_slice(text);
                    buf.extend_from_slice(b" tail\n");
                    let mut hits = Vec::new();
                    scan(&view, &buf, &mut hits);
                    hits.sort_by_key(|h| (h.start, h.end, h.group, h.line));
                    assert_eq!(hits, scan_bytewise(&view, &buf), "{} at {offset}", String::from_utf8_lossy(text));
                    assert_eq!(hits.len(), want, "{} at {offset}: {hits:?}", String::from_utf8_lossy(text));
                    assert_eq!(hits[0].line, 1);
                }
            }
        }
    }

    #[test]
    fn mask_ipv4_parser_agrees_with_strict_parser() {
        let alphabet = b"0123456789.0125";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..50_000 {
            let mut b = [0u8; 15];
            let len = 7 + (state % 9) as usize;
            for x in b.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *x = alphabet[(state % alphabet.len() as u64) as usize];
            }
            let text = &b[..len];
            let dots = text.iter().enumerate().filter(|(_, &c)| c == b'.').fold(0u64, |m, (i, _)| m | 1 << i);
            if has_three_bits(dots) {
                assert_eq!(parse_ipv4_dots(text, 0, 0, len, dots), normalize::parse_ipv4(text), "{}", String::from_utf8_lossy(text));
            }
        }
    }

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
