//! A deterministic (seeded) generator of test and benchmark data: an indicator list,
//! a mixed log (BIND queries, Squid access, iptables firewall, EDR and mail lines) and
//! the exact matches expected in it. Hits of every kind and variant are planted, and so
//! are near-misses that substring matchers get wrong (`xevil.com`, `evil.com.cdn.net`,
//! `1.2.3.45` for `1.2.3.4`, a digest with one more digit). Every benign value is checked
//! against the indicators with a simple oracle, so the expected matches are exact.

use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::indicator::IndicatorKind;
use crate::normalize;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub n_indicators: usize,
    /// Approximate size of the log.
    pub log_bytes: u64,
    /// One planted hit every this many lines (on average).
    pub hit_every_lines: u64,
    /// One planted near-miss every this many lines (on average).
    pub near_miss_every_lines: u64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig { seed: 6, n_indicators: 10_000, log_bytes: 4 << 20, hit_every_lines: 50, near_miss_every_lines: 50 }
    }
}

/// One expected match (the `field` is not part of the expectation).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExpectedMatch {
    pub line: u64,
    pub kind: IndicatorKind,
    pub indicator: String,
    pub matched: String,
}

/// What was generated.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GeneratedSummary {
    pub n_indicators: u64,
    pub log_bytes: u64,
    pub log_lines: u64,
    pub n_expected: u64,
    pub n_near_misses: u64,
}

/// SplitMix64: tiny, fast, and the same on every platform and version.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5741_5244_4d41_5443)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    pub fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.below(hi_inclusive - lo + 1)
    }

    pub fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "po", "qu", "ba", "de", "fi", "go", "hu", "ja", "ke", "li", "mo",
    "nu", "pe", "ri", "so", "tu", "va", "we", "xo", "ye", "za", "an", "or",
];
const TLDS: [&str; 12] = ["com", "net", "org", "info", "biz", "xyz", "top", "ru", "cn", "io", "cc", "pw"];

fn label(rng: &mut Rng, min_syl: u64, max_syl: u64) -> String {
    let n = rng.range(min_syl, max_syl);
    let mut s = String::new();
    for _ in 0..n {
        let syllable: &&str = rng.pick(&SYLLABLES);
        s.push_str(syllable);
    }
    if rng.chance(300) {
        s.push_str(&rng.below(100).to_string());
    }
    s
}

fn hex(rng: &mut Rng, n_bytes: usize) -> String {
    let mut s = String::with_capacity(n_bytes * 2);
    for _ in 0..n_bytes {
        s.push_str(&format!("{:02x}", rng.below(256)));
    }
    s
}

fn random_case(rng: &mut Rng, s: &str) -> String {
    s.chars().map(|c| if rng.chance(500) { c.to_ascii_uppercase() } else { c }).collect()
}

/// The oracle the generator checks benign values and near-misses against.
#[derive(Default)]
struct Oracle {
    domains: HashSet<String>,
    v4_exact: HashSet<u32>,
    v4_nets: HashMap<(u32, u8), ()>,
    v4_lens: Vec<u8>,
    v6_nets: HashSet<(u128, u8)>,
    v6_lens: Vec<u8>,
    urls: HashSet<String>,
}

impl Oracle {
    fn domain_matches(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = name.as_str();
        loop {
            if self.domains.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, tail)) => rest = tail,
                None => return false,
            }
        }
    }

    /// Every domain indicator that `name` matches (itself or a parent).
    fn domain_all_matches(&self, name: &str) -> Vec<String> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let name = idna::domain_to_ascii(&name).unwrap_or(name);
        let mut out = Vec::new();
        let mut rest = name.as_str();
        loop {
            if self.domains.contains(rest) {
                out.push(rest.to_string());
            }
            match rest.split_once('.') {
                Some((_, tail)) => rest = tail,
                None => return out,
            }
        }
    }

    fn v4_lpm(&self, ip: u32) -> Option<String> {
        if self.v4_exact.contains(&ip) {
            return Some(Ipv4Addr::from(ip).to_string());
        }
        for &len in &self.v4_lens {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            if self.v4_nets.contains_key(&(ip & mask, len)) {
                return Some(format!("{}/{len}", Ipv4Addr::from(ip & mask)));
            }
        }
        None
    }

    fn v6_lpm(&self, ip: u128) -> Option<String> {
        for &len in &self.v6_lens {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
            if self.v6_nets.contains(&(ip & mask, len)) {
                return Some(normalize::IpNet::V6 { network: ip & mask, prefix_len: len }.canonical());
            }
        }
        None
    }
}

