//! The compiled indicator set: flat, position-independent tables in one buffer, so
//! the same bytes serve a freshly built set and a saved set memory-mapped from disk.
//!
//! Layout (all little-endian, sections 64-byte aligned, see DESIGN.md):
//! - domains: open-addressing table keyed by the reversed-label hash of each name, plus a
//!   one-word-per-key (register-blocked) Bloom filter over the last two labels, probed once
//!   per host name before any suffix lookup;
//! - URLs, URL hosts (pre-filter), e-mail addresses, digests: open-addressing byte-key tables;
//! - IPv4: a bitmap of address blocks, an exact-address table, and CIDRs flattened into
//!   disjoint sorted intervals labelled with their longest prefix; IPv6: intervals only;
//! - groups/postings: every key maps to the records (indicators) that share it;
//! - records: kind, canonical value, id, source and suppression reason, decoded on hits only.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::MatchError;
use crate::hashing::{domain_hash, hash_bytes, hash_u32, label_step, label_step_lower, IdentityHasher};
use crate::indicator::{Indicator, IndicatorKind};
use crate::normalize::{self, IpNet, NormalizedKey};
use crate::warninglist::WarningLists;
use crate::{MAX_INDICATORS, MAX_REPORTED_PROBLEMS};

const MAGIC: &[u8; 8] = b"WARDMIDX";
const FORMAT_VERSION: u32 = 1;
const ENDIAN_MARK: u32 = 0x0102_0304;
const HEADER_BYTES: usize = 32;
const SECTION_ALIGN: usize = 64;
/// Sections copied to huge-page memory: the pre-filters probed on every candidate.
const HOT_SECTIONS: [usize; 5] = [sec::DOM_BLOOM, sec::V4_FILTER, sec::URL_HOST_BLOOM, sec::EMAIL_BLOOM, sec::DIGEST_BLOOM];

mod sec {
    pub const PARAMS: usize = 0;
    pub const DOM_BLOOM: usize = 1;
    pub const DOM: usize = 2; // slots, entries, arena: 2, 3, 4
    pub const URL: usize = 5;
    pub const URL_HOST: usize = 8;
    pub const EMAIL: usize = 11;
    pub const DIGEST: usize = 14;
    pub const V4_FILTER: usize = 17;
    pub const V4_EXACT: usize = 18;
    pub const V4_STARTS: usize = 19;
    pub const V4_ENDS: usize = 20;
    pub const V4_GROUPS: usize = 21;
    pub const V6_STARTS: usize = 22;
    pub const V6_ENDS: usize = 23;
    pub const V6_GROUPS: usize = 24;
    pub const GROUPS: usize = 25;
    pub const POSTINGS: usize = 26;
    pub const REC_OFF: usize = 27;
    pub const REC_BLOB: usize = 28;
    pub const SUPPRESSED: usize = 29;
    // Bloom filters in front of the URL-host, e-mail and digest tables.
    pub const URL_HOST_BLOOM: usize = 30;
    pub const EMAIL_BLOOM: usize = 31;
    pub const DIGEST_BLOOM: usize = 32;
    pub const COUNT: usize = 33;
}

mod param {
    pub const SEED: usize = 0;
    pub const LABEL_MASK: usize = 1;
    pub const V4_SHIFT: usize = 2;
    pub const MAX_LABELS: usize = 3;
    pub const KIND_COUNTS: usize = 4; // 8 values
    pub const COUNT: usize = 12;
}

/// Counts of what a set holds.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SetStats {
    /// Matchable (not suppressed) indicators per kind, in [`IndicatorKind::ALL`] order.
    pub per_kind: Vec<(IndicatorKind, u64)>,
    pub matchable: u64,
    pub suppressed: u64,
    /// Bytes of the compiled tables.
    pub table_bytes: u64,
}

/// An indicator that failed to normalise, with the reason.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InvalidIndicator {
    pub kind: IndicatorKind,
    pub value: String,
    pub source: Option<String>,
    pub reason: String,
}

/// An indicator a warning list suppressed, with the reason.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SuppressedIndicator {
    pub kind: IndicatorKind,
    pub indicator: String,
    pub id: Option<String>,
    pub source: Option<String>,
    pub reason: String,
}

/// What happened while building: invalid indicators (first [`MAX_REPORTED_PROBLEMS`]
/// kept, all counted) and duplicates merged.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BuildReport {
    pub n_input: u64,
    pub n_invalid: u64,
    pub invalid: Vec<InvalidIndicator>,
    pub n_duplicates: u64,
}

/// Collects indicators and compiles them into an [`IndicatorSet`].
#[derive(Debug)]
pub struct IndicatorSetBuilder {
    indicators: Vec<Indicator>,
    warning_lists: WarningLists,
    seed: Option<u64>,
}

impl IndicatorSetBuilder {
    #[allow(clippy::should_implement_trait)] // a builder step, not arithmetic
    pub fn add(mut self, indicator: Indicator) -> Self {
        self.indicators.push(indicator);
        self
    }

    pub fn extend(mut self, indicators: impl IntoIterator<Item = Indicator>) -> Self {
        self.indicators.extend(indicators);
        self
    }

    pub fn push(&mut self, indicator: Indicator) {
        self.indicators.push(indicator);
    }

    /// Replaces the warning lists (default: [`WarningLists::builtin`]).
    pub fn warning_lists(mut self, lists: WarningLists) -> Self {
        self.warning_lists = lists;
        self
    }

    /// Fixes the hash seed (default: random per build). For reproducible files in tests.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Normalises, applies warning lists, deduplicates and compiles.
    pub fn build(self) -> Result<IndicatorSet, MatchError> {
        build(self)
    }
}

enum Backing {
    Owned(Vec<u64>),
    Mapped(memmap2::Mmap),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Owned(v) => bytemuck::cast_slice(v),
            Backing::Mapped(m) => m,
        }
    }
}

/// A compiled, immutable indicator set. Cheap to share across threads.
pub struct IndicatorSet {
    backing: Backing,
    sections: Vec<(usize, usize)>,
    /// Copies of the two small pre-filters in memory advised for huge pages (see DESIGN.md).
    hot: Option<memmap2::MmapMut>,
    report: BuildReport,
}

