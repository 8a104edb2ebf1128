//! Turning dataset text into ward-core's bounded text types: control characters become spaces,
//! over-long text is cut at a character boundary with an ellipsis (and a note), empty is absent.

use ward_core::limits::{MAX_LABEL_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
use ward_core::text::{HttpUrl, Label, LongText, Title};

/// Replaces control characters other than tab and newline (which ward-core refuses) with
/// spaces, turns CRLF and lone CR line breaks into LF, and trims.
pub(crate) fn clean(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.trim().to_owned();
    }
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let out: String = s
        .chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { ' ' } else { c })
        .collect();
    out.trim().to_owned()
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
fn cut(s: &str, max: usize) -> (String, bool) {
    if s.chars().count() <= max {
        return (s.to_owned(), false);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    (out, true)
}

macro_rules! bounded {
    ($fn:ident, $ty:ty, $max:expr) => {
        /// Cleans and bounds `s`; `None` when nothing is left. A cut is recorded in `notes`.
        pub(crate) fn $fn(s: &str, what: &str, notes: &mut Vec<String>) -> Option<$ty> {
            let cleaned = clean(s);
            if cleaned.is_empty() {
                return None;
            }
            let (text, was_cut) = cut(&cleaned, $max);
            if was_cut {
                notes.push(format!("{what} was cut to {} characters", $max));
            }
            text.parse().ok()
        }
    };
}

bounded!(label, Label, MAX_LABEL_CHARS);
bounded!(title, Title, MAX_TITLE_CHARS);
bounded!(long_text, LongText, MAX_TEXT_CHARS);

/// A label from text known to be short and clean (constants, tokens); `None` only if empty.
pub(crate) fn fixed_label(s: &str) -> Option<Label> {
    let (text, _) = cut(&clean(s), MAX_LABEL_CHARS);
    text.parse().ok()
}

/// Parses an http(s) URL after trimming trailing punctuation that prose puts after links.
pub(crate) fn http_url(s: &str) -> Option<HttpUrl> {
    let t = s.trim().trim_end_matches([',', ';', '.', ')', ']', '"', '\'']);
    t.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_cuts() {
        let mut notes = Vec::new();
        assert_eq!(label("  a\u{7}b\r\nc\rd ", "x", &mut notes).unwrap().as_str(), "a b\nc\nd");
        assert!(label("   ", "x", &mut notes).is_none());
        let long = "é".repeat(400);
        let l = label(&long, "victim name", &mut notes).unwrap();
        assert_eq!(l.as_str().chars().count(), 300);
        assert!(l.as_str().ends_with('…'));
        assert_eq!(notes, ["victim name was cut to 300 characters"]);
    }

    #[test]
    fn urls_lose_trailing_punctuation() {
        assert_eq!(http_url("https://a.org/x,").unwrap().as_str(), "https://a.org/x");
        assert!(http_url("VirusShare_00137.zip").is_none());
        assert!(http_url("ftp://a.org/").is_none());
    }
}
