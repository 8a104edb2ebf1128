//! VERIS incidents (the VERIS Community Database, VCDB) → ward drafts.
//!
//! Reads schema 1.3.x and 1.4.x records from a file per incident, JSON lines, a JSON array or a
//! zip of those (VCDB's `data/joined/vcdb.json.zip`). The record is read as untyped JSON and
//! mapped field by field, so schema differences (a `victim` object or array, `country` as a
//! string or list) do not reject a record. The mapping rules are listed in the crate README.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};

use jiff::civil::Date;
use serde_json::Value;
use ward_core::harm::{DataVariety, Fact, Harm};
use ward_core::incident::{
    ActionCategory, ActionEntry, ActorInvolvement, ActorKind, AttackType, AttributeKind, Confidence,
    DiscoveryMethod, ExternalId, Timeline, Victim,
};
use ward_core::text::{HttpUrl, Label};
use ward_core::{CountryCode, IncidentDraft, OrgType, Source, Tlp};

use crate::input::{self, JsonItem};
use crate::text::{self, fixed_label};
use crate::{geo, limits, Ctx, ImportError, ImportSummary, ImportedIncident, Options, Origin, Record};

/// Licence recorded on every source taken from a VCDB record.
pub const VCDB_LICENCE: &str = "CC BY-SA 4.0 (VCDB)";
/// External-id scheme of VCDB records; the value is the lower-cased `incident_id`.
pub const SCHEME: &str = "vcdb";

/// State codes that are also country codes a VERIS coder may have put in `victim.state`
/// ("CA": California or Canada). A country is never inferred from these.
const AMBIGUOUS_STATE_CODES: &[&str] = &["CA"];

pub(crate) fn read_json(reader: &mut dyn Read, ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    let file = ctx.file.clone();
    input::for_each_json_record(reader, &file, limits::MAX_JSON_RECORD_BYTES, &mut |item: JsonItem| {
        let origin = ctx.origin(item.line, item.index);
        match item.value {
            Err(reason) => ctx.reject(origin, None, reason),
            Ok(value) => handle_record(&value, origin, ctx, &mut seen),
        }
    })
}

pub(crate) fn read_zip(file: File, name: &str, options: &Options, sink: &mut dyn FnMut(Record), summary: &mut ImportSummary) -> Result<(), ImportError> {
    let zip_err = |e: zip::result::ZipError| ImportError::Zip { path: name.to_owned(), reason: e.to_string() };
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(zip_err)?;
    if archive.len() > limits::MAX_ZIP_ENTRIES {
        return Err(ImportError::TooLarge {
            path: name.to_owned(),
            reason: format!("{} zip entries; the limit is {}", archive.len(), limits::MAX_ZIP_ENTRIES),
        });
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(zip_err)?;
        let entry_name = entry.name().to_owned();
        let lower = entry_name.to_ascii_lowercase();
        let is_json = [".json", ".jsonl", ".ndjson"].iter().any(|x| lower.ends_with(x));
        // Directories and non-JSON entries (READMEs, macOS resource forks) hold no records.
        if entry.is_dir() || !is_json || lower.starts_with("__macosx/") {
            continue;
        }
        if entry.size() > limits::MAX_ZIP_ENTRY_BYTES {
            return Err(ImportError::TooLarge {
                path: format!("{name}!{entry_name}"),
                reason: format!("entry is {} bytes uncompressed; the limit is {}", entry.size(), limits::MAX_ZIP_ENTRY_BYTES),
            });
        }
        let mut ctx = Ctx::new(format!("{name}!{entry_name}"), options, &mut *sink, &mut *summary);
        read_json(&mut entry, &mut ctx)?;
        ctx.summary.files += 1;
    }
    Ok(())
}