impl std::fmt::Debug for IndicatorSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndicatorSet").field("stats", &self.stats()).finish()
    }
}

/// Open-addressing table with byte keys. Slot: `tag (hash >> 32) << 32 | entry + 1`;
/// entry: `[arena offset, key length, group]`.
#[derive(Clone, Copy, Default)]
pub(crate) struct StrTable<'a> {
    slots: &'a [u64],
    entries: &'a [u32],
    arena: &'a [u8],
    /// Optional Bloom filter on the same hash, probed first (in cache, unlike the slots).
    bloom: &'a [u64],
}

impl<'a> StrTable<'a> {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The Bloom filter word for `hash` (to prefetch), when the table has a filter.
    #[inline]
    pub(crate) fn bloom_word(&self, hash: u64) -> Option<&'a u64> {
        if self.bloom.is_empty() {
            return None;
        }
        self.bloom.get(((hash >> 40) as usize) & (self.bloom.len() - 1))
    }

    /// False when the key is certainly absent.
    #[inline]
    pub(crate) fn bloom_maybe(&self, hash: u64) -> bool {
        !self.slots.is_empty() && (self.bloom.is_empty() || bloom_contains(self.bloom, hash))
    }

    #[inline]
    pub(crate) fn get(&self, hash: u64, key: &[u8]) -> Option<u32> {
        if self.slots.is_empty() || (!self.bloom.is_empty() && !bloom_contains(self.bloom, hash)) {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = hash >> 32;
        let mut i = (hash as usize) & mask;
        // Bounded: a corrupt saved table without empty slots must not loop forever.
        for _ in 0..self.slots.len() {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let e = ((slot as u32).wrapping_sub(1)) as usize * 3;
                if let Some(&[off, len, group]) = self.entries.get(e..e + 3) {
                    let (off, len) = (off as usize, len as usize);
                    if self.arena.get(off..off + len) == Some(key) {
                        return Some(group);
                    }
                }
            }
            i = (i + 1) & mask;
        }
        None
    }
}

/// A borrowed view of all tables, built once per scan.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) seed: u64,
    label_mask: u64,
    max_labels: usize,
    dom_bloom: &'a [u64],
    pub(crate) dom: StrTable<'a>,
    pub(crate) url: StrTable<'a>,
    pub(crate) url_host: StrTable<'a>,
    pub(crate) email: StrTable<'a>,
    pub(crate) digest: StrTable<'a>,
    v4_filter: &'a [u64],
    v4_shift: u32,
    v4_exact: &'a [u64],
    v4_starts: &'a [u32],
    v4_ends: &'a [u32],
    v4_groups: &'a [u32],
    v6_starts: &'a [u64],
    v6_ends: &'a [u64],
    v6_groups: &'a [u32],
    groups: &'a [u32],
    postings: &'a [u32],
    rec_off: &'a [u64],
    rec_blob: &'a [u8],
}

/// One decoded record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecordRef<'a> {
    pub(crate) kind: IndicatorKind,
    pub(crate) value: &'a str,
    pub(crate) id: Option<&'a str>,
    pub(crate) source: Option<&'a str>,
    pub(crate) suppressed: Option<&'a str>,
}

impl<'a> View<'a> {
    #[inline]
    pub(crate) fn has_domains(&self) -> bool {
        !self.dom.is_empty()
    }

    #[inline]
    pub(crate) fn has_ip(&self) -> bool {
        !self.v4_filter.is_empty() || !self.v6_starts.is_empty()
    }

    /// Calls `hit(suffix_len, group)` for every label suffix of `name` (lowercase ASCII
    /// host name) that is a domain indicator, shortest suffix first.
    #[inline]
    pub(crate) fn lookup_domain(&self, name: &[u8], mut hit: impl FnMut(usize, u32)) {
        let mut h = self.seed;
        let mut end = name.len();
        let mut k = 0usize;
        loop {
            let mut start = end;
            while start > 0 && name[start - 1] != b'.' {
                start -= 1;
            }
            h = label_step(h, &name[start..end]);
            k += 1;
            if k == 2 && !bloom_contains(self.dom_bloom, h) {
                return;
            }
            if self.label_mask & (1u64 << k.min(63)) != 0 {
                if let Some(g) = self.dom.get(h, &name[start..]) {
                    hit(name.len() - start, g);
                }
            }
            if start == 0 || k >= self.max_labels {
                return;
            }
            end = start - 1;
        }
    }

    /// For the last two labels (lowercase ASCII) of a host: the domain Bloom key (hash of
    /// the two labels) and its filter word, to prefetch. `None` when lookups cannot be
    /// deferred (one-label indicators exist, so suffixes of one label must be probed).
    #[inline]
    pub(crate) fn domain_prefilter_labels(&self, second: &[u8], last: &[u8]) -> Option<(u64, &'a u64)> {
        if self.label_mask & 0b10 != 0 || self.dom_bloom.is_empty() {
            return None;
        }
        let h = label_step(label_step(self.seed, last), second);
        let word = self.dom_bloom.get(((h >> 40) as usize) & (self.dom_bloom.len() - 1))?;
        Some((h, word))
    }

    /// [`View::domain_prefilter_labels`] for the labels `buf[second..last_dot]` and
    /// `buf[last_dot + 1..end]` (ASCII, any case), hashed in place: no copy, lowercased
    /// eight bytes at a time.
    #[inline]
    pub(crate) fn domain_prefilter_span(&self, buf: &[u8], second: usize, last_dot: usize, end: usize) -> Option<(u64, &'a u64)> {
        if self.label_mask & 0b10 != 0 || self.dom_bloom.is_empty() {
            return None;
        }
        let h = label_step_lower(label_step_lower(self.seed, buf, last_dot + 1, end), buf, second, last_dot);
        let word = self.dom_bloom.get(((h >> 40) as usize) & (self.dom_bloom.len() - 1))?;
        Some((h, word))
    }

    #[inline]
    pub(crate) fn dom_bloom_maybe(&self, h2: u64) -> bool {
        bloom_contains(self.dom_bloom, h2)
    }

