//! `ward match`: check logs against indicators with exact semantics, like grep's exit
//! codes (0 no match, 1 matches, 2 error). The matching itself is ward-match; this is
//! argument parsing, progress, output and the human summary.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ward_match::{
    FormatChoice, Indicator, IndicatorSet, Input, Match, ScanOptions, Scanner, StixSightings, Summary, WarningList,
    WarningLists,
};

/// How many invalid or suppressed indicators are listed on stderr (all are counted).
const MAX_LISTED_PROBLEMS: usize = 10;
/// Lines of the human summary per table.
const SUMMARY_TOP: usize = 20;

fn parse_format(s: &str) -> Result<FormatChoice, String> {
    FormatChoice::parse(s).ok_or_else(|| format!("unknown format {s:?} (auto, plain, jsonl, csv, syslog, bind, squid)"))
}

/// Match logs against indicators (domains, URLs, IPs/CIDRs, hashes, e-mail addresses).
#[derive(clap::Args, Debug)]
pub struct MatchArgs {
    /// Indicator file: a plain list (one indicator a line, `#` comments), a STIX 2.1
    /// bundle, MISP event JSON, or a set saved with --save-compiled. Repeatable.
    #[arg(long = "indicators", value_name = "FILE")]
    pub indicators: Vec<PathBuf>,

    /// Log format: auto (per file), plain, jsonl, csv, syslog, bind, squid.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = parse_format)]
    pub format: FormatChoice,

    /// Write JSON lines even on a terminal (the default on a pipe).
    #[arg(long)]
    pub json: bool,

    /// Also write a STIX 2.1 bundle of sightings (one per indicator) to FILE (`-`: stdout).
    #[arg(long, value_name = "FILE")]
    pub stix: Option<PathBuf>,

    /// Undo defanging in logs (`hxxp`, `[.]`, `(.)`, `[@]`) before matching. Slower.
    #[arg(long)]
    pub refang: bool,

    /// Worker threads (0: all cores).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Do not suppress indicators listed in the built-in benign warning lists.
    #[arg(long)]
    pub no_warning_lists: bool,

    /// An extra benign warning list (domains, IPs/CIDRs, digests; `#` comments). Repeatable.
    #[arg(long = "warning-list", value_name = "FILE")]
    pub warning_lists: Vec<PathBuf>,

    /// Save the compiled indicator set to FILE (reload it with --indicators FILE).
    #[arg(long, value_name = "FILE")]
    pub save_compiled: Option<PathBuf>,

    /// Print timings and throughput to stderr.
    #[arg(long)]
    pub stats: bool,

    /// Print no matches; only the exit code tells.
    #[arg(short, long)]
    pub quiet: bool,

    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,

    /// Log files, directories, glob patterns; `-` or nothing: stdin. Gzip and zstd are
    /// decompressed.
    #[arg(value_name = "LOG")]
    pub logs: Vec<String>,
}

/// Runs `ward match` with the indicators named on the command line only (the development
/// binary `ward-match`; `ward` itself adds the store and --report in `match_store.rs`).
/// `Ok(code)` is the process exit code; `Err` means exit code 2.
#[allow(dead_code)]
pub fn run(args: MatchArgs) -> anyhow::Result<i32> {
    run_with(args, Vec::new(), false, false).map(|(code, _)| code)
}

/// Sightings per indicator for --report: (kind, indicator) → (STIX id if known, count).
pub type SeenIndicators = std::collections::BTreeMap<(ward_match::IndicatorKind, String), (Option<String>, u64)>;

