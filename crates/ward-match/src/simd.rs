//! Byte classification of 64-byte blocks into candidate bitmasks. On x86-64 this uses
//! SSE2 (part of the x86-64 baseline) through `safe_arch`'s safe wrappers; elsewhere a
//! scalar loop computes the same masks.
//!
//! A candidate is a byte that starts the examination of a word:
//! - every `.` and `@` (all domain names, IPv4 addresses and e-mail addresses hold one);
//! - every `:` followed by a hex digit, `:` or `/` (IPv6 addresses and URLs hold one;
//!   `key:` prefixes and log-level tags do not);
//! - the first byte of every aligned 16-byte sub-block made only of hex digits: a run of
//!   32 or more hex digits (MD5, SHA-1, SHA-256) always contains such a block.

/// Scalar reference for [`candidates64`]; also used on other architectures.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
pub(crate) fn candidates64_scalar(block: &[u8; 64]) -> Masks {
    let mut follow = 0u64;
    let mut newline = 0u64;
    let mut word = 0u64;
    let mut colon = 0u64;
    let mut at = 0u64;
    let mut dot = 0u64;
    let mut high = 0u64;
    for (i, &b) in block.iter().enumerate() {
        follow |= u64::from(b.is_ascii_hexdigit() || b == b':' || b == b'/') << i;
        dot |= u64::from(b == b'.') << i;
        high |= u64::from(b >= 0x80) << i;
        colon |= u64::from(b == b':') << i;
        at |= u64::from(b == b'@') << i;
        newline |= u64::from(b == b'\n') << i;
        word |= u64::from(crate::scan::is_word_byte(b)) << i;
    }
    let mut hex = 0u64;
    for q in 0..4 {
        if block[q * 16..q * 16 + 16].iter().all(u8::is_ascii_hexdigit) {
            hex |= 1u64 << (q * 16);
        }
    }
    Masks { follow, hex, newline, word, colon, at, dot, high }
}

/// Scalar reference for [`word_masks64`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
pub(crate) fn word_masks64_scalar(block: &[u8; 64]) -> WordMasks {
    let m = candidates64_scalar(block);
    WordMasks { dot: m.dot, colon: m.colon, at: m.at, high: m.high }
}

