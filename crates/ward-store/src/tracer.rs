//! The tracer's queries: totals with coverage, grouped counts, idempotent upserts by external
//! id, and reversible links between records of the same incident. Every query takes the
//! caller's scope and excludes records merged into another (so nothing is counted twice).

use jiff::Timestamp;
use sqlx::Row;
use ward_core::{IncidentDraft, IncidentId, OrgId, ReadScope, UserId};

use crate::incidents::{indexed, push_filter, push_scope, write_derived, Sql, DERIVED_VERSION};
use crate::time::to_db;
use crate::{IncidentFilter, IncidentRecord, Store, StoreError};

/// Headline totals of a filtered view, each sum with how many incidents it is known for.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    pub incidents: i64,
    pub countries: i64,
    pub individuals_affected: i64,
    pub individuals_affected_known: i64,
    pub care_disruption_days: f64,
    pub care_disruption_known: i64,
    pub ambulance_diversions: i64,
    pub ambulance_diversion_known: i64,
    pub appointments_cancelled: i64,
    pub appointments_cancelled_known: i64,
    /// The latest change to any incident in the view (the data's "as of").
    pub as_of: Option<Timestamp>,
}

/// What to group counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Year,
    Month,
    Country,
    OrgType,
    AttackType,
    Action,
    Actor,
    DataVariety,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::Year, Dimension::Month, Dimension::Country, Dimension::OrgType, Dimension::AttackType,
        Dimension::Action, Dimension::Actor, Dimension::DataVariety,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Year => "year",
            Dimension::Month => "month",
            Dimension::Country => "country",
            Dimension::OrgType => "org_type",
            Dimension::AttackType => "attack_type",
            Dimension::Action => "action",
            Dimension::Actor => "actor",
            Dimension::DataVariety => "data_variety",
        }
    }
    fn facet(self) -> Option<&'static str> {
        match self {
            Dimension::AttackType => Some("attack_type"),
            Dimension::Action => Some("action"),
            Dimension::Actor => Some("actor"),
            Dimension::DataVariety => Some("data_variety"),
            _ => None,
        }
    }
}

/// One group: its key, how many incidents, and (for time and place) the individuals affected.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupCount {
    pub key: String,
    pub incidents: i64,
    pub individuals_affected: i64,
}

/// What an upsert by external id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Created(IncidentId),
    Updated(IncidentId),
    Unchanged(IncidentId),
}

/// A record linked (merged) into another incident.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkedRecord {
    pub id: IncidentId,
    pub title: String,
    pub external_ids: Vec<String>,
}

fn num_i64(row: &sqlx::any::AnyRow, col: &str) -> Result<i64, StoreError> {
    // Aggregates come back as integers on one backend and numerics on the other.
    if let Ok(v) = row.try_get::<Option<i64>, _>(col) {
        return Ok(v.unwrap_or(0));
    }
    Ok(row.try_get::<Option<f64>, _>(col)?.map(|f| f as i64).unwrap_or(0))
}

fn num_f64(row: &sqlx::any::AnyRow, col: &str) -> Result<f64, StoreError> {
    if let Ok(v) = row.try_get::<Option<f64>, _>(col) {
        return Ok(v.unwrap_or(0.0));
    }
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|i| i as f64).unwrap_or(0.0))
}

