//! Property test: the compiled, SIMD-scanning matcher against a simple, obviously
//! correct oracle (split lines, compare every candidate with every indicator).

use std::collections::BTreeSet;
use std::net::Ipv6Addr;

use proptest::prelude::*;
use ward_match::normalize::{normalize_url_bytes, parse_ip_indicator, IpNet};
use ward_match::syntax::{is_email_local_byte, is_scheme_byte, is_url_terminator, is_word_byte};
use ward_match::{Format, Indicator, IndicatorSet, WarningLists};

/// The naive matcher.
struct Oracle {
    domains: Vec<String>,
    nets: Vec<(IpNet, String)>,
    digests: Vec<String>,
    emails: Vec<String>,
    urls: Vec<String>,
}

fn parse_v4_naive(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v = 0u32;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        let n: u32 = p.parse().ok()?;
        if n > 255 {
            return None;
        }
        v = v << 8 | n;
    }
    Some(v)
}

impl Oracle {
    fn new(values: &[String]) -> Oracle {
        let mut o = Oracle { domains: vec![], nets: vec![], digests: vec![], emails: vec![], urls: vec![] };
        for v in values {
            if v.contains("://") {
                o.urls.push(normalize_url_bytes(v.as_bytes()).expect("url"));
            } else if v.contains('@') {
                o.emails.push(v.to_ascii_lowercase());
            } else if let Ok(net) = parse_ip_indicator(v) {
                o.nets.push((net, net.canonical()));
            } else if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                o.digests.push(v.to_ascii_lowercase());
            } else {
                o.domains.push(v.to_ascii_lowercase());
            }
        }
        o
    }

    fn ip_lpm(&self, v4: Option<u32>, v6: Option<u128>, out: &mut Vec<String>) {
        let mut best: Option<u8> = None;
        let mut found = Vec::new();
        for (net, name) in &self.nets {
            let (hit, len) = match (*net, v4, v6) {
                (IpNet::V4 { network, prefix_len }, Some(ip), _) => {
                    let mask = if prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix_len)) };
                    (ip & mask == network, prefix_len)
                }
                (IpNet::V6 { network, prefix_len }, _, Some(ip)) => {
                    let mask = if prefix_len == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix_len)) };
                    (ip & mask == network, prefix_len)
                }
                _ => (false, 0),
            };
            if hit {
                if best.is_none_or(|b| len > b) {
                    best = Some(len);
                    found.clear();
                }
                if best == Some(len) {
                    found.push(name.clone());
                }
            }
        }
        out.extend(found);
    }

    fn host(&self, line: &[u8], s: usize, e: usize, out: &mut BTreeSet<(String, String)>) {
        let text = String::from_utf8_lossy(&line[s..e]).into_owned();
        if text.is_empty() {
            return;
        }
        if text.as_bytes()[0].is_ascii_digit() {
            if let Some(ip) = parse_v4_naive(&text) {
                let mut names = Vec::new();
                self.ip_lpm(Some(ip), None, &mut names);
                for n in names {
                    out.insert((n, text.clone()));
                }
                return;
            }
        }
        let lower = text.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) || lower.len() > 253 {
            return;
        }
        if !labels[labels.len() - 1].as_bytes()[0].is_ascii_alphabetic() {
            return;
        }
        for d in &self.domains {
            if lower == *d || lower.ends_with(&format!(".{d}")) {
                out.insert((d.clone(), text.clone()));
            }
        }
    }

    fn matches(&self, line: &[u8]) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        // URLs: every `://` with a scheme to its left.
        for i in 0..line.len().saturating_sub(2) {
            if &line[i..i + 3] == b"://" {
                let mut s = i;
                while s > 0 && is_scheme_byte(line[s - 1]) {
                    s -= 1;
                }
                if s == i || !line[s].is_ascii_alphabetic() {
                    continue;
                }
                let mut e = i + 3;
                while e < line.len() && !is_url_terminator(line[e]) {
                    e += 1;
                }
                if let Some(u) = normalize_url_bytes(&line[s..e]) {
                    if self.urls.contains(&u) {
                        out.insert((u, String::from_utf8_lossy(&line[s..e]).into_owned()));
                    }
                }
            }
        }
        // Words.
        let mut i = 0;
        while i < line.len() {
            if !is_word_byte(line[i]) {
                i += 1;
                continue;
            }
            let ws = i;
            while i < line.len() && is_word_byte(line[i]) {
                i += 1;
            }
            let we = i;
            let word = &line[ws..we];
            // Digests: alphanumeric runs of 32/40/64 hex digits.
            let mut j = ws;
            while j < we {
                if !line[j].is_ascii_alphanumeric() {
                    j += 1;
                    continue;
                }
                let rs = j;
                while j < we && line[j].is_ascii_alphanumeric() {
                    j += 1;
                }
                let run = String::from_utf8_lossy(&line[rs..j]).to_ascii_lowercase();
                if self.digests.contains(&run) {
                    out.insert((run, String::from_utf8_lossy(&line[rs..j]).into_owned()));
                }
            }
            let text = String::from_utf8_lossy(word).into_owned();
            if word.iter().filter(|&&b| b == b':').count() >= 2 {
                if let Ok(ip) = text.parse::<Ipv6Addr>() {
                    let ip = u128::from(ip);
                    let mut names = Vec::new();
                    if ip >> 32 == 0xffff {
                        self.ip_lpm(Some(ip as u32), None, &mut names);
                    } else {
                        self.ip_lpm(None, Some(ip), &mut names);
                    }
                    for n in names {
                        out.insert((n, text.clone()));
                    }
                    continue;
                }
            }
            let mut ps = ws;
            for pe in (ws..we).filter(|&k| line[k] == b':').chain([we]) {
                let (mut s, mut e) = (ps, pe);
                ps = pe + 1;
                while s < e && line[s] == b'.' {
                    s += 1;
                }
                while e > s && line[e - 1] == b'.' {
                    e -= 1;
                }
                if let Some(at) = (s..e).rev().find(|&k| line[k] == b'@') {
                    let mut ls = at;
                    while ls > 0 && is_email_local_byte(line[ls - 1]) {
                        ls -= 1;
                    }
                    while ls < at && line[ls] == b'.' {
                        ls += 1;
                    }
                    let (mut hs, mut he) = (at + 1, e);
                    while hs < he && line[hs] == b'.' {
                        hs += 1;
                    }
                    while he > hs && line[he - 1] == b'.' {
                        he -= 1;
                    }
                    if ls < at && hs < he {
                        let email = String::from_utf8_lossy(&line[ls..he]).to_ascii_lowercase();
                        if self.emails.contains(&email) {
                            out.insert((email, String::from_utf8_lossy(&line[ls..he]).into_owned()));
                        }
                    }
                    self.host(line, hs, he, &mut out);
                } else {
                    self.host(line, s, e, &mut out);
                }
            }
        }
        out
    }
}