    /// The IPv4 block-bitmap word for `ip` (to prefetch); `None` without IPv4 indicators.
    #[inline]
    pub(crate) fn v4_filter_word(&self, ip: u32) -> Option<&'a u64> {
        if self.v4_filter.is_empty() {
            return None;
        }
        self.v4_filter.get(((ip >> self.v4_shift) as usize) >> 6)
    }

    /// The bit of `ip` in its [`View::v4_filter_word`].
    #[inline]
    pub(crate) fn v4_filter_bit(&self, ip: u32) -> u64 {
        1u64 << ((ip >> self.v4_shift) & 63)
    }

    /// Longest-prefix match of an IPv4 address: exact addresses first, then CIDRs.
    #[inline]
    pub(crate) fn lookup_v4(&self, ip: u32) -> Option<u32> {
        if self.v4_filter.is_empty() {
            return None;
        }
        let block = (ip >> self.v4_shift) as usize;
        if (self.v4_filter[block >> 6] >> (block & 63)) & 1 == 0 {
            return None;
        }
        if !self.v4_exact.is_empty() {
            let mask = self.v4_exact.len() - 1;
            let mut i = (hash_u32(self.seed, ip) as usize) & mask;
            for _ in 0..self.v4_exact.len() {
                let slot = self.v4_exact[i];
                if slot == 0 {
                    break;
                }
                if (slot >> 32) as u32 == ip {
                    return Some((slot as u32).wrapping_sub(1));
                }
                i = (i + 1) & mask;
            }
        }
        let n = self.v4_starts.partition_point(|&s| s <= ip);
        if n > 0 && self.v4_ends.get(n - 1).is_some_and(|&e| e >= ip) {
            return self.v4_groups.get(n - 1).copied();
        }
        None
    }

    /// Longest-prefix match of an IPv6 address (IPv4-mapped addresses go to IPv4).
    pub(crate) fn lookup_v6(&self, ip: u128) -> Option<u32> {
        if let Some(v4) = normalize::ipv4_mapped(ip) {
            return self.lookup_v4(v4);
        }
        let n_intervals = self.v6_groups.len();
        if n_intervals == 0 {
            return None;
        }
        let at = |i: usize, v: &[u64]| (u128::from(v[2 * i]) << 64) | u128::from(v[2 * i + 1]);
        let (mut lo, mut hi) = (0usize, n_intervals);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if at(mid, self.v6_starts) <= ip {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo > 0 && at(lo - 1, self.v6_ends) >= ip {
            return self.v6_groups.get(lo - 1).copied();
        }
        None
    }

    /// Record ids of a group.
    #[inline]
    pub(crate) fn group_records(&self, group: u32) -> &'a [u32] {
        let g = group as usize * 2;
        match self.groups.get(g..g + 2) {
            Some(&[start, len]) => self.postings.get(start as usize..start as usize + len as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub(crate) fn n_records(&self) -> usize {
        self.rec_off.len().saturating_sub(1)
    }

    /// Decodes a record. Never panics: a malformed record (a corrupt saved file) decodes
    /// to empty fields rather than failing the scan.
    pub(crate) fn record(&self, id: u32) -> RecordRef<'a> {
        let bounds = (self.rec_off.get(id as usize), self.rec_off.get(id as usize + 1));
        let b: &'a [u8] = match bounds {
            (Some(&s), Some(&e)) => self.rec_blob.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        };
        let kind = b.first().and_then(|&k| IndicatorKind::from_u8(k)).unwrap_or(IndicatorKind::Domain);
        let mut pos = 1;
        let mut field = || -> Option<&'a str> {
            let l = b.get(pos..pos + 4)?;
            let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]);
            pos += 4;
            if len == u32::MAX {
                return None;
            }
            let s = b.get(pos..pos + len as usize)?;
            pos += len as usize;
            std::str::from_utf8(s).ok()
        };
        let value = field().unwrap_or("");
        let id = field();
        let source = field();
        let suppressed = field();
        RecordRef { kind, value, id, source, suppressed }
    }
}

/// The four bits a key with hash `h` sets in its Bloom-filter word.
#[inline]
pub(crate) fn bloom_bits(h: u64) -> u64 {
    (1u64 << (h & 63)) | (1u64 << ((h >> 6) & 63)) | (1u64 << ((h >> 12) & 63)) | (1u64 << ((h >> 18) & 63))
}

#[inline]
fn bloom_contains(bloom: &[u64], h: u64) -> bool {
    let w = bloom[((h >> 40) as usize) & (bloom.len() - 1)];
    let bits = bloom_bits(h);
    w & bits == bits
}

impl IndicatorSet {
    pub fn builder() -> IndicatorSetBuilder {
        IndicatorSetBuilder { indicators: Vec::new(), warning_lists: WarningLists::builtin(), seed: None }
    }

    /// Compiles indicators with the built-in warning lists.
    pub fn from_indicators(indicators: Vec<Indicator>) -> Result<IndicatorSet, MatchError> {
        IndicatorSet::builder().extend(indicators).build()
    }

    fn section(&self, i: usize) -> &[u8] {
        let (off, len) = self.sections[i];
        &self.backing.bytes()[off..off + len]
    }

    fn u64s(&self, i: usize) -> &[u64] {
        bytemuck::try_cast_slice(self.section(i)).unwrap_or(&[])
    }

    fn u32s(&self, i: usize) -> &[u32] {
        bytemuck::try_cast_slice(self.section(i)).unwrap_or(&[])
    }

