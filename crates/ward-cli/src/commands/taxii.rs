//! `ward taxii …` (collections) and `ward stix import` (bundles into a collection), run on the
//! database host as the local operator.

use anyhow::{bail, Context};
use ward_core::{OrgId, ReadScope};
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

async fn resolve_org(store: &Store, raw: &str) -> anyhow::Result<OrgId> {
    if let Ok(id) = raw.parse::<OrgId>() {
        return Ok(store.get_org(id).await.with_context(|| format!("no organisation with id {raw}"))?.id);
    }
    Ok(store.org_by_name(raw).await.with_context(|| format!("no organisation named {raw:?} (see ward admin list-orgs)"))?.id)
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
            let owner_org_id = resolve_org(&store, &org).await?;
            let mut read_orgs = Vec::new();
            for r in &read {
                read_orgs.push(resolve_org(&store, r).await?);
            }
            let mut write_orgs = Vec::new();
            for w in &write {
                write_orgs.push(resolve_org(&store, w).await?);
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

pub async fn run_stix(cmd: StixCommand) -> anyhow::Result<u8> {
    let StixCommand::Import { collection, files, json, db } = cmd;
    let store = db.open().await?;
    let all = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?;
    let Some((c, _)) = all.into_iter().find(|(c, _)| c.id == collection) else {
        bail!("--collection: no collection {collection} (see ward taxii list-collections)");
    };
    let (mut added, mut rejected) = (0usize, 0usize);
    for path in &files {
        let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
        if size > MAX_IMPORT_FILE_BYTES {
            bail!("{}: {size} bytes; the limit for one bundle is {MAX_IMPORT_FILE_BYTES}", path.display());
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed = ward_stix::parse_bundle(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let mut good = Vec::new();
        for r in &parsed.objects {
            match r {
                Ok(o) => good.push(ward_web::taxii::new_stix_object(o)),
                Err(e) => {
                    rejected += 1;
                    eprintln!("{}: {e}", path.display());
                }
            }
        }
        let bar = super::progress(good.len() as u64, "importing");
        for chunk in good.chunks(IMPORT_BATCH) {
            added += store.add_stix_objects(&c.id, c.owner_org_id, None, chunk, jiff::Timestamp::now()).await?.len();
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
    }
    if json {
        print_json(&serde_json::json!({"collection": c.id, "added": added, "rejected": rejected}))?;
    } else {
        eprintln!("{added} objects added to {} ({}), {rejected} rejected", c.title, c.id);
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}
