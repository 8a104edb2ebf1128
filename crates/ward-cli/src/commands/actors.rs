//! `ward actors`: the threat-actor register. Import MITRE ATT&CK bundles (STIX 2.0 or 2.1,
//! gzipped or not; idempotent), create actors by hand, add aliases and stated healthcare
//! policies, list and show, and attribute incidents with a confidence level. Runs with the local
//! operator's scope.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use ward_core::actor::StatedPolicy;
use ward_core::{ActorDocument, ActorId, ActorKind, Confidence, IncidentId, ReadScope};
use ward_store::{ActorFilter, ActorRecord, NewAttribution, Store};

use super::keys::KeyArgs;
use super::{print_json, DbArgs};

const EXAMPLES: &str = "Examples:
  ward actors import ../shared/data/attack/mitre_cti_enterprise-attack_v18.1_stix20_assembled.json.gz
  ward actors import ../shared/data/attack/ics-attack-18.1_stix21.json.gz --json
  ward actors create LockBit --kind group --alias 'LockBit 3.0'
  ward actors merge \"LockBit Black\" --into LockBit
  ward actors policy LockBit --statement 'Affiliates may not encrypt hospitals' --source https://example.org/post --date 2022-12-31
  ward actors list --healthcare
  ward actors show G0102 --json
  ward actors attribute INCIDENT-ID LockBit --confidence claimed_by_actor --source https://example.org/leak --date 2024-02-20";

