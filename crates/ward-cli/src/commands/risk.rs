//! Continuous risk management on the command line: `ward frameworks list|validate`,
//! `ward kev import`, `ward assets import|list`, `ward risk posture|snapshot`. The CLI runs on
//! the database host as the local operator; the same code as the web pages computes posture
//! (`ward_web::risk`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use jiff::civil::Date;
use jiff::Timestamp;
use ward_risk::posture::Status;
use ward_risk::Catalogue;
use ward_store::Store;
use ward_web::risk as rk;

use super::{print_json, DbArgs};

/// Largest file `ward kev import` and `ward assets import` read.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(clap::Subcommand, Debug)]
pub enum FrameworksCommand {
    /// List the frameworks and crosswalks built into ward.
    List(FrameworksListArgs),
    /// Load and validate framework files: the built-in ones, or DIR/*.yaml with DIR/crosswalks/*.yaml.
    /// Example: ward frameworks validate frameworks/
    Validate(FrameworksValidateArgs),
}

#[derive(clap::Args, Debug)]
pub struct FrameworksListArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct FrameworksValidateArgs {
    pub dir: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
pub enum KevCommand {
    /// Import the CISA Known Exploited Vulnerabilities catalogue (JSON feed or CSV export), show what it adds
    /// against the catalogue held, and refresh every organisation's findings.
    /// Example: ward kev import known_exploited_vulnerabilities.json
    Import(KevImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct KevImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum AssetsCommand {
    /// Import an asset inventory CSV (columns: name, kind, criticality required; manufacturer, product, version, cpe,
    /// network_segment, clinical_function, internet_facing, owner, rto_hours, rpo_hours). Assets are matched by name;
    /// any bad row stops the import with every error listed and nothing written.
    /// Example: ward assets import --org "St Example Hospital" assets.csv
    Import(AssetsImportArgs),
    /// List an organisation's assets.
    List(AssetsListArgs),
}

#[derive(clap::Args, Debug)]
pub struct AssetsImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Organisation name or id.
    #[arg(long)]
    pub org: String,
    pub file: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct AssetsListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub org: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum RiskCommand {
    /// An organisation's posture per framework (assessed or inferred), what is stale or goes stale within 30 days,
    /// and its open exposures. Example: ward risk posture --org "St Example Hospital" --on 2027-01-01 --json
    Posture(PostureArgs),
    /// Record the day's posture of every organisation with a risk register (run daily from a timer), or of one.
    /// Example: ward risk snapshot
    Snapshot(SnapshotArgs),
}

#[derive(clap::Args, Debug)]
pub struct PostureArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub org: String,
    /// The day (YYYY-MM-DD); today (UTC) by default.
    #[arg(long)]
    pub on: Option<Date>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub org: Option<String>,
    /// Record this day instead of today (to backfill a missed day).
    #[arg(long)]
    pub on: Option<Date>,
}


fn read_bounded(path: &Path) -> anyhow::Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > MAX_INPUT_BYTES {
        bail!("{}: larger than {MAX_INPUT_BYTES} bytes", path.display());
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn yaml_files(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            files.push((path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), text));
        }
    }
    files.sort();
    Ok(files)
}

/// Loads frameworks from `DIR/*.yaml` and crosswalks from `DIR/crosswalks/*.yaml`.
pub fn load_dir(dir: &Path) -> anyhow::Result<Result<Catalogue, Vec<ward_risk::FileError>>> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    Ok(Catalogue::from_files(&yaml_files(dir)?, &yaml_files(&dir.join("crosswalks"))?))
}

