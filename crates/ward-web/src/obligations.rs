//! Report once, in the web layer: an incident's fact document is the organisation's reporting
//! profile (`entity.*`) plus the incident's reporting log (answers to facts, submissions,
//! decisions); ward-rules evaluates it; answers are checked fact by fact so every problem is
//! named; each accepted event is stored with the evaluation it produces (one transaction).
//!
//! The pages (`pages/obligations.rs`) and the REST API (`api/obligations.rs`) both go through
//! here; neither evaluates or writes on its own.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};
use ward_core::{FieldError, IncidentId, OrgId, ReadScope, UserId};
use ward_rules::{
    evaluate, ContentValue, Decision, DecisionKind, FactChange, FactDocument, FactInfo, FactType, Facts, Obligation,
    RuleSet, Submission,
};
use ward_store::{IncidentRecord, NewObligation, ObligationEvent, ObligationEventKind, ReportingProfile, Store, StoreError};

/// Longest rationale of a closing decision, in characters.
pub const MAX_RATIONALE_CHARS: usize = 4000;
/// Shortest rationale: a decision must say why.
pub const MIN_RATIONALE_CHARS: usize = 10;
/// Longest channel or receipt text, in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 500;
/// Most facts answered in one event.
pub const MAX_ANSWERS: usize = 200;

/// Why a reporting write did not happen.
#[derive(Debug)]
pub enum RecordError {
    /// The input has problems, each named by field (fact id, `submitted_at`, `rationale`…).
    Invalid(Vec<FieldError>),
    /// The organisation has no reporting profile yet.
    NoProfile,
    Store(StoreError),
}

impl From<StoreError> for RecordError {
    fn from(e: StoreError) -> Self {
        RecordError::Store(e)
    }
}

/// The built-in rules (compiled into the binary and checked by the test suite).
pub fn rules() -> Result<&'static RuleSet, StoreError> {
    RuleSet::embedded().map_err(|e| StoreError::Corrupt(format!("built-in rules: {e}")))
}

/// The facts of the organisation's profile, with the time zone facts the forms need.
pub fn profile_time_zone(profile: Option<&ReportingProfile>) -> Option<String> {
    profile.and_then(|p| p.entity.get(ward_rules::FACT_TIME_ZONE)).and_then(Value::as_str).map(str::to_owned)
}

/// An incident with its reporting context, read through the caller's scope.
pub struct Loaded {
    pub record: IncidentRecord,
    pub profile: Option<ReportingProfile>,
    pub events: Vec<ObligationEvent>,
}

pub async fn load(store: &Store, id: IncidentId, scope: &ReadScope) -> Result<Loaded, StoreError> {
    let record = store.get_incident(id, scope).await?;
    let profile = store.reporting_profile(record.org_id).await?;
    let events = store.obligation_events(id, scope).await?;
    Ok(Loaded { record, profile, events })
}

/// Content the incident record already holds, used in reports unless an answer overrides it.
fn content_from_record(record: &IncidentRecord, org_name: Option<&str>) -> BTreeMap<String, ContentValue> {
    let mut c = BTreeMap::new();
    if let Some(s) = &record.draft.summary {
        c.insert("incident.summary".to_owned(), ContentValue::Text(s.to_string()));
    }
    if let Some(n) = org_name {
        c.insert("reporter.identity".to_owned(), ContentValue::Text(n.to_owned()));
    }
    c
}

