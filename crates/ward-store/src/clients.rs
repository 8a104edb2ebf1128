//! TLP 2.0 AMBER clients (migration `0013_org_clients.sql`): an organisation names other
//! organisations as its clients, who may then read its TLP:AMBER items (never AMBER+STRICT or
//! RED). The relation decides nothing by itself: [`Store::read_scope`] loads it into the
//! reader's [`ReadScope`] (`amber_client_of`), and [`ReadScope::allows`] and its SQL forms
//! decide. It is read whenever a scope is built, so a removed client loses access on its next
//! request.

use jiff::Timestamp;
use sqlx::Row;
use ward_core::{OrgId, Principal, ReadScope};

use crate::time::{from_db, to_db};
use crate::{parse_col, Store, StoreError};

/// One "org named client as its client" relation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgClient {
    pub org_id: OrgId,
    pub client_org_id: OrgId,
    pub added_at: Timestamp,
}

fn client_from_row(row: &sqlx::any::AnyRow) -> Result<OrgClient, StoreError> {
    Ok(OrgClient {
        org_id: parse_col(row, "org_id").map_err(|_| StoreError::Corrupt("org_clients.org_id".into()))?,
        client_org_id: parse_col(row, "client_org_id").map_err(|_| StoreError::Corrupt("org_clients.client_org_id".into()))?,
        added_at: from_db(&row.try_get::<String, _>("added_at")?)?,
    })
}

impl Store {
    /// The read scope of `principal`: [`ReadScope::for_principal`] plus the organisations that
    /// named the principal's organisation as a client. Every server-side scope comes from here.
    pub async fn read_scope(&self, principal: &Principal) -> Result<ReadScope, StoreError> {
        let scope = ReadScope::for_principal(principal);
        let Some(org) = principal.org_id() else { return Ok(scope) };
        let owners = self.amber_client_of(org).await?;
        Ok(scope.with_amber_client_of(owners))
    }

    /// The organisations that named `client` as their client.
    pub async fn amber_client_of(&self, client: OrgId) -> Result<Vec<OrgId>, StoreError> {
        let rows = sqlx::query("SELECT org_id FROM org_clients WHERE client_org_id = $1 ORDER BY org_id").bind(client.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| parse_col(r, "org_id").map_err(|_| StoreError::Corrupt("org_clients.org_id".into()))).collect()
    }

    /// Names `client` a client of `org` (idempotent); returns whether it was new. An
    /// organisation cannot be its own client; both must exist (`NotFound` otherwise).
    pub async fn add_org_client(&self, org: OrgId, client: OrgId, now: Timestamp) -> Result<bool, StoreError> {
        if org == client {
            return Err(StoreError::Invalid { field: "client", reason: "an organisation cannot be its own client".into() });
        }
        self.get_org(org).await?;
        self.get_org(client).await?;
        let exists = sqlx::query("SELECT 1 AS one FROM org_clients WHERE org_id = $1 AND client_org_id = $2").bind(org.to_string()).bind(client.to_string()).fetch_optional(&self.pool).await?;
        if exists.is_some() {
            return Ok(false);
        }
        let r = sqlx::query("INSERT INTO org_clients (org_id, client_org_id, added_at) VALUES ($1, $2, $3)").bind(org.to_string()).bind(client.to_string()).bind(to_db(now)).execute(&self.pool).await;
        match r {
            Ok(_) => Ok(true),
            // A concurrent add of the same pair won: still idempotent.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes `client` from `org`'s clients; returns whether it was one.
    pub async fn remove_org_client(&self, org: OrgId, client: OrgId) -> Result<bool, StoreError> {
        let n = sqlx::query("DELETE FROM org_clients WHERE org_id = $1 AND client_org_id = $2").bind(org.to_string()).bind(client.to_string()).execute(&self.pool).await?.rows_affected();
        Ok(n > 0)
    }

    /// Every client relation (`org` = Some: only that organisation's clients), by organisation.
    pub async fn list_org_clients(&self, org: Option<OrgId>) -> Result<Vec<OrgClient>, StoreError> {
        let rows = match org {
            Some(o) => sqlx::query("SELECT org_id, client_org_id, added_at FROM org_clients WHERE org_id = $1 ORDER BY org_id, client_org_id").bind(o.to_string()).fetch_all(&self.pool).await?,
            None => sqlx::query("SELECT org_id, client_org_id, added_at FROM org_clients ORDER BY org_id, client_org_id").fetch_all(&self.pool).await?,
        };
        rows.iter().map(client_from_row).collect()
    }
}
