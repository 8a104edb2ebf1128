//! `ward culture …` (the organisation report link, the response team, departments, triage
//! timers, one escalation-and-delivery pass) and `ward lessons list|validate`, run on the
//! database host as the local operator; and the notification settings `ward serve` shares.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use jiff::Timestamp;
use ward_culture::lessons::{self, Lesson};
use ward_culture::{Category, TriageConfig};
use ward_web::culture::{NotifyConfig, SmtpConfig, WebhookConfig};

use super::{print_json, DbArgs};

/// Where notifications go (shared by `serve`, `demo` and `culture tick`). The webhook secret
/// comes only from the environment (`WARD_WEBHOOK_SECRET`), never from the command line.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NotifyArgs {
    /// SMTP relay host for e-mail notifications (plain SMTP to a local relay).
    #[arg(long, env = "WARD_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "WARD_SMTP_PORT", default_value_t = 25)]
    pub smtp_port: u16,
    /// Sender address of notification e-mails.
    #[arg(long, env = "WARD_SMTP_FROM", default_value = "ward@localhost")]
    pub smtp_from: String,
    /// URL that receives signed JSON notifications (HMAC-SHA256 in X-Ward-Signature; the secret is read from WARD_WEBHOOK_SECRET).
    #[arg(long, env = "WARD_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// The URL responders open, for links in notifications.
    #[arg(long, env = "WARD_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl NotifyArgs {
    pub fn config(&self) -> anyhow::Result<NotifyConfig> {
        let webhook = match &self.webhook_url {
            None => None,
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!("--webhook-url: must be an http:// or https:// URL");
                }
                let secret = std::env::var("WARD_WEBHOOK_SECRET").map_err(|_| anyhow!("--webhook-url needs the signing secret in WARD_WEBHOOK_SECRET"))?;
                if secret.len() < 16 {
                    bail!("WARD_WEBHOOK_SECRET: must be at least 16 characters");
                }
                Some(WebhookConfig { url: url.clone(), secret: secret.into_bytes() })
            }
        };
        Ok(NotifyConfig {
            smtp: self.smtp_host.clone().map(|host| SmtpConfig { host, port: self.smtp_port, from: self.smtp_from.clone() }),
            webhook,
            public_url: self.public_url.clone(),
        })
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum CultureCommand {
    /// Turn on (or replace) the organisation's account-less report link and print it.
    ///
    /// Example: ward culture link --org "St Example Hospital" --base-url https://ward.example.org
    Link {
        #[arg(long)]
        org: String,
        /// Turn the link off instead.
        #[arg(long)]
        disable: bool,
        /// Keep the current link if there is one (print it).
        #[arg(long)]
        keep: bool,
        #[arg(long, env = "WARD_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The response team.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Set a department's head count (for reports per 100 staff and lesson completion).
    ///
    /// Example: ward culture department --org "St Example Hospital" "Ward 4B" --staff 42
    Department {
        #[arg(long)]
        org: String,
        name: String,
        #[arg(long)]
        staff: u32,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set the triage timers of a category, or the minutes between escalation levels.
    ///
    /// Example: ward culture timers --org "St Example Hospital" --category suspicious_email --ack-minutes 10 --decide-minutes 60
    Timers {
        #[arg(long)]
        org: String,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        ack_minutes: Option<i64>,
        #[arg(long)]
        decide_minutes: Option<i64>,
        #[arg(long)]
        escalation_interval_minutes: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Escalate overdue reports and deliver due notifications once (what `ward serve` does
    /// every 15 seconds). `--now` evaluates at another instant (drills and tests).
    ///
    /// Example: ward culture tick --now 2026-11-30T09:00:00Z --json
    Tick {
        #[arg(long)]
        now: Option<Timestamp>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        notify: NotifyArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TeamCommand {
    /// Add a member to the response team.
    ///
    /// Example: ward culture team add --org "St Example Hospital" --name "Dana Ruiz" --email dana@example.org --function it --level 1 --on-call
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// it, clinical, facilities, communications, data_protection or management.
        #[arg(long)]
        function: String,
        /// Escalation level (1 is alerted first).
        #[arg(long, default_value_t = 1)]
        level: u32,
        #[arg(long)]
        on_call: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the team.
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum LessonsCommand {
    /// List the built-in lessons.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Validate lesson files (a directory of *.yaml, or the built-in ones). Exit 1 naming every bad field.
    ///
    /// Example: ward lessons validate lessons/
    Validate { dir: Option<PathBuf> },
}


fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn run(cmd: CultureCommand) -> anyhow::Result<u8> {
    match cmd {
        CultureCommand::Link { org, disable, keep, base_url, db } => {
            let store = db.open().await?;
            let org = super::resolve_org(&store, &org).await?;
            let mut s = store.culture_settings(org).await?;
            if disable {
                s.link_enabled = false;
            } else {
                if !(keep && s.link_token.is_some()) {
                    s.link_token = Some(random_token());
                }
                s.link_enabled = true;
            }
            store.save_culture_settings(org, &s, Timestamp::now()).await?;
            if disable {
                eprintln!("the report link is off");
            } else {
                println!("{}/r/{}", base_url.trim_end_matches('/'), s.link_token.unwrap_or_default());
            }
            Ok(0)
        }
        CultureCommand::Team(TeamCommand::Add { org, name, email, function, level, on_call, db }) => {
            let store = db.open().await?;
            let org = super::resolve_org(&store, &org).await?;
            let (name, email, function, level) = ward_web::culture::check_member(&name, &email, &function, &level.to_string()).map_err(|p| anyhow!("--{p}"))?;
            let m = store.add_team_member(org, &name, &email, &function, on_call, level, Timestamp::now()).await.map_err(|e| match e {
                ward_store::StoreError::Duplicate { .. } => anyhow!("--email: {email} is already in the team"),
                e => e.into(),
            })?;
            println!("{}", m.id);
            Ok(0)
        }
        CultureCommand::Team(TeamCommand::List { org, json, db }) => {
            let store = db.open().await?;
            let team = store.team(super::resolve_org(&store, &org).await?).await?;
            if json {
                print_json(&team)?;
            } else {
                for m in team {
                    println!("{}\t{}\t{}\tlevel {}\t{}", m.name, m.email, m.function, m.escalation_level, if m.on_call { "on call" } else { "" });
                }
            }
            Ok(0)
        }
        CultureCommand::Department { org, name, staff, db } => {
            let store = db.open().await?;
            let org = super::resolve_org(&store, &org).await?;
            let name = ward_culture::clean_text("name", &name, ward_culture::report::MAX_DEPARTMENT_CHARS).map_err(|p| anyhow!("{p}"))?;
            if name.is_empty() || staff == 0 {
                bail!("a department needs a name and at least one staff member");
            }
            store.set_department(org, &name, staff).await?;
            Ok(0)
        }
        CultureCommand::Timers { org, category, ack_minutes, decide_minutes, escalation_interval_minutes, db } => {
            let store = db.open().await?;
            let org = super::resolve_org(&store, &org).await?;
            if let Some(c) = category {
                let c: Category = c.parse().map_err(|e| anyhow!("--category: {e}"))?;
                let current = store.triage_configs(org).await?[&c];
                let cfg = TriageConfig::new(ack_minutes.unwrap_or(current.ack_minutes), decide_minutes.unwrap_or(current.decide_minutes)).map_err(|p| anyhow!("--{}: {}", p.field.replace('_', "-"), p.reason))?;
                store.set_triage_config(org, c, cfg).await?;
            }
            if let Some(m) = escalation_interval_minutes {
                if !(1..=ward_culture::triage::MAX_TIMER_MINUTES).contains(&m) {
                    bail!("--escalation-interval-minutes: must be between 1 and {}", ward_culture::triage::MAX_TIMER_MINUTES);
                }
                let mut s = store.culture_settings(org).await?;
                s.escalation_interval_minutes = m;
                store.save_culture_settings(org, &s, Timestamp::now()).await?;
            }
            for (c, cfg) in store.triage_configs(org).await? {
                println!("{}\tacknowledge {} min\tdecide {} min", c.as_str(), cfg.ack_minutes, cfg.decide_minutes);
            }
            Ok(0)
        }
        CultureCommand::Tick { now, json, notify, db } => {
            let store = db.open().await?;
            let cfg = notify.config()?;
            let (e, d) = ward_web::culture::tick(&store, &cfg, now.unwrap_or_else(Timestamp::now)).await?;
            if json {
                print_json(&serde_json::json!({"escalation": e, "delivery": d}))?;
            } else {
                println!("{} open report(s), {} escalation(s); {} delivered, {} to retry, {} failed", e.open_reports, e.escalations, d.delivered, d.retrying, d.failed);
            }
            Ok(0)
        }
    }
}

pub fn run_lessons(cmd: LessonsCommand) -> anyhow::Result<u8> {
    match cmd {
        LessonsCommand::List { json } => {
            let all = lessons::embedded().map_err(|e| anyhow!("{e}"))?;
            if json {
                print_json(&all)?;
            } else {
                for l in all {
                    println!("{}\t{} min\t{}\t{}", l.id, l.minutes, l.audience.join(","), l.title);
                }
            }
            Ok(0)
        }
        LessonsCommand::Validate { dir } => {
            let files: Vec<(String, String)> = match dir {
                None => lessons::EMBEDDED.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect(),
                Some(d) => {
                    let mut v = Vec::new();
                    for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
                        let p = entry?.path();
                        if p.extension().is_some_and(|e| e == "yaml") {
                            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                            v.push((name, std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?));
                        }
                    }
                    v.sort();
                    v
                }
            };
            let mut bad = 0;
            for r in lessons::validate_all(&files) {
                match r {
                    Ok(Lesson { id, .. }) => eprintln!("ok: {id}"),
                    Err(e) => {
                        bad += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            println!("{} lesson(s), {} invalid", files.len(), bad);
            Ok(u8::from(bad > 0))
        }
    }
}