struct Indicators {
    domains: Vec<(String, Option<String>)>, // canonical (punycode), Unicode form if IDN
    urls: Vec<String>,
    v4: Vec<u32>,
    v4_nets: Vec<(u32, u8)>,
    v6: Vec<u128>,
    v6_nets: Vec<(u128, u8)>,
    md5: Vec<String>,
    sha1: Vec<String>,
    sha256: Vec<String>,
    emails: Vec<String>,
}

fn random_v4_indicator(rng: &mut Rng) -> u32 {
    // Indicators live in 11.0.0.0–99.255.255.255; benign public traffic in 150–223.
    (rng.range(11, 99) as u32) << 24 | (rng.below(1 << 24) as u32)
}

fn random_v4_benign(rng: &mut Rng) -> u32 {
    loop {
        let first = rng.range(150, 223) as u32;
        let ip = first << 24 | (rng.below(1 << 24) as u32);
        // Skip 192.168/16, 172.16/12 is outside the range; 198.18/15 reserved.
        if ip >> 16 != 0xc0a8 && ip >> 17 != (198 << 7 | 9) {
            return ip;
        }
    }
}

fn random_v6(rng: &mut Rng, top: u16) -> u128 {
    (u128::from(top) << 112) | (u128::from(rng.next_u64()) << 48 >> 16) | u128::from(rng.next_u64() >> 16)
}

