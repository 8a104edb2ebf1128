//! `ward demo`: a fresh demo database with the curated starter dataset, a demo administrator
//! with a one-time password, and the server — one command for a newcomer.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use ward_core::curated::CuratedDataset;
use ward_core::{OrgType, Role};
use ward_store::{NewUser, Store};
use ward_web::WebConfig;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The demo database file; it is deleted and recreated on every start.
    #[arg(long, default_value = "ward-demo.db")]
    pub file: PathBuf,
    #[command(flatten)]
    pub notify: super::culture::NotifyArgs,
}

pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.ward";
pub const DEMO_CURATOR_ORG: &str = "Ward curators";

/// Creates the demo database: curator organisation, administrator, curated incidents.
/// Returns the administrator's one-time password and the number of incidents loaded.
pub async fn seed(store: &Store) -> anyhow::Result<(String, usize)> {
    let now = jiff::Timestamp::now();
    let dataset = CuratedDataset::embedded().map_err(|e| anyhow!("the embedded curated dataset is invalid: {e}"))?;
    let org = store.create_org(&DEMO_CURATOR_ORG.parse().map_err(|e: String| anyhow!(e))?, OrgType::ResearchInstitute, None, None, now).await?;
    let password = ward_web::auth::new_secret()[..20].to_owned();
    let hash = ward_web::auth::hash_password(&password).map_err(|e| anyhow!(e))?;
    store
        .create_user(NewUser { org_id: org.id, email: DEMO_ADMIN_EMAIL.parse().map_err(|e: String| anyhow!(e))?, role: Role::InstanceAdmin, password_hash: Some(hash) }, now)
        .await?;
    let bar = crate::commands::progress(dataset.incidents.len() as u64, "loading curated incidents");
    for draft in &dataset.incidents {
        store.create_incident(org.id, draft, None, now).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((password, dataset.incidents.len()))
}

pub async fn run(args: DemoArgs) -> anyhow::Result<u8> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = args.file.clone().into_os_string();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing the old demo database {}", PathBuf::from(p).display())),
        }
    }
    let url = format!("sqlite:{}", args.file.display());
    let store = Store::open(&url).await?;
    let (password, n) = seed(&store).await?;
    println!("ward demo: {n} curated, publicly reported attacks on healthcare loaded into {}", args.file.display());
    println!("Sign in as {DEMO_ADMIN_EMAIL} with the one-time password: {password}");
    let config = WebConfig {
        secure_cookies: false,
        instance_name: "ward demo".into(),
        banner: Some(format!("Demo instance: the ward curated starter dataset ({n} publicly reported attacks, TLP:CLEAR). It is recreated each time `ward demo` starts.")),
    };
    let key = crate::commands::keys::load_or_create(&crate::commands::keys::key_dir_for(&url))?;
    crate::commands::keys::checkpoint(&store, &key, "demo loaded").await?;
    crate::commands::serve::serve(store, config, args.notify.config()?, args.bind, key).await
}
