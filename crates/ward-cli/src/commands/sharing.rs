//! `ward sharing …`: sharing groups (named sets of organisations) and their grants on TAXII
//! collections, and each organisation's TLP:AMBER clients, run on the database host as the
//! local operator (the web page `/sharing` does the same for administrators).

use anyhow::{anyhow, bail};
use ward_store::MAX_GROUP_NAME_CHARS;

use super::{print_json, DbArgs};

#[derive(clap::Subcommand, Debug)]
pub enum SharingCommand {
    /// Create a sharing group.
    ///
    /// Example: ward sharing create-group "North region hospitals" --description "regional network"
    CreateGroup {
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Add organisations (names or ids) to a group.
    AddMember {
        group: String,
        #[arg(required = true)]
        orgs: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Remove organisations from a group (their access through it ends at once).
    RemoveMember {
        group: String,
        #[arg(required = true)]
        orgs: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Grant a group read and/or write on a collection; neither flag revokes the grant.
    Grant {
        #[arg(long)]
        collection: String,
        #[arg(long)]
        group: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Name an organisation a client of another: the client then reads the organisation's
    /// TLP:AMBER objects and incidents (never AMBER+STRICT or RED) on this instance.
    ///
    /// Example: ward sharing add-client --org "Health ISAC" --client "Hospital C"
    AddClient(ClientArgs),
    /// Remove a client (its access to the organisation's TLP:AMBER ends on its next request).
    RemoveClient(ClientArgs),
    /// List groups with their members, then every organisation's TLP:AMBER clients
    /// (`--json`: `{"groups": [...], "clients": [...]}`).
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `--org` names `--client` (names or ids).
#[derive(clap::Args, Debug)]
pub struct ClientArgs {
    #[arg(long)]
    org: String,
    #[arg(long)]
    client: String,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(cmd: SharingCommand) -> anyhow::Result<u8> {
    match cmd {
        SharingCommand::CreateGroup { name, description, json, db } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > MAX_GROUP_NAME_CHARS {
                bail!("the group name must have 1 to {MAX_GROUP_NAME_CHARS} characters");
            }
            let store = db.open().await?;
            let g = match store.create_sharing_group(name, description.as_deref(), jiff::Timestamp::now()).await {
                Err(ward_store::StoreError::Duplicate { .. }) => bail!("a sharing group named {name:?} exists already"),
                other => other?,
            };
            if json { print_json(&g)?; } else { println!("{}", g.id); }
            Ok(0)
        }
        SharingCommand::AddMember { group, orgs, db } => {
            let store = db.open().await?;
            let g = store.sharing_group(&group).await.map_err(|_| anyhow!("no sharing group {group:?}"))?;
            for o in &orgs {
                let id = super::resolve_org(&store, o).await?;
                let new = store.add_group_member(&g.id, id, jiff::Timestamp::now()).await?;
                eprintln!("{o}: {}", if new { "added" } else { "already a member" });
            }
            Ok(0)
        }
        SharingCommand::RemoveMember { group, orgs, db } => {
            let store = db.open().await?;
            let g = store.sharing_group(&group).await.map_err(|_| anyhow!("no sharing group {group:?}"))?;
            for o in &orgs {
                let id = super::resolve_org(&store, o).await?;
                let was = store.remove_group_member(&g.id, id).await?;
                eprintln!("{o}: {}", if was { "removed" } else { "was not a member" });
            }
            Ok(0)
        }
        SharingCommand::Grant { collection, group, read, write, db } => {
            let store = db.open().await?;
            match store.grant_collection_to_group(&collection, &group, read, write).await {
                Err(ward_store::StoreError::NotFound) => bail!("no collection {collection} or no sharing group {group:?}"),
                other => other?,
            }
            eprintln!("{group} on {collection}: {}", match (read, write) { (false, false) => "grant revoked", (true, false) => "read", (false, true) => "write", (true, true) => "read and write" });
            Ok(0)
        }
        SharingCommand::AddClient(ClientArgs { org, client, db }) => {
            let store = db.open().await?;
            let (org_id, client_id) = (super::resolve_org(&store, &org).await?, super::resolve_org(&store, &client).await?);
            let new = match store.add_org_client(org_id, client_id, jiff::Timestamp::now()).await {
                Err(ward_store::StoreError::Invalid { field, reason }) => bail!("--{field}: {reason}"),
                other => other?,
            };
            eprintln!("{client}: {} of {org}", if new { "now a TLP:AMBER client" } else { "already a client" });
            Ok(0)
        }
        SharingCommand::RemoveClient(ClientArgs { org, client, db }) => {
            let store = db.open().await?;
            let (org_id, client_id) = (super::resolve_org(&store, &org).await?, super::resolve_org(&store, &client).await?);
            let was = store.remove_org_client(org_id, client_id).await?;
            eprintln!("{client}: {} of {org}", if was { "no longer a client" } else { "was not a client" });
            Ok(0)
        }
        SharingCommand::List { json, db } => {
            let store = db.open().await?;
            let groups = store.list_sharing_groups().await?;
            let clients = store.list_org_clients(None).await?;
            if json {
                print_json(&serde_json::json!({ "groups": groups, "clients": clients }))?;
            } else {
                for g in &groups {
                    let mut names = Vec::new();
                    for m in &g.members {
                        names.push(store.get_org(*m).await.map_or_else(|_| m.to_string(), |o| o.name.to_string()));
                    }
                    println!("{}\t{}\t{}", g.id, g.name, names.join(", "));
                }
                for c in &clients {
                    let org = store.get_org(c.org_id).await.map_or_else(|_| c.org_id.to_string(), |x| x.name.to_string());
                    let client = store.get_org(c.client_org_id).await.map_or_else(|_| c.client_org_id.to_string(), |x| x.name.to_string());
                    println!("client\t{org}\t{client}");
                }
            }
            Ok(0)
        }
    }
}
