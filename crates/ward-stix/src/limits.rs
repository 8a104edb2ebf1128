//! Every limit on STIX input, as named constants.

/// Largest bundle or envelope parsed whole (request bodies, pulled pages), in bytes. Files are
/// streamed instead ([`crate::stream`]), bounded per object, not per document.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// Most objects in one bundle or envelope.
pub const MAX_OBJECTS_PER_BUNDLE: usize = 100_000;
/// Most objects in one streamed document (`ward stix import`).
pub const MAX_STREAMED_OBJECTS: usize = 100_000_000;
/// Largest single object, in bytes.
pub const MAX_OBJECT_BYTES: usize = 1024 * 1024;
/// Deepest JSON nesting inside one object.
pub const MAX_NESTING_DEPTH: usize = 32;
/// Longest pattern, in bytes.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;
/// Deepest nesting of parentheses/brackets in a pattern.
pub const MAX_PATTERN_DEPTH: usize = 64;
/// Most entries in a list property (`object_refs`, `object_marking_refs`…).
pub const MAX_LIST_ITEMS: usize = 10_000;
