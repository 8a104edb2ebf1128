//! `ward import <kind> PATH…`: streams public datasets into the store, idempotently, then links
//! records of the same incident from different sources. Prints a summary (read, created,
//! updated, unchanged, linked, rejected) and every rejection with file, line and reason.

use std::path::PathBuf;

use anyhow::anyhow;
use ward_import::Kind;
use ward_web::import::{import, owner};

use super::{print_json, DbArgs};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ward import vcdb ../shared/data/vcdb/vcdb_healthcare.jsonl\n  ward import hhs ../shared/data/hhs/*.csv\n  ward import cipher ../shared/data/cipher/cipher_v1_patient_harms.csv\n  ward import stix bundle.json --json")]
pub struct ImportArgs {
    /// vcdb, hhs, cipher or stix.
    pub kind: String,
    /// Files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Owning organisation (created if missing). Default: "Public datasets".
    #[arg(long)]
    pub org: Option<String>,
    /// VCDB: keep only records whose NAICS code starts with this (repeatable). Default 62 (health care).
    #[arg(long = "naics", default_values_t = vec!["62".to_owned()])]
    pub naics: Vec<String>,
    /// Do not link records of the same incident across sources.
    #[arg(long)]
    pub no_link: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub key: super::keys::KeyArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<u8> {
    let kind: Kind = args.kind.parse().map_err(|e| anyhow!("{e}"))?;
    let store = args.db.open().await?;
    let org = owner(&store, args.org.as_deref()).await?;
    let bar = super::progress(0, "importing");
    let summary = import(&store, org, kind, &args.paths, &args.naics, !args.no_link, &|n| bar.inc(n)).await?;
    bar.finish_and_clear();
    let key = super::keys::load_or_create(&args.key.dir(&args.db.database_url))?;
    super::keys::checkpoint(&store, &key, "import").await?;
    if args.json {
        print_json(&summary)?;
    } else {
        for r in &summary.rejections {
            eprintln!("rejected: {r}");
        }
        println!(
            "{}: {} files, {} records read in {:.2} s ({:.0}/s): {} created, {} updated, {} unchanged, {} duplicates of earlier files, {} linked, {} rejected{}{}",
            summary.kind, summary.files, summary.read, summary.seconds, summary.records_per_second, summary.created, summary.updated,
            summary.unchanged, summary.duplicates, summary.linked, summary.rejected,
            if summary.filtered_out > 0 { format!(", {} outside the NAICS filter", summary.filtered_out) } else { String::new() },
            if summary.unlinked_harms > 0 { format!(", {} harm rows naming no stored incident", summary.unlinked_harms) } else { String::new() },
        );
    }
    Ok(0)
}