fn handle_record(value: &Value, origin: Origin, ctx: &mut Ctx<'_>, seen: &mut HashMap<String, u64>) -> Result<(), ImportError> {
    let id = value.get("incident_id").and_then(Value::as_str).map(|s| s.trim().to_owned());
    let prefixes = &ctx.options.naics_prefixes;
    if !prefixes.is_empty() {
        if let Some(victim) = victim_of(value) {
            let keep = industry_of(victim).is_some_and(|code| prefixes.iter().any(|p| code.starts_with(p.trim())));
            if !keep {
                return ctx.filtered_out();
            }
        }
    }
    match map_incident(value, origin.clone(), ctx.options) {
        Ok(mut incident) => {
            let key = incident.external_id.value.as_str().to_owned();
            if let Some(first) = seen.get(&key) {
                incident.notes.push(format!("incident_id also at record {first} of this file (same external id)"));
            } else {
                seen.insert(key, origin.record);
            }
            ctx.incident(incident)
        }
        Err(reason) => ctx.reject(origin, id, reason),
    }
}

/// Strings of a field that is a string or a list of strings (VERIS uses both), trimmed, empty
/// ones left out.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn victim_of(v: &Value) -> Option<&Value> {
    match v.get("victim")? {
        o @ Value::Object(_) => Some(o),
        Value::Array(items) => items.iter().find(|i| i.is_object()),
        _ => None,
    }
}

