//! The threat-actor register and incident-to-actor attributions. Actors are reference data
//! (ATT&CK imports are idempotent by STIX id; hand-made actors are versioned documents);
//! attributions are append-only, scoped through their incident, and each one is a chain entry
//! written in the same transaction.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{ActorDocument, ActorId, ActorKind, AttributionId, Confidence, IncidentId, ReadScope, UserId};

use crate::incidents::{push_scope, Sql, SqlValue};
use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, parse_opt_col, Store, StoreError};

/// Largest number of actors a register listing returns.
pub const MAX_ACTOR_ROWS: u32 = 2000;
/// Longest free text of an attribution note.
pub const MAX_ATTRIBUTION_NOTE_CHARS: usize = 2000;

/// An actor as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActorRecord {
    pub id: ActorId,
    pub version: i64,
    /// The canonical actor this one was merged into: its attributions count there.
    pub merged_into: Option<ActorId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(flatten)]
    pub doc: ActorDocument,
}

/// What an ATT&CK import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ActorImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Register filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActorFilter {
    pub kind: Option<ActorKind>,
    /// Only actors with documented healthcare targeting.
    pub healthcare: bool,
    /// Include revoked and deprecated ATT&CK entries.
    pub include_retired: bool,
    /// Only actors with at least one counted attribution visible to the scope.
    pub attributed_only: bool,
    /// Case-insensitive substring of the name, an alias or the ATT&CK id.
    pub text: Option<String>,
}

/// A register row: the actor and what is attributed to it in the caller's scope.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActorRank {
    pub id: ActorId,
    pub name: String,
    pub kind: ActorKind,
    pub attack_id: Option<String>,
    pub healthcare: bool,
    pub revoked: bool,
    pub deprecated: bool,
    /// Incidents with a counted (not disputed) attribution, each once.
    pub incidents: i64,
    /// Sum of individuals affected over those incidents (where known).
    pub individuals_affected: i64,
    pub individuals_affected_known: i64,
}

/// A new attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttribution {
    pub incident_id: IncidentId,
    pub actor_id: ActorId,
    pub confidence: Confidence,
    /// The source that attributes (an `http(s)` URL).
    pub source_url: String,
    /// When the source stated it (`YYYY-MM-DD`).
    pub stated_on: jiff::civil::Date,
    pub note: String,
}

/// An attribution as stored, with the names a page shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attribution {
    pub id: AttributionId,
    pub incident_id: IncidentId,
    pub incident_title: String,
    pub actor_id: ActorId,
    pub actor_name: String,
    pub confidence: Confidence,
    pub source_url: String,
    pub stated_on: String,
    pub note: String,
    pub recorded_at: Timestamp,
    pub recorded_by: Option<UserId>,
    pub recorded_by_email: Option<String>,
}

fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn body_of(doc: &ActorDocument) -> Result<String, StoreError> {
    serde_json::to_string(doc).map_err(|e| StoreError::Corrupt(format!("actor document: {e}")))
}

fn actor_from_row(row: &AnyRow) -> Result<ActorRecord, StoreError> {
    let body: String = row.try_get("body")?;
    Ok(ActorRecord {
        id: parse_col(row, "id").map_err(|_| StoreError::Corrupt("actors.id".into()))?,
        version: row.try_get("version")?,
        merged_into: crate::parse_opt_col(row, "merged_into").map_err(|_| StoreError::Corrupt("actors.merged_into".into()))?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        updated_at: from_db(&row.try_get::<String, _>("updated_at")?)?,
        doc: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("actor body: {e}")))?,
    })
}

const ACTOR_COLUMNS: &str = "a.id, a.version, a.merged_into, a.body, a.created_at, a.updated_at";

