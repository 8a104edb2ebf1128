//! ward-store: the only crate that contains SQL.
//!
//! One [`Store`] over an `sqlx::AnyPool` serves SQLite (the embedded default: file created on
//! first use, WAL, foreign keys on) and PostgreSQL (`postgres://…`). The schema is one set of
//! embedded migrations per backend, applied at start. Every read of incident data takes the
//! caller's [`ward_core::ReadScope`]; there is no unscoped incident read in this crate's API.

mod accounts;
mod actors;
mod clients;
mod culture;
mod exercises;
pub mod chain;
pub mod evidence;
mod error;
mod groups;
mod incidents;
mod rollup;
mod obligations;
pub mod risk;
mod sharing;
mod sightings;
pub mod time;
mod tracer;

pub use actors::{ActorFilter, ActorImportSummary, ActorRank, ActorRecord, Attribution, NewAttribution, MAX_ACTOR_ROWS, MAX_ATTRIBUTION_NOTE_CHARS};
pub use exercises::{ExerciseRun, Improvement, NewExerciseEvent, NewImprovement, MAX_EXERCISE_EVENTS, MAX_EXERCISE_RUNS, MAX_EXERCISE_TEXT_CHARS, MAX_IMPROVEMENTS_PER_RUN};
pub use culture::{normalise_reference, AttachmentInfo, CultureSettings, DeliveryAttempt, Escalation, NewNotification, NewReport, ReportDecision, StoredNotification, StoredReport, TeamMember, DEFAULT_ESCALATION_INTERVAL_MINUTES, MAX_CULTURE_ROWS, TEAM_FUNCTIONS};
pub use accounts::{NewUser, Session, TokenInfo, User};
pub use chain::{ChainEntry, ChainFailure, ChainReport, Checkpoint};
pub use error::StoreError;
pub use tracer::{rollup_answers, Dimension, GroupCount, ImportItem, LinkedRecord, Totals, Upsert, MAX_IMPORT_BATCH};
pub use obligations::{obligation_digest, NewObligation, ObligationEvent, ObligationEventKind, ObligationFilter, Reevaluated, ReportingLog, StoredEvaluations, ReportingProfile, StoredObligation, MAX_OBLIGATION_ROWS};
pub use sharing::{object_visible, Added, Collection, CollectionAccess, NewCollection, NewStixObject, ObjectFilter, ObjectPage, StoredStatus, StoredStixObject, VersionSelector, MAX_MATCH_VALUES, MAX_OBJECTS_PAGE};
pub use clients::OrgClient;
pub use groups::{CollectionGrant, SharingGroup, MAX_GROUP_NAME_CHARS};
pub use sightings::{NewSighting, SightingAggregate, MAX_SIGHTINGS_PER_REPORT, MAX_SIGHTING_AGGREGATES};
pub use incidents::{HarmFigure, Cursor, IncidentFilter, IncidentPage, IncidentRecord, VersionInfo, VersionRecord, MAX_PAGE_SIZE, MAX_SEARCH_CHARS};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long a request waits for a pooled connection before failing with a clear error.
pub const POOL_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long SQLite waits on a locked database before reporting it busy.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;
/// SQLite page cache per connection, in KiB (the default 2 MiB makes every aggregate over a
/// large table re-read its pages through system calls).
pub const SQLITE_CACHE_KIB: u32 = 32 * 1024;
/// Bytes of the SQLite file read through a memory map instead of `pread`.
pub const SQLITE_MMAP_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Connections per process.
pub const MAX_CONNECTIONS: u32 = 8;

/// A handle to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// One migration set for both backends: the schema uses only types and statements SQLite and
/// PostgreSQL share (TEXT, BIGINT, INTEGER, DOUBLE PRECISION). Should a backend ever need its
/// own DDL, it gets its own directory here.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects to `url` (`sqlite:PATH`, `sqlite://PATH`, `postgres://…`). A SQLite file is
    /// created if missing. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        let mut options = AnyPoolOptions::new().max_connections(MAX_CONNECTIONS).acquire_timeout(POOL_ACQUIRE_TIMEOUT);
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL for concurrent readers; FULL so an acknowledged write survives even
                    // power loss, not only a killed process.
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                             PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA mmap_size = {SQLITE_MMAP_BYTES}; PRAGMA temp_store = MEMORY;"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await.map_err(|e| StoreError::Connect(redact(&url), e.to_string()))?;
        Ok(Store { pool, backend })
    }

    /// Connects and applies every pending migration.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        let n = store.reindex().await?;
        if n > 0 {
            tracing::info!(rows = n, "recomputed derived incident columns");
        }
        let backfilled = store.backfill_chain(jiff::Timestamp::now()).await?;
        if backfilled > 0 {
            tracing::info!(entries = backfilled, "recorded existing history in the hash chain");
        }
        if n > 0 || rollup::stored_version(&store.pool).await? < rollup::ROLLUP_VERSION {
            store.rebuild_rollup().await?;
            tracing::info!("rebuilt the tracer rollup");
        }
        Ok(store)
    }

    /// Applies the embedded migrations. Idempotent.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await.map_err(|e| StoreError::Migrate(e.to_string()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Succeeds when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let row: AnyRow = sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        let _: i32 = row.try_get::<i32, _>("one").or_else(|_| row.try_get::<i64, _>("one").map(|v| v as i32))?;
        Ok(())
    }

    /// The connection pool, for the conformance suite's tampering tests only (it plays the
    /// attacker who edits the database behind ward's back). Not for application code.
    #[doc(hidden)]
    pub fn pool_for_tamper_tests(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool, waiting for connections to be returned (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Default database when none is given: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:ward.db";

fn normalise_url(url: &str) -> Result<(Backend, String), StoreError> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.trim_start_matches("//");
        if rest.is_empty() {
            return Err(StoreError::Connect(url.to_owned(), "no SQLite file path given".into()));
        }
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        if !params.iter().any(|p| p.starts_with("mode=")) {
            params.push("mode=rwc");
        }
        return Ok((Backend::Sqlite, format!("sqlite://{path}?{}", params.join("&"))));
    }
    Err(StoreError::Connect(
        redact(url),
        "unsupported database URL: use sqlite:PATH or postgres://USER@HOST/DB".into(),
    ))
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Parses a column holding one of ward-core's string-encoded values.
pub(crate) fn parse_col<T: FromStr>(row: &AnyRow, col: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let raw: String = row.try_get(col)?;
    raw.parse::<T>().map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))
}

pub(crate) fn parse_opt_col<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    let raw: Option<String> = row.try_get(col)?;
    raw.map(|r| r.parse::<T>().map_err(|e| StoreError::Corrupt(format!("column {col}: {e}")))).transpose()
}

pub(crate) fn new_uuid() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise_and_redact() {
        assert_eq!(normalise_url("sqlite:ward.db").unwrap(), (Backend::Sqlite, "sqlite://ward.db?mode=rwc".into()));
        assert_eq!(normalise_url("sqlite:///tmp/x.db?mode=ro").unwrap().1, "sqlite:///tmp/x.db?mode=ro");
        assert_eq!(normalise_url("postgres://u@h/db").unwrap().0, Backend::Postgres);
        assert!(normalise_url("mysql://x").is_err());
        assert_eq!(redact("postgres://ward:secret@127.0.0.1/db"), "postgres://ward:***@127.0.0.1/db");
    }
}
