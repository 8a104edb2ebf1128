//! Importing public datasets into the store: streaming (a blocking reader thread feeds the
//! async writer through a bounded channel), idempotent (batched upserts by external id), then
//! linking records of the same incident across sources (the rule in docs/HARM.md). Used by
//! `ward import` and by `POST /api/v1/imports/{kind}`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use ward_core::{IncidentDraft, IncidentId, OrgId, OrgType, ReadScope};
use ward_import::{Kind, Options, Record};
use ward_store::{ImportItem, Store, StoreError, Upsert, MAX_IMPORT_BATCH};

/// Organisation that owns imported public records unless the caller names another.
pub const PUBLIC_DATA_ORG: &str = "Public datasets";
/// Records of the same organisation (normalised name, same country, same region when both are
/// known) whose reference dates lie this close are linked as one incident.
pub const LINK_WINDOW_DAYS: i64 = 365;
/// Records queued between the reader thread and the writer.
const CHANNEL_BOUND: usize = 2 * MAX_IMPORT_BATCH;

/// Why an import stopped (per-record problems are rejections, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ImportRunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    File(String),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub kind: String,
    pub files: u64,
    pub read: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records whose external id an earlier file of the same run already carried (the same
    /// HHS breach in the archive and in an "under investigation" list): the first one read
    /// wins, so a re-run changes nothing. Give the newest export first.
    pub duplicates: u64,
    /// Records merged into an incident another source already reported, plus harm facts
    /// attached to the incident they name.
    pub linked: u64,
    /// CIPHER rows that name no incident in the store (kept out, not rejected).
    pub unlinked_harms: u64,
    pub filtered_out: u64,
    pub rejected: u64,
    /// Every rejection: file, line, reason.
    pub rejections: Vec<String>,
    pub seconds: f64,
    pub records_per_second: f64,
}

enum Msg {
    Record(Record),
    Done(Result<ward_import::ImportSummary, String>),
}

/// The organisation named `name` (default [`PUBLIC_DATA_ORG`]), created if missing.
pub async fn owner(store: &Store, name: Option<&str>) -> Result<OrgId, ImportRunError> {
    let name = name.unwrap_or(PUBLIC_DATA_ORG);
    match store.org_by_name(name).await {
        Ok(o) => Ok(o.id),
        Err(StoreError::NotFound) => {
            let label = name.parse().map_err(|e: String| ImportRunError::Invalid(format!("organisation: {e}")))?;
            Ok(store.create_org(&label, OrgType::ResearchInstitute, None, None, jiff::Timestamp::now()).await?.id)
        }
        Err(e) => Err(e.into()),
    }
}

/// Imports `paths` of `kind` for `org`; `progress` is called once per record read.
pub async fn import(store: &Store, org: OrgId, kind: Kind, paths: &[PathBuf], naics: &[String], link: bool, progress: &(dyn Fn(u64) + Sync)) -> Result<Summary, ImportRunError> {
    let started = Instant::now();
    let mut summary = Summary { kind: kind.as_str().to_owned(), ..Default::default() };
    let options = Options { naics_prefixes: if kind == Kind::Vcdb { naics.to_vec() } else { Vec::new() }, retrieved_on: Some(jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()) };
    let mut touched: Vec<IncidentId> = Vec::new();
    let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for path in paths {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(CHANNEL_BOUND);
        let path_c = path.clone();
        let options_c = options.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let tx2 = tx.clone();
            let result = ward_import::read_path(kind, &path_c, &options_c, &mut |r| {
                let _ = tx2.blocking_send(Msg::Record(r));
            });
            let _ = tx.blocking_send(Msg::Done(result.map_err(|e| e.to_string())));
        });
        let mut batch: Vec<ImportItem> = Vec::with_capacity(MAX_IMPORT_BATCH);
        let mut file_result = None;
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Record(Record::Incident(inc)) => {
                    let mut draft: IncidentDraft = inc.draft;
                    // STIX gives the year of first activity; VCDB sets incident_year itself, and an
                    // HHS year is the submission year, not when the breach began.
                    if kind == Kind::Stix && draft.timeline.incident_on.is_none() && draft.timeline.incident_year.is_none() {
                        draft.timeline.incident_year = inc.year.and_then(|y| i16::try_from(y).ok()).filter(|y| (1970..=2100).contains(y));
                    }
                    let key = (inc.external_id.scheme.to_string(), inc.external_id.value.to_string());
                    if !seen.insert(key.clone()) {
                        summary.duplicates += 1;
                        progress(1);
                        continue;
                    }
                    batch.push(ImportItem { scheme: key.0, value: key.1, draft });
                    if batch.len() == MAX_IMPORT_BATCH {
                        flush(store, org, &mut batch, &mut summary, &mut touched).await?;
                    }
                }
                Msg::Record(Record::Harm(h)) => {
                    attach_harm(store, &h, &mut summary).await?;
                }
                Msg::Record(Record::Rejected(r)) => {
                    summary.rejected += 1;
                    summary.rejections.push(r.to_string());
                }
                Msg::Done(r) => file_result = Some(r),
            }
            progress(1);
        }
        flush(store, org, &mut batch, &mut summary, &mut touched).await?;
        reader.await.map_err(|e| ImportRunError::File(format!("the reader thread failed: {e}")))?;
        let file_summary = file_result.unwrap_or_else(|| Err("the reader stopped early".into())).map_err(|e| ImportRunError::File(format!("{}: {e}", path.display())))?;
        summary.files += file_summary.files;
        summary.read += file_summary.records_read;
        summary.filtered_out += file_summary.filtered_out;
    }
    if link {
        summary.linked += link_sources(store, &touched).await?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    summary.records_per_second = if summary.seconds > 0.0 { summary.read as f64 / summary.seconds } else { 0.0 };
    Ok(summary)
}

