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
    /// Mark cookies Secure (set this when ward is reached over HTTPS).
    #[arg(long, env = "WARD_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Name shown in the page header.
    #[arg(long, default_value = "ward", env = "WARD_INSTANCE_NAME")]
    pub instance_name: String,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<u8> {
    let store = args.db.open().await?;
    let config = WebConfig { secure_cookies: args.secure_cookies, instance_name: args.instance_name, banner: None };
    serve(store, config, args.bind).await
}

/// Binds, prints the URL on stdout, and serves until a shutdown signal; in-flight requests
/// finish before the process exits.
pub async fn serve(store: ward_store::Store, config: WebConfig, bind: SocketAddr) -> anyhow::Result<u8> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr()?;
    println!("ward is listening on http://{addr}/");
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    ward_web::serve(listener, AppState::new(store, config), shutdown_signal()).await?;
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