#[cfg(target_arch = "x86_64")]
#[cfg_attr(target_feature = "avx2", allow(dead_code))]
mod sse2 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
        sub_i8_m128i, m128i,
    };

    #[inline(always)]
    fn splat(b: u8) -> m128i {
        set_splat_i8_m128i(b as i8)
    }

    /// (follow mask: hex digit, `:` or `/`; all-hex; newline mask; word-byte mask; colon
    /// mask; at mask; dot mask; high-bit mask).
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    fn classify16(chunk: &[u8; 16]) -> (u32, bool, u32, u32, u32, u32, u32, u32) {
        let v = load_unaligned_m128i(chunk);
        let dot = cmp_eq_mask_i8_m128i(v, splat(b'.'));
        let colon = cmp_eq_mask_i8_m128i(v, splat(b':'));
        let at = cmp_eq_mask_i8_m128i(v, splat(b'@'));
        // Unsigned range checks: x in [lo, lo+n] <=> min(x - lo, n) == x - lo.
        let d = sub_i8_m128i(v, splat(b'0'));
        let is_digit = cmp_eq_mask_i8_m128i(min_u8_m128i(d, splat(9)), d);
        let l = sub_i8_m128i(bitor_m128i(v, splat(0x20)), splat(b'a'));
        let is_af = cmp_eq_mask_i8_m128i(min_u8_m128i(l, splat(5)), l);
        let hex_digit = bitor_m128i(is_digit, is_af);
        let hex = move_mask_i8_m128i(hex_digit) & 0xffff == 0xffff;
        let slash = cmp_eq_mask_i8_m128i(v, splat(b'/'));
        let follow = move_mask_i8_m128i(bitor_m128i(hex_digit, bitor_m128i(colon, slash))) as u32 & 0xffff;
        let newline = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, splat(b'\n'))) as u32 & 0xffff;
        // Word bytes: alphanumerics, `.-_:@`, and bytes >= 0x80 (the sign bit).
        let is_alpha = cmp_eq_mask_i8_m128i(min_u8_m128i(l, splat(25)), l);
        let dash = cmp_eq_mask_i8_m128i(v, splat(b'-'));
        let underscore = cmp_eq_mask_i8_m128i(v, splat(b'_'));
        let punct = bitor_m128i(bitor_m128i(dot, colon), bitor_m128i(at, bitor_m128i(dash, underscore)));
        let word_ascii = bitor_m128i(bitor_m128i(is_digit, is_alpha), punct);
        let high = move_mask_i8_m128i(v) as u32 & 0xffff;
        let word = (move_mask_i8_m128i(word_ascii) as u32 & 0xffff) | high;
        let colon_bits = move_mask_i8_m128i(colon) as u32 & 0xffff;
        let at_bits = move_mask_i8_m128i(at) as u32 & 0xffff;
        let dot_bits = move_mask_i8_m128i(dot) as u32 & 0xffff;
        (follow, hex, newline, word, colon_bits, at_bits, dot_bits, high)
    }

    /// Only the masks a word's shape needs: `.`, `:`, `@`, high bit (four compares).
    #[inline(always)]
    pub(super) fn word_masks64(block: &[u8; 64]) -> super::WordMasks {
        let mut m = super::WordMasks { dot: 0, colon: 0, at: 0, high: 0 };
        for (q, chunk) in block.chunks_exact(16).enumerate() {
            let mut c = [0u8; 16];
            c.copy_from_slice(chunk);
            let v = load_unaligned_m128i(&c);
            let bits = |x: m128i| u64::from(move_mask_i8_m128i(x) as u32 & 0xffff) << (q * 16);
            m.dot |= bits(cmp_eq_mask_i8_m128i(v, splat(b'.')));
            m.colon |= bits(cmp_eq_mask_i8_m128i(v, splat(b':')));
            m.at |= bits(cmp_eq_mask_i8_m128i(v, splat(b'@')));
            m.high |= bits(v);
        }
        m
    }

    #[inline(always)]
    pub(super) fn candidates64(block: &[u8; 64]) -> super::Masks {
        let mut follow = 0u64;
        let mut hex = 0u64;
        let mut newline = 0u64;
        let mut word = 0u64;
        let mut colon = 0u64;
        let mut at = 0u64;
        let mut dot = 0u64;
        let mut high = 0u64;
        for (q, chunk) in block.chunks_exact(16).enumerate() {
            let mut c = [0u8; 16];
            c.copy_from_slice(chunk);
            let (f, h, n, w, co, a, d, hi) = classify16(&c);
            follow |= u64::from(f) << (q * 16);
            hex |= u64::from(h) << (q * 16);
            newline |= u64::from(n) << (q * 16);
            word |= u64::from(w) << (q * 16);
            colon |= u64::from(co) << (q * 16);
            at |= u64::from(a) << (q * 16);
            dot |= u64::from(d) << (q * 16);
            high |= u64::from(hi) << (q * 16);
        }
        super::Masks { follow, hex, newline, word, colon, at, dot, high }
    }
}

/// The same classification with AVX2 (32 bytes per step), compiled in when the build
/// targets it (`-C target-cpu=native` or `x86-64-v3`): `safe_arch` only offers what the
/// build enables, and run-time dispatch would need `unsafe` calls.
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
mod avx2 {
    use safe_arch::{
        bitor_m256i, cmp_eq_mask_i8_m256i, load_unaligned_m256i, m256i, min_u8_m256i, move_mask_i8_m256i, set_splat_i8_m256i,
        sub_i8_m256i,
    };

    #[inline(always)]
    fn splat(b: u8) -> m256i {
        set_splat_i8_m256i(b as i8)
    }

    #[inline(always)]
    fn load(chunk: &[u8]) -> m256i {
        let mut a = [0i8; 32];
        for (d, &s) in a.iter_mut().zip(chunk) {
            *d = s as i8;
        }
        load_unaligned_m256i(&a)
    }

    #[inline(always)]
    fn bits(x: m256i) -> u64 {
        u64::from(move_mask_i8_m256i(x) as u32)
    }