fn make_indicators(rng: &mut Rng, n: usize, oracle: &mut Oracle) -> Indicators {
    let share = |pct: usize| (n * pct).div_ceil(100);
    let mut ind = Indicators {
        domains: Vec::new(),
        urls: Vec::new(),
        v4: Vec::new(),
        v4_nets: Vec::new(),
        v6: Vec::new(),
        v6_nets: Vec::new(),
        md5: Vec::new(),
        sha1: Vec::new(),
        sha256: Vec::new(),
        emails: Vec::new(),
    };
    while ind.domains.len() < share(40) {
        let tld = *rng.pick(&TLDS);
        let (canonical, unicode) = if rng.chance(15) {
            let u = format!("{}ü{}.de", label(rng, 1, 2), label(rng, 1, 2));
            match idna::domain_to_ascii(&u) {
                Ok(a) => (a, Some(u)),
                Err(_) => continue,
            }
        } else if rng.chance(300) {
            (format!("{}.{}.{tld}", label(rng, 1, 2), label(rng, 2, 4)), None)
        } else {
            (format!("{}.{tld}", label(rng, 2, 5)), None)
        };
        if oracle.domains.insert(canonical.clone()) {
            ind.domains.push((canonical, unicode));
        }
    }
    let mut v4_set = HashSet::new();
    while ind.v4.len() < share(15) {
        let ip = random_v4_indicator(rng);
        if v4_set.insert(ip) {
            ind.v4.push(ip);
        }
    }
    oracle.v4_exact = v4_set;
    while ind.v4_nets.len() < share(2) {
        let len = rng.range(16, 28) as u8;
        let ip = random_v4_indicator(rng) & (u32::MAX << (32 - len));
        if oracle.v4_nets.insert((ip, len), ()).is_none() {
            ind.v4_nets.push((ip, len));
        }
    }
    let mut lens: Vec<u8> = ind.v4_nets.iter().map(|x| x.1).collect::<HashSet<_>>().into_iter().collect();
    lens.sort_unstable_by(|a, b| b.cmp(a));
    oracle.v4_lens = lens;
    while ind.v6.len() + ind.v6_nets.len() < share(1) {
        let top = 0x2a00 + rng.below(16) as u16;
        let ip = random_v6(rng, top);
        if rng.chance(500) {
            if oracle.v6_nets.insert((ip, 128)) {
                ind.v6.push(ip);
            }
        } else {
            let len = *rng.pick(&[48u8, 56, 64]);
            let net = ip & (u128::MAX << (128 - u32::from(len)));
            if oracle.v6_nets.insert((net, len)) {
                ind.v6_nets.push((net, len));
            }
        }
    }
    let mut lens6: Vec<u8> = oracle.v6_nets.iter().map(|x| x.1).collect::<HashSet<_>>().into_iter().collect();
    lens6.sort_unstable_by(|a, b| b.cmp(a));
    oracle.v6_lens = lens6;
    for _ in 0..share(6) {
        ind.md5.push(hex(rng, 16));
        ind.sha1.push(hex(rng, 20));
    }
    for _ in 0..share(8) {
        ind.sha256.push(hex(rng, 32));
    }
    let mut email_set = HashSet::new();
    while ind.emails.len() < share(7) {
        let mail_domain = format!("{}mail.{}", label(rng, 1, 2), rng.pick(&TLDS));
        if oracle.domain_matches(&mail_domain) {
            continue;
        }
        let e = format!("{}.{}{}@{mail_domain}", label(rng, 1, 2), label(rng, 1, 3), rng.below(100));
        if email_set.insert(e.clone()) {
            ind.emails.push(e);
        }
    }
    while ind.urls.len() < share(15) {
        let host = format!("{}.{}.{}", label(rng, 1, 2), label(rng, 2, 3), rng.pick(&TLDS));
        if oracle.domain_matches(&host) {
            continue;
        }
        let scheme = if rng.chance(500) { "http" } else { "https" };
        let path = match rng.below(4) {
            0 => format!("/{}/{}.php", label(rng, 1, 2), label(rng, 1, 3)),
            1 => format!("/{}.exe", label(rng, 2, 3)),
            2 => format!("/~{}/{}", label(rng, 1, 2), label(rng, 1, 2)),
            _ => format!("/{}?id={}", label(rng, 1, 2), rng.below(100_000)),
        };
        let Ok(u) = normalize::normalize_url(&format!("{scheme}://{host}{path}")) else { continue };
        if oracle.urls.insert(u.clone()) {
            ind.urls.push(u);
        }
    }
    ind
}

/// Benign pools: values guaranteed not to match any indicator.
struct Benign {
    domains: Vec<String>,
    public_v4: Vec<u32>,
    v6: Vec<u128>,
    emails: Vec<String>,
    exes: Vec<&'static str>,
    users: Vec<String>,
}

fn make_benign(rng: &mut Rng, oracle: &Oracle) -> Benign {
    let mut domains = Vec::new();
    let popular = ["www.google.com", "outlook.office365.com", "login.microsoftonline.com", "update.epic.com", "cdn.jsdelivr.net", "www.nhs.uk"];
    for p in popular {
        if !oracle.domain_matches(p) {
            domains.push(p.to_string());
        }
    }
    while domains.len() < 20_000 {
        let d = match rng.below(4) {
            0 => format!("www.{}.com", label(rng, 2, 4)),
            1 => format!("cdn{}.{}.net", rng.below(20), label(rng, 2, 3)),
            2 => format!("{}.{}.org", label(rng, 1, 2), label(rng, 2, 3)),
            _ => format!("api.{}.{}", label(rng, 2, 4), rng.pick(&TLDS)),
        };
        if !oracle.domain_matches(&d) {
            domains.push(d);
        }
    }
    let public_v4 = (0..50_000).map(|_| random_v4_benign(rng)).collect();
    let v6 = (0..5_000)
        .map(|_| {
            let top = 0x2600 + rng.below(256) as u16;
            random_v6(rng, top)
        })
        .collect();
    let mut emails = Vec::new();
    while emails.len() < 2_000 {
        let d = format!("{}.{}", label(rng, 2, 3), rng.pick(&["org", "com", "net"]));
        if !oracle.domain_matches(&d) {
            emails.push(format!("{}.{}@{d}", label(rng, 1, 2), label(rng, 1, 3)));
        }
    }
    let exes = vec!["svchost.exe", "chrome.exe", "outlook.exe", "epic.exe", "powershell.exe", "winword.exe"];
    let users = (0..500).map(|_| label(rng, 1, 3)).collect();
    Benign { domains, public_v4, v6, emails, exes, users }
}

