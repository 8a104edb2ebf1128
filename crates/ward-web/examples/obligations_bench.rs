//! Report-once benchmark on a database: evaluating every encoded regime for one incident, and
//! re-evaluating every incident with a reporting log in a database of N incidents (default
//! 10,000) — reading the logs, evaluating, and storing the obligations. The issue's targets:
//! under 1 ms for one incident, under 1 s for 10,000.
//!
//! ```sh
//! cargo run --release -p ward-web --example obligations_bench -- sqlite:/tmp/ward-obligations-bench.db 10000
//! ```

use std::collections::BTreeMap;
use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use serde_json::json;
use ward_core::{IncidentDraft, OrgType, ReadScope};
use ward_store::{ImportItem, IncidentFilter, ObligationEventKind, Store, MAX_IMPORT_BATCH};
use ward_web::obligations::{evaluate_doc, fact_document, reevaluate, rules, to_store};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "sqlite:/tmp/ward-obligations-bench.db".into());
    let count: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let rules = rules().expect("built-in rules");
    let store = Store::open(&url).await.expect("open the database");
    let now: Timestamp = "2026-06-06T08:00:00Z".parse().expect("now");
    let entity: BTreeMap<String, serde_json::Value> = [
        ("entity.time_zone", json!("Europe/Berlin")),
        ("entity.country_of_establishment", json!(["DE"])),
        ("entity.de.bsig_class", json!("besonders_wichtig")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let org = match store.org_by_name("Benchmark Klinikum").await {
        Ok(o) => o,
        Err(_) => {
            let o = store.create_org(&"Benchmark Klinikum".parse().expect("label"), OrgType::Hospital, Some("DE".parse().expect("DE")), None, now).await.expect("org");
            store.save_reporting_profile(o.id, 0, &entity, None, now).await.expect("profile");
            o
        }
    };
    let facts = |n: usize| {
        let aware = now.checked_sub((n % 500) as i64 * 1.hours()).expect("time");
        json!({"facts": {
            "incident.awareness_at": aware.to_string(),
            "incident.is_security_incident": "yes",
            "impact.severe_operational_disruption": if n % 3 == 0 { "unknown" } else { "yes" },
        }})
    };

    let existing = store.reporting_logs(&ReadScope::LOCAL_OPERATOR, Some(org.id)).await.expect("logs").len();
    if existing < count {
        let t = Instant::now();
        let items: Vec<ImportItem> = (existing..count)
            .map(|n| ImportItem {
                scheme: "bench".into(),
                value: n.to_string(),
                draft: IncidentDraft::from_value(json!({"title": format!("Ransomware {n}"), "tlp": "amber", "victim": {"org_type": "hospital", "country": "DE"}, "attack_types": ["ransomware"]})).expect("draft"),
            })
            .collect();
        let mut ids = Vec::new();
        for batch in items.chunks(MAX_IMPORT_BATCH) {
            for u in store.import_batch(org.id, batch, now).await.expect("import") {
                let (ward_store::Upsert::Created(id) | ward_store::Upsert::Updated(id) | ward_store::Upsert::Unchanged(id)) = u;
                ids.push(id);
            }
        }
        for (n, id) in ids.iter().enumerate() {
            let body = facts(existing + n);
            let doc = fact_document(rules, &entity, &[ward_store::ObligationEvent { seq: 1, kind: ObligationEventKind::Facts, body: body.clone(), recorded_at: now, recorded_by: None, recorded_by_email: None }], BTreeMap::new()).expect("doc");
            let ev = evaluate_doc(rules, &doc, now).expect("evaluate");
            store.append_obligation_event(*id, &ReadScope::LOCAL_OPERATOR, 0, ObligationEventKind::Facts, &body, &to_store(&ev.obligations), None, now).await.expect("append");
        }
        println!("set up {} incidents with a reporting log in {:.1} s", count - existing, t.elapsed().as_secs_f64());
    }
    let total = store.count_incidents(&ReadScope::LOCAL_OPERATOR, &IncidentFilter::default()).await.expect("count");

    // One incident, in memory: build the fact document and evaluate every encoded regime.
    let event = ward_store::ObligationEvent { seq: 1, kind: ObligationEventKind::Facts, body: facts(1), recorded_at: now, recorded_by: None, recorded_by_email: None };
    let mut us = Vec::new();
    let mut n_obligations = 0;
    for _ in 0..2000 {
        let t = Instant::now();
        let doc = fact_document(rules, &entity, std::slice::from_ref(&event), BTreeMap::new()).expect("doc");
        n_obligations = evaluate_doc(rules, &doc, now).expect("evaluate").obligations.len();
        us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    us.sort_by(f64::total_cmp);
    println!("one incident, every encoded regime ({n_obligations} obligations): median {:.1} µs, p99 {:.1} µs (target < 1 ms)", us[us.len() / 2], us[us.len() * 99 / 100]);

    // Every incident with a reporting log: read the logs, evaluate, store what changed. The
    // first run after the set-up rewrites rows whose stored form predates the run's `now`; the
    // later runs are the steady state (facts and rules unchanged, time moving on).
    let backend = ward_store::redact(&url);
    for run in 1..=3 {
        let t = Instant::now();
        let r = reevaluate(&store, rules, &ReadScope::LOCAL_OPERATOR, None, now.checked_add(run.hours()).expect("time")).await.expect("reevaluate");
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        println!(
            "{backend}: re-evaluated {} incidents with a reporting log (database of {total}) in {:.0} ms: {} obligations, {} open, {} rows changed and written (run {run}; target < 1 s)",
            r.incidents,
            t.elapsed().as_secs_f64() * 1000.0,
            r.obligations,
            r.open,
            r.rows_written
        );
    }
}
