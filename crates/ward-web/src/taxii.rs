//! The TAXII 2.1 server under `/taxii2/`: discovery, API roots, collections, objects (GET with
//! every filter and keyset pagination, POST with a status resource), object by id (GET,
//! DELETE), versions, manifest and status.
//!
//! Every response, errors included, is `application/taxii+json;version=2.1`. Every read of
//! objects goes through [`ward_store::Store::read_stix_objects`] with the caller's
//! `ReadScope` (collection permission and TLP 2.0 per object, in one place); nothing here
//! decides visibility on its own. All routes need a principal (Basic, Bearer or Token).
//! `next` is an opaque cursor (`date_added` of the last row + a fingerprint of the filters):
//! a `next` used with other filters is a 400.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ward_core::{ReadScope, Tlp};
use ward_stix::taxii::{TaxiiError, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use ward_stix::TlpLevel;
use ward_store::{NewStixObject, ObjectFilter, ObjectPage, StoreError, VersionSelector, MAX_MATCH_VALUES, MAX_OBJECTS_PAGE};

use crate::auth::Auth;
use crate::AppState;

/// The largest add-objects body accepted (advertised as the API root's `max_content_length`).
pub const MAX_CONTENT_LENGTH: usize = 8 * 1024 * 1024;
/// Objects per page when the client does not ask for a number.
pub const DEFAULT_PAGE: u32 = 100;

/// The TAXII routes, nested under `/taxii2` by [`crate::router`]. Each path is served with
/// and without its trailing slash (clients differ).
pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for (path, method) in [
        ("/", get(discovery)),
        ("/{root}", get(api_root)),
        ("/{root}/status/{status_id}", get(status)),
        ("/{root}/collections", get(collections)),
        ("/{root}/collections/{id}", get(collection)),
        ("/{root}/collections/{id}/manifest", get(manifest)),
        ("/{root}/collections/{id}/objects", get(get_objects).post(add_objects)),
        ("/{root}/collections/{id}/objects/{object_id}", get(get_object).delete(delete_object)),
        ("/{root}/collections/{id}/objects/{object_id}/versions", get(versions)),
    ] {
        if path != "/" {
            r = r.route(&format!("{path}/"), method.clone());
        }
        r = r.route(path, method);
    }
    r.layer(DefaultBodyLimit::max(MAX_CONTENT_LENGTH))
}

/// A TAXII error response.
#[derive(Debug)]
pub struct TaxiiFailure {
    status: StatusCode,
    title: &'static str,
    description: String,
}

impl TaxiiFailure {
    fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> TaxiiFailure {
        TaxiiFailure { status, title, description: description.into() }
    }
    fn not_found() -> TaxiiFailure {
        TaxiiFailure::new(StatusCode::NOT_FOUND, "Not found", "no such resource, or you may not see it")
    }
    fn bad_request(description: impl Into<String>) -> TaxiiFailure {
        TaxiiFailure::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }
    /// 401 for anonymous callers (with the schemes to use).
    pub fn unauthorized(description: impl Into<String>) -> TaxiiFailure {
        TaxiiFailure::new(StatusCode::UNAUTHORIZED, "Authentication required", description)
    }
}

/// The TAXII 404 (also for unknown paths under `/taxii2/`).
pub fn not_found() -> TaxiiFailure {
    TaxiiFailure::not_found()
}

impl IntoResponse for TaxiiFailure {
    fn into_response(self) -> Response {
        let body = TaxiiError { title: self.title.into(), description: Some(self.description), error_code: None, http_status: self.status.as_u16().to_string() };
        let mut resp = (self.status, serde_json::to_string(&body).unwrap_or_default()).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"ward\", Bearer"));
        }
        resp
    }
}

impl From<StoreError> for TaxiiFailure {
    fn from(e: StoreError) -> TaxiiFailure {
        match e {
            StoreError::NotFound => TaxiiFailure::not_found(),
            e if e.is_unavailable() => TaxiiFailure::new(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "the database is unavailable"),
            e => {
                tracing::error!(error = %e, "TAXII store error");
                TaxiiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "internal error")
            }
        }
    }
}

type TaxiiResult = Result<Response, TaxiiFailure>;

