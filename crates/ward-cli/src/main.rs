//! `ward`: one program that protects healthcare from cyber harm.
//!
//! This binary only parses arguments, sets up logging and hands over to the library crates.
//! Exit codes: 0 success, 1 failure, 2 usage error (and `ward match` follows grep: 1 = matches).

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  ward demo                                   # fresh demo database with curated incidents; prints the URL
  ward serve --bind 127.0.0.1:8080            # serve ./ward.db (SQLite, created on first use)
  ward serve --database-url postgres://ward@127.0.0.1/ward
  ward admin create-org \"St Example Hospital\" --type hospital --country IE
  echo 'a long password' | ward admin create-user --org \"St Example Hospital\" --email it@example.org --role org_admin
  ward admin create-token --email it@example.org --expires-days 90
  ward incident create --org \"St Example Hospital\" --file incident.yaml
  ward incident list --country IE --json
  ward kev import known_exploited_vulnerabilities.json
  ward assets import --org \"St Example Hospital\" assets.csv
  ward risk posture --org \"St Example Hospital\"
  ward harm estimate --beds 350 --admissions-per-day 40 --downtime-days 14";

#[derive(Parser, Debug)]
#[command(name = "ward", version, about = "Protect healthcare from cyber harm: trace attacks and their human harm, report once, share, detect.", after_help = EXAMPLES)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Human, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web UI and REST API.
    Serve(commands::serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(commands::DbArgs),
    /// Start a demo: a fresh ward-demo.db with the curated starter dataset, a one-time admin password, and the server.
    Demo(commands::demo::DemoArgs),
    /// Administer organisations, users and API tokens.
    #[command(subcommand)]
    Admin(commands::admin::AdminCommand),
    /// Create, show and list incidents.
    #[command(subcommand)]
    Incident(commands::incident::IncidentCommand),
    /// Match logs against indicators (exact domain, URL, IP/CIDR, hash, e-mail semantics). Exit 0 no match, 1 matches, 2 error.
    Match(commands::match_store::WardMatchArgs),
    /// Import public datasets: vcdb, hhs, cipher, stix.
    Import(commands::import::ImportArgs),
    /// Grouped counts and headline totals of the tracer.
    Stats(commands::stats::StatsArgs),
    /// Write the tracer's headline totals, dated, with the query that produced them.
    Snapshot(commands::stats::SnapshotArgs),
    /// Reporting obligations: evaluate an incident's facts against every encoded regime; draft the reports.
    #[command(subcommand)]
    Obligations(commands::obligations::ObligationsCommand),
    /// The threat-actor register: import MITRE ATT&CK, create actors, attribute incidents.
    #[command(subcommand)]
    Actors(commands::actors::ActorsCommand),
    /// Evidence packages: export an incident's signed history; verify a package offline.
    #[command(subcommand)]
    Evidence(commands::evidence::EvidenceCommand),
    /// Recompute the tamper-evident history (hash chain) and check its signed checkpoints. Exit 0 OK, 1 on the first entry that does not verify.
    Verify(commands::verify::VerifyArgs),
    /// The regime rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// TAXII 2.1 collections: create and list.
    #[command(subcommand)]
    Taxii(commands::taxii::TaxiiCommand),
    /// STIX 2.1 bundles: import into a TAXII collection.
    #[command(subcommand)]
    Stix(commands::taxii::StixCommand),
    /// Sharing groups: named sets of organisations granted read/write on TAXII collections.
    #[command(subcommand)]
    Sharing(commands::sharing::SharingCommand),
    /// MISP events: convert to STIX 2.1 and import into a TAXII collection.
    #[command(subcommand)]
    Misp(commands::taxii::MispCommand),
    /// Federation: pull a remote TAXII 2.1 collection into a local one, incrementally.
    #[command(subcommand)]
    Sync(commands::sync::SyncCommand),
    /// Control frameworks and crosswalks (NIS2 Art. 21(2), HHS HPH CPGs, 405(d) HICP, CISA CPG 2.0): list, validate.
    #[command(subcommand)]
    Frameworks(commands::risk::FrameworksCommand),
    /// The CISA Known Exploited Vulnerabilities catalogue: import (JSON or CSV), showing what was added.
    #[command(subcommand)]
    Kev(commands::risk::KevCommand),
    /// Asset and medical-device inventory: import from CSV, list.
    #[command(subcommand)]
    Assets(commands::risk::AssetsCommand),
    /// Continuous risk management: posture per framework, stale evidence, exposures; daily snapshots.
    #[command(subcommand)]
    Risk(commands::risk::RiskCommand),
    /// Culture of resilience: the account-less report link, the response team, departments, triage timers, escalation.
    #[command(subcommand)]
    Culture(commands::culture::CultureCommand),
    /// Tabletop exercises: the shipped scenarios, validating a scenario file, an organisation's runs and a run's after-action report.
    #[command(subcommand)]
    Exercise(commands::exercise::ExerciseCommand),
    /// Cyber-hygiene lessons: list and validate.
    #[command(subcommand)]
    Lessons(commands::culture::LessonsCommand),
    /// Patient-harm estimate for a cyberattack: ranges from published studies, each parameter with its citation.
    #[command(subcommand)]
    Harm(commands::harm::HarmCommand),
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Load and check rule files (the built-in ones, or a directory).
    Check(commands::obligations::RulesCheckArgs),
}

