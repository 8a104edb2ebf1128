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

pub(crate) fn num_i64(row: &sqlx::any::AnyRow, col: &str) -> Result<i64, StoreError> {
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
    /// Headline totals for `scope` under `filter`: from the rollup when the filter only uses
    /// rolled-up dimensions, else from the incidents (the same figures either way).
    pub async fn totals(&self, scope: &ReadScope, filter: &IncidentFilter) -> Result<Totals, StoreError> {
        match self.rollup_totals(scope, filter).await? {
            Some(t) => Ok(t),
            None => self.live_totals(scope, filter).await,
        }
    }

    /// [`Store::totals`] computed from the incidents themselves (no rollup).
    pub async fn live_totals(&self, scope: &ReadScope, filter: &IncidentFilter) -> Result<Totals, StoreError> {
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
    /// key order for time. Multi-valued dimensions count an incident once per value. From the
    /// rollup when it can answer, else from the incidents.
    pub async fn group_counts(&self, scope: &ReadScope, filter: &IncidentFilter, dim: Dimension) -> Result<Vec<GroupCount>, StoreError> {
        match self.rollup_group_counts(scope, filter, dim).await? {
            Some(g) => Ok(g),
            None => self.live_group_counts(scope, filter, dim).await,
        }
    }

    /// [`Store::group_counts`] computed from the incidents themselves (no rollup).
    pub async fn live_group_counts(&self, scope: &ReadScope, filter: &IncidentFilter, dim: Dimension) -> Result<Vec<GroupCount>, StoreError> {
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

    async fn rollup_totals(&self, scope: &ReadScope, filter: &IncidentFilter) -> Result<Option<Totals>, StoreError> {
        let mut sql = Sql::new(
            "SELECT CAST(SUM(i.n) AS BIGINT) AS n, COUNT(DISTINCT CASE WHEN i.n > 0 THEN i.country END) AS countries,
             CAST(SUM(i.individuals_affected) AS BIGINT) AS ind, CAST(SUM(i.individuals_known) AS BIGINT) AS ind_n,
             CAST(SUM(i.care_milli_days) AS BIGINT) AS care, CAST(SUM(i.care_known) AS BIGINT) AS care_n,
             CAST(SUM(i.ambulance_diverted) AS BIGINT) AS amb, CAST(SUM(i.ambulance_known) AS BIGINT) AS amb_n,
             CAST(SUM(i.appointments_cancelled) AS BIGINT) AS appt, CAST(SUM(i.appointments_known) AS BIGINT) AS appt_n,
             MAX(i.latest) AS latest FROM tracer_rollup i WHERE ",
        );
        if !push_rollup_filter(&mut sql, scope, filter, None) {
            return Ok(None);
        }
        let row = sql.query().fetch_one(&self.pool).await?;
        Ok(Some(Totals {
            incidents: num_i64(&row, "n")?,
            countries: num_i64(&row, "countries")?,
            individuals_affected: num_i64(&row, "ind")?,
            individuals_affected_known: num_i64(&row, "ind_n")?,
            care_disruption_days: num_i64(&row, "care")? as f64 / crate::rollup::CARE_SCALE,
            care_disruption_known: num_i64(&row, "care_n")?,
            ambulance_diversions: num_i64(&row, "amb")?,
            ambulance_diversion_known: num_i64(&row, "amb_n")?,
            appointments_cancelled: num_i64(&row, "appt")?,
            appointments_cancelled_known: num_i64(&row, "appt_n")?,
            as_of: row.try_get::<Option<String>, _>("latest")?.map(|t| crate::time::from_db(&t)).transpose()?,
        }))
    }

    async fn rollup_group_counts(&self, scope: &ReadScope, filter: &IncidentFilter, dim: Dimension) -> Result<Option<Vec<GroupCount>>, StoreError> {
        let (key, guard) = match dim {
            Dimension::Month => return Ok(None),
            Dimension::Year => ("CAST(i.year AS TEXT)", " AND i.year <> 0"),
            Dimension::Country => ("i.country", ""),
            Dimension::OrgType => ("i.org_type", ""),
            _ => ("i.value", ""),
        };
        let mut sql = Sql::new(&format!("SELECT {key} AS k, CAST(SUM(i.n) AS BIGINT) AS cnt, CAST(SUM(i.individuals_affected) AS BIGINT) AS ind FROM tracer_rollup i WHERE "));
        if !push_rollup_filter(&mut sql, scope, filter, dim.facet()) {
            return Ok(None);
        }
        sql.push(guard);
        let order = if matches!(dim, Dimension::Year) { "k ASC" } else { "cnt DESC, k ASC" };
        sql.push(&format!(" GROUP BY {key} HAVING SUM(i.n) > 0 ORDER BY {order}"));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(GroupCount { key: r.try_get::<String, _>("k")?, incidents: num_i64(r, "cnt")?, individuals_affected: num_i64(r, "ind")? }))
            .collect::<Result<Vec<_>, StoreError>>()
            .map(Some)
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
        let mut sql = Sql::new(&format!("SELECT {} FROM incidents i WHERE i.norm_name = ", crate::incidents::RECORD_COLUMNS));
        let (n, c, e) = (sql.param(norm_name), sql.param(country), sql.param(except.to_string()));
        sql.push(&format!("{n} AND i.country = {c} AND i.id <> {e} AND i.merged_into IS NULL ORDER BY i.id"));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(crate::incidents::record_from_row).collect()
    }

    /// Every unmerged incident sharing a normalised victim name and country with one of `ids`
    /// (those among `ids` included): all the linking rule needs to consider for them, in a
    /// few queries however many records an import touched.
    pub async fn link_neighbourhood(&self, ids: &[IncidentId]) -> Result<Vec<IncidentRecord>, StoreError> {
        let mut out: std::collections::BTreeMap<IncidentId, IncidentRecord> = std::collections::BTreeMap::new();
        for chunk in ids.chunks(crate::incidents::ROWS_PER_STATEMENT * 5) {
            let cols = crate::incidents::RECORD_COLUMNS;
            let mut sql = Sql::new(&format!(
                "SELECT DISTINCT {cols} FROM incidents i JOIN incidents t ON t.norm_name = i.norm_name AND t.country = i.country
                 WHERE i.merged_into IS NULL AND t.merged_into IS NULL AND t.id IN "
            ));
            sql.push_in_list(chunk);
            for row in sql.query().fetch_all(&self.pool).await? {
                let rec = crate::incidents::record_from_row(&row)?;
                out.insert(rec.id, rec);
            }
        }
        Ok(out.into_values().collect())
    }

    /// Links `duplicate` into `canonical`: the duplicate stops counting on its own and its
    /// sources show on the canonical incident. Recorded as a version of the duplicate.
    pub async fn merge_into(&self, duplicate: IncidentId, canonical: IncidentId, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        self.merge_many(&[(duplicate, canonical)], by, now).await
    }

    /// Links each (duplicate, canonical) pair like [`Store::merge_into`], all in one
    /// transaction: either every link is recorded or none.
    pub async fn merge_many(&self, pairs: &[(IncidentId, IncidentId)], by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        let changes: Vec<(IncidentId, Option<IncidentId>)> = pairs.iter().map(|(d, c)| (*d, Some(*c))).collect();
        self.set_merged(&changes, by, now).await
    }

    /// Reverses [`Store::merge_into`].
    pub async fn unmerge(&self, duplicate: IncidentId, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        self.set_merged(&[(duplicate, None)], by, now).await
    }

    async fn set_merged(&self, changes: &[(IncidentId, Option<IncidentId>)], by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        let duplicates: std::collections::HashSet<IncidentId> = changes.iter().filter(|(_, t)| t.is_some()).map(|(d, _)| *d).collect();
        let mut currents = Vec::with_capacity(changes.len());
        for (id, into) in changes {
            let current = self.get_incident(*id, &ReadScope::LOCAL_OPERATOR).await?;
            if let Some(target) = into {
                if target == id {
                    return Err(StoreError::Corrupt("an incident cannot be merged into itself".into()));
                }
                self.get_incident(*target, &ReadScope::LOCAL_OPERATOR).await?;
                if self.merged_into(*target).await?.is_some() || duplicates.contains(target) {
                    return Err(StoreError::Corrupt("merge target is itself merged; merge into its canonical incident".into()));
                }
            }
            currents.push(current);
        }
        let ids: Vec<IncidentId> = changes.iter().map(|(id, _)| *id).collect();
        let mut tx = self.pool.begin().await?;
        crate::rollup::apply(&mut tx, &ids, -1, now).await?;
        let mut pending = crate::chain::Pending::default();
        for ((id, into), current) in changes.iter().zip(&currents) {
            let next = current.version + 1;
            let change = match into {
                Some(t) => format!("[\"merged_into:{t}\"]"),
                None => "[\"unmerged\"]".to_owned(),
            };
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
            let body = serde_json::to_string(&current.draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let (at, who) = (to_db(now), by.map(|u| u.to_string()));
            sqlx::query("INSERT INTO incident_versions (incident_id, version, body, changed_fields, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.to_string())
                .bind(next)
                .bind(body.clone())
                .bind(change.clone())
                .bind(at.clone())
                .bind(who.clone())
                .execute(&mut *tx)
                .await?;
            pending.0.push(crate::chain::Change {
                kind: if into.is_some() { "incident.merge" } else { "incident.unmerge" },
                subject: id.to_string(),
                version: next,
                body_hash: crate::chain::incident_version_hash(&body, &change, &at, who.as_deref()),
            });
        }
        crate::rollup::apply(&mut tx, &ids, 1, now).await?;
        crate::chain::append(&mut tx, pending, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recomputes the tracer rollup from the incidents (after a recipe change; `Store::open`
    /// calls it when needed).
    pub async fn rebuild_rollup(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        crate::rollup::rebuild(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refreshes planner statistics (and, on PostgreSQL, reclaims the dead row versions the
    /// rollup's upserts leave) as autovacuum would; run after a bulk load or a rollup rebuild.
    pub async fn maintain(&self) -> Result<(), StoreError> {
        match self.backend {
            crate::Backend::Postgres => {
                for table in ["tracer_rollup", "incidents", "incident_facets"] {
                    sqlx::query(&format!("VACUUM ANALYZE {table}")).execute(&self.pool).await?;
                }
            }
            crate::Backend::Sqlite => {
                sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
            }
        }
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
            // The caller (`Store::open`) rebuilds the rollup when any row was recomputed.
            n += 1;
        }
        Ok(n)
    }
}

/// Whether [`Store::totals`] (`dim` = None) or [`Store::group_counts`] answers `filter` from
/// the rollup rather than from the incidents.
pub fn rollup_answers(filter: &IncidentFilter, dim: Option<Dimension>) -> bool {
    if dim == Some(Dimension::Month) {
        return false;
    }
    push_rollup_filter(&mut Sql::new(""), &ReadScope::PUBLIC, filter, dim.and_then(Dimension::facet))
}

/// Appends the rollup form of `scope` and `filter` (grouped by `group_facet` when given) to
/// `sql`; false when the rollup cannot answer: free-text search, a source scheme, a known-figure
/// filter, an attributed actor, merged records, dates not on whole years, both an attack type
/// and an actor, or VERIS actions under an attack-type or actor filter.
fn push_rollup_filter(sql: &mut Sql, scope: &ReadScope, f: &IncidentFilter, group_facet: Option<&'static str>) -> bool {
    let text = f.text.as_deref().map(str::trim).is_some_and(|t| !t.is_empty());
    if text || f.include_merged || f.source.is_some() || f.known.is_some() || f.attributed_actor.is_some() {
        return false;
    }
    if f.from.is_some_and(|d| (d.month(), d.day()) != (1, 1)) || f.to.is_some_and(|d| (d.month(), d.day()) != (12, 31)) {
        return false;
    }
    let filtered = f.attack_type.is_some() || f.actor.is_some();
    if filtered && group_facet == Some(crate::rollup::UNPAIRED_FACET) {
        return false;
    }
    match (f.attack_type, &f.actor) {
        (Some(_), Some(_)) => return false,
        (Some(a), None) => {
            let v = sql.param(a.as_str());
            sql.push(&format!("i.filter_facet = 'attack_type' AND i.filter_value = {v} AND "));
        }
        (None, Some(actor)) => {
            let v = sql.param(actor.clone());
            sql.push(&format!("i.filter_facet = 'actor' AND i.filter_value = {v} AND "));
        }
        (None, None) => sql.push("i.filter_facet = '' AND i.filter_value = '' AND "),
    }
    sql.push(&format!("i.facet = '{}' AND ", group_facet.unwrap_or("")));
    push_scope(sql, scope);
    for (col, value) in [
        ("region", f.region.as_ref().map(|r| r.as_str().to_owned())),
        ("org_id", f.org_id.map(|o| o.to_string())),
        ("country", f.country.map(|c| c.as_str().to_owned())),
        ("org_type", f.org_type.map(|t| t.as_str().to_owned())),
        ("tlp", f.tlp.map(|t| t.as_str().to_owned())),
    ] {
        if let Some(v) = value {
            let p = sql.param(v);
            sql.push(&format!(" AND i.{col} = {p}"));
        }
    }
    if f.harm_present {
        sql.push(" AND i.has_harm = 1");
    }
    if f.from.is_some() || f.to.is_some() {
        sql.push(" AND i.dated = 1");
    }
    if let Some(d) = f.from {
        sql.push(&format!(" AND i.year >= {}", d.year()));
    }
    if let Some(d) = f.to {
        sql.push(&format!(" AND i.year <= {}", d.year()));
    }
    true
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
        let mut found = std::collections::HashMap::new();
        for chunk in items.chunks(crate::incidents::ROWS_PER_STATEMENT * 5) {
            let mut sql = Sql::new(
                "SELECT e.scheme AS e_scheme, e.value AS e_value, i.id, i.org_id, i.version, i.body, i.created_at, i.updated_at, i.created_by, i.updated_by, i.sort_key
                 FROM incident_external_ids e JOIN incidents i ON i.id = e.incident_id WHERE ",
            );
            for (n, item) in chunk.iter().enumerate() {
                let s = sql.param(item.scheme.clone());
                let v = sql.param(item.value.clone());
                if n > 0 {
                    sql.push(" OR ");
                }
                sql.push(&format!("(e.scheme = {s} AND e.value = {v})"));
            }
            for r in &sql.query().fetch_all(&self.pool).await? {
                let key: (String, String) = (r.try_get("e_scheme")?, r.try_get("e_value")?);
                found.insert(key, crate::incidents::record_from_row(r)?);
            }
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
        let mut seen_new: std::collections::HashMap<(&str, &str), IncidentId> = std::collections::HashMap::new();
        let mut new_rows: Vec<(IncidentId, crate::incidents::Indexed)> = Vec::new();
        let mut updates = Vec::new();
        for (item, current) in items.iter().zip(existing) {
            let key = (item.scheme.as_str(), item.value.as_str());
            match current {
                None => match seen_new.get(&key) {
                    // The same record twice in one batch: the first one wins, as a re-import would.
                    Some(id) => results.push(Upsert::Unchanged(*id)),
                    None => {
                        let id = IncidentId::from_uuid(crate::new_uuid());
                        new_rows.push((id, indexed(&item.draft)?));
                        seen_new.insert(key, id);
                        results.push(Upsert::Created(id));
                    }
                },
                Some(cur) if cur.draft == item.draft => results.push(Upsert::Unchanged(cur.id)),
                Some(cur) => {
                    let ix = indexed(&item.draft)?;
                    let changed = ward_core::diff::changed_paths(&cur.draft.to_value(), &item.draft.to_value());
                    results.push(Upsert::Updated(cur.id));
                    updates.push((cur, ix, changed));
                }
            }
        }
        let updated_ids: Vec<IncidentId> = updates.iter().map(|(cur, _, _)| cur.id).collect();
        let mut tx = self.pool.begin().await?;
        crate::rollup::apply(&mut tx, &updated_ids, -1, now).await?;
        let mut pending = crate::chain::Pending::default();
        for (cur, ix, changed) in &updates {
            pending.extend(crate::incidents::update_row(&mut tx, cur.id, cur.version, ix, changed, None, now, "incident.import").await?);
        }
        let rows: Vec<(IncidentId, &crate::incidents::Indexed)> = new_rows.iter().map(|(id, ix)| (*id, ix)).collect();
        pending.extend(crate::incidents::insert_incidents(&mut tx, &rows, org_id, None, now, "incident.import").await?);
        let touched: Vec<IncidentId> = updated_ids.into_iter().chain(new_rows.iter().map(|(id, _)| *id)).collect();
        crate::rollup::apply(&mut tx, &touched, 1, now).await?;
        crate::chain::append(&mut tx, pending, now).await?;
        tx.commit().await?;
        Ok(results)
    }
}
