//! `ward admin`: organisations, users and API tokens, run on the database host.

use std::io::{IsTerminal, Read};

use anyhow::{anyhow, bail, Context};
use ward_core::text::{Email, Label};
use ward_core::{CountryCode, OrgType, RegionCode, Role, TokenId};
use ward_store::{NewUser, StoreError};

use super::{print_json, DbArgs};

#[derive(clap::Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an organisation.
    CreateOrg {
        /// Organisation name (unique, case-insensitive).
        name: String,
        /// Organisation type, e.g. hospital, health_system, laboratory, health_plan.
        #[arg(long = "type", default_value = "hospital")]
        org_type: String,
        /// ISO 3166-1 alpha-2 country code.
        #[arg(long)]
        country: Option<String>,
        /// ISO 3166-2 region code, e.g. DE-NW.
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create a user. The password is read from standard input (never from the command line).
    CreateUser {
        /// Name of the user's organisation.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// instance_admin, org_admin, analyst, reporter or viewer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Create an API token for a user; prints only the token on stdout.
    CreateToken {
        #[arg(long)]
        email: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<i64>,
        #[arg(long, default_value = "cli")]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke an API token by id.
    RevokeToken {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List organisations.
    ListOrgs {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse<T: std::str::FromStr>(field: &str, raw: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    raw.parse::<T>().map_err(|e| anyhow!("--{field}: {e}"))
}

/// Reads a password from stdin: without echo on a terminal, else the first line of the pipe.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    } else {
        let mut s = String::new();
        stdin.lock().take(64 * 1024).read_to_string(&mut s).context("reading the password from stdin")?;
        s.lines().next().unwrap_or("").to_owned()
    };
    ward_web::auth::check_password_rules(&password).map_err(|e| anyhow!("password: {e}"))?;
    Ok(password)
}

pub async fn run(cmd: AdminCommand) -> anyhow::Result<u8> {
    let now = jiff::Timestamp::now();
    match cmd {
        AdminCommand::CreateOrg { name, org_type, country, region, json, db } => {
            let name: Label = parse("name", &name)?;
            let org_type: OrgType = parse("type", &org_type)?;
            let country: Option<CountryCode> = country.map(|c| parse("country", &c)).transpose()?;
            let region: Option<RegionCode> = region.map(|r| parse("region", &r)).transpose()?;
            if let (Some(r), Some(c)) = (&region, country) {
                if r.country() != c {
                    bail!("--region: {r} is not a region of {c}");
                }
            }
            let store = db.open().await?;
            let org = store.create_org(&name, org_type, country, region.as_ref(), now).await.map_err(|e| match e {
                StoreError::Duplicate { .. } => anyhow!("an organisation named {name:?} already exists"),
                other => other.into(),
            })?;
            if json { print_json(&org)?; } else { println!("{}", org.id); }
            Ok(0)
        }
        AdminCommand::CreateUser { org, email, role, json, db } => {
            let email: Email = parse("email", &email)?;
            let role: Role = parse("role", &role)?;
            let store = db.open().await?;
            let org = store.org_by_name(&org).await.map_err(|_| anyhow!("--org: no organisation named {org:?}"))?;
            let password = read_password()?;
            let hash = ward_web::auth::hash_password(&password).map_err(|e| anyhow!(e))?;
            let user = store.create_user(NewUser { org_id: org.id, email: email.clone(), role, password_hash: Some(hash) }, now).await.map_err(|e| match e {
                StoreError::Duplicate { .. } => anyhow!("a user with e-mail {email} already exists"),
                other => other.into(),
            })?;
            if json { print_json(&user)?; } else { println!("{}", user.id); }
            Ok(0)
        }
        AdminCommand::CreateToken { email, expires_days, label, db } => {
            let email: Email = parse("email", &email)?;
            let expires_at = match expires_days {
                Some(d) if (1..=ward_web::auth::MAX_TOKEN_DAYS).contains(&d) => Some(now + jiff::SignedDuration::from_hours(24 * d)),
                Some(_) => bail!("--expires-days: must be from 1 to {}", ward_web::auth::MAX_TOKEN_DAYS),
                None => None,
            };
            let store = db.open().await?;
            let user = store.user_by_email(&email).await.map_err(|_| anyhow!("--email: no user {email}"))?;
            let (token, hash) = ward_web::auth::new_api_token();
            let info = store.create_token(user.id, &label, &hash, expires_at, now).await?;
            eprintln!("token {} created for {email}; it is shown only once", info.id);
            println!("{token}");
            Ok(0)
        }
        AdminCommand::RevokeToken { id, db } => {
            let id: TokenId = id.parse().map_err(|e: ward_core::FieldError| anyhow!("{e}"))?;
            let store = db.open().await?;
            store.revoke_token(id, now).await.map_err(|e| match e {
                StoreError::NotFound => anyhow!("no token {id}"),
                other => other.into(),
            })?;
            eprintln!("token {id} revoked");
            Ok(0)
        }
        AdminCommand::ListOrgs { json, db } => {
            let store = db.open().await?;
            let operator = ward_core::Principal::User {
                user_id: ward_core::UserId::from_uuid(Default::default()),
                org_id: ward_core::OrgId::from_uuid(Default::default()),
                role: Role::InstanceAdmin,
            };
            let orgs = store.list_orgs(&operator).await?;
            if json {
                print_json(&orgs)?;
            } else {
                for o in orgs {
                    println!("{}\t{}\t{}\t{}", o.id, o.name, o.org_type.as_str(), o.country.map(|c| c.to_string()).unwrap_or_default());
                }
            }
            Ok(0)
        }
    }
}