/// Writing needs write access to the collection and a role above viewer.
fn may_write(auth: &Auth, access: ward_store::CollectionAccess) -> Result<(), TaxiiFailure> {
    if !access.can_write {
        return Err(if access.can_read { TaxiiFailure::new(StatusCode::FORBIDDEN, "Forbidden", "you may not write to this collection") } else { TaxiiFailure::not_found() });
    }
    if auth.principal.role() == Some(ward_core::Role::Viewer) {
        return Err(TaxiiFailure::new(StatusCode::FORBIDDEN, "Forbidden", "viewers cannot add or delete objects"));
    }
    Ok(())
}

/// Signed-in callers only; the Accept header must allow TAXII 2.1 (406 otherwise).
fn admit(auth: &Auth, headers: &HeaderMap) -> Result<ReadScope, TaxiiFailure> {
    if auth.user.is_none() {
        return Err(TaxiiFailure::unauthorized("TAXII needs HTTP Basic (ward e-mail and password) or a Bearer token"));
    }
    if let Some(accept) = headers.get(header::ACCEPT) {
        let accept = accept.to_str().unwrap_or("");
        let ok = accept.split(',').any(|item| {
            let mut parts = item.split(';').map(|p| p.trim().to_ascii_lowercase());
            let mt = parts.next().unwrap_or_default();
            let params: Vec<String> = parts.filter(|p| !p.starts_with("q=")).collect();
            let version_ok = params.iter().all(|p| p.replace(' ', "") == "version=2.1");
            (mt == "application/taxii+json" && version_ok) || mt == "*/*" || mt == "application/*"
        });
        if !ok {
            return Err(TaxiiFailure::new(StatusCode::NOT_ACCEPTABLE, "Not acceptable", format!("this server answers {TAXII_MEDIA_TYPE}")));
        }
    }
    Ok(auth.scope.clone())
}

fn taxii_json(status: StatusCode, body: String, date_range: Option<(&str, &str)>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
    if let Some((first, last)) = date_range {
        if let (Ok(f), Ok(l)) = (HeaderValue::from_str(first), HeaderValue::from_str(last)) {
            h.insert("x-taxii-date-added-first", f);
            h.insert("x-taxii-date-added-last", l);
        }
    }
    resp
}

fn ok_json(v: &serde_json::Value) -> Response {
    taxii_json(StatusCode::OK, v.to_string(), None)
}

fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| h.bytes().all(|b| b.is_ascii_graphic())).unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/taxii2")
}

/// `GET /taxii2/`: the API roots in which the caller can see a collection.
pub async fn discovery(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let mut roots: Vec<String> = state.store.list_collections(&scope, None).await?.into_iter().map(|(c, _)| c.api_root).collect();
    roots.sort();
    roots.dedup();
    let base = base_url(&state, &headers);
    let urls: Vec<String> = roots.iter().map(|r| format!("{base}/{r}/")).collect();
    let mut body = serde_json::json!({"title": format!("{} TAXII 2.1", state.config.instance_name), "description": "STIX 2.1 sharing with TLP 2.0 enforced", "api_roots": urls});
    if let Some(first) = urls.first() {
        body["default"] = first.clone().into();
    }
    Ok(ok_json(&body))
}

/// The API root exists for this caller when it can see a collection in it.
async fn check_root(state: &AppState, scope: &ReadScope, root: &str) -> Result<(), TaxiiFailure> {
    if state.store.list_collections(scope, Some(root)).await?.is_empty() {
        return Err(TaxiiFailure::not_found());
    }
    Ok(())
}

async fn api_root(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path(root): Path<String>) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    check_root(&state, &scope, &root).await?;
    Ok(ok_json(&serde_json::json!({"title": root, "versions": [TAXII_MEDIA_TYPE], "max_content_length": MAX_CONTENT_LENGTH})))
}

fn collection_json(c: &ward_store::Collection, a: ward_store::CollectionAccess) -> serde_json::Value {
    let mut v = serde_json::json!({"id": c.id, "title": c.title, "can_read": a.can_read, "can_write": a.can_write, "media_types": [STIX_MEDIA_TYPE]});
    if let Some(d) = &c.description {
        v["description"] = d.clone().into();
    }
    v
}

async fn collections(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path(root): Path<String>) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let list = state.store.list_collections(&scope, Some(&root)).await?;
    if list.is_empty() {
        return Err(TaxiiFailure::not_found());
    }
    let items: Vec<_> = list.iter().map(|(c, a)| collection_json(c, *a)).collect();
    Ok(ok_json(&serde_json::json!({"collections": items})))
}

async fn collection(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id)): Path<(String, String)>) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let (c, a) = state.store.get_collection(&root, &id, &scope).await?;
    Ok(ok_json(&collection_json(&c, a)))
}

