//! Sign in and out. Login uses a double-submit CSRF cookie (there is no session yet); the
//! session cookie is HttpOnly, SameSite=Lax, and Secure when ward is served over TLS.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{csrf_ok, form_value, layout, read_form};
use crate::auth::{self, cookie_value, Auth, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_HOURS};
use crate::AppState;

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://") => n.to_owned(),
        _ => "/incidents".to_owned(),
    }
}

fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"))
        .unwrap_or(HeaderValue::from_static(""))
}

fn render(state: &AppState, auth: &Auth, csrf: &str, next: &str, email: &str, error: Option<&str>, status: StatusCode) -> Response {
    let body = layout(state, auth, "Sign in", None, html! {
        div class="login" {
            @if let Some(e) = error {
                div class="error-summary" role="alert" tabindex="-1" { h2 { "Could not sign you in" } p { (e) } }
            }
            form method="post" action="/login" {
                input type="hidden" name="_csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                div class="field" {
                    label for="email" { "E-mail address" }
                    input type="email" id="email" name="email" autocomplete="username" required value=(email);
                }
                div class="field" {
                    label for="password" { "Password" }
                    input type="password" id="password" name="password" autocomplete="current-password" required;
                }
                button type="submit" class="primary" { "Sign in" }
            }
            p class="muted" { "Public incidents (TLP:CLEAR) can be read without signing in: " a href="/incidents" { "browse incidents" } "." }
        }
    });
    let mut resp = (status, body).into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie(state, LOGIN_CSRF_COOKIE, csrf, 3600));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

pub async fn form(State(state): State<AppState>, auth: Auth, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if auth.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    render(&state, &auth, &auth::new_secret(), &next, "", None, StatusCode::OK)
}

pub async fn submit(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let cookie_csrf = cookie_value(req.headers(), LOGIN_CSRF_COOKIE).map(str::to_owned);
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return render(&state, &auth, &auth::new_secret(), "/incidents", "", Some(&e), StatusCode::BAD_REQUEST),
    };
    let next = safe_next(form_value(&pairs, "next"));
    let email_raw = form_value(&pairs, "email").unwrap_or("").to_owned();
    let fresh = auth::new_secret();
    let csrf_matches = match (cookie_csrf.as_deref(), form_value(&pairs, "_csrf")) {
        (Some(c), Some(f)) => auth::secrets_equal(c, f),
        _ => false,
    };
    if !csrf_matches {
        return render(&state, &auth, &fresh, &next, &email_raw, Some("The form expired. Please sign in again."), StatusCode::FORBIDDEN);
    }
    let password = form_value(&pairs, "password").unwrap_or("");
    let bad = || render(&state, &auth, &fresh, &next, &email_raw, Some("The e-mail address or password is incorrect."), StatusCode::UNAUTHORIZED);
    let Ok(email) = email_raw.parse::<ward_core::text::Email>() else { return bad() };
    if password.is_empty() || password.chars().count() > ward_core::limits::MAX_PASSWORD_CHARS {
        return bad();
    }
    let found = state.store.user_for_login(&email).await;
    let (user, hash) = match found {
        Ok((u, Some(h))) => (Some(u), h),
        Ok((_, None)) | Err(ward_store::StoreError::NotFound) => (None, auth::dummy_password_hash().to_owned()),
        Err(e) => {
            tracing::error!(error = %e, "login lookup failed");
            return render(&state, &auth, &fresh, &next, &email_raw, Some("ward cannot reach its database; try again shortly."), StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    // Verify even for unknown users so the answer takes the same time.
    let ok = tokio::task::spawn_blocking({
        let password = password.to_owned();
        move || auth::verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("login failed");
        return bad();
    };
    let sid = auth::new_secret();
    let now = jiff::Timestamp::now();
    let expires = now + jiff::SignedDuration::from_hours(SESSION_HOURS);
    if let Err(e) = state.store.create_session(&auth::hash_secret(&sid), user.id, &auth::new_secret(), expires, now).await {
        tracing::error!(error = %e, "session creation failed");
        return render(&state, &auth, &fresh, &next, &email_raw, Some("ward cannot reach its database; try again shortly."), StatusCode::SERVICE_UNAVAILABLE);
    }
    tracing::info!(user.id = %user.id, "signed in");
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie(&state, SESSION_COOKIE, &sid, SESSION_HOURS * 3600));
    resp.headers_mut().append(header::SET_COOKIE, cookie(&state, LOGIN_CSRF_COOKIE, "", 0));
    resp
}

pub async fn logout(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    let sid = cookie_value(req.headers(), SESSION_COOKIE).map(str::to_owned);
    let pairs = read_form(req).await.unwrap_or_default();
    if auth.user.is_some() && !csrf_ok(&auth, &pairs) {
        return super::error_page(&state, &auth, StatusCode::FORBIDDEN, "Sign-out refused", "The form expired; reload the page and try again.");
    }
    if let Some(sid) = sid {
        let _ = state.store.delete_session(&auth::hash_secret(&sid)).await;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(header::SET_COOKIE, cookie(&state, SESSION_COOKIE, "", 0));
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_local_only() {
        assert_eq!(super::safe_next(Some("/incidents/x?y=1")), "/incidents/x?y=1");
        for bad in ["//evil.org", "https://evil.org", "/\\evil.org", "evil", "/a://b"] {
            assert_eq!(super::safe_next(Some(bad)), "/incidents", "{bad}");
        }
    }
}
