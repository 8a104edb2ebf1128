//! Tabletop exercises: runs, their append-only event logs and improvement items (migration
//! `0014_exercises.sql`).
//!
//! The store keeps what happened; ward-exercise computes everything else from it. An append
//! names the sequence number the caller replayed (`expected_seq`): the run row's `last_seq` is
//! moved in the same transaction with that number in the `WHERE` clause, so of two racing
//! appends exactly one wins and the other gets [`StoreError::Conflict`] and re-checks. Every
//! read and write names the organisation it is for; the web layer asks `policy::decide` first.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{OrgId, UserId};
use ward_exercise::{Event, EventKind, ScenarioDuration};

use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, Store, StoreError};

/// Most events in one run (a two-hour exercise records a few hundred).
pub const MAX_EXERCISE_EVENTS: i64 = 5000;
/// Most runs a list returns.
pub const MAX_EXERCISE_RUNS: i64 = 500;
/// Most improvement items per run.
pub const MAX_IMPROVEMENTS_PER_RUN: i64 = 200;
/// Longest run title or improvement text, in characters.
pub const MAX_EXERCISE_TEXT_CHARS: usize = 500;

/// A run of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExerciseRun {
    pub id: String,
    pub org_id: OrgId,
    pub scenario_id: String,
    pub scenario_version: u32,
    pub title: String,
    /// The story's start on the wall clock (deadlines are computed from it).
    pub origin_at: Timestamp,
    /// `not_started`, `running`, `paused` or `finished` (as of the last append).
    pub status: String,
    pub last_seq: i64,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The metrics at the finish (JSON), for the history across runs.
    pub summary: Option<String>,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewExerciseEvent {
    pub at: Timestamp,
    pub scenario_at: ScenarioDuration,
    pub user_id: Option<UserId>,
    pub recorded_by: Option<String>,
    pub kind: EventKind,
}

/// An improvement item from an after-action review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Improvement {
    pub id: String,
    pub run_id: String,
    pub org_id: OrgId,
    pub text: String,
    pub owner: String,
    pub due_on: Option<jiff::civil::Date>,
    /// `framework/requirement` of the risk module.
    pub control: Option<String>,
    /// What proposed it (`expectation e05-report`, `objective o2`, or empty when typed).
    pub source: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub created_at: Timestamp,
}

/// A new improvement item (checked by the caller against the risk catalogue).
#[derive(Debug, Clone)]
pub struct NewImprovement {
    pub text: String,
    pub owner: String,
    pub due_on: Option<jiff::civil::Date>,
    pub control: Option<String>,
    pub source: Option<String>,
}

