//! `ward taxii …` (collections) and `ward stix import` (bundles into a collection), run on the
//! database host as the local operator.

use anyhow::{bail, Context};
use ward_core::ReadScope;
use ward_store::{NewCollection, Store};

use super::{print_json, DbArgs};

/// Files larger than this are refused (the bundle is parsed whole; see ward-stix's limits).
pub const MAX_IMPORT_FILE_BYTES: u64 = ward_stix::limits::MAX_BUNDLE_BYTES as u64;
/// Objects written per transaction during an import.
pub const IMPORT_BATCH: usize = 2000;

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

/// Reads an import file whole (gzip is decompressed), refusing anything over the bundle limit.
fn read_import_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut head = [0u8; 2];
    let gz = std::io::Read::read(&mut &file, &mut head).map(|n| n == 2 && head == [0x1f, 0x8b]).unwrap_or(false);
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let reader: Box<dyn Read> = if gz { Box::new(flate2::read::MultiGzDecoder::new(file)) } else { Box::new(file) };
    let mut bytes = Vec::new();
    reader.take(MAX_IMPORT_FILE_BYTES + 1).read_to_end(&mut bytes).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > MAX_IMPORT_FILE_BYTES {
        bail!("{}: more than {MAX_IMPORT_FILE_BYTES} bytes{}; the limit for one document is {MAX_IMPORT_FILE_BYTES}", path.display(), if gz { " once decompressed" } else { "" });
    }
    String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("{}: not UTF-8 text (byte {})", path.display(), e.utf8_error().valid_up_to()))
}

/// The local collection `id`, for the local operator.
async fn local_collection(store: &Store, id: &str) -> anyhow::Result<ward_store::Collection> {
    let all = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?;
    match all.into_iter().find(|(c, _)| c.id == id) {
        Some((c, _)) => Ok(c),
        None => bail!("--collection: no collection {id} (see ward taxii list-collections)"),
    }
}

/// Validates every object of a bundle text and stores the valid ones in `c`; returns
/// (added, rejected), reporting each rejected object with its path on stderr.
async fn store_bundle(store: &Store, c: &ward_store::Collection, label: &str, text: &str) -> anyhow::Result<(usize, usize)> {
    let parsed = ward_stix::parse_bundle(text).map_err(|e| anyhow::anyhow!("{label}: {e}"))?;
    let mut good = Vec::new();
    let mut rejected = 0;
    for r in &parsed.objects {
        match r {
            Ok(o) => good.push(ward_web::taxii::new_stix_object(o)),
            Err(e) => {
                rejected += 1;
                eprintln!("{label}: {e}");
            }
        }
    }
    let bar = super::progress(good.len() as u64, "importing");
    let mut added = 0;
    for chunk in good.chunks(IMPORT_BATCH) {
        added += store.add_stix_objects(&c.id, c.owner_org_id, None, chunk, jiff::Timestamp::now()).await?.len();
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok((added, rejected))
}

pub async fn run_stix(cmd: StixCommand) -> anyhow::Result<u8> {
    let StixCommand::Import { collection, files, json, db } = cmd;
    let store = db.open().await?;
    let c = local_collection(&store, &collection).await?;
    let (mut added, mut rejected, mut upgraded) = (0usize, 0usize, 0usize);
    for path in &files {
        let mut text = read_import_file(path)?;
        let label = path.display().to_string();
        // A STIX 2.0 bundle (e.g. MITRE ATT&CK's 2.0 release) is upgraded to 2.1 first.
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
            if ward_stix::upgrade::is_stix20_bundle(&doc) {
                let (doc, report) = ward_stix::upgrade::upgrade_bundle(doc);
                let changes: Vec<String> = report.changes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                eprintln!("{label}: STIX 2.0 bundle upgraded to 2.1 ({} objects; {})", report.n_objects, changes.join(", "));
                upgraded += report.n_objects;
                text = doc.to_string();
            }
        }
        let (a, r) = store_bundle(&store, &c, &label, &text).await?;
        added += a;
        rejected += r;
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
        let text = read_import_file(path)?;
        let label = path.display().to_string();
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{label}: not JSON: {e}"))?;
        let (objects, report) = ward_import::misp::misp_to_stix(&doc).map_err(|e| anyhow::anyhow!("{label}: {e}"))?;
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
        let bundle_id = uuid::Uuid::new_v4();
        let text = serde_json::json!({"type": "bundle", "id": format!("bundle--{bundle_id}"), "objects": objects}).to_string();
        let (a, r) = store_bundle(&store, &c, &label, &text).await?;
        added += a;
        rejected += r;
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
