//! Every limit on STIX input, as named constants.

/// Largest bundle or envelope accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// Most objects in one bundle or envelope.
pub const MAX_OBJECTS_PER_BUNDLE: usize = 100_000;
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