    fn str_table(&self, first: usize, bloom: Option<usize>) -> StrTable<'_> {
        StrTable {
            slots: self.u64s(first),
            entries: self.u32s(first + 1),
            arena: self.section(first + 2),
            bloom: bloom.map_or(&[][..], |b| self.hot_u64s(b)),
        }
    }

    pub(crate) fn view(&self) -> View<'_> {
        let params = self.u64s(sec::PARAMS);
        let p = |i: usize| params.get(i).copied().unwrap_or(0);
        let dom_bloom = self.hot_u64s(sec::DOM_BLOOM);
        let v4_filter = self.hot_u64s(sec::V4_FILTER);
        View {
            seed: p(param::SEED),
            label_mask: p(param::LABEL_MASK),
            max_labels: p(param::MAX_LABELS) as usize,
            dom_bloom,
            dom: self.str_table(sec::DOM, None),
            url: self.str_table(sec::URL, None),
            url_host: self.str_table(sec::URL_HOST, Some(sec::URL_HOST_BLOOM)),
            email: self.str_table(sec::EMAIL, Some(sec::EMAIL_BLOOM)),
            digest: self.str_table(sec::DIGEST, Some(sec::DIGEST_BLOOM)),
            v4_filter,
            v4_shift: p(param::V4_SHIFT) as u32,
            v4_exact: self.u64s(sec::V4_EXACT),
            v4_starts: self.u32s(sec::V4_STARTS),
            v4_ends: self.u32s(sec::V4_ENDS),
            v4_groups: self.u32s(sec::V4_GROUPS),
            v6_starts: self.u64s(sec::V6_STARTS),
            v6_ends: self.u64s(sec::V6_ENDS),
            v6_groups: self.u32s(sec::V6_GROUPS),
            groups: self.u32s(sec::GROUPS),
            postings: self.u32s(sec::POSTINGS),
            rec_off: self.u64s(sec::REC_OFF),
            rec_blob: self.section(sec::REC_BLOB),
        }
    }

    /// Counts per kind, suppressed, table size.
    pub fn stats(&self) -> SetStats {
        let params = self.u64s(sec::PARAMS);
        let per_kind: Vec<(IndicatorKind, u64)> = IndicatorKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, params.get(param::KIND_COUNTS + i).copied().unwrap_or(0)))
            .collect();
        SetStats {
            matchable: per_kind.iter().map(|(_, n)| n).sum(),
            per_kind,
            suppressed: self.u32s(sec::SUPPRESSED).len() as u64,
            table_bytes: self.backing.bytes().len() as u64,
        }
    }

    /// What building reported (empty for a set loaded from disk).
    pub fn build_report(&self) -> &BuildReport {
        &self.report
    }

    /// Every indicator suppressed by a warning list, with the reason.
    pub fn suppressed(&self) -> Vec<SuppressedIndicator> {
        let view = self.view();
        self.u32s(sec::SUPPRESSED)
            .iter()
            .map(|&id| {
                let r = view.record(id);
                SuppressedIndicator {
                    kind: r.kind,
                    indicator: r.value.to_string(),
                    id: r.id.map(str::to_string),
                    source: r.source.map(str::to_string),
                    reason: r.suppressed.unwrap_or("").to_string(),
                }
            })
            .collect()
    }

    /// All indicators (normalised values), matchable and suppressed; used to merge a
    /// saved set with more indicators.
    pub fn indicators(&self) -> Vec<Indicator> {
        let view = self.view();
        (0..view.n_records() as u32)
            .map(|id| {
                let r = view.record(id);
                Indicator {
                    kind: r.kind,
                    value: r.value.to_string(),
                    id: r.id.map(str::to_string),
                    source: r.source.map(str::to_string),
                }
            })
            .collect()
    }

    /// Writes the compiled tables to `path` (atomically: a temporary file is renamed).
    pub fn save(&self, path: &Path) -> Result<(), MatchError> {
        let tmp = path.with_extension("tmp-ward-match");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(self.backing.bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| MatchError::io(path, e))
    }

    /// True when the file starts with the compiled-set magic bytes.
    pub fn is_compiled_file(head: &[u8]) -> bool {
        head.starts_with(MAGIC)
    }

    /// Memory-maps a saved set. Validates the header and every section bound, so a
    /// corrupt or foreign file is an error, not a crash.
    pub fn load(path: &Path) -> Result<IndicatorSet, MatchError> {
        let err = |reason: &str| MatchError::CompiledSet { path: path.to_path_buf(), reason: reason.to_string() };
        let file = File::open(path).map_err(|e| MatchError::io(path, e))?;
        let len = file.metadata().map_err(|e| MatchError::io(path, e))?.len();
        if len < HEADER_BYTES as u64 {
            return Err(err("file too short"));
        }
        let len = usize::try_from(len).map_err(|_| err("file too large for this machine"))?;
        let map = crate::mmap::map_file_range(&file, 0, len).map_err(|e| MatchError::io(path, e))?;
        let sections = parse_header(&map).map_err(err)?;
        let set = IndicatorSet::from_parts(Backing::Mapped(map), sections, BuildReport::default());
        set.validate().map_err(err)?;
        Ok(set)
    }

    fn from_parts(backing: Backing, sections: Vec<(usize, usize)>, report: BuildReport) -> IndicatorSet {
        let mut set = IndicatorSet { backing, sections, hot: None, report };
        set.make_hot();
        set
    }

    /// Copies the Bloom filters and the IPv4 block bitmap into an anonymous mapping
    /// advised for transparent huge pages: they are probed on almost every token, and
    /// TLB misses are expensive in a virtual machine.
    fn make_hot(&mut self) {
        let parts: Vec<&[u64]> = HOT_SECTIONS.iter().map(|&i| self.u64s(i)).collect();
        let words: usize = parts.iter().map(|p| p.len()).sum();
        if words == 0 {
            return;
        }
        let Ok(mut map) = memmap2::MmapMut::map_anon(words * 8) else { return };
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::HugePage);
        let mut at = 0;
        for p in &parts {
            map[at..at + p.len() * 8].copy_from_slice(bytemuck::cast_slice(p));
            at += p.len() * 8;
        }
        self.hot = Some(map);
    }

    /// A section of u64s, from the huge-page copy when there is one.
    fn hot_u64s(&self, section: usize) -> &[u64] {
        if let Some(hot) = &self.hot {
            let all: &[u64] = bytemuck::try_cast_slice(&hot[..]).unwrap_or(&[]);
            let mut at = 0;
            for &i in HOT_SECTIONS.iter() {
                let len = self.u64s(i).len();
                if i == section {
                    return all.get(at..at + len).unwrap_or(&[]);
                }
                at += len;
            }
        }
        self.u64s(section)
    }

    /// Checks, in constant time, the shape invariants the lookups rely on (power-of-two
    /// tables, a filter covering the address space, consistent interval arrays). Contents
    /// (offsets, groups, postings, records) are not scanned here — that would cost a pass
    /// over hundreds of MB at every load — instead every lookup reads them with bounds
    /// checks and bounded probe loops, so a corrupt file gives wrong or no matches, never a
    /// panic or a hang.
    fn validate(&self) -> Result<(), &'static str> {
        if self.sections.iter().any(|&(off, _)| off % SECTION_ALIGN != 0) {
            return Err("misaligned section");
        }
        let v = self.view();
        let pow2 = |s: &[u64]| s.is_empty() || s.len().is_power_of_two();
        if !pow2(v.dom_bloom) || !pow2(v.v4_filter) || !pow2(v.v4_exact) {
            return Err("table size is not a power of two");
        }
        if v.has_domains() && v.dom_bloom.is_empty() {
            return Err("domain table without Bloom filter");
        }
        if !v.v4_filter.is_empty()
            && (v.v4_shift > 31 || (v.v4_filter.len() as u64 * 64) << v.v4_shift < (1u64 << 32))
        {
            return Err("IPv4 filter does not cover the address space");
        }
        for t in [v.dom, v.url, v.url_host, v.email, v.digest] {
            if !pow2(t.slots) || !pow2(t.bloom) || t.entries.len() % 3 != 0 {
                return Err("bad string table");
            }
        }
        if v.v4_starts.len() != v.v4_ends.len() || v.v4_starts.len() != v.v4_groups.len() {
            return Err("IPv4 intervals inconsistent");
        }
        if v.v6_starts.len() != 2 * v.v6_groups.len() || v.v6_ends.len() != v.v6_starts.len() {
            return Err("IPv6 intervals inconsistent");
        }
        if v.groups.len() % 2 != 0 || v.rec_off.is_empty() {
            return Err("bad group or record index");
        }
        Ok(())
    }
}