/// Which query parameters an endpoint takes.
#[derive(Clone, Copy)]
struct Allowed {
    id_type: bool,
    version: bool,
    paging: bool,
}

/// The parsed query of a TAXII read.
struct Query {
    filter: ObjectFilter,
    limit: u32,
    after: Option<String>,
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

fn parse_query(raw: Option<&str>, allowed: Allowed) -> Result<Query, TaxiiFailure> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| TaxiiFailure::bad_request(format!("query string: {e}")))?;
    let mut filter = ObjectFilter::default();
    let mut limit = DEFAULT_PAGE;
    let mut next = None;
    let mut canonical = BTreeMap::new();
    for (k, v) in pairs {
        let too_many = |name: &str, n: usize| if n > MAX_MATCH_VALUES { Err(TaxiiFailure::bad_request(format!("{name}: at most {MAX_MATCH_VALUES} values"))) } else { Ok(()) };
        match k.as_str() {
            "match[id]" if allowed.id_type => {
                let ids = split_list(&v);
                for id in &ids {
                    id.parse::<ward_stix::StixId>().map_err(|e| TaxiiFailure::bad_request(format!("match[id]: {e}")))?;
                }
                filter.ids.extend(ids);
                too_many("match[id]", filter.ids.len())?;
            }
            "match[type]" if allowed.id_type => {
                filter.types.extend(split_list(&v));
                too_many("match[type]", filter.types.len())?;
            }
            "match[version]" if allowed.version => {
                for item in split_list(&v) {
                    filter.versions.push(match item.as_str() {
                        "first" => VersionSelector::First,
                        "last" => VersionSelector::Last,
                        "all" => VersionSelector::All,
                        ts => VersionSelector::At(ward_stix::timestamp::parse(ts).map_err(|e| TaxiiFailure::bad_request(format!("match[version]: {e} (or first, last, all)")))?),
                    });
                }
                too_many("match[version]", filter.versions.len())?;
            }
            "match[spec_version]" => {
                filter.spec_versions.extend(split_list(&v));
                too_many("match[spec_version]", filter.spec_versions.len())?;
            }
            "added_after" if allowed.paging => {
                filter.added_after = Some(ward_stix::timestamp::parse(&v).map_err(|e| TaxiiFailure::bad_request(format!("added_after: {e}")))?);
            }
            "limit" if allowed.paging => {
                limit = v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| TaxiiFailure::bad_request(format!("limit: {v:?} is not a positive integer")))?;
                continue;
            }
            "next" if allowed.paging => {
                next = Some(v);
                continue;
            }
            other => return Err(TaxiiFailure::bad_request(format!("{other}: not a parameter of this endpoint"))),
        }
        canonical.entry(k).or_insert_with(Vec::new).push(v);
    }
    let fingerprint = fingerprint(&canonical);
    let after = match next {
        None => None,
        Some(cursor) => {
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor.as_bytes()).ok().and_then(|b| String::from_utf8(b).ok());
            let Some((date_added, fp)) = decoded.as_deref().and_then(|d| d.split_once('|')) else {
                return Err(TaxiiFailure::bad_request("next: not a cursor this server issued"));
            };
            if fp != fingerprint {
                return Err(TaxiiFailure::bad_request("next: the cursor was issued for other filters; repeat the original query options with it"));
            }
            Some(date_added.to_owned())
        }
    };
    Ok(Query { filter, limit: limit.min(MAX_OBJECTS_PAGE), after })
}

fn fingerprint(canonical: &BTreeMap<String, Vec<String>>) -> String {
    let mut h = Sha256::new();
    for (k, vs) in canonical {
        for v in vs {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
            h.update([0]);
        }
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn next_cursor(page: &ObjectPage, raw: Option<&str>) -> Option<String> {
    if !page.more {
        return None;
    }
    let last = page.objects.last()?;
    // Recompute the fingerprint from the same query (minus limit/next).
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    let mut canonical = BTreeMap::new();
    for (k, v) in pairs {
        if k != "limit" && k != "next" {
            canonical.entry(k).or_insert_with(Vec::new).push(v);
        }
    }
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{}", last.date_added, fingerprint(&canonical))))
}

fn page_headers(page: &ObjectPage) -> Option<(&str, &str)> {
    Some((page.objects.first()?.date_added.as_str(), page.objects.last()?.date_added.as_str()))
}

/// `{"more":…,"next":…,"objects":[…]}` with each object's stored text verbatim.
fn envelope(page: &ObjectPage, raw_query: Option<&str>) -> String {
    let mut out = format!("{{\"more\":{}", page.more);
    if let Some(next) = next_cursor(page, raw_query) {
        out.push_str(&format!(",\"next\":{}", serde_json::Value::String(next)));
    }
    if !page.objects.is_empty() {
        out.push_str(",\"objects\":[");
        for (i, o) in page.objects.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&o.body);
        }
        out.push(']');
    }
    out.push('}');
    out
}

