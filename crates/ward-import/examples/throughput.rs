//! Import throughput over the real VCDB and HHS files in `shared/data`, with the rejections and
//! the most frequent mapping notes. Run in release mode:
//!
//! ```text
//! cargo run --release -p ward-import --example throughput [DATA_DIR]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use ward_import::{read_path, Kind, Options, Record};

fn main() {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let files = [
        (Kind::Vcdb, "vcdb/vcdb_healthcare.jsonl"),
        (Kind::Vcdb, "vcdb/vcdb_joined_2020-03-07.json.zip"),
        (Kind::Hhs, "hhs/hhs_breaches.csv"),
        (Kind::Hhs, "hhs/hhs_breaches_combined_archive+open_as_of_2024-06-28.csv"),
        (Kind::Hhs, "hhs/hhs_breaches_under_investigation_2024-06.csv"),
        (Kind::Hhs, "hhs/hhs_breaches_under_investigation_2026-04.csv"),
        (Kind::Cipher, "cipher/cipher_v1_patient_harms.csv"),
    ];
    let (mut total_records, mut total_bytes, mut total_secs) = (0u64, 0u64, 0f64);
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut notes: BTreeMap<String, u64> = BTreeMap::new();
    println!("{:<62} {:>8} {:>8} {:>9} {:>12} {:>8}", "file", "records", "rejected", "seconds", "records/s", "MB/s");
    for (kind, rel) in files {
        let path = dir.join(rel);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let result = read_path(kind, &path, &Options::default(), &mut |r| match r {
            Record::Incident(i) => {
                for n in &i.notes {
                    *notes.entry(note_kind(n)).or_default() += 1;
                }
            }
            Record::Harm(h) => {
                for n in &h.notes {
                    *notes.entry(note_kind(n)).or_default() += 1;
                }
            }
            Record::Rejected(r) => *reasons.entry(format!("{kind}: {}", reason_kind(&r.reason))).or_default() += 1,
        });
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(s) => {
                println!(
                    "{:<62} {:>8} {:>8} {:>9.3} {:>12.0} {:>8.1}",
                    rel,
                    s.records_read,
                    s.rejected,
                    secs,
                    s.records_read as f64 / secs,
                    bytes as f64 / 1e6 / secs
                );
                if kind != Kind::Cipher {
                    total_records += s.records_read;
                    total_bytes += bytes;
                    total_secs += secs;
                }
            }
            Err(e) => println!("{rel}: {e}"),
        }
    }
    println!(
        "{:<62} {:>8} {:>8} {:>9.3} {:>12.0} {:>8.1}",
        "all VCDB and HHS files",
        total_records,
        "",
        total_secs,
        total_records as f64 / total_secs,
        total_bytes as f64 / 1e6 / total_secs
    );
    println!("\nrejections:");
    for (r, n) in &reasons {
        println!("{n:>8}  {r}");
    }
    println!("\nnotes (mapping choices recorded on imported records):");
    let mut by_count: Vec<_> = notes.into_iter().collect();
    by_count.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    for (n, c) in by_count.iter().take(40) {
        println!("{c:>8}  {n}");
    }
}

/// A note without its record-specific values, for counting.
fn note_kind(n: &str) -> String {
    let mut out = String::new();
    let mut in_quote = false;
    for c in n.chars() {
        if c == '"' {
            in_quote = !in_quote;
            if in_quote {
                out.push_str("\"…");
            } else {
                out.push('"');
            }
        } else if !in_quote {
            out.push(if c.is_ascii_digit() { '#' } else { c });
        }
    }
    out
}

fn reason_kind(r: &str) -> String {
    note_kind(r)
}