/// Builds the fact document: profile facts as `entity`; the first answers as the initial
/// incident facts, later answers as the fact log (so an obligation owed at any point stays);
/// submissions and decisions in order.
pub fn fact_document(rules: &RuleSet, entity: &BTreeMap<String, Value>, events: &[ObligationEvent], base_content: BTreeMap<String, ContentValue>) -> Result<FactDocument, FieldError> {
    let mut doc = FactDocument { entity: entity.clone(), content: base_content, ..FactDocument::default() };
    let mut first_facts = true;
    for e in events {
        match e.kind {
            ObligationEventKind::Facts => {
                let facts = e.body.get("facts").and_then(Value::as_object).cloned().unwrap_or_default();
                for (id, value) in facts {
                    if first_facts {
                        doc.incident.insert(id, value);
                    } else {
                        doc.fact_log.push(FactChange { fact: id, value, recorded_at: Some(e.recorded_at), recorded_by: e.recorded_by_email.clone() });
                    }
                }
                if e.body.get("facts").and_then(Value::as_object).is_some_and(|m| !m.is_empty()) {
                    first_facts = false;
                }
                if let Some(content) = e.body.get("content").and_then(Value::as_object) {
                    for (id, text) in content {
                        if let Some(t) = text.as_str().filter(|t| !t.trim().is_empty()) {
                            doc.content.insert(id.clone(), ContentValue::Text(t.to_owned()));
                        }
                    }
                }
            }
            ObligationEventKind::Submission => {
                let s: Submission = serde_json::from_value(e.body.clone()).map_err(|err| FieldError::new("submissions", format!("stored submission {} unreadable: {err}", e.seq)))?;
                doc.submissions.push(s);
            }
            ObligationEventKind::Decision => {
                let d: Decision = serde_json::from_value(e.body.clone()).map_err(|err| FieldError::new("decisions", format!("stored decision {} unreadable: {err}", e.seq)))?;
                doc.decisions.push(d);
            }
        }
    }
    // Content ids outside the catalogue are dropped here (the record-derived ones are checked).
    let _ = rules;
    Ok(doc)
}

/// A rules error as a field error: fact errors name the fact id.
pub fn field_error(e: &ward_rules::Error) -> FieldError {
    match e {
        ward_rules::Error::Fact { fact, reason } => FieldError::new(fact.clone(), reason.clone()),
        ward_rules::Error::Event { what, index, reason } => FieldError::new(format!("{what}[{index}]"), reason.clone()),
        other => FieldError::new("", other.to_string()),
    }
}

/// An evaluation of one incident at `now`.
pub struct Evaluation {
    pub facts: Facts,
    pub obligations: Vec<Obligation>,
}

pub fn evaluate_doc(rules: &RuleSet, doc: &FactDocument, now: Timestamp) -> Result<Evaluation, FieldError> {
    let facts = Facts::from_document(rules, doc).map_err(|e| field_error(&e))?;
    let obligations = evaluate(rules, &facts, &doc.submissions, &doc.decisions, now);
    Ok(Evaluation { facts, obligations })
}

/// The document and evaluation of a loaded incident, with `extra` appended to its log.
pub fn evaluate_loaded(rules: &RuleSet, loaded: &Loaded, org_name: Option<&str>, extra: Option<&ObligationEvent>, now: Timestamp) -> Result<(FactDocument, Evaluation), RecordError> {
    let profile = loaded.profile.as_ref().ok_or(RecordError::NoProfile)?;
    let mut events = loaded.events.clone();
    events.extend(extra.cloned());
    let doc = fact_document(rules, &profile.entity, &events, content_from_record(&loaded.record, org_name)).map_err(|e| RecordError::Invalid(vec![e]))?;
    let ev = evaluate_doc(rules, &doc, now).map_err(|e| RecordError::Invalid(vec![e]))?;
    Ok((doc, ev))
}

