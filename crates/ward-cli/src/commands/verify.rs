//! `ward verify`: recomputes the hash chain from the stored rows, checks every checkpoint
//! signature (and that the instance key signed them), and names the first entry that does not
//! verify. Exit 0 when everything verifies, 1 otherwise.

use super::keys::KeyArgs;
use super::{print_json, DbArgs};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ward verify\n  ward verify --checkpoint --json\n  ward verify --database-url postgres://ward@127.0.0.1/ward --key-dir /etc/ward")]
pub struct VerifyArgs {
    /// Sign a checkpoint of the head after a successful verification.
    #[arg(long)]
    pub checkpoint: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    let store = args.db.open().await?;
    let dir = args.key.dir(&args.db.database_url);
    let trusted = super::keys::public_key(&dir)?;
    let report = store.verify_chain(trusted.as_ref()).await?;
    if report.ok && args.checkpoint {
        let key = super::keys::load_or_create(&dir)?;
        super::keys::checkpoint(&store, &key, "ward verify --checkpoint").await?;
    }
    if args.json {
        print_json(&report)?;
    } else if let Some(f) = &report.failure {
        let what = match (&f.kind, &f.subject, f.version) {
            (Some(k), Some(s), Some(v)) => format!(" ({k} {s} version {v})"),
            (Some(k), Some(s), None) => format!(" ({k} {s})"),
            _ => String::new(),
        };
        println!("FAILED at entry {}{what}: {}", f.seq, f.reason);
    } else {
        println!(
            "OK: {} entries verify, head {}; {} signed checkpoints valid{}",
            report.entries,
            report.head_hash,
            report.checkpoints,
            if trusted.is_some() { format!(", {} by this instance's key", report.checkpoints_by_trusted_key) } else { " (no instance key found to check the signer)".into() }
        );
    }
    Ok(if report.ok { 0 } else { 1 })
}
