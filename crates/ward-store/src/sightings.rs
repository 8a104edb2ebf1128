//! Sightings of indicators reported by organisations (`ward match --report`), and their
//! anonymised aggregate.
//!
//! Each report row carries its organisation, reporter and TLP 2.0 level and is read only
//! through [`push_object_visibility`], the same rule that guards shared STIX objects, so a
//! sighting reported at TLP:AMBER counts only for its own organisation. The aggregate gives,
//! per indicator, the total count, first and last seen and the number of reporting
//! organisations; it never returns which organisations reported (the web layer further shows
//! that number only as "fewer than k" below the k-anonymity threshold).

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{OrgId, ReadScope, Tlp, UserId};

use crate::incidents::{Sql, SqlValue};
use crate::sharing::push_object_visibility;
use crate::time::{from_db, to_db};
use crate::{new_uuid, Store, StoreError};

/// Most indicators in one report.
pub const MAX_SIGHTINGS_PER_REPORT: usize = 10_000;
/// Most aggregate rows one read returns.
pub const MAX_SIGHTING_AGGREGATES: u32 = 1000;
/// Rows per multi-row INSERT (11 parameters a row).
const INSERT_CHUNK: usize = 40;

/// One indicator's sightings in one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSighting {
    /// `domain`, `url`, `ipv4`, `ipv6`, `md5`, `sha1`, `sha256` or `email` (ward-match's kinds).
    pub indicator_kind: String,
    /// The normalised indicator.
    pub indicator_value: String,
    /// The STIX id of the indicator, when the sighting is of a shared STIX indicator.
    pub indicator_ref: Option<String>,
    pub n_sightings: i64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// The sightings of one indicator across the reports a viewer may see.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SightingAggregate {
    pub indicator_kind: String,
    pub indicator_value: String,
    /// A STIX indicator id one of the reports named (the smallest, for a stable answer).
    pub indicator_ref: Option<String>,
    pub n_sightings: i64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Distinct reporting organisations among the visible reports.
    pub n_orgs: i64,
    /// Whether the viewer's own organisation is one of them.
    pub own_org_reported: bool,
}

impl Store {
    /// Stores one report's sightings in one transaction; returns the rows written. Callers
    /// bound the report at [`MAX_SIGHTINGS_PER_REPORT`].
    pub async fn add_sightings(&self, org: OrgId, by: Option<UserId>, tlp: Tlp, sightings: &[NewSighting], now: Timestamp) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        for chunk in sightings.chunks(INSERT_CHUNK) {
            let mut sql = Sql::new("INSERT INTO sightings (id, owner_org_id, added_by, tlp, indicator_kind, indicator_value, indicator_ref, n_sightings, first_seen, last_seen, reported_at) VALUES ");
            for (n, s) in chunk.iter().enumerate() {
                let row = [
                    sql.param(new_uuid().to_string()),
                    sql.param(org.to_string()),
                    sql.bind(SqlValue::Text(by.map(|u| u.to_string()))),
                    sql.param(tlp.as_str()),
                    sql.param(s.indicator_kind.clone()),
                    sql.param(s.indicator_value.clone()),
                    sql.bind(SqlValue::Text(s.indicator_ref.clone())),
                    sql.bind(SqlValue::Int(Some(s.n_sightings))),
                    sql.param(to_db(s.first_seen)),
                    sql.param(to_db(s.last_seen)),
                    sql.param(to_db(now)),
                ];
                sql.push(if n == 0 { "(" } else { ", (" });
                sql.push(&row.join(", "));
                sql.push(")");
            }
            sql.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(sightings.len())
    }

    /// Per indicator, the sightings `scope` may see (TLP 2.0 per report), most sighted first.
    /// `kind`/`value` narrow it to one indicator.
    pub async fn sighting_aggregates(&self, scope: &ReadScope, indicator: Option<(&str, &str)>, limit: u32) -> Result<Vec<SightingAggregate>, StoreError> {
        let own = scope.org_id.map(|o| o.to_string()).unwrap_or_default();
        let mut sql = Sql::new("SELECT s.indicator_kind, s.indicator_value, MIN(s.indicator_ref) AS indicator_ref, CAST(SUM(s.n_sightings) AS BIGINT) AS n_sightings, MIN(s.first_seen) AS first_seen, MAX(s.last_seen) AS last_seen, CAST(COUNT(DISTINCT s.owner_org_id) AS BIGINT) AS n_orgs, ");
        let o = sql.param(own);
        sql.push(&format!("CAST(SUM(CASE WHEN s.owner_org_id = {o} THEN 1 ELSE 0 END) AS BIGINT) AS own_rows FROM sightings s WHERE 1 = 1"));
        push_object_visibility(&mut sql, scope, "s");
        if let Some((kind, value)) = indicator {
            let k = sql.param(kind);
            let v = sql.param(value);
            sql.push(&format!(" AND s.indicator_kind = {k} AND s.indicator_value = {v}"));
        }
        sql.push(&format!(
            " GROUP BY s.indicator_kind, s.indicator_value ORDER BY SUM(s.n_sightings) DESC, s.indicator_kind, s.indicator_value LIMIT {}",
            limit.clamp(1, MAX_SIGHTING_AGGREGATES)
        ));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(aggregate_from_row).collect()
    }
}

fn aggregate_from_row(row: &AnyRow) -> Result<SightingAggregate, StoreError> {
    Ok(SightingAggregate {
        indicator_kind: row.try_get("indicator_kind")?,
        indicator_value: row.try_get("indicator_value")?,
        indicator_ref: row.try_get("indicator_ref")?,
        n_sightings: row.try_get("n_sightings")?,
        first_seen: from_db(&row.try_get::<String, _>("first_seen")?)?,
        last_seen: from_db(&row.try_get::<String, _>("last_seen")?)?,
        n_orgs: row.try_get("n_orgs")?,
        own_org_reported: row.try_get::<i64, _>("own_rows")? > 0,
    })
}
