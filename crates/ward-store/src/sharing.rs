//! Share: TAXII collections, the STIX objects in them, and add-objects status resources.
//!
//! There is one read path for objects, [`Store::read_stix_objects`], and it takes the caller's
//! [`ReadScope`]: it answers `NotFound` unless the scope may read the collection
//! ([`CollectionAccess::for_scope`]) and filters every row, in SQL, by TLP 2.0
//! ([`push_object_visibility`], the SQL form of [`ReadScope::allows`] with unmarked objects
//! read as TLP:GREEN; the conformance suite checks the two agree). Manifests, versions,
//! single objects and exports are all this function with different filters.
//! `date_added` is unique and strictly increasing per collection: writers take the collection
//! row's lock (`UPDATE … RETURNING`) and assign `max(now, last + 1 µs)`.

use jiff::{SignedDuration, Timestamp};
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{OrgId, ReadScope, Tlp, UserId};

use crate::incidents::{Sql, SqlValue};
use crate::time::{from_db, to_db};
use crate::{parse_col, Store, StoreError};

/// Most objects one page returns, whatever the client asks.
pub const MAX_OBJECTS_PAGE: u32 = 1000;
/// Rows per multi-row INSERT.
const INSERT_CHUNK: usize = 400;
/// Rows per multi-row INSERT on SQLite: sqlx's SQLite driver looks up each `$N` by name in a
/// linear list, so a statement's binding cost grows with the square of its placeholders
/// (400 rows × 11 placeholders spent 55 % of ingest time there; 32 rows keeps it negligible).
const SQLITE_INSERT_CHUNK: usize = 32;
/// Most entries in one `match[…]` list.
pub const MAX_MATCH_VALUES: usize = 100;

/// A TAXII collection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Collection {
    pub id: String,
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub owner_org_id: OrgId,
    pub read_orgs: Vec<OrgId>,
    pub write_orgs: Vec<OrgId>,
    pub created_at: Timestamp,
}

/// What a scope may do with a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionAccess {
    pub can_read: bool,
    pub can_write: bool,
}

impl CollectionAccess {
    /// The one definition of collection permission: the local operator and the owning
    /// organisation read and write; listed organisations (directly, or as members of a sharing
    /// group granted on the collection) read and/or write; nobody else.
    pub fn for_scope(c: &Collection, scope: &ReadScope) -> CollectionAccess {
        if scope.operator {
            return CollectionAccess { can_read: true, can_write: true };
        }
        let Some(org) = scope.org_id else { return CollectionAccess { can_read: false, can_write: false } };
        let owner = org == c.owner_org_id;
        CollectionAccess { can_read: owner || c.read_orgs.contains(&org), can_write: owner || c.write_orgs.contains(&org) }
    }
    pub fn any(self) -> bool {
        self.can_read || self.can_write
    }
}

/// A new collection.
#[derive(Debug, Clone)]
pub struct NewCollection {
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub owner_org_id: OrgId,
    pub read_orgs: Vec<OrgId>,
    pub write_orgs: Vec<OrgId>,
}

/// An object to add (validated by the caller; the store knows no STIX).
#[derive(Debug, Clone)]
pub struct NewStixObject {
    pub stix_id: String,
    pub object_type: String,
    pub spec_version: String,
    /// `modified`, else `created`; `None` means "the date it is added".
    pub version: Option<Timestamp>,
    /// The strictest TLP marking; `None` for an unmarked object (read as TLP:GREEN).
    pub tlp: Option<Tlp>,
    pub body: String,
}

/// A stored object version, as one read returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStixObject {
    pub stix_id: String,
    pub object_type: String,
    pub spec_version: String,
    pub date_added: String,
    pub version: String,
    /// The strictest TLP 2.0 marking (None: unmarked, read as TLP:GREEN).
    pub tlp: Option<Tlp>,
    pub body: String,
}

