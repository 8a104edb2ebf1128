//! `ward match` as the `ward` binary runs it: the scan of `match_cmd.rs` (shared with the
//! development binary `ward-match`, which has no database or network), plus indicators read
//! from the store with a user's access scope (`--from-store --as EMAIL`) and sightings
//! reported to a ward server (`--report URL`).

use std::time::Duration;

use anyhow::{bail, Context};
use ward_match::Indicator;

use super::match_cmd::{self, MatchArgs, SeenIndicators};
use super::DbArgs;

/// Match logs against indicators (domains, URLs, IPs/CIDRs, hashes, e-mail addresses).
#[derive(clap::Args, Debug)]
pub struct WardMatchArgs {
    #[command(flatten)]
    pub scan: MatchArgs,

    /// Also match the STIX indicators in the ward store's TAXII collections that the user
    /// given with --as may see (collection permissions and TLP 2.0, as over TAXII).
    #[arg(long, requires = "as_user")]
    pub from_store: bool,

    /// The ward user (e-mail) whose access scope --from-store reads with.
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_user: Option<String>,

    #[command(flatten)]
    pub db: DbArgs,

    /// Post the aggregated sightings (indicator, count, first and last seen; never file
    /// names, lines or log text) to the ward server at URL (e.g. http://127.0.0.1:8080), with
    /// the API token in WARD_TOKEN. Reports are TLP-marked (--report-tlp) and the server
    /// shows other organisations only anonymised aggregates.
    #[arg(long, value_name = "URL")]
    pub report: Option<String>,

    /// TLP 2.0 level of the --report (clear, green, amber, amber+strict, red).
    #[arg(long, value_name = "TLP", default_value = "green")]
    pub report_tlp: String,

}

/// Runs `ward match`: indicators from files and (with --from-store) from the store, then the
/// scan, then (with --report) the sightings report. `Ok(code)` is the process exit code;
/// `Err` means exit code 2.
pub async fn run(args: WardMatchArgs) -> anyhow::Result<i32> {
    let report_tlp: ward_core::Tlp = args.report_tlp.parse().map_err(|e| anyhow::anyhow!("--report-tlp: {e}"))?;
    let report = match &args.report {
        Some(url) => {
            let token = std::env::var("WARD_TOKEN").map_err(|_| anyhow::anyhow!("--report needs the API token in WARD_TOKEN"))?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("--report: {url:?} must be an http:// or https:// URL (https is verified against the system's trust store)");
            }
            Some((url.trim_end_matches('/').to_owned(), token))
        }
        None => None,
    };
    let extra = if args.from_store { indicators_from_store(&args).await? } else { Vec::new() };
    let started_at = jiff::Timestamp::now();
    let (code, seen) = tokio::task::block_in_place(|| match_cmd::run_with(args.scan, extra, args.from_store, report.is_some()))?;
    if let Some((url, token)) = report {
        if code == 2 {
            eprintln!("ward match: not reporting sightings: the scan had errors");
        } else {
            let n = post_sightings(&url, &token, report_tlp, &seen, started_at, jiff::Timestamp::now()).await?;
            eprintln!("ward match: reported {n} indicator(s) with sightings to {url} at {report_tlp}");
        }
    }
    Ok(code)
}

/// The STIX indicators of every TAXII collection the --as user may read, through the store's
/// one scoped read of shared objects (collection permission and TLP 2.0 per object).
async fn indicators_from_store(args: &WardMatchArgs) -> anyhow::Result<Vec<Indicator>> {
    let email = args.as_user.as_deref().unwrap_or_default();
    let email: ward_core::text::Email = email.parse().map_err(|e| anyhow::anyhow!("--as: {e}"))?;
    let store = args.db.open().await?;
    let user = store.user_by_email(&email).await.map_err(|_| anyhow::anyhow!("--as: no ward user {email}"))?;
    let scope = store.read_scope(&user.principal()).await?;
    let filter = ward_store::ObjectFilter { types: vec!["indicator".into()], ..Default::default() };
    let mut out = Vec::new();
    let (mut n_objects, mut n_skipped, mut n_not_matchable) = (0u64, 0u64, 0u64);
    for (collection, access) in store.list_collections(&scope, None).await? {
        if !access.can_read {
            continue;
        }
        let source = format!("ward:{}", collection.title);
        let mut after: Option<String> = None;
        loop {
            let page = store.read_stix_objects(&scope, &collection.api_root, &collection.id, &filter, after.as_deref(), ward_store::MAX_OBJECTS_PAGE).await?;
            for object in &page.objects {
                n_objects += 1;
                let value: serde_json::Value = serde_json::from_str(&object.body).with_context(|| format!("stored object {} is not JSON", object.stix_id))?;
                let loaded = ward_match::load_stix_bundle(&value, &source)?;
                n_skipped += loaded.n_skipped;
                n_not_matchable += loaded.n_not_matchable;
                out.extend(loaded.indicators);
            }
            if !page.more {
                break;
            }
            after = page.objects.last().map(|o| o.date_added.clone());
        }
    }
    eprintln!(
        "ward match: --from-store: {} indicator(s) from {n_objects} STIX indicator object(s) {email} may see{}{}",
        out.len(),
        if n_skipped > 0 { format!("; {n_skipped} with invalid patterns skipped") } else { String::new() },
        if n_not_matchable > 0 { format!("; {n_not_matchable} pattern(s) not simple comparisons, not matchable here") } else { String::new() },
    );
    Ok(out)
}

/// Largest number of indicators in one POST (the server's limit).
const REPORT_CHUNK: usize = 10_000;

async fn post_sightings(url: &str, token: &str, tlp: ward_core::Tlp, seen: &SeenIndicators, first_seen: jiff::Timestamp, last_seen: jiff::Timestamp) -> anyhow::Result<usize> {
    let lines: Vec<serde_json::Value> = seen
        .iter()
        .map(|((kind, value), (id, count))| {
            let mut line = serde_json::json!({
                "kind": kind.as_str(), "indicator": value, "count": (*count).min(999_999_999),
                "first_seen": first_seen.to_string(), "last_seen": last_seen.to_string(),
            });
            if let Some(id) = id.as_deref().filter(|i| i.starts_with("indicator--")) {
                line["indicator_id"] = id.into();
            }
            line
        })
        .collect();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let endpoint = format!("{url}/api/v1/sightings");
    for chunk in lines.chunks(REPORT_CHUNK) {
        let body = serde_json::json!({ "tlp": tlp.as_str(), "sightings": chunk });
        let resp = client.post(&endpoint).bearer_auth(token).json(&body).send().await.with_context(|| format!("POST {endpoint}"))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            bail!("POST {endpoint}: HTTP {status}: {}", text.chars().take(1000).collect::<String>());
        }
    }
    Ok(lines.len())
}
