//! Bounded, trimmed text newtypes and validated URLs and e-mail addresses.

use std::fmt;
use std::str::FromStr;

use crate::limits;

macro_rules! bounded_text {
    ($(#[$m:meta])* $name:ident, $max:expr, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                if t.is_empty() {
                    return Err(concat!($what, " must not be empty").to_owned());
                }
                let n = t.chars().count();
                if n > $max {
                    return Err(format!(concat!($what, " is {} characters long; the limit is {}"), n, $max));
                }
                if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                    return Err(concat!($what, " contains control characters").to_owned());
                }
                Ok(Self(t.to_owned()))
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> { s.parse() }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    };
}

bounded_text!(/// An incident title: 1–200 characters.
    Title, limits::MAX_TITLE_CHARS, "title");
bounded_text!(/// A short label (name, publisher, variety): 1–300 characters.
    Label, limits::MAX_LABEL_CHARS, "text");
bounded_text!(/// Free text (summary, notes): 1–20,000 characters.
    LongText, limits::MAX_TEXT_CHARS, "text");

/// An absolute http(s) URL, at most 2,048 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpUrl(String);

impl HttpUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The host, for display ("www.hse.ie").
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map(|(_, r)| r).unwrap_or(&self.0);
        rest.split(['/', '?', '#']).next().unwrap_or(rest)
    }
}
impl FromStr for HttpUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() > limits::MAX_URL_BYTES {
            return Err(format!("URL is {} bytes long; the limit is {}", t.len(), limits::MAX_URL_BYTES));
        }
        let u = url::Url::parse(t).map_err(|e| format!("{t:?} is not a URL: {e}"))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return Err(format!("URL scheme must be http or https, not {:?}", u.scheme()));
        }
        if u.host_str().is_none_or(|h| h.is_empty()) {
            return Err("URL has no host".to_owned());
        }
        Ok(HttpUrl(t.to_owned()))
    }
}
impl TryFrom<String> for HttpUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
impl From<HttpUrl> for String {
    fn from(v: HttpUrl) -> String {
        v.0
    }
}
impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address used as a login: one `@`, a non-empty local part, a dotted domain,
/// stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl FromStr for Email {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_lowercase();
        let bad = || format!("{s:?} is not an e-mail address");
        if t.len() > limits::MAX_EMAIL_BYTES {
            return Err(format!("e-mail address is longer than {} bytes", limits::MAX_EMAIL_BYTES));
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let ok_local = !local.is_empty() && !local.contains(char::is_whitespace) && !local.contains('@');
        let ok_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.split('.').all(|l| !l.is_empty())
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if ok_local && ok_domain {
            Ok(Email(t))
        } else {
            Err(bad())
        }
    }
}
impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
impl From<Email> for String {
    fn from(v: Email) -> String {
        v.0
    }
}
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_limits() {
        assert_eq!("  Ransomware at X ".parse::<Title>().unwrap().as_str(), "Ransomware at X");
        assert!("   ".parse::<Title>().unwrap_err().contains("must not be empty"));
        let long = "x".repeat(201);
        assert!(long.parse::<Title>().unwrap_err().contains("limit is 200"));
        assert!("a\u{0}b".parse::<Label>().unwrap_err().contains("control"));
    }

    #[test]
    fn urls_and_emails() {
        assert_eq!("https://www.hse.ie/eng/x?y".parse::<HttpUrl>().unwrap().host(), "www.hse.ie");
        assert!("javascript:alert(1)".parse::<HttpUrl>().is_err());
        assert!("ftp://x.org/".parse::<HttpUrl>().is_err());
        assert!("not a url".parse::<HttpUrl>().is_err());
        assert_eq!("Nurse@Hospital.ORG".parse::<Email>().unwrap().as_str(), "nurse@hospital.org");
        for bad in ["a", "a@b", "@b.org", "a@.org", "a b@c.org", "a@b..org"] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