/// `match[version]` selectors (ORed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    First,
    Last,
    All,
    At(Timestamp),
}

/// The filters of a TAXII read. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFilter {
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// Empty means `last`.
    pub versions: Vec<VersionSelector>,
    pub spec_versions: Vec<String>,
    pub added_after: Option<Timestamp>,
}

/// One page: rows in `date_added` order and whether more follow.
#[derive(Debug, Clone)]
pub struct ObjectPage {
    pub objects: Vec<StoredStixObject>,
    pub more: bool,
}

/// The TAXII status of one add-objects request (the document is built by the caller).
#[derive(Debug, Clone)]
pub struct StoredStatus {
    pub id: String,
    pub collection_id: String,
    pub org_id: OrgId,
    pub body: serde_json::Value,
}

/// The outcome per object of an add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub stix_id: String,
    pub version: String,
    pub date_added: String,
    /// False when this (id, version) was already in the collection (still a success).
    pub inserted: bool,
}

/// The SQL form of [`ReadScope::allows`] over an object row `alias` (unmarked = GREEN).
pub(crate) fn push_object_visibility(sql: &mut Sql, scope: &ReadScope, alias: &str) {
    if scope.operator {
        sql.push(" AND 1 = 1");
        return;
    }
    let mut clauses = vec![format!("{alias}.tlp = 'clear'")];
    if scope.signed_in {
        clauses.push(format!("{alias}.tlp IS NULL"));
        clauses.push(format!("{alias}.tlp = 'green'"));
    }
    if let Some(org) = scope.org_id {
        let o = sql.param(org.to_string());
        clauses.push(format!("({alias}.owner_org_id = {o} AND ({alias}.tlp = 'amber' OR {alias}.tlp = 'amber+strict'))"));
        if !scope.amber_client_of.is_empty() {
            let owners: Vec<String> = scope.amber_client_of.iter().map(|c| sql.param(c.to_string())).collect();
            clauses.push(format!("({alias}.tlp = 'amber' AND {alias}.owner_org_id IN ({}))", owners.join(", ")));
        }
        if scope.red_recipient {
            clauses.push(format!("({alias}.owner_org_id = {o} AND {alias}.tlp = 'red')"));
        } else if let Some(user) = scope.user_id {
            let u = sql.param(user.to_string());
            clauses.push(format!("({alias}.owner_org_id = {o} AND {alias}.tlp = 'red' AND {alias}.added_by = {u})"));
        }
    }
    sql.push(&format!(" AND ({})", clauses.join(" OR ")));
}

/// The Rust form of the same rule, for tests and single-object checks.
pub fn object_visible(scope: &ReadScope, owner: OrgId, tlp: Option<Tlp>, added_by: Option<UserId>) -> bool {
    scope.allows(owner, tlp.unwrap_or(Tlp::Green), added_by)
}

fn collection_from_row(row: &AnyRow) -> Result<Collection, StoreError> {
    Ok(Collection {
        id: row.try_get("id")?,
        api_root: row.try_get("api_root")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        owner_org_id: parse_col(row, "owner_org_id").map_err(|_| StoreError::Corrupt("taxii_collections.owner_org_id".into()))?,
        read_orgs: Vec::new(),
        write_orgs: Vec::new(),
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
    })
}

fn object_from_row(row: &AnyRow) -> Result<StoredStixObject, StoreError> {
    Ok(StoredStixObject {
        stix_id: row.try_get("stix_id")?,
        object_type: row.try_get("object_type")?,
        spec_version: row.try_get("spec_version")?,
        date_added: row.try_get("date_added")?,
        version: row.try_get("version")?,
        tlp: crate::parse_opt_col(row, "tlp")?,
        body: row.try_get("body")?,
    })
}

fn micros(ts: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(ts.as_microsecond()).unwrap_or(ts)
}

