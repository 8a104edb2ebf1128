//! Anonymising an incident before it is shared beyond its organisation: what the community
//! or the public may learn from a hospital's incident without learning which hospital, or
//! anything about a patient or a member of staff.
//!
//! The rules (each applied whatever the audience):
//! - the victim becomes its sector and type in its country ("a hospital in Germany"): its
//!   name, sub-national region, third party's name and facility count are dropped;
//! - dates are kept to the month;
//! - free text (the summary) is scrubbed of e-mail addresses, web links, phone numbers,
//!   patient and other identifiers (long digit runs, SSN-shaped numbers, numbers after MRN,
//!   NHS, patient or case), names after a title or honorific (Dr, Mr, Mrs, Ms, Prof, Nurse,
//!   Herr, Frau…) or after "patient", and every name the caller knows (the organisation's
//!   own name, its third party, staff names), each replaced by a bracketed placeholder;
//! - a count below [`K_ANONYMITY_COUNT`] is shown as a range (`1–9`), never exactly.
//!
//! Scrubbing is heuristic: a name written without a title and not known to ward survives. That
//! is why promotion always shows a preview that a person confirms, and why the original stays
//! private. The function is pure and deterministic.

use crate::harm::Fact;
use crate::{IncidentDraft, Tlp};

/// Counts below this are shown as a range, so a small number cannot single anyone out.
pub const K_ANONYMITY_COUNT: u64 = 10;

/// Who an incident is promoted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every member organisation of this ward's community (TLP:GREEN).
    Community,
    /// Anyone (TLP:CLEAR).
    Public,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Community, Audience::Public];
    pub fn tlp(self) -> Tlp {
        match self {
            Audience::Community => Tlp::Green,
            Audience::Public => Tlp::Clear,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Community => "community",
            Audience::Public => "public",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Audience::Community => "the community (TLP:GREEN)",
            Audience::Public => "the public (TLP:CLEAR)",
        }
    }
}

impl std::str::FromStr for Audience {
    type Err = String;
    fn from_str(s: &str) -> Result<Audience, String> {
        match s.trim() {
            "community" => Ok(Audience::Community),
            "public" => Ok(Audience::Public),
            other => Err(format!("{other:?} is not an audience (community or public)")),
        }
    }
}

/// What scrubbing replaced, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scrubbed {
    pub emails: usize,
    pub links: usize,
    pub phone_numbers: usize,
    pub identifiers: usize,
    pub names: usize,
}

impl Scrubbed {
    pub fn total(&self) -> usize {
        self.emails + self.links + self.phone_numbers + self.identifiers + self.names
    }
}

/// One harm figure as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Figure {
    pub label: &'static str,
    /// Exact from [`K_ANONYMITY_COUNT`] up, else a range.
    pub shown: String,
}

/// The shareable form of an incident.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnonymisedIncident {
    pub audience: Audience,
    pub tlp: Tlp,
    pub title: String,
    /// "A hospital in Germany".
    pub victim: String,
    pub org_type: String,
    pub country: String,
    /// `YYYY-MM` of the reference date, if known.
    pub month: Option<String>,
    pub attack_types: Vec<String>,
    pub description: Option<String>,
    pub figures: Vec<Figure>,
    pub scrubbed: Scrubbed,
    /// What ward knows for the STIX Incident Core Extension (ward_web::share builds it).
    pub core: IncidentCoreFacts,
}

/// The facts of an incident in the terms of the STIX Incident Core Extension, as far as ward
/// knows them (ward-core knows no STIX; `ward_web::share` turns these into the typed
/// extension of ward-stix). The mapping:
/// - `determination`: `confirmed` when the record has an attack type other than unknown or any
///   harm fact (ward records incidents that happened), else `suspected`;
/// - `criticality` (Appendix B, "5 Qualitative"): 95 (extreme) with deaths or clinical harm
///   events, 70 (high) with ambulance diversion, patient transfers, cancelled procedures or
///   urgent referrals, 40 (moderate) with cancelled appointments or care disruption, else absent;
/// - `incident_types`: event-type-ov values for the attack types that have one;
/// - `individuals_affected`: only an exact count of at least [`K_ANONYMITY_COUNT`] (a count
///   below it is shown as a range, which an entity count cannot express);
/// - `detection_methods`: `external-notification` when an outsider or partner discovered it.
/// Ward records no investigation status, so none is claimed here (the extension gets `open`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IncidentCoreFacts {
    pub determination: &'static str,
    pub criticality: Option<u8>,
    pub incident_types: Vec<&'static str>,
    pub individuals_affected: Option<u64>,
    pub detection_methods: Vec<&'static str>,
}