async fn write_aliases(tx: &mut sqlx::AnyConnection, id: ActorId, doc: &ActorDocument) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM actor_aliases WHERE actor_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
    let mut seen = std::collections::HashSet::new();
    for alias in std::iter::once(&doc.name).chain(doc.aliases.iter()) {
        let key = name_key(alias);
        if key.is_empty() || !seen.insert(key.clone()) {
            continue;
        }
        sqlx::query("INSERT INTO actor_aliases (actor_id, alias_key, alias) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(key)
            .bind(alias.clone())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

async fn insert_actor(tx: &mut sqlx::AnyConnection, id: ActorId, doc: &ActorDocument, now: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO actors (id, stix_id, kind, name, name_key, attack_id, origin, revoked, deprecated, healthcare, modified, body, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13)",
    )
    .bind(id.to_string())
    .bind(doc.stix_id.clone())
    .bind(doc.kind.as_str())
    .bind(doc.name.clone())
    .bind(name_key(&doc.name))
    .bind(doc.attack_id.clone())
    .bind(if doc.stix_id.is_some() { "mitre-attack" } else { "hand-made" })
    .bind(i64::from(doc.revoked))
    .bind(i64::from(doc.deprecated))
    .bind(i64::from(doc.targets_healthcare()))
    .bind(doc.modified.clone())
    .bind(body_of(doc)?)
    .bind(now.to_owned())
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::unique(e, "stix_id"))?;
    write_aliases(tx, id, doc).await
}

async fn update_actor_row(tx: &mut sqlx::AnyConnection, id: ActorId, expected_version: i64, doc: &ActorDocument, now: &str) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE actors SET kind = $1, name = $2, name_key = $3, attack_id = $4, revoked = $5, deprecated = $6, healthcare = $7, modified = $8, body = $9,
         version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(doc.kind.as_str())
    .bind(doc.name.clone())
    .bind(name_key(&doc.name))
    .bind(doc.attack_id.clone())
    .bind(i64::from(doc.revoked))
    .bind(i64::from(doc.deprecated))
    .bind(i64::from(doc.targets_healthcare()))
    .bind(doc.modified.clone())
    .bind(body_of(doc)?)
    .bind(now.to_owned())
    .bind(id.to_string())
    .bind(expected_version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict { current: expected_version });
    }
    write_aliases(tx, id, doc).await
}