impl Store {
    /// Headline totals for `scope` under `filter`.
    pub async fn totals(&self, scope: &ReadScope, filter: &IncidentFilter) -> Result<Totals, StoreError> {
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT i.country) AS countries,
             CAST(SUM(i.individuals_affected) AS BIGINT) AS ind, COUNT(i.individuals_affected) AS ind_n,
             CAST(SUM(i.care_disruption_days) AS DOUBLE PRECISION) AS care, COUNT(i.care_disruption_days) AS care_n,
             CAST(SUM(i.ambulance_diverted) AS BIGINT) AS amb, COUNT(i.ambulance_diverted) AS amb_n,
             CAST(SUM(i.appointments_cancelled) AS BIGINT) AS appt, COUNT(i.appointments_cancelled) AS appt_n,
             MAX(i.updated_at) AS latest
             FROM incidents i WHERE ",
        );
        push_scope(&mut sql, scope);
        push_filter(&mut sql, filter);
        let row = sql.query().fetch_one(&self.pool).await?;
        Ok(Totals {
            incidents: num_i64(&row, "n")?,
            countries: num_i64(&row, "countries")?,
            individuals_affected: num_i64(&row, "ind")?,
            individuals_affected_known: num_i64(&row, "ind_n")?,
            care_disruption_days: num_f64(&row, "care")?,
            care_disruption_known: num_i64(&row, "care_n")?,
            ambulance_diversions: num_i64(&row, "amb")?,
            ambulance_diversion_known: num_i64(&row, "amb_n")?,
            appointments_cancelled: num_i64(&row, "appt")?,
            appointments_cancelled_known: num_i64(&row, "appt_n")?,
            as_of: row.try_get::<Option<String>, _>("latest")?.map(|t| crate::time::from_db(&t)).transpose()?,
        })
    }

    /// Incidents (and individuals affected) per group, largest first for categories and in
    /// key order for time. Multi-valued dimensions count an incident once per value.
    pub async fn group_counts(&self, scope: &ReadScope, filter: &IncidentFilter, dim: Dimension) -> Result<Vec<GroupCount>, StoreError> {
        let (key, from, null_guard) = match (dim, dim.facet()) {
            (_, Some(facet)) => ("f.value".to_owned(), format!("incidents i JOIN incident_facets f ON f.incident_id = i.id AND f.facet = '{facet}'"), ""),
            (Dimension::Year, _) => ("CAST(i.year AS TEXT)".to_owned(), "incidents i".to_owned(), " AND i.year IS NOT NULL"),
            (Dimension::Month, _) => ("i.month".to_owned(), "incidents i".to_owned(), " AND i.month IS NOT NULL"),
            (Dimension::Country, _) => ("i.country".to_owned(), "incidents i".to_owned(), ""),
            (_, None) => ("i.org_type".to_owned(), "incidents i".to_owned(), ""),
        };
        let mut sql = Sql::new(&format!("SELECT {key} AS k, COUNT(*) AS n, CAST(SUM(i.individuals_affected) AS BIGINT) AS ind FROM {from} WHERE "));
        push_scope(&mut sql, scope);
        push_filter(&mut sql, filter);
        sql.push(null_guard);
        let order = if matches!(dim, Dimension::Year | Dimension::Month) { "k ASC" } else { "n DESC, k ASC" };
        sql.push(&format!(" GROUP BY {key} ORDER BY {order}"));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(GroupCount { key: r.try_get::<String, _>("k")?, incidents: num_i64(r, "n")?, individuals_affected: num_i64(r, "ind")? }))
            .collect()
    }

    /// The incident holding this external id, if any (any scope: used by importers, which run
    /// as the local operator or an instance administrator).
    pub async fn find_by_external_id(&self, scheme: &str, value: &str) -> Result<Option<IncidentId>, StoreError> {
        let row = sqlx::query("SELECT incident_id FROM incident_external_ids WHERE scheme = $1 AND value = $2")
            .bind(scheme.to_owned())
            .bind(value.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get::<String, _>("incident_id")?.parse::<IncidentId>().map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Creates the incident, or updates the one holding the same (scheme, value) external id
    /// when its document differs; re-running an import therefore changes nothing.
    pub async fn upsert_by_external_id(&self, org_id: OrgId, scheme: &str, value: &str, draft: &IncidentDraft, by: Option<UserId>, now: Timestamp) -> Result<Upsert, StoreError> {
        match self.find_by_external_id(scheme, value).await? {
            None => Ok(Upsert::Created(self.create_incident(org_id, draft, by, now).await?.id)),
            Some(id) => {
                let current = self.get_incident(id, &ReadScope::LOCAL_OPERATOR).await?;
                if current.draft == *draft {
                    return Ok(Upsert::Unchanged(id));
                }
                self.update_incident(id, &ReadScope::LOCAL_OPERATOR, current.version, draft, by, now).await?;
                Ok(Upsert::Updated(id))
            }
        }
    }

    /// Candidates for linking: unmerged incidents with this normalised victim name in this
    /// country, other than `except`.
    pub async fn link_candidates(&self, norm_name: &str, country: &str, except: IncidentId) -> Result<Vec<IncidentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.id FROM incidents i WHERE i.norm_name = $1 AND i.country = $2 AND i.id <> $3 AND i.merged_into IS NULL ORDER BY i.id",
        )
        .bind(norm_name.to_owned())
        .bind(country.to_owned())
        .bind(except.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: IncidentId = r.try_get::<String, _>("id")?.parse().map_err(|e: ward_core::FieldError| StoreError::Corrupt(e.to_string()))?;
            out.push(self.get_incident(id, &ReadScope::LOCAL_OPERATOR).await?);
        }
        Ok(out)
    }

    /// Links `duplicate` into `canonical`: the duplicate stops counting on its own and its
    /// sources show on the canonical incident. Recorded as a version of the duplicate.
    pub async fn merge_into(&self, duplicate: IncidentId, canonical: IncidentId, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        if duplicate == canonical {
            return Err(StoreError::Corrupt("an incident cannot be merged into itself".into()));
        }
        self.set_merged(duplicate, Some(canonical), by, now).await
    }

    /// Reverses [`Store::merge_into`].
    pub async fn unmerge(&self, duplicate: IncidentId, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        self.set_merged(duplicate, None, by, now).await
    }

    async fn set_merged(&self, id: IncidentId, into: Option<IncidentId>, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        let current = self.get_incident(id, &ReadScope::LOCAL_OPERATOR).await?;
        if let Some(target) = into {
            let t = self.get_incident(target, &ReadScope::LOCAL_OPERATOR).await?;
            if self.merged_into(target).await?.is_some() || t.id == id {
                return Err(StoreError::Corrupt("merge target is itself merged; merge into its canonical incident".into()));
            }
        }
        let next = current.version + 1;
        let change = match into {
            Some(t) => format!("[\"merged_into:{t}\"]"),
            None => "[\"unmerged\"]".to_owned(),
        };
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE incidents SET merged_into = $1, version = $2, updated_at = $3, updated_by = $4 WHERE id = $5 AND version = $6")
            .bind(into.map(|t| t.to_string()))
            .bind(next)
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .bind(id.to_string())
            .bind(current.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict { current: current.version });
        }
        sqlx::query("INSERT INTO incident_versions (incident_id, version, body, changed_fields, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(next)
            .bind(serde_json::to_string(&current.draft).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .bind(change)
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The canonical incident this one was merged into, if any.
    pub async fn merged_into(&self, id: IncidentId) -> Result<Option<IncidentId>, StoreError> {
        let row = sqlx::query("SELECT merged_into FROM incidents WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        row.try_get::<Option<String>, _>("merged_into")?
            .map(|s| s.parse::<IncidentId>().map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Records merged into `canonical` that `scope` may read.
    pub async fn linked_records(&self, canonical: IncidentId, scope: &ReadScope) -> Result<Vec<IncidentRecord>, StoreError> {
        let mut sql = Sql::new("SELECT i.id FROM incidents i WHERE i.merged_into = ");
        let p = sql.param(canonical.to_string());
        sql.push(&p);
        sql.push(" AND ");
        push_scope(&mut sql, scope);
        sql.push(" ORDER BY i.id");
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in rows {
            let id: IncidentId = r.try_get::<String, _>("id")?.parse().map_err(|e: ward_core::FieldError| StoreError::Corrupt(e.to_string()))?;
            out.push(self.get_incident(id, scope).await?);
        }
        Ok(out)
    }

    /// Recomputes derived columns, facets and external ids of rows written by an older
    /// recipe. Returns how many rows it touched. Runs at open; idempotent.
    pub async fn reindex(&self) -> Result<u64, StoreError> {
        let rows = sqlx::query("SELECT id, body FROM incidents WHERE derived_version < $1")
            .bind(DERIVED_VERSION)
            .fetch_all(&self.pool)
            .await?;
        let mut n = 0;
        for r in rows {
            let id: IncidentId = r.try_get::<String, _>("id")?.parse().map_err(|e: ward_core::FieldError| StoreError::Corrupt(e.to_string()))?;
            let draft: IncidentDraft = serde_json::from_str(&r.try_get::<String, _>("body")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let ix = indexed(&draft)?;
            let mut tx = self.pool.begin().await?;
            write_derived(&mut tx, id, &ix).await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }
}

/// One record of an import batch: its idempotency key and document.
pub struct ImportItem {
    pub scheme: String,
    pub value: String,
    pub draft: IncidentDraft,
}

/// Largest batch written in one transaction by [`Store::import_batch`].
pub const MAX_IMPORT_BATCH: usize = 500;

impl Store {
    /// The current record of each item's external id, in one query per batch.
    async fn existing_for(&self, items: &[ImportItem]) -> Result<Vec<Option<IncidentRecord>>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT e.scheme AS e_scheme, e.value AS e_value, i.id, i.org_id, i.version, i.body, i.created_at, i.updated_at, i.created_by, i.updated_by, i.sort_key
             FROM incident_external_ids e JOIN incidents i ON i.id = e.incident_id WHERE ",
        );
        for (n, item) in items.iter().enumerate() {
            let s = sql.param(item.scheme.clone());
            let v = sql.param(item.value.clone());
            if n > 0 {
                sql.push(" OR ");
            }
            sql.push(&format!("(e.scheme = {s} AND e.value = {v})"));
        }
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut found = std::collections::HashMap::new();
        for r in &rows {
            let key: (String, String) = (r.try_get("e_scheme")?, r.try_get("e_value")?);
            found.insert(key, crate::incidents::record_from_row(r)?);
        }
        Ok(items.iter().map(|i| found.get(&(i.scheme.clone(), i.value.clone())).cloned()).collect())
    }

    /// Creates or updates a batch of imported incidents by external id in one transaction
    /// (one fsync per batch, not per record). Lookups happen before the transaction so a SQLite
    /// writer never upgrades a read lock; updates are guarded by version like any other.
    pub async fn import_batch(&self, org_id: OrgId, items: &[ImportItem], now: Timestamp) -> Result<Vec<Upsert>, StoreError> {
        if items.len() > MAX_IMPORT_BATCH {
            return Err(StoreError::Corrupt(format!("import batch of {} exceeds {MAX_IMPORT_BATCH}", items.len())));
        }
        let existing = self.existing_for(items).await?;
        let mut results = Vec::with_capacity(items.len());
        let mut tx = self.pool.begin().await?;
        let mut seen_new: std::collections::HashMap<(String, String), IncidentId> = std::collections::HashMap::new();
        for (item, current) in items.iter().zip(existing) {
            let key = (item.scheme.clone(), item.value.clone());
            match current {
                None if seen_new.contains_key(&key) => {
                    // The same record twice in one batch: the first one wins, as a re-import would.
                    results.push(Upsert::Unchanged(seen_new[&key]));
                }
                None => {
                    let id = IncidentId::from_uuid(crate::new_uuid());
                    let ix = indexed(&item.draft)?;
                    crate::incidents::insert_incident(&mut tx, id, org_id, &ix, None, now).await?;
                    seen_new.insert(key, id);
                    results.push(Upsert::Created(id));
                }
                Some(cur) if cur.draft == item.draft => results.push(Upsert::Unchanged(cur.id)),
                Some(cur) => {
                    let ix = indexed(&item.draft)?;
                    let changed = ward_core::diff::changed_paths(&cur.draft.to_value(), &item.draft.to_value());
                    crate::incidents::update_row(&mut tx, cur.id, cur.version, &ix, &changed, None, now).await?;
                    results.push(Upsert::Updated(cur.id));
                }
            }
        }
        tx.commit().await?;
        Ok(results)
    }
}