/// What a slot of a line holds: a benign value, or a planted hit / near-miss.
enum Plant {
    None,
    Domain { text: String, expect: Option<String> },
    Url { text: String, expect: Option<String> },
    V4 { text: String, matched: String, expect: Option<String> },
    V6 { text: String, expect: Option<(IndicatorKind, String)> },
    Hash { text: String, kind: IndicatorKind, expect: Option<String> },
    Email { text: String, expect: Option<String> },
}

fn plant_hit(rng: &mut Rng, ind: &Indicators, oracle: &Oracle) -> Plant {
    match rng.below(10) {
        0..=2 => {
            let (d, unicode) = rng.pick(&ind.domains).clone();
            let text = match (rng.below(5), &unicode) {
                (0, Some(u)) => u.clone(),
                (0, None) | (1, _) => format!("{}.{d}", label(rng, 1, 2)),
                (2, _) => random_case(rng, &d).to_uppercase(),
                (3, _) => format!("{d}."),
                _ => d.clone(),
            };
            Plant::Domain { text, expect: Some(d) }
        }
        3 => {
            let u = rng.pick(&ind.urls).clone();
            let (scheme, rest) = u.split_once("://").unwrap_or(("http", ""));
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let text = match rng.below(5) {
                0 => format!("{}://{}{path}", scheme.to_uppercase(), host.to_uppercase()),
                1 => format!("{scheme}://{host}:{}{path}", if scheme == "https" { 443 } else { 80 }),
                2 if !path.contains('?') => format!("{u}/"),
                3 if path.contains('~') => u.replacen('~', "%7e", 1),
                _ => u.clone(),
            };
            Plant::Url { text, expect: Some(u) }
        }
        4 | 5 => {
            if rng.chance(700) {
                let ip = *rng.pick(&ind.v4);
                let s = Ipv4Addr::from(ip).to_string();
                let expect = oracle.v4_lpm(ip);
                match rng.below(3) {
                    0 => Plant::V4 { text: format!("{s}:{}", rng.range(1, 65535)), matched: s, expect },
                    _ => Plant::V4 { text: s.clone(), matched: s, expect },
                }
            } else {
                let (net, len) = *rng.pick(&ind.v4_nets);
                let ip = net | (rng.below(1u64 << (32 - len)) as u32);
                let s = Ipv4Addr::from(ip).to_string();
                if rng.chance(200) {
                    let mapped = format!("::ffff:{s}");
                    Plant::V4 { text: mapped.clone(), matched: mapped, expect: oracle.v4_lpm(ip) }
                } else {
                    Plant::V4 { text: s.clone(), matched: s, expect: oracle.v4_lpm(ip) }
                }
            }
        }
        6 => {
            if !ind.v6.is_empty() && rng.chance(300) {
                let ip = *rng.pick(&ind.v6);
                Plant::V6 { text: Ipv6Addr::from(ip).to_string(), expect: oracle.v6_lpm(ip).map(|i| (IndicatorKind::Ipv6, i)) }
            } else {
                let (net, len) = *rng.pick(&ind.v6_nets);
                let host_bits = 128 - u32::from(len);
                let ip = net | (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) >> (128 - host_bits);
                Plant::V6 { text: Ipv6Addr::from(ip).to_string(), expect: oracle.v6_lpm(ip).map(|i| (IndicatorKind::Ipv6, i)) }
            }
        }
        7 | 8 => {
            let (kind, h) = match rng.below(3) {
                0 => (IndicatorKind::Md5, rng.pick(&ind.md5).clone()),
                1 => (IndicatorKind::Sha1, rng.pick(&ind.sha1).clone()),
                _ => (IndicatorKind::Sha256, rng.pick(&ind.sha256).clone()),
            };
            let text = if rng.chance(500) { h.to_uppercase() } else { h.clone() };
            Plant::Hash { text, kind, expect: Some(h) }
        }
        _ => {
            let e = rng.pick(&ind.emails).clone();
            let text = if rng.chance(300) { e.to_uppercase() } else { e.clone() };
            Plant::Email { text, expect: Some(e) }
        }
    }
}

