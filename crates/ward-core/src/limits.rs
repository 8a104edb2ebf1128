//! Named limits on everything an outsider can send. Exceeding one is a clear validation error.

/// Longest incident title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest free-text field (summary, notes), in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest short label (names, publishers, varieties), in characters.
pub const MAX_LABEL_CHARS: usize = 300;
/// Longest URL, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;
/// Most sources one incident may cite.
pub const MAX_SOURCES: usize = 100;
/// Most entries in any list inside an incident (actors, actions, harm events…).
pub const MAX_LIST_ITEMS: usize = 200;
/// Largest incident document accepted, in bytes (JSON or YAML).
pub const MAX_INCIDENT_DOCUMENT_BYTES: usize = 512 * 1024;
/// Longest organisation name.
pub const MAX_ORG_NAME_CHARS: usize = 200;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Shortest password accepted for a user account.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 input bound).
pub const MAX_PASSWORD_CHARS: usize = 1_024;