impl Store {
    /// Creates a collection owned by `new.owner_org_id`.
    pub async fn create_collection(&self, new: &NewCollection, now: Timestamp) -> Result<Collection, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO taxii_collections (id, api_root, title, description, owner_org_id, created_at, next_seq, last_date_added) VALUES ($1, $2, $3, $4, $5, $6, 0, '')")
            .bind(id.clone())
            .bind(new.api_root.clone())
            .bind(new.title.clone())
            .bind(new.description.clone())
            .bind(new.owner_org_id.to_string())
            .bind(to_db(now))
            .execute(&mut *tx)
            .await?;
        let mut orgs: Vec<OrgId> = new.read_orgs.iter().chain(&new.write_orgs).copied().filter(|o| *o != new.owner_org_id).collect();
        orgs.sort_by_key(|o| o.to_string());
        orgs.dedup();
        for org in &orgs {
            sqlx::query("INSERT INTO taxii_collection_orgs (collection_id, org_id, can_read, can_write) VALUES ($1, $2, $3, $4)")
                .bind(id.clone())
                .bind(org.to_string())
                .bind(i32::from(new.read_orgs.contains(org)))
                .bind(i32::from(new.write_orgs.contains(org)))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.collection_by_id(&id).await
    }

    async fn collection_by_id(&self, id: &str) -> Result<Collection, StoreError> {
        let row = sqlx::query("SELECT * FROM taxii_collections WHERE id = $1").bind(id.to_owned()).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        let mut c = collection_from_row(&row)?;
        self.load_collection_orgs(&mut c).await?;
        Ok(c)
    }

    async fn load_collection_orgs(&self, c: &mut Collection) -> Result<(), StoreError> {
        let rows = sqlx::query("SELECT org_id, can_read, can_write FROM taxii_collection_orgs WHERE collection_id = $1 ORDER BY org_id").bind(c.id.clone()).fetch_all(&self.pool).await?;
        for row in rows {
            let org: OrgId = parse_col(&row, "org_id").map_err(|_| StoreError::Corrupt("taxii_collection_orgs.org_id".into()))?;
            if row.try_get::<i32, _>("can_read").or_else(|_| row.try_get::<i64, _>("can_read").map(|v| v as i32))? != 0 {
                c.read_orgs.push(org);
            }
            if row.try_get::<i32, _>("can_write").or_else(|_| row.try_get::<i64, _>("can_write").map(|v| v as i32))? != 0 {
                c.write_orgs.push(org);
            }
        }
        // Sharing groups granted on the collection count as their member organisations.
        for (org, read, write) in self.group_grants_for(&c.id).await? {
            if read && !c.read_orgs.contains(&org) {
                c.read_orgs.push(org);
            }
            if write && !c.write_orgs.contains(&org) {
                c.write_orgs.push(org);
            }
        }
        Ok(())
    }

    /// The distinct API roots that have collections, sorted.
    pub async fn api_roots(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT api_root FROM taxii_collections ORDER BY api_root").fetch_all(&self.pool).await?;
        rows.iter().map(|r| r.try_get::<String, _>("api_root").map_err(StoreError::from)).collect()
    }

    /// Collections `scope` may read or write (all of them for the operator), sorted by id;
    /// `api_root` narrows to one root.
    pub async fn list_collections(&self, scope: &ReadScope, api_root: Option<&str>) -> Result<Vec<(Collection, CollectionAccess)>, StoreError> {
        let rows = match api_root {
            Some(root) => sqlx::query("SELECT * FROM taxii_collections WHERE api_root = $1 ORDER BY id").bind(root.to_owned()).fetch_all(&self.pool).await?,
            None => sqlx::query("SELECT * FROM taxii_collections ORDER BY id").fetch_all(&self.pool).await?,
        };
        let mut out = Vec::new();
        for row in rows {
            let mut c = collection_from_row(&row)?;
            self.load_collection_orgs(&mut c).await?;
            let access = CollectionAccess::for_scope(&c, scope);
            if access.any() {
                out.push((c, access));
            }
        }
        Ok(out)
    }