pub async fn run_frameworks(cmd: FrameworksCommand) -> anyhow::Result<u8> {
    match cmd {
        FrameworksCommand::List(args) => {
            let catalogue = rk::catalogue().map_err(|e| anyhow!("the built-in frameworks are invalid: {e}"))?;
            if args.json {
                print_json(&serde_json::json!({"frameworks": catalogue.frameworks(), "crosswalks": catalogue.crosswalks()}))?;
                return Ok(0);
            }
            for f in catalogue.frameworks() {
                println!("{:<12} {:<16} {:>3} requirements  {} ({})", f.id, f.short_title, f.requirements.len(), f.title, f.version);
                println!("{:<12} source: {}  licence: {}", "", f.source.url, f.licence);
            }
            for c in catalogue.crosswalks() {
                println!("crosswalk {} → {}: {} mappings, {}", c.from, c.to, c.mappings.len(), c.basis.label());
            }
            Ok(0)
        }
        FrameworksCommand::Validate(args) => {
            let (what, result) = match &args.dir {
                Some(dir) => (dir.display().to_string(), load_dir(dir)?),
                None => ("the built-in frameworks".to_owned(), Catalogue::embedded()),
            };
            match result {
                Ok(c) => {
                    let n_req: usize = c.frameworks().iter().map(|f| f.requirements.len()).sum();
                    let n_map: usize = c.crosswalks().iter().map(|x| x.mappings.len()).sum();
                    println!("{what}: {} frameworks ({n_req} requirements) and {} crosswalks ({n_map} mappings) are valid", c.frameworks().len(), c.crosswalks().len());
                    Ok(0)
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!("{what}: {} problem(s)", errors.len());
                    Ok(1)
                }
            }
        }
    }
}

/// Refreshes every organisation's findings and records today's posture.
async fn refresh_everyone(store: &Store, now: Timestamp) -> anyhow::Result<usize> {
    let orgs = store.orgs_with_risk_data().await?;
    for org in &orgs {
        rk::after_change(store, *org, true, now).await?;
    }
    Ok(orgs.len())
}

/// Reports every problem of a file refused whole; the exit code (1).
fn not_imported<E: std::fmt::Display>(file: &Path, errors: &[E]) -> u8 {
    for e in errors {
        eprintln!("{}: {e}", file.display());
    }
    eprintln!("{}: not imported ({} problem(s); nothing was written)", file.display(), errors.len());
    1
}

pub async fn run_kev(cmd: KevCommand) -> anyhow::Result<u8> {
    let KevCommand::Import(args) = cmd;
    let bytes = read_bounded(&args.file)?;
    let catalogue = match ward_risk::kev::parse(&bytes) {
        Ok(c) => c,
        Err(errors) => return Ok(not_imported(&args.file, &errors)),
    };
    let store = args.db.open().await?;
    let now = Timestamp::now();
    let name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let run = store.import_kev(&catalogue, &name, now).await?;
    let orgs = refresh_everyone(&store, now).await?;
    tracing::info!(kev.entries = run.n_entries, kev.added = run.added.len(), kev.removed = run.removed.len(), orgs = orgs, "KEV catalogue imported");
    if args.json {
        print_json(&run)?;
        return Ok(0);
    }
    let entries = store.kev_entries().await?;
    println!(
        "{}: {} entries ({}{}); {} added, {} removed, {} changed against the catalogue held; findings refreshed for {orgs} organisation(s)",
        name,
        run.n_entries,
        catalogue.format.as_str(),
        run.catalog_version.as_deref().map(|v| format!(", version {v}")).unwrap_or_default(),
        run.added.len(),
        run.removed.len(),
        run.n_changed
    );
    // Written through a lock so `| head` ends the listing quietly instead of panicking.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for cve in &run.added {
        if let Some(e) = entries.iter().find(|e| &e.cve_id == cve) {
            let ransomware = if e.known_ransomware { "  known ransomware use" } else { "" };
            if writeln!(out, "+ {}  {} {}  due {}{ransomware}", e.cve_id, e.vendor_project, e.product, e.due_date).is_err() {
                return Ok(0);
            }
        }
    }
    for cve in &run.removed {
        if writeln!(out, "- {cve}").is_err() {
            return Ok(0);
        }
    }
    Ok(0)
}

