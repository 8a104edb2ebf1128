//! `/sightings`: the anonymised aggregate of indicator sightings reported by organisations
//! (`ward match --report`), for signed-in members. Rows are those the viewer may see under
//! TLP 2.0; reporting organisations are never named, and their number shows as "fewer than k"
//! below the k-anonymity threshold.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{error_page, layout, thousands, to_login};
use crate::api::sightings::{read_aggregates, reporting_organisations, K_ANONYMITY};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::AppState;

pub async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    if auth.user.is_none() {
        return to_login("/sightings");
    }
    let scope = auth.scope.clone();
    let rows = match read_aggregates(&state, &scope, &q).await {
        Ok(r) => r,
        Err(ApiError::BadParameters(v)) => {
            let reasons: Vec<String> = v.0.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect();
            return error_page(&state, &auth, StatusCode::BAD_REQUEST, "Invalid filter", &reasons.join("; "));
        }
        Err(_) => return error_page(&state, &auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The sightings could not be read."),
    };
    let content = html! {
        p { "Indicators that organisations found in their own logs with " code { "ward match --report" } ", added up across the reports you may see. "
            "Reports carry only the indicator and counts, never log lines. Reporting organisations are not named; fewer than " (K_ANONYMITY) " are shown as such." }
        form method="get" action="/sightings" class="filters" {
            label for="s-kind" { "Kind" }
            select id="s-kind" name="kind" {
                option value="" { "Any" }
                @for k in ward_match::IndicatorKind::ALL { option value=(k.as_str()) selected[q.get("kind").is_some_and(|v| v == k.as_str())] { (k.as_str()) } }
            }
            label for="s-ind" { "Indicator" }
            input id="s-ind" type="search" name="indicator" value=(q.get("indicator").map(String::as_str).unwrap_or(""));
            button type="submit" { "Look up" }
        }
        @if rows.is_empty() {
            p { "No sightings you may see." }
        } @else {
            div class="table-wrap" {
                table class="sightings" {
                    thead { tr {
                        th scope="col" { "Kind" } th scope="col" { "Indicator" } th scope="col" class="num" { "Sightings" }
                        th scope="col" { "First seen" } th scope="col" { "Last seen" } th scope="col" { "Reporting organisations" } th scope="col" { "Yours" }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { (r.indicator_kind) }
                                td { code { (r.indicator_value) } }
                                td class="num" { (thousands(r.n_sightings.max(0) as u64)) }
                                td { (r.first_seen.strftime("%Y-%m-%d %H:%M")) }
                                td { (r.last_seen.strftime("%Y-%m-%d %H:%M")) }
                                td { (reporting_organisations(r.n_orgs)) }
                                td { @if r.own_org_reported { "reported by you" } }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&state, &auth, "Sightings", None, content).into_response()
}