/// Runs the scan with `extra_indicators` (from the ward store, already restricted to the
/// caller's scope) added to the indicator files. Returns the exit code and, when
/// `collect_sightings`, the sightings per indicator.
pub fn run_with(args: MatchArgs, extra_indicators: Vec<Indicator>, from_store: bool, collect_sightings: bool) -> anyhow::Result<(i32, SeenIndicators)> {
    if args.indicators.is_empty() && extra_indicators.is_empty() {
        if from_store {
            bail!("--from-store found no indicators you may see");
        }
        bail!("no indicators: give --indicators FILE (a list, STIX bundle, MISP event or compiled set)");
    }
    let started = Instant::now();
    let set = build_set(&args, extra_indicators)?;
    let compile_time = started.elapsed();
    report_set(&set);
    if let Some(path) = &args.save_compiled {
        set.save(path)?;
        eprintln!("ward match: saved compiled set to {}", path.display());
        if args.logs.is_empty() {
            return Ok((0, SeenIndicators::new()));
        }
    }

    let log_args = if args.logs.is_empty() { vec!["-".to_string()] } else { args.logs.clone() };
    let mut inputs = Vec::new();
    let mut had_error = false;
    for r in ward_match::expand_inputs(&log_args) {
        match r {
            Ok(i) => inputs.push(i),
            Err(e) => {
                eprintln!("ward match: {e}");
                had_error = true;
            }
        }
    }

    let stdout = std::io::stdout();
    let json = args.json || !stdout.is_terminal();
    let progress_counter = Arc::new(AtomicU64::new(0));
    let opts = ScanOptions {
        format: args.format,
        refang_logs: args.refang,
        threads: args.threads,
        progress: Some(progress_counter.clone()),
        ..ScanOptions::default()
    };
    let progress = (!args.no_progress && !args.quiet && std::io::stderr().is_terminal())
        .then(|| Progress::start(&inputs, progress_counter.clone()));

    let scanner = Scanner::new(&set, opts);
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut summary = Summary::default();
    let mut sightings = StixSightings::default();
    let mut seen = SeenIndicators::new();
    let mut output_closed = false;
    let scan_started = Instant::now();
    let mut bytes = 0u64;
    for input in &inputs {
        let report = scanner.scan_input(input, &mut |m: Match| {
            if json && !args.quiet && !output_closed {
                let written = serde_json::to_writer(&mut out, &m).is_ok() && out.write_all(b"\n").is_ok();
                output_closed = !written;
            }
            summary.add(&m);
            if args.stix.is_some() {
                sightings.add(&m);
            }
            if collect_sightings {
                let entry = seen.entry((m.kind, m.indicator.clone())).or_insert((None, 0));
                entry.1 += 1;
                if entry.0.is_none() {
                    entry.0.clone_from(&m.indicator_id);
                }
            }
        });
        bytes += report.bytes;
        if let Some(e) = &report.error {
            eprintln!("ward match: {e}");
            had_error = true;
        }
        if report.lines_too_long > 0 {
            eprintln!(
                "ward match: {}: skipped {} line(s) longer than {} bytes",
                report.name,
                report.lines_too_long,
                ward_match::MAX_LINE_BYTES
            );
        }
        if report.lines_unparsed > 0 {
            eprintln!("ward match: {}: {} line(s) were not valid JSON and were scanned as plain text", report.name, report.lines_unparsed);
        }
        if report.binary_bytes > 0 {
            eprintln!("ward match: {}: binary data ({} NUL bytes); scanned as text", report.name, report.binary_bytes);
        }
    }
    let scan_time = scan_started.elapsed();
    if let Some(p) = progress {
        p.finish();
    }
    out.flush().ok();
    drop(out);

    if !json && !args.quiet {
        print!("{}", summary.render(SUMMARY_TOP));
    }
    if let Some(path) = &args.stix {
        let bundle = sightings.to_bundle(std::time::SystemTime::now());
        let text = serde_json::to_string_pretty(&bundle)?;
        if path.as_os_str() == "-" {
            println!("{text}");
        } else {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if args.stats {
        let secs = scan_time.as_secs_f64().max(1e-9);
        eprintln!(
            "ward match: stats: indicators {} (suppressed {}), tables {:.1} MiB, {} {:.3} s; scanned {} bytes in {:.3} s = {:.1} MB/s on {} thread(s); {} matches",
            set.stats().matchable,
            set.stats().suppressed,
            set.stats().table_bytes as f64 / (1024.0 * 1024.0),
            if set.build_report().n_input == 0 { "loaded in" } else { "compiled in" },
            compile_time.as_secs_f64(),
            bytes,
            secs,
            bytes as f64 / secs / 1e6,
            if args.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { args.threads },
            summary.n_matches,
        );
    }
    let code = if had_error {
        2
    } else if summary.n_matches > 0 {
        1
    } else {
        0
    };
    Ok((code, seen))
}

fn build_set(args: &MatchArgs, extra: Vec<Indicator>) -> anyhow::Result<IndicatorSet> {
    let mut lists = if args.no_warning_lists { WarningLists::none() } else { WarningLists::builtin() };
    for path in &args.warning_lists {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading warning list {}", path.display()))?;
        lists.push(WarningList::parse(&path.display().to_string(), &text));
    }
    // A single compiled set with nothing to add is used as it is (memory-mapped).
    if args.indicators.len() == 1 && extra.is_empty() && is_compiled(&args.indicators[0]) {
        return Ok(IndicatorSet::load(&args.indicators[0])?);
    }
    let mut builder = IndicatorSet::builder().warning_lists(lists);
    for path in &args.indicators {
        if is_compiled(path) {
            builder = builder.extend(IndicatorSet::load(path)?.indicators());
            continue;
        }
        let (kind, loaded) = ward_match::load_indicator_file(path)?;
        if loaded.n_skipped > 0 {
            eprintln!("ward match: {}: skipped {} invalid indicator(s):", path.display(), loaded.n_skipped);
            for s in loaded.skipped.iter().take(MAX_LISTED_PROBLEMS) {
                eprintln!("  {}: {:?}: {}", s.location, s.value, s.reason);
            }
        }
        if loaded.n_not_matchable > 0 {
            eprintln!(
                "ward match: {}: {} STIX pattern(s) are not simple comparisons (AND, FOLLOWEDBY, qualifiers, other objects) and are not matchable here",
                path.display(),
                loaded.n_not_matchable
            );
        }
        if loaded.n_ignored > 0 && kind == ward_match::IndicatorFileKind::Misp {
            eprintln!(
                "ward match: {}: ignored {} MISP attribute(s) not flagged for detection (to_ids) or of other types",
                path.display(),
                loaded.n_ignored
            );
        }
        builder = builder.extend(loaded.indicators);
    }
    Ok(builder.extend(extra).build()?)
}

fn is_compiled(path: &std::path::Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| IndicatorSet::is_compiled_file(&head))
}

fn report_set(set: &IndicatorSet) {
    let report = set.build_report();
    if report.n_invalid > 0 {
        eprintln!("ward match: {} invalid indicator(s) not matched:", report.n_invalid);
        for inv in report.invalid.iter().take(MAX_LISTED_PROBLEMS) {
            eprintln!("  {} {:?}: {}", inv.kind, inv.value, inv.reason);
        }
    }
    let suppressed = set.suppressed();
    if !suppressed.is_empty() {
        eprintln!("ward match: {} indicator(s) suppressed by benign warning lists (would flood):", suppressed.len());
        for s in suppressed.iter().take(MAX_LISTED_PROBLEMS) {
            eprintln!("  {} {}: {}", s.kind, s.indicator, s.reason);
        }
        if suppressed.len() > MAX_LISTED_PROBLEMS {
            eprintln!("  … and {} more (--no-warning-lists to match them anyway)", suppressed.len() - MAX_LISTED_PROBLEMS);
        }
    }
}

/// A progress bar with throughput on stderr, fed by the scanner's byte counter.
struct Progress {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Progress {
    fn start(inputs: &[Input], counter: Arc<AtomicU64>) -> Progress {
        let total: u64 = inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
                Input::Stdin => 0,
            })
            .sum();
        let bar = if total > 0 { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::new_spinner() };
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                bar.set_position(counter.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Progress { stop, thread }
    }

    fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