async fn read_page(state: &AppState, scope: &ReadScope, root: &str, id: &str, q: &Query) -> Result<ObjectPage, TaxiiFailure> {
    Ok(state.store.read_stix_objects(scope, root, id, &q.filter, q.after.as_deref(), q.limit).await?)
}

async fn get_objects(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id)): Path<(String, String)>, RawQuery(raw): RawQuery) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let q = parse_query(raw.as_deref(), Allowed { id_type: true, version: true, paging: true })?;
    let page = read_page(&state, &scope, &root, &id, &q).await?;
    Ok(taxii_json(StatusCode::OK, envelope(&page, raw.as_deref()), page_headers(&page)))
}

async fn manifest(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id)): Path<(String, String)>, RawQuery(raw): RawQuery) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let q = parse_query(raw.as_deref(), Allowed { id_type: true, version: true, paging: true })?;
    let page = read_page(&state, &scope, &root, &id, &q).await?;
    let records: Vec<_> = page
        .objects
        .iter()
        .map(|o| serde_json::json!({"id": o.stix_id, "date_added": o.date_added, "version": o.version, "media_type": STIX_MEDIA_TYPE}))
        .collect();
    let mut body = serde_json::json!({"more": page.more});
    if let Some(n) = next_cursor(&page, raw.as_deref()) {
        body["next"] = n.into();
    }
    if !records.is_empty() {
        body["objects"] = records.into();
    }
    Ok(taxii_json(StatusCode::OK, body.to_string(), page_headers(&page)))
}

fn object_query(raw: Option<&str>, object_id: &str, allowed: Allowed) -> Result<Query, TaxiiFailure> {
    object_id.parse::<ward_stix::StixId>().map_err(|_| TaxiiFailure::not_found())?;
    let mut q = parse_query(raw, allowed)?;
    q.filter.ids = vec![object_id.to_owned()];
    Ok(q)
}

async fn get_object(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id, object_id)): Path<(String, String, String)>, RawQuery(raw): RawQuery) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let q = object_query(raw.as_deref(), &object_id, Allowed { id_type: false, version: true, paging: true })?;
    let page = read_page(&state, &scope, &root, &id, &q).await?;
    if page.objects.is_empty() && q.after.is_none() && q.filter.added_after.is_none() {
        return Err(TaxiiFailure::not_found());
    }
    Ok(taxii_json(StatusCode::OK, envelope(&page, raw.as_deref()), page_headers(&page)))
}

async fn versions(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id, object_id)): Path<(String, String, String)>, RawQuery(raw): RawQuery) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let mut q = object_query(raw.as_deref(), &object_id, Allowed { id_type: false, version: false, paging: true })?;
    q.filter.versions = vec![VersionSelector::All];
    let page = read_page(&state, &scope, &root, &id, &q).await?;
    if page.objects.is_empty() && q.after.is_none() && q.filter.added_after.is_none() {
        return Err(TaxiiFailure::not_found());
    }
    let mut body = serde_json::json!({"more": page.more, "versions": page.objects.iter().map(|o| o.version.clone()).collect::<Vec<_>>()});
    if let Some(n) = next_cursor(&page, raw.as_deref()) {
        body["next"] = n.into();
    }
    Ok(taxii_json(StatusCode::OK, body.to_string(), page_headers(&page)))
}

async fn delete_object(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, id, object_id)): Path<(String, String, String)>, RawQuery(raw): RawQuery) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let q = object_query(raw.as_deref(), &object_id, Allowed { id_type: false, version: true, paging: false })?;
    let (_, access) = state.store.get_collection(&root, &id, &scope).await?;
    may_write(&auth, access)?;
    match state.store.delete_stix_object(&scope, &root, &id, &object_id, &q.filter.versions, &q.filter.spec_versions).await? {
        0 => Err(TaxiiFailure::new(StatusCode::FORBIDDEN, "Forbidden", "only the organisation that added an object may delete it")),
        _ => Ok(taxii_json(StatusCode::OK, String::new(), None)),
    }
}

