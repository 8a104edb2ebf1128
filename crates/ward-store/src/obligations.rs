//! Report once, persisted: organisations' reporting profiles, each incident's append-only event
//! log of reporting facts, submissions and decisions, and the obligations last evaluated from
//! them.
//!
//! The store knows no rules: evaluation happens in the caller (ward-rules through ward-web or
//! the CLI), which hands the evaluated obligations back as JSON bodies with the few columns the
//! lists sort and filter on. Every read of incident-linked rows joins `incidents` and applies
//! the caller's [`ReadScope`]; every event is written with the evaluation it produced in one
//! transaction; obligation rows are upserted and never deleted.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{IncidentId, OrgId, ReadScope, UserId};

use crate::incidents::{push_scope, Sql, SqlValue};
use crate::time::{from_db, to_db};
use crate::{parse_col, parse_opt_col, Store, StoreError};

/// Most obligation rows one listing returns.
pub const MAX_OBLIGATION_ROWS: u32 = 1000;

/// An organisation's reporting profile: the `entity.*` (and `policy.*`) facts, as entered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportingProfile {
    pub org_id: OrgId,
    /// Starts at 1; every save adds one.
    pub version: i64,
    pub entity: BTreeMap<String, serde_json::Value>,
    pub updated_at: Timestamp,
    pub updated_by: Option<UserId>,
}

/// What an event of an incident's reporting log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationEventKind {
    /// Answers to facts: `{"facts": {"incident.awareness_at": "…", …}}`.
    Facts,
    /// A report sent for a stage (ward-rules' `Submission`).
    Submission,
    /// A closing decision with its rationale (ward-rules' `Decision`).
    Decision,
}

impl ObligationEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationEventKind::Facts => "facts",
            ObligationEventKind::Submission => "submission",
            ObligationEventKind::Decision => "decision",
        }
    }
}

impl std::str::FromStr for ObligationEventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "facts" => Ok(ObligationEventKind::Facts),
            "submission" => Ok(ObligationEventKind::Submission),
            "decision" => Ok(ObligationEventKind::Decision),
            other => Err(format!("{other:?} is not an obligation event kind")),
        }
    }
}

/// One entry of an incident's reporting log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObligationEvent {
    pub seq: i64,
    pub kind: ObligationEventKind,
    pub body: serde_json::Value,
    pub recorded_at: Timestamp,
    pub recorded_by: Option<UserId>,
    pub recorded_by_email: Option<String>,
}

/// An evaluated obligation handed to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObligation {
    pub regime: String,
    pub stage: String,
    pub instance: Option<String>,
    /// The engine's status word (`owed`, `provisional`, …) at evaluation time.
    pub status: String,
    /// Whether the obligation still asks for something (not submitted, not closed).
    pub is_open: bool,
    pub due_at: Option<Timestamp>,
    pub rule_version: String,
    /// The whole obligation as the engine serialises it (JSON text).
    pub body: String,
    /// [`obligation_digest`] of the fields above, when the caller computed it already (bulk
    /// re-evaluations do, on all cores); computed by the store otherwise.
    pub digest: Option<String>,
}

/// An obligation as stored, with the incident it belongs to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredObligation {
    pub incident_id: IncidentId,
    pub incident_title: String,
    pub org_id: OrgId,
    pub regime: String,
    pub stage: String,
    pub instance: Option<String>,
    pub status: String,
    pub is_open: bool,
    pub due_at: Option<Timestamp>,
    pub rule_version: String,
    pub body: serde_json::Value,
    pub evaluated_at: Timestamp,
    /// The number of reporting events the evaluation saw.
    pub evaluated_seq: i64,
}

impl StoredObligation {
    /// Open, owed (not provisional or advisory) and past due at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.is_open && matches!(self.status.as_str(), "owed" | "overdue") && self.due_at.is_some_and(|d| d < now)
    }
}

/// Filters of [`Store::list_open_obligations`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObligationFilter {
    pub org_id: Option<OrgId>,
    /// Only obligations owed and past due at this instant.
    pub overdue_at: Option<Timestamp>,
}

