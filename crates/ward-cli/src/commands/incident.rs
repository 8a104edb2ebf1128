//! `ward incident`: create from a JSON/YAML file, show, list. The CLI runs on the database
//! host with the local operator's scope.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use ward_core::{IncidentDraft, IncidentId, ReadScope};
use ward_store::IncidentFilter;

use super::{print_json, DbArgs};

#[derive(clap::Subcommand, Debug)]
pub enum IncidentCommand {
    /// Record an incident from a JSON or YAML file.
    Create {
        #[arg(long)]
        file: PathBuf,
        /// Name of the owning organisation.
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show one incident.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Link a record into the incident it duplicates (counted once, there).
    Link {
        /// The duplicate record.
        id: String,
        /// The incident it reports too.
        #[arg(long)]
        into: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Undo a link: the record counts on its own again.
    Unlink {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Share an anonymised copy of an incident with the community (TLP:GREEN) or the public
    /// (TLP:CLEAR) as STIX 2.1 in a TAXII collection, acting as a ward user who may change the
    /// incident. The incident itself is not changed. `--dry-run` prints what would be shared.
    ///
    /// Example: ward incident share 0193… --as analyst@hospital.example --audience community --collection 9c1e…
    Share {
        id: String,
        /// The ward user (e-mail) sharing it; must be allowed to change the incident.
        #[arg(long = "as", value_name = "EMAIL")]
        as_user: String,
        #[arg(long, default_value = "community")]
        audience: String,
        /// The collection id (one the user's organisation may write); not needed with --dry-run.
        #[arg(long)]
        collection: Option<String>,
        /// Print the anonymised form and its STIX objects; store nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List incidents, most recent first.
    List {
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        attack_type: Option<String>,
        /// Free-text search.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: IncidentCommand) -> anyhow::Result<u8> {
    match cmd {
        IncidentCommand::Share { id, as_user, audience, collection, dry_run, json, db } => {
            let audience: ward_core::anonymise::Audience = audience.parse().map_err(|e| anyhow!("--audience: {e}"))?;
            let id: IncidentId = id.parse().map_err(|_| anyhow!("{id:?} is not an incident id"))?;
            let email: ward_core::text::Email = as_user.parse().map_err(|e| anyhow!("--as: {e}"))?;
            let store = db.open().await?;
            let user = store.user_by_email(&email).await.map_err(|_| anyhow!("--as: no ward user {email}"))?;
            let principal = user.principal();
            let r = ward_web::share::promotable(&store, &principal, id).await.map_err(|e| anyhow!("incident {id}: {e}"))?;
            let now = jiff::Timestamp::now();
            if dry_run {
                let (a, objects) = ward_web::share::preview(&r, audience, now);
                if json {
                    print_json(&serde_json::json!({"anonymised": a, "bundle": {"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects}}))?;
                } else {
                    println!("{}\n{} · {}\n{}", a.title, a.victim, a.tlp.label(), a.description.as_deref().unwrap_or(""));
                    for f in &a.figures {
                        println!("{}: {}", f.label, f.shown);
                    }
                }
                return Ok(0);
            }
            let Some(collection) = collection else { bail!("--collection is required (or --dry-run)") };
            let promoted = ward_web::share::promote(&store, &principal, &r, audience, &collection, now).await.map_err(|e| match e {
                ward_web::error::ApiError::Validation(v) => anyhow!("--{}", v.0.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect::<Vec<_>>().join("; ")),
                other => anyhow!("{other}"),
            })?;
            if json {
                print_json(&promoted)?;
            } else {
                eprintln!("shared {} objects at TLP:{} in collection {}", promoted.objects.len(), promoted.tlp.to_uppercase(), promoted.collection);
            }
            Ok(0)
        }
        IncidentCommand::Create { file, org, json, db } => {
            let meta = std::fs::metadata(&file).with_context(|| format!("reading {}", file.display()))?;
            if meta.len() as usize > ward_core::limits::MAX_INCIDENT_DOCUMENT_BYTES {
                bail!("{}: {} bytes; the limit is {}", file.display(), meta.len(), ward_core::limits::MAX_INCIDENT_DOCUMENT_BYTES);
            }
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let is_json = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let draft = if is_json { IncidentDraft::from_json(&text) } else { IncidentDraft::from_yaml(&text) }
                .map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let store = db.open().await?;
            let org = store.org_by_name(&org).await.map_err(|_| anyhow!("--org: no organisation named {org:?}"))?;
            let rec = store.create_incident(org.id, &draft, None, jiff::Timestamp::now()).await?;
            if json { print_json(&rec)?; } else { println!("{}", rec.id); }
            Ok(0)
        }
        IncidentCommand::Show { id, json, db } => {
            let id: IncidentId = id.parse().map_err(|e: ward_core::FieldError| anyhow!("{e}"))?;
            let store = db.open().await?;
            let rec = store.get_incident(id, &ReadScope::LOCAL_OPERATOR).await.map_err(|_| anyhow!("no incident {id}"))?;
            if json {
                print_json(&rec)?;
            } else {
                let d = &rec.draft;
                println!("{}  [{}]  version {}", d.title, d.tlp.label(), rec.version);
                println!("victim:   {} ({}, {})", d.victim.name.as_ref().map(|n| n.as_str()).unwrap_or("not named"), d.victim.org_type.label(), d.victim.country.name());
                if let Some(date) = d.reference_date() { println!("date:     {date}"); }
                if !d.attack_types.is_empty() { println!("attack:   {}", d.attack_types.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")); }
                for s in &d.sources { println!("source:   {} — {}", s.publisher, s.url); }
            }
            Ok(0)
        }
        IncidentCommand::Link { id, into, db } => {
            let id: IncidentId = id.parse().map_err(|e: ward_core::FieldError| anyhow!("{e}"))?;
            let into: IncidentId = into.parse().map_err(|e: ward_core::FieldError| anyhow!("--into: {e}"))?;
            let store = db.open().await?;
            store.merge_into(id, into, None, jiff::Timestamp::now()).await.map_err(|e| anyhow!("cannot link {id} into {into}: {e}"))?;
            eprintln!("{id} is linked into {into}");
            Ok(0)
        }
        IncidentCommand::Unlink { id, db } => {
            let id: IncidentId = id.parse().map_err(|e: ward_core::FieldError| anyhow!("{e}"))?;
            let store = db.open().await?;
            store.unmerge(id, None, jiff::Timestamp::now()).await.map_err(|e| anyhow!("cannot unlink {id}: {e}"))?;
            eprintln!("{id} counts on its own again");
            Ok(0)
        }
        IncidentCommand::List { country, attack_type, q, limit, json, db } => {
            let filter = IncidentFilter {
                country: country.map(|c| c.parse().map_err(|e: String| anyhow!("--country: {e}"))).transpose()?,
                attack_type: attack_type.map(|a| a.parse().map_err(|e: String| anyhow!("--attack-type: {e}"))).transpose()?,
                text: q,
                ..Default::default()
            };
            let store = db.open().await?;
            let page = store.list_incidents(&ReadScope::LOCAL_OPERATOR, &filter, None, limit).await?;
            if json {
                print_json(&page.items)?;
            } else {
                for r in &page.items {
                    let date = r.draft.reference_date().map(|d| d.to_string()).unwrap_or_else(|| "----------".into());
                    println!("{}  {}  {}  {:<16}  {}", r.id, date, r.draft.victim.country, r.draft.tlp.label(), r.draft.title);
                }
            }
            Ok(0)
        }
    }
}