impl Store {
    pub async fn create_exercise_run(
        &self,
        org: OrgId,
        scenario_id: &str,
        scenario_version: u32,
        title: &str,
        origin_at: Timestamp,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<ExerciseRun, StoreError> {
        if title.trim().is_empty() || title.chars().count() > MAX_EXERCISE_TEXT_CHARS {
            return Err(StoreError::Invalid { field: "title", reason: format!("must have 1 to {MAX_EXERCISE_TEXT_CHARS} characters") });
        }
        let id = new_uuid().to_string();
        sqlx::query(
            "INSERT INTO exercise_runs (id, org_id, scenario_id, scenario_version, title, origin_at, status, last_seq, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'not_started', 0, $7, $8)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(scenario_id)
        .bind(i64::from(scenario_version))
        .bind(title.trim())
        .bind(to_db(origin_at))
        .bind(by.map(|u| u.to_string()))
        .bind(to_db(now))
        .execute(&self.pool)
        .await?;
        self.exercise_run(org, &id).await?.ok_or(StoreError::NotFound)
    }

    /// The organisation a run belongs to, for the policy decision before any other read.
    pub async fn exercise_run_owner(&self, id: &str) -> Result<Option<OrgId>, StoreError> {
        let org: Option<String> = sqlx::query_scalar("SELECT org_id FROM exercise_runs WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        org.map(|o| o.parse().map_err(|_| StoreError::Corrupt(format!("org id {o:?}")))).transpose()
    }

    /// One run of `org` (None when it does not exist or belongs to another organisation).
    pub async fn exercise_run(&self, org: OrgId, id: &str) -> Result<Option<ExerciseRun>, StoreError> {
        let row = sqlx::query(&format!("{RUN_COLUMNS} WHERE id = $1 AND org_id = $2"))
            .bind(id)
            .bind(org.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// An organisation's runs, newest first.
    pub async fn exercise_runs(&self, org: OrgId) -> Result<Vec<ExerciseRun>, StoreError> {
        let rows = sqlx::query(&format!("{RUN_COLUMNS} WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT {MAX_EXERCISE_RUNS}"))
            .bind(org.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// A run's events in order.
    pub async fn exercise_events(&self, org: OrgId, run_id: &str) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.at, e.scenario_seconds, e.recorded_by, e.body FROM exercise_events e \
             JOIN exercise_runs r ON r.id = e.run_id WHERE e.run_id = $1 AND r.org_id = $2 ORDER BY e.seq",
        )
        .bind(run_id)
        .bind(org.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let body: String = row.try_get("body")?;
                let kind: EventKind = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("exercise event: {e}")))?;
                Ok(Event {
                    seq: row.try_get("seq")?,
                    at: from_db(&row.try_get::<String, _>("at")?)?,
                    scenario_at: ScenarioDuration::from_seconds(row.try_get("scenario_seconds")?),
                    recorded_by: row.try_get("recorded_by")?,
                    kind,
                })
            })
            .collect()
    }

    /// Appends events after `expected_seq` and sets the run's status, in one transaction.
    /// [`StoreError::Conflict`] when another append came first (the caller replays and
    /// re-checks); nothing is written then.
    pub async fn append_exercise_events(
        &self,
        org: OrgId,
        run_id: &str,
        expected_seq: i64,
        events: &[NewExerciseEvent],
        status: &str,
        summary: Option<&str>,
    ) -> Result<i64, StoreError> {
        if events.is_empty() {
            return Ok(expected_seq);
        }
        let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
        if expected_seq.saturating_add(n) > MAX_EXERCISE_EVENTS {
            return Err(StoreError::Invalid { field: "events", reason: format!("a run holds at most {MAX_EXERCISE_EVENTS} events") });
        }
        let finished_at = events.iter().find(|e| matches!(e.kind, EventKind::Finished)).map(|e| to_db(e.at));
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE exercise_runs SET last_seq = $1, status = $2, finished_at = COALESCE($3, finished_at), summary = COALESCE($4, summary) \
             WHERE id = $5 AND org_id = $6 AND last_seq = $7",
        )
        .bind(expected_seq + n)
        .bind(status)
        .bind(finished_at)
        .bind(summary)
        .bind(run_id)
        .bind(org.to_string())
        .bind(expected_seq)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM exercise_runs WHERE id = $1 AND org_id = $2")
                .bind(run_id)
                .bind(org.to_string())
                .fetch_optional(&self.pool)
                .await?;
            return Err(match current {
                Some(current) => StoreError::Conflict { current },
                None => StoreError::NotFound,
            });
        }
        for (i, e) in events.iter().enumerate() {
            let body = serde_json::to_string(&e.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO exercise_events (run_id, seq, at, scenario_seconds, user_id, recorded_by, kind, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(run_id)
            .bind(expected_seq + 1 + i64::try_from(i).unwrap_or(0))
            .bind(to_db(e.at))
            .bind(e.scenario_at.seconds())
            .bind(e.user_id.map(|u| u.to_string()))
            .bind(e.recorded_by.clone())
            .bind(e.kind.name())
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(expected_seq + n)
    }

    /// Stores the metrics summary of a run (after the finish, or when recomputed).
    pub async fn set_exercise_summary(&self, org: OrgId, run_id: &str, summary: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE exercise_runs SET summary = $1 WHERE id = $2 AND org_id = $3")
            .bind(summary)
            .bind(run_id)
            .bind(org.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_improvement(&self, org: OrgId, run_id: &str, item: &NewImprovement, by: Option<UserId>, now: Timestamp) -> Result<Improvement, StoreError> {
        for (field, value, max) in [("text", &item.text, MAX_EXERCISE_TEXT_CHARS), ("owner", &item.owner, 200)] {
            if value.trim().is_empty() || value.chars().count() > max {
                return Err(StoreError::Invalid { field, reason: format!("must have 1 to {max} characters") });
            }
        }
        let mut tx = self.pool.begin().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exercise_improvements i JOIN exercise_runs r ON r.id = i.run_id WHERE i.run_id = $1 AND r.org_id = $2")
            .bind(run_id)
            .bind(org.to_string())
            .fetch_one(&mut *tx)
            .await?;
        if n >= MAX_IMPROVEMENTS_PER_RUN {
            return Err(StoreError::Invalid { field: "text", reason: format!("a run holds at most {MAX_IMPROVEMENTS_PER_RUN} improvement items") });
        }
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM exercise_runs WHERE id = $1 AND org_id = $2")
            .bind(run_id)
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let id = new_uuid().to_string();
        sqlx::query(
            "INSERT INTO exercise_improvements (id, run_id, org_id, text, owner, due_on, control, source, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10)",
        )
        .bind(&id)
        .bind(run_id)
        .bind(org.to_string())
        .bind(item.text.trim())
        .bind(item.owner.trim())
        .bind(item.due_on.map(|d| d.to_string()))
        .bind(item.control.clone())
        .bind(item.source.clone())
        .bind(by.map(|u| u.to_string()))
        .bind(to_db(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let all = self.improvements(org, Some(run_id)).await?;
        all.into_iter().find(|i| i.id == id).ok_or(StoreError::NotFound)
    }

    /// Improvement items of one run, or of every run of the organisation.
    pub async fn improvements(&self, org: OrgId, run_id: Option<&str>) -> Result<Vec<Improvement>, StoreError> {
        let mut q = String::from(
            "SELECT id, run_id, org_id, text, owner, due_on, control, source, status, created_at FROM exercise_improvements WHERE org_id = $1",
        );
        if run_id.is_some() {
            q.push_str(" AND run_id = $2");
        }
        q.push_str(" ORDER BY created_at, id");
        let mut query = sqlx::query(&q).bind(org.to_string());
        if let Some(r) = run_id {
            query = query.bind(r);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let due: Option<String> = row.try_get("due_on")?;
                Ok(Improvement {
                    id: row.try_get("id")?,
                    run_id: row.try_get("run_id")?,
                    org_id: parse_col(row, "org_id")?,
                    text: row.try_get("text")?,
                    owner: row.try_get("owner")?,
                    due_on: due.map(|d| d.parse().map_err(|e| StoreError::Corrupt(format!("due_on {d:?}: {e}")))).transpose()?,
                    control: row.try_get("control")?,
                    source: row.try_get("source")?,
                    status: row.try_get("status")?,
                    created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
                })
            })
            .collect()
    }

    /// Marks an improvement item open or done.
    pub async fn set_improvement_status(&self, org: OrgId, id: &str, done: bool) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE exercise_improvements SET status = $1 WHERE id = $2 AND org_id = $3")
            .bind(if done { "done" } else { "open" })
            .bind(id)
            .bind(org.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }
}

const RUN_COLUMNS: &str = "SELECT id, org_id, scenario_id, scenario_version, title, origin_at, status, last_seq, created_by, created_at, finished_at, summary FROM exercise_runs";

fn run_from_row(row: &AnyRow) -> Result<ExerciseRun, StoreError> {
    let created_by: Option<String> = row.try_get("created_by")?;
    let finished: Option<String> = row.try_get("finished_at")?;
    Ok(ExerciseRun {
        id: row.try_get("id")?,
        org_id: parse_col(row, "org_id")?,
        scenario_id: row.try_get("scenario_id")?,
        scenario_version: u32::try_from(row.try_get::<i64, _>("scenario_version")?).unwrap_or(0),
        title: row.try_get("title")?,
        origin_at: from_db(&row.try_get::<String, _>("origin_at")?)?,
        status: row.try_get("status")?,
        last_seq: row.try_get("last_seq")?,
        created_by: created_by.map(|u| u.parse().map_err(|_| StoreError::Corrupt(format!("user id {u:?}")))).transpose()?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        finished_at: finished.as_deref().map(from_db).transpose()?,
        summary: row.try_get("summary")?,
    })
}