fn core_facts(draft: &IncidentDraft) -> IncidentCoreFacts {
    use crate::incident::{AttackType, DiscoveryMethod};
    let h = &draft.harm;
    let any_harm = !h.care_disruption.is_empty()
        || !h.clinical_harm_events.is_empty()
        || [&h.appointments_cancelled, &h.procedures_cancelled, &h.urgent_referrals_cancelled, &h.patient_transfers, &h.individuals_affected].iter().any(|f| f.is_some())
        || h.ambulance_diversion.is_some()
        || h.data_varieties.is_some()
        || h.ransom.is_some()
        || h.deaths.is_some();
    let known_attack = draft.attack_types.iter().any(|a| *a != AttackType::Unknown);
    let criticality = if h.deaths.is_some() || !h.clinical_harm_events.is_empty() {
        Some(95)
    } else if h.ambulance_diversion.as_ref().is_some_and(|f| f.value.diverted) || h.patient_transfers.is_some() || h.procedures_cancelled.is_some() || h.urgent_referrals_cancelled.is_some() {
        Some(70)
    } else if h.appointments_cancelled.is_some() || !h.care_disruption.is_empty() {
        Some(40)
    } else {
        None
    };
    let mut incident_types: Vec<&'static str> = draft
        .attack_types
        .iter()
        .filter_map(|a| {
            Some(match a {
                AttackType::Ransomware => "ransomware",
                AttackType::DataTheft => "data-exfiltration",
                AttackType::Ddos => "denial-of-service",
                AttackType::Wiper => "destruction",
                AttackType::SupplyChain => "supply-chain-customer",
                AttackType::UnauthorizedAccess => "unauthorized-access-system",
                AttackType::InsiderMisuse => "policy-violation",
                AttackType::LostOrStolenDevice => "equipment-loss",
                _ => return None,
            })
        })
        .collect();
    incident_types.dedup();
    let individuals_affected = h.individuals_affected.as_ref().filter(|f| !f.at_least && !f.estimate && f.value >= K_ANONYMITY_COUNT).map(|f| f.value);
    let detection_methods = match draft.discovery_method {
        Some(DiscoveryMethod::External | DiscoveryMethod::Partner) => vec!["external-notification"],
        _ => Vec::new(),
    };
    IncidentCoreFacts { determination: if known_attack || any_harm { "confirmed" } else { "suspected" }, criticality, incident_types, individuals_affected, detection_methods }
}

/// A count as it may be shown (see [`K_ANONYMITY_COUNT`]).
pub fn shown_count(n: u64) -> String {
    match n {
        0 => "0".to_owned(),
        n if n < K_ANONYMITY_COUNT => format!("1–{}", K_ANONYMITY_COUNT - 1),
        n => n.to_string(),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) { "An" } else { "A" }
}

