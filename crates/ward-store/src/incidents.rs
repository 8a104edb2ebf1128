//! Incidents and their revision history, always read through the caller's [`ReadScope`].

use base64::Engine as _;
use jiff::civil::Date;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::incident::AttackType;
use ward_core::{CountryCode, IncidentDraft, IncidentId, OrgId, OrgType, ReadScope, Tlp, UserId};

use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, parse_opt_col, Store, StoreError};

/// Largest page a list returns, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longest free-text search term, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// An incident as stored: the author's draft plus what the store adds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncidentRecord {
    pub id: IncidentId,
    pub org_id: OrgId,
    /// Starts at 1; every change adds one. The ETag of the REST API.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub draft: IncidentDraft,
}

/// One entry of an incident's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub changed_at: Timestamp,
    pub changed_by: Option<UserId>,
    pub changed_by_email: Option<String>,
    /// Dotted paths that changed against the previous version (`["(created)"]` for version 1).
    pub changed_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionRecord {
    pub info: VersionInfo,
    pub draft: IncidentDraft,
}

/// List filters; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentFilter {
    pub org_id: Option<OrgId>,
    pub country: Option<CountryCode>,
    pub org_type: Option<OrgType>,
    pub attack_type: Option<AttackType>,
    pub tlp: Option<Tlp>,
    /// Reference date (incident start, else discovery, else disclosure) on or after.
    pub from: Option<Date>,
    /// Reference date on or before.
    pub to: Option<Date>,
    /// Case-insensitive substring of title, summary, victim, country, actors.
    pub text: Option<String>,
    /// ISO 3166-2 region of the victim.
    pub region: Option<ward_core::RegionCode>,
    /// An actor name as recorded (exact, case-sensitive).
    pub actor: Option<String>,
    /// Only incidents with at least one harm fact.
    pub harm_present: bool,
    /// Only incidents where this headline harm figure is known.
    pub known: Option<HarmFigure>,
    /// Only records carrying an external id of this scheme (`vcdb`, `hhs`, `curated`…).
    pub source: Option<String>,
    /// Only incidents with a counted (not disputed) attribution to this register actor.
    pub attributed_actor: Option<ward_core::ActorId>,
    /// Include records merged into another incident (hidden by default: they are counted once,
    /// through the incident they were merged into).
    pub include_merged: bool,
}

/// The harm figures the tracer totals, each a derived column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HarmFigure {
    IndividualsAffected,
    CareDisruption,
    AmbulanceDiversion,
    AppointmentsCancelled,
}

impl HarmFigure {
    pub const ALL: [HarmFigure; 4] = [HarmFigure::IndividualsAffected, HarmFigure::CareDisruption, HarmFigure::AmbulanceDiversion, HarmFigure::AppointmentsCancelled];
    pub fn as_str(self) -> &'static str {
        match self {
            HarmFigure::IndividualsAffected => "individuals_affected",
            HarmFigure::CareDisruption => "care_disruption",
            HarmFigure::AmbulanceDiversion => "ambulance_diversion",
            HarmFigure::AppointmentsCancelled => "appointments_cancelled",
        }
    }
    fn column(self) -> &'static str {
        match self {
            HarmFigure::IndividualsAffected => "i.individuals_affected",
            HarmFigure::CareDisruption => "i.care_disruption_days",
            HarmFigure::AmbulanceDiversion => "i.ambulance_diverted",
            HarmFigure::AppointmentsCancelled => "i.appointments_cancelled",
        }
    }
}

impl std::str::FromStr for HarmFigure {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HarmFigure::ALL.into_iter().find(|h| h.as_str() == s.trim()).ok_or_else(|| {
            format!("{s:?} is not a harm figure (individuals_affected, care_disruption, ambulance_diversion, appointments_cancelled)")
        })
    }
}

/// Keyset position: the sort key and id of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    sort_key: String,
    id: String,
}

