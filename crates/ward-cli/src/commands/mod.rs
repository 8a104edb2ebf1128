//! The subcommands. Each returns the process exit code or an error (exit 1).

pub mod actors;
pub mod admin;
pub mod culture;
pub mod exercise;
pub mod demo;
pub mod evidence;
pub mod harm;
pub mod import;
pub mod keys;
pub mod match_cmd;
pub mod match_store;
pub mod stats;
pub mod incident;
pub mod obligations;
pub mod risk;
pub mod serve;
pub mod sharing;
pub mod verify;
pub mod sync;
pub mod taxii;

use anyhow::Context;
use ward_store::Store;

/// Where the database is: `--database-url` or `WARD_DATABASE_URL`, else `sqlite:ward.db`.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "WARD_DATABASE_URL", default_value = ward_store::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

impl DbArgs {
    /// Connects and migrates.
    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.database_url).await.with_context(|| format!("opening {}", ward_store::redact(&self.database_url)))
    }
}

pub async fn migrate(args: DbArgs) -> anyhow::Result<u8> {
    args.open().await?;
    eprintln!("migrations applied to {}", ward_store::redact(&args.database_url));
    Ok(0)
}

/// An organisation named by id or by name (what `--org` and similar arguments accept).
pub async fn resolve_org(store: &Store, raw: &str) -> anyhow::Result<ward_core::OrgId> {
    match raw.parse::<ward_core::OrgId>() {
        Ok(id) => Ok(store.get_org(id).await.map_err(|_| anyhow::anyhow!("no organisation with id {raw}"))?.id),
        Err(_) => Ok(store.org_by_name(raw).await.map_err(|_| anyhow::anyhow!("no organisation named {raw:?} (see ward admin list-orgs)"))?.id),
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
/// A progress bar over `len` bytes on stderr when it is a terminal (hidden otherwise).
pub fn progress_bytes(len: u64, message: &'static str) -> indicatif::ProgressBar {
    let bar = progress(len, message);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})") {
        bar.set_style(style);
    }
    bar
}

pub fn progress(len: u64, message: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({per_sec})") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar
}