    /// One collection `scope` may read or write; `NotFound` otherwise (and for a wrong root).
    pub async fn get_collection(&self, api_root: &str, id: &str, scope: &ReadScope) -> Result<(Collection, CollectionAccess), StoreError> {
        let c = self.collection_by_id(id).await?;
        let access = CollectionAccess::for_scope(&c, scope);
        if c.api_root != api_root || !access.any() {
            return Err(StoreError::NotFound);
        }
        Ok((c, access))
    }

    /// Adds objects to a collection on behalf of `org` (and `by`), in one transaction; each gets
    /// a unique, strictly increasing `date_added`. An (id, version) already present is left as
    /// it is and reported with `inserted: false`. The caller has checked write permission.
    pub async fn add_stix_objects(&self, collection_id: &str, org: OrgId, by: Option<UserId>, objects: &[NewStixObject], now: Timestamp) -> Result<Vec<Added>, StoreError> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        // Writing first takes the row lock (PostgreSQL) / the write lock (SQLite) before any
        // read, so date_added order is commit order.
        let row = sqlx::query("UPDATE taxii_collections SET next_seq = next_seq + $1 WHERE id = $2 RETURNING next_seq, last_date_added")
            .bind(objects.len() as i64)
            .bind(collection_id.to_owned())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let end_seq: i64 = row.try_get("next_seq")?;
        let last: String = row.try_get("last_date_added")?;
        let mut at = micros(now);
        if !last.is_empty() {
            let next = from_db(&last)? + SignedDuration::from_micros(1);
            if next > at {
                at = next;
            }
        }
        let first_seq = end_seq - objects.len() as i64 + 1;
        let mut planned = Vec::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            let date_added = to_db(at);
            let version = o.version.map(|v| to_db(micros(v))).unwrap_or_else(|| date_added.clone());
            planned.push((first_seq + i as i64, date_added, version));
            at += SignedDuration::from_micros(1);
        }
        let mut inserted = std::collections::HashSet::new();
        let chunk = if self.backend() == crate::Backend::Sqlite { SQLITE_INSERT_CHUNK } else { INSERT_CHUNK };
        for (chunk_objects, chunk_plan) in objects.chunks(chunk).zip(planned.chunks(chunk)) {
            let mut sql = Sql::new("INSERT INTO stix_objects (collection_id, seq, date_added, stix_id, object_type, spec_version, version, tlp, owner_org_id, added_by, body) VALUES ");
            for (i, (o, (seq, date_added, version))) in chunk_objects.iter().zip(chunk_plan).enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                let vals = [
                    sql.param(collection_id),
                    sql.bind(SqlValue::Int(Some(*seq))),
                    sql.param(date_added.clone()),
                    sql.param(o.stix_id.clone()),
                    sql.param(o.object_type.clone()),
                    sql.param(o.spec_version.clone()),
                    sql.param(version.clone()),
                    sql.bind(SqlValue::Text(o.tlp.map(|t| t.as_str().to_owned()))),
                    sql.param(org.to_string()),
                    sql.bind(SqlValue::Text(by.map(|u| u.to_string()))),
                    sql.param(o.body.clone()),
                ];
                sql.push(&format!("({})", vals.join(", ")));
            }
            sql.push(" ON CONFLICT (collection_id, stix_id, version) DO NOTHING RETURNING seq");
            for row in sql.query().fetch_all(&mut *tx).await? {
                inserted.insert(row.try_get::<i64, _>("seq")?);
            }
        }
        let last_assigned = planned.last().map(|p| p.1.clone()).unwrap_or_default();
        sqlx::query("UPDATE taxii_collections SET last_date_added = $1 WHERE id = $2").bind(last_assigned).bind(collection_id.to_owned()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(objects
            .iter()
            .zip(planned)
            .map(|(o, (seq, date_added, version))| Added { stix_id: o.stix_id.clone(), version, date_added, inserted: inserted.contains(&seq) })
            .collect())
    }

    /// THE read of shared objects: collection permission and TLP 2.0 per row, then the TAXII
    /// filters, in `date_added` order after the cursor `after` (a `date_added` value), at most
    /// `limit` (capped at [`MAX_OBJECTS_PAGE`]).
    pub async fn read_stix_objects(&self, scope: &ReadScope, api_root: &str, collection_id: &str, filter: &ObjectFilter, after: Option<&str>, limit: u32) -> Result<ObjectPage, StoreError> {
        let (_, access) = self.get_collection(api_root, collection_id, scope).await?;
        if !access.can_read {
            return Err(StoreError::NotFound);
        }
        let limit = limit.clamp(1, MAX_OBJECTS_PAGE);
        let mut sql = Sql::new("SELECT o.stix_id, o.object_type, o.spec_version, o.date_added, o.version, o.tlp, o.body FROM stix_objects o WHERE o.collection_id = ");
        let c = sql.param(collection_id);
        sql.push(&c);
        push_object_visibility(&mut sql, scope, "o");
        push_in(&mut sql, "o.stix_id", &filter.ids);
        push_in(&mut sql, "o.object_type", &filter.types);
        push_in(&mut sql, "o.spec_version", &filter.spec_versions);
        let versions = if filter.versions.is_empty() { vec![VersionSelector::Last] } else { filter.versions.clone() };
        if !versions.contains(&VersionSelector::All) {
            sql.push(" AND (1 = 0");
            for v in &versions {
                match v {
                    VersionSelector::First | VersionSelector::Last => {
                        let agg = if *v == VersionSelector::First { "MIN" } else { "MAX" };
                        sql.push(&format!(" OR o.version = (SELECT {agg}(v.version) FROM stix_objects v WHERE v.collection_id = o.collection_id AND v.stix_id = o.stix_id"));
                        push_object_visibility(&mut sql, scope, "v");
                        sql.push(")");
                    }
                    VersionSelector::At(ts) => {
                        let p = sql.param(to_db(micros(*ts)));
                        sql.push(&format!(" OR o.version = {p}"));
                    }
                    VersionSelector::All => {}
                }
            }
            sql.push(")");
        }
        if let Some(ts) = filter.added_after {
            let p = sql.param(to_db(micros(ts)));
            sql.push(&format!(" AND o.date_added > {p}"));
        }
        if let Some(a) = after {
            let p = sql.param(a);
            sql.push(&format!(" AND o.date_added > {p}"));
        }
        sql.push(&format!(" ORDER BY o.date_added LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut objects = rows.iter().map(object_from_row).collect::<Result<Vec<_>, _>>()?;
        let more = objects.len() > limit as usize;
        objects.truncate(limit as usize);
        Ok(ObjectPage { objects, more })
    }

    /// Deletes the versions of `stix_id` that `scope` can see and its organisation added
    /// (selected by `versions`; empty = all). `Ok(0)` with visible versions means "not yours"
    /// (the caller answers 403); `NotFound` when none is visible.
    pub async fn delete_stix_object(&self, scope: &ReadScope, api_root: &str, collection_id: &str, stix_id: &str, versions: &[VersionSelector], spec_versions: &[String]) -> Result<u64, StoreError> {
        let filter = ObjectFilter {
            ids: vec![stix_id.to_owned()],
            versions: if versions.is_empty() { vec![VersionSelector::All] } else { versions.to_vec() },
            spec_versions: spec_versions.to_vec(),
            ..ObjectFilter::default()
        };
        let page = self.read_stix_objects(scope, api_root, collection_id, &filter, None, MAX_OBJECTS_PAGE).await?;
        if page.objects.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut deleted = 0;
        let mut tx = self.pool.begin().await?;
        for o in &page.objects {
            let mut sql = Sql::new("DELETE FROM stix_objects WHERE collection_id = ");
            let c = sql.param(collection_id);
            let i = sql.param(o.stix_id.clone());
            let v = sql.param(o.version.clone());
            sql.push(&format!("{c} AND stix_id = {i} AND version = {v}"));
            if !scope.operator {
                let org = sql.param(scope.org_id.map(|o| o.to_string()).unwrap_or_default());
                sql.push(&format!(" AND owner_org_id = {org}"));
            }
            deleted += sql.query().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Saves an add-objects status document.
    pub async fn save_taxii_status(&self, status: &StoredStatus, user: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO taxii_status (id, collection_id, org_id, user_id, request_timestamp, body) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(status.id.clone())
            .bind(status.collection_id.clone())
            .bind(status.org_id.to_string())
            .bind(user.map(|u| u.to_string()))
            .bind(to_db(now))
            .bind(status.body.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A status resource, readable by the organisation that made the request (and the operator).
    pub async fn taxii_status(&self, id: &str, api_root: &str, scope: &ReadScope) -> Result<StoredStatus, StoreError> {
        let row = sqlx::query("SELECT s.id, s.collection_id, s.org_id, s.body FROM taxii_status s JOIN taxii_collections c ON c.id = s.collection_id WHERE s.id = $1 AND c.api_root = $2")
            .bind(id.to_owned())
            .bind(api_root.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let org_id: OrgId = parse_col(&row, "org_id").map_err(|_| StoreError::Corrupt("taxii_status.org_id".into()))?;
        if !scope.operator && scope.org_id != Some(org_id) {
            return Err(StoreError::NotFound);
        }
        let body: String = row.try_get("body")?;
        Ok(StoredStatus {
            id: row.try_get("id")?,
            collection_id: row.try_get("collection_id")?,
            org_id,
            body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("taxii_status.body: {e}")))?,
        })
    }
}

fn push_in(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let ps: Vec<String> = values.iter().map(|v| sql.param(v.clone())).collect();
    sql.push(&format!(" AND {column} IN ({})", ps.join(", ")));
}

impl Store {
    /// Where the last pull from `remote_url` into `collection_id` stopped (the remote's
    /// `date_added` text), if any.
    pub async fn sync_position(&self, collection_id: &str, remote_url: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT added_after FROM taxii_sync_state WHERE collection_id = $1 AND remote_url = $2")
            .bind(collection_id.to_owned())
            .bind(remote_url.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("added_after")?),
            None => None,
        })
    }

    /// Adds a pulled page and moves the sync position in one transaction-ordered step: the
    /// objects first, then the position, so a crash between them re-pulls (idempotently)
    /// rather than skips.
    pub async fn add_pulled_page(&self, collection_id: &str, org: OrgId, remote_url: &str, objects: &[NewStixObject], position: &str, now: Timestamp) -> Result<usize, StoreError> {
        let added = self.add_stix_objects(collection_id, org, None, objects, now).await?;
        let n = added.iter().filter(|a| a.inserted).count();
        self.save_sync_position(collection_id, remote_url, position, now).await?;
        Ok(n)
    }

    /// Records how far a sync with `remote_url` got (a pull: the remote's `date_added`; a
    /// push: the local `date_added` of the last object the remote accepted).
    pub async fn save_sync_position(&self, collection_id: &str, remote_url: &str, position: &str, now: Timestamp) -> Result<(), StoreError> {
        let updated = sqlx::query("UPDATE taxii_sync_state SET added_after = $1, updated_at = $2 WHERE collection_id = $3 AND remote_url = $4")
            .bind(position.to_owned())
            .bind(to_db(now))
            .bind(collection_id.to_owned())
            .bind(remote_url.to_owned())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if updated == 0 {
            sqlx::query("INSERT INTO taxii_sync_state (collection_id, remote_url, added_after, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(collection_id.to_owned())
                .bind(remote_url.to_owned())
                .bind(position.to_owned())
                .bind(to_db(now))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}
