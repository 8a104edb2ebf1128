//! `ward stats`: grouped counts (year, action category, country, organisation type, attack
//! type, actor, data variety) and the headline totals; `ward snapshot`: the totals, dated,
//! with the query and filters that produced them, written to a file.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use ward_core::ReadScope;
use ward_store::{Dimension, IncidentFilter};

use super::{print_json, DbArgs};

#[derive(clap::Args, Debug, Clone)]
pub struct FilterArgs {
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub org_type: Option<String>,
    #[arg(long)]
    pub attack_type: Option<String>,
    /// Reference date on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Reference date on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// Only TLP:CLEAR records (what the public tracer shows).
    #[arg(long)]
    pub public: bool,
    /// Only records from this source (external id scheme: vcdb, hhs, curated, cipher, stix).
    #[arg(long)]
    pub source: Option<String>,
    /// Count records merged into another incident too (to reproduce one source's own figures).
    #[arg(long)]
    pub include_merged: bool,
}

impl FilterArgs {
    fn filter(&self) -> anyhow::Result<IncidentFilter> {
        let date = |v: &Option<String>, name: &str| -> anyhow::Result<Option<jiff::civil::Date>> {
            v.as_deref().map(|s| s.parse().map_err(|_| anyhow!("--{name}: {s:?} is not a date (YYYY-MM-DD)"))).transpose()
        };
        Ok(IncidentFilter {
            country: self.country.as_deref().map(|c| c.parse().map_err(|e: String| anyhow!("--country: {e}"))).transpose()?,
            org_type: self.org_type.as_deref().map(|c| c.parse().map_err(|e: String| anyhow!("--org-type: {e}"))).transpose()?,
            attack_type: self.attack_type.as_deref().map(|c| c.parse().map_err(|e: String| anyhow!("--attack-type: {e}"))).transpose()?,
            from: date(&self.from, "from")?,
            to: date(&self.to, "to")?,
            source: self.source.clone(),
            include_merged: self.include_merged,
            ..Default::default()
        })
    }
    fn scope(&self) -> ReadScope {
        if self.public { ReadScope::PUBLIC } else { ReadScope::LOCAL_OPERATOR }
    }
    fn query_string(&self) -> String {
        let mut p = Vec::new();
        for (k, v) in [("country", &self.country), ("org_type", &self.org_type), ("attack_type", &self.attack_type), ("from", &self.from), ("to", &self.to), ("source", &self.source)] {
            if let Some(v) = v {
                p.push((k, v.clone()));
            }
        }
        if self.include_merged {
            p.push(("include_merged", "1".to_owned()));
        }
        serde_urlencoded_like(&p)
    }
}

fn serde_urlencoded_like(p: &[(&str, String)]) -> String {
    p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ward stats --json\n  ward stats --source vcdb --include-merged --json   # VCDB's own figures\n  ward stats --country US --from 2015-01-01 --json\n  ward stats --public")]
pub struct StatsArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn stats(args: StatsArgs) -> anyhow::Result<u8> {
    let store = args.db.open().await?;
    let filter = args.filters.filter()?;
    let scope = args.filters.scope();
    let totals = store.totals(&scope, &filter).await?;
    let mut groups = serde_json::Map::new();
    for dim in Dimension::ALL {
        let g = store.group_counts(&scope, &filter, dim).await?;
        groups.insert(dim.as_str().to_owned(), serde_json::to_value(g)?);
    }
    if args.json {
        print_json(&serde_json::json!({"filters": args.filters.query_string(), "totals": totals, "groups": groups}))?;
    } else {
        println!("{} incidents in {} countries", totals.incidents, totals.countries);
        for dim in [Dimension::Year, Dimension::Action, Dimension::Country, Dimension::OrgType] {
            println!("\nby {}:", dim.as_str());
            if let Some(serde_json::Value::Array(rows)) = groups.get(dim.as_str()) {
                for r in rows {
                    println!("  {:<28} {:>8}", r["key"].as_str().unwrap_or(""), r["incidents"]);
                }
            }
        }
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ward snapshot --public --out tracer-2026-11-30.json")]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Where to write the snapshot (JSON).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The SQL the totals come from (kept in step with `ward_store::Store::totals`; shown so a
/// published figure can be recomputed by anyone with the data).
pub const TOTALS_SQL: &str = "SELECT COUNT(*), COUNT(DISTINCT country), SUM(individuals_affected), COUNT(individuals_affected), \
SUM(care_disruption_days), COUNT(care_disruption_days), SUM(ambulance_diverted), COUNT(ambulance_diverted), \
SUM(appointments_cancelled), COUNT(appointments_cancelled) FROM incidents WHERE merged_into IS NULL AND <scope> AND <filters>";

pub async fn snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    let store = args.db.open().await?;
    let filter = args.filters.filter()?;
    let scope = args.filters.scope();
    let totals = store.totals(&scope, &filter).await?;
    let doc = serde_json::json!({
        "snapshot_at": jiff::Timestamp::now().to_string(),
        "scope": if args.filters.public { "public (TLP:CLEAR only)" } else { "everything in this database (local operator)" },
        "filters": args.filters.query_string(),
        "totals": totals,
        "query": TOTALS_SQL,
        "methodology": "docs/HARM.md",
    });
    std::fs::write(&args.out, serde_json::to_vec_pretty(&doc)?).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("snapshot written to {}", args.out.display());
    Ok(0)
}