fn plant_near_miss(rng: &mut Rng, ind: &Indicators, oracle: &Oracle) -> Option<Plant> {
    Some(match rng.below(6) {
        0 | 1 => {
            let (d, _) = rng.pick(&ind.domains).clone();
            let text = match rng.below(4) {
                0 => format!("x{d}"),
                1 => format!("{d}.cdn-{}.net", label(rng, 1, 2)),
                2 => format!("{}.co", d.rsplit_once('.').map_or(d.as_str(), |x| x.0)),
                _ => format!("{d}-{}", label(rng, 1, 1)),
            };
            if oracle.domain_matches(&text) {
                return None;
            }
            Plant::Domain { text, expect: None }
        }
        2 => {
            let ip = *rng.pick(&ind.v4);
            let s = Ipv4Addr::from(ip).to_string();
            let text = if ip & 0xff < 26 {
                format!("{s}{}", rng.below(10))
            } else {
                Ipv4Addr::from(ip.wrapping_add(1)).to_string()
            };
            let parsed = normalize::parse_ipv4(text.as_bytes())?;
            if oracle.v4_lpm(parsed).is_some() {
                return None;
            }
            Plant::V4 { matched: text.clone(), text, expect: None }
        }
        3 => {
            let (net, len) = *rng.pick(&ind.v4_nets);
            let past = net.checked_add(1u32 << (32 - len))?;
            if oracle.v4_lpm(past).is_some() {
                return None;
            }
            let s = Ipv4Addr::from(past).to_string();
            Plant::V4 { matched: s.clone(), text: s, expect: None }
        }
        4 => {
            let h = rng.pick(&ind.sha256).clone();
            let text = if rng.chance(500) { format!("{h}0") } else { h[1..].to_string() };
            Plant::Hash { text, kind: IndicatorKind::Sha256, expect: None }
        }
        _ => {
            let e = rng.pick(&ind.emails).clone();
            Plant::Email { text: format!("x{e}"), expect: None }
        }
    })
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

struct LineWriter<'a> {
    rng: Rng,
    benign: &'a Benign,
    line: String,
}