#[derive(clap::Subcommand, Debug)]
#[command(after_help = EXAMPLES)]
pub enum ActorsCommand {
    /// Import a MITRE ATT&CK bundle (Enterprise STIX 2.0, ICS STIX 2.1; .gz or plain JSON). Re-importing changes nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create an actor by hand (a ransomware operation known by its brand, a hacktivist group…).
    Create {
        name: String,
        /// intrusion_set, campaign, malware, tool or group.
        #[arg(long, default_value = "group")]
        kind: String,
        #[arg(long = "alias")]
        aliases: Vec<String>,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Add an alias to an actor.
    Alias {
        /// Actor id, name, alias or ATT&CK id.
        actor: String,
        alias: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Merge an actor into another that names the same group: its name and aliases become
    /// aliases of the other, and its attributions count there.
    Merge {
        /// The actor to merge away (id, name, alias or ATT&CK id).
        duplicate: String,
        /// The actor that remains.
        #[arg(long)]
        into: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Record an actor's stated policy about healthcare, with its source.
    Policy {
        actor: String,
        #[arg(long)]
        statement: String,
        #[arg(long)]
        source: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The register, ranked by incidents attributed and then by individuals affected.
    List {
        /// Only actors documented as targeting healthcare.
        #[arg(long)]
        healthcare: bool,
        #[arg(long)]
        kind: Option<String>,
        /// Only actors with attributed incidents.
        #[arg(long)]
        attributed: bool,
        /// Include revoked and deprecated ATT&CK entries.
        #[arg(long)]
        all: bool,
        /// Name, alias or ATT&CK id contains.
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// One actor: aliases, techniques, healthcare evidence, stated policy, attributions.
    Show {
        actor: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Attribute an incident to an actor with a confidence level and its source (recorded in the hash chain).
    Attribute {
        incident: String,
        actor: String,
        /// confirmed_by_authority, claimed_by_actor, assessed_likely, possible or disputed.
        #[arg(long)]
        confidence: String,
        /// URL of the source that attributes.
        #[arg(long)]
        source: String,
        /// When the source said so (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Resolves an actor by id, name, alias or ATT&CK id; an ambiguous name is an error listing
/// the candidates.
pub async fn resolve(store: &Store, text: &str) -> anyhow::Result<ActorRecord> {
    if let Ok(id) = text.parse::<ActorId>() {
        return Ok(store.get_actor(id).await?);
    }
    let mut found = store.find_actors(text).await?;
    // Prefer live entries over revoked or deprecated namesakes.
    if found.iter().any(|a| !a.doc.revoked && !a.doc.deprecated) {
        found.retain(|a| !a.doc.revoked && !a.doc.deprecated);
    }
    match found.len() {
        0 => bail!("no actor is named {text:?} (try `ward actors list --q {text:?}`)"),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{text:?} names {} actors; use one of their ids: {}",
            found.len(),
            found.iter().map(|a| format!("{} ({} {})", a.id, a.doc.kind, a.doc.attack_id.as_deref().unwrap_or("hand-made"))).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn valid_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 || url.contains(char::is_whitespace) {
        bail!("source: {url:?} is not an http(s) URL");
    }
    Ok(url.to_owned())
}

pub async fn run(cmd: ActorsCommand) -> anyhow::Result<u8> {
    let now = jiff::Timestamp::now();
    match cmd {
        ActorsCommand::Import { files, json, db } => {
            let store = db.open().await?;
            let mut out = Vec::new();
            for file in &files {
                let bundle = ward_import::attack::read_attack_file(file)?;
                let summary = store.import_actors(&bundle.actors, &bundle.domain, now).await?;
                let counts = bundle.counts();
                let healthcare: Vec<String> = bundle
                    .actors
                    .iter()
                    .filter(|a| a.targets_healthcare() && matches!(a.kind, ActorKind::IntrusionSet | ActorKind::Campaign))
                    .map(|a| format!("{} {}", a.attack_id.as_deref().unwrap_or("?"), a.name))
                    .collect();
                let healthcare_software = bundle.actors.iter().filter(|a| a.targets_healthcare() && matches!(a.kind, ActorKind::Malware | ActorKind::Tool)).count();
                if !json {
                    println!("{}: ATT&CK {} (STIX {})", file.display(), bundle.domain, bundle.spec_version);
                    for (kind, (all, live)) in &counts {
                        println!("  {kind}: {all} ({live} neither revoked nor deprecated)");
                    }
                    println!("  healthcare targeting documented: {} groups and campaigns, {healthcare_software} malware and tools", healthcare.len());
                    println!("    {}", healthcare.join(", "));
                    println!("  register: {} created, {} updated, {} unchanged", summary.created, summary.updated, summary.unchanged);
                    println!("  terms of use: {}", bundle.terms_of_use);
                }
                out.push(serde_json::json!({
                    "file": file.display().to_string(), "domain": bundle.domain, "spec_version": bundle.spec_version,
                    "counts": counts.iter().map(|(k, (a, l))| (k.to_string(), serde_json::json!({"all": a, "active": l}))).collect::<serde_json::Map<_, _>>(),
                    "healthcare_groups_and_campaigns": healthcare, "healthcare_software": healthcare_software,
                    "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
                    "terms_of_use": bundle.terms_of_use,
                }));
            }
            if json {
                print_json(&out)?;
            }
            Ok(0)
        }
        ActorsCommand::Create { name, kind, aliases, description, json, db } => {
            let kind: ActorKind = kind.parse().map_err(|e: String| anyhow!("kind: {e}"))?;
            let mut doc = ActorDocument::hand_made(kind, &name).map_err(|e| anyhow!(e))?;
            doc.aliases = aliases.into_iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect();
            doc.description = description;
            let store = db.open().await?;
            let rec = store.create_actor(&doc, now).await?;
            if json {
                print_json(&rec)?;
            } else {
                println!("{}", rec.id);
            }
            Ok(0)
        }
        ActorsCommand::Alias { actor, alias, db } => {
            let store = db.open().await?;
            let rec = resolve(&store, &actor).await?;
            let mut doc = rec.doc.clone();
            let alias = alias.trim().to_owned();
            if alias.is_empty() {
                bail!("alias: must not be empty");
            }
            if !doc.aliases.iter().any(|a| a.eq_ignore_ascii_case(&alias)) {
                doc.aliases.push(alias);
                store.update_actor(rec.id, rec.version, &doc, now).await?;
            }
            Ok(0)
        }
        ActorsCommand::Merge { duplicate, into, db } => {
            let store = db.open().await?;
            let dup = resolve(&store, &duplicate).await?;
            let target = resolve(&store, &into).await?;
            let merged = store.merge_actor(dup.id, target.id, now).await.map_err(|e| anyhow!("cannot merge {duplicate:?} into {into:?}: {e}"))?;
            println!("merged {} into {} ({}); aliases now: {}", dup.doc.name, merged.doc.name, merged.id, merged.doc.aliases.join(", "));
            Ok(0)
        }
        ActorsCommand::Policy { actor, statement, source, date, db } => {
            let store = db.open().await?;
            let rec = resolve(&store, &actor).await?;
            let stated_on = date.map(|d| d.parse::<jiff::civil::Date>().map(|d| d.to_string()).map_err(|e| anyhow!("date: {e}"))).transpose()?;
            if statement.trim().is_empty() {
                bail!("statement: must not be empty");
            }
            let mut doc = rec.doc.clone();
            doc.stated_policy.push(StatedPolicy { statement: statement.trim().to_owned(), source_url: valid_url(&source)?, stated_on });
            store.update_actor(rec.id, rec.version, &doc, now).await?;
            Ok(0)
        }
        ActorsCommand::List { healthcare, kind, attributed, all, q, json, db } => {
            let kind = kind.map(|k| k.parse::<ActorKind>().map_err(|e| anyhow!("kind: {e}"))).transpose()?;
            let store = db.open().await?;
            let filter = ActorFilter { kind, healthcare, include_retired: all, attributed_only: attributed, text: q };
            let rows = store.rank_actors(&ReadScope::LOCAL_OPERATOR, &filter).await?;
            if json {
                print_json(&rows)?;
            } else {
                for r in &rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{} incidents\t{} individuals affected{}",
                        r.id,
                        r.attack_id.as_deref().unwrap_or("-"),
                        r.kind,
                        r.name,
                        r.incidents,
                        r.individuals_affected,
                        if r.healthcare { "\thealthcare targeting documented" } else { "" }
                    );
                }
                eprintln!("{} actors", rows.len());
            }
            Ok(0)
        }
        ActorsCommand::Show { actor, json, db } => {
            let store = db.open().await?;
            let rec = resolve(&store, &actor).await?;
            let attributions = store.actor_attributions(rec.id, &ReadScope::LOCAL_OPERATOR).await?;
            if json {
                print_json(&serde_json::json!({"actor": rec, "attributions": attributions}))?;
            } else {
                let d = &rec.doc;
                println!("{} ({}, {})", d.name, d.kind.label(), d.attack_id.as_deref().unwrap_or("hand-made"));
                if d.revoked || d.deprecated {
                    println!("  {}", if d.revoked { "revoked by MITRE" } else { "deprecated by MITRE" });
                }
                if !d.aliases.is_empty() {
                    println!("  aliases: {}", d.aliases.join(", "));
                }
                println!("  techniques: {}", d.techniques.len());
                for e in &d.healthcare_evidence {
                    println!("  healthcare ({}): {} [{}]", e.term, e.sentence, e.source);
                }
                for p in &d.stated_policy {
                    println!("  stated policy: {} [{}{}]", p.statement, p.source_url, p.stated_on.as_deref().map(|d| format!(", {d}")).unwrap_or_default());
                }
                for a in &attributions {
                    println!("  {}: {} ({}, {}, source {})", a.confidence.wording(), a.incident_title, a.incident_id, a.stated_on, a.source_url);
                }
                if let Some(t) = &d.terms_of_use {
                    println!("  {t}");
                }
            }
            Ok(0)
        }
        ActorsCommand::Attribute { incident, actor, confidence, source, date, note, json, key, db } => {
            let incident: IncidentId = incident.parse().map_err(|e| anyhow!("incident: {e}"))?;
            let confidence: Confidence = confidence.parse().map_err(|e: String| anyhow!("confidence: {e}"))?;
            let stated_on: jiff::civil::Date = date.parse().map_err(|e| anyhow!("date: {e}"))?;
            let source_url = valid_url(&source)?;
            let store = db.open().await?;
            let rec = resolve(&store, &actor).await?;
            let new = NewAttribution { incident_id: incident, actor_id: rec.id, confidence, source_url, stated_on, note };
            let a = store.attribute(&new, &ReadScope::LOCAL_OPERATOR, None, now).await?;
            let signing = super::keys::load_or_create(&key.dir(&db.database_url))?;
            super::keys::checkpoint(&store, &signing, "attribution").await?;
            if json {
                print_json(&a)?;
            } else {
                println!("{}", a.id);
            }
            Ok(0)
        }
    }
}