/// The store's form of evaluated obligations.
///
/// Stored rows do not depend on the evaluation instant: an obligation past due is stored as
/// owed (with its due instant), and lists judge overdue when they are read. So re-evaluating
/// unchanged facts under unchanged rules writes nothing.
pub fn to_store(obligations: &[Obligation]) -> Vec<NewObligation> {
    obligations
        .iter()
        .map(|o| {
            // Only obligations past due differ from their stored form: clone just those.
            let normalised;
            let o = if o.status == ward_rules::Status::Overdue || o.past_due || o.notes.iter().any(|n| n == ward_rules::PAST_DUE_NOTE) {
                let mut c = o.clone();
                if c.status == ward_rules::Status::Overdue {
                    c.status = ward_rules::Status::Owed;
                }
                c.past_due = false;
                c.notes.retain(|n| n != ward_rules::PAST_DUE_NOTE);
                normalised = c;
                &normalised
            } else {
                o
            };
            let mut row = NewObligation {
                regime: o.regime.clone(),
                stage: o.stage.clone(),
                instance: o.instance.clone(),
                status: o.status.as_str().to_owned(),
                is_open: o.status.is_open(),
                due_at: o.due_at.as_ref().map(jiff::Zoned::timestamp),
                rule_version: o.rule_version.clone(),
                body: serde_json::to_string(o).unwrap_or_else(|_| "null".into()),
                digest: None,
            };
            row.digest = ward_store::obligation_digest(&row).ok();
            row
        })
        .collect()
}

// ---------------------------------------------------------------- input conversion

/// A local date-time as an HTML `datetime-local` input sends it (no offset, no zone).
fn is_local_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    (s.len() == 16 || s.len() == 19) && b.get(10) == Some(&b'T') && !s.contains(['+', 'Z', 'z', '[']) && s[..10].parse::<jiff::civil::Date>().is_ok()
}

/// Turns form text for `fact` into the JSON value the fact document takes; `None` when the
/// field was left empty (not answered). A local date-time from a `datetime-local` input gets
/// the legal time zone as an annotation, so the engine resolves it there (and rejects times
/// that occur twice or not at all).
pub fn form_value_to_json(info: &FactInfo, values: &[&str], time_zone: Option<&str>) -> Option<Value> {
    let values: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return None;
    }
    let one = values[0];
    Some(match info.fact_type {
        FactType::Bool => match one {
            "true" | "yes" => Value::Bool(true),
            "false" | "no" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        FactType::Count => one.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(one.to_owned())),
        FactType::Decimal => one.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or_else(|| Value::String(one.to_owned())),
        FactType::Instant => match time_zone {
            Some(tz) if is_local_datetime(one) => Value::String(format!("{one}[{tz}]")),
            _ => Value::String(one.to_owned()),
        },
        FactType::Set | FactType::Countries => {
            let items: Vec<Value> = values.iter().flat_map(|v| v.split([',', ' ', ';'])).map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_owned())).collect();
            Value::Array(items)
        }
        FactType::StateCounts | FactType::LawEnforcementDelay => {
            if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(one) {
                v
            } else if info.fact_type == FactType::StateCounts {
                // "CA: 10, NY: 5"
                let mut m = Map::new();
                for part in one.split(',') {
                    let Some((k, v)) = part.split_once(':') else { return Some(Value::String(one.to_owned())) };
                    let n = v.trim().parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(v.trim().to_owned()));
                    m.insert(k.trim().to_owned(), n);
                }
                Value::Object(m)
            } else {
                Value::String(one.to_owned())
            }
        }
        _ => Value::String(one.to_owned()),
    })
}

/// Checks answers to incident facts one by one against the profile, so every bad answer is
/// named; then all together with the log (cross-fact checks).
pub fn check_answers(rules: &RuleSet, entity: &BTreeMap<String, Value>, answers: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if answers.len() > MAX_ANSWERS {
        errors.push(FieldError::new("facts", format!("at most {MAX_ANSWERS} facts per answer")));
        return errors;
    }
    for (id, value) in answers {
        if id.starts_with("entity.") || id.starts_with("policy.") {
            errors.push(FieldError::new(id.clone(), "is a fact of the organisation's reporting profile: change it there"));
            continue;
        }
        let doc = FactDocument { entity: entity.clone(), incident: BTreeMap::from([(id.clone(), value.clone())]), ..FactDocument::default() };
        if let Err(e) = Facts::from_document(rules, &doc) {
            let mut fe = field_error(&e);
            if fe.field.is_empty() {
                fe.field = id.clone();
            }
            errors.push(fe);
        }
    }
    errors
}