/// Anonymises `draft` for `audience`. `known_names` are names to remove wherever they appear
/// (staff, reporters, partners); the victim's and third party's names are always removed.
pub fn anonymise(draft: &IncidentDraft, audience: Audience, known_names: &[&str]) -> AnonymisedIncident {
    let org_label = draft.victim.org_type.label().to_lowercase();
    let country = draft.victim.country.name().to_owned();
    let victim = format!("{} {org_label} in {country}", article(&org_label));
    let mut names: Vec<(&str, &str)> = Vec::new();
    if let Some(n) = &draft.victim.name {
        names.push((n.as_str(), "[the organisation]"));
    }
    if let Some(n) = &draft.victim.third_party_name {
        names.push((n.as_str(), "[a supplier]"));
    }
    names.extend(known_names.iter().map(|n| (*n, "[name]")));
    let mut scrubbed = Scrubbed::default();
    let description = draft.summary.as_ref().map(|s| scrub_text(s.as_str(), &names, &mut scrubbed));
    let attack_types: Vec<String> = draft.attack_types.iter().map(|a| a.label().to_owned()).collect();
    let what = attack_types.first().map_or_else(|| "Cyber incident".to_owned(), |a| capitalise(a));
    let month = draft.reference_date().map(|d| format!("{:04}-{:02}", d.year(), d.month()));
    let title = match &month {
        Some(m) => format!("{what} at {} ({m})", lowercase_first(&victim)),
        None => format!("{what} at {}", lowercase_first(&victim)),
    };
    let h = &draft.harm;
    let mut figures = Vec::new();
    let mut count = |label: &'static str, f: &Option<Fact<u64>>| {
        if let Some(f) = f {
            figures.push(Figure { label, shown: format!("{}{}", if f.at_least { "at least " } else { "" }, shown_count(f.value)) });
        }
    };
    count("individuals affected", &h.individuals_affected);
    count("appointments cancelled", &h.appointments_cancelled);
    count("procedures cancelled", &h.procedures_cancelled);
    count("urgent referrals cancelled", &h.urgent_referrals_cancelled);
    count("patients transferred", &h.patient_transfers);
    if h.ambulance_diversion.is_some() {
        figures.push(Figure { label: "ambulances diverted", shown: "yes".to_owned() });
    }
    AnonymisedIncident {
        audience,
        tlp: audience.tlp(),
        title,
        victim,
        org_type: draft.victim.org_type.as_str().to_owned(),
        country: draft.victim.country.as_str().to_owned(),
        month,
        attack_types,
        description,
        figures,
        scrubbed,
        core: core_facts(draft),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

/// Titles and honorifics after which capitalised words are a person's name.
const TITLES: [&str; 16] = ["dr", "mr", "mrs", "ms", "miss", "prof", "professor", "nurse", "sister", "herr", "frau", "mme", "mlle", "m", "dott", "sr"];
/// Words after which a number (or a capitalised name) identifies a patient or a case.
const ID_CUES: [&str; 8] = ["mrn", "nhs", "patient", "case", "ssn", "id", "record", "dob"];

/// A capitalised word that is not an acronym (`Schmidt`, `McDonald`; not `MRN`).
fn is_name_word(w: &str) -> bool {
    let mut c = w.chars();
    c.next().is_some_and(char::is_uppercase)
        && w.chars().all(|ch| ch.is_alphabetic() || ch == '-' || ch == '\'')
        && w.chars().any(char::is_lowercase)
        && w.chars().count() > 1
}

/// Scrubs `text` (see the module documentation), counting replacements into `scrubbed`.
pub fn scrub_text(text: &str, known: &[(&str, &str)], scrubbed: &mut Scrubbed) -> String {
    // Known names first, longest first, case-insensitively on word boundaries.
    let mut known: Vec<&(&str, &str)> = known.iter().filter(|(n, _)| n.trim().chars().count() >= 3).collect();
    known.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut text = text.to_owned();
    for (name, placeholder) in known {
        let (replaced, n) = replace_ci_words(&text, name.trim(), placeholder);
        scrubbed.names += n;
        text = replaced;
    }
    // Then token by token.
    let tokens: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        let word = tok.trim_end();
        let space = &tok[word.len()..];
        let core = word.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | ';' | ':' | '"' | '\'' | '!' | '?' | '<' | '>' | '[' | ']'));
        let core_no_dot = core.trim_end_matches('.');
        let lower = core_no_dot.to_lowercase();
        if core.contains('@') && core.contains('.') && !core.starts_with('@') {
            out.push_str(&word.replace(core, "[e-mail]"));
            out.push_str(space);
            scrubbed.emails += 1;
        } else if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
            out.push_str(&word.replace(core, "[link]"));
            out.push_str(space);
            scrubbed.links += 1;
        } else if let Some(n) = phone_run(&tokens[i..]) {
            let last = tokens[i + n - 1];
            let last_word = last.trim_end();
            out.push_str("[phone]");
            out.push_str(&last_word[last_word.trim_end_matches([',', ';', '.']).len()..]);
            out.push_str(&last[last_word.len()..]);
            scrubbed.phone_numbers += 1;
            i += n;
            continue;
        } else if is_identifier(core_no_dot) {
            out.push_str(&word.replace(core_no_dot, "[identifier]"));
            out.push_str(space);
            scrubbed.identifiers += 1;
        } else if (TITLES.contains(&lower.as_str()) || lower == "patient") && tokens.get(i + 1).is_some_and(|t| is_name_word(trim_punct(t))) {
            // Keep the title, replace the one to three capitalised words after it.
            out.push_str(tok);
            let mut j = i + 1;
            while j < tokens.len() && j <= i + 3 && is_name_word(trim_punct(tokens[j])) {
                j += 1;
            }
            let last = tokens[j - 1];
            let tail_punct: String = last.trim_end().chars().rev().take_while(|c| !c.is_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
            out.push_str("[name]");
            out.push_str(&tail_punct);
            out.push_str(&last[last.trim_end().len()..]);
            scrubbed.names += 1;
            i = j;
            continue;
        } else if ID_CUES.contains(&lower.as_str()) && tokens.get(i + 1).is_some_and(|t| trim_punct(t).chars().any(|c| c.is_ascii_digit()) && trim_punct(t).len() >= 4) {
            out.push_str(tok);
            let next = tokens[i + 1];
            out.push_str("[identifier]");
            out.push_str(&next[next.trim_end().len()..]);
            scrubbed.identifiers += 1;
            i += 2;
            continue;
        } else {
            out.push_str(tok);
        }
        i += 1;
    }
    out
}