fn parse_header(bytes: &[u8]) -> Result<Vec<(usize, usize)>, &'static str> {
    if bytes.len() < HEADER_BYTES || &bytes[..8] != MAGIC {
        return Err("missing magic bytes (not a ward-match compiled set)");
    }
    let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    if u32_at(8) != FORMAT_VERSION {
        return Err("unsupported format version (recompile the indicators)");
    }
    if u32_at(12) != ENDIAN_MARK {
        return Err("written on a machine of the other byte order");
    }
    if u32_at(16) as usize != sec::COUNT {
        return Err("unexpected section count");
    }
    let table_end = HEADER_BYTES + sec::COUNT * 16;
    if bytes.len() < table_end {
        return Err("truncated section table");
    }
    let mut sections = Vec::with_capacity(sec::COUNT);
    for i in 0..sec::COUNT {
        let o = HEADER_BYTES + i * 16;
        let off = u64::from_le_bytes(bytes[o..o + 8].try_into().map_err(|_| "bad header")?);
        let len = u64::from_le_bytes(bytes[o + 8..o + 16].try_into().map_err(|_| "bad header")?);
        let end = off.checked_add(len).ok_or("section out of range")?;
        if off < table_end as u64 || end > bytes.len() as u64 {
            return Err("section out of range (truncated file?)");
        }
        sections.push((off as usize, len as usize));
    }
    Ok(sections)
}

// ---------------------------------------------------------------------------------
// Building

struct Record {
    kind: IndicatorKind,
    id: Option<String>,
    source: Option<String>,
    suppressed: Option<String>,
}

/// A hash of the normalised key, to sort on integers rather than strings.
fn key_hash(key: &NormalizedKey) -> u64 {
    match key {
        NormalizedKey::Domain(d) => hash_bytes(1, d.as_bytes()),
        NormalizedKey::Url(u) => hash_bytes(2, u.as_bytes()),
        NormalizedKey::Email(e) => hash_bytes(3, e.as_bytes()),
        NormalizedKey::Digest(d) => hash_bytes(4, d),
        NormalizedKey::Ip(IpNet::V4 { network, prefix_len }) => hash_bytes(5, &[&network.to_le_bytes()[..], &[*prefix_len]].concat()),
        NormalizedKey::Ip(IpNet::V6 { network, prefix_len }) => hash_bytes(6, &[&network.to_le_bytes()[..], &[*prefix_len]].concat()),
    }
}