fn tlp_of(level: TlpLevel) -> Tlp {
    match level {
        TlpLevel::Clear => Tlp::Clear,
        TlpLevel::Green => Tlp::Green,
        TlpLevel::Amber => Tlp::Amber,
        TlpLevel::AmberStrict => Tlp::AmberStrict,
        TlpLevel::Red => Tlp::Red,
    }
}

/// The store's form of a validated STIX object.
pub fn new_stix_object(o: &ward_stix::StixObject) -> NewStixObject {
    NewStixObject {
        stix_id: o.id.to_string(),
        object_type: o.object_type.clone(),
        spec_version: o.spec_version.clone(),
        version: o.version.as_deref().and_then(|v| ward_stix::timestamp::parse(v).ok()),
        tlp: o.tlp.map(tlp_of),
        body: o.json.clone(),
    }
}

async fn add_objects(State(state): State<AppState>, auth: Auth, Path((root, id)): Path<(String, String)>, req: Request) -> TaxiiResult {
    let headers = req.headers().clone();
    let scope = admit(&auth, &headers)?;
    let user = auth.user.as_ref().ok_or_else(|| TaxiiFailure::unauthorized("sign in"))?;
    let (_, access) = state.store.get_collection(&root, &id, &scope).await?;
    may_write(&auth, access)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase().replace(' ', "");
    if !(content_type == "application/taxii+json" || content_type == "application/taxii+json;version=2.1") {
        return Err(TaxiiFailure::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", format!("send the envelope as {TAXII_MEDIA_TYPE}")));
    }
    let too_large = || TaxiiFailure::new(StatusCode::PAYLOAD_TOO_LARGE, "Payload too large", format!("the body exceeds max_content_length ({MAX_CONTENT_LENGTH} bytes)"));
    if headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > MAX_CONTENT_LENGTH) {
        return Err(too_large());
    }
    let body: Bytes = axum::body::to_bytes(req.into_body(), MAX_CONTENT_LENGTH).await.map_err(|_| too_large())?;
    let text = std::str::from_utf8(&body).map_err(|_| TaxiiFailure::bad_request("the body is not UTF-8"))?;
    let parsed = ward_stix::bundle::parse_document(text, true).map_err(|e| TaxiiFailure::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid envelope", e.to_string()))?;
    let now = jiff::Timestamp::now();
    let mut good = Vec::new();
    let mut failures = Vec::new();
    // Parsed again (once) only when something failed, to name failed objects by their id.
    let mut document: Option<serde_json::Value> = None;
    for (i, r) in parsed.objects.iter().enumerate() {
        match r {
            Ok(o) => good.push(new_stix_object(o)),
            Err(e) => {
                let doc = document.get_or_insert_with(|| serde_json::from_str(text).unwrap_or_default());
                let raw_id = doc["objects"][i]["id"].as_str().map(str::to_owned).unwrap_or_else(|| format!("objects[{i}]"));
                failures.push(serde_json::json!({"id": raw_id, "version": "", "message": e.to_string()}));
            }
        }
    }
    let added = state.store.add_stix_objects(&id, user.org_id, Some(user.id), &good, now).await?;
    let successes: Vec<_> = added.iter().map(|a| serde_json::json!({"id": a.stix_id, "version": a.version})).collect();
    let status_id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({
        "id": status_id, "status": "complete", "request_timestamp": ward_store::time::to_db(now),
        "total_count": successes.len() + failures.len(),
        "success_count": successes.len(), "successes": successes,
        "failure_count": failures.len(), "failures": failures,
        "pending_count": 0, "pendings": [],
    });
    state.store.save_taxii_status(&ward_store::StoredStatus { id: status_id, collection_id: id.clone(), org_id: user.org_id, body: body.clone() }, Some(user.id), now).await?;
    tracing::info!(collection.id = %id, n_added = added.len(), n_failed = failures.len(), "TAXII add objects");
    Ok(taxii_json(StatusCode::ACCEPTED, body.to_string(), None))
}

async fn status(State(state): State<AppState>, auth: Auth, headers: HeaderMap, Path((root, status_id)): Path<(String, String)>) -> TaxiiResult {
    let scope = admit(&auth, &headers)?;
    let s = state.store.taxii_status(&status_id, &root, &scope).await?;
    Ok(ok_json(&s.body))
}