impl Cursor {
    /// Opaque URL-safe text.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{}", self.sort_key, self.id))
    }
    pub fn decode(text: &str) -> Result<Cursor, String> {
        let bad = || "cursor is not one this server issued".to_owned();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let s = String::from_utf8(bytes).map_err(|_| bad())?;
        let (k, id) = s.split_once('|').ok_or_else(bad)?;
        if !(k.is_empty() || k.parse::<Date>().is_ok()) || id.parse::<IncidentId>().is_err() {
            return Err(bad());
        }
        Ok(Cursor { sort_key: k.to_owned(), id: id.to_owned() })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncidentPage {
    pub items: Vec<IncidentRecord>,
    #[serde(skip)]
    pub next: Option<Cursor>,
}

/// A NULL that PostgreSQL sees as `double precision`. sqlx 0.8's Any driver swaps the two
/// float kinds for NULLs (a NULL `f64` is sent as `real`), so a statement first prepared with a
/// NULL would then reject a real `f64`; a NULL `f32` arrives as `double precision`.
pub(crate) const NULL_DOUBLE: Option<f32> = None;

/// A value bound to a placeholder (typed, so PostgreSQL sees integers as integers).
#[derive(Debug, Clone)]
pub(crate) enum SqlValue {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

/// A parameterised SQL text under construction.
pub(crate) struct Sql {
    text: String,
    params: Vec<SqlValue>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_owned(), params: Vec::new() }
    }
    /// Appends a text placeholder bound to `value` and returns it (`$3`).
    pub(crate) fn param(&mut self, value: impl Into<String>) -> String {
        self.bind(SqlValue::Text(Some(value.into())))
    }
    /// Appends a placeholder bound to any value and returns it.
    pub(crate) fn bind(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }
    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// Appends `(p1, p2, …)`: one text placeholder per value, for `col IN …`.
    pub(crate) fn push_in_list<T: ToString>(&mut self, values: &[T]) {
        let mut list = String::from("(");
        for (n, v) in values.iter().enumerate() {
            if n > 0 {
                list.push_str(", ");
            }
            list.push_str(&self.param(v.to_string()));
        }
        list.push(')');
        self.text.push_str(&list);
    }
    pub(crate) fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for p in &self.params {
            q = match p {
                SqlValue::Text(v) => q.bind(v.clone()),
                SqlValue::Int(v) => q.bind(*v),
                SqlValue::Float(Some(v)) => q.bind(*v),
                SqlValue::Float(None) => q.bind(NULL_DOUBLE),
            };
        }
        q
    }
}

/// The SQL form of [`ReadScope::allows`]. The conformance suite checks the two agree.
pub(crate) fn push_scope(sql: &mut Sql, scope: &ReadScope) {
    if scope.operator {
        sql.push("(1 = 1)");
        return;
    }
    sql.push("(i.tlp = 'clear'");
    if scope.signed_in {
        sql.push(" OR i.tlp = 'green'");
    }
    if let Some(org) = scope.org_id {
        let o = sql.param(org.to_string());
        sql.push(&format!(" OR (i.org_id = {o} AND i.tlp IN ('amber', 'amber+strict'))"));
        if !scope.amber_client_of.is_empty() {
            let owners: Vec<String> = scope.amber_client_of.iter().map(|c| sql.param(c.to_string())).collect();
            sql.push(&format!(" OR (i.tlp = 'amber' AND i.org_id IN ({}))", owners.join(", ")));
        }
        if scope.red_recipient {
            sql.push(&format!(" OR (i.org_id = {o} AND i.tlp = 'red')"));
        } else if let Some(user) = scope.user_id {
            let u = sql.param(user.to_string());
            sql.push(&format!(" OR (i.org_id = {o} AND i.tlp = 'red' AND i.created_by = {u})"));
        }
    }
    sql.push(")");
}

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) const RECORD_COLUMNS: &str = "i.id, i.org_id, i.version, i.body, i.created_at, i.updated_at, i.created_by, i.updated_by, i.sort_key";

