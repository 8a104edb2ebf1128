//! Asset-to-KEV matching speed: `match_assets` (entries indexed by normalised vendor) against the
//! naive oracle (every asset against every entry with `match_rule`), on the real catalogue and a
//! synthetic inventory drawn from it. Both must give the same exposures.
//!
//! cargo run --release -p ward-risk --example match_bench -- [KEV_CSV] [N_ASSETS]

use std::time::Instant;

use ward_risk::assets::{AssetDraft, AssetKind, Cpe, Criticality};
use ward_risk::matching::{match_assets, match_rule};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/work/shared/data/kev/known_exploited_vulnerabilities_2026-04-16.csv".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let t = Instant::now();
    let catalogue = ward_risk::kev::parse(&bytes).unwrap_or_else(|e| panic!("{}", ward_risk::format_errors(&e)));
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let entries = &catalogue.entries;
    // A deterministic inventory: a third with a CPE of a catalogue product (and another vendor's
    // name as manufacturer), a third with its
    // manufacturer and product names, a third of products nobody exploits.
    let assets: Vec<AssetDraft> = (0..n)
        .map(|i| {
            let e = &entries[(i * 7919) % entries.len()];
            let slug = |s: &str| s.to_lowercase().replace(|c: char| !c.is_alphanumeric(), "_");
            let (manufacturer, product, cpe) = match i % 3 {
                0 => (Some(entries[(i * 31) % entries.len()].vendor_project.clone()), Some("Gateway".to_owned()), Cpe::parse(&format!("cpe:2.3:a:{}:{}:1.0:*:*:*:*:*:*:*", slug(&e.vendor_project), slug(&e.product))).ok()),
                1 => (Some(e.vendor_project.clone()), Some(format!("{} 2024", e.product)), None),
                _ => (Some(format!("Vendor{i}")), Some("Infusion pump".to_owned()), None),
            };
            AssetDraft { name: format!("asset-{i}"), kind: AssetKind::Other, manufacturer, product, version: None, cpe, network_segment: None, clinical_function: None, criticality: Criticality::Medium, internet_facing: false, owner: None, rto_hours: None, rpo_hours: None }
        })
        .collect();
    let t = Instant::now();
    let indexed = match_assets(&assets, entries);
    let indexed_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut naive = Vec::new();
    for (a, asset) in assets.iter().enumerate() {
        for (e, entry) in entries.iter().enumerate() {
            if let Some(rule) = match_rule(asset, entry) {
                naive.push((a, e, rule));
            }
        }
    }
    let naive_s = t.elapsed().as_secs_f64();
    let same = indexed.len() == naive.len() && indexed.iter().zip(&naive).all(|(x, (a, e, r))| x.asset == *a && x.entry == *e && x.rule == *r);
    assert!(same, "the indexed matcher disagrees with the naive oracle");
    println!("catalogue: {} entries parsed in {parse_ms:.1} ms ({path})", entries.len());
    println!("inventory: {n} assets, {} exposures", indexed.len());
    println!("match_assets: {:.1} ms ({:.0} assets/s)", indexed_s * 1e3, n as f64 / indexed_s);
    println!("naive all-pairs oracle: {:.1} ms ({:.0} assets/s)", naive_s * 1e3, n as f64 / naive_s);
    println!("ratio: match_assets is {:.1}× the naive oracle's speed", naive_s / indexed_s);
}