impl LineWriter<'_> {
    fn private_ip(&mut self) -> String {
        format!("10.{}.{}.{}", self.rng.below(256), self.rng.below(256), self.rng.range(1, 254))
    }

    fn public_ip(&mut self) -> String {
        Ipv4Addr::from(*self.rng.pick(&self.benign.public_v4)).to_string()
    }

    fn domain(&mut self) -> String {
        // A skewed choice: popular names come back often.
        let n = self.benign.domains.len() as u64;
        let r = self.rng.below(n);
        let idx = (r * r / n) as usize;
        self.benign.domains[idx].clone()
    }

    fn time(&mut self) -> (u64, u64, u64) {
        (self.rng.below(24), self.rng.below(60), self.rng.below(60))
    }

    /// Writes one line with `plant` in a suitable slot; returns the expected match.
    fn write(&mut self, plant: &Plant, oracle: &Oracle) -> Vec<(IndicatorKind, String, String)> {
        use std::fmt::Write as _;
        self.line.clear();
        let mut expect = Vec::new();
        let (h, m, s) = self.time();
        let day = self.rng.range(1, 28);
        let month = *self.rng.pick(&MONTHS);
        match plant {
            Plant::Domain { text, expect: e } => {
                if e.is_some() {
                    for i in oracle.domain_all_matches(text) {
                        expect.push((IndicatorKind::Domain, i, text.trim_end_matches('.').to_string()));
                    }
                }
                if self.rng.chance(500) {
                    let client = self.private_ip();
                    let server = self.private_ip();
                    let _ = write!(
                        self.line,
                        "{day:02}-{month}-2025 {h:02}:{m:02}:{s:02}.{:03} queries: info: client @0x7f{:08x} {client}#{} ({text}): query: {text} IN A + ({server})",
                        self.rng.below(1000), self.rng.next_u64() as u32, self.rng.range(1024, 65535)
                    );
                } else {
                    let url = format!("http://{text}/{}.js", label(&mut self.rng, 1, 2));
                    self.squid(&url, None);
                }
            }
            Plant::Url { text, expect: e } => {
                if let Some(i) = e {
                    expect.push((IndicatorKind::Url, i.clone(), text.clone()));
                }
                self.squid(text, None);
            }
            Plant::V4 { text, matched, expect: e } => {
                if let Some(i) = e {
                    expect.push((IndicatorKind::Ipv4, i.clone(), matched.clone()));
                }
                if self.rng.chance(500) {
                    let src = self.private_ip();
                    self.firewall(month, day, (h, m, s), &src, text);
                } else {
                    let url = format!("http://{}/", self.domain());
                    self.squid(&url, Some(text));
                }
            }
            Plant::V6 { text, expect: e } => {
                if let Some((k, i)) = e {
                    expect.push((*k, i.clone(), text.clone()));
                }
                let src = Ipv6Addr::from(*self.rng.pick(&self.benign.v6)).to_string();
                self.firewall(month, day, (h, m, s), &src, text);
            }
            Plant::Hash { text, kind, expect: e } => {
                if let Some(i) = e {
                    expect.push((*kind, i.clone(), text.clone()));
                }
                let (mut md5, mut sha1, mut sha256) = (hex(&mut self.rng, 16), hex(&mut self.rng, 20), hex(&mut self.rng, 32));
                match kind {
                    IndicatorKind::Md5 => md5.clone_from(text),
                    IndicatorKind::Sha1 => sha1.clone_from(text),
                    _ => sha256.clone_from(text),
                }
                self.edr(day, (h, m, s), &md5, &sha1, &sha256);
            }
            Plant::Email { text, expect: e } => {
                if let Some(i) = e {
                    expect.push((IndicatorKind::Email, i.clone(), text.clone()));
                }
                self.mail(month, day, (h, m, s), text);
            }
            Plant::None => match self.rng.below(10) {
                0..=2 => {
                    let q = self.domain();
                    let client = self.private_ip();
                    let server = self.private_ip();
                    let _ = write!(
                        self.line,
                        "{day:02}-{month}-2025 {h:02}:{m:02}:{s:02}.{:03} queries: info: client @0x7f{:08x} {client}#{} ({q}): query: {q} IN {} + ({server})",
                        self.rng.below(1000), self.rng.next_u64() as u32, self.rng.range(1024, 65535), self.rng.pick(&["A", "AAAA", "HTTPS"])
                    );
                }
                3..=5 => {
                    let url = format!("https://{}/{}/{}.{}", self.domain(), label(&mut self.rng, 1, 2), label(&mut self.rng, 1, 3), self.rng.pick(&["js", "css", "png", "html"]));
                    self.squid(&url, None);
                }
                6 | 7 => {
                    let src = self.private_ip();
                    let dst = self.public_ip();
                    self.firewall(month, day, (h, m, s), &src, &dst);
                }
                8 => {
                    let (md5, sha1, sha256) = (hex(&mut self.rng, 16), hex(&mut self.rng, 20), hex(&mut self.rng, 32));
                    self.edr(day, (h, m, s), &md5, &sha1, &sha256);
                }
                _ => {
                    let e = self.rng.pick(&self.benign.emails).clone();
                    self.mail(month, day, (h, m, s), &e);
                }
            },
        }
        self.line.push('\n');
        expect
    }

    fn squid(&mut self, url: &str, server: Option<&str>) {
        use std::fmt::Write as _;
        let client = self.private_ip();
        let server = server.map_or_else(|| self.public_ip(), str::to_string);
        let _ = write!(
            self.line,
            "{}.{:03} {:>6} {client} TCP_MISS/200 {} GET {url} - HIER_DIRECT/{server} text/html",
            1_740_000_000 + self.rng.below(10_000_000),
            self.rng.below(1000),
            self.rng.below(5000),
            self.rng.below(100_000)
        );
    }

    fn firewall(&mut self, month: &str, day: u64, (h, m, s): (u64, u64, u64), src: &str, dst: &str) {
        use std::fmt::Write as _;
        let _ = write!(
            self.line,
            "{month} {day:>2} {h:02}:{m:02}:{s:02} fw01 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:{:02x}:{:02x}:{:02x}:00:16:3e:aa:bb:cc:08:00 SRC={src} DST={dst} LEN={} TOS=0x00 PREC=0x00 TTL=64 ID={} DF PROTO=TCP SPT={} DPT={} WINDOW=64240 RES=0x00 SYN URGP=0",
            self.rng.below(256), self.rng.below(256), self.rng.below(256),
            self.rng.range(40, 1500), self.rng.below(65536), self.rng.range(1024, 65535), self.rng.pick(&[22u64, 80, 443, 445, 3389, 8080])
        );
    }

    fn edr(&mut self, day: u64, (h, m, s): (u64, u64, u64), md5: &str, sha1: &str, sha256: &str) {
        use std::fmt::Write as _;
        let user = self.rng.pick(&self.benign.users).clone();
        let exe = *self.rng.pick(&self.benign.exes);
        let _ = write!(
            self.line,
            "2025-03-{day:02}T{h:02}:{m:02}:{s:02}Z edr host=ws-{}.ward-hospital.internal user={user} process=C:\\Windows\\System32\\{exe} md5={md5} sha1={sha1} sha256={sha256} action=allowed",
            self.rng.below(5000)
        );
    }

    fn mail(&mut self, month: &str, day: u64, (h, m, s): (u64, u64, u64), from: &str) {
        use std::fmt::Write as _;
        let to = self.rng.pick(&self.benign.emails).clone();
        let relay = self.domain();
        let ip = self.public_ip();
        let _ = write!(
            self.line,
            "{month} {day:>2} {h:02}:{m:02}:{s:02} mx1 postfix/smtp[{}]: {:010X}: from=<{from}> to=<{to}> relay={relay}[{ip}]:25, delay=0.{}, status=sent (250 2.0.0 Ok)",
            self.rng.below(32768), self.rng.next_u64() & 0xff_ffff_ffff, self.rng.below(100)
        );
    }
}

