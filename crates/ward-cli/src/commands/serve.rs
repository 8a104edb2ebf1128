//! `ward serve`: the web UI and REST API on one port, until SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context;
use ward_web::{AppState, WebConfig};

use super::DbArgs;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080", env = "WARD_BIND")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub key: super::keys::KeyArgs,
    /// Mark cookies Secure (set this when ward is reached over HTTPS).
    #[arg(long, env = "WARD_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Name shown in the page header.
    #[arg(long, default_value = "ward", env = "WARD_INSTANCE_NAME")]
    pub instance_name: String,
    #[command(flatten)]
    pub notify: super::culture::NotifyArgs,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<u8> {
    let key = super::keys::load_or_create(&args.key.dir(&args.db.database_url))?;
    let store = args.db.open().await?;
    let config = WebConfig { secure_cookies: args.secure_cookies, instance_name: args.instance_name, banner: None };
    serve(store, config, args.notify.config()?, args.bind, key).await
}

/// How often a running server signs the chain head (only when it moved).
pub const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// Binds, prints the URL on stdout, and serves until a shutdown signal; in-flight requests
/// finish before the process exits.
/// The chain head is signed at start, every [`CHECKPOINT_INTERVAL`] while it moves, and at
/// shutdown.
pub async fn serve(store: ward_store::Store, config: WebConfig, notify: ward_web::culture::NotifyConfig, bind: SocketAddr, key: ed25519_dalek::SigningKey) -> anyhow::Result<u8> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr()?;
    super::keys::checkpoint(&store, &key, "start").await?;
    let periodic = {
        let (store, key) = (store.clone(), key.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = super::keys::checkpoint(&store, &key, "periodic").await {
                    tracing::warn!(error = %e, "could not sign a checkpoint");
                }
            }
        })
    };
    // Posture is a function of the day: record it hourly (one row per day), so every
    // organisation's trend has a point for each day the server ran.
    let snapshots = {
        let store = store.clone();
        tokio::spawn(async move {
            // The first a minute after start, so start-up (and a quick restart) stays light.
            let first = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut tick = tokio::time::interval_at(first, ward_web::risk::SNAPSHOT_INTERVAL);
            loop {
                tick.tick().await;
                let now = jiff::Timestamp::now();
                match ward_web::risk::snapshot_all(&store, ward_web::risk::day_of(now), now).await {
                    Ok((orgs, rows)) => tracing::debug!(orgs, rows, "recorded today's risk posture"),
                    Err(e) => tracing::warn!(error = %e, "could not record today's risk posture"),
                }
            }
        })
    };
    // Culture of resilience: escalate unacknowledged reports and deliver notifications.
    let culture_ticker = {
        let (store, notify) = (store.clone(), notify.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(ward_web::culture::TICK_INTERVAL);
            loop {
                tick.tick().await;
                if let Err(e) = ward_web::culture::tick(&store, &notify, jiff::Timestamp::now()).await {
                    tracing::warn!(error = %e, "culture tick failed");
                }
            }
        })
    };
    println!("ward is listening on http://{addr}/");
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    ward_web::serve(listener, AppState::new(store.clone(), config).with_notify(notify), shutdown_signal()).await?;
    periodic.abort();
    snapshots.abort();
    culture_ticker.abort();
    let signed = super::keys::checkpoint(&store, &key, "shutdown").await;
    store.close().await;
    signed?;
    tracing::info!("stopped");
    Ok(0)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested: finishing in-flight requests");
}