fn trim_punct(t: &str) -> &str {
    t.trim().trim_matches(|c: char| !c.is_alphanumeric())
}

/// A long digit run (8 or more digits, as NHS, insurance and record numbers are) or an
/// SSN-shaped `ddd-dd-dddd`. Counts written with separators (`1,234,567`) and dates are not.
fn is_identifier(core: &str) -> bool {
    let digits = core.chars().filter(char::is_ascii_digit).count();
    if core.chars().all(|c| c.is_ascii_digit()) && digits >= 8 {
        return true;
    }
    let b = core.as_bytes();
    b.len() == 11 && b[3] == b'-' && b[6] == b'-' && b.iter().enumerate().all(|(i, c)| if i == 3 || i == 6 { true } else { c.is_ascii_digit() })
}

/// How many tokens from the start form a phone number: starts with `+`, `(` or `0`, only
/// digits and separators, at least 7 digits; not a date (`2024-02-21`).
fn phone_run(tokens: &[&str]) -> Option<usize> {
    let first = tokens.first()?.trim();
    if !(first.starts_with('+') || first.starts_with('(') || first.starts_with('0')) {
        return None;
    }
    let mut digits = 0;
    let mut n = 0;
    for t in tokens.iter().take(6) {
        let w = t.trim().trim_end_matches([',', ';', '.']);
        if w.is_empty() || !w.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | '/')) || !w.chars().any(|c| c.is_ascii_digit()) {
            break;
        }
        digits += w.chars().filter(char::is_ascii_digit).count();
        n += 1;
    }
    let is_date = n == 1 && first.len() >= 10 && first.as_bytes().get(4) == Some(&b'-') && first.as_bytes().get(7) == Some(&b'-');
    (digits >= 7 && !is_date).then_some(n)
}