pub async fn run_assets(cmd: AssetsCommand) -> anyhow::Result<u8> {
    match cmd {
        AssetsCommand::Import(args) => {
            let bytes = read_bounded(&args.file)?;
            let assets = match ward_risk::assets::parse_csv(&bytes) {
                Ok(a) => a,
                Err(errors) => return Ok(not_imported(&args.file, &errors)),
            };
            let store = args.db.open().await?;
            let org = super::resolve_org(&store, &args.org).await?;
            let now = Timestamp::now();
            let summary = store.upsert_assets(org, &assets, now).await?;
            let sync = rk::refresh_findings(&store, org, now).await?;
            rk::after_change(&store, org, false, now).await?;
            if args.json {
                print_json(&serde_json::json!({"assets": summary, "findings": sync}))?;
            } else {
                println!("{} assets: {} added, {} updated, {} unchanged", assets.len(), summary.added, summary.updated, summary.unchanged);
                println!("findings: {} opened, {} reopened, {} resolved", sync.opened, sync.reopened, sync.resolved);
            }
            Ok(0)
        }
        AssetsCommand::List(args) => {
            let store = args.db.open().await?;
            let org = super::resolve_org(&store, &args.org).await?;
            let assets = store.list_assets(org).await?;
            if args.json {
                print_json(&assets)?;
                return Ok(0);
            }
            for a in &assets {
                let x = &a.asset;
                println!("{:<24} {:<15} {:<13} {} {} {}", x.name, x.kind.as_str(), x.criticality.as_str(), x.manufacturer.as_deref().unwrap_or("-"), x.product.as_deref().unwrap_or("-"), x.version.as_deref().unwrap_or(""));
            }
            Ok(0)
        }
    }
}

pub async fn run_risk(cmd: RiskCommand) -> anyhow::Result<u8> {
    match cmd {
        RiskCommand::Posture(args) => {
            let store = args.db.open().await?;
            let org_id = super::resolve_org(&store, &args.org).await?;
            let org = store.get_org(org_id).await?;
            let today = args.on.unwrap_or_else(|| rk::day_of(Timestamp::now()));
            let risk = rk::org_risk(&store, org_id, today).await?;
            if args.json {
                print_json(&rk::export(&risk, org.name.as_str()))?;
                return Ok(0);
            }
            println!("{} — posture on {today}", org.name.as_str());
            for f in &risk.frameworks {
                let basis = match (&f.assessed, &f.inferred) {
                    (Some(_), _) => "assessed".to_owned(),
                    (None, Some(p)) => format!("inferred from {}", p.inferred_from),
                    (None, None) => "not assessed".to_owned(),
                };
                let score = f.score_percent().map_or("—".to_owned(), |s| format!("{s:.0} %"));
                match f.counts() {
                    Some(c) => println!("  {:<16} {:>6}  {basis}: {} compliant, {} partial, {} non-compliant, {} stale, {} not assessed", f.short_title, score, c.compliant, c.partial, c.non_compliant, c.stale, c.not_assessed),
                    None => println!("  {:<16} {:>6}  {basis}", f.short_title, score),
                }
            }
            for (fw, r) in risk.stale() {
                println!("  stale: {fw} {} {}", r.requirement_id, r.title);
            }
            for (fw, r, d) in risk.going_stale() {
                println!("  stale from {d}: {fw} {} {}", r.requirement_id, r.title);
            }
            for (c, n, overdue) in risk.exposures_by_criticality() {
                if n > 0 {
                    println!("  exposures, {}: {n} open ({overdue} past KEV due date)", c.label());
                }
            }
            let non_compliant: usize = risk.frameworks.iter().filter_map(|f| f.assessed.as_ref()).flat_map(|p| &p.requirements).filter(|r| r.status == Status::NonCompliant).count();
            if non_compliant > 0 {
                println!("  {non_compliant} assessed requirement(s) non-compliant");
            }
            Ok(0)
        }
        RiskCommand::Snapshot(args) => {
            let store = args.db.open().await?;
            let now = Timestamp::now();
            let day = args.on.unwrap_or_else(|| rk::day_of(now));
            let (n_orgs, n) = match &args.org {
                Some(o) => {
                    let org = super::resolve_org(&store, o).await?;
                    let risk = rk::org_risk(&store, org, day).await?;
                    (1, rk::record_history(&store, &risk, now).await?)
                }
                None => rk::snapshot_all(&store, day, now).await?,
            };
            eprintln!("recorded the posture of {n_orgs} organisation(s) on {day} ({n} framework rows)");
            Ok(0)
        }
    }
}
