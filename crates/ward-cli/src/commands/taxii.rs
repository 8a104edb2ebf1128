//! `ward taxii …` (collections) and `ward stix import` / `ward misp import` (files into a
//! collection), run on the database host as the local operator.
//!
//! Imports stream: a blocking reader thread parses the file object by object
//! (`ward_stix::stream_document`, `ward_import::misp::stream_misp`; gzip is decompressed on the
//! way), validates each object and sends batches of at most [`IMPORT_BATCH`] objects or
//! [`IMPORT_BATCH_BYTES`] through a bounded channel ([`IMPORT_QUEUE`] batches) to the writer,
//! which stores each batch in one transaction. Memory is bounded by a few batches whatever the
//! file size. An invalid object is reported (`objects[i].property: reason`) and skipped, never
//! written, and makes the exit status 1; an error that makes the rest of the file unreadable
//! (broken JSON, an object over ward-stix's per-object limit, a wrong bundle header) stops
//! the file after storing the valid objects read before it, and the message says how many were
//! stored. Every object counted as added is in a committed transaction (re-importing is
//! idempotent: an (id, version) already held is not stored twice).

use anyhow::{bail, Context};
use ward_core::ReadScope;
use ward_store::{NewCollection, Store};

use super::{print_json, DbArgs};

/// Most objects written per transaction during an import.
pub const IMPORT_BATCH: usize = 1000;
/// Most bytes of object text in one batch (a batch of large objects is cut earlier).
pub const IMPORT_BATCH_BYTES: usize = 2 * 1024 * 1024;
/// Batches waiting between the reader thread and the writer.
pub const IMPORT_QUEUE: usize = 2;

