//! `ward sync pull`: incremental pull of a remote TAXII 2.1 collection (another ward or any
//! TAXII 2.1 server) into a local collection, on behalf of the local collection's owner.
//!
//! The remote decides what the pulling account may see (ward's remote applies TLP 2.0 and
//! collection permissions), so nothing the account may not read ever arrives. Every object is
//! validated with ward-stix; TLP 1.0 markings are normalised. Progress (the remote's
//! `X-TAXII-Date-Added-Last`) is saved after each stored page, so an interrupted pull resumes
//! with `added_after` and re-pulls at most one page (idempotently).
//! Plain `http://` only in this build (no TLS client is linked yet).

use std::time::Duration;

use anyhow::{bail, Context};
use ward_core::ReadScope;

use super::{print_json, DbArgs};

/// Objects asked for per page.
pub const SYNC_PAGE: u32 = 1000;
/// Timeout of one HTTP request.
pub const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest page body accepted from a remote.
pub const MAX_SYNC_PAGE_BYTES: usize = ward_stix::limits::MAX_BUNDLE_BYTES;

#[derive(clap::Subcommand, Debug)]
pub enum SyncCommand {
    /// Pull new objects from a remote TAXII 2.1 collection into a local collection.
    ///
    /// Credentials: WARD_SYNC_TOKEN (a Bearer token on the remote), or --user with the password
    /// on standard input (HTTP Basic).
    ///
    /// Example: WARD_SYNC_TOKEN=ward_… ward sync pull --from http://isac.example:8080/taxii2/isac/collections/9c1e…/ --into 4d2a…
    Pull {
        /// The remote collection URL (`…/taxii2/ROOT/collections/ID/`).
        #[arg(long)]
        from: String,
        /// The local collection id.
        #[arg(long)]
        into: String,
        /// Remote account e-mail for HTTP Basic (password from stdin).
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: SyncCommand) -> anyhow::Result<u8> {
    let SyncCommand::Pull { from, into, user, json, db } = cmd;
    if !from.starts_with("http://") {
        bail!("--from: only http:// URLs are supported in this build (put a TLS-terminating proxy on loopback for https peers)");
    }
    let base = format!("{}/", from.trim_end_matches('/'));
    let store = db.open().await?;
    let Some((local, _)) = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?.into_iter().find(|(c, _)| c.id == into) else {
        bail!("--into: no local collection {into} (see ward taxii list-collections)");
    };
    let auth = match (user, std::env::var("WARD_SYNC_TOKEN").ok()) {
        (Some(email), _) => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("reading the password from stdin")?;
            Auth::Basic(email, password.trim_end_matches(['\r', '\n']).to_owned())
        }
        (None, Some(token)) => Auth::Bearer(token),
        (None, None) => bail!("give WARD_SYNC_TOKEN or --user (password on stdin)"),
    };
    let client = reqwest::Client::builder().timeout(SYNC_REQUEST_TIMEOUT).build()?;
    let mut position = store.sync_position(&local.id, &base).await?;
    let (mut pulled, mut added, mut rejected, mut pages) = (0usize, 0usize, 0usize, 0usize);
    let mut next: Option<String> = None;
    loop {
        let mut query: Vec<(&str, String)> = vec![("limit", SYNC_PAGE.to_string()), ("match[version]", "all".into())];
        if let Some(p) = &position {
            query.push(("added_after", p.clone()));
        }
        if let Some(n) = &next {
            query.push(("next", n.clone()));
        }
        let req = client.get(format!("{base}objects/")).query(&query).header("Accept", ward_stix::taxii::TAXII_MEDIA_TYPE);
        let req = match &auth {
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        };
        let resp = req.send().await.with_context(|| format!("GET {base}objects/"))?;
        let status = resp.status();
        let last_added = resp.headers().get("x-taxii-date-added-last").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!("{base}objects/: HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(500)]));
        }
        if body.len() > MAX_SYNC_PAGE_BYTES {
            bail!("{base}objects/: a page of {} bytes exceeds {MAX_SYNC_PAGE_BYTES}", body.len());
        }
        let text = std::str::from_utf8(&body).context("the page is not UTF-8")?;
        let parsed = ward_stix::bundle::parse_document(text, true).map_err(|e| anyhow::anyhow!("{base}objects/: {e}"))?;
        let more: bool = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v["more"].as_bool()).unwrap_or(false);
        next = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| v["next"].as_str().map(str::to_owned));
        let mut good = Vec::new();
        for r in &parsed.objects {
            match r {
                Ok(o) => good.push(ward_web::taxii::new_stix_object(o)),
                Err(e) => {
                    rejected += 1;
                    eprintln!("rejected: {e}");
                }
            }
        }
        pulled += parsed.objects.len();
        pages += 1;
        if let Some(last) = &last_added {
            added += store.add_pulled_page(&local.id, local.owner_org_id, &base, &good, last, jiff::Timestamp::now()).await?;
            // With a `next` the remote keeps its own place; without one, continue by date.
            if next.is_none() {
                position = Some(last.clone());
            }
        } else if !parsed.objects.is_empty() {
            bail!("{base}objects/: the remote sent objects without X-TAXII-Date-Added-Last");
        }
        if !more || parsed.objects.is_empty() {
            break;
        }
    }
    if json {
        print_json(&serde_json::json!({"pages": pages, "pulled": pulled, "added": added, "rejected": rejected, "position": store.sync_position(&local.id, &base).await?}))?;
    } else {
        eprintln!("{pulled} objects pulled in {pages} pages, {added} new, {rejected} rejected");
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}

enum Auth {
    Bearer(String),
    Basic(String, String),
}
