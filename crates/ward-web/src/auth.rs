//! Secrets and who is asking: argon2id passwords, API tokens, browser sessions, CSRF tokens,
//! and the middleware that turns a request's credentials into a [`ward_core::Principal`].
//!
//! Tokens and session ids are 256 random bits, shown once and stored only as SHA-256 hashes
//! (a fast hash suffices for secrets with that much entropy; passwords get argon2id).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};
use ward_core::{Principal, ReadScope};
use ward_store::{Session, User};

use crate::error::ApiError;
use crate::AppState;

/// Prefix that makes a ward API token recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "ward_";
/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "ward_session";
/// Name of the pre-login CSRF cookie (double-submit on the login form).
pub const LOGIN_CSRF_COOKIE: &str = "ward_login_csrf";
/// Longest lifetime of an API token, in days.
pub const MAX_TOKEN_DAYS: i64 = 3650;
/// How long a browser session lasts.
pub const SESSION_HOURS: i64 = 12;

fn random_256() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new API token (`ward_` + 256 random bits) and the hash to store.
pub fn new_api_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_256());
    let hash = hash_secret(&token);
    (token, hash)
}

/// A new session id or CSRF token (256 random bits).
pub fn new_secret() -> String {
    random_256()
}

/// SHA-256, hex: how tokens and session ids are stored and looked up.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id PHC string for a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Verifies a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fixed hash to verify against when the user does not exist, so login takes the same time
/// either way.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password, only for timing").unwrap_or_default())
}

/// Constant-time comparison for CSRF tokens.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Rules a new password must meet; the message names the reason.
pub fn check_password_rules(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < ward_core::limits::MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {} characters", ward_core::limits::MIN_PASSWORD_CHARS));
    }
    if n > ward_core::limits::MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {} characters", ward_core::limits::MAX_PASSWORD_CHARS));
    }
    Ok(())
}

/// How a request authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    Anonymous,
    Token,
    Session(Session),
}

/// The resolved identity of a request, put in its extensions by [`resolve`].
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    /// What the principal may read: built by [`resolve`] with `Store::read_scope` on every
    /// request (so the TLP:AMBER client relation is current); handlers read through this,
    /// never through a scope of their own.
    pub scope: ReadScope,
    pub user: Option<User>,
    pub via: Via,
}

impl Auth {
    pub fn anonymous() -> Auth {
        Auth { principal: Principal::Anonymous, scope: ReadScope::PUBLIC, user: None, via: Via::Anonymous }
    }
    /// The signed-in user, or 401.
    pub fn require_user(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or(ApiError::Unauthorized)
    }
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session(s) => Some(&s.csrf_token),
            _ => None,
        }
    }
}

pub(crate) fn cookie_value<'a>(req_headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    req_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Middleware: resolves `Authorization: Bearer <token>` (also `Token <token>`, as
/// taxii2-client sends), `Authorization: Basic` (ward e-mail and password; on `/taxii2/`
/// only, for TAXII clients) and session cookies into an [`Auth`]. Presented but invalid
/// credentials are a 401 at once (never silently anonymous); a stale session cookie just means anonymous (the login page
/// clears it). On `/taxii2/` paths the 401 is a TAXII error object.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = jiff::Timestamp::now();
    let taxii = req.uri().path().starts_with("/taxii2");
    let reject = |msg: &'static str| -> Response {
        if taxii { crate::taxii::TaxiiFailure::unauthorized(msg).into_response() } else { ApiError::BadCredentials(msg).into_response() }
    };
    let headers = req.headers();
    let auth = if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("");
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" | "token" => match state.store.user_for_token(&hash_secret(credentials.trim()), now).await {
                Ok(Some(user)) => Auth { principal: user.principal(), scope: ReadScope::PUBLIC, user: Some(user), via: Via::Token },
                Ok(None) => return reject("the API token is unknown, expired or revoked"),
                Err(e) => return ApiError::from(e).into_response(),
            },
            // Basic only on TAXII: browsers replay cached Basic credentials cross-site, and
            // TAXII writes need a media type no cross-site form can send.
            "basic" if taxii => match basic_user(&state, credentials.trim()).await {
                Ok(Some(user)) => Auth { principal: user.principal(), scope: ReadScope::PUBLIC, user: Some(user), via: Via::Token },
                Ok(None) => return reject("the e-mail address or password is wrong"),
                Err(e) => return ApiError::from(e).into_response(),
            },
            _ => return reject(if taxii { "the Authorization header must be `Bearer <token>` or `Basic <e-mail:password>`" } else { "the Authorization header must be `Bearer <token>`" }),
        }
    } else if let Some(sid) = cookie_value(headers, SESSION_COOKIE) {
        match state.store.session(&hash_secret(sid), now).await {
            Ok(Some(session)) => Auth { principal: session.user.principal(), scope: ReadScope::PUBLIC, user: Some(session.user.clone()), via: Via::Session(session) },
            Ok(None) => Auth::anonymous(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        Auth::anonymous()
    };
    let mut auth = auth;
    if let Some(user) = &auth.user {
        tracing::Span::current().record("user.id", tracing::field::display(user.id));
        auth.scope = match state.store.read_scope(&auth.principal).await {
            Ok(scope) => scope,
            Err(e) => return ApiError::from(e).into_response(),
        };
    }
    req.extensions_mut().insert(auth);
    next.run(req).await
}

/// HTTP Basic: `base64(email:password)` checked like a login (argon2id, the same time for
/// unknown users). Basic-authenticated requests are treated like token requests (no session,
/// so no CSRF exemption is granted to browser forms).
async fn basic_user(state: &AppState, credentials: &str) -> Result<Option<User>, ward_store::StoreError> {
    let Some(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials).ok().and_then(|b| String::from_utf8(b).ok()) else {
        return Ok(None);
    };
    let Some((email, password)) = decoded.split_once(':') else { return Ok(None) };
    if password.is_empty() || password.chars().count() > ward_core::limits::MAX_PASSWORD_CHARS {
        return Ok(None);
    }
    let found = match email.parse::<ward_core::text::Email>() {
        Ok(email) => state.store.user_for_login(&email).await,
        Err(_) => Err(ward_store::StoreError::NotFound),
    };
    let (user, hash) = match found {
        Ok((u, Some(h))) => (Some(u), h),
        Ok((_, None)) | Err(ward_store::StoreError::NotFound) => (None, dummy_password_hash().to_owned()),
        Err(e) => return Err(e),
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false);
    Ok(if ok { user } else { None })
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned().unwrap_or_else(Auth::anonymous))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (t1, h1) = new_api_token();
        let (t2, _) = new_api_token();
        assert!(t1.starts_with("ward_") && t1.len() >= 5 + 43);
        assert_ne!(t1, t2);
        assert_eq!(h1, hash_secret(&t1));
        assert_eq!(h1.len(), 64);
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "garbage"));
        assert!(check_password_rules("short").is_err());
    }
}
