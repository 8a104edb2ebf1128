//! Tracer query benchmark: fills a database with N synthetic incidents (deterministic, seeded),
//! then times the dashboard's overview (totals and six groupings) and a filtered view, 50 times
//! each, and prints p50/p95. Run it on SQLite and on PostgreSQL:
//!
//! ```sh
//! cargo run --release -p ward-store --example tracer_bench -- sqlite:/tmp/bench.db 1000000
//! cargo run --release -p ward-store --example tracer_bench -- postgres://ward@127.0.0.1:55432/bench 1000000
//! ```
//! (`scripts/bench-tracer` runs both.) The target of the tracer issue is p95 < 200 ms at 1,000,000.

use std::time::Instant;

use ward_core::{IncidentDraft, OrgType, ReadScope};
use ward_store::{Dimension, ImportItem, IncidentFilter, Store, MAX_IMPORT_BATCH};

const COUNTRIES: &[&str] = &["US", "US", "US", "GB", "DE", "FR", "IE", "IN", "BR", "AU", "JP", "ES", "IT", "CA", "ZA", "CR", "SG", "NL"];
const ORG_TYPES: &[&str] = &["hospital", "health_system", "physician_practice", "laboratory", "health_plan", "business_associate", "pharmacy", "dental_practice"];
const ATTACKS: &[&str] = &["ransomware", "data_theft", "phishing", "unauthorized_access", "insider_misuse", "lost_or_stolen_device", "ddos", "error"];
const ACTORS: &[&str] = &["LockBit", "Conti", "ALPHV", "Rhysida", "Clop", "Hive", "Royal", "Akira"];
const ACTIONS: &[&str] = &["hacking", "malware", "social", "misuse", "physical", "error"];

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn synthetic(n: u64, rng: &mut Rng) -> IncidentDraft {
    let year = 2010 + rng.next() % 16;
    let month = 1 + rng.next() % 12;
    let day = 1 + rng.next() % 28;
    let date = format!("{year}-{month:02}-{day:02}");
    let mut v = serde_json::json!({
        "title": format!("Synthetic incident {n}"),
        "tlp": if rng.next() % 10 == 0 { "amber" } else { "clear" },
        "victim": {"org_type": rng.pick(ORG_TYPES), "country": rng.pick(COUNTRIES), "name": format!("Synthetic Org {}", rng.next() % 50_000)},
        "timeline": {"incident_on": date},
        "attack_types": [rng.pick(ATTACKS)],
        "actions": [{"category": rng.pick(ACTIONS)}],
        "sources": [{"url": "https://example.org/synthetic", "publisher": "Synthetic"}],
        "external_ids": [{"scheme": "synthetic", "value": n.to_string()}],
    });
    if rng.next() % 3 == 0 {
        v["actors"] = serde_json::json!([{"kind": "external", "name": rng.pick(ACTORS), "attribution": "synthetic"}]);
    }
    if rng.next() % 2 == 0 {
        v["harm"]["individuals_affected"] = serde_json::json!({"value": rng.next() % 1_000_000, "source": "https://example.org/synthetic", "as_of": date});
    }
    if rng.next() % 7 == 0 {
        v["harm"]["ambulance_diversion"] = serde_json::json!({"value": {"diverted": rng.next() % 2 == 0}, "source": "https://example.org/synthetic", "as_of": date});
    }
    IncidentDraft::from_value(v).expect("synthetic incidents are valid")
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

async fn time_view(store: &Store, filter: &IncidentFilter, runs: usize) -> (f64, f64) {
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        store.totals(&ReadScope::PUBLIC, filter).await.expect("totals");
        for dim in [Dimension::Year, Dimension::Country, Dimension::OrgType, Dimension::AttackType, Dimension::Actor, Dimension::DataVariety] {
            store.group_counts(&ReadScope::PUBLIC, filter, dim).await.expect("group");
        }
        // The actor list of the filter form, as the dashboard page asks for it.
        store.group_counts(&ReadScope::PUBLIC, &IncidentFilter::default(), Dimension::Actor).await.expect("actors");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    (percentile(&ms, 0.5), percentile(&ms, 0.95))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "sqlite:/tmp/ward-tracer-bench.db".into());
    let count: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let store = Store::open(&url).await.expect("open the database");
    let existing = store.count_incidents(&ReadScope::LOCAL_OPERATOR, &IncidentFilter::default()).await.expect("count") as u64;
    if existing < count {
        let org = store.create_org(&"Synthetic data".parse().expect("label"), OrgType::ResearchInstitute, None, None, jiff::Timestamp::now()).await.map(|o| o.id);
        let org = match org {
            Ok(o) => o,
            Err(_) => store.org_by_name("Synthetic data").await.expect("org").id,
        };
        let mut rng = Rng(42);
        for _ in 0..existing {
            // Keep the sequence deterministic when topping up.
            let _ = synthetic(0, &mut rng);
        }
        let t = Instant::now();
        let mut batch = Vec::with_capacity(MAX_IMPORT_BATCH);
        for n in existing..count {
            let draft = synthetic(n, &mut rng);
            batch.push(ImportItem { scheme: "synthetic".into(), value: n.to_string(), draft });
            if batch.len() == MAX_IMPORT_BATCH {
                store.import_batch(org, &batch, jiff::Timestamp::now()).await.expect("insert");
                batch.clear();
            }
        }
        if !batch.is_empty() {
            store.import_batch(org, &batch, jiff::Timestamp::now()).await.expect("insert");
        }
        let secs = t.elapsed().as_secs_f64();
        println!("generated {} synthetic incidents in {secs:.1} s ({:.0}/s)", count - existing, (count - existing) as f64 / secs);
    }
    // Steady state, as autovacuum and the planner's statistics would leave it after a bulk load.
    store.maintain().await.expect("maintain");
    let backend = ward_store::redact(&url);
    let (p50, p95) = time_view(&store, &IncidentFilter::default(), 50).await;
    println!("{backend}: {count} incidents: overview (totals + 6 groupings + actor list) p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 < 200 ms)");
    let filtered = IncidentFilter { country: Some("DE".parse().expect("DE")), attack_type: Some("ransomware".parse().expect("attack")), ..Default::default() };
    let (p50, p95) = time_view(&store, &filtered, 50).await;
    println!("{backend}: {count} incidents: filtered view (country=DE, attack_type=ransomware) p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 < 200 ms)");
}
