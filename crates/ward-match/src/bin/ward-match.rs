//! Development front end for scripts/bench-match: `ward-match match …` is exactly
//! `ward match …` (it compiles ward-cli's `match_cmd.rs`), plus `gen` (the deterministic
//! data generator), `ceiling` (a memchr pass: the machine's memory-speed ceiling) and
//! `score` (precision and recall of a line list against expected lines).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

#[path = "../../../ward-cli/src/commands/match_cmd.rs"]
mod match_cmd;

#[derive(Parser, Debug)]
#[command(name = "ward-match", about = "ward's indicator matcher: development front end")]
enum Command {
    /// Same as `ward match`.
    Match(match_cmd::MatchArgs),
    /// Write indicators.txt, log.txt, expected.jsonl and expected-lines.txt to DIR.
    Gen {
        #[arg(long, default_value_t = 6)]
        seed: u64,
        #[arg(long, default_value_t = 10_000)]
        indicators: usize,
        /// Log size in MiB.
        #[arg(long, default_value_t = 4)]
        log_mib: u64,
        #[arg(long, default_value_t = 100)]
        hit_every: u64,
        #[arg(long, default_value_t = 100)]
        near_miss_every: u64,
        dir: PathBuf,
    },
    /// Count newlines with memchr over a memory map of FILE (warm cache) and print MB/s.
    Ceiling { file: PathBuf },
    /// Precision/recall of FOUND (line numbers, one a line) against EXPECTED line numbers,
    /// restricted to lines <= --max-line.
    Score {
        #[arg(long)]
        expected: PathBuf,
        #[arg(long)]
        found: PathBuf,
        #[arg(long, default_value_t = u64::MAX)]
        max_line: u64,
    },
}

fn read_lines(path: &PathBuf, max_line: u64) -> anyhow::Result<BTreeSet<u64>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text.lines().filter_map(|l| l.trim().parse::<u64>().ok()).filter(|&n| n <= max_line).collect())
}

fn main() {
    let code = match Command::parse() {
        Command::Match(args) => match match_cmd::run(args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("ward match: {e:#}");
                2
            }
        },
        Command::Gen { seed, indicators, log_mib, hit_every, near_miss_every, dir } => {
            let cfg = ward_match::generator::GeneratorConfig {
                seed,
                n_indicators: indicators,
                log_bytes: log_mib << 20,
                hit_every_lines: hit_every,
                near_miss_every_lines: near_miss_every,
            };
            let started = Instant::now();
            match ward_match::generator::generate(&cfg, &dir) {
                Ok(s) => {
                    println!("{}", serde_json::to_string(&s).unwrap_or_default());
                    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
                    0
                }
                Err(e) => {
                    eprintln!("ward-match gen: {e}");
                    2
                }
            }
        }
        Command::Ceiling { file } => match std::fs::read(&file) {
            Ok(bytes) => {
                let mut best = f64::MAX;
                let mut lines = 0;
                for _ in 0..3 {
                    let t = Instant::now();
                    lines = memchr::memchr_iter(b'\n', &bytes).count();
                    best = best.min(t.elapsed().as_secs_f64());
                }
                println!("{{\"bytes\":{},\"lines\":{lines},\"seconds\":{best:.4},\"mb_per_s\":{:.0}}}", bytes.len(), bytes.len() as f64 / best / 1e6);
                0
            }
            Err(e) => {
                eprintln!("ward-match ceiling: {}: {e}", file.display());
                2
            }
        },
        Command::Score { expected, found, max_line } => match (read_lines(&expected, max_line), read_lines(&found, max_line)) {
            (Ok(e), Ok(f)) => {
                let tp = e.intersection(&f).count() as f64;
                let precision = if f.is_empty() { 1.0 } else { tp / f.len() as f64 };
                let recall = if e.is_empty() { 1.0 } else { tp / e.len() as f64 };
                println!(
                    "{{\"expected_lines\":{},\"found_lines\":{},\"true_positive_lines\":{tp},\"precision\":{precision:.4},\"recall\":{recall:.4}}}",
                    e.len(),
                    f.len()
                );
                0
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("ward-match score: {e}");
                2
            }
        },
    };
    std::process::exit(code);
}
