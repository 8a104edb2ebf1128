//! The store's one error type.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to the database {0}: {1}")]
    Connect(String, String),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("not found")]
    NotFound,
    /// Optimistic concurrency: the caller's version is not the current one.
    #[error("version conflict: the current version is {current}")]
    Conflict { current: i64 },
    /// A unique constraint: `field` already has this value.
    #[error("{field} is already taken")]
    Duplicate { field: &'static str },
    /// A value the caller handed over breaks a limit or rule of the store (field and reason).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A row could not be decoded into a domain value (should never happen).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// The database could not be reached (pool timeout, closed pool, IO): a 503, not a 500.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Connect(..)
                | StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
        )
    }

    /// Maps a unique-constraint violation to [`StoreError::Duplicate`].
    pub(crate) fn unique(e: sqlx::Error, field: &'static str) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            let msg = db.message().to_ascii_lowercase();
            if db.is_unique_violation() || msg.contains("unique") || msg.contains("duplicate key") {
                return StoreError::Duplicate { field };
            }
        }
        StoreError::Database(e)
    }
}
