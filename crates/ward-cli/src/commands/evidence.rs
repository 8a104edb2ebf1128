//! `ward evidence export|verify`: a self-contained, signed package of an incident's history
//! (every version, its reporting log and attributions, the chain entries that commit to them,
//! a signed checkpoint, the instance's public key) that anyone can verify offline. The format
//! is in `docs/EVIDENCE.md`.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use ward_core::{IncidentId, ReadScope};

use super::keys::KeyArgs;
use super::{print_json, DbArgs};

#[derive(clap::Subcommand, Debug)]
#[command(after_help = "Examples:\n  ward evidence export 0192c1a0-… --out hse-2021.evidence.json\n  ward evidence verify hse-2021.evidence.json   # offline: no database needed")]
pub enum EvidenceCommand {
    /// Write an incident's evidence package (signs a fresh checkpoint first).
    Export {
        incident: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Verify a package offline. Exit 0 when it verifies, 1 otherwise.
    Verify {
        file: PathBuf,
        /// Also require this public key (64 hex digits, e.g. from ward-instance.ed25519.pub).
        #[arg(long)]
        public_key: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: EvidenceCommand) -> anyhow::Result<u8> {
    match cmd {
        EvidenceCommand::Export { incident, out, key, db } => {
            let id: IncidentId = incident.parse().map_err(|e| anyhow!("incident: {e}"))?;
            let store = db.open().await?;
            let signing = super::keys::load_or_create(&key.dir(&db.database_url))?;
            let bytes = store.export_evidence(id, &ReadScope::LOCAL_OPERATOR, &signing, jiff::Timestamp::now()).await?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
            Ok(0)
        }
        EvidenceCommand::Verify { file, public_key, json } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let result = ward_store::evidence::verify_package(&bytes).and_then(|r| match &public_key {
                Some(k) if !k.trim().eq_ignore_ascii_case(&r.public_key) => Err(format!("signed by {} , not by the expected key {}", r.public_key, k.trim())),
                _ => Ok(r),
            });
            match (&result, json) {
                (Ok(r), true) => print_json(&serde_json::json!({"ok": true, "report": r}))?,
                (Err(e), true) => print_json(&serde_json::json!({"ok": false, "error": e}))?,
                (Ok(r), false) => println!(
                    "OK: incident {}: {} records ({} versions) match {} chain entries up to entry {}, signed {} by key {}",
                    r.incident_id, r.records, r.incident_versions, r.chain_entries, r.checkpoint_seq, r.checkpoint_signed_at, r.public_key
                ),
                (Err(e), false) => println!("FAILED: {e}"),
            }
            Ok(if result.is_ok() { 0 } else { 1 })
        }
    }
}
