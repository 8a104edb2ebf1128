//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, imports, incidents, risk, sightings};

#[derive(OpenApi)]
#[openapi(
    info(title = "ward REST API", description = "Incidents, organisations, users and API tokens of a ward instance. Errors are RFC 9457 problem details."),
    paths(
        incidents::list, incidents::create, incidents::get_one, incidents::patch, incidents::versions, incidents::version,
        accounts::me, accounts::list_orgs, accounts::create_org, accounts::get_org, accounts::list_users, accounts::create_user,
        accounts::list_tokens, accounts::create_token, accounts::revoke_token, imports::create,
        sightings::report, sightings::aggregate, risk::assessments,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth),
    tags((name = "incidents"), (name = "accounts"), (name = "imports"), (name = "sightings"), (name = "risk"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ward API token").build()));
    }
}

/// The document as a value (for the route and the snapshot test).
pub fn spec() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    serde_json::to_value(doc).unwrap_or_default()
}

pub async fn document() -> Json<serde_json::Value> {
    Json(spec())
}