fn indicator_pool() -> Vec<String> {
    [
        "evil.com", "a.evil.com", "ev.net", "x.b.net", "com-x.org",
        "1.2.3.4", "1.2.3.0/24", "1.2.0.0/16", "1.2.3.6/31", "5.6.7.8", "::ffff:9.9.9.0/120",
        "2001:db8::/32", "2001:db8:1::1",
        "d41d8cd98f00b204e9800998ecf8427f", "46aba99aa7158e4609aaa72b50990842fd22ae86",
        "u@evil.com", "a.b@ev.net",
        "http://evil.com/a", "https://ev.net/~x/y?q=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn token() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "evil.com", "a.evil.com", "xevil.com", "evil.com.au", "b.a.evil.com", "ev.net", "x.ev.net", "b.net", "x.b.net",
        "com-x.org", "y.com-x.org", "evil..com", ".evil.com.", "EVIL.COM", "1.2.3.4", "1.2.3.45", "1.2.3.7", "1.2.4.5",
        "1.2.3.4:80", "::ffff:1.2.3.4", "::FFFF:9.9.9.9", "5.6.7.8", "5.6.7.80", "01.2.3.4", "1.2.3.4.5", "9.9.9.9",
        "2001:db8::5", "2001:DB8:1::1", "[2001:db8::1]:443", "2001:db9::1", "10:15:32.5", "aa:bb:cc:dd:ee:ff",
        "d41d8cd98f00b204e9800998ecf8427f", "D41D8CD98F00B204E9800998ECF8427F", "d41d8cd98f00b204e9800998ecf8427f0",
        "46aba99aa7158e4609aaa72b50990842fd22ae86", "u@evil.com", "U@EVIL.COM", "xu@evil.com", "u@evil.com.au",
        "a.b@ev.net", "b@ev.net", "mailto:u@evil.com", "http://evil.com/a", "HTTP://EVIL.COM:80/a/", "http://evil.com/ab",
        "https://ev.net/~x/y?q=1", "https://ev.net:443/%7Ex/y/?q=1", "https://ev.net/~x/y?q=2", "http://a.evil.com/zz",
    ]);
    prop_oneof![
        4 => fixed.prop_map(str::to_string),
        1 => "[a-z0-9.:@-]{1,12}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    let sep = prop::sample::select(vec![" ", "=", ",", ":", "/", "(", ")", "\"", "@", "[", "]", "\t", "|", ".", "#", "<", ">", "'", "+"]);
    prop::collection::vec((token(), sep), 1..8).prop_map(|parts| {
        let mut s = String::new();
        for (t, sep) in parts {
            s.push_str(&t);
            s.push_str(sep);
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_oracle(lines in prop::collection::vec(line(), 1..6), subset in prop::collection::vec(any::<bool>(), 19)) {
        let pool = indicator_pool();
        let chosen: Vec<String> = pool.iter().zip(&subset).filter(|(_, &k)| k).map(|(v, _)| v.clone()).collect();
        prop_assume!(!chosen.is_empty());
        let set = IndicatorSet::builder()
            .warning_lists(WarningLists::none())
            .extend(chosen.iter().map(|v| Indicator::detect(v).expect("indicator")))
            .build()
            .expect("build");
        let oracle = Oracle::new(&chosen);
        let text = lines.join("\n");
        let mut want = BTreeSet::new();
        for (i, l) in lines.iter().enumerate() {
            for (ind, m) in oracle.matches(l.as_bytes()) {
                want.insert((i as u64 + 1, ind, m));
            }
        }
        let got: BTreeSet<(u64, String, String)> = crate::support::scan_text(&set, &text, Format::Plain)
            .into_iter()
            .map(|m| (m.line, m.indicator, m.matched))
            .collect();
        prop_assert_eq!(got, want, "indicators {:?}\nlog {:?}", chosen, text);
    }
}
