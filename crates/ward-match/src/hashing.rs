//! Stable, seeded 64-bit hashing for the compiled tables. Stable because compiled sets
//! are saved and memory-mapped again; seeded (a random seed per compiled set) so that
//! indicator lists from peers cannot be crafted into colliding probe chains as easily.

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The MurmurHash3 64-bit finaliser: a full avalanche in a few instructions.
#[inline]
pub(crate) fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Little-endian value of up to 8 bytes (no `memcpy` call for the short tails).
#[inline]
fn read_u64(b: &[u8]) -> u64 {
    if let Ok(full) = <[u8; 8]>::try_from(b) {
        return u64::from_le_bytes(full);
    }
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate() {
        v |= u64::from(x) << (8 * i);
    }
    v
}

/// Multiply-rotate hash over 8-byte words (FxHash-like), finished by [`fmix`].
#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h ^ read_u64(c)).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h ^ read_u64(rest)).wrapping_mul(K).rotate_left(31);
    }
    fmix(h)
}

/// One step of the reversed-label domain hash: the hash of a suffix of `k+1` labels
/// is `label_step(hash of the suffix of k labels, next label to the left)`, so every
/// suffix of a host name is hashed with one pass over its bytes.
#[inline]
pub(crate) fn label_step(h: u64, label: &[u8]) -> u64 {
    let mut x = h.rotate_left(23) ^ (label.len() as u64).wrapping_mul(K);
    let mut chunks = label.chunks_exact(8);
    for c in &mut chunks {
        x = (x ^ read_u64(c)).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        x = (x ^ read_u64(rest)).wrapping_mul(K).rotate_left(31);
    }
    fmix(x)
}

/// ASCII-lowercases the eight bytes packed in `x` (SWAR: only `A`–`Z` change, non-ASCII
/// bytes are left alone), so a host label is lowercased 8 bytes per step instead of
/// byte by byte into a copy.
#[inline]
pub(crate) fn lower8(x: u64) -> u64 {
    const L: u64 = 0x0101_0101_0101_0101;
    let heptets = x & (0x7f * L);
    // Bit 7 of each byte: heptet >= 'A', heptet > 'Z' (no carries cross bytes).
    let ge_a = heptets + (u64::from(0x80 - b'A') * L);
    let gt_z = heptets + (u64::from(0x80 - b'Z' - 1) * L);
    let upper = ge_a & !gt_z & !x & (0x80 * L);
    x | (upper >> 2)
}

/// Little-endian value of `buf[i..i + n]` (1 <= n <= 8), read as one 8-byte load
/// and masked when the buffer has the room, byte by byte only at its very end.
#[inline]
fn load_masked(buf: &[u8], i: usize, n: usize) -> u64 {
    if i + 8 <= buf.len() {
        let mut a = [0u8; 8];
        a.copy_from_slice(&buf[i..i + 8]);
        u64::from_le_bytes(a) & (u64::MAX >> (64 - 8 * n))
    } else {
        read_u64(&buf[i..i + n])
    }
}

/// [`label_step`] of the ASCII-lowercased label `buf[s..e]`, without copying it: equal
/// to `label_step(h, &buf[s..e].to_ascii_lowercase())` (tested below).
#[inline]
pub(crate) fn label_step_lower(h: u64, buf: &[u8], s: usize, e: usize) -> u64 {
    fmix(mix_lower(h.rotate_left(23) ^ ((e - s) as u64).wrapping_mul(K), buf, s, e))
}

/// [`hash_bytes`] of the ASCII-lowercased `buf[s..e]`, without copying it.
#[inline]
pub(crate) fn hash_bytes_lower(seed: u64, buf: &[u8], s: usize, e: usize) -> u64 {
    fmix(mix_lower(seed ^ ((e - s) as u64).wrapping_mul(K), buf, s, e))
}

/// The multiply-rotate rounds of [`hash_bytes`] over lowercased `buf[s..e]`.
#[inline(always)]
fn mix_lower(mut x: u64, buf: &[u8], s: usize, e: usize) -> u64 {
    let mut i = s;
    while e - i > 8 {
        x = (x ^ lower8(load_masked(buf, i, 8))).wrapping_mul(K).rotate_left(31);
        i += 8;
    }
    if e > i {
        x = (x ^ lower8(load_masked(buf, i, e - i))).wrapping_mul(K).rotate_left(31);
    }
    x
}

/// Hash of every label suffix of a lowercase name, from the shortest (last label)
/// to the whole name. Used when compiling; the scanner computes it incrementally.
pub(crate) fn domain_hash(seed: u64, name: &[u8]) -> (u64, u64, usize) {
    let mut h = seed;
    let mut h2 = 0;
    let mut k = 0;
    for label in name.rsplit(|&b| b == b'.') {
        h = label_step(h, label);
        k += 1;
        if k == 2 {
            h2 = h;
        }
    }
    if k < 2 {
        h2 = h;
    }
    (h, h2, k)
}

#[inline]
pub(crate) fn hash_u32(seed: u64, v: u32) -> u64 {
    fmix(seed ^ u64::from(v).wrapping_mul(K))
}

/// A `Hasher` for keys that are already good 64-bit hashes.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(self.0, bytes);
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A fast `Hasher` for trusted in-process keys (warning lists): FxHash-like.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        fmix(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(self.0, bytes);
    }

    fn write_u8(&mut self, v: u8) {
        self.0 = (self.0 ^ u64::from(v)).wrapping_mul(K).rotate_left(31);
    }
}

/// `HashSet` with [`FastHasher`].
pub(crate) type FastSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_lowercase_matches_std() {
        for b in 0..=255u8 {
            let x = u64::from_le_bytes([b, b'A', b'z', b'Z', b'@', b'[', 0xc3, b'0']);
            let want = u64::from_le_bytes([b.to_ascii_lowercase(), b'a', b'z', b'z', b'@', b'[', 0xc3, b'0']);
            assert_eq!(lower8(x), want, "byte {b:#x}");
        }
    }

    #[test]
    fn label_step_lower_equals_label_step_of_lowercase() {
        let text = b"WWW.Ward-Hospital.INTERNAL.example.COM.a.bcdefghijklmnopq";
        for s in 0..text.len() {
            for e in s + 1..=text.len() {
                // Also at the end of a shorter buffer (byte-wise tail reads).
                for buf in [&text[..], &text[..e]] {
                    let want = label_step(7, &buf[s..e].to_ascii_lowercase());
                    assert_eq!(label_step_lower(7, buf, s, e), want, "{s}..{e}");
                    assert_eq!(hash_bytes_lower(7, buf, s, e), hash_bytes(7, &buf[s..e].to_ascii_lowercase()));
                }
            }
        }
    }
}