fn write_indicators(path: &Path, ind: &Indicators, rng: &mut Rng) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "# ward-match generator indicators (deterministic, seeded)")?;
    let mut n = 0u64;
    // Interleave kinds so that a prefix of the file is a fair sample.
    let lists: Vec<Vec<String>> = vec![
        ind.domains
            .iter()
            .map(|(d, u)| match u {
                Some(u) if d.len() % 2 == 0 => u.clone(),
                _ => d.clone(),
            })
            .collect(),
        ind.urls.clone(),
        ind.v4.iter().map(|&ip| Ipv4Addr::from(ip).to_string()).collect(),
        ind.v4_nets.iter().map(|&(ip, len)| format!("{}/{len}", Ipv4Addr::from(ip))).collect(),
        ind.v6.iter().map(|&ip| Ipv6Addr::from(ip).to_string()).collect(),
        ind.v6_nets.iter().map(|&(ip, len)| format!("{}/{len}", Ipv6Addr::from(ip))).collect(),
        ind.md5.clone(),
        ind.sha1.clone(),
        ind.sha256.iter().map(|h| if h.as_bytes()[0] < b'4' { h.to_uppercase() } else { h.clone() }).collect(),
        ind.emails.clone(),
    ];
    let mut idx = vec![0usize; lists.len()];
    loop {
        let mut any = false;
        for (l, list) in lists.iter().enumerate() {
            let take = (list.len() / 1000).max(1);
            for _ in 0..take {
                if let Some(v) = list.get(idx[l]) {
                    idx[l] += 1;
                    any = true;
                    n += 1;
                    // Some indicators come defanged, as they do in reports.
                    if rng.chance(20) && (l == 0 || l == 1) {
                        writeln!(w, "{}", v.replacen("http", "hxxp", 1).replace('.', "[.]"))?;
                    } else {
                        writeln!(w, "{v}")?;
                    }
                }
            }
        }
        if !any {
            break;
        }
    }
    w.flush()?;
    Ok(n)
}

