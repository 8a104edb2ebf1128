//! Organisations, users, API tokens and browser sessions.
//!
//! Secrets never reach this module in clear: tokens and session ids arrive as SHA-256 hashes,
//! passwords as argon2id PHC strings (hashing lives in ward-web's auth module).

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::text::{Email, Label};
use ward_core::{CountryCode, OrgId, OrgType, Organisation, Principal, RegionCode, Role, TokenId, UserId};

use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, parse_opt_col, Store, StoreError};

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: Email,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled: bool,
}

impl User {
    pub fn principal(&self) -> Principal {
        Principal::User { user_id: self.id, org_id: self.org_id, role: self.role }
    }
}

pub struct NewUser {
    pub org_id: OrgId,
    pub email: Email,
    pub role: Role,
    /// argon2id PHC string; `None` for an account that cannot log in with a password.
    pub password_hash: Option<String>,
}

/// An API token's metadata (never the secret or its hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

/// A live browser session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

const USER_COLUMNS: &str = "u.id, u.org_id, u.email, u.role, u.created_at, u.disabled_at";

fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: parse_col(row, "id").map_err(|_| StoreError::Corrupt("users.id".into()))?,
        org_id: parse_col(row, "org_id").map_err(|_| StoreError::Corrupt("users.org_id".into()))?,
        email: parse_col(row, "email")?,
        role: parse_col(row, "role")?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        disabled: row.try_get::<Option<String>, _>("disabled_at")?.is_some(),
    })
}

fn org_from_row(row: &AnyRow) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: parse_col(row, "id").map_err(|_| StoreError::Corrupt("orgs.id".into()))?,
        name: parse_col::<Label>(row, "name")?,
        org_type: parse_col(row, "org_type")?,
        country: parse_opt_col::<CountryCode>(row, "country")?,
        region: parse_opt_col::<RegionCode>(row, "region")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<TokenInfo, StoreError> {
    let opt_ts = |col: &str| -> Result<Option<Timestamp>, StoreError> {
        row.try_get::<Option<String>, _>(col)?.map(|s| from_db(&s)).transpose()
    };
    Ok(TokenInfo {
        id: parse_col(row, "id").map_err(|_| StoreError::Corrupt("api_tokens.id".into()))?,
        user_id: parse_col(row, "user_id").map_err(|_| StoreError::Corrupt("api_tokens.user_id".into()))?,
        label: row.try_get("label")?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        expires_at: opt_ts("expires_at")?,
        revoked_at: opt_ts("revoked_at")?,
        last_used_at: opt_ts("last_used_at")?,
    })
}

impl Store {
    // ---- organisations ----

    pub async fn create_org(
        &self,
        name: &Label,
        org_type: OrgType,
        country: Option<CountryCode>,
        region: Option<&RegionCode>,
        now: Timestamp,
    ) -> Result<Organisation, StoreError> {
        let id = OrgId::from_uuid(new_uuid());
        sqlx::query("INSERT INTO orgs (id, name, name_key, org_type, country, region, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.to_string())
            .bind(name.as_str().to_owned())
            .bind(name.as_str().to_lowercase())
            .bind(org_type.as_str())
            .bind(country.map(|c| c.as_str().to_owned()))
            .bind(region.map(|r| r.as_str().to_owned()))
            .bind(to_db(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::unique(e, "name"))?;
        Ok(Organisation { id, name: name.clone(), org_type, country, region: region.cloned() })
    }

    pub async fn get_org(&self, id: OrgId) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT id, name, org_type, country, region FROM orgs WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Case-insensitive lookup by name.
    pub async fn org_by_name(&self, name: &str) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT id, name, org_type, country, region FROM orgs WHERE name_key = $1")
            .bind(name.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Organisations the principal may see: all for the instance administrator, its own for
    /// everyone else, none for anonymous callers.
    pub async fn list_orgs(&self, principal: &Principal) -> Result<Vec<Organisation>, StoreError> {
        let rows = match principal {
            Principal::User { role: Role::InstanceAdmin, .. } => {
                sqlx::query("SELECT id, name, org_type, country, region FROM orgs ORDER BY name_key").fetch_all(&self.pool).await?
            }
            Principal::User { org_id, .. } => {
                sqlx::query("SELECT id, name, org_type, country, region FROM orgs WHERE id = $1")
                    .bind(org_id.to_string())
                    .fetch_all(&self.pool)
                    .await?
            }
            Principal::Anonymous => Vec::new(),
        };
        rows.iter().map(org_from_row).collect()
    }

    // ---- users ----

    pub async fn create_user(&self, new: NewUser, now: Timestamp) -> Result<User, StoreError> {
        let id = UserId::from_uuid(new_uuid());
        sqlx::query("INSERT INTO users (id, org_id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(new.org_id.to_string())
            .bind(new.email.as_str().to_owned())
            .bind(new.password_hash)
            .bind(new.role.as_str())
            .bind(to_db(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::unique(e, "email"))?;
        Ok(User { id, org_id: new.org_id, email: new.email, role: new.role, created_at: now, disabled: false })
    }

    pub async fn get_user(&self, id: UserId) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<User, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1"))
            .bind(email.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    /// The user and its password hash, for login. Disabled users are not returned.
    pub async fn user_for_login(&self, email: &Email) -> Result<(User, Option<String>), StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1 AND u.disabled_at IS NULL"))
            .bind(email.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((user_from_row(&row)?, row.try_get("password_hash")?))
    }

    pub async fn list_users(&self, org_id: OrgId) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY u.email"))
            .bind(org_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash.to_owned())
            .bind(user.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    // ---- API tokens ----

    pub async fn create_token(
        &self,
        user: UserId,
        label: &str,
        token_hash: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<TokenInfo, StoreError> {
        let id = TokenId::from_uuid(new_uuid());
        sqlx::query("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(token_hash.to_owned())
            .bind(label.to_owned())
            .bind(to_db(now))
            .bind(expires_at.map(to_db))
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::unique(e, "token"))?;
        Ok(TokenInfo { id, user_id: user, label: label.to_owned(), created_at: now, expires_at, revoked_at: None, last_used_at: None })
    }

    /// The user a live token belongs to: not revoked, not expired, user not disabled.
    pub async fn user_for_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
        ))
        .bind(token_hash.to_owned())
        .bind(to_db(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token_id: String = row.try_get("token_id")?;
        // Best effort: a failed last-used stamp must not fail the request.
        let _ = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(to_db(now))
            .bind(token_id)
            .execute(&self.pool)
            .await;
        user_from_row(&row).map(Some)
    }

    pub async fn get_token(&self, id: TokenId) -> Result<TokenInfo, StoreError> {
        let row = sqlx::query("SELECT id, user_id, label, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        token_from_row(&row)
    }

    pub async fn list_tokens(&self, user: UserId) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query("SELECT id, user_id, label, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at")
            .bind(user.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a token; revoking twice keeps the first revocation time.
    pub async fn revoke_token(&self, id: TokenId, now: Timestamp) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(to_db(now))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    // ---- sessions ----

    pub async fn create_session(&self, token_hash: &str, user: UserId, csrf_token: &str, expires_at: Timestamp, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash.to_owned())
            .bind(user.to_string())
            .bind(csrf_token.to_owned())
            .bind(to_db(now))
            .bind(to_db(expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at AS session_expires_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        ))
        .bind(token_hash.to_owned())
        .bind(to_db(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: user_from_row(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: from_db(&row.try_get::<String, _>("session_expires_at")?)?,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash.to_owned()).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(to_db(now)).execute(&self.pool).await?.rows_affected())
    }
}
