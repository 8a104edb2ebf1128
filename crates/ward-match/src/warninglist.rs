//! Benign warning lists: indicators that would flood every log (popular domains and
//! their parents, private and reserved IP ranges, the empty file's digests) are
//! suppressed when compiling, and reported as suppressed — never dropped silently.

use crate::hashing::FastSet;
use crate::normalize::{self, IpNet, NormalizedKey};

/// One named warning list.
#[derive(Clone, Debug, Default)]
pub struct WarningList {
    pub name: String,
    /// Normalised domains; every label suffix of each is also kept in `domain_suffixes`.
    domains: FastSet<String>,
    domain_suffixes: FastSet<String>,
    nets: Vec<IpNet>,
    digests: FastSet<Vec<u8>>,
}

impl WarningList {
    /// Parses a list: one domain, IP, CIDR or digest a line, `#` comments.
    /// Lines that are none of those are ignored (lists are data, not code).
    pub fn parse(name: &str, text: &str) -> WarningList {
        let mut list = WarningList { name: name.to_string(), ..WarningList::default() };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Ok(net) = normalize::parse_ip_indicator(line) {
                list.nets.push(net);
                continue;
            }
            let mut buf = [0u8; 32];
            if let Some(n) = normalize::decode_hex_digest(line.as_bytes(), &mut buf) {
                list.digests.insert(buf[..n].to_vec());
                continue;
            }
            if let Ok(domain) = normalize::normalize_domain(line) {
                let mut rest = domain.as_str();
                loop {
                    list.domain_suffixes.insert(rest.to_string());
                    match rest.split_once('.') {
                        Some((_, tail)) => rest = tail,
                        None => break,
                    }
                }
                list.domains.insert(domain);
            }
        }
        list
    }

    /// Why this list suppresses the indicator, if it does.
    pub(crate) fn check(&self, key: &NormalizedKey) -> Option<String> {
        match key {
            NormalizedKey::Domain(d) => {
                if self.domains.contains(d) {
                    Some(format!("{} lists {d}", self.name))
                } else if self.domain_suffixes.contains(d) {
                    Some(format!("{}: {d} is a parent of listed domains", self.name))
                } else {
                    None
                }
            }
            NormalizedKey::Url(u) => {
                // A bare home page of a listed domain (`https://www.google.com/`).
                let rest = u.split_once("://")?.1;
                let host = rest.strip_suffix('/')?;
                if host.contains('/') {
                    return None;
                }
                let listed = self.domains.contains(host)
                    || host.split_once('.').is_some_and(|(_, parent)| self.domains.contains(parent));
                listed.then(|| format!("{} lists the site {host}", self.name))
            }
            NormalizedKey::Ip(net) => {
                let (lo, hi) = net.range();
                self.nets.iter().find(|w| w.kind() == net.kind() && {
                    let (wlo, whi) = w.range();
                    lo <= whi && wlo <= hi
                }).map(|w| format!("{} lists {}", self.name, w.canonical()))
            }
            NormalizedKey::Digest(d) => self.digests.contains(d).then(|| format!("{} lists this digest", self.name)),
            NormalizedKey::Email(_) => None,
        }
    }
}

/// The warning lists applied when compiling a set.
#[derive(Clone, Debug, Default)]
pub struct WarningLists {
    lists: Vec<WarningList>,
    /// Suppress one-label domain indicators (`com`, `zip`): they match a whole TLD.
    pub suppress_top_level_domains: bool,
}

impl WarningLists {
    /// No suppression at all.
    pub fn none() -> WarningLists {
        WarningLists::default()
    }

    /// The lists shipped in `crates/ward-match/data/`.
    pub fn builtin() -> WarningLists {
        WarningLists {
            lists: vec![
                WarningList::parse("benign-domains", include_str!("../data/benign-domains.txt")),
                WarningList::parse("reserved-ip", include_str!("../data/reserved-ip.txt")),
                WarningList::parse("benign-ip", include_str!("../data/benign-ip.txt")),
                WarningList::parse("benign-hashes", include_str!("../data/benign-hashes.txt")),
            ],
            suppress_top_level_domains: true,
        }
    }

    pub fn push(&mut self, list: WarningList) {
        self.lists.push(list);
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty() && !self.suppress_top_level_domains
    }

    pub(crate) fn check(&self, key: &NormalizedKey) -> Option<String> {
        if self.suppress_top_level_domains {
            if let NormalizedKey::Domain(d) = key {
                if !d.contains('.') {
                    return Some(format!("top-level domain {d} matches a whole TLD"));
                }
            }
        }
        self.lists.iter().find_map(|l| l.check(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_suppress_floods_only() {
        let w = WarningLists::builtin();
        let dom = |s: &str| NormalizedKey::Domain(s.to_string());
        assert!(w.check(&dom("google.com")).is_some());
        assert!(w.check(&dom("co.uk")).is_some());
        assert!(w.check(&dom("com")).is_some());
        assert!(w.check(&dom("evil.blogspot.com")).is_none());
        assert!(w.check(&dom("evil.com")).is_none());
        let ip = |s: &str| NormalizedKey::Ip(normalize::parse_ip_indicator(s).expect("valid"));
        assert!(w.check(&ip("10.1.2.3")).is_some());
        assert!(w.check(&ip("0.0.0.0/0")).is_some());
        assert!(w.check(&ip("8.8.8.8")).is_some());
        assert!(w.check(&ip("45.1.2.3")).is_none());
        assert!(w.check(&ip("fe80::1")).is_some());
        assert!(w.check(&NormalizedKey::Url("https://www.google.com/".into())).is_some());
        assert!(w.check(&NormalizedKey::Url("https://www.google.com/evil".into())).is_none());
    }
}