/// Checks a profile fact by fact (each alongside the profile's time zone, or UTC when that
/// is itself missing or wrong).
pub fn check_profile(rules: &RuleSet, entity: &BTreeMap<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let tz = entity.get(ward_rules::FACT_TIME_ZONE).cloned();
    let tz_ok = match &tz {
        None => {
            errors.push(FieldError::new(ward_rules::FACT_TIME_ZONE, "required: the IANA name of the legal time zone (e.g. Europe/Berlin)"));
            false
        }
        Some(v) => {
            let doc = FactDocument { entity: BTreeMap::from([(ward_rules::FACT_TIME_ZONE.to_owned(), v.clone())]), ..FactDocument::default() };
            match Facts::from_document(rules, &doc) {
                Ok(_) => true,
                Err(e) => {
                    errors.push(field_error(&e));
                    false
                }
            }
        }
    };
    let base_tz = if tz_ok { tz.unwrap_or(Value::Null) } else { Value::String("UTC".into()) };
    for (id, value) in entity {
        if id == ward_rules::FACT_TIME_ZONE {
            continue;
        }
        if !(id.starts_with("entity.") || id.starts_with("policy.")) {
            errors.push(FieldError::new(id.clone(), "is not a fact of the organisation (entity.* or policy.*)"));
            continue;
        }
        let doc = FactDocument {
            entity: BTreeMap::from([(ward_rules::FACT_TIME_ZONE.to_owned(), base_tz.clone()), (id.clone(), value.clone())]),
            ..FactDocument::default()
        };
        if let Err(e) = Facts::from_document(rules, &doc) {
            errors.push(field_error(&e));
        }
    }
    if errors.is_empty() {
        let doc = FactDocument { entity: entity.clone(), ..FactDocument::default() };
        if let Err(e) = Facts::from_document(rules, &doc) {
            errors.push(field_error(&e));
        }
    }
    errors
}

/// Which stage a submission or decision is for, checked against the current obligations.
pub fn find_obligation<'a>(obligations: &'a [Obligation], regime: &str, stage: &str, instance: Option<&str>) -> Option<&'a Obligation> {
    obligations.iter().find(|o| o.regime == regime && o.stage == stage && o.instance.as_deref() == instance)
}

/// Parses an instant from a form or the API: RFC 3339 with offset, or a `datetime-local`
/// value read in `time_zone` (rejected when that local time is ambiguous or does not exist).
pub fn parse_instant_input(field: &str, text: &str, time_zone: Option<&str>) -> Result<Timestamp, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let (true, Some(tz_name)) = (is_local_datetime(t), time_zone) {
        let tz = jiff::tz::TimeZone::get(tz_name).map_err(|_| FieldError::new(field, format!("unknown time zone {tz_name:?}")))?;
        let dt: jiff::civil::DateTime = t.parse().map_err(|e| FieldError::new(field, format!("{t:?} is not a date and time: {e}")))?;
        return match tz.to_ambiguous_zoned(dt).offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).map_err(|e| FieldError::new(field, e.to_string())),
            jiff::tz::AmbiguousOffset::Fold { before, after } => Err(FieldError::new(field, format!("{t} occurs twice in {tz_name} (offsets {before} and {after}): write it with its offset"))),
            jiff::tz::AmbiguousOffset::Gap { .. } => Err(FieldError::new(field, format!("{t} does not exist in {tz_name} (the clocks skip it)"))),
        };
    }
    Err(FieldError::new(field, format!("{t:?} is not an RFC 3339 instant: write it with a UTC offset, e.g. 2026-06-05T23:30:00+02:00")))
}