#[derive(clap::Subcommand, Debug)]
pub enum TaxiiCommand {
    /// Create a TAXII collection owned by an organisation; prints its id (and URL with --json).
    ///
    /// Example: ward taxii create-collection --title "Health ISAC indicators" --org "Health ISAC" --read "Hospital A" --write "Hospital A"
    CreateCollection {
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// Owning organisation (name or id): reads and writes, and is TLP's "organisation".
        #[arg(long)]
        org: String,
        /// API root the collection lives under (`/taxii2/NAME/`).
        #[arg(long, default_value = "ward")]
        api_root: String,
        /// Organisations (names or ids) that may read.
        #[arg(long, num_args = 1..)]
        read: Vec<String>,
        /// Organisations (names or ids) that may write.
        #[arg(long, num_args = 1..)]
        write: Vec<String>,
        /// The server's public base URL, for the printed collection URL.
        #[arg(long, env = "WARD_BASE_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List every TAXII collection.
    ListCollections {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum StixCommand {
    /// Import STIX 2.1 bundles into a TAXII collection, on behalf of its owning organisation.
    /// Every object is validated; rejected ones are reported with their path and reason.
    /// STIX 2.0 bundles (e.g. MITRE ATT&CK's 2.0 release) are upgraded to 2.1 first (see
    /// ward-stix's `upgrade` for the rules); gzip files are decompressed.
    ///
    /// Example: ward stix import --collection 9c1e… indicators.json more.json
    Import {
        /// Collection id (see `ward taxii list-collections`).
        #[arg(long)]
        collection: String,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}


fn check_api_root(name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') || name == "status" {
        bail!("--api-root: {name:?} must be 1-64 ASCII letters, digits, `-` or `_`");
    }
    Ok(())
}

pub async fn run(cmd: TaxiiCommand) -> anyhow::Result<u8> {
    match cmd {
        TaxiiCommand::CreateCollection { title, description, org, api_root, read, write, base_url, json, db } => {
            check_api_root(&api_root)?;
            if title.trim().is_empty() || title.len() > 200 {
                bail!("--title: must be 1-200 characters");
            }
            let store = db.open().await?;
            let owner_org_id = super::resolve_org(&store, &org).await?;
            let mut read_orgs = Vec::new();
            for r in &read {
                read_orgs.push(super::resolve_org(&store, r).await?);
            }
            let mut write_orgs = Vec::new();
            for w in &write {
                write_orgs.push(super::resolve_org(&store, w).await?);
            }
            let c = store.create_collection(&NewCollection { api_root: api_root.clone(), title, description, owner_org_id, read_orgs, write_orgs }, jiff::Timestamp::now()).await?;
            if json {
                let url = format!("{}/taxii2/{}/collections/{}/", base_url.trim_end_matches('/'), c.api_root, c.id);
                print_json(&serde_json::json!({"id": c.id, "url": url, "api_root": c.api_root, "title": c.title}))?;
            } else {
                println!("{}", c.id);
            }
            Ok(0)
        }
        TaxiiCommand::ListCollections { json, db } => {
            let store = db.open().await?;
            let list = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?;
            if json {
                let items: Vec<_> = list.iter().map(|(c, _)| c).collect();
                print_json(&items)?;
            } else {
                for (c, _) in &list {
                    println!("{}\t{}\t{}\treaders={} writers={}", c.id, c.api_root, c.title, c.read_orgs.len(), c.write_orgs.len());
                }
            }
            Ok(0)
        }
    }
}

/// Opens an import file for streaming (gzip is decompressed); `bar` counts the file's bytes.
fn open_import_file(path: &std::path::Path, bar: &indicatif::ProgressBar) -> anyhow::Result<Box<dyn std::io::Read + Send>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut head = [0u8; 2];
    let gz = file.read(&mut head).map(|n| n == 2 && head == [0x1f, 0x8b]).unwrap_or(false);
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let file = bar.wrap_read(file);
    Ok(if gz { Box::new(flate2::read::MultiGzDecoder::new(file)) } else { Box::new(file) })
}

/// The local collection `id`, for the local operator.
async fn local_collection(store: &Store, id: &str) -> anyhow::Result<ward_store::Collection> {
    let all = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?;
    match all.into_iter().find(|(c, _)| c.id == id) {
        Some((c, _)) => Ok(c),
        None => bail!("--collection: no collection {id} (see ward taxii list-collections)"),
    }
}

/// Collects valid objects into batches for the writer; reports and counts invalid ones.
struct Batcher {
    tx: tokio::sync::mpsc::Sender<Vec<ward_store::NewStixObject>>,
    batch: Vec<ward_store::NewStixObject>,
    bytes: usize,
    rejected: usize,
    label: String,
}

impl Batcher {
    /// False when the writer has stopped (then the reader stops too).
    fn push(&mut self, object: Result<ward_stix::StixObject, ward_stix::StixErrors>) -> bool {
        match object {
            Ok(o) => {
                let o = ward_web::taxii::new_stix_object(&o);
                self.bytes += o.body.len();
                self.batch.push(o);
                if self.batch.len() >= IMPORT_BATCH || self.bytes >= IMPORT_BATCH_BYTES {
                    return self.flush();
                }
                true
            }
            Err(e) => {
                self.rejected += 1;
                eprintln!("{}: {e}", self.label);
                true
            }
        }
    }
    fn flush(&mut self) -> bool {
        self.bytes = 0;
        self.batch.is_empty() || self.tx.blocking_send(std::mem::take(&mut self.batch)).is_ok()
    }
}

/// What the reader thread of one file found.
struct ReadOutcome {
    rejected: usize,
    upgraded: Option<ward_stix::upgrade::UpgradeReport>,
    misp: Option<ward_import::misp::MispReport>,
}

#[derive(Clone, Copy)]
enum ImportKind {
    Stix,
    Misp,
}

/// Streams one file into collection `c` (see the module documentation); returns the objects
/// added and what the reader found.
async fn import_file(store: &Store, c: &ward_store::Collection, path: &std::path::Path, kind: ImportKind) -> anyhow::Result<(usize, ReadOutcome)> {
    let label = path.display().to_string();
    let len = std::fs::metadata(path).with_context(|| format!("reading {label}"))?.len();
    let bar = super::progress_bytes(len, "importing");
    let reader = open_import_file(path, &bar)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(IMPORT_QUEUE);
    let mut batcher = Batcher { tx, batch: Vec::new(), bytes: 0, rejected: 0, label: label.clone() };
    let reading = tokio::task::spawn_blocking(move || -> Result<ReadOutcome, String> {
        let mut reader = reader;
        let mut outcome = ReadOutcome { rejected: 0, upgraded: None, misp: None };
        let result = match kind {
            ImportKind::Stix => ward_stix::stream_document(&mut reader, false, &mut |_, o| batcher.push(o)).map(|s| outcome.upgraded = s.upgraded).map_err(|e| e.to_string()),
            ImportKind::Misp => {
                let mut index = 0usize;
                ward_import::misp::stream_misp(&mut reader, &batcher.label.clone(), &mut |objects| {
                    objects.into_iter().all(|v| {
                        let parsed = ward_stix::StixObject::parse(&v.to_string()).map_err(|e| ward_stix::StixErrors(e.0.into_iter().map(|x| x.under(&format!("objects[{index}]"))).collect()));
                        index += 1;
                        batcher.push(parsed)
                    })
                })
                .map(|r| outcome.misp = Some(r))
                .map_err(|e| e.to_string())
            }
        };
        // Valid objects read before an error are stored too (each is valid on its own).
        batcher.flush();
        outcome.rejected = batcher.rejected;
        result.map(|()| outcome)
    });
    let mut added = 0usize;
    let mut write_error = None;
    while let Some(batch) = rx.recv().await {
        match store.add_stix_objects(&c.id, c.owner_org_id, None, &batch, jiff::Timestamp::now()).await {
            Ok(a) => added += a.len(),
            Err(e) => {
                write_error = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let read = reading.await.context("the reader thread failed")?;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        bail!("{label}: storing failed after {added} objects had been stored: {e}");
    }
    match read {
        Ok(outcome) => Ok((added, outcome)),
        Err(e) => bail!("{label}: {e} (the file was read up to there; {added} valid objects before it were stored)"),
    }
}

pub async fn run_stix(cmd: StixCommand) -> anyhow::Result<u8> {
    let StixCommand::Import { collection, files, json, db } = cmd;
    let store = db.open().await?;
    let c = local_collection(&store, &collection).await?;
    let (mut added, mut rejected, mut upgraded) = (0usize, 0usize, 0usize);
    for path in &files {
        let (a, outcome) = import_file(&store, &c, path, ImportKind::Stix).await?;
        // A STIX 2.0 bundle (e.g. MITRE ATT&CK's 2.0 release) is upgraded to 2.1 on the way.
        if let Some(report) = &outcome.upgraded {
            let changes: Vec<String> = report.changes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            eprintln!("{}: STIX 2.0 bundle upgraded to 2.1 ({} objects; {})", path.display(), report.n_objects, changes.join(", "));
            upgraded += report.n_objects;
        }
        added += a;
        rejected += outcome.rejected;
    }
    if json {
        print_json(&serde_json::json!({"collection": c.id, "added": added, "rejected": rejected, "upgraded_from_2_0": upgraded}))?;
    } else {
        eprintln!("{added} objects added to {} ({}), {rejected} rejected", c.title, c.id);
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}

#[derive(clap::Subcommand, Debug)]
pub enum MispCommand {
    /// Convert MISP event JSON (events, event lists, attribute collections) to STIX 2.1 and
    /// import it into a TAXII collection: `to_ids` attributes become indicators, others
    /// observed-data; TLP tags become TLP 2.0 markings; each event becomes a grouping.
    ///
    /// Example: ward misp import --collection 9c1e… circl-event.json
    Import {
        #[arg(long)]
        collection: String,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run_misp(cmd: MispCommand) -> anyhow::Result<u8> {
    let MispCommand::Import { collection, files, json, db } = cmd;
    let store = db.open().await?;
    let c = local_collection(&store, &collection).await?;
    let (mut added, mut rejected) = (0usize, 0usize);
    let mut reports = Vec::new();
    for path in &files {
        let label = path.display().to_string();
        let (a, outcome) = import_file(&store, &c, path, ImportKind::Misp).await?;
        added += a;
        rejected += outcome.rejected;
        let report = outcome.misp.unwrap_or_default();
        for p in &report.problems {
            eprintln!("{label}: {p}");
        }
        if report.n_problems > report.problems.len() {
            eprintln!("{label}: … and {} more attribute problems", report.n_problems - report.problems.len());
        }
        if !report.not_converted.is_empty() {
            let types: Vec<String> = report.not_converted.iter().map(|(k, v)| format!("{k} {v}")).collect();
            eprintln!("{label}: attributes with no STIX observable here, not converted: {}", types.join(", "));
        }
        eprintln!("{label}: {} events, {} attributes → {} indicators, {} observed-data", report.n_events, report.n_attributes, report.n_indicators, report.n_observed);
        reports.push(serde_json::json!({"file": label, "report": report}));
    }
    if json {
        print_json(&serde_json::json!({"collection": c.id, "added": added, "rejected": rejected, "files": reports}))?;
    } else {
        eprintln!("{added} objects added to {} ({}), {rejected} rejected", c.title, c.id);
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}
