//! `/sharing`: sharing groups (named sets of organisations) and the TAXII collections they are
//! granted. The instance administrator creates groups, adds and removes members and grants
//! collections (forms with the session's CSRF token); other members see the groups their own
//! organisation belongs to and the collections those groups reach.
//!
//! The page also holds TLP 2.0 AMBER clients: the organisations an organisation named as its
//! clients (who read its TLP:AMBER items, never AMBER+STRICT or RED). Whoever may update the
//! organisation (`policy::decide`, `Resource::Organisation`) adds and removes them; every
//! member sees its organisation's clients and the organisations that named it a client.

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use ward_core::policy::{decide, Action, Resource};
use ward_core::{OrgId, ReadScope};
use ward_store::{StoreError, MAX_GROUP_NAME_CHARS};

use super::{csrf_field, csrf_ok, error_page, form_value, layout, read_form, to_login};
use crate::auth::Auth;
use crate::AppState;

fn unavailable(state: &AppState, auth: &Auth) -> Response {
    error_page(state, auth, StatusCode::SERVICE_UNAVAILABLE, "Try again shortly", "The sharing groups could not be read.")
}

pub async fn page(State(state): State<AppState>, auth: Auth, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(user) = &auth.user else { return to_login("/sharing") };
    let admin = decide(&auth.principal, Action::Update, Resource::SharingGroups).is_allowed();
    let Ok(groups) = state.store.list_sharing_groups().await else { return unavailable(&state, &auth) };
    let groups: Vec<_> = groups.into_iter().filter(|g| admin || g.members.contains(&user.org_id)).collect();
    let Ok(orgs) = state.store.list_orgs(&auth.principal).await else { return unavailable(&state, &auth) };
    let org_name: HashMap<OrgId, String> = orgs.iter().map(|o| (o.id, o.name.to_string())).collect();
    let scope = if admin { ReadScope::LOCAL_OPERATOR } else { auth.scope.clone() };
    let Ok(collections) = state.store.list_collections(&scope, None).await else { return unavailable(&state, &auth) };
    let mut grants: HashMap<String, Vec<(String, bool, bool)>> = HashMap::new();
    for (c, _) in &collections {
        for g in state.store.collection_grants(&c.id).await.unwrap_or_default() {
            grants.entry(g.group_id.clone()).or_default().push((c.title.clone(), g.can_read, g.can_write));
        }
    }
    // TLP:AMBER clients: every relation for the instance administrator, else the own
    // organisation's clients; the organisations that named this one come from the scope.
    let Ok(clients) = state.store.list_org_clients(if admin { None } else { Some(user.org_id) }).await else { return unavailable(&state, &auth) };
    let mut org_name = org_name;
    for id in clients.iter().flat_map(|c| [c.org_id, c.client_org_id]).chain(auth.scope.amber_client_of.iter().copied()) {
        if !org_name.contains_key(&id) {
            if let Ok(o) = state.store.get_org(id).await {
                org_name.insert(id, o.name.to_string());
            }
        }
    }
    let manageable: Vec<_> = orgs.iter().filter(|o| decide(&auth.principal, Action::Update, Resource::Organisation { org_id: o.id }).is_allowed()).collect();
    let name_of = |id: &OrgId| org_name.get(id).cloned().unwrap_or_else(|| "another organisation".to_owned());
    let content = html! {
        @if let Some(msg) = q.get("done") { p class="notice" role="status" { (msg) } }
        p { "A sharing group is a named set of organisations — a regional hospital network, an ISAC's members. A TAXII collection "
            "granted to a group is readable (and, if granted, writable) by every member; TLP 2.0 still applies to each object. "
            "Removing a member ends its access through the group at once." }
        @if groups.is_empty() {
            p { @if admin { "No sharing groups yet." } @else { "Your organisation is in no sharing group." } }
        }
        @for g in &groups {
            section class="group" {
                h2 { (g.name) }
                @if let Some(d) = &g.description { p class="muted" { (d) } }
                p { strong { "Members: " } @if g.members.is_empty() { "none" } @else { (g.members.iter().map(&name_of).collect::<Vec<_>>().join(", ")) } }
                p { strong { "Collections: " }
                    @match grants.get(&g.id) {
                        None => { "none" }
                        Some(list) => { (list.iter().map(|(t, r, w)| format!("{t} ({})", match (r, w) { (true, true) => "read and write", (true, false) => "read", _ => "write" })).collect::<Vec<_>>().join(", ")) }
                    }
                }
                @if admin {
                    form method="post" action="/sharing" class="inline" {
                        (csrf_field(&auth))
                        input type="hidden" name="action" value="add-member";
                        input type="hidden" name="group" value=(g.id);
                        label { "Add organisation " select name="org" { @for o in &orgs { @if !g.members.contains(&o.id) { option value=(o.id) { (o.name) } } } } }
                        button type="submit" { "Add" }
                    }
                    @if !g.members.is_empty() {
                        form method="post" action="/sharing" class="inline" {
                            (csrf_field(&auth))
                            input type="hidden" name="action" value="remove-member";
                            input type="hidden" name="group" value=(g.id);
                            label { "Remove " select name="org" { @for m in &g.members { option value=(m) { (name_of(m)) } } } }
                            button type="submit" { "Remove" }
                        }
                    }
                    @if !collections.is_empty() {
                        form method="post" action="/sharing" class="inline" {
                            (csrf_field(&auth))
                            input type="hidden" name="action" value="grant";
                            input type="hidden" name="group" value=(g.id);
                            label { "Collection " select name="collection" { @for (c, _) in &collections { option value=(c.id) { (c.title) " (" (c.api_root) ")" } } } }
                            label { input type="checkbox" name="read" value="1" checked; " read" }
                            label { input type="checkbox" name="write" value="1"; " write" }
                            button type="submit" { "Grant" }
                        }
                    }
                }
            }
        }
        section class="group" id="clients" {
            h2 { "TLP:AMBER clients" }
            p { "TLP 2.0 AMBER reaches the organisation and the clients it names (need-to-know); AMBER+STRICT stays within "
                "the organisation and RED with its named recipients. A client reads the organisation's TLP:AMBER objects in the "
                "collections it may read, and its TLP:AMBER incidents. AMBER never leaves this instance by " code { "ward sync push" } ". "
                "Removing a client ends its access on its next request." }
            @if clients.is_empty() {
                p { "No organisation has named clients." }
            } @else {
                table {
                    thead { tr { th { "Organisation" } th { "Client" } th { "Since" } @if !manageable.is_empty() { th { span class="visually-hidden" { "Action" } } } } }
                    tbody {
                        @for c in &clients {
                            tr {
                                td { (name_of(&c.org_id)) } td { (name_of(&c.client_org_id)) } td { (c.added_at.strftime("%Y-%m-%d")) }
                                @if !manageable.is_empty() {
                                    td { @if manageable.iter().any(|o| o.id == c.org_id) {
                                        form method="post" action="/sharing" class="inline" {
                                            (csrf_field(&auth))
                                            input type="hidden" name="action" value="remove-client";
                                            input type="hidden" name="org" value=(c.org_id);
                                            input type="hidden" name="client" value=(c.client_org_id);
                                            button type="submit" { "Remove" }
                                        }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
            @if !auth.scope.amber_client_of.is_empty() {
                p { strong { "Your organisation is a client of: " } (auth.scope.amber_client_of.iter().map(&name_of).collect::<Vec<_>>().join(", ")) }
            }
            @if !manageable.is_empty() {
                @if orgs.len() > 1 {
                    form method="post" action="/sharing" class="inline" {
                        (csrf_field(&auth))
                        input type="hidden" name="action" value="add-client";
                        label { "Organisation " select name="org" { @for o in &manageable { option value=(o.id) { (o.name) } } } }
                        label { " names as its client " select name="client" { @for o in &orgs { option value=(o.id) { (o.name) } } } }
                        button type="submit" { "Add client" }
                    }
                } @else {
                    p class="muted" { "To name another organisation as a client, ask the instance administrator (or run "
                        code { "ward sharing add-client" } ")." }
                }
            }
        }
        @if admin {
            h2 { "New sharing group" }
            form method="post" action="/sharing" {
                (csrf_field(&auth))
                input type="hidden" name="action" value="create";
                label for="g-name" { "Name" }
                input id="g-name" name="name" required maxlength=(MAX_GROUP_NAME_CHARS);
                label for="g-desc" { "Description" }
                input id="g-desc" name="description";
                div class="actions" { button type="submit" class="primary" { "Create group" } }
            }
        }
    };
    layout(&state, &auth, "Sharing groups", None, content).into_response()
}

pub async fn submit(State(state): State<AppState>, auth: Auth, req: Request) -> Response {
    if auth.user.is_none() {
        return to_login("/sharing");
    }
    let pairs = match read_form(req).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &auth, StatusCode::PAYLOAD_TOO_LARGE, "The form could not be read", &e),
    };
    if !csrf_ok(&auth, &pairs) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "The form expired", "Reload the page and submit it again.");
    }
    let v = |k: &str| form_value(&pairs, k).unwrap_or("").trim().to_owned();
    let bad = |msg: &str| error_page(&state, &auth, StatusCode::UNPROCESSABLE_ENTITY, "Not changed", msg);
    let now = jiff::Timestamp::now();
    let org = || v("org").parse::<OrgId>().ok();
    if let action @ ("add-client" | "remove-client") = v("action").as_str() {
        let Some(org) = org() else { return bad("org: choose an organisation") };
        if let ward_core::Decision::Deny { reason, .. } = decide(&auth.principal, Action::Update, Resource::Organisation { org_id: org }) {
            return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot change this organisation's clients", reason);
        }
        let Some(client) = v("client").parse::<OrgId>().ok() else { return bad("client: choose an organisation") };
        let r = if action == "add-client" { state.store.add_org_client(org, client, now).await } else { state.store.remove_org_client(org, client).await };
        let done = match r {
            Ok(true) if action == "add-client" => "Client added.",
            Ok(false) if action == "add-client" => "Already a client.",
            Ok(true) => "Client removed.",
            Ok(false) => "Was not a client.",
            Err(StoreError::Invalid { field, reason }) => return bad(&format!("{field}: {reason}")),
            Err(StoreError::NotFound) => return bad("client: no such organisation"),
            Err(_) => return unavailable(&state, &auth),
        };
        return Redirect::to(&format!("/sharing?done={}#clients", super::url_encode(done))).into_response();
    }
    if let ward_core::Decision::Deny { reason, .. } = decide(&auth.principal, Action::Update, Resource::SharingGroups) {
        return error_page(&state, &auth, StatusCode::FORBIDDEN, "You cannot change sharing groups", reason);
    }
    let done = match v("action").as_str() {
        "create" => {
            let name = v("name");
            if name.is_empty() || name.chars().count() > MAX_GROUP_NAME_CHARS {
                return bad(&format!("name: 1 to {MAX_GROUP_NAME_CHARS} characters"));
            }
            let description = Some(v("description")).filter(|d| !d.is_empty());
            match state.store.create_sharing_group(&name, description.as_deref(), now).await {
                Ok(_) => format!("Created {name}."),
                Err(StoreError::Duplicate { .. }) => return bad(&format!("name: a group named {name:?} exists already")),
                Err(_) => return unavailable(&state, &auth),
            }
        }
        "add-member" | "remove-member" => {
            let Some(org) = org() else { return bad("org: choose an organisation") };
            if state.store.get_org(org).await.is_err() {
                return bad("org: no such organisation");
            }
            let r = if v("action") == "add-member" { state.store.add_group_member(&v("group"), org, now).await } else { state.store.remove_group_member(&v("group"), org).await };
            match r {
                Ok(_) => "Membership updated.".to_owned(),
                Err(StoreError::NotFound) => return bad("group: no such sharing group"),
                Err(_) => return unavailable(&state, &auth),
            }
        }
        "grant" => match state.store.grant_collection_to_group(&v("collection"), &v("group"), v("read") == "1", v("write") == "1").await {
            Ok(()) => "Grant updated.".to_owned(),
            Err(StoreError::NotFound) => return bad("collection or group: not found"),
            Err(_) => return unavailable(&state, &auth),
        },
        other => return bad(&format!("action: {other:?} is not create, add-member, remove-member, grant, add-client or remove-client")),
    };
    Redirect::to(&format!("/sharing?done={}", super::url_encode(&done))).into_response()
}
