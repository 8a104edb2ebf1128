//! `ward sync pull`: incremental pull of a remote TAXII 2.1 collection (another ward or any
//! TAXII 2.1 server) into a local collection, on behalf of the local collection's owner.
//!
//! The remote decides what the pulling account may see (ward's remote applies TLP 2.0 and
//! collection permissions), so nothing the account may not read ever arrives. Of what arrives,
//! only what [`ward_core::Tlp::may_leave_organisation`] allows (CLEAR, GREEN, unmarked) is
//! stored: an account whose organisation is a TLP:AMBER client of the source's owner reads
//! that owner's AMBER objects on the source, but ward never carries AMBER, AMBER+STRICT or RED
//! from one instance to another (they are counted as `withheld_by_tlp`). Every object is
//! validated with ward-stix; TLP 1.0 markings are normalised. Progress (the remote's
//! `X-TAXII-Date-Added-Last`) is saved after each stored page, so an interrupted pull resumes
//! with `added_after` and re-pulls at most one page (idempotently).
//!
//! `ward sync push` sends a local collection's new objects to a remote collection in chunks
//! under the remote API root's `max_content_length`. Only CLEAR, GREEN and unmarked objects
//! leave ([`ward_core::Tlp::may_leave_organisation`]); the position (the local `date_added` of
//! the last object the remote accepted) is saved after each page, so a push resumes.
//! `https://` peers are verified with rustls against the operating system's trust store plus
//! `--ca-cert FILE` (PEM, one or more certificates) for a private CA; an untrusted certificate
//! is refused with an error saying so (there is no option to skip verification).

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
        /// PEM file with the CA certificate(s) of an https peer, besides the system's.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Push a local collection's new CLEAR/GREEN objects to a remote TAXII 2.1 collection.
    ///
    /// AMBER, AMBER+STRICT and RED objects never leave. Credentials as for pull.
    ///
    /// Example: WARD_SYNC_TOKEN=ward_… ward sync push --from 4d2a… --to http://isac.example:8080/taxii2/isac/collections/9c1e…/
    Push {
        /// The local collection id.
        #[arg(long)]
        from: String,
        /// The remote collection URL (`…/taxii2/ROOT/collections/ID/`).
        #[arg(long)]
        to: String,
        /// Remote account e-mail for HTTP Basic (password from stdin).
        #[arg(long)]
        user: Option<String>,
        /// Largest request body to send (default and ceiling: the remote's max_content_length).
        #[arg(long, value_name = "BYTES")]
        chunk_bytes: Option<u64>,
        /// PEM file with the CA certificate(s) of an https peer, besides the system's.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn credentials(user: Option<String>) -> anyhow::Result<Auth> {
    Ok(match (user, std::env::var("WARD_SYNC_TOKEN").ok()) {
        (Some(email), _) => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("reading the password from stdin")?;
            Auth::Basic(email, password.trim_end_matches(['\r', '\n']).to_owned())
        }
        (None, Some(token)) => Auth::Bearer(token),
        (None, None) => bail!("give WARD_SYNC_TOKEN or --user (password on stdin)"),
    })
}

impl Auth {
    fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        }
    }
}

/// Refuses anything but an http(s) URL.
fn check_url(flag: &str, url: &str) -> anyhow::Result<()> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("{flag}: {url:?} must be an http:// or https:// URL");
    }
    Ok(())
}