/// Exit codes from library commands, clamped into a process status.
fn code(c: i32) -> u8 {
    u8::try_from(c).unwrap_or(1)
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("WARD_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Migrate(args) => commands::migrate(args).await,
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Admin(cmd) => commands::admin::run(cmd).await,
            Command::Incident(cmd) => commands::incident::run(cmd).await,
            Command::Match(args) => Ok(match commands::match_store::run(args).await {
                Ok(c) => code(c),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    2
                }
            }),
            Command::Import(args) => commands::import::run(args).await,
            Command::Stats(args) => commands::stats::stats(args).await,
            Command::Snapshot(args) => commands::stats::snapshot(args).await,
            Command::Obligations(commands::obligations::ObligationsCommand::Evaluate(args)) => commands::obligations::run_evaluate(args).map(code),
            Command::Obligations(commands::obligations::ObligationsCommand::Report(args)) => commands::obligations::run_report(args).map(code),
            Command::Obligations(commands::obligations::ObligationsCommand::List(args)) => commands::obligations::run_list(args).await,
            Command::Obligations(commands::obligations::ObligationsCommand::Reevaluate(args)) => commands::obligations::run_reevaluate(args).await,
            Command::Actors(cmd) => commands::actors::run(cmd).await,
            Command::Evidence(cmd) => commands::evidence::run(cmd).await,
            Command::Verify(args) => commands::verify::run(args).await,
            Command::Taxii(cmd) => commands::taxii::run(cmd).await,
            Command::Stix(cmd) => commands::taxii::run_stix(cmd).await,
            Command::Misp(cmd) => commands::taxii::run_misp(cmd).await,
            Command::Sharing(cmd) => commands::sharing::run(cmd).await,
            Command::Sync(cmd) => commands::sync::run(cmd).await,
            Command::Frameworks(cmd) => commands::risk::run_frameworks(cmd).await,
            Command::Kev(cmd) => commands::risk::run_kev(cmd).await,
            Command::Assets(cmd) => commands::risk::run_assets(cmd).await,
            Command::Risk(cmd) => commands::risk::run_risk(cmd).await,
            Command::Culture(cmd) => commands::culture::run(cmd).await,
            Command::Exercise(cmd) => commands::exercise::run(cmd).await,
            Command::Lessons(cmd) => commands::culture::run_lessons(cmd),
            Command::Harm(cmd) => commands::harm::run(cmd),
            Command::Rules(RulesCommand::Check(args)) => commands::obligations::run_rules_check(args).map(code),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