fn build(builder: IndicatorSetBuilder) -> Result<IndicatorSet, MatchError> {
    let IndicatorSetBuilder { indicators, warning_lists, seed } = builder;
    if indicators.len() > MAX_INDICATORS {
        return Err(MatchError::Limit {
            what: "indicators in one set",
            limit: MAX_INDICATORS as u64,
            actual: indicators.len() as u64,
        });
    }
    let seed = seed.unwrap_or_else(random_seed);
    let mut report = BuildReport { n_input: indicators.len() as u64, ..BuildReport::default() };

    // 1. Normalise in parallel, check warning lists; invalid ones are set aside.
    let (entries, invalid): (Vec<(u64, NormalizedKey, Record)>, Vec<InvalidIndicator>) =
        indicators.into_par_iter().partition_map(|ind| match normalize::normalize_indicator(ind.kind, &ind.value) {
            Ok((kind, key)) => {
                let suppressed = warning_lists.check(&key);
                rayon::iter::Either::Left((key_hash(&key), key, Record { kind, id: ind.id, source: ind.source, suppressed }))
            }
            Err(reason) => rayon::iter::Either::Right(InvalidIndicator {
                kind: ind.kind,
                value: ind.value,
                source: ind.source,
                reason: reason.to_string(),
            }),
        });
    report.n_invalid = invalid.len() as u64;
    report.invalid = invalid.into_iter().take(MAX_REPORTED_PROBLEMS).collect();

    // 2. Group equal keys with one sequential pass (a map from key hash to the chain of
    //    groups with that hash), then order entries by group with a counting sort:
    //    no random walks through the entries, no moves of large elements.
    let mut group_of: Vec<u32> = Vec::with_capacity(entries.len());
    let mut representative: Vec<u32> = Vec::new(); // first entry of each group
    let mut next_same_hash: Vec<u32> = Vec::new(); // chain of groups sharing a hash
    let mut first_group: HashMap<u64, u32, BuildHasherDefault<IdentityHasher>> =
        HashMap::with_capacity_and_hasher(entries.len(), BuildHasherDefault::default());
    for (i, (hash, key, _)) in entries.iter().enumerate() {
        let new_group = representative.len() as u32;
        let g = match first_group.entry(*hash) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(new_group);
                None
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let mut g = *o.get();
                loop {
                    if entries[representative[g as usize] as usize].1 == *key {
                        break Some(g);
                    }
                    if next_same_hash[g as usize] == u32::MAX {
                        next_same_hash[g as usize] = new_group;
                        break None;
                    }
                    g = next_same_hash[g as usize];
                }
            }
        };
        group_of.push(g.unwrap_or_else(|| {
            representative.push(i as u32);
            next_same_hash.push(u32::MAX);
            new_group
        }));
    }
    drop(first_group);
    drop(next_same_hash);
    let n_key_groups = representative.len();
    let mut group_start = vec![0u32; n_key_groups + 1];
    for &g in &group_of {
        group_start[g as usize + 1] += 1;
    }
    for g in 0..n_key_groups {
        group_start[g + 1] += group_start[g];
    }
    let mut order = vec![0u32; entries.len()];
    let mut fill = group_start.clone();
    for (i, &g) in group_of.iter().enumerate() {
        order[fill[g as usize] as usize] = i as u32;
        fill[g as usize] += 1;
    }
    drop(fill);
    drop(group_of);

    // 3. Records, groups and postings. Suppressed records are kept but not indexed;
    //    exact duplicates (same key, id and source) are dropped.
    let mut rec_off: Vec<u64> = Vec::with_capacity(entries.len() + 1);
    let mut rec_blob: Vec<u8> = Vec::with_capacity(entries.len() * 40);
    let mut suppressed_ids: Vec<u32> = Vec::new();
    let mut groups: Vec<u32> = Vec::new();
    let mut postings: Vec<u32> = Vec::with_capacity(entries.len());
    let mut keyed: Vec<(&NormalizedKey, u32)> = Vec::with_capacity(n_key_groups); // key → group
    let mut kind_counts = [0u64; 8];
    rec_off.push(0);
    for kg in 0..n_key_groups {
        let members = &order[group_start[kg] as usize..group_start[kg + 1] as usize];
        let key = &entries[representative[kg] as usize].1;
        let group = (groups.len() / 2) as u32;
        let start = postings.len() as u32;
        for (m, &idx) in members.iter().enumerate() {
            let rec = &entries[idx as usize].2;
            let duplicate = members[..m].iter().any(|&j| {
                let other = &entries[j as usize].2;
                other.id == rec.id && other.source == rec.source
            });
            if duplicate {
                report.n_duplicates += 1;
                continue;
            }
            let id = (rec_off.len() - 1) as u32;
            encode_record(&mut rec_blob, key, rec);
            rec_off.push(rec_blob.len() as u64);
            if rec.suppressed.is_some() {
                suppressed_ids.push(id);
            } else {
                postings.push(id);
                kind_counts[usize::from(rec.kind.to_u8())] += 1;
            }
        }
        let n = postings.len() as u32 - start;
        if n > 0 {
            groups.extend_from_slice(&[start, n]);
            keyed.push((key, group));
        }
    }
    drop(order);

    // 4. Tables per kind.
    let mut dom_keys: Vec<(u64, &[u8], u32)> = Vec::new();
    let mut bloom_keys: Vec<u64> = Vec::new();
    let mut label_mask = 0u64;
    let mut max_labels = 0usize;
    let mut url_keys = Vec::new();
    let mut url_hosts: Vec<&[u8]> = Vec::new();
    let mut email_keys = Vec::new();
    let mut digest_keys = Vec::new();
    let mut v4_exact: Vec<(u32, u32)> = Vec::new();
    let mut v4_nets: Vec<(u128, u128, u8, u32)> = Vec::new();
    let mut v6_nets: Vec<(u128, u128, u8, u32)> = Vec::new();
    for (key, group) in keyed {
        match key {
            NormalizedKey::Domain(d) => {
                let (h, h2, k) = domain_hash(seed, d.as_bytes());
                bloom_keys.push(h2);
                label_mask |= 1u64 << k.min(63);
                max_labels = max_labels.max(k);
                dom_keys.push((h, d.as_bytes(), group));
            }
            NormalizedKey::Url(u) => {
                if let Some(host) = url_host_of_normalized(u) {
                    url_hosts.push(host.as_bytes());
                }
                url_keys.push((hash_bytes(seed, u.as_bytes()), u.as_bytes(), group));
            }
            NormalizedKey::Email(e) => email_keys.push((hash_bytes(seed, e.as_bytes()), e.as_bytes(), group)),
            NormalizedKey::Digest(d) => digest_keys.push((hash_bytes(seed, d), d.as_slice(), group)),
            &NormalizedKey::Ip(IpNet::V4 { network, prefix_len: 32 }) => v4_exact.push((network, group)),
            &NormalizedKey::Ip(net @ IpNet::V4 { prefix_len, .. }) => {
                let (lo, hi) = net.range();
                v4_nets.push((lo, hi, prefix_len, group));
            }
            &NormalizedKey::Ip(net @ IpNet::V6 { prefix_len, .. }) => {
                let (lo, hi) = net.range();
                v6_nets.push((lo, hi, prefix_len, group));
            }
        }
    }
    url_hosts.sort_unstable();
    url_hosts.dedup();
    let url_host_keys: Vec<(u64, &[u8], u32)> =
        url_hosts.into_iter().map(|h| (hash_bytes(seed, h), h, u32::MAX)).collect();

    let dom_table = build_str_table(&dom_keys);
    let dom_bloom = build_bloom(&bloom_keys);
    let url_table = build_str_table(&url_keys);
    let url_host_table = build_str_table(&url_host_keys);
    let email_table = build_str_table(&email_keys);
    let digest_table = build_str_table(&digest_keys);

    // IPv4: block bitmap sized to ~16 bits per entry (at most one bit per /24).
    let n_v4 = v4_exact.len() + v4_nets.len();
    let (v4_filter, v4_shift) = if n_v4 == 0 {
        (Vec::new(), 0u32)
    } else {
        let want_bits = (n_v4 as u64 * 16).next_power_of_two().clamp(1 << 12, 1 << 24);
        let shift = 32 - want_bits.trailing_zeros();
        let mut bits = vec![0u64; (want_bits / 64) as usize];
        let mut set_range = |lo: u64, hi: u64| {
            for b in (lo >> shift)..=(hi >> shift) {
                bits[(b >> 6) as usize] |= 1u64 << (b & 63);
            }
        };
        for &(ip, _) in &v4_exact {
            set_range(u64::from(ip), u64::from(ip));
        }
        for &(lo, hi, _, _) in &v4_nets {
            set_range(lo as u64, hi as u64);
        }
        (bits, shift)
    };
    let v4_exact_slots = if v4_exact.is_empty() {
        Vec::new()
    } else {
        let cap = (v4_exact.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![0u64; cap];
        for &(ip, group) in &v4_exact {
            let mut i = (hash_u32(seed, ip) as usize) & (cap - 1);
            while slots[i] != 0 {
                i = (i + 1) & (cap - 1);
            }
            slots[i] = (u64::from(ip) << 32) | u64::from(group + 1);
        }
        slots
    };
    let v4_intervals = flatten_prefixes(v4_nets);
    let v6_intervals = flatten_prefixes(v6_nets);

    let mut params = vec![0u64; param::COUNT];
    params[param::SEED] = seed;
    params[param::LABEL_MASK] = label_mask;
    params[param::V4_SHIFT] = u64::from(v4_shift);
    params[param::MAX_LABELS] = max_labels as u64;
    params[param::KIND_COUNTS..param::KIND_COUNTS + 8].copy_from_slice(&kind_counts);

    let estimate = rec_blob.len()
        + rec_off.len() * 8
        + postings.len() * 4
        + groups.len() * 4
        + [&dom_table, &url_table, &url_host_table, &email_table, &digest_table]
            .iter()
            .map(|t| t.0.len() * 8 + t.1.len() * 4 + t.2.len())
            .sum::<usize>()
        + (dom_bloom.len() + v4_filter.len() + v4_exact_slots.len()) * 8
        + (v4_intervals.len() * 12 + v6_intervals.len() * 36)
        + (url_host_table.0.len() + email_table.0.len() + digest_table.0.len()) * 2
        + 64 * (sec::COUNT + 1)
        + 4096;
    let mut w = SectionWriter::with_capacity(estimate);
    w.push(sec::PARAMS, bytemuck::cast_slice(&params));
    w.push(sec::DOM_BLOOM, bytemuck::cast_slice(&dom_bloom));
    for (first, t) in [
        (sec::DOM, &dom_table),
        (sec::URL, &url_table),
        (sec::URL_HOST, &url_host_table),
        (sec::EMAIL, &email_table),
        (sec::DIGEST, &digest_table),
    ] {
        w.push(first, bytemuck::cast_slice(&t.0));
        w.push(first + 1, bytemuck::cast_slice(&t.1));
        w.push(first + 2, &t.2);
    }
    w.push(sec::V4_FILTER, bytemuck::cast_slice(&v4_filter));
    w.push(sec::V4_EXACT, bytemuck::cast_slice(&v4_exact_slots));
    let v4_starts: Vec<u32> = v4_intervals.iter().map(|x| x.0 as u32).collect();
    let v4_ends: Vec<u32> = v4_intervals.iter().map(|x| x.1 as u32).collect();
    let v4_groups: Vec<u32> = v4_intervals.iter().map(|x| x.2).collect();
    w.push(sec::V4_STARTS, bytemuck::cast_slice(&v4_starts));
    w.push(sec::V4_ENDS, bytemuck::cast_slice(&v4_ends));
    w.push(sec::V4_GROUPS, bytemuck::cast_slice(&v4_groups));
    let split = |v: u128| [(v >> 64) as u64, v as u64];
    let v6_starts: Vec<u64> = v6_intervals.iter().flat_map(|x| split(x.0)).collect();
    let v6_ends: Vec<u64> = v6_intervals.iter().flat_map(|x| split(x.1)).collect();
    let v6_groups: Vec<u32> = v6_intervals.iter().map(|x| x.2).collect();
    w.push(sec::V6_STARTS, bytemuck::cast_slice(&v6_starts));
    w.push(sec::V6_ENDS, bytemuck::cast_slice(&v6_ends));
    w.push(sec::V6_GROUPS, bytemuck::cast_slice(&v6_groups));
    w.push(sec::GROUPS, bytemuck::cast_slice(&groups));
    w.push(sec::POSTINGS, bytemuck::cast_slice(&postings));
    w.push(sec::REC_OFF, bytemuck::cast_slice(&rec_off));
    w.push(sec::REC_BLOB, &rec_blob);
    w.push(sec::SUPPRESSED, bytemuck::cast_slice(&suppressed_ids));
    let hashes = |keys: &[(u64, &[u8], u32)]| keys.iter().map(|k| k.0).collect::<Vec<u64>>();
    w.push(sec::URL_HOST_BLOOM, bytemuck::cast_slice(&build_bloom(&hashes(&url_host_keys))));
    w.push(sec::EMAIL_BLOOM, bytemuck::cast_slice(&build_bloom(&hashes(&email_keys))));
    w.push(sec::DIGEST_BLOOM, bytemuck::cast_slice(&build_bloom(&hashes(&digest_keys))));
    let (buf, sections) = w.finish();
    Ok(IndicatorSet::from_parts(Backing::Owned(buf), sections, report))
}

