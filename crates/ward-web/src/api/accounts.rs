//! `/api/v1/me`, organisations, users and API tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ward_core::policy::{decide, Action, Decision, Resource};
use ward_core::text::{Email, Label};
use ward_core::{CountryCode, FieldError, OrgId, OrgType, Organisation, RegionCode, Role, TokenId, UserId, ValidationErrors};
use ward_store::{NewUser, TokenInfo, User};

use super::{decode, Caller, JsonBody};
use crate::auth::{check_password_rules, hash_password, new_api_token};
use crate::error::ApiError;
use crate::AppState;

use crate::auth::MAX_TOKEN_DAYS;

fn allow(d: Decision) -> Result<(), ApiError> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Deny { hide: true, .. } => Err(ApiError::NotFound),
        Decision::Deny { reason, .. } => Err(ApiError::Forbidden(reason)),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub org_type: String,
    pub org_type_label: String,
    pub naics: String,
    pub hhs_entity_type: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
}

impl From<&Organisation> for OrgView {
    fn from(o: &Organisation) -> Self {
        OrgView {
            id: o.id.to_string(),
            name: o.name.to_string(),
            org_type: o.org_type.as_str().to_owned(),
            org_type_label: o.org_type.label().to_owned(),
            naics: o.org_type.naics().to_owned(),
            hhs_entity_type: o.org_type.hhs_entity_type().map(|t| t.label().to_owned()),
            country: o.country.map(|c| c.to_string()),
            region: o.region.as_ref().map(|r| r.to_string()),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: String,
    pub created_at: String,
    pub disabled: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id.to_string(),
            org_id: u.org_id.to_string(),
            email: u.email.to_string(),
            role: u.role.as_str().to_owned(),
            created_at: u.created_at.to_string(),
            disabled: u.disabled,
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<&TokenInfo> for TokenView {
    fn from(t: &TokenInfo) -> Self {
        TokenView {
            id: t.id.to_string(),
            user_id: t.user_id.to_string(),
            label: t.label.clone(),
            created_at: t.created_at.to_string(),
            expires_at: t.expires_at.map(|x| x.to_string()),
            revoked_at: t.revoked_at.map(|x| x.to_string()),
            last_used_at: t.last_used_at.map(|x| x.to_string()),
        }
    }
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = UserView), (status = 401, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn me(Caller(_, user): Caller) -> Json<UserView> {
    Json(UserView::from(&user))
}

/// Organisations the caller may see (all for the instance administrator, else its own).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "accounts", responses((status = 200, body = Vec<OrgView>), (status = 401, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_orgs(State(state): State<AppState>, Caller(auth, _): Caller) -> Result<Json<Vec<OrgView>>, ApiError> {
    let orgs = state.store.list_orgs(&auth.principal).await?;
    Ok(Json(orgs.iter().map(OrgView::from).collect()))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgBody {
    #[schema(value_type = String)]
    pub name: Label,
    #[schema(value_type = String, example = "hospital")]
    pub org_type: OrgType,
    #[schema(value_type = Option<String>, example = "DE")]
    pub country: Option<CountryCode>,
    #[schema(value_type = Option<String>, example = "DE-NW")]
    pub region: Option<RegionCode>,
}

/// Create an organisation (instance administrator).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "accounts", request_body = NewOrgBody,
    responses((status = 201, body = OrgView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_org(State(state): State<AppState>, Caller(auth, _): Caller, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    allow(decide(&auth.principal, Action::Create, Resource::Organisations))?;
    let body: NewOrgBody = decode(body)?;
    if let (Some(r), Some(c)) = (&body.region, body.country) {
        if r.country() != c {
            return Err(ApiError::field("region", format!("{r} is not a region of {c}")));
        }
    }
    let org = state.store.create_org(&body.name, body.org_type, body.country, body.region.as_ref(), jiff::Timestamp::now()).await?;
    tracing::info!(org.id = %org.id, "organisation created");
    Ok((StatusCode::CREATED, Json(OrgView::from(&org))))
}

fn parse_org(raw: &str) -> Result<OrgId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = OrgView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_org(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>) -> Result<Json<OrgView>, ApiError> {
    let id = parse_org(&id)?;
    allow(decide(&auth.principal, Action::Read, Resource::Organisation { org_id: id }))?;
    Ok(Json(OrgView::from(&state.store.get_org(id).await?)))
}

/// Users of an organisation (its administrators and the instance administrator).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/users", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_users(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>) -> Result<Json<Vec<UserView>>, ApiError> {
    let id = parse_org(&id)?;
    allow(decide(&auth.principal, Action::Read, Resource::Users { org_id: id }))?;
    state.store.get_org(id).await?;
    Ok(Json(state.store.list_users(id).await?.iter().map(UserView::from).collect()))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    #[schema(value_type = String)]
    pub email: Email,
    #[schema(value_type = String, example = "analyst")]
    pub role: Role,
    /// At least 12 characters. Never logged.
    pub password: Option<String>,
}

/// Create a user in an organisation.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/users", tag = "accounts", params(("id" = String, Path)), request_body = NewUserBody,
    responses((status = 201, body = UserView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_user(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let org_id = parse_org(&id)?;
    allow(decide(&auth.principal, Action::Create, Resource::Users { org_id }))?;
    let body: NewUserBody = decode(body)?;
    allow(decide(&auth.principal, Action::AssignRole(body.role), Resource::Users { org_id }))?;
    state.store.get_org(org_id).await?;
    let password_hash = match body.password.as_deref() {
        Some(p) => {
            check_password_rules(p).map_err(|reason| ApiError::field("password", reason))?;
            Some(hash_password(p).map_err(ApiError::Internal)?)
        }
        None => None,
    };
    let user = state.store.create_user(NewUser { org_id, email: body.email, role: body.role, password_hash }, jiff::Timestamp::now()).await?;
    tracing::info!(user.id = %user.id, org.id = %org_id, "user created");
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// The caller's API tokens (metadata only; secrets are shown once, at creation).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, body = Vec<TokenView>)), security(("bearer" = [])))]
pub async fn list_tokens(State(state): State<AppState>, Caller(_, user): Caller) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(state.store.list_tokens(user.id).await?.iter().map(TokenView::from).collect()))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    pub label: String,
    /// Days until expiry (1 to 3650); absent for a token that does not expire.
    pub expires_days: Option<i64>,
    /// Create it for another user (administrators only).
    pub user_id: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NewTokenView {
    #[serde(flatten)]
    pub info: TokenView,
    /// The secret. Shown this once; only its hash is stored.
    pub token: String,
}

/// Create an API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewTokenBody,
    responses((status = 201, body = NewTokenView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_token(State(state): State<AppState>, Caller(auth, me): Caller, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<NewTokenView>), ApiError> {
    let body: NewTokenBody = decode(body)?;
    let owner = match body.user_id.as_deref() {
        Some(raw) => {
            let id: UserId = raw.parse().map_err(|e: FieldError| ApiError::Validation(ValidationErrors(vec![e])))?;
            state.store.get_user(id).await.map_err(|_| ApiError::field("user_id", "no such user"))?
        }
        None => me,
    };
    allow(decide(&auth.principal, Action::Create, Resource::Tokens { user_id: owner.id, org_id: owner.org_id }))?;
    let label = body.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ApiError::field("label", "must be 1 to 100 characters"));
    }
    let now = jiff::Timestamp::now();
    let expires_at = match body.expires_days {
        Some(d) if (1..=MAX_TOKEN_DAYS).contains(&d) => Some(now + jiff::SignedDuration::from_hours(24 * d)),
        Some(_) => return Err(ApiError::field("expires_days", format!("must be from 1 to {MAX_TOKEN_DAYS}"))),
        None => None,
    };
    let (token, hash) = new_api_token();
    let info = state.store.create_token(owner.id, label, &hash, expires_at, now).await?;
    tracing::info!(token.id = %info.id, user.id = %owner.id, "api token created");
    Ok((StatusCode::CREATED, Json(NewTokenView { info: TokenView::from(&info), token })))
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn revoke_token(State(state): State<AppState>, Caller(auth, _): Caller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id: TokenId = id.parse().map_err(|_| ApiError::NotFound)?;
    let info = state.store.get_token(id).await?;
    let owner = state.store.get_user(info.user_id).await?;
    match decide(&auth.principal, Action::Delete, Resource::Tokens { user_id: owner.id, org_id: owner.org_id }) {
        Decision::Allow => {}
        // Someone else's token: do not confirm it exists.
        Decision::Deny { .. } => return Err(ApiError::NotFound),
    }
    state.store.revoke_token(id, jiff::Timestamp::now()).await?;
    tracing::info!(token.id = %id, "api token revoked");
    Ok(StatusCode::NO_CONTENT)
}