pub(crate) fn record_from_row(row: &AnyRow) -> Result<IncidentRecord, StoreError> {
    let body: String = row.try_get("body")?;
    let draft: IncidentDraft = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("incident body: {e}")))?;
    Ok(IncidentRecord {
        id: parse_col(row, "id").map_err(|_| StoreError::Corrupt("incidents.id".into()))?,
        org_id: parse_col(row, "org_id").map_err(|_| StoreError::Corrupt("incidents.org_id".into()))?,
        version: row.try_get("version")?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        updated_at: from_db(&row.try_get::<String, _>("updated_at")?)?,
        created_by: parse_opt_col(row, "created_by").map_err(|_| StoreError::Corrupt("incidents.created_by".into()))?,
        updated_by: parse_opt_col(row, "updated_by").map_err(|_| StoreError::Corrupt("incidents.updated_by".into()))?,
        draft,
    })
}

/// Version of the derived-column recipe below; rows with an older `derived_version` are
/// recomputed by [`Store::reindex`] at start.
pub const DERIVED_VERSION: i64 = 1;

/// Denormalised columns the list filters and the tracer's totals use, all computed from the
/// stored document.
pub(crate) struct Indexed {
    tlp: &'static str,
    title: String,
    country: String,
    org_type: &'static str,
    attack_types: String,
    sort_key: String,
    search_text: String,
    body: String,
    year: Option<i64>,
    month: Option<String>,
    region: Option<String>,
    norm_name: Option<String>,
    individuals_affected: Option<i64>,
    care_disruption_days: Option<f64>,
    ambulance_diverted: Option<i64>,
    appointments_cancelled: Option<i64>,
    has_harm: i64,
    facets: Vec<(&'static str, String)>,
    external_ids: Vec<(String, String)>,
}

pub(crate) fn indexed(draft: &IncidentDraft) -> Result<Indexed, StoreError> {
    let mut attack = String::from("|");
    for a in &draft.attack_types {
        attack.push_str(a.as_str());
        attack.push('|');
    }
    let date = draft.reference_date();
    let h = &draft.harm;
    let mut facets: Vec<(&'static str, String)> = Vec::new();
    for a in &draft.attack_types {
        facets.push(("attack_type", a.as_str().to_owned()));
    }
    for a in &draft.actions {
        facets.push(("action", a.category.as_str().to_owned()));
    }
    for a in &draft.actors {
        if let Some(n) = &a.name {
            facets.push(("actor", n.as_str().to_owned()));
        }
    }
    if let Some(dv) = &h.data_varieties {
        for v in &dv.value {
            facets.push(("data_variety", v.as_str().to_owned()));
        }
    }
    facets.sort();
    facets.dedup();
    let care_days = h.care_disruption.iter().filter_map(|f| f.value.days).fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
    let has_harm = h != &ward_core::Harm::default();
    let mut external_ids: Vec<(String, String)> = draft.external_ids.iter().map(|e| (e.scheme.as_str().to_owned(), e.value.as_str().to_owned())).collect();
    external_ids.sort();
    external_ids.dedup();
    Ok(Indexed {
        tlp: draft.tlp.as_str(),
        title: draft.title.as_str().to_owned(),
        country: draft.victim.country.as_str().to_owned(),
        org_type: draft.victim.org_type.as_str(),
        attack_types: attack,
        sort_key: date.map(|d| d.to_string()).unwrap_or_default(),
        search_text: draft.search_text(),
        body: serde_json::to_string(draft).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        year: date.map(|d| i64::from(d.year())).or(draft.timeline.incident_year.map(i64::from)),
        month: date.map(|d| format!("{:04}-{:02}", d.year(), d.month())),
        region: draft.victim.region.as_ref().map(|r| r.as_str().to_owned()),
        norm_name: draft.victim.name.as_ref().map(|n| ward_core::org::normalise_name(n.as_str())).filter(|n| !n.is_empty()),
        individuals_affected: h.individuals_affected.as_ref().map(|f| i64::try_from(f.value).unwrap_or(i64::MAX)),
        care_disruption_days: care_days,
        ambulance_diverted: h.ambulance_diversion.as_ref().map(|f| i64::from(f.value.diverted)),
        appointments_cancelled: h.appointments_cancelled.as_ref().map(|f| i64::try_from(f.value).unwrap_or(i64::MAX)),
        has_harm: i64::from(has_harm),
        facets,
        external_ids,
    })
}

/// Writes the derived columns, facets and external ids of one incident inside `tx`.
/// Binds the derived columns of `ix` (year, month, region, normalised name, the four harm
/// figures, harm present), in that order, and returns their placeholders.
fn bind_derived(sql: &mut Sql, ix: &Indexed) -> [String; 9] {
    [
        sql.bind(SqlValue::Int(ix.year)),
        sql.bind(SqlValue::Text(ix.month.clone())),
        sql.bind(SqlValue::Text(ix.region.clone())),
        sql.bind(SqlValue::Text(ix.norm_name.clone())),
        sql.bind(SqlValue::Int(ix.individuals_affected)),
        sql.bind(SqlValue::Float(ix.care_disruption_days)),
        sql.bind(SqlValue::Int(ix.ambulance_diverted)),
        sql.bind(SqlValue::Int(ix.appointments_cancelled)),
        sql.bind(SqlValue::Int(Some(ix.has_harm))),
    ]
}

pub(crate) async fn write_derived(tx: &mut sqlx::AnyConnection, id: IncidentId, ix: &Indexed) -> Result<(), StoreError> {
    let mut sql = Sql::new("");
    let [year, month, region, norm, ind, care, amb, appt, harm] = bind_derived(&mut sql, ix);
    let dv = sql.bind(SqlValue::Int(Some(DERIVED_VERSION)));
    let id_p = sql.param(id.to_string());
    sql.push(&format!(
        "UPDATE incidents SET year = {year}, month = {month}, region = {region}, norm_name = {norm}, individuals_affected = {ind},
         care_disruption_days = {care}, ambulance_diverted = {amb}, appointments_cancelled = {appt}, has_harm = {harm}, derived_version = {dv} WHERE id = {id_p}"
    ));
    sql.query().execute(&mut *tx).await?;
    sqlx::query("DELETE FROM incident_facets WHERE incident_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
    for (facet, value) in &ix.facets {
        sqlx::query("INSERT INTO incident_facets (incident_id, facet, value) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(*facet)
            .bind(value.clone())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM incident_external_ids WHERE incident_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
    for (scheme, value) in &ix.external_ids {
        sqlx::query("INSERT INTO incident_external_ids (scheme, value, incident_id) VALUES ($1, $2, $3)")
            .bind(scheme.clone())
            .bind(value.clone())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "external_ids"))?;
    }
    Ok(())
}

/// Most rows one multi-row `INSERT` carries. SQLite looks placeholders up by name in a linear
/// list, so binding costs grow with the square of a statement's placeholders: about a thousand
/// (40 rows of 23) is where fewer statements stop paying.
pub(crate) const ROWS_PER_STATEMENT: usize = 40;

/// Inserts new incident rows (derived columns included), their version 1, facets and external
/// ids inside `tx`, with one multi-row statement per table and chunk.
/// Inserts new incidents (version 1) inside `tx`; returns their changes for the chain, which the
/// caller appends (with `kind`) before committing.
pub(crate) async fn insert_incidents(
    tx: &mut sqlx::AnyConnection,
    rows: &[(IncidentId, &Indexed)],
    org_id: OrgId,
    by: Option<UserId>,
    now: Timestamp,
    kind: &'static str,
) -> Result<crate::chain::Pending, StoreError> {
    let now = to_db(now);
    let by = by.map(|u| u.to_string());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(
            "INSERT INTO incidents (id, org_id, version, tlp, title, country, org_type, attack_types, sort_key, search_text, body, created_at, updated_at, created_by, updated_by,
             year, month, region, norm_name, individuals_affected, care_disruption_days, ambulance_diverted, appointments_cancelled, has_harm, derived_version) VALUES ",
        );
        let org = sql.param(org_id.to_string());
        let at = sql.param(now.clone());
        let who = sql.bind(SqlValue::Text(by.clone()));
        let dv = sql.bind(SqlValue::Int(Some(DERIVED_VERSION)));
        for (n, (id, ix)) in chunk.iter().enumerate() {
            let vals = [
                sql.param(id.to_string()),
                sql.param(ix.tlp),
                sql.param(ix.title.clone()),
                sql.param(ix.country.clone()),
                sql.param(ix.org_type),
                sql.param(ix.attack_types.clone()),
                sql.param(ix.sort_key.clone()),
                sql.param(ix.search_text.clone()),
                sql.param(ix.body.clone()),
            ];
            let [id_p, tlp, title, country, org_type, attack, sort_key, search, body] = vals;
            let [year, month, region, norm, ind, care, amb, appt, harm] = bind_derived(&mut sql, ix);
            sql.push(if n == 0 { "(" } else { ", (" });
            sql.push(&format!(
                "{id_p}, {org}, 1, {tlp}, {title}, {country}, {org_type}, {attack}, {sort_key}, {search}, {body}, {at}, {at}, {who}, {who}, {year}, {month}, {region}, {norm}, {ind}, {care}, {amb}, {appt}, {harm}, {dv})"
            ));
        }
        sql.query().execute(&mut *tx).await?;

        let mut sql = Sql::new("INSERT INTO incident_versions (incident_id, version, body, changed_fields, changed_at, changed_by) VALUES ");
        let created = sql.param(r#"["(created)"]"#);
        let at = sql.param(now.clone());
        let who = sql.bind(SqlValue::Text(by.clone()));
        for (n, (id, ix)) in chunk.iter().enumerate() {
            let id_p = sql.param(id.to_string());
            let body = sql.param(ix.body.clone());
            sql.push(&format!("{}({id_p}, 1, {body}, {created}, {at}, {who})", if n == 0 { "" } else { ", " }));
        }
        sql.query().execute(&mut *tx).await?;
    }
    let facets: Vec<(IncidentId, &str, &str)> = rows.iter().flat_map(|(id, ix)| ix.facets.iter().map(move |(f, v)| (*id, *f, v.as_str()))).collect();
    for chunk in facets.chunks(ROWS_PER_STATEMENT * 4) {
        let mut sql = Sql::new("INSERT INTO incident_facets (incident_id, facet, value) VALUES ");
        for (n, (id, facet, value)) in chunk.iter().enumerate() {
            let (a, b, c) = (sql.param(id.to_string()), sql.param(*facet), sql.param(*value));
            sql.push(&format!("{}({a}, {b}, {c})", if n == 0 { "" } else { ", " }));
        }
        sql.query().execute(&mut *tx).await?;
    }
    let ext: Vec<(IncidentId, &str, &str)> = rows.iter().flat_map(|(id, ix)| ix.external_ids.iter().map(move |(s, v)| (*id, s.as_str(), v.as_str()))).collect();
    for chunk in ext.chunks(ROWS_PER_STATEMENT * 4) {
        let mut sql = Sql::new("INSERT INTO incident_external_ids (scheme, value, incident_id) VALUES ");
        for (n, (id, scheme, value)) in chunk.iter().enumerate() {
            let (a, b, c) = (sql.param(*scheme), sql.param(*value), sql.param(id.to_string()));
            sql.push(&format!("{}({a}, {b}, {c})", if n == 0 { "" } else { ", " }));
        }
        sql.query().execute(&mut *tx).await.map_err(|e| StoreError::unique(e, "external_ids"))?;
    }
    let created = r#"["(created)"]"#;
    Ok(crate::chain::Pending(
        rows.iter()
            .map(|(id, ix)| crate::chain::Change {
                kind,
                subject: id.to_string(),
                version: 1,
                body_hash: crate::chain::incident_version_hash(&ix.body, created, &now, by.as_deref()),
            })
            .collect(),
    ))
}

/// Writes a new version of an incident inside `tx`, guarded by `expected_version`
/// (`Conflict` when another writer got there first).
pub(crate) async fn update_row(
    tx: &mut sqlx::AnyConnection,
    id: IncidentId,
    expected_version: i64,
    ix: &Indexed,
    changed: &[String],
    by: Option<UserId>,
    now: Timestamp,
    kind: &'static str,
) -> Result<crate::chain::Pending, StoreError> {
    let next = expected_version + 1;
    // The version guard makes the write itself the concurrency check: of two racing
    // updates from the same version, exactly one matches a row.
    let n = sqlx::query(
        "UPDATE incidents SET version = $1, tlp = $2, title = $3, country = $4, org_type = $5, attack_types = $6, sort_key = $7,
         search_text = $8, body = $9, updated_at = $10, updated_by = $11 WHERE id = $12 AND version = $13",
    )
    .bind(next)
    .bind(ix.tlp)
    .bind(ix.title.clone())
    .bind(ix.country.clone())
    .bind(ix.org_type)
    .bind(ix.attack_types.clone())
    .bind(ix.sort_key.clone())
    .bind(ix.search_text.clone())
    .bind(ix.body.clone())
    .bind(to_db(now))
    .bind(by.map(|u| u.to_string()))
    .bind(id.to_string())
    .bind(expected_version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict { current: expected_version });
    }
    let changed_fields = serde_json::to_string(changed).unwrap_or_else(|_| "[]".into());
    let (at, who) = (to_db(now), by.map(|u| u.to_string()));
    sqlx::query("INSERT INTO incident_versions (incident_id, version, body, changed_fields, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id.to_string())
        .bind(next)
        .bind(ix.body.clone())
        .bind(changed_fields.clone())
        .bind(at.clone())
        .bind(who.clone())
        .execute(&mut *tx)
        .await?;
    write_derived(tx, id, ix).await?;
    Ok(crate::chain::Pending(vec![crate::chain::Change {
        kind,
        subject: id.to_string(),
        version: next,
        body_hash: crate::chain::incident_version_hash(&ix.body, &changed_fields, &at, who.as_deref()),
    }]))
}

impl Store {
    /// Records a new incident owned by `org_id` as version 1.
    pub async fn create_incident(&self, org_id: OrgId, draft: &IncidentDraft, by: Option<UserId>, now: Timestamp) -> Result<IncidentRecord, StoreError> {
        let id = IncidentId::from_uuid(new_uuid());
        let ix = indexed(draft)?;
        let mut tx = self.pool.begin().await?;
        let pending = insert_incidents(&mut tx, &[(id, &ix)], org_id, by, now, "incident.create").await?;
        crate::rollup::apply(&mut tx, &[id], 1, now).await?;
        crate::chain::append(&mut tx, pending, now).await?;
        tx.commit().await?;
        Ok(IncidentRecord { id, org_id, version: 1, created_at: now, updated_at: now, created_by: by, updated_by: by, draft: draft.clone() })
    }

    /// The incident, if it exists and `scope` may read it; `NotFound` otherwise (never a hint
    /// that an invisible incident exists).
    pub async fn get_incident(&self, id: IncidentId, scope: &ReadScope) -> Result<IncidentRecord, StoreError> {
        let mut sql = Sql::new(&format!("SELECT {RECORD_COLUMNS} FROM incidents i WHERE i.id = "));
        let p = sql.param(id.to_string());
        sql.push(&p);
        sql.push(" AND ");
        push_scope(&mut sql, scope);
        let row = sql.query().fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        record_from_row(&row)
    }

    /// Replaces the draft if `expected_version` is current; stores the new version with the
    /// fields that changed. An identical draft changes nothing and returns the current record.
    pub async fn update_incident(
        &self,
        id: IncidentId,
        scope: &ReadScope,
        expected_version: i64,
        draft: &IncidentDraft,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<IncidentRecord, StoreError> {
        let current = self.get_incident(id, scope).await?;
        if current.version != expected_version {
            return Err(StoreError::Conflict { current: current.version });
        }
        let changed = ward_core::diff::changed_paths(&current.draft.to_value(), &draft.to_value());
        if changed.is_empty() {
            return Ok(current);
        }
        let ix = indexed(draft)?;
        let next = expected_version + 1;
        let mut tx = self.pool.begin().await?;
        crate::rollup::apply(&mut tx, &[id], -1, now).await?;
        match update_row(&mut tx, id, expected_version, &ix, &changed, by, now, "incident.update").await {
            Ok(pending) => {
                crate::rollup::apply(&mut tx, &[id], 1, now).await?;
                crate::chain::append(&mut tx, pending, now).await?;
            }
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                let current = self.get_incident(id, scope).await?;
                return Err(StoreError::Conflict { current: current.version });
            }
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        Ok(IncidentRecord { version: next, updated_at: now, updated_by: by, draft: draft.clone(), ..current })
    }

    /// One page of incidents visible to `scope`, newest reference date first.
    pub async fn list_incidents(&self, scope: &ReadScope, filter: &IncidentFilter, after: Option<&Cursor>, limit: u32) -> Result<IncidentPage, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = Sql::new(&format!("SELECT {RECORD_COLUMNS} FROM incidents i WHERE "));
        push_scope(&mut sql, scope);
        push_filter(&mut sql, filter);
        if let Some(c) = after {
            let k = sql.param(c.sort_key.clone());
            let id = sql.param(c.id.clone());
            sql.push(&format!(" AND (i.sort_key < {k} OR (i.sort_key = {k} AND i.id < {id}))"));
        }
        sql.push(&format!(" ORDER BY i.sort_key DESC, i.id DESC LIMIT {}", limit + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut next = None;
        for (n, row) in rows.iter().enumerate() {
            if n as u32 == limit {
                let last = &rows[n - 1];
                next = Some(Cursor { sort_key: last.try_get("sort_key")?, id: last.try_get("id")? });
                break;
            }
            items.push(record_from_row(row)?);
        }
        Ok(IncidentPage { items, next })
    }

    /// How many incidents `scope` sees under `filter`.
    pub async fn count_incidents(&self, scope: &ReadScope, filter: &IncidentFilter) -> Result<i64, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM incidents i WHERE ");
        push_scope(&mut sql, scope);
        push_filter(&mut sql, filter);
        let row = sql.query().fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// The history of an incident `scope` may read, oldest first.
    pub async fn list_versions(&self, id: IncidentId, scope: &ReadScope) -> Result<Vec<VersionInfo>, StoreError> {
        self.get_incident(id, scope).await?;
        let rows = sqlx::query(
            "SELECT v.version, v.changed_at, v.changed_by, v.changed_fields, u.email FROM incident_versions v LEFT JOIN users u ON u.id = v.changed_by
             WHERE v.incident_id = $1 ORDER BY v.version",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_info_from_row).collect()
    }

    /// One earlier (or the current) version of an incident `scope` may read.
    pub async fn get_version(&self, id: IncidentId, version: i64, scope: &ReadScope) -> Result<VersionRecord, StoreError> {
        self.get_incident(id, scope).await?;
        let row = sqlx::query(
            "SELECT v.version, v.changed_at, v.changed_by, v.changed_fields, v.body, u.email FROM incident_versions v LEFT JOIN users u ON u.id = v.changed_by
             WHERE v.incident_id = $1 AND v.version = $2",
        )
        .bind(id.to_string())
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let body: String = row.try_get("body")?;
        Ok(VersionRecord {
            info: version_info_from_row(&row)?,
            draft: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("version body: {e}")))?,
        })
    }
}

fn version_info_from_row(row: &AnyRow) -> Result<VersionInfo, StoreError> {
    let fields: String = row.try_get("changed_fields")?;
    Ok(VersionInfo {
        version: row.try_get("version")?,
        changed_at: from_db(&row.try_get::<String, _>("changed_at")?)?,
        changed_by: parse_opt_col(row, "changed_by").map_err(|_| StoreError::Corrupt("incident_versions.changed_by".into()))?,
        changed_by_email: row.try_get("email")?,
        changed_fields: serde_json::from_str(&fields).map_err(|e| StoreError::Corrupt(format!("changed_fields: {e}")))?,
    })
}

pub(crate) fn push_filter(sql: &mut Sql, f: &IncidentFilter) {
    if !f.include_merged {
        sql.push(" AND i.merged_into IS NULL");
    }
    if let Some(r) = &f.region {
        let p = sql.param(r.as_str());
        sql.push(&format!(" AND i.region = {p}"));
    }
    if let Some(a) = &f.actor {
        let p = sql.param(a.clone());
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM incident_facets fa WHERE fa.incident_id = i.id AND fa.facet = 'actor' AND fa.value = {p})"));
    }
    if f.harm_present {
        sql.push(" AND i.has_harm = 1");
    }
    if let Some(actor) = f.attributed_actor {
        let p = sql.param(actor.to_string());
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM attributions t WHERE t.incident_id = i.id AND t.confidence <> 'disputed'
              AND t.actor_id IN (SELECT id FROM actors WHERE id = {p} OR merged_into = {p}))"
        ));
    }
    if let Some(scheme) = &f.source {
        let p = sql.param(scheme.clone());
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM incident_external_ids e WHERE e.incident_id = i.id AND e.scheme = {p})"));
    }
    if let Some(h) = f.known {
        sql.push(&format!(" AND {} IS NOT NULL", h.column()));
    }
    if let Some(org) = f.org_id {
        let p = sql.param(org.to_string());
        sql.push(&format!(" AND i.org_id = {p}"));
    }
    if let Some(c) = f.country {
        let p = sql.param(c.as_str());
        sql.push(&format!(" AND i.country = {p}"));
    }
    if let Some(t) = f.org_type {
        let p = sql.param(t.as_str());
        sql.push(&format!(" AND i.org_type = {p}"));
    }
    if let Some(a) = f.attack_type {
        let p = sql.param(format!("%|{}|%", a.as_str()));
        sql.push(&format!(" AND i.attack_types LIKE {p}"));
    }
    if let Some(t) = f.tlp {
        let p = sql.param(t.as_str());
        sql.push(&format!(" AND i.tlp = {p}"));
    }
    if f.from.is_some() || f.to.is_some() {
        sql.push(" AND i.sort_key <> ''");
    }
    if let Some(d) = f.from {
        let p = sql.param(d.to_string());
        sql.push(&format!(" AND i.sort_key >= {p}"));
    }
    if let Some(d) = f.to {
        let p = sql.param(d.to_string());
        sql.push(&format!(" AND i.sort_key <= {p}"));
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Control characters (NUL above all) never occur in stored search text; dropping them
        // keeps a hostile term from truncating the pattern in SQLite's C API.
        let term: String = text.to_lowercase().chars().filter(|c| !c.is_control()).take(MAX_SEARCH_CHARS).collect();
        if term.is_empty() {
            sql.push(" AND 1 = 0");
            return;
        }
        let p = sql.param(format!("%{}%", escape_like(&term)));
        sql.push(&format!(" AND i.search_text LIKE {p} ESCAPE '\\'"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { sort_key: "2021-05-14".into(), id: "0192c1a0-0000-7000-8000-000000000000".into() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not-a-cursor").is_err());
        assert!(Cursor::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("x|y")).is_err());
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
