//! `/incidents/{id}/share`: share an anonymised incident with the community or the public.
//! GET shows the preview (exactly what would leave, and what was scrubbed); POST, with the
//! session's CSRF token, stores it in a collection (`crate::share`). The original incident is
//! not changed.

use std::collections::HashMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use ward_core::anonymise::Audience;
use ward_core::IncidentId;

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login, url_encode, Back};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::share;
use crate::AppState;

fn api_error_page(state: &AppState, auth: &Auth, e: ApiError) -> Response {
    match e {
        ApiError::NotFound => error_page(state, auth, StatusCode::NOT_FOUND, "Incident not found", "There is no incident here that you may see."),
        ApiError::Forbidden(reason) => error_page(state, auth, StatusCode::FORBIDDEN, "You cannot share this incident", reason),
        ApiError::Validation(v) => {
            let reasons: Vec<String> = v.0.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect();
            error_page(state, auth, StatusCode::UNPROCESSABLE_ENTITY, "The incident was not shared", &reasons.join("; "))
        }
        _ => error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The incident could not be shared just now."),
    }
}

pub async fn preview(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/incidents/{}/share", url_encode(&id)));
    }
    let Ok(incident_id) = id.parse::<IncidentId>() else { return api_error_page(&state, &auth, ApiError::NotFound) };
    let r = match share::promotable(&state.store, &auth.principal, incident_id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&state, &auth, e),
    };
    let audience = match q.get("audience").map(|a| a.parse::<Audience>()) {
        None => Audience::Community,
        Some(Ok(a)) => a,
        Some(Err(e)) => return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Unknown audience", &e),
    };
    let collections = match share::writable_collections(&state.store, &auth.principal).await {
        Ok(c) => c,
        Err(_) => return api_error_page(&state, &auth, ApiError::Unavailable),
    };
    let (a, objects) = share::preview(&r, audience, jiff::Timestamp::now());
    let bundle = serde_json::to_string_pretty(&serde_json::json!({"objects": objects})).unwrap_or_default();
    let back_href = format!("/incidents/{}", r.id);
    let content = html! {
        @if q.get("shared").is_some() {
            p class="notice" role="status" { "Shared with " (audience.label()) ". The incident itself is unchanged and stays " (r.draft.tlp.label()) "." }
        }
        p { "Sharing publishes an anonymised copy: the organisation becomes its sector and country, dates become months, "
            "e-mail addresses, links, phone numbers, identifiers and names after titles are removed, and counts below "
            (ward_core::anonymise::K_ANONYMITY_COUNT) " become a range. Check the preview: a name written without a title is not recognised." }
        form method="get" action={"/incidents/" (r.id) "/share"} class="filters" {
            label for="share-audience" { "Audience" }
            select id="share-audience" name="audience" {
                @for x in Audience::ALL { option value=(x.as_str()) selected[x == audience] { (x.label()) } }
            }
            button type="submit" { "Preview" }
        }
        h2 { "Preview" }
        dl class="preview" {
            dt { "Title" } dd { (a.title) }
            dt { "Organisation" } dd { (a.victim) " (sector: healthcare)" }
            dt { "Marking" } dd { (a.tlp.label()) }
            @if let Some(d) = &a.description { dt { "Description" } dd { (d) } }
            @for f in &a.figures { dt { (f.label) } dd { (f.shown) } }
            dt { "Removed from the text" } dd {
                (a.scrubbed.emails) " e-mail addresses, " (a.scrubbed.links) " links, " (a.scrubbed.phone_numbers) " phone numbers, "
                (a.scrubbed.identifiers) " identifiers, " (a.scrubbed.names) " names"
            }
        }
        details { summary { "STIX 2.1 objects" } pre { code { (bundle) } } }
        @if collections.is_empty() {
            p { "Your organisation may not write to any TAXII collection; ask an administrator for one (" code { "ward taxii create-collection" } ")." }
        } @else {
            form method="post" action={"/incidents/" (r.id) "/share"} {
                (csrf_field(&auth))
                input type="hidden" name="audience" value=(audience.as_str());
                label for="share-collection" { "Collection" }
                select id="share-collection" name="collection" {
                    @for c in &collections { option value=(c.id) { (c.title) " (" (c.api_root) ")" } }
                }
                div class="actions" { button type="submit" class="primary" { "Share with " (audience.label()) } a href=(back_href) { "Cancel" } }
            }
        }
    };
    layout(&state, &auth, &format!("Share: {}", r.draft.title), Some(Back { href: &back_href, label: "Back to the incident" }), content).into_response()
}

pub async fn submit(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, req: Request) -> Response {
    if auth.user.is_none() {
        return to_login(&format!("/incidents/{}/share", url_encode(&id)));
    }
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the form and submit it again.");
    }
    let Ok(incident_id) = id.parse::<IncidentId>() else { return api_error_page(&state, &auth, ApiError::NotFound) };
    let r = match share::promotable(&state.store, &auth.principal, incident_id).await {
        Ok(r) => r,
        Err(e) => return api_error_page(&state, &auth, e),
    };
    let audience = match form_value(&pairs, "audience").unwrap_or("").parse::<Audience>() {
        Ok(a) => a,
        Err(e) => return error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Unknown audience", &e),
    };
    let collection = form_value(&pairs, "collection").unwrap_or("");
    match share::promote(&state.store, &auth.principal, &r, audience, collection, jiff::Timestamp::now()).await {
        Ok(_) => Redirect::to(&format!("/incidents/{}/share?audience={}&shared=1", r.id, audience.as_str())).into_response(),
        Err(e) => api_error_page(&state, &auth, e),
    }
}