fn industry_of(victim: &Value) -> Option<String> {
    match victim.get("industry")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_placeholder(s: &str) -> bool {
    matches!(s.trim().to_ascii_lowercase().as_str(), "unknown" | "other" | "na" | "n/a" | "none" | "")
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A complete `{year, month, day}` as a date; partial ones give `None`.
fn full_date(v: Option<&Value>) -> Option<Date> {
    let v = v?;
    let (y, m, d) = (int(v.get("year"))?, int(v.get("month"))?, int(v.get("day"))?);
    Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// Maps one VERIS record. The error is the rejection reason.
pub(crate) fn map_incident(v: &Value, origin: Origin, options: &Options) -> Result<ImportedIncident, String> {
    if !v.is_object() {
        return Err("not a VERIS incident: the record is not a JSON object".to_owned());
    }
    let id = v
        .get("incident_id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("not a VERIS incident: incident_id is missing")?;
    let mut notes = Vec::new();
    let victim_value = victim_of(v).ok_or("victim is missing: a VERIS incident must name its victim (victim.country, victim.industry)")?;
    if matches!(v.get("victim"), Some(Value::Array(items)) if items.len() > 1) {
        notes.push("victim lists several organisations; the first is used".to_owned());
    }
    if strings(v.get("security_incident")).iter().any(|s| s.eq_ignore_ascii_case("False positive")) {
        return Err("security_incident is \"False positive\": not an incident".to_owned());
    }

    let naics = industry_of(victim_value);
    let org_type = match &naics {
        Some(code) => OrgType::from_naics(code),
        None => {
            notes.push("victim.industry is missing; organisation type set to other".to_owned());
            OrgType::Other
        }
    };
    let state = victim_value.get("state").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let country = resolve_country(victim_value, state, &mut notes)?;
    let region = state.and_then(|s| {
        let r = geo::region_for(country, s);
        if r.is_none() {
            notes.push(format!("victim.state {s:?} is not a region code of {country}; left out"));
        }
        r
    });
    let name = strings(victim_value.get("victim_id"))
        .into_iter()
        .find(|n| !is_placeholder(n))
        .and_then(|n| text::label(&n, "victim.victim_id", &mut notes));
    let facilities_affected = int(victim_value.get("locations_affected")).and_then(|n| u32::try_from(n).ok());

    let empty = Value::Null;
    let actor = v.get("actor").unwrap_or(&empty);
    let action = v.get("action").unwrap_or(&empty);
    let attribute = v.get("attribute").unwrap_or(&empty);
    let actors = actors(actor, &mut notes);
    let via_third_party = actor.get("partner").map(|_| true);
    let actions = actions(action, &mut notes);
    let attack_types = attack_types(action, actor, attribute);

    let mut assets = Vec::new();
    if let Some(items) = v.get("asset").and_then(|a| a.get("assets")).and_then(Value::as_array) {
        for item in items {
            if let Some(l) = item.get("variety").and_then(Value::as_str).and_then(fixed_label) {
                if !assets.contains(&l) {
                    assets.push(l);
                }
            }
        }
    }
    cap(&mut assets, "asset.assets", &mut notes);
    let attributes = [
        ("confidentiality", AttributeKind::Confidentiality),
        ("integrity", AttributeKind::Integrity),
        ("availability", AttributeKind::Availability),
    ]
    .into_iter()
    .filter(|(k, _)| attribute.get(*k).is_some())
    .map(|(_, a)| a)
    .collect();

    let incident_timeline = v.get("timeline").and_then(|t| t.get("incident"));
    let year = int(incident_timeline.and_then(|t| t.get("year"))).and_then(|y| i32::try_from(y).ok());
    let incident_on = full_date(incident_timeline);
    if incident_on.is_none() && incident_timeline.is_some_and(|t| t.get("day").is_some() && t.get("month").is_some()) {
        notes.push("timeline.incident is not a valid date; only the year is kept".to_owned());
    }
    let plus = v.get("plus").unwrap_or(&empty);
    let disclosed_on = full_date(plus.get("timeline").and_then(|t| t.get("notification")));
    // A year alone (no month or day) goes to `incident_year`, which ward-core bounds to 1970–2100.
    let incident_year = match (incident_on, year.and_then(|y| i16::try_from(y).ok())) {
        (None, Some(y)) if (1970..=2100).contains(&y) => Some(y),
        (None, Some(y)) => {
            notes.push(format!("timeline.incident.year {y} is outside 1970–2100; kept only in the import record"));
            None
        }
        _ => None,
    };
    let timeline = Timeline { incident_on, incident_year, disclosed_on, ..Timeline::default() };

    let discovery_method = discovery_method(v.get("discovery_method"), &mut notes);
    let confidence = match v.get("confidence").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
        Some("high") => Some(Confidence::High),
        Some("medium") => Some(Confidence::Medium),
        Some("low") => Some(Confidence::Low),
        Some("none") => Some(Confidence::None),
        _ => None,
    };

    let urls = reference_urls(v.get("reference").and_then(Value::as_str).unwrap_or(""), &mut notes);
    let licence = fixed_label(VCDB_LICENCE);
    let sources: Vec<Source> = urls
        .iter()
        .filter_map(|url| {
            Some(Source {
                publisher: fixed_label(url.host())?,
                url: url.clone(),
                title: None,
                published_on: None,
                retrieved_on: options.retrieved_on,
                licence: licence.clone(),
            })
        })
        .collect();
    let created_on = plus
        .get("created")
        .and_then(Value::as_str)
        .and_then(|s| s.get(..10))
        .and_then(|s| s.parse::<Date>().ok());
    let harm = harm(attribute, sources.first().map(|s| &s.url), disclosed_on.or(created_on).or(incident_on), &mut notes);

    let who = match &name {
        Some(n) => n.as_str().to_owned(),
        None => format!("an unnamed {} in {}", org_type.label().to_lowercase(), country.name()),
    };
    let what = primary_attack_type(&attack_types).map_or("Incident", |a| a.label());
    let title = text::title(&format!("{what} at {who}"), "title", &mut notes).ok_or("cannot build a title")?;
    let summary = v.get("summary").and_then(Value::as_str).and_then(|s| text::long_text(s, "summary", &mut notes));

    let external_id = ExternalId {
        scheme: fixed_label(SCHEME).ok_or("scheme")?,
        value: text::label(&id.to_ascii_lowercase(), "incident_id", &mut notes).ok_or("incident_id is empty")?,
    };
    let draft = IncidentDraft {
        title,
        summary,
        tlp: Tlp::Clear,
        victim: Victim {
            name,
            org_type,
            country,
            region,
            facilities_affected,
            via_third_party,
            third_party_name: None,
        },
        timeline,
        attack_types,
        actors,
        actions,
        assets,
        attributes,
        discovery_method,
        confidence,
        sources,
        harm,
        external_ids: vec![external_id.clone()],
    };
    draft.validate().map_err(|e| format!("does not validate after mapping: {e}"))?;
    Ok(ImportedIncident {
        draft,
        external_id,
        year,
        sub_source: plus.get("sub_source").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        naics,
        hhs_entity_type: None,
        origin,
        notes,
    })
}

/// The victim's country: the first valid code listed; a US state corrects VERIS's `UM` slip
/// and stands in for `Unknown`, except for codes that are also countries (see
/// [`AMBIGUOUS_STATE_CODES`]). Anything else is ward's unknown country, `ZZ` (never a guess,
/// which would put the incident on the wrong map), or a rejection where ward-core has no `ZZ`.
fn resolve_country(victim: &Value, state: Option<&str>, notes: &mut Vec<String>) -> Result<CountryCode, String> {
    let listed = strings(victim.get("country"));
    let valid: Vec<CountryCode> = listed.iter().filter_map(|c| c.parse().ok()).filter(|c: &CountryCode| c.as_str() != crate::UNKNOWN_COUNTRY).collect();
    let us_state = state.and_then(geo::us_state_code);
    if let Some(first) = valid.first().copied() {
        if valid.len() > 1 {
            notes.push(format!("victim.country lists {}; the first is used", listed.join(", ")));
        }
        if first.as_str() == "UM" {
            if let (Some(_), Some(s)) = (us_state, state) {
                notes.push(format!("victim.country UM (US Minor Outlying Islands) with US state {s:?} read as US"));
                return "US".parse();
            }
        }
        return Ok(first);
    }
    let written = if listed.is_empty() { "missing".to_owned() } else { format!("{:?}", listed.join(", ")) };
    if let (Some(code), Some(s)) = (us_state, state) {
        if !AMBIGUOUS_STATE_CODES.contains(&code) || !s.eq_ignore_ascii_case(code) {
            notes.push(format!("victim.country is {written}; US inferred from victim.state {s:?}"));
            return "US".parse();
        }
    }
    let why = match state {
        Some(s) => format!("victim.country is {written} and victim.state {s:?} does not identify a country"),
        None => format!("victim.country is {written} and there is no victim.state"),
    };
    match crate::UNKNOWN_COUNTRY.parse::<CountryCode>() {
        Ok(zz) => {
            notes.push(format!("{why}; recorded as {} (unknown country)", crate::UNKNOWN_COUNTRY));
            Ok(zz)
        }
        Err(_) => Err(format!("{why}; ward needs an ISO 3166-1 country")),
    }
}

fn actors(actor: &Value, notes: &mut Vec<String>) -> Vec<ActorInvolvement> {
    let mut out = Vec::new();
    for (key, kind) in [
        ("external", ActorKind::External),
        ("internal", ActorKind::Internal),
        ("partner", ActorKind::Partner),
        ("unknown", ActorKind::Unknown),
    ] {
        let Some(a) = actor.get(key) else { continue };
        let name = strings(a.get("name")).into_iter().find(|n| !is_placeholder(n));
        let name = name.and_then(|n| text::label(&n, "actor name", notes));
        let motives: Vec<String> = strings(a.get("motive")).into_iter().filter(|m| !is_placeholder(m)).collect();
        let motive = if motives.is_empty() { None } else { text::label(&motives.join(", ").to_lowercase(), "actor motive", notes) };
        let attribution = name.as_ref().and_then(|_| fixed_label(&format!("as coded in VCDB (actor.{key}.name)")));
        out.push(ActorInvolvement { kind, name, motive, attribution });
    }
    out
}

fn actions(action: &Value, notes: &mut Vec<String>) -> Vec<ActionEntry> {
    let mut out = Vec::new();
    for category in ActionCategory::ALL.iter().copied() {
        let Some(a) = action.get(category.as_str()) else { continue };
        let mut varieties: Vec<Label> = strings(a.get("variety")).iter().filter_map(|s| fixed_label(s)).collect();
        let mut vectors: Vec<Label> = strings(a.get("vector")).iter().filter_map(|s| fixed_label(s)).collect();
        cap(&mut varieties, "action varieties", notes);
        cap(&mut vectors, "action vectors", notes);
        out.push(ActionEntry { category, varieties, vectors });
    }
    out
}

fn cap<T>(items: &mut Vec<T>, what: &str, notes: &mut Vec<String>) {
    if items.len() > ward_core::limits::MAX_LIST_ITEMS {
        notes.push(format!("{what}: only the first {} of {} kept", ward_core::limits::MAX_LIST_ITEMS, items.len()));
        items.truncate(ward_core::limits::MAX_LIST_ITEMS);
    }
}

/// The coarse attack types the tracer filters on, from VERIS actions (rules in the README).
pub(crate) fn attack_types(action: &Value, actor: &Value, attribute: &Value) -> Vec<AttackType> {
    let mut types = BTreeSet::new();
    let varieties = |category: &str| strings(action.get(category).and_then(|a| a.get("variety")));
    let has = |list: &[String], what: &str| list.iter().any(|v| v.eq_ignore_ascii_case(what));
    if action.get("malware").is_some() {
        if has(&varieties("malware"), "Ransomware") {
            types.insert(AttackType::Ransomware);
        } else {
            types.insert(AttackType::Other);
        }
    }
    if action.get("hacking").is_some() {
        let v = varieties("hacking");
        if has(&v, "DoS") {
            types.insert(AttackType::Ddos);
        }
        if v.is_empty() || v.iter().any(|x| !x.eq_ignore_ascii_case("DoS")) {
            types.insert(AttackType::UnauthorizedAccess);
        }
    }
    if action.get("social").is_some() {
        let v = varieties("social");
        let phishing = has(&v, "Phishing");
        let extortion = has(&v, "Extortion");
        if phishing {
            types.insert(AttackType::Phishing);
        }
        if extortion {
            types.insert(AttackType::Extortion);
        }
        if !phishing && !extortion {
            types.insert(AttackType::Other);
        }
    }
    if action.get("misuse").is_some() {
        types.insert(AttackType::InsiderMisuse);
    }
    if action.get("physical").is_some() {
        types.insert(if has(&varieties("physical"), "Theft") { AttackType::LostOrStolenDevice } else { AttackType::Other });
    }
    if action.get("error").is_some() {
        let v = varieties("error");
        if has(&v, "Loss") {
            types.insert(AttackType::LostOrStolenDevice);
        }
        if v.is_empty() || v.iter().any(|x| !x.eq_ignore_ascii_case("Loss")) {
            types.insert(AttackType::Error);
        }
    }
    if action.get("environmental").is_some() {
        types.insert(AttackType::Other);
    }
    if action.get("unknown").is_some() {
        types.insert(AttackType::Unknown);
    }
    let disclosed = attribute
        .get("confidentiality")
        .and_then(|c| c.get("data_disclosure"))
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("Yes"));
    if disclosed && actor.get("external").is_some() && (action.get("hacking").is_some() || action.get("malware").is_some()) {
        types.insert(AttackType::DataTheft);
    }
    types.into_iter().collect()
}

/// The attack type a title leads with: the one that best says what happened.
pub(crate) fn primary_attack_type(types: &[AttackType]) -> Option<AttackType> {
    use AttackType as A;
    const ORDER: [AttackType; 14] = [
        A::Ransomware, A::Wiper, A::Ddos, A::DataTheft, A::Extortion, A::BusinessEmailCompromise, A::Phishing,
        A::SupplyChain, A::UnauthorizedAccess, A::InsiderMisuse, A::LostOrStolenDevice, A::Error, A::Other, A::Unknown,
    ];
    ORDER.into_iter().find(|a| types.contains(a))
}

fn discovery_method(v: Option<&Value>, notes: &mut Vec<String>) -> Option<DiscoveryMethod> {
    let v = v?;
    for (key, method) in [
        ("internal", DiscoveryMethod::Internal),
        ("external", DiscoveryMethod::External),
        ("partner", DiscoveryMethod::Partner),
        ("unknown", DiscoveryMethod::Unknown),
    ] {
        if v.get(key).is_some() {
            return Some(method);
        }
    }
    if v.get("other").is_some() {
        notes.push("discovery_method is \"other\", which ward has no value for; left out".to_owned());
    }
    None
}

/// The http(s) URLs in a VERIS `reference`, which holds one or more URLs separated by spaces,
/// semicolons or commas, sometimes with case numbers or file names between them.
pub(crate) fn reference_urls(reference: &str, notes: &mut Vec<String>) -> Vec<HttpUrl> {
    let mut urls: Vec<HttpUrl> = Vec::new();
    let mut other = Vec::new();
    for token in reference.split(|c: char| c.is_whitespace() || c == ';') {
        let token = token.trim_matches(|c: char| c == ',' || c == '<' || c == '>' || c == '(' || c == ')');
        if token.is_empty() {
            continue;
        }
        // URLs glued together with commas: split where the next one starts.
        let mut pieces = Vec::new();
        let mut rest = token;
        while let Some(i) = rest.get(1..).and_then(|r| r.find(",http")) {
            pieces.push(&rest[..=i]);
            rest = &rest[i + 2..];
        }
        pieces.push(rest);
        for piece in pieces {
            let start = piece.find("http://").or_else(|| piece.find("https://"));
            match start.and_then(|i| text::http_url(&piece[i..])) {
                Some(url) => {
                    if start.is_some_and(|i| i > 0) {
                        other.push(piece[..start.unwrap_or(0)].to_owned());
                    }
                    if !urls.contains(&url) {
                        urls.push(url);
                    }
                }
                None => other.push(piece.to_owned()),
            }
        }
    }
    if urls.len() > limits::MAX_REFERENCE_URLS {
        notes.push(format!("reference has {} URLs; the first {} are kept", urls.len(), limits::MAX_REFERENCE_URLS));
        urls.truncate(limits::MAX_REFERENCE_URLS);
    }
    if !other.is_empty() {
        let joined = other.join(" ");
        let shown: String = joined.chars().take(120).collect();
        notes.push(format!("reference text that is not an http(s) URL was left out: {shown:?}"));
    }
    urls
}

fn data_variety(s: &str) -> DataVariety {
    match s.trim().to_ascii_lowercase().as_str() {
        "medical" => DataVariety::Medical,
        "personal" | "sensitive personal" => DataVariety::Personal,
        "payment" => DataVariety::Payment,
        "bank" => DataVariety::Bank,
        "credentials" => DataVariety::Credentials,
        "internal" => DataVariety::Internal,
        "secrets" | "classified" => DataVariety::Secrets,
        "unknown" => DataVariety::Unknown,
        _ => DataVariety::Other,
    }
}

/// Records breached and data varieties, citing the record's first reference URL (VCDB coded
/// them from its references). With no URL there is nothing to cite, so there is no harm fact.
fn harm(attribute: &Value, cite: Option<&HttpUrl>, as_of: Option<Date>, notes: &mut Vec<String>) -> Harm {
    let mut harm = Harm::default();
    let Some(conf) = attribute.get("confidentiality") else { return harm };
    let total = int(conf.get("data_total")).and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
    let data = conf.get("data").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let largest_amount = data.iter().filter_map(|d| int(d.get("amount"))).filter_map(|n| u64::try_from(n).ok()).filter(|n| *n > 0).max();
    let mut varieties: Vec<DataVariety> = data.iter().filter_map(|d| d.get("variety").and_then(Value::as_str)).map(data_variety).collect();
    varieties.sort();
    varieties.dedup();
    let (Some(url), Some(as_of)) = (cite, as_of) else {
        if total.is_some() || largest_amount.is_some() {
            notes.push("records breached are given but there is no source URL (or date) to cite; left out".to_owned());
        }
        return harm;
    };
    let fact = |value, at_least, note: &str| Fact {
        value,
        source: url.clone(),
        as_of,
        estimate: false,
        at_least,
        note: fixed_label(note),
    };
    harm.individuals_affected = match (total, largest_amount) {
        (Some(n), _) => Some(fact(n, false, "records breached (VCDB attribute.confidentiality.data_total)")),
        (None, Some(n)) => Some(fact(n, true, "largest per-variety count (VCDB attribute.confidentiality.data[].amount)")),
        (None, None) => None,
    };
    if !varieties.is_empty() {
        harm.data_varieties = Some(Fact {
            value: varieties,
            source: url.clone(),
            as_of,
            estimate: false,
            at_least: false,
            note: fixed_label("VCDB attribute.confidentiality.data[].variety"),
        });
    }
    harm
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        let mut notes = Vec::new();
        let urls = reference_urls(
            "http://a.com/x; http://b.org/y,http://c.net/z  https://d.io/w,;VirusShare_00137.zip http://a.com/x",
            &mut notes,
        );
        let got: Vec<&str> = urls.iter().map(HttpUrl::as_str).collect();
        assert_eq!(got, ["http://a.com/x", "http://b.org/y", "http://c.net/z", "https://d.io/w"]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("VirusShare_00137.zip"));
        assert!(reference_urls("", &mut notes).is_empty());
        let urls = reference_urls("http://x.com/a,b.html", &mut Vec::new());
        assert_eq!(urls[0].as_str(), "http://x.com/a,b.html");
    }

    #[test]
    fn attack_type_table() {
        let check = |action: &str, actor: &str, attribute: &str, want: &[AttackType]| {
            let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap();
            assert_eq!(attack_types(&parse(action), &parse(actor), &parse(attribute)), want, "{action}");
        };
        use AttackType as A;
        check(r#"{"malware":{"variety":["Ransomware"]}}"#, "{}", "{}", &[A::Ransomware]);
        check(r#"{"malware":{"variety":["Spyware/Keylogger"]},"hacking":{"variety":["Use of stolen creds"]}}"#, r#"{"external":{}}"#,
            r#"{"confidentiality":{"data_disclosure":"Yes"}}"#, &[A::DataTheft, A::UnauthorizedAccess, A::Other]);
        check(r#"{"hacking":{"variety":["DoS"]}}"#, "{}", "{}", &[A::Ddos]);
        check(r#"{"social":{"variety":["Phishing"]}}"#, "{}", "{}", &[A::Phishing]);
        check(r#"{"social":{"variety":["Bribery"]},"misuse":{"variety":["Privilege abuse"]}}"#, "{}", "{}", &[A::InsiderMisuse, A::Other]);
        check(r#"{"physical":{"variety":["Theft"]}}"#, "{}", "{}", &[A::LostOrStolenDevice]);
        check(r#"{"error":{"variety":["Loss"]}}"#, "{}", "{}", &[A::LostOrStolenDevice]);
        check(r#"{"error":{"variety":["Misdelivery","Loss"]}}"#, "{}", "{}", &[A::LostOrStolenDevice, A::Error]);
        check(r#"{"unknown":{}}"#, "{}", "{}", &[A::Unknown]);
        check(r#"{"environmental":{"variety":["Fire"]}}"#, "{}", "{}", &[A::Other]);
    }

    #[test]
    fn country_resolution() {
        let check = |victim: &str| {
            let mut notes = Vec::new();
            let v: Value = serde_json::from_str(victim).unwrap();
            let state = v.get("state").and_then(Value::as_str);
            resolve_country(&v, state, &mut notes).map(|c| c.as_str().to_owned())
        };
        assert_eq!(check(r#"{"country":["GB"]}"#).unwrap(), "GB");
        assert_eq!(check(r#"{"country":"DE"}"#).unwrap(), "DE");
        assert_eq!(check(r#"{"country":["UM"],"state":"OH"}"#).unwrap(), "US");
        assert_eq!(check(r#"{"country":["UM"]}"#).unwrap(), "UM");
        assert_eq!(check(r#"{"country":["Unknown"],"state":"NY"}"#).unwrap(), "US");
        assert_eq!(check(r#"{"country":["Unknown"],"state":"CA"}"#).unwrap(), "ZZ");
        assert_eq!(check(r#"{"country":["Unknown"],"state":"California"}"#).unwrap(), "US");
        assert_eq!(check(r#"{"country":["Unknown"]}"#).unwrap(), "ZZ");
        assert_eq!(check(r#"{"country":["XK"]}"#).unwrap(), "ZZ");
        assert_eq!(check(r#"{"country":["Other", "NZ"]}"#).unwrap(), "NZ");
    }
}