/// Replaces every case-insensitive, word-bounded occurrence of `needle`.
fn replace_ci_words(hay: &str, needle: &str, with: &str) -> (String, usize) {
    let lower_hay = hay.to_lowercase();
    let lower_needle = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; then fall back to exact matching.
    let (search, find) = if lower_hay.len() == hay.len() && lower_needle.len() == needle.len() { (lower_hay.as_str(), lower_needle.as_str()) } else { (hay, needle) };
    let mut out = String::with_capacity(hay.len());
    let mut n = 0;
    let mut last = 0;
    let mut from = 0;
    while let Some(pos) = search[from..].find(find) {
        let start = from + pos;
        let end = start + find.len();
        let before_ok = hay[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            out.push_str(&hay[last..start]);
            out.push_str(with);
            last = end;
            n += 1;
        }
        from = end;
    }
    out.push_str(&hay[last..]);
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(text: &str, known: &[(&str, &str)]) -> (String, Scrubbed) {
        let mut s = Scrubbed::default();
        (scrub_text(text, known, &mut s), s)
    }

    #[test]
    fn scrubbing_table() {
        let known = [("St. Example Klinikum", "[the organisation]"), ("Jane Roe", "[name]")];
        let cases: [(&str, &str); 12] = [
            ("Contact it-security@klinikum.example today.", "Contact [e-mail] today."),
            ("See https://klinikum.example/notice?id=4 for details", "See [link] for details"),
            ("Call +49 30 1234 5678, please", "Call [phone], please"),
            ("Call 030 12345678.", "Call [phone]."),
            ("On 2024-02-21 systems went down", "On 2024-02-21 systems went down"),
            ("Patient record 1234567890 was opened", "Patient record [identifier] was opened"),
            ("MRN 48213 and SSN 123-45-6789", "MRN [identifier] and SSN [identifier]"),
            ("Dr. Anna Schmidt noticed the ransom note.", "Dr. [name] noticed the ransom note."),
            ("patient Max Mustermann was transferred", "patient [name] was transferred"),
            ("St. Example Klinikum diverted ambulances", "[the organisation] diverted ambulances"),
            ("jane roe opened the attachment", "[name] opened the attachment"),
            ("1,234,567 records and 40 beds", "1,234,567 records and 40 beds"),
        ];
        for (input, want) in cases {
            assert_eq!(scrub(input, &known).0, want, "{input}");
        }
        let (_, s) = scrub("a@b.example, Dr Who, 555-12-3456 https://x.example", &[]);
        assert_eq!((s.emails, s.names, s.identifiers, s.links), (1, 1, 1, 1));
    }

    #[test]
    fn counts_below_k_are_ranges() {
        assert_eq!(shown_count(0), "0");
        assert_eq!(shown_count(1), "1–9");
        assert_eq!(shown_count(9), "1–9");
        assert_eq!(shown_count(10), "10");
        assert_eq!(shown_count(1_234_567), "1234567");
    }

    #[test]
    fn an_incident_is_generalised() {
        let draft = IncidentDraft::from_json(r#"{
            "title": "Ransomware at St. Example Klinikum", "tlp": "amber",
            "summary": "St. Example Klinikum was hit; Dr. Anna Schmidt called +49 30 1234 5678. Patient MRN 77123 affected.",
            "victim": {"name": "St. Example Klinikum", "org_type": "hospital", "country": "DE", "region": "DE-BE", "facilities_affected": 2},
            "timeline": {"incident_on": "2026-11-02"},
            "attack_types": ["ransomware"],
            "sources": [{"url": "https://news.example/a", "publisher": "News"}],
            "harm": {"individuals_affected": {"value": 4, "source": "https://news.example/a", "as_of": "2026-11-03"},
                     "procedures_cancelled": {"value": 120, "source": "https://news.example/a", "as_of": "2026-11-03", "at_least": true}}
        }"#).unwrap();
        let a = anonymise(&draft, Audience::Community, &[]);
        assert_eq!(a.tlp, Tlp::Green);
        assert_eq!(a.victim, "A hospital in Germany");
        assert_eq!(a.month.as_deref(), Some("2026-11"));
        assert!(a.title.starts_with("Ransomware") && a.title.ends_with("at a hospital in Germany (2026-11)"), "{}", a.title);
        let d = a.description.clone().unwrap();
        assert!(!d.contains("Klinikum") && !d.contains("Schmidt") && !d.contains("5678") && !d.contains("77123"), "{d}");
        assert_eq!(a.figures[0], Figure { label: "individuals affected", shown: "1–9".into() });
        assert_eq!(a.figures[1], Figure { label: "procedures cancelled", shown: "at least 120".into() });
        let text = serde_json::to_string(&a).unwrap_or_default();
        assert!(!text.contains("DE-BE") && !text.contains("Example"), "{text}");
        // The Incident Core Extension facts: 4 individuals is below k, so no entity count.
        assert_eq!(a.core, IncidentCoreFacts { determination: "confirmed", criticality: Some(70), incident_types: vec!["ransomware"], individuals_affected: None, detection_methods: vec![] });
    }

    #[test]
    fn incident_core_facts_follow_the_harm() {
        let facts = |extra: &str| {
            let text = format!(r#"{{"title": "T", "victim": {{"org_type": "outpatient_clinic", "country": "FR"}}, "sources": [{{"url": "https://news.example/a", "publisher": "News"}}]{extra}}}"#);
            core_facts(&IncidentDraft::from_json(&text).unwrap())
        };
        assert_eq!(facts("").determination, "suspected", "nothing known");
        assert_eq!(facts(r#", "attack_types": ["unknown"]"#).determination, "suspected");
        let f = facts(r#", "attack_types": ["data_theft", "phishing"], "discovery_method": "external", "harm": {"individuals_affected": {"value": 1200, "source": "https://news.example/a", "as_of": "2026-01-01"}, "appointments_cancelled": {"value": 30, "source": "https://news.example/a", "as_of": "2026-01-01"}}"#);
        assert_eq!(f, IncidentCoreFacts { determination: "confirmed", criticality: Some(40), incident_types: vec!["data-exfiltration"], individuals_affected: Some(1200), detection_methods: vec!["external-notification"] });
        let f = facts(r#", "harm": {"individuals_affected": {"value": 1200, "source": "https://news.example/a", "as_of": "2026-01-01", "at_least": true}}"#);
        assert_eq!((f.determination, f.criticality, f.individuals_affected), ("confirmed", None, None), "a lower bound is no entity count");
    }
}