async fn flush(store: &Store, org: OrgId, batch: &mut Vec<ImportItem>, summary: &mut Summary, touched: &mut Vec<IncidentId>) -> Result<(), ImportRunError> {
    if batch.is_empty() {
        return Ok(());
    }
    for r in store.import_batch(org, batch, jiff::Timestamp::now()).await? {
        match r {
            Upsert::Created(id) => {
                summary.created += 1;
                touched.push(id);
            }
            Upsert::Updated(id) => {
                summary.updated += 1;
                touched.push(id);
            }
            Upsert::Unchanged(_) => summary.unchanged += 1,
        }
    }
    batch.clear();
    Ok(())
}

/// Attaches a CIPHER harm event to the curated incident it names, once.
async fn attach_harm(store: &Store, h: &ward_import::CipherHarm, summary: &mut Summary) -> Result<(), ImportRunError> {
    let Some(slug) = &h.incident_hint else {
        summary.unlinked_harms += 1;
        return Ok(());
    };
    let Some(id) = store.find_by_external_id("curated", slug).await? else {
        summary.unlinked_harms += 1;
        return Ok(());
    };
    let current = store.get_incident(id, &ReadScope::LOCAL_OPERATOR).await?;
    let mut draft = current.draft.clone();
    for s in &h.sources {
        if !draft.sources.iter().any(|x| x.url == s.url) {
            draft.sources.push(s.clone());
        }
    }
    if draft.harm.clinical_harm_events.contains(&h.fact) {
        summary.unchanged += 1;
        return Ok(());
    }
    draft.harm.clinical_harm_events.push(h.fact.clone());
    draft.validate().map_err(|e| ImportRunError::Invalid(format!("{}: {e}", h.origin)))?;
    store.update_incident(id, &ReadScope::LOCAL_OPERATOR, current.version, &draft, None, jiff::Timestamp::now()).await?;
    summary.linked += 1;
    Ok(())
}

fn reference_day(d: &IncidentDraft) -> Option<jiff::civil::Date> {
    d.reference_date().or_else(|| d.timeline.incident_year.and_then(|y| jiff::civil::Date::new(y, 7, 1).ok()))
}

/// The linking rule (docs/HARM.md): same normalised organisation name, same country, same
/// region when both records give one, reference dates within [`LINK_WINDOW_DAYS`]. The newer
/// record is merged into the older (reversible; recorded in history).
async fn link_sources(store: &Store, touched: &[IncidentId]) -> Result<u64, ImportRunError> {
    // Everything the rule can pair is read in a few queries; the rule then runs in memory, in
    // the order records were imported, and the links are written in one transaction.
    let records = store.link_neighbourhood(touched).await?;
    let mut by_key: HashMap<(String, &str), Vec<&ward_store::IncidentRecord>> = HashMap::new();
    for rec in &records {
        if let Some(name) = &rec.draft.victim.name {
            let norm = ward_core::org::normalise_name(name.as_str());
            if !norm.is_empty() {
                by_key.entry((norm, rec.draft.victim.country.as_str())).or_default().push(rec);
            }
        }
    }
    let index: HashMap<IncidentId, &ward_store::IncidentRecord> = records.iter().map(|r| (r.id, r)).collect();
    let mut merged: HashSet<IncidentId> = HashSet::new();
    let mut targets: HashSet<IncidentId> = HashSet::new();
    let mut links: Vec<(IncidentId, IncidentId)> = Vec::new();
    for id in touched {
        if merged.contains(id) {
            continue;
        }
        // Absent from the neighbourhood: merged before this run, or no other record shares
        // its name and country.
        let Some(rec) = index.get(id) else { continue };
        let Some(name) = &rec.draft.victim.name else { continue };
        let norm = ward_core::org::normalise_name(name.as_str());
        if norm.is_empty() {
            continue;
        }
        let Some(day) = reference_day(&rec.draft) else { continue };
        let candidates = by_key.get(&(norm, rec.draft.victim.country.as_str())).map(Vec::as_slice).unwrap_or_default();
        let best = candidates
            .iter()
            .filter(|c| c.id != rec.id && !merged.contains(&c.id))
            .filter(|c| match (&c.draft.victim.region, &rec.draft.victim.region) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .filter(|c| !c.draft.external_ids.iter().any(|e| rec.draft.external_ids.iter().any(|f| f.scheme == e.scheme)))
            .filter_map(|c| {
                let d = reference_day(&c.draft)?;
                let gap = (d - day).get_days().abs();
                (i64::from(gap) <= LINK_WINDOW_DAYS).then_some((gap, c))
            })
            .min_by_key(|(gap, c)| (*gap, c.id));
        if let Some((_, other)) = best {
            let (older, newer) = if other.id < rec.id { (other.id, rec.id) } else { (rec.id, other.id) };
            // Never chain: a record another was linked into this run stays canonical.
            if targets.contains(&newer) {
                continue;
            }
            merged.insert(newer);
            targets.insert(older);
            links.push((newer, older));
        }
    }
    store.merge_many(&links, None, jiff::Timestamp::now()).await?;
    Ok(links.len() as u64)
}