/// A new submission, checked: the stage must be one of the incident's obligations.
#[allow(clippy::too_many_arguments)]
pub fn new_submission(obligations: &[Obligation], regime: &str, stage: &str, instance: Option<&str>, submitted_at: Result<Timestamp, FieldError>, channel: &str, receipt: &str, payload_sha256: Option<String>, now: Timestamp) -> Result<Submission, Vec<FieldError>> {
    let mut errors = Vec::new();
    if find_obligation(obligations, regime, stage, instance).is_none() {
        errors.push(FieldError::new("stage", format!("{regime}/{stage} is not an obligation of this incident")));
    }
    let at = match submitted_at {
        Ok(at) if at > now + jiff::SignedDuration::from_mins(5) => {
            errors.push(FieldError::new("submitted_at", "is in the future: record a submission once it is sent"));
            None
        }
        Ok(at) => Some(at),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    for (field, v) in [("channel", channel), ("receipt", receipt)] {
        if v.chars().count() > MAX_SHORT_TEXT_CHARS {
            errors.push(FieldError::new(field, format!("longer than {MAX_SHORT_TEXT_CHARS} characters")));
        }
    }
    if let Some(h) = &payload_sha256 {
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            errors.push(FieldError::new("payload_sha256", "must be 64 hexadecimal digits (a SHA-256 digest)"));
        }
    }
    match (errors.is_empty(), at) {
        (true, Some(submitted_at)) => Ok(Submission {
            regime: regime.to_owned(),
            stage: stage.to_owned(),
            instance: instance.map(str::to_owned),
            submitted_at,
            channel: Some(channel.trim().to_owned()).filter(|s| !s.is_empty()),
            payload_sha256: payload_sha256.map(|h| h.to_ascii_lowercase()),
            receipt: Some(receipt.trim().to_owned()).filter(|s| !s.is_empty()),
            content_fields: Vec::new(),
            also_satisfies: Vec::new(),
            voluntary: false,
        }),
        _ => Err(errors),
    }
}

