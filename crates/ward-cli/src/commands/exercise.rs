//! `ward exercise …`: the shipped tabletop scenarios (list, validate a file before adding it),
//! an organisation's runs, and a run's after-action report as text or JSON — run on the
//! database host as the local operator. Runs are set up and played in the web UI.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use jiff::Timestamp;
use ward_exercise::duration::human;
use ward_exercise::scenario::{self, Scenario};
use ward_exercise::{after_action, RunState};

use super::{print_json, resolve_org, DbArgs};

#[derive(clap::Subcommand, Debug)]
pub enum ExerciseCommand {
    /// List the shipped scenarios.
    Scenarios {
        #[arg(long)]
        json: bool,
    },
    /// Validate scenario files (all shipped ones without FILE); every problem is named.
    Validate {
        files: Vec<PathBuf>,
    },
    /// Set up a run of a scenario for an organisation (it is started and played in the web UI);
    /// prints the run's id.
    Create {
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        /// Scenario id (see `ward exercise scenarios`).
        #[arg(long)]
        scenario: String,
        #[arg(long)]
        title: String,
        /// The story's start (RFC 3339, e.g. 2026-06-06T02:10:00+02:00); default: now.
        #[arg(long)]
        origin: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// An organisation's runs with their key metrics.
    Runs {
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// A run's after-action report (metrics, strengths, gaps, proposals, timeline).
    Report {
        /// The run's id (from `ward exercise runs`).
        run: String,
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: ExerciseCommand) -> anyhow::Result<u8> {
    match cmd {
        ExerciseCommand::Scenarios { json } => {
            let all = scenario::embedded().map_err(|e| anyhow!("{e}"))?;
            if json {
                print_json(&all)?;
            } else {
                for s in all {
                    println!("{}\tv{}\t{} injects\t{} roles\t{}\t{}", s.id, s.version, s.injects.len(), s.roles.len(), s.organisation.country, s.title);
                }
            }
            Ok(0)
        }
        ExerciseCommand::Validate { files } => {
            let inputs: Vec<(String, String)> = if files.is_empty() {
                scenario::EMBEDDED.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect()
            } else {
                let mut v = Vec::new();
                for f in &files {
                    let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    let meta = std::fs::metadata(f).with_context(|| format!("reading {}", f.display()))?;
                    if meta.len() > scenario::MAX_FILE_BYTES as u64 {
                        eprintln!("error: {}: larger than {} bytes", f.display(), scenario::MAX_FILE_BYTES);
                        return Ok(1);
                    }
                    v.push((name, std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?));
                }
                v
            };
            let mut bad = 0;
            for (name, text) in &inputs {
                match Scenario::from_yaml(name, text) {
                    Ok(s) => eprintln!("ok: {} ({} injects, {} expectations)", s.id, s.injects.len(), s.expectations().count()),
                    Err(e) => {
                        bad += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            println!("{} scenario(s), {} invalid", inputs.len(), bad);
            Ok(u8::from(bad > 0))
        }
        ExerciseCommand::Create { org, scenario: id, title, origin, db } => {
            let s = scenario::find(&id).ok_or_else(|| anyhow!("--scenario: {id:?} is not a shipped scenario (see ward exercise scenarios)"))?;
            let now = Timestamp::now();
            let origin = match origin {
                None => now,
                Some(o) => o.parse::<Timestamp>().map_err(|_| anyhow!("--origin: {o:?} is not an instant such as 2026-06-06T02:10:00+02:00"))?,
            };
            let store = db.open().await?;
            let org = resolve_org(&store, &org).await?;
            let run = store.create_exercise_run(org, &s.id, s.version, &title, origin, None, now).await.map_err(|e| anyhow!("{e}"))?;
            println!("{}", run.id);
            Ok(0)
        }
        ExerciseCommand::Runs { org, json, db } => {
            let store = db.open().await?;
            let org = resolve_org(&store, &org).await?;
            let runs = store.exercise_runs(org).await?;
            if json {
                let rows: Vec<serde_json::Value> = runs
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "title": r.title, "scenario_id": r.scenario_id, "scenario_version": r.scenario_version,
                            "status": r.status, "created_at": r.created_at.to_string(), "finished_at": r.finished_at.map(|t| t.to_string()),
                            "metrics": r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()),
                        })
                    })
                    .collect();
                print_json(&rows)?;
            } else {
                for r in &runs {
                    let m = r.summary.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
                    let t = |k: &str| m.as_ref().and_then(|m| m.get(k)).and_then(serde_json::Value::as_i64).map_or("—".to_owned(), human);
                    println!("{}\t{}\t{}\t{}\tescalate {}\tdowntime {}\tfirst notification {}", r.id, r.status, r.scenario_id, r.title, t("time_to_escalate_seconds"), t("time_to_downtime_seconds"), t("time_to_first_notification_seconds"));
                }
            }
            Ok(0)
        }
        ExerciseCommand::Report { run, org, json, db } => {
            let store = db.open().await?;
            let org = resolve_org(&store, &org).await?;
            let r = store.exercise_run(org, &run).await?.ok_or_else(|| anyhow!("no run {run} in that organisation (see ward exercise runs)"))?;
            let s = scenario::find(&r.scenario_id).ok_or_else(|| anyhow!("the run's scenario {} no longer ships", r.scenario_id))?;
            let events = store.exercise_events(org, &run).await?;
            let state = RunState::replay(s, r.origin_at, events);
            let aar = after_action(&state, Timestamp::now());
            if json {
                let improvements = store.improvements(org, Some(&run)).await?;
                print_json(&serde_json::json!({"after_action": aar, "improvements": improvements}))?;
                return Ok(0);
            }
            let m = &aar.metrics;
            let t = |v: Option<i64>| v.map_or("—".to_owned(), human);
            println!("{} — {} ({})", aar.scenario_title, r.title, state.status.label());
            println!("time to escalate: {}", t(m.time_to_escalate_seconds));
            println!("time to downtime procedures: {}", t(m.time_to_downtime_seconds));
            println!(
                "time to first notification: {} (deadline {}{})",
                t(m.time_to_first_notification_seconds),
                t(m.first_deadline_seconds),
                m.first_deadline_obligation.as_deref().map(|o| format!(", {o}")).unwrap_or_default()
            );
            println!("time to diversion decision: {}", t(m.time_to_diversion_decision_seconds));
            println!("expected actions: {} met, {} late, {} missed, {} open", m.expectations.met, m.expectations.late, m.expectations.missed, m.expectations.pending);
            for (title, items) in [("strengths", &aar.strengths), ("gaps", &aar.gaps)] {
                println!("{title}:");
                for i in items {
                    println!("  - {i}");
                }
            }
            println!("proposed improvements:");
            for p in &aar.proposals {
                println!("  - {}{}", p.text, if p.controls.is_empty() { String::new() } else { format!(" [{}]", p.controls.join(", ")) });
            }
            Ok(0)
        }
    }
}