/// Generates `indicators.txt`, `log.txt`, `expected.jsonl` (one [`ExpectedMatch`] a
/// line) and `expected-lines.txt` (line numbers with a match) in `dir`.
pub fn generate(cfg: &GeneratorConfig, dir: &Path) -> std::io::Result<GeneratedSummary> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(cfg.seed);
    let mut oracle = Oracle::default();
    let ind = make_indicators(&mut rng, cfg.n_indicators.max(100), &mut oracle);
    let benign = make_benign(&mut rng, &oracle);
    let mut summary = GeneratedSummary { n_indicators: write_indicators(&dir.join("indicators.txt"), &ind, &mut rng.clone())?, ..Default::default() };

    let mut log = BufWriter::with_capacity(4 << 20, std::fs::File::create(dir.join("log.txt"))?);
    let mut expected = BufWriter::new(std::fs::File::create(dir.join("expected.jsonl"))?);
    let mut expected_lines = BufWriter::new(std::fs::File::create(dir.join("expected-lines.txt"))?);
    let mut lw = LineWriter { rng: Rng::new(cfg.seed ^ 0xabcdef), benign: &benign, line: String::with_capacity(512) };
    let mut line_no = 0u64;
    while summary.log_bytes < cfg.log_bytes {
        line_no += 1;
        // r < near → probability 1/hit: a hit; the next `hit` values, 1/near: a near-miss.
        let r = rng.below(cfg.hit_every_lines.max(1) * cfg.near_miss_every_lines.max(1));
        let plant = if r < cfg.near_miss_every_lines.max(1) {
            plant_hit(&mut rng, &ind, &oracle)
        } else if r < cfg.near_miss_every_lines.max(1) + cfg.hit_every_lines.max(1) {
            match plant_near_miss(&mut rng, &ind, &oracle) {
                Some(p) => {
                    summary.n_near_misses += 1;
                    p
                }
                None => Plant::None,
            }
        } else {
            Plant::None
        };
        let exp = lw.write(&plant, &oracle);
        if !exp.is_empty() {
            writeln!(expected_lines, "{line_no}")?;
        }
        for (kind, indicator, matched) in exp {
            summary.n_expected += 1;
            let e = ExpectedMatch { line: line_no, kind, indicator, matched };
            serde_json::to_writer(&mut expected, &e)?;
            expected.write_all(b"\n")?;
        }
        log.write_all(lw.line.as_bytes())?;
        summary.log_bytes += lw.line.len() as u64;
    }
    summary.log_lines = line_no;
    log.flush()?;
    expected.flush()?;
    expected_lines.flush()?;
    Ok(summary)
}

/// Reads an `expected.jsonl` written by [`generate`].
pub fn read_expected(path: &Path) -> std::io::Result<Vec<ExpectedMatch>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).map_err(std::io::Error::other))
        .collect()
}
