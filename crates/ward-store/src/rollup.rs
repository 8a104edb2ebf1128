//! The tracer's rollup: incident counts, harm sums and how often each harm figure is known,
//! pre-aggregated by every dimension the public dashboard filters on (owner, TLP, year,
//! country, region, organisation type, harm present), and in further rows by one value of a
//! multi-valued facet to group by (`facet`/`value`: attack type, VERIS action, actor, data
//! variety), by one value of a facet to filter on (`filter_facet`/`filter_value`: attack type,
//! actor), or both.
//!
//! The rollup is maintained in the same transaction as every write that changes what an
//! incident contributes ([`apply`] with −1 before the change and +1 after), and rebuilt from
//! the incidents when the recipe changes ([`rebuild`]). Merged records contribute nothing, so
//! nothing is counted twice. `tracer.rs` answers a totals or grouping query from the rollup
//! when the filter only uses rolled-up dimensions, and from the incidents otherwise; the
//! conformance suite checks both give the same answer.

use jiff::Timestamp;
use ward_core::IncidentId;

use crate::incidents::{Sql, SqlValue};
use crate::time::to_db;
use crate::StoreError;

/// Version of the rollup recipe; an older stored version makes `Store::open` rebuild it.
pub(crate) const ROLLUP_VERSION: i64 = 2;

/// Care-disruption days are summed in thousandths of a day, as integers, so that adding and
/// removing an incident's contribution is exact.
pub(crate) const CARE_SCALE: f64 = 1000.0;

/// The multi-valued facets a dashboard filter can select on; the rollup holds every other
/// grouping under each of their values.
pub(crate) const FILTER_FACETS: [&str; 2] = ["attack_type", "actor"];

/// The grouping facet the rollup does not hold under a filter facet.
pub(crate) const UNPAIRED_FACET: &str = "action";

const KEY_COLUMNS: &str = "filter_facet, filter_value, facet, value, org_id, tlp, created_by, year, dated, country, region, org_type, has_harm";
const N_KEYS: usize = 13;
const MEASURE_COLUMNS: &str = "n, individuals_affected, individuals_known, care_milli_days, care_known, ambulance_diverted, ambulance_known, appointments_cancelled, appointments_known";

/// The four row kinds: base, grouped by a facet, selected by a filter facet, and both.
fn sources() -> [(&'static str, &'static str, String); 4] {
    // `|| ''` keeps SQLite from driving the join by the facet-value index (every row of a
    // facet) instead of the incident ids being applied.
    let filter_join = format!(
        " JOIN incident_facets ff ON ff.incident_id = i.id AND ff.facet || '' IN ({})",
        FILTER_FACETS.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ")
    );
    [
        ("'', ''", "'', ''", String::new()),
        ("'', ''", "g.facet, g.value", " JOIN incident_facets g ON g.incident_id = i.id".to_owned()),
        ("ff.facet, ff.value", "'', ''", filter_join.clone()),
        // VERIS actions are not a dashboard breakdown: under a facet filter they are counted live.
        ("ff.facet, ff.value", "g.facet, g.value", format!("{filter_join} JOIN incident_facets g ON g.incident_id = i.id AND g.facet || '' <> '{UNPAIRED_FACET}'")),
    ]
}

/// The key expressions over `incidents i`.
fn key_exprs(filter: &str, group: &str) -> String {
    format!(
        "{filter}, {group}, i.org_id, i.tlp, CASE WHEN i.tlp = 'red' THEN COALESCE(i.created_by, '') ELSE '' END,
         COALESCE(i.year, 0), CASE WHEN i.month IS NULL THEN 0 ELSE 1 END, i.country, COALESCE(i.region, ''), i.org_type, i.has_harm"
    )
}

/// The measure expressions, multiplied by `sign`.
fn measure_exprs(sign: &str) -> String {
    format!(
        "{sign} * COUNT(*),
         {sign} * COALESCE(SUM(i.individuals_affected), 0), {sign} * COUNT(i.individuals_affected),
         {sign} * COALESCE(SUM(CAST(ROUND(i.care_disruption_days * {CARE_SCALE}) AS BIGINT)), 0), {sign} * COUNT(i.care_disruption_days),
         {sign} * COALESCE(SUM(i.ambulance_diverted), 0), {sign} * COUNT(i.ambulance_diverted),
         {sign} * COALESCE(SUM(i.appointments_cancelled), 0), {sign} * COUNT(i.appointments_cancelled)"
    )
}

fn positions() -> String {
    (1..=N_KEYS).map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
}

/// Adds (`sign` = 1) or removes (`sign` = −1) the current contribution of `ids` (those not
/// merged into another incident) inside `tx`. Call with −1 before a change and +1 after it.
pub(crate) async fn apply(tx: &mut sqlx::AnyConnection, ids: &[IncidentId], sign: i64, now: Timestamp) -> Result<(), StoreError> {
    debug_assert!(sign == 1 || sign == -1);
    let measures = MEASURE_COLUMNS.split(", ").map(|m| format!("{m} = tracer_rollup.{m} + excluded.{m}")).collect::<Vec<_>>().join(", ");
    for chunk in ids.chunks(crate::incidents::ROWS_PER_STATEMENT * 5) {
        for (filter, group, joins) in sources() {
            let mut sql = Sql::new("");
            let s = sql.bind(SqlValue::Int(Some(sign)));
            let at = sql.param(to_db(now));
            sql.push(&format!(
                "INSERT INTO tracer_rollup ({KEY_COLUMNS}, {MEASURE_COLUMNS}, latest) SELECT {}, {}, {at} FROM incidents i{joins} WHERE i.merged_into IS NULL AND i.id IN ",
                key_exprs(filter, group),
                measure_exprs(&format!("CAST({s} AS BIGINT)")),
            ));
            sql.push_in_list(chunk);
            // Ordered keys: concurrent PostgreSQL writers lock rollup rows in the same order.
            sql.push(&format!(
                " GROUP BY {k} ORDER BY {k} ON CONFLICT ({KEY_COLUMNS}) DO UPDATE SET {measures},
                 latest = CASE WHEN excluded.latest > tracer_rollup.latest THEN excluded.latest ELSE tracer_rollup.latest END",
                k = positions(),
            ));
            sql.query().execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// Recomputes the whole rollup from the incidents inside `tx` and records its version.
pub(crate) async fn rebuild(tx: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tracer_rollup").execute(&mut *tx).await?;
    for (filter, group, joins) in sources() {
        let sql = format!(
            "INSERT INTO tracer_rollup ({KEY_COLUMNS}, {MEASURE_COLUMNS}, latest) SELECT {}, {}, MAX(i.updated_at) FROM incidents i{joins}
             WHERE i.merged_into IS NULL GROUP BY {}",
            key_exprs(filter, group),
            measure_exprs("1"),
            positions(),
        );
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM tracer_rollup_state").execute(&mut *tx).await?;
    sqlx::query("INSERT INTO tracer_rollup_state (version) VALUES ($1)").bind(ROLLUP_VERSION).execute(&mut *tx).await?;
    Ok(())
}

/// The stored rollup version (0 when never built).
pub(crate) async fn stored_version(pool: &sqlx::AnyPool) -> Result<i64, StoreError> {
    use sqlx::Row;
    let row = sqlx::query("SELECT MAX(version) AS v FROM tracer_rollup_state").fetch_one(pool).await?;
    Ok(row.try_get::<Option<i64>, _>("v").ok().flatten().unwrap_or(0))
}