    #[inline(always)]
    pub(super) fn candidates64(block: &[u8; 64]) -> super::Masks {
        let mut m = super::Masks { follow: 0, hex: 0, newline: 0, word: 0, colon: 0, at: 0, dot: 0, high: 0 };
        for (q, chunk) in block.chunks_exact(32).enumerate() {
            let v = load(chunk);
            let sh = q * 32;
            let dot = cmp_eq_mask_i8_m256i(v, splat(b'.'));
            let colon = cmp_eq_mask_i8_m256i(v, splat(b':'));
            let at = cmp_eq_mask_i8_m256i(v, splat(b'@'));
            // Unsigned range checks: x in [lo, lo+n] <=> min(x - lo, n) == x - lo.
            let d = sub_i8_m256i(v, splat(b'0'));
            let is_digit = cmp_eq_mask_i8_m256i(min_u8_m256i(d, splat(9)), d);
            let l = sub_i8_m256i(bitor_m256i(v, splat(0x20)), splat(b'a'));
            let is_af = cmp_eq_mask_i8_m256i(min_u8_m256i(l, splat(5)), l);
            let hex_digit = bitor_m256i(is_digit, is_af);
            let slash = cmp_eq_mask_i8_m256i(v, splat(b'/'));
            let is_alpha = cmp_eq_mask_i8_m256i(min_u8_m256i(l, splat(25)), l);
            let dash = cmp_eq_mask_i8_m256i(v, splat(b'-'));
            let underscore = cmp_eq_mask_i8_m256i(v, splat(b'_'));
            let punct = bitor_m256i(bitor_m256i(dot, colon), bitor_m256i(at, bitor_m256i(dash, underscore)));
            let hexes = bits(hex_digit);
            for half in 0..2 {
                if (hexes >> (16 * half)) & 0xffff == 0xffff {
                    m.hex |= 1u64 << (sh + 16 * half);
                }
            }
            m.follow |= bits(bitor_m256i(hex_digit, bitor_m256i(colon, slash))) << sh;
            m.newline |= bits(cmp_eq_mask_i8_m256i(v, splat(b'\n'))) << sh;
            let high = bits(v);
            m.word |= (bits(bitor_m256i(bitor_m256i(is_digit, is_alpha), punct)) | high) << sh;
            m.high |= high << sh;
            m.colon |= bits(colon) << sh;
            m.at |= bits(at) << sh;
            m.dot |= bits(dot) << sh;
        }
        m
    }

    #[inline(always)]
    pub(super) fn word_masks64(block: &[u8; 64]) -> super::WordMasks {
        let mut m = super::WordMasks { dot: 0, colon: 0, at: 0, high: 0 };
        for (q, chunk) in block.chunks_exact(32).enumerate() {
            let v = load(chunk);
            let sh = q * 32;
            m.dot |= bits(cmp_eq_mask_i8_m256i(v, splat(b'.'))) << sh;
            m.colon |= bits(cmp_eq_mask_i8_m256i(v, splat(b':'))) << sh;
            m.at |= bits(cmp_eq_mask_i8_m256i(v, splat(b'@'))) << sh;
            m.high |= bits(v) << sh;
        }
        m
    }
}

/// Bit masks of a 64-byte block; bit i is byte i.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Masks {
    /// Hex digits, `:` and `/`: what may follow the `:` of an IPv6 address or a URL.
    pub(crate) follow: u64,
    /// First byte of an aligned 16-byte sub-block made only of hex digits.
    pub(crate) hex: u64,
    pub(crate) newline: u64,
    /// Bytes that can be part of a word (see `scan::is_word_byte`).
    pub(crate) word: u64,
    pub(crate) colon: u64,
    pub(crate) at: u64,
    pub(crate) dot: u64,
    /// Bytes >= 0x80 (non-ASCII).
    pub(crate) high: u64,
}

/// The masks that describe one word (bit i = byte i of the word): enough to split it
/// at `:` and `@`, find its labels and tell ASCII from IDN without reading its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WordMasks {
    pub(crate) dot: u64,
    pub(crate) colon: u64,
    pub(crate) at: u64,
    pub(crate) high: u64,
}

/// The [`WordMasks`] of a 64-byte block (for words that cross a block edge).
#[inline(always)]
pub(crate) fn word_masks64(block: &[u8; 64]) -> WordMasks {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        avx2::word_masks64(block)
    }
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    {
        sse2::word_masks64(block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        word_masks64_scalar(block)
    }
}

/// The [`Masks`] of a 64-byte block.
#[inline(always)]
pub(crate) fn candidates64(block: &[u8; 64]) -> Masks {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        avx2::candidates64(block)
    }
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    {
        sse2::candidates64(block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        candidates64_scalar(block)
    }
}

/// Asks the CPU to fetch the cache line of `word` (a hint; no effect on results).
#[inline(always)]
pub(crate) fn prefetch(word: &u64) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(word);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = word;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_agrees_with_scalar() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for b in block.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly hex digits and specials, sometimes anything.
                let alphabet = b"0123456789abcdefABCDEF.:@ g/";
                *b = if round % 3 == 0 { state as u8 } else { alphabet[(state % alphabet.len() as u64) as usize] };
            }
            if round % 5 == 0 {
                block[16..32].copy_from_slice(b"0123456789abcdef");
            }
            assert_eq!(candidates64(&block), candidates64_scalar(&block), "{block:?}");
            assert_eq!(word_masks64(&block), word_masks64_scalar(&block), "{block:?}");
        }
    }
}