/// The host part of a normalised URL (`scheme://[userinfo@]host[:port]/…`).
pub(crate) fn url_host_of_normalized(u: &str) -> Option<&str> {
    let rest = u.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.starts_with('[') {
        return Some(&hostport[..=hostport.find(']')?]);
    }
    Some(hostport.rsplit_once(':').map_or(hostport, |(h, _)| h))
}

fn encode_record(blob: &mut Vec<u8>, key: &NormalizedKey, rec: &Record) {
    blob.push(rec.kind.to_u8());
    let value = key.canonical();
    for field in [Some(&*value), rec.id.as_deref(), rec.source.as_deref(), rec.suppressed.as_deref()] {
        match field {
            Some(s) => {
                blob.extend_from_slice(&(s.len() as u32).to_le_bytes());
                blob.extend_from_slice(s.as_bytes());
            }
            None => blob.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }
}

type StrTableParts = (Vec<u64>, Vec<u32>, Vec<u8>);

fn build_str_table(keys: &[(u64, &[u8], u32)]) -> StrTableParts {
    if keys.is_empty() {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let cap = (keys.len() * 2).next_power_of_two().max(16);
    let mut slots = vec![0u64; cap];
    let mut entries = Vec::with_capacity(keys.len() * 3);
    let mut arena = Vec::new();
    for (n, (h, key, group)) in keys.iter().enumerate() {
        entries.extend_from_slice(&[arena.len() as u32, key.len() as u32, *group]);
        arena.extend_from_slice(key);
        let mut i = (*h as usize) & (cap - 1);
        while slots[i] != 0 {
            i = (i + 1) & (cap - 1);
        }
        slots[i] = ((h >> 32) << 32) | (n as u64 + 1);
    }
    (slots, entries, arena)
}

/// One 64-bit word per key, four bits set: about 1 % false positives at 16 bits a key.
fn build_bloom(keys: &[u64]) -> Vec<u64> {
    if keys.is_empty() {
        return Vec::new();
    }
    let words = ((keys.len() as u64 * 16 / 64).next_power_of_two()).clamp(64, 1 << 22) as usize;
    let mut bloom = vec![0u64; words];
    for &h in keys {
        bloom[((h >> 40) as usize) & (words - 1)] |= bloom_bits(h);
    }
    bloom
}

/// Flattens nested or disjoint prefixes (first, last, prefix length, group) into sorted,
/// disjoint intervals, each labelled with the group of the longest covering prefix.
fn flatten_prefixes(mut nets: Vec<(u128, u128, u8, u32)>) -> Vec<(u128, u128, u32)> {
    nets.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut out: Vec<(u128, u128, u32)> = Vec::new();
    let mut stack: Vec<(u128, u32)> = Vec::new(); // (last, group)
    // `cursor` is the first address not yet emitted; None once past u128::MAX.
    let mut cursor: Option<u128> = Some(0);
    let emit = |out: &mut Vec<(u128, u128, u32)>, lo: u128, hi: u128, g: u32| {
        if let Some(last) = out.last_mut() {
            if last.2 == g && last.1.checked_add(1) == Some(lo) {
                last.1 = hi;
                return;
            }
        }
        out.push((lo, hi, g));
    };
    let pop_until = |out: &mut Vec<(u128, u128, u32)>, stack: &mut Vec<(u128, u32)>, cursor: &mut Option<u128>, before: Option<u128>| {
        while let Some(&(last, g)) = stack.last() {
            if let Some(b) = before {
                if last >= b {
                    break;
                }
            }
            if let Some(c) = *cursor {
                if c <= last {
                    emit(out, c, last, g);
                }
            }
            *cursor = last.checked_add(1);
            stack.pop();
        }
    };
    for (lo, hi, _, g) in nets {
        pop_until(&mut out, &mut stack, &mut cursor, Some(lo));
        if let (Some(&(_, tg)), Some(c)) = (stack.last(), cursor) {
            if c < lo {
                emit(&mut out, c, lo - 1, tg);
            }
        }
        cursor = Some(lo);
        stack.push((hi, g));
    }
    pop_until(&mut out, &mut stack, &mut cursor, None);
    out
}

struct SectionWriter {
    words: Vec<u64>,
    len: usize,
    sections: Vec<(usize, usize)>,
}

impl SectionWriter {
    fn with_capacity(bytes: usize) -> SectionWriter {
        let mut w = SectionWriter { words: Vec::with_capacity(bytes / 8 + 1), len: 0, sections: vec![(0, 0); sec::COUNT] };
        let mut header = vec![0u8; HEADER_BYTES + sec::COUNT * 16];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&ENDIAN_MARK.to_le_bytes());
        header[16..20].copy_from_slice(&(sec::COUNT as u32).to_le_bytes());
        w.append(&header);
        w
    }

    fn append(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.words.resize(end.div_ceil(8), 0);
        bytemuck::cast_slice_mut::<u64, u8>(&mut self.words)[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    fn push(&mut self, index: usize, bytes: &[u8]) {
        self.len = self.len.next_multiple_of(SECTION_ALIGN);
        self.words.reserve(bytes.len() / 8 + SECTION_ALIGN);
        let off = self.len;
        self.append(bytes);
        self.sections[index] = (off, bytes.len());
        let o = HEADER_BYTES + index * 16;
        let header = bytemuck::cast_slice_mut::<u64, u8>(&mut self.words);
        header[o..o + 8].copy_from_slice(&(off as u64).to_le_bytes());
        header[o + 8..o + 16].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    }

    fn finish(mut self) -> (Vec<u64>, Vec<(usize, usize)>) {
        self.words.truncate(self.len.div_ceil(8));
        (self.words, self.sections)
    }
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5741_5244);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_nested_prefixes() {
        // 10.0.0.0/8 ⊃ 10.1.0.0/16 ⊃ 10.1.2.0/24, plus a disjoint 11.0.0.0/8.
        let nets = vec![
            (0x0a00_0000, 0x0aff_ffff, 8, 0),
            (0x0a01_0000, 0x0a01_ffff, 16, 1),
            (0x0a01_0200, 0x0a01_02ff, 24, 2),
            (0x0b00_0000, 0x0bff_ffff, 8, 3),
        ];
        let out = flatten_prefixes(nets);
        assert_eq!(
            out,
            vec![
                (0x0a00_0000, 0x0a00_ffff, 0),
                (0x0a01_0000, 0x0a01_01ff, 1),
                (0x0a01_0200, 0x0a01_02ff, 2),
                (0x0a01_0300, 0x0a01_ffff, 1),
                (0x0a02_0000, 0x0aff_ffff, 0),
                (0x0b00_0000, 0x0bff_ffff, 3),
            ]
        );
        let all = flatten_prefixes(vec![(0, u128::MAX, 0, 7), (5, 5, 128, 8)]);
        assert_eq!(all, vec![(0, 4, 7), (5, 5, 8), (6, u128::MAX, 7)]);
    }
}