/// A new closing decision, checked: a rationale is required.
pub fn new_decision(obligations: &[Obligation], regime: &str, stage: Option<&str>, instance: Option<&str>, rationale: &str, decided_by: &str, now: Timestamp) -> Result<Decision, Vec<FieldError>> {
    let mut errors = Vec::new();
    let exists = match stage {
        Some(s) => find_obligation(obligations, regime, s, instance).is_some(),
        None => obligations.iter().any(|o| o.regime == regime),
    };
    if !exists {
        errors.push(FieldError::new("stage", format!("{regime}/{} is not an obligation of this incident", stage.unwrap_or("*"))));
    }
    let n = rationale.trim().chars().count();
    if n < MIN_RATIONALE_CHARS {
        errors.push(FieldError::new("rationale", format!("say why the obligation is closed (at least {MIN_RATIONALE_CHARS} characters)")));
    } else if n > MAX_RATIONALE_CHARS {
        errors.push(FieldError::new("rationale", format!("longer than {MAX_RATIONALE_CHARS} characters")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Decision {
        regime: regime.to_owned(),
        stage: stage.map(str::to_owned),
        instance: instance.map(str::to_owned),
        decision: DecisionKind::Close,
        rationale: rationale.trim().to_owned(),
        decided_by: decided_by.to_owned(),
        decided_at: now,
    })
}

/// Appends `kind`/`body` to the incident's log after evaluating the log with it; the stored
/// obligations are replaced by that evaluation (rows never deleted).
#[allow(clippy::too_many_arguments)]
pub async fn record(store: &Store, rules: &RuleSet, loaded: &Loaded, org_name: Option<&str>, scope: &ReadScope, kind: ObligationEventKind, body: Value, by: Option<UserId>, by_email: &str, now: Timestamp) -> Result<i64, RecordError> {
    let event = ObligationEvent { seq: loaded.events.len() as i64 + 1, kind, body: body.clone(), recorded_at: now, recorded_by: by, recorded_by_email: Some(by_email.to_owned()) };
    let (_, ev) = evaluate_loaded(rules, loaded, org_name, Some(&event), now)?;
    let seq = store.append_obligation_event(loaded.record.id, scope, loaded.events.len() as i64, kind, &body, &to_store(&ev.obligations), by, now).await?;
    tracing::info!(incident.id = %loaded.record.id, event.seq = seq, event.kind = kind.as_str(), "reporting event recorded");
    Ok(seq)
}

/// What a bulk re-evaluation did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Reevaluation {
    /// Incidents with a reporting log that were evaluated.
    pub incidents: usize,
    /// Obligations stored.
    pub obligations: usize,
    /// Open obligations among them.
    pub open: usize,
    /// Obligation rows written: those whose result changed (status, due instant, rule version…).
    pub rows_written: usize,
    /// Incidents skipped because their log changed meanwhile (their next write re-evaluates).
    pub changed_meanwhile: usize,
    /// Incidents that could not be evaluated (no profile, or an unreadable log), with the reason.
    pub failed: Vec<(IncidentId, String)>,
}

/// Re-evaluates every incident `scope` may read (of `org` when given) that has a reporting
/// log, after a profile change or a rule update: the logs are read in one query, evaluated in
/// memory, and the results written in batched transactions.
pub async fn reevaluate(store: &Store, rules: &RuleSet, scope: &ReadScope, org: Option<OrgId>, now: Timestamp) -> Result<Reevaluation, StoreError> {
    let logs = store.reporting_logs(scope, org).await?;
    let mut profiles: std::collections::HashMap<OrgId, Option<ReportingProfile>> = std::collections::HashMap::new();
    for log in &logs {
        if !profiles.contains_key(&log.org_id) {
            profiles.insert(log.org_id, store.reporting_profile(log.org_id).await?);
        }
    }
    // Evaluation is pure and CPU-bound: split it over the machine's cores.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = logs.len().div_ceil(workers).max(1);
    let results: Vec<Vec<(IncidentId, i64, Result<(usize, usize, Vec<NewObligation>), String>)>> = std::thread::scope(|scope_| {
        let handles: Vec<_> = logs
            .chunks(chunk)
            .map(|part| {
                let profiles = &profiles;
                scope_.spawn(move || {
                    part.iter()
                        .map(|log| {
                            let Some(profile) = profiles.get(&log.org_id).and_then(Option::as_ref) else {
                                return (log.incident_id, 0, Err("the organisation has no reporting profile".to_owned()));
                            };
                            let evaluated = fact_document(rules, &profile.entity, &log.events, BTreeMap::new()).and_then(|doc| evaluate_doc(rules, &doc, now));
                            (
                                log.incident_id,
                                log.events.len() as i64,
                                evaluated
                                    .map(|ev| (ev.obligations.len(), ev.obligations.iter().filter(|o| o.status.is_open()).count(), to_store(&ev.obligations)))
                                    .map_err(|e| e.to_string()),
                            )
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut summary = Reevaluation::default();
    let mut items = Vec::with_capacity(logs.len());
    for (incident_id, expected_seq, r) in results.into_iter().flatten() {
        match r {
            Ok((n, open, obligations)) => {
                summary.incidents += 1;
                summary.obligations += n;
                summary.open += open;
                items.push(ward_store::Reevaluated { incident_id, expected_seq, obligations });
            }
            Err(e) => summary.failed.push((incident_id, e)),
        }
    }
    let stored = store.store_evaluations(&items, now).await?;
    summary.changed_meanwhile = stored.changed_meanwhile.len();
    summary.rows_written = stored.rows_written;
    Ok(summary)
}

/// Re-evaluates every incident of an organisation that has a reporting log (after its profile
/// changed). Failures are logged, not fatal: the next write re-evaluates again.
pub async fn reevaluate_org(store: &Store, rules: &RuleSet, org_id: OrgId, now: Timestamp) {
    match reevaluate(store, rules, &ReadScope::LOCAL_OPERATOR, Some(org_id), now).await {
        Ok(r) => {
            for (id, reason) in &r.failed {
                tracing::warn!(incident.id = %id, reason = %reason, "re-evaluation after a profile change failed");
            }
        }
        Err(e) => tracing::warn!(org.id = %org_id, error = %e, "re-evaluation after a profile change failed"),
    }
}

/// SHA-256 hex of a payload.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