fn json_text(v: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T, StoreError> {
    let raw: String = row.try_get(col)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

fn profile_from_row(row: &AnyRow) -> Result<ReportingProfile, StoreError> {
    Ok(ReportingProfile {
        org_id: parse_col(row, "org_id").map_err(|_| StoreError::Corrupt("org_reporting_profiles.org_id".into()))?,
        version: row.try_get("version")?,
        entity: json_col(row, "entity")?,
        updated_at: from_db(&row.try_get::<String, _>("updated_at")?)?,
        updated_by: parse_opt_col(row, "updated_by").map_err(|_| StoreError::Corrupt("org_reporting_profiles.updated_by".into()))?,
    })
}

fn event_from_row(row: &AnyRow) -> Result<ObligationEvent, StoreError> {
    Ok(ObligationEvent {
        seq: row.try_get("seq")?,
        kind: parse_col(row, "kind")?,
        body: json_col(row, "body")?,
        recorded_at: from_db(&row.try_get::<String, _>("recorded_at")?)?,
        recorded_by: parse_opt_col(row, "recorded_by").map_err(|_| StoreError::Corrupt("incident_obligation_events.recorded_by".into()))?,
        recorded_by_email: row.try_get("email")?,
    })
}

const OBLIGATION_COLUMNS: &str = "o.incident_id, i.title, i.org_id, o.regime, o.stage, o.instance, o.status, o.is_open, o.due_at, o.rule_version, o.body, o.evaluated_at, o.evaluated_seq";

fn obligation_from_row(row: &AnyRow) -> Result<StoredObligation, StoreError> {
    let instance: String = row.try_get("instance")?;
    let due: Option<String> = row.try_get("due_at")?;
    Ok(StoredObligation {
        incident_id: parse_col(row, "incident_id").map_err(|_| StoreError::Corrupt("incident_obligations.incident_id".into()))?,
        incident_title: row.try_get("title")?,
        org_id: parse_col(row, "org_id").map_err(|_| StoreError::Corrupt("incidents.org_id".into()))?,
        regime: row.try_get("regime")?,
        stage: row.try_get("stage")?,
        instance: (!instance.is_empty()).then_some(instance),
        status: row.try_get("status")?,
        is_open: row.try_get::<i32, _>("is_open").map(|v| v != 0).or_else(|_| row.try_get::<i64, _>("is_open").map(|v| v != 0))?,
        due_at: due.as_deref().map(from_db).transpose()?,
        rule_version: row.try_get("rule_version")?,
        body: json_col(row, "body")?,
        evaluated_at: from_db(&row.try_get::<String, _>("evaluated_at")?)?,
        evaluated_seq: row.try_get("evaluated_seq")?,
    })
}

/// Upserts evaluated obligations inside `tx`. Rows absent from `evaluated` stay as they were.
async fn upsert_obligations(tx: &mut sqlx::AnyConnection, incident: IncidentId, evaluated: &[NewObligation], seq: i64, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM incident_obligation_digests WHERE incident_id = $1").bind(incident.to_string()).execute(&mut *tx).await?;
    let rows: Vec<(IncidentId, i64, &NewObligation)> = evaluated.iter().map(|o| (incident, seq, o)).collect();
    upsert_obligation_rows(tx, &rows, now).await
}

/// What a stored obligation row says, as a digest: equal digests, nothing to write.
pub fn obligation_digest(o: &NewObligation) -> Result<String, StoreError> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!("{}\n{}\n{}\n{}\n", o.status, o.is_open, o.due_at.map(to_db).unwrap_or_default(), o.rule_version).as_bytes());
    h.update(o.body.as_bytes());
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The digest the caller computed, else computed here.
fn digest_of(o: &NewObligation) -> Result<String, StoreError> {
    match &o.digest {
        Some(d) => Ok(d.clone()),
        None => obligation_digest(o),
    }
}

/// Upserts obligation rows of one or many incidents with multi-row statements.
async fn upsert_obligation_rows(tx: &mut sqlx::AnyConnection, rows: &[(IncidentId, i64, &NewObligation)], now: Timestamp) -> Result<(), StoreError> {
    let now = to_db(now);
    for chunk in rows.chunks(crate::incidents::ROWS_PER_STATEMENT * 2) {
        let mut sql = Sql::new(
            "INSERT INTO incident_obligations (incident_id, regime, stage, instance, status, is_open, due_at, rule_version, body, evaluated_at, evaluated_seq, digest) VALUES ",
        );
        let at = sql.param(now.clone());
        for (n, (incident, seq, o)) in chunk.iter().enumerate() {
            let vals = [
                sql.param(incident.to_string()),
                sql.param(o.regime.clone()),
                sql.param(o.stage.clone()),
                sql.param(o.instance.clone().unwrap_or_default()),
                sql.param(o.status.clone()),
                sql.bind(SqlValue::Int(Some(i64::from(o.is_open)))),
                sql.bind(SqlValue::Text(o.due_at.map(to_db))),
                sql.param(o.rule_version.clone()),
                sql.param(o.body.clone()),
                sql.bind(SqlValue::Int(Some(*seq))),
                sql.param(digest_of(o)?),
            ];
            let [id, regime, stage, instance, status, open, due, version, body, seq, digest] = vals;
            sql.push(&format!("{}({id}, {regime}, {stage}, {instance}, {status}, {open}, {due}, {version}, {body}, {at}, {seq}, {digest})", if n == 0 { "" } else { ", " }));
        }
        sql.push(
            " ON CONFLICT (incident_id, regime, stage, instance) DO UPDATE SET status = excluded.status, is_open = excluded.is_open,
               due_at = excluded.due_at, rule_version = excluded.rule_version, body = excluded.body, evaluated_at = excluded.evaluated_at,
               evaluated_seq = excluded.evaluated_seq, digest = excluded.digest",
        );
        sql.query().execute(&mut *tx).await?;
    }
    Ok(())
}

/// One incident's reporting log, as [`Store::reporting_logs`] returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportingLog {
    pub incident_id: IncidentId,
    pub org_id: OrgId,
    pub events: Vec<ObligationEvent>,
}