impl Store {
    /// Creates or updates the ATT&CK objects of one bundle of `domain`, keyed by STIX id, in
    /// one transaction. An object whose merged document equals the stored one is not touched,
    /// so re-importing a release changes nothing.
    pub async fn import_actors(&self, docs: &[ActorDocument], domain: &str, now: Timestamp) -> Result<ActorImportSummary, StoreError> {
        let rows = sqlx::query(&format!("SELECT {ACTOR_COLUMNS}, a.stix_id FROM actors a WHERE a.stix_id IS NOT NULL")).fetch_all(&self.pool).await?;
        let mut existing: HashMap<String, ActorRecord> = HashMap::new();
        for r in &rows {
            existing.insert(r.try_get("stix_id")?, actor_from_row(r)?);
        }
        let mut summary = ActorImportSummary::default();
        let at = to_db(now);
        let mut tx = self.pool.begin().await?;
        for doc in docs {
            let Some(stix) = &doc.stix_id else { continue };
            match existing.get(stix) {
                None => {
                    insert_actor(&mut tx, ActorId::from_uuid(new_uuid()), doc, &at).await?;
                    summary.created += 1;
                }
                Some(cur) => {
                    let merged = cur.doc.merge_import(doc, domain);
                    if merged == cur.doc {
                        summary.unchanged += 1;
                    } else {
                        update_actor_row(&mut tx, cur.id, cur.version, &merged, &at).await?;
                        summary.updated += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// Creates a hand-made actor (`Duplicate` when its name or an alias names another
    /// hand-made actor already).
    pub async fn create_actor(&self, doc: &ActorDocument, now: Timestamp) -> Result<ActorRecord, StoreError> {
        for name in std::iter::once(&doc.name).chain(doc.aliases.iter()) {
            if self.find_actors(name).await?.iter().any(|a| a.doc.stix_id.is_none()) {
                return Err(StoreError::Duplicate { field: "name" });
            }
        }
        let id = ActorId::from_uuid(new_uuid());
        let mut tx = self.pool.begin().await?;
        insert_actor(&mut tx, id, doc, &to_db(now)).await?;
        tx.commit().await?;
        self.get_actor(id).await
    }

    /// Replaces an actor's document if `expected_version` is current.
    pub async fn update_actor(&self, id: ActorId, expected_version: i64, doc: &ActorDocument, now: Timestamp) -> Result<ActorRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        match update_actor_row(&mut tx, id, expected_version, doc, &to_db(now)).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                return Err(StoreError::Conflict { current: self.get_actor(id).await?.version });
            }
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        self.get_actor(id).await
    }

    /// Merges `duplicate` into `canonical`: the duplicate's name and aliases become aliases of
    /// the canonical actor, its attributions (and those of actors merged into it) count for the
    /// canonical actor, and it leaves the register. Attributions themselves are not touched.
    pub async fn merge_actor(&self, duplicate: ActorId, canonical: ActorId, now: Timestamp) -> Result<ActorRecord, StoreError> {
        if duplicate == canonical {
            return Err(StoreError::Corrupt("an actor cannot be merged into itself".into()));
        }
        let dup = self.get_actor(duplicate).await?;
        let target = self.get_actor(canonical).await?;
        if dup.merged_into.is_some() {
            return Err(StoreError::Corrupt("that actor is already merged into another".into()));
        }
        if target.merged_into.is_some() {
            return Err(StoreError::Corrupt("merge target is itself merged; merge into its canonical actor".into()));
        }
        let mut doc = target.doc.clone();
        for name in std::iter::once(&dup.doc.name).chain(dup.doc.aliases.iter()) {
            if !name.eq_ignore_ascii_case(&doc.name) && !doc.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                doc.aliases.push(name.clone());
            }
        }
        let at = to_db(now);
        let mut tx = self.pool.begin().await?;
        update_actor_row(&mut tx, target.id, target.version, &doc, &at).await?;
        let n = sqlx::query("UPDATE actors SET merged_into = $1, version = $2, updated_at = $3 WHERE id = $4 AND version = $5")
            .bind(canonical.to_string())
            .bind(dup.version + 1)
            .bind(at.clone())
            .bind(dup.id.to_string())
            .bind(dup.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { current: dup.version });
        }
        // Actors merged into the duplicate earlier now point at the canonical actor directly.
        sqlx::query("UPDATE actors SET merged_into = $1 WHERE merged_into = $2").bind(canonical.to_string()).bind(duplicate.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        self.get_actor(canonical).await
    }

    pub async fn get_actor(&self, id: ActorId) -> Result<ActorRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {ACTOR_COLUMNS} FROM actors a WHERE a.id = $1")).bind(id.to_string()).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        actor_from_row(&row)
    }

    /// Actors whose name or alias is `name` (case-insensitive) or whose ATT&CK id it is.
    pub async fn find_actors(&self, name: &str) -> Result<Vec<ActorRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTOR_COLUMNS} FROM actors a WHERE (a.id IN (SELECT actor_id FROM actor_aliases WHERE alias_key = $1) OR a.attack_id = $2)
             AND a.merged_into IS NULL ORDER BY a.revoked, a.deprecated, a.name"
        ))
        .bind(name_key(name))
        .bind(name.trim().to_uppercase())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(actor_from_row).collect()
    }

    /// The register: actors under `filter`, with their incidents and harm in `scope`, most
    /// incidents first, then most individuals affected, then name. At most [`MAX_ACTOR_ROWS`].
    pub async fn rank_actors(&self, scope: &ReadScope, filter: &ActorFilter) -> Result<Vec<ActorRank>, StoreError> {
        let mut sql = Sql::new(
            "SELECT a.id, a.name, a.kind, a.attack_id, a.healthcare, a.revoked, a.deprecated,
             COUNT(i.id) AS n, CAST(COALESCE(SUM(i.individuals_affected), 0) AS BIGINT) AS ind, COUNT(i.individuals_affected) AS ind_n
             FROM actors a
             LEFT JOIN (SELECT DISTINCT t0.incident_id, COALESCE(a0.merged_into, a0.id) AS actor_id FROM attributions t0 JOIN actors a0 ON a0.id = t0.actor_id
                        WHERE t0.confidence <> 'disputed') t ON t.actor_id = a.id
             LEFT JOIN incidents i ON i.id = t.incident_id AND i.merged_into IS NULL AND ",
        );
        push_scope(&mut sql, scope);
        sql.push(" WHERE a.merged_into IS NULL");
        if let Some(k) = filter.kind {
            let p = sql.param(k.as_str());
            sql.push(&format!(" AND a.kind = {p}"));
        }
        if filter.healthcare {
            sql.push(" AND a.healthcare = 1");
        }
        if !filter.include_retired {
            sql.push(" AND a.revoked = 0 AND a.deprecated = 0");
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let term: String = text.to_lowercase().chars().filter(|c| !c.is_control()).take(crate::MAX_SEARCH_CHARS).collect();
            let p = sql.param(format!("%{}%", crate::incidents::escape_like(&term)));
            let id = sql.param(term.to_uppercase());
            sql.push(&format!(" AND (a.attack_id = {id} OR a.id IN (SELECT actor_id FROM actor_aliases WHERE alias_key LIKE {p} ESCAPE '\\'))"));
        }
        sql.push(" GROUP BY a.id, a.name, a.kind, a.attack_id, a.healthcare, a.revoked, a.deprecated");
        if filter.attributed_only {
            sql.push(" HAVING COUNT(i.id) > 0");
        }
        sql.push(&format!(" ORDER BY n DESC, ind DESC, a.name ASC LIMIT {MAX_ACTOR_ROWS}"));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ActorRank {
                    id: parse_col(r, "id")?,
                    name: r.try_get("name")?,
                    kind: parse_col(r, "kind")?,
                    attack_id: r.try_get("attack_id")?,
                    healthcare: crate::tracer::num_i64(r, "healthcare")? == 1,
                    revoked: crate::tracer::num_i64(r, "revoked")? == 1,
                    deprecated: crate::tracer::num_i64(r, "deprecated")? == 1,
                    incidents: crate::tracer::num_i64(r, "n")?,
                    individuals_affected: crate::tracer::num_i64(r, "ind")?,
                    individuals_affected_known: crate::tracer::num_i64(r, "ind_n")?,
                })
            })
            .collect()
    }

    /// Records an attribution of an incident `scope` may read, with its chain entry, in one
    /// transaction. Attributions are never edited: a retraction is a new `disputed` one.
    pub async fn attribute(&self, new: &NewAttribution, scope: &ReadScope, by: Option<UserId>, now: Timestamp) -> Result<Attribution, StoreError> {
        self.get_incident(new.incident_id, scope).await?;
        self.get_actor(new.actor_id).await?;
        if new.note.chars().count() > MAX_ATTRIBUTION_NOTE_CHARS {
            return Err(StoreError::Corrupt(format!("note is over {MAX_ATTRIBUTION_NOTE_CHARS} characters")));
        }
        let id = AttributionId::from_uuid(new_uuid());
        let (at, who, stated_on) = (to_db(now), by.map(|u| u.to_string()), new.stated_on.to_string());
        let (incident, actor) = (new.incident_id.to_string(), new.actor_id.to_string());
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO attributions (id, incident_id, actor_id, confidence, source_url, stated_on, note, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(incident.clone())
        .bind(actor.clone())
        .bind(new.confidence.as_str())
        .bind(new.source_url.clone())
        .bind(stated_on.clone())
        .bind(new.note.clone())
        .bind(at.clone())
        .bind(who.clone())
        .execute(&mut *tx)
        .await?;
        let body_hash = crate::chain::body_hash(&[
            ("incident_id", Some(&incident)),
            ("actor_id", Some(&actor)),
            ("confidence", Some(new.confidence.as_str())),
            ("source_url", Some(&new.source_url)),
            ("stated_on", Some(&stated_on)),
            ("note", Some(&new.note)),
            ("recorded_at", Some(&at)),
            ("recorded_by", who.as_deref()),
        ]);
        let change = crate::chain::Change { kind: "attribution.create", subject: id.to_string(), version: 1, body_hash };
        crate::chain::append(&mut tx, crate::chain::Pending(vec![change]), now).await?;
        tx.commit().await?;
        let mut all = self.attributions_where("t.id", &id.to_string(), scope).await?;
        all.pop().ok_or(StoreError::NotFound)
    }

    /// Attributions of an incident `scope` may read, strongest confidence first, then newest.
    pub async fn incident_attributions(&self, incident: IncidentId, scope: &ReadScope) -> Result<Vec<Attribution>, StoreError> {
        self.attributions_where("t.incident_id", &incident.to_string(), scope).await
    }

    /// Attributions to an actor, of incidents `scope` may read (merged records excluded).
    pub async fn actor_attributions(&self, actor: ActorId, scope: &ReadScope) -> Result<Vec<Attribution>, StoreError> {
        self.attributions_where("t.actor_id", &actor.to_string(), scope).await
    }

    async fn attributions_where(&self, column: &'static str, value: &str, scope: &ReadScope) -> Result<Vec<Attribution>, StoreError> {
        let mut sql = Sql::new(
            "SELECT t.id, t.incident_id, i.title, t.actor_id, a.name, t.confidence, t.source_url, t.stated_on, t.note, t.recorded_at, t.recorded_by, u.email
             FROM attributions t JOIN incidents i ON i.id = t.incident_id JOIN actors a ON a.id = t.actor_id LEFT JOIN users u ON u.id = t.recorded_by WHERE ",
        );
        let p = sql.bind(SqlValue::Text(Some(value.to_owned())));
        if column == "t.actor_id" {
            // An actor's attributions include those of actors merged into it.
            sql.push(&format!("t.actor_id IN (SELECT id FROM actors WHERE id = {p} OR merged_into = {p}) AND "));
        } else {
            sql.push(&format!("{column} = {p} AND "));
        }
        push_scope(&mut sql, scope);
        if column == "t.actor_id" {
            sql.push(" AND i.merged_into IS NULL");
        }
        sql.push(
            " ORDER BY CASE t.confidence WHEN 'confirmed_by_authority' THEN 0 WHEN 'claimed_by_actor' THEN 1 WHEN 'assessed_likely' THEN 2 WHEN 'possible' THEN 3 ELSE 4 END,
              t.recorded_at DESC, t.id",
        );
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Attribution {
                    id: parse_col(r, "id")?,
                    incident_id: parse_col(r, "incident_id")?,
                    incident_title: r.try_get("title")?,
                    actor_id: parse_col(r, "actor_id")?,
                    actor_name: r.try_get("name")?,
                    confidence: parse_col(r, "confidence")?,
                    source_url: r.try_get("source_url")?,
                    stated_on: r.try_get("stated_on")?,
                    note: r.try_get("note")?,
                    recorded_at: from_db(&r.try_get::<String, _>("recorded_at")?)?,
                    recorded_by: parse_opt_col(r, "recorded_by").map_err(|_| StoreError::Corrupt("attributions.recorded_by".into()))?,
                    recorded_by_email: r.try_get("email")?,
                })
            })
            .collect()
    }
}
