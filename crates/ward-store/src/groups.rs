//! Sharing groups: named sets of organisations that a TAXII collection can grant read and/or
//! write to. A group grant never decides access itself: `load_collection_orgs` expands it into
//! the collection's `read_orgs`/`write_orgs`, and `CollectionAccess::for_scope` stays the one
//! definition of collection permission. Membership is read on every load, so a removed member
//! loses access on its next request.

use jiff::Timestamp;
use sqlx::Row;
use ward_core::OrgId;

use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, Store, StoreError};

/// Longest group name.
pub const MAX_GROUP_NAME_CHARS: usize = 200;

/// A sharing group and its members.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SharingGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub members: Vec<OrgId>,
    pub created_at: Timestamp,
}

/// A group's grant on a collection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CollectionGrant {
    pub collection_id: String,
    pub group_id: String,
    pub can_read: bool,
    pub can_write: bool,
}

fn flag(row: &sqlx::any::AnyRow, col: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i32, _>(col).or_else(|_| row.try_get::<i64, _>(col).map(|v| v as i32))? != 0)
}

impl Store {
    /// Creates a group; a taken name is `Duplicate { field: "name" }`.
    pub async fn create_sharing_group(&self, name: &str, description: Option<&str>, now: Timestamp) -> Result<SharingGroup, StoreError> {
        let id = new_uuid().to_string();
        let r = sqlx::query("INSERT INTO sharing_groups (id, name, description, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.clone())
            .bind(name.to_owned())
            .bind(description.map(str::to_owned))
            .bind(to_db(now))
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::Duplicate { field: "name" }),
            Err(e) => return Err(e.into()),
        }
        self.sharing_group(&id).await
    }

    /// One group by id or name.
    pub async fn sharing_group(&self, id_or_name: &str) -> Result<SharingGroup, StoreError> {
        let row = sqlx::query("SELECT id, name, description, created_at FROM sharing_groups WHERE id = $1 OR name = $1")
            .bind(id_or_name.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let id: String = row.try_get("id")?;
        let members = sqlx::query("SELECT org_id FROM sharing_group_members WHERE group_id = $1 ORDER BY org_id").bind(id.clone()).fetch_all(&self.pool).await?;
        Ok(SharingGroup {
            id,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            members: members.iter().map(|r| parse_col(r, "org_id")).collect::<Result<_, _>>()?,
            created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        })
    }

    /// Every group, by name.
    pub async fn list_sharing_groups(&self) -> Result<Vec<SharingGroup>, StoreError> {
        let rows = sqlx::query("SELECT id FROM sharing_groups ORDER BY name").fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.sharing_group(&r.try_get::<String, _>("id")?).await?);
        }
        Ok(out)
    }

    /// Adds `org` to the group (idempotent); returns whether it was new.
    pub async fn add_group_member(&self, group_id: &str, org: OrgId, now: Timestamp) -> Result<bool, StoreError> {
        let group = self.sharing_group(group_id).await?;
        if group.members.contains(&org) {
            return Ok(false);
        }
        sqlx::query("INSERT INTO sharing_group_members (group_id, org_id, added_at) VALUES ($1, $2, $3)")
            .bind(group.id)
            .bind(org.to_string())
            .bind(to_db(now))
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    /// Removes `org` from the group; returns whether it was a member.
    pub async fn remove_group_member(&self, group_id: &str, org: OrgId) -> Result<bool, StoreError> {
        let group = self.sharing_group(group_id).await?;
        let n = sqlx::query("DELETE FROM sharing_group_members WHERE group_id = $1 AND org_id = $2").bind(group.id).bind(org.to_string()).execute(&self.pool).await?.rows_affected();
        Ok(n > 0)
    }

    /// Grants (or, with both false, revokes) a group's read/write on a collection.
    pub async fn grant_collection_to_group(&self, collection_id: &str, group_id: &str, can_read: bool, can_write: bool) -> Result<(), StoreError> {
        let group = self.sharing_group(group_id).await?;
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT id FROM taxii_collections WHERE id = $1").bind(collection_id.to_owned()).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM taxii_collection_groups WHERE collection_id = $1 AND group_id = $2").bind(collection_id.to_owned()).bind(group.id.clone()).execute(&mut *tx).await?;
        if can_read || can_write {
            sqlx::query("INSERT INTO taxii_collection_groups (collection_id, group_id, can_read, can_write) VALUES ($1, $2, $3, $4)")
                .bind(collection_id.to_owned())
                .bind(group.id)
                .bind(i32::from(can_read))
                .bind(i32::from(can_write))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The group grants of a collection.
    pub async fn collection_grants(&self, collection_id: &str) -> Result<Vec<CollectionGrant>, StoreError> {
        let rows = sqlx::query("SELECT collection_id, group_id, can_read, can_write FROM taxii_collection_groups WHERE collection_id = $1 ORDER BY group_id")
            .bind(collection_id.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(CollectionGrant { collection_id: r.try_get("collection_id")?, group_id: r.try_get("group_id")?, can_read: flag(r, "can_read")?, can_write: flag(r, "can_write")? }))
            .collect()
    }

    /// (org, can_read, can_write) for every member of every group granted on the collection.
    pub(crate) async fn group_grants_for(&self, collection_id: &str) -> Result<Vec<(OrgId, bool, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.org_id, g.can_read, g.can_write FROM taxii_collection_groups g JOIN sharing_group_members m ON m.group_id = g.group_id WHERE g.collection_id = $1 ORDER BY m.org_id",
        )
        .bind(collection_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((parse_col(r, "org_id").map_err(|_| StoreError::Corrupt("sharing_group_members.org_id".into()))?, flag(r, "can_read")?, flag(r, "can_write")?))).collect()
    }
}