/// What [`Store::store_evaluations`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredEvaluations {
    /// Incidents left alone because their log grew since it was read.
    pub changed_meanwhile: Vec<IncidentId>,
    /// Obligation rows written (those of incidents whose result changed).
    pub rows_written: usize,
}

/// One re-evaluation handed to [`Store::store_evaluations`]: the incident, how many log events
/// it was computed from, and the obligations.
pub struct Reevaluated {
    pub incident_id: IncidentId,
    pub expected_seq: i64,
    pub obligations: Vec<NewObligation>,
}

impl Store {
    /// The reporting profile of an organisation, if one was saved.
    pub async fn reporting_profile(&self, org_id: OrgId) -> Result<Option<ReportingProfile>, StoreError> {
        let row = sqlx::query("SELECT org_id, version, entity, updated_at, updated_by FROM org_reporting_profiles WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(profile_from_row).transpose()
    }

    /// Saves a profile if `expected_version` is current (0: none saved yet), keeping the old
    /// one as a version row. `Conflict` when someone saved in between.
    pub async fn save_reporting_profile(
        &self,
        org_id: OrgId,
        expected_version: i64,
        entity: &BTreeMap<String, serde_json::Value>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<ReportingProfile, StoreError> {
        let body = json_text(entity)?;
        let next = expected_version + 1;
        let mut tx = self.pool.begin().await?;
        let written = if expected_version == 0 {
            sqlx::query("INSERT INTO org_reporting_profiles (org_id, version, entity, updated_at, updated_by) VALUES ($1, 1, $2, $3, $4)")
                .bind(org_id.to_string())
                .bind(body.clone())
                .bind(to_db(now))
                .bind(by.map(|u| u.to_string()))
                .execute(&mut *tx)
                .await
                .map(|r| r.rows_affected())
                .or_else(|e| match StoreError::unique(e, "profile") {
                    StoreError::Duplicate { .. } => Ok(0),
                    other => Err(other),
                })?
        } else {
            sqlx::query("UPDATE org_reporting_profiles SET version = $1, entity = $2, updated_at = $3, updated_by = $4 WHERE org_id = $5 AND version = $6")
                .bind(next)
                .bind(body.clone())
                .bind(to_db(now))
                .bind(by.map(|u| u.to_string()))
                .bind(org_id.to_string())
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        };
        if written == 0 {
            drop(tx);
            let current = self.reporting_profile(org_id).await?.map_or(0, |p| p.version);
            return Err(StoreError::Conflict { current });
        }
        let (at, who) = (to_db(now), by.map(|u| u.to_string()));
        let change = crate::chain::Change {
            kind: "profile.update",
            subject: org_id.to_string(),
            version: next,
            body_hash: crate::chain::body_hash(&[("entity", Some(&body)), ("changed_at", Some(&at)), ("changed_by", who.as_deref())]),
        };
        sqlx::query("INSERT INTO org_reporting_profile_versions (org_id, version, entity, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id.to_string())
            .bind(next)
            .bind(body)
            .bind(at)
            .bind(who)
            .execute(&mut *tx)
            .await?;
        crate::chain::append(&mut tx, crate::chain::Pending(vec![change]), now).await?;
        tx.commit().await?;
        Ok(ReportingProfile { org_id, version: next, entity: entity.clone(), updated_at: now, updated_by: by })
    }

    /// The reporting log of an incident `scope` may read, oldest first.
    pub async fn obligation_events(&self, incident: IncidentId, scope: &ReadScope) -> Result<Vec<ObligationEvent>, StoreError> {
        self.get_incident(incident, scope).await?;
        let rows = sqlx::query(
            "SELECT e.seq, e.kind, e.body, e.recorded_at, e.recorded_by, u.email FROM incident_obligation_events e
             LEFT JOIN users u ON u.id = e.recorded_by WHERE e.incident_id = $1 ORDER BY e.seq",
        )
        .bind(incident.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Appends an event to the reporting log of an incident `scope` may read, together with the
    /// obligations evaluated from the log including it, in one transaction. `expected_seq` is
    /// the number of events the caller evaluated; `Conflict` when another event came first.
    /// Returns the new event's `seq`.
    #[allow(clippy::too_many_arguments)]
    pub async fn append_obligation_event(
        &self,
        incident: IncidentId,
        scope: &ReadScope,
        expected_seq: i64,
        kind: ObligationEventKind,
        body: &serde_json::Value,
        evaluated: &[NewObligation],
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        self.get_incident(incident, scope).await?;
        let seq = expected_seq + 1;
        let mut tx = self.pool.begin().await?;
        let (body_text, at, who) = (json_text(body)?, to_db(now), by.map(|u| u.to_string()));
        let inserted = sqlx::query("INSERT INTO incident_obligation_events (incident_id, seq, kind, body, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(incident.to_string())
            .bind(seq)
            .bind(kind.as_str())
            .bind(body_text.clone())
            .bind(at.clone())
            .bind(who.clone())
            .execute(&mut *tx)
            .await;
        if let Err(e) = inserted {
            drop(tx);
            return match StoreError::unique(e, "seq") {
                StoreError::Duplicate { .. } => Err(StoreError::Conflict { current: self.obligation_event_count(incident).await? }),
                other => Err(other),
            };
        }
        upsert_obligations(&mut tx, incident, evaluated, seq, now).await?;
        let change = crate::chain::Change {
            kind: match kind {
                ObligationEventKind::Facts => "obligation.facts",
                ObligationEventKind::Submission => "obligation.submission",
                ObligationEventKind::Decision => "obligation.decision",
            },
            subject: incident.to_string(),
            version: seq,
            body_hash: crate::chain::body_hash(&[("kind", Some(kind.as_str())), ("body", Some(&body_text)), ("recorded_at", Some(&at)), ("recorded_by", who.as_deref())]),
        };
        crate::chain::append(&mut tx, crate::chain::Pending(vec![change]), now).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Stores a re-evaluation without a new event (after a profile change or a rule update),
    /// if the log still has `expected_seq` events.
    pub async fn store_evaluation(&self, incident: IncidentId, scope: &ReadScope, expected_seq: i64, evaluated: &[NewObligation], now: Timestamp) -> Result<(), StoreError> {
        self.get_incident(incident, scope).await?;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM incident_obligation_events WHERE incident_id = $1").bind(incident.to_string()).fetch_one(&mut *tx).await?;
        let current: i64 = row.try_get("n")?;
        if current != expected_seq {
            return Err(StoreError::Conflict { current });
        }
        upsert_obligations(&mut tx, incident, evaluated, expected_seq, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn obligation_event_count(&self, incident: IncidentId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM incident_obligation_events WHERE incident_id = $1").bind(incident.to_string()).fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// The stored obligations of an incident `scope` may read, by due time (none last).
    pub async fn obligations(&self, incident: IncidentId, scope: &ReadScope) -> Result<Vec<StoredObligation>, StoreError> {
        let mut sql = Sql::new(&format!("SELECT {OBLIGATION_COLUMNS} FROM incident_obligations o JOIN incidents i ON i.id = o.incident_id WHERE o.incident_id = "));
        let p = sql.param(incident.to_string());
        sql.push(&p);
        sql.push(" AND ");
        push_scope(&mut sql, scope);
        sql.push(" ORDER BY CASE WHEN o.due_at IS NULL THEN 1 ELSE 0 END, o.due_at, o.regime, o.stage, o.instance");
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(obligation_from_row).collect()
    }

    /// Every open obligation `scope` may read, across incidents: overdue at `now` first, then by
    /// due time (none last). At most [`MAX_OBLIGATION_ROWS`].
    pub async fn list_open_obligations(&self, scope: &ReadScope, filter: &ObligationFilter, now: Timestamp) -> Result<Vec<StoredObligation>, StoreError> {
        let mut sql = Sql::new(&format!("SELECT {OBLIGATION_COLUMNS} FROM incident_obligations o JOIN incidents i ON i.id = o.incident_id WHERE o.is_open = 1 AND "));
        push_scope(&mut sql, scope);
        if let Some(org) = filter.org_id {
            let p = sql.param(org.to_string());
            sql.push(&format!(" AND i.org_id = {p}"));
        }
        let n = sql.param(to_db(now));
        if filter.overdue_at.is_some() {
            let at = sql.param(to_db(filter.overdue_at.unwrap_or(now)));
            sql.push(&format!(" AND o.status IN ('owed', 'overdue') AND o.due_at IS NOT NULL AND o.due_at < {at}"));
        }
        sql.push(&format!(
            " ORDER BY CASE WHEN o.status IN ('owed', 'overdue') AND o.due_at IS NOT NULL AND o.due_at < {n} THEN 0 ELSE 1 END,
              CASE WHEN o.due_at IS NULL THEN 1 ELSE 0 END, o.due_at, i.title, o.regime, o.stage, o.instance LIMIT {MAX_OBLIGATION_ROWS}"
        ));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(obligation_from_row).collect()
    }

    /// Every incident `scope` may read (of `org` when given) that has a reporting log, with the
    /// log, in one query: the input of a bulk re-evaluation.
    pub async fn reporting_logs(&self, scope: &ReadScope, org: Option<OrgId>) -> Result<Vec<ReportingLog>, StoreError> {
        let mut sql = Sql::new(
            "SELECT e.incident_id, i.org_id, e.seq, e.kind, e.body, e.recorded_at, e.recorded_by, u.email FROM incident_obligation_events e
             JOIN incidents i ON i.id = e.incident_id LEFT JOIN users u ON u.id = e.recorded_by WHERE ",
        );
        push_scope(&mut sql, scope);
        if let Some(o) = org {
            let p = sql.param(o.to_string());
            sql.push(&format!(" AND i.org_id = {p}"));
        }
        sql.push(" ORDER BY e.incident_id, e.seq");
        let mut out: Vec<ReportingLog> = Vec::new();
        for row in sql.query().fetch_all(&self.pool).await? {
            let incident_id: IncidentId = parse_col(&row, "incident_id").map_err(|_| StoreError::Corrupt("incident_obligation_events.incident_id".into()))?;
            let event = event_from_row(&row)?;
            match out.last_mut() {
                Some(log) if log.incident_id == incident_id => log.events.push(event),
                _ => {
                    let org_id = parse_col(&row, "org_id").map_err(|_| StoreError::Corrupt("incidents.org_id".into()))?;
                    out.push(ReportingLog { incident_id, org_id, events: vec![event] });
                }
            }
        }
        Ok(out)
    }

    /// Stores many re-evaluations, [`crate::MAX_IMPORT_BATCH`] incidents per transaction,
    /// writing only incidents whose result changed (recognised by one digest per incident;
    /// such an incident's rows are all rewritten). An incident whose log grew since it was read
    /// is left alone (its next write re-evaluates it).
    pub async fn store_evaluations(&self, items: &[Reevaluated], now: Timestamp) -> Result<StoredEvaluations, StoreError> {
        use sha2::Digest;
        let mut skipped = Vec::new();
        let mut rows_written = 0;
        for batch in items.chunks(crate::MAX_IMPORT_BATCH) {
            // Each incident's evaluation as one digest over its rows' digests, in key order.
            let mut combined = Vec::with_capacity(batch.len());
            for item in batch {
                let mut rows: Vec<(String, String)> = Vec::with_capacity(item.obligations.len());
                for o in &item.obligations {
                    let digest = digest_of(o)?;
                    rows.push((format!("{}|{}|{}", o.regime, o.stage, o.instance.as_deref().unwrap_or_default()), digest));
                }
                rows.sort();
                let mut h = sha2::Sha256::new();
                for (key, digest) in &rows {
                    h.update(key.as_bytes());
                    h.update(b"\n");
                    h.update(digest.as_bytes());
                    h.update(b"\n");
                }
                combined.push(h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>());
            }
            let mut tx = self.pool.begin().await?;
            let mut counts = std::collections::HashMap::new();
            let mut stored: std::collections::HashMap<String, String> = std::collections::HashMap::new();
            for chunk in batch.chunks(crate::incidents::ROWS_PER_STATEMENT * 5) {
                let ids: Vec<IncidentId> = chunk.iter().map(|item| item.incident_id).collect();
                let mut sql = Sql::new("SELECT incident_id, COUNT(*) AS n FROM incident_obligation_events WHERE incident_id IN ");
                sql.push_in_list(&ids);
                sql.push(" GROUP BY incident_id");
                for row in sql.query().fetch_all(&mut *tx).await? {
                    counts.insert(row.try_get::<String, _>("incident_id")?, row.try_get::<i64, _>("n")?);
                }
                let mut sql = Sql::new("SELECT incident_id, digest FROM incident_obligation_digests WHERE incident_id IN ");
                sql.push_in_list(&ids);
                for row in sql.query().fetch_all(&mut *tx).await? {
                    stored.insert(row.try_get::<String, _>("incident_id")?, row.try_get::<String, _>("digest")?);
                }
            }
            let mut rows = Vec::new();
            let mut changed: Vec<(IncidentId, &String)> = Vec::new();
            for (item, digest) in batch.iter().zip(&combined) {
                let id = item.incident_id.to_string();
                if counts.get(&id).copied().unwrap_or(0) != item.expected_seq {
                    skipped.push(item.incident_id);
                    continue;
                }
                if stored.get(&id) == Some(digest) {
                    continue;
                }
                rows.extend(item.obligations.iter().map(|o| (item.incident_id, item.expected_seq, o)));
                changed.push((item.incident_id, digest));
            }
            if rows.is_empty() && changed.is_empty() {
                // Nothing changed: end the read-only transaction without a commit to sync.
                tx.rollback().await?;
                continue;
            }
            rows_written += rows.len();
            upsert_obligation_rows(&mut tx, &rows, now).await?;
            for (id, digest) in changed {
                sqlx::query("DELETE FROM incident_obligation_digests WHERE incident_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO incident_obligation_digests (incident_id, digest) VALUES ($1, $2)").bind(id.to_string()).bind(digest.clone()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        Ok(StoredEvaluations { changed_meanwhile: skipped, rows_written })
    }

    /// Incidents of an organisation with a reporting log, visible to `scope` (for re-evaluation
    /// after a profile change).
    pub async fn incidents_with_obligation_events(&self, org_id: OrgId, scope: &ReadScope) -> Result<Vec<IncidentId>, StoreError> {
        let mut sql = Sql::new("SELECT DISTINCT i.id FROM incidents i JOIN incident_obligation_events e ON e.incident_id = i.id WHERE i.org_id = ");
        let p = sql.param(org_id.to_string());
        sql.push(&p);
        sql.push(" AND ");
        push_scope(&mut sql, scope);
        sql.push(" ORDER BY i.id");
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(|r| parse_col(r, "id").map_err(|_| StoreError::Corrupt("incidents.id".into()))).collect()
    }
}