/// The HTTP client: rustls with the system's trust anchors, plus `ca_cert`'s certificates.
fn http_client(ca_cert: Option<&std::path::Path>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().timeout(SYNC_REQUEST_TIMEOUT).use_rustls_tls();
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path).with_context(|| format!("--ca-cert: reading {}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| anyhow::anyhow!("--ca-cert: {}: not PEM certificates: {e}", path.display()))?;
        if certs.is_empty() {
            bail!("--ca-cert: {}: no certificate in it (expected PEM `BEGIN CERTIFICATE` blocks)", path.display());
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    Ok(builder.build()?)
}

/// A failed request, with an untrusted TLS certificate said plainly.
fn send_error(what: &str, e: reqwest::Error) -> anyhow::Error {
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let detail = chain.last().cloned().unwrap_or_default();
    if chain.iter().any(|m| m.contains("certificate") || m.contains("UnknownIssuer")) {
        return anyhow::anyhow!("{what}: the server's TLS certificate is not trusted ({detail}); if it is signed by a private CA, give that CA with --ca-cert FILE");
    }
    anyhow::anyhow!("{what}: {}", chain.join(": "))
}

pub async fn run(cmd: SyncCommand) -> anyhow::Result<u8> {
    let (from, into, user, ca_cert, json, db) = match cmd {
        SyncCommand::Pull { from, into, user, ca_cert, json, db } => (from, into, user, ca_cert, json, db),
        SyncCommand::Push { from, to, user, chunk_bytes, ca_cert, json, db } => return push(from, to, user, chunk_bytes, ca_cert, json, db).await,
    };
    check_url("--from", &from)?;
    let base = format!("{}/", from.trim_end_matches('/'));
    let store = db.open().await?;
    let Some((local, _)) = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?.into_iter().find(|(c, _)| c.id == into) else {
        bail!("--into: no local collection {into} (see ward taxii list-collections)");
    };
    let auth = credentials(user)?;
    let client = http_client(ca_cert.as_deref())?;
    let mut position = store.sync_position(&local.id, &base).await?;
    let (mut pulled, mut added, mut rejected, mut pages, mut withheld) = (0usize, 0usize, 0usize, 0usize, 0usize);
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
        let resp = auth.apply(req).send().await.map_err(|e| send_error(&format!("GET {base}objects/"), e))?;
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
                Ok(o) => {
                    let o = ward_web::taxii::new_stix_object(o);
                    if ward_core::Tlp::may_leave_organisation(o.tlp) {
                        good.push(o);
                    } else {
                        withheld += 1;
                    }
                }
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
        print_json(&serde_json::json!({"pages": pages, "pulled": pulled, "added": added, "withheld_by_tlp": withheld, "rejected": rejected, "position": store.sync_position(&local.id, &base).await?}))?;
    } else {
        eprintln!("{pulled} objects pulled in {pages} pages, {added} new, {withheld} withheld (TLP:AMBER or stricter never crosses instances), {rejected} rejected");
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}

enum Auth {
    Bearer(String),
    Basic(String, String),
}

/// How many times a pending add-objects status is polled before giving up.
const STATUS_POLLS: u32 = 60;

async fn push(from: String, to: String, user: Option<String>, chunk_bytes: Option<u64>, ca_cert: Option<std::path::PathBuf>, json: bool, db: DbArgs) -> anyhow::Result<u8> {
    check_url("--to", &to)?;
    let base = format!("{}/", to.trim_end_matches('/'));
    let Some((root_url, _)) = base.split_once("/collections/") else {
        bail!("--to: {base} is not a TAXII collection URL (…/taxii2/ROOT/collections/ID/)");
    };
    let root_url = format!("{root_url}/");
    let store = db.open().await?;
    let Some((local, _)) = store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await?.into_iter().find(|(c, _)| c.id == from) else {
        bail!("--from: no local collection {from} (see ward taxii list-collections)");
    };
    let auth = credentials(user)?;
    let client = http_client(ca_cert.as_deref())?;
    // The remote's limit on one request body.
    let resp = auth.apply(client.get(&root_url).header("Accept", ward_stix::taxii::TAXII_MEDIA_TYPE)).send().await.map_err(|e| send_error(&format!("GET {root_url}"), e))?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("{root_url}: HTTP {status}: {}", text.chars().take(500).collect::<String>());
    }
    let remote_max = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["max_content_length"].as_u64()).context("the remote API root has no max_content_length")?;
    let limit = chunk_bytes.map_or(remote_max, |c| c.min(remote_max)) as usize;
    let key = format!("push:{base}");
    let mut position = store.sync_position(&local.id, &key).await?;
    let filter = ward_store::ObjectFilter { versions: vec![ward_store::VersionSelector::All], ..Default::default() };
    let (mut pushed, mut withheld, mut requests, mut failed) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let page = store.read_stix_objects(&ReadScope::LOCAL_OPERATOR, &local.api_root, &local.id, &filter, position.as_deref(), ward_store::MAX_OBJECTS_PAGE).await?;
        let mut chunk: Vec<&str> = Vec::new();
        let mut chunk_len = ENVELOPE_BYTES;
        for object in &page.objects {
            if !ward_core::Tlp::may_leave_organisation(object.tlp) {
                withheld += 1;
                continue;
            }
            if object.body.len() + ENVELOPE_BYTES > limit {
                bail!("object {} ({} bytes) is larger than the remote accepts in one request ({limit} bytes)", object.stix_id, object.body.len());
            }
            if chunk_len + object.body.len() + 1 > limit {
                failed += post_chunk(&client, &auth, &base, &root_url, &chunk).await?;
                requests += 1;
                pushed += chunk.len();
                chunk.clear();
                chunk_len = ENVELOPE_BYTES;
            }
            chunk_len += object.body.len() + 1;
            chunk.push(&object.body);
        }
        if !chunk.is_empty() {
            failed += post_chunk(&client, &auth, &base, &root_url, &chunk).await?;
            requests += 1;
            pushed += chunk.len();
        }
        if let Some(last) = page.objects.last() {
            store.save_sync_position(&local.id, &key, &last.date_added, jiff::Timestamp::now()).await?;
            position = Some(last.date_added.clone());
        }
        if !page.more {
            break;
        }
    }
    if json {
        print_json(&serde_json::json!({"pushed": pushed, "withheld_by_tlp": withheld, "requests": requests, "failed": failed, "chunk_bytes": limit, "position": position}))?;
    } else {
        eprintln!("{pushed} objects pushed in {requests} requests ({failed} refused by the remote); {withheld} AMBER/AMBER+STRICT/RED objects withheld");
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// `{"objects":[` and `]}`.
const ENVELOPE_BYTES: usize = 14;

/// Posts one envelope and waits for its status; returns how many objects the remote refused.
async fn post_chunk(client: &reqwest::Client, auth: &Auth, base: &str, root_url: &str, objects: &[&str]) -> anyhow::Result<usize> {
    let body = format!("{{\"objects\":[{}]}}", objects.join(","));
    let url = format!("{base}objects/");
    let resp = auth
        .apply(client.post(&url).header("Accept", ward_stix::taxii::TAXII_MEDIA_TYPE).header("Content-Type", ward_stix::taxii::TAXII_MEDIA_TYPE).body(body))
        .send()
        .await
        .map_err(|e| send_error(&format!("POST {url}"), e))?;
    let code = resp.status();
    let text = resp.text().await?;
    if code != reqwest::StatusCode::ACCEPTED {
        bail!("POST {url}: HTTP {code}: {}", text.chars().take(500).collect::<String>());
    }
    let mut status: serde_json::Value = serde_json::from_str(&text).context("the remote's status resource is not JSON")?;
    let mut polls = 0;
    while status["status"] == "pending" && polls < STATUS_POLLS {
        polls += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let id = status["id"].as_str().context("status without id")?.to_owned();
        let s = auth.apply(client.get(format!("{root_url}status/{id}/")).header("Accept", ward_stix::taxii::TAXII_MEDIA_TYPE)).send().await.map_err(|e| send_error(&format!("GET {root_url}status/{id}/"), e))?;
        status = s.json().await.context("the remote's status resource is not JSON")?;
    }
    if status["status"] != "complete" {
        bail!("POST {url}: the remote did not complete the add ({})", status["status"]);
    }
    for f in status["failures"].as_array().into_iter().flatten() {
        eprintln!("remote refused {}: {}", f["id"].as_str().unwrap_or("?"), f["message"].as_str().unwrap_or(""));
    }
    Ok(status["failure_count"].as_u64().unwrap_or(0) as usize)
}
