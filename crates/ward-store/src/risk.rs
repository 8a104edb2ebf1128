//! Continuous risk management, persisted: assessments (answers and append-only evidence), the
//! daily posture history, the asset inventory, the CISA KEV catalogue with its import runs, and
//! findings linking assets to catalogue entries.
//!
//! The store computes no posture and matches nothing: callers (ward-web's `risk` module, used by
//! the web pages and the CLI) run ward-risk's pure functions over what this module returns and
//! hand results back. Every read and write takes the organisation it concerns; the caller has
//! asked `policy::decide` first. A KEV import and an asset import each write in one
//! transaction, so a failure leaves nothing half-written.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::Date;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{OrgId, UserId};
use ward_risk::assets::{AssetDraft, AssetKind, Cpe, Criticality};
use ward_risk::kev::{KevCatalogue, KevEntry};
use ward_risk::matching::{Confidence, MatchRule};
use ward_risk::posture::{Answer, Counts, EvidencePeriod, RequirementAnswer};

use crate::incidents::{Sql, SqlValue, ROWS_PER_STATEMENT};
use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, parse_opt_col, Store, StoreError};

/// Longest owner, linked-controls, note, evidence title or reference, in characters.
pub const MAX_RISK_TEXT_CHARS: usize = 2_000;
/// Most pieces of evidence one requirement keeps (older ones stay; this bounds a page).
pub const MAX_EVIDENCE_PER_REQUIREMENT: usize = 200;
/// Most days of posture history one read returns.
pub const MAX_HISTORY_DAYS: usize = 3_660;

/// One requirement's answer as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredAnswer {
    pub requirement_id: String,
    pub answer: Answer,
    pub owner: Option<String>,
    pub linked_controls: Option<String>,
    pub note: Option<String>,
    pub updated_at: Timestamp,
    pub updated_by: Option<UserId>,
}

/// One piece of evidence as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredEvidence {
    pub id: uuid::Uuid,
    pub requirement_id: String,
    pub title: String,
    pub reference: Option<String>,
    pub effective_on: Date,
    pub expires_on: Date,
    pub added_at: Timestamp,
    pub added_by: Option<UserId>,
}

/// An organisation's assessment of one framework.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    pub id: uuid::Uuid,
    pub org_id: OrgId,
    pub framework_id: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub answers: Vec<StoredAnswer>,
    pub evidence: Vec<StoredEvidence>,
}

impl Assessment {
    /// The answers with their evidence, as ward-risk's posture function takes them.
    pub fn requirement_answers(&self) -> Vec<RequirementAnswer> {
        let mut evidence: HashMap<&str, Vec<EvidencePeriod>> = HashMap::new();
        for e in &self.evidence {
            evidence.entry(e.requirement_id.as_str()).or_default().push(EvidencePeriod { effective_on: e.effective_on, expires_on: e.expires_on });
        }
        self.answers
            .iter()
            .map(|a| RequirementAnswer { requirement_id: a.requirement_id.clone(), answer: a.answer, evidence: evidence.remove(a.requirement_id.as_str()).unwrap_or_default() })
            .collect()
    }
}

/// A changed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerUpdate {
    pub requirement_id: String,
    pub answer: Answer,
    pub owner: Option<String>,
    pub linked_controls: Option<String>,
    pub note: Option<String>,
}

/// New evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    pub requirement_id: String,
    pub title: String,
    pub reference: Option<String>,
    pub effective_on: Date,
    pub expires_on: Date,
}

/// One day of a framework's posture history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PostureDay {
    pub framework_id: String,
    pub day: Date,
    pub inferred_from: Option<String>,
    pub score_percent: Option<f64>,
    pub counts: Counts,
    pub open_findings: u32,
}

/// An asset as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredAsset {
    pub id: uuid::Uuid,
    pub org_id: OrgId,
    pub asset: AssetDraft,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What an asset import did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AssetImportSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A KEV import run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KevImportRun {
    pub id: uuid::Uuid,
    pub imported_at: Timestamp,
    pub source_name: String,
    pub source_format: String,
    pub catalog_version: Option<String>,
    pub date_released: Option<String>,
    pub n_entries: u64,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub n_changed: u64,
}

/// A finding handed to [`Store::sync_findings`]: the matcher's result.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    pub asset_id: uuid::Uuid,
    pub cve_id: String,
    pub rule: MatchRule,
}

/// Finding states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    /// No longer matches (the asset or the catalogue changed).
    Resolved,
    /// The organisation recorded a mitigation.
    Mitigated,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Resolved => "resolved",
            FindingStatus::Mitigated => "mitigated",
        }
    }
}

impl std::str::FromStr for FindingStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(FindingStatus::Open),
            "resolved" => Ok(FindingStatus::Resolved),
            "mitigated" => Ok(FindingStatus::Mitigated),
            other => Err(format!("{other:?} is not a finding status")),
        }
    }
}

/// A finding with what the pages show of its asset and KEV entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub id: uuid::Uuid,
    pub asset_id: uuid::Uuid,
    pub asset_name: String,
    pub asset_version: Option<String>,
    pub criticality: Criticality,
    pub internet_facing: bool,
    pub cve_id: String,
    pub vulnerability_name: String,
    pub due_date: Date,
    pub known_ransomware: bool,
    pub rule: MatchRule,
    pub confidence: Confidence,
    pub status: FindingStatus,
    pub note: Option<String>,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

/// What [`Store::sync_findings`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FindingSync {
    pub opened: usize,
    pub reopened: usize,
    pub resolved: usize,
}

fn bounded(field: &'static str, v: &Option<String>) -> Result<(), StoreError> {
    match v {
        Some(s) if s.chars().count() > MAX_RISK_TEXT_CHARS => Err(StoreError::Invalid { field, reason: format!("longer than {MAX_RISK_TEXT_CHARS} characters") }),
        _ => Ok(()),
    }
}

fn day_col(row: &AnyRow, col: &str) -> Result<Date, StoreError> {
    parse_col(row, col)
}

fn int_col(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).or_else(|_| row.try_get::<i32, _>(col).map(i64::from)).map_err(StoreError::from)
}

fn ts_col(row: &AnyRow, col: &str) -> Result<Timestamp, StoreError> {
    from_db(&row.try_get::<String, _>(col)?)
}

fn opt_ts_col(row: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    row.try_get::<Option<String>, _>(col)?.as_deref().map(from_db).transpose()
}

const ASSET_COLUMNS: &str = "id, org_id, name, kind, manufacturer, product, version, cpe, network_segment, clinical_function, criticality, internet_facing, owner, rto_hours, rpo_hours, created_at, updated_at";

fn asset_from_row(row: &AnyRow) -> Result<StoredAsset, StoreError> {
    let cpe: Option<String> = row.try_get("cpe")?;
    let hours = |col: &str| -> Result<Option<u32>, StoreError> {
        let v: Option<i64> = row.try_get::<Option<i64>, _>(col).or_else(|_| row.try_get::<Option<i32>, _>(col).map(|v| v.map(i64::from)))?;
        Ok(v.map(|h| h as u32))
    };
    Ok(StoredAsset {
        id: parse_col(row, "id")?,
        org_id: parse_col(row, "org_id")?,
        asset: AssetDraft {
            name: row.try_get("name")?,
            kind: parse_col::<AssetKind>(row, "kind")?,
            manufacturer: row.try_get("manufacturer")?,
            product: row.try_get("product")?,
            version: row.try_get("version")?,
            cpe: cpe.as_deref().map(Cpe::parse).transpose().map_err(|e| StoreError::Corrupt(format!("risk_assets.cpe: {e}")))?,
            network_segment: row.try_get("network_segment")?,
            clinical_function: row.try_get("clinical_function")?,
            criticality: parse_col::<Criticality>(row, "criticality")?,
            internet_facing: int_col(row, "internet_facing")? != 0,
            owner: row.try_get("owner")?,
            rto_hours: hours("rto_hours")?,
            rpo_hours: hours("rpo_hours")?,
        },
        created_at: ts_col(row, "created_at")?,
        updated_at: ts_col(row, "updated_at")?,
    })
}

const KEV_COLUMNS: &str = "cve_id, vendor_project, product, vulnerability_name, date_added, short_description, required_action, due_date, known_ransomware, notes, cwes";

fn kev_from_row(row: &AnyRow) -> Result<KevEntry, StoreError> {
    let cwes: String = row.try_get("cwes")?;
    Ok(KevEntry {
        cve_id: row.try_get("cve_id")?,
        vendor_project: row.try_get("vendor_project")?,
        product: row.try_get("product")?,
        vulnerability_name: row.try_get("vulnerability_name")?,
        date_added: day_col(row, "date_added")?,
        short_description: row.try_get("short_description")?,
        required_action: row.try_get("required_action")?,
        due_date: day_col(row, "due_date")?,
        known_ransomware: int_col(row, "known_ransomware")? != 0,
        notes: row.try_get("notes")?,
        cwes: cwes.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
    })
}

fn asset_binds(sql: &mut Sql, a: &AssetDraft) -> Vec<String> {
    let opt = |v: &Option<String>| SqlValue::Text(v.clone());
    vec![
        sql.param(a.name.clone()),
        sql.param(a.name.to_lowercase()),
        sql.param(a.kind.as_str()),
        sql.bind(opt(&a.manufacturer)),
        sql.bind(opt(&a.product)),
        sql.bind(opt(&a.version)),
        sql.bind(SqlValue::Text(a.cpe.as_ref().map(|c| c.as_str().to_owned()))),
        sql.bind(opt(&a.network_segment)),
        sql.bind(opt(&a.clinical_function)),
        sql.param(a.criticality.as_str()),
        sql.bind(SqlValue::Int(Some(i64::from(a.internet_facing)))),
        sql.bind(opt(&a.owner)),
        sql.bind(SqlValue::Int(a.rto_hours.map(i64::from))),
        sql.bind(SqlValue::Int(a.rpo_hours.map(i64::from))),
    ]
}

impl Store {
    // ---- assessments -------------------------------------------------------------------

    /// An organisation's assessment of a framework, with every answer and piece of evidence.
    pub async fn risk_assessment(&self, org_id: OrgId, framework_id: &str) -> Result<Option<Assessment>, StoreError> {
        let row = sqlx::query("SELECT id, org_id, framework_id, created_at, updated_at FROM risk_assessments WHERE org_id = $1 AND framework_id = $2")
            .bind(org_id.to_string())
            .bind(framework_id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        self.assessment_from_row(&row).await.map(Some)
    }

    /// Every assessment of an organisation, by framework id.
    pub async fn risk_assessments(&self, org_id: OrgId) -> Result<Vec<Assessment>, StoreError> {
        let rows = sqlx::query("SELECT id, org_id, framework_id, created_at, updated_at FROM risk_assessments WHERE org_id = $1 ORDER BY framework_id")
            .bind(org_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.assessment_from_row(row).await?);
        }
        Ok(out)
    }

    async fn assessment_from_row(&self, row: &AnyRow) -> Result<Assessment, StoreError> {
        let id: uuid::Uuid = parse_col(row, "id")?;
        let answers = sqlx::query("SELECT requirement_id, answer, owner, linked_controls, note, updated_at, updated_by FROM risk_answers WHERE assessment_id = $1 ORDER BY requirement_id")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredAnswer {
                    requirement_id: r.try_get("requirement_id")?,
                    answer: parse_col(r, "answer")?,
                    owner: r.try_get("owner")?,
                    linked_controls: r.try_get("linked_controls")?,
                    note: r.try_get("note")?,
                    updated_at: ts_col(r, "updated_at")?,
                    updated_by: parse_opt_col(r, "updated_by")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let evidence = sqlx::query(
            "SELECT id, requirement_id, title, reference, effective_on, expires_on, added_at, added_by FROM risk_evidence WHERE assessment_id = $1 ORDER BY requirement_id, effective_on, added_at",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredEvidence {
                id: parse_col(r, "id")?,
                requirement_id: r.try_get("requirement_id")?,
                title: r.try_get("title")?,
                reference: r.try_get("reference")?,
                effective_on: day_col(r, "effective_on")?,
                expires_on: day_col(r, "expires_on")?,
                added_at: ts_col(r, "added_at")?,
                added_by: parse_opt_col(r, "added_by")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Assessment {
            id,
            org_id: parse_col(row, "org_id")?,
            framework_id: row.try_get("framework_id")?,
            created_at: ts_col(row, "created_at")?,
            updated_at: ts_col(row, "updated_at")?,
            answers,
            evidence,
        })
    }

    /// The assessment's id, creating the assessment on first use.
    async fn assessment_id(&self, tx: &mut sqlx::AnyConnection, org_id: OrgId, framework_id: &str, now: Timestamp) -> Result<String, StoreError> {
        let candidate = new_uuid().to_string();
        sqlx::query(
            "INSERT INTO risk_assessments (id, org_id, framework_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (org_id, framework_id) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(candidate)
        .bind(org_id.to_string())
        .bind(framework_id.to_owned())
        .bind(to_db(now))
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT id FROM risk_assessments WHERE org_id = $1 AND framework_id = $2")
            .bind(org_id.to_string())
            .bind(framework_id.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        Ok(row.try_get("id")?)
    }

    /// Saves answers (the caller has checked the requirement ids against the framework), in one
    /// transaction.
    pub async fn save_risk_answers(&self, org_id: OrgId, framework_id: &str, updates: &[AnswerUpdate], by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        for u in updates {
            bounded("owner", &u.owner)?;
            bounded("linked_controls", &u.linked_controls)?;
            bounded("note", &u.note)?;
        }
        let mut tx = self.pool.begin().await?;
        let id = self.assessment_id(&mut tx, org_id, framework_id, now).await?;
        for u in updates {
            sqlx::query(
                "INSERT INTO risk_answers (assessment_id, requirement_id, answer, owner, linked_controls, note, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (assessment_id, requirement_id) DO UPDATE SET answer = excluded.answer, owner = excluded.owner,
                   linked_controls = excluded.linked_controls, note = excluded.note, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(id.clone())
            .bind(u.requirement_id.clone())
            .bind(u.answer.as_str())
            .bind(u.owner.clone())
            .bind(u.linked_controls.clone())
            .bind(u.note.clone())
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a piece of evidence (append-only).
    pub async fn add_risk_evidence(&self, org_id: OrgId, framework_id: &str, evidence: &NewEvidence, by: Option<UserId>, now: Timestamp) -> Result<StoredEvidence, StoreError> {
        if evidence.title.trim().is_empty() {
            return Err(StoreError::Invalid { field: "title", reason: "must not be empty".into() });
        }
        bounded("title", &Some(evidence.title.clone()))?;
        bounded("reference", &evidence.reference)?;
        if evidence.expires_on <= evidence.effective_on {
            return Err(StoreError::Invalid { field: "expires_on", reason: "must be after the effective date".into() });
        }
        let mut tx = self.pool.begin().await?;
        let assessment = self.assessment_id(&mut tx, org_id, framework_id, now).await?;
        let n = int_col(
            &sqlx::query("SELECT COUNT(*) AS n FROM risk_evidence WHERE assessment_id = $1 AND requirement_id = $2")
                .bind(assessment.clone())
                .bind(evidence.requirement_id.clone())
                .fetch_one(&mut *tx)
                .await?,
            "n",
        )?;
        if n as usize >= MAX_EVIDENCE_PER_REQUIREMENT {
            return Err(StoreError::Invalid { field: "requirement_id", reason: format!("already has {MAX_EVIDENCE_PER_REQUIREMENT} pieces of evidence") });
        }
        let id = new_uuid();
        sqlx::query("INSERT INTO risk_evidence (id, assessment_id, requirement_id, title, reference, effective_on, expires_on, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id.to_string())
            .bind(assessment)
            .bind(evidence.requirement_id.clone())
            .bind(evidence.title.trim().to_owned())
            .bind(evidence.reference.clone())
            .bind(evidence.effective_on.to_string())
            .bind(evidence.expires_on.to_string())
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(StoredEvidence {
            id,
            requirement_id: evidence.requirement_id.clone(),
            title: evidence.title.trim().to_owned(),
            reference: evidence.reference.clone(),
            effective_on: evidence.effective_on,
            expires_on: evidence.expires_on,
            added_at: now,
            added_by: by,
        })
    }

    /// Records (or replaces) one day of a framework's posture.
    pub async fn record_posture_day(&self, org_id: OrgId, day: &PostureDay, now: Timestamp) -> Result<(), StoreError> {
        let c = day.counts;
        let mut sql = Sql::new(
            "INSERT INTO risk_posture_days (org_id, framework_id, day, inferred, inferred_from, score_percent, n_compliant, n_partial, n_non_compliant, n_stale, n_not_assessed, n_not_applicable, n_open_findings, recorded_at) VALUES (",
        );
        let vals = [
            sql.param(org_id.to_string()),
            sql.param(day.framework_id.clone()),
            sql.param(day.day.to_string()),
            sql.bind(SqlValue::Int(Some(i64::from(day.inferred_from.is_some())))),
            sql.bind(SqlValue::Text(day.inferred_from.clone())),
            sql.bind(SqlValue::Float(day.score_percent)),
            sql.bind(SqlValue::Int(Some(i64::from(c.compliant)))),
            sql.bind(SqlValue::Int(Some(i64::from(c.partial)))),
            sql.bind(SqlValue::Int(Some(i64::from(c.non_compliant)))),
            sql.bind(SqlValue::Int(Some(i64::from(c.stale)))),
            sql.bind(SqlValue::Int(Some(i64::from(c.not_assessed)))),
            sql.bind(SqlValue::Int(Some(i64::from(c.not_applicable)))),
            sql.bind(SqlValue::Int(Some(i64::from(day.open_findings)))),
            sql.param(to_db(now)),
        ];
        sql.push(&vals.join(", "));
        sql.push(
            ") ON CONFLICT (org_id, framework_id, day) DO UPDATE SET inferred = excluded.inferred, inferred_from = excluded.inferred_from, score_percent = excluded.score_percent,
               n_compliant = excluded.n_compliant, n_partial = excluded.n_partial, n_non_compliant = excluded.n_non_compliant, n_stale = excluded.n_stale,
               n_not_assessed = excluded.n_not_assessed, n_not_applicable = excluded.n_not_applicable, n_open_findings = excluded.n_open_findings, recorded_at = excluded.recorded_at",
        );
        sql.query().execute(&self.pool).await?;
        Ok(())
    }

    /// The posture history of an organisation since `from` (inclusive), by framework then day.
    pub async fn posture_history(&self, org_id: OrgId, from: Date) -> Result<BTreeMap<String, Vec<PostureDay>>, StoreError> {
        let rows = sqlx::query(
            "SELECT framework_id, day, inferred_from, score_percent, n_compliant, n_partial, n_non_compliant, n_stale, n_not_assessed, n_not_applicable, n_open_findings
             FROM risk_posture_days WHERE org_id = $1 AND day >= $2 ORDER BY framework_id, day",
        )
        .bind(org_id.to_string())
        .bind(from.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<String, Vec<PostureDay>> = BTreeMap::new();
        for r in rows.iter().take(MAX_HISTORY_DAYS * 16) {
            let n = |col: &str| int_col(r, col).map(|v| v as u32);
            let score: Option<f64> = r.try_get("score_percent")?;
            let day = PostureDay {
                framework_id: r.try_get("framework_id")?,
                day: day_col(r, "day")?,
                inferred_from: r.try_get("inferred_from")?,
                score_percent: score,
                counts: Counts {
                    compliant: n("n_compliant")?,
                    partial: n("n_partial")?,
                    non_compliant: n("n_non_compliant")?,
                    stale: n("n_stale")?,
                    not_assessed: n("n_not_assessed")?,
                    not_applicable: n("n_not_applicable")?,
                },
                open_findings: n("n_open_findings")?,
            };
            out.entry(day.framework_id.clone()).or_default().push(day);
        }
        Ok(out)
    }

    // ---- assets ------------------------------------------------------------------------

    /// Adds or updates (by name, case-insensitively) every asset, in one transaction.
    pub async fn upsert_assets(&self, org_id: OrgId, assets: &[AssetDraft], now: Timestamp) -> Result<AssetImportSummary, StoreError> {
        let existing: HashMap<String, StoredAsset> = self.list_assets(org_id).await?.into_iter().map(|a| (a.asset.name.to_lowercase(), a)).collect();
        let mut summary = AssetImportSummary::default();
        let mut tx = self.pool.begin().await?;
        for a in assets {
            match existing.get(&a.name.to_lowercase()) {
                Some(old) if &old.asset == a => summary.unchanged += 1,
                Some(old) => {
                    self.write_asset(&mut tx, Some(old.id), org_id, a, now).await?;
                    summary.updated += 1;
                }
                None => {
                    self.write_asset(&mut tx, None, org_id, a, now).await?;
                    summary.added += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn write_asset(&self, tx: &mut sqlx::AnyConnection, id: Option<uuid::Uuid>, org_id: OrgId, a: &AssetDraft, now: Timestamp) -> Result<uuid::Uuid, StoreError> {
        let mut sql;
        let asset_id = id.unwrap_or_else(new_uuid);
        match id {
            None => {
                sql = Sql::new("INSERT INTO risk_assets (id, org_id, name, name_key, kind, manufacturer, product, version, cpe, network_segment, clinical_function, criticality, internet_facing, owner, rto_hours, rpo_hours, created_at, updated_at) VALUES (");
                let id_p = sql.param(asset_id.to_string());
                let org_p = sql.param(org_id.to_string());
                let vals = asset_binds(&mut sql, a);
                let at = sql.param(to_db(now));
                sql.push(&format!("{id_p}, {org_p}, {}, {at}, {at})", vals.join(", ")));
            }
            Some(_) => {
                sql = Sql::new("UPDATE risk_assets SET ");
                let vals = asset_binds(&mut sql, a);
                let cols = ["name", "name_key", "kind", "manufacturer", "product", "version", "cpe", "network_segment", "clinical_function", "criticality", "internet_facing", "owner", "rto_hours", "rpo_hours"];
                let sets: Vec<String> = cols.iter().zip(&vals).map(|(c, v)| format!("{c} = {v}")).collect();
                let at = sql.param(to_db(now));
                let id_p = sql.param(asset_id.to_string());
                let org_p = sql.param(org_id.to_string());
                sql.push(&format!("{}, updated_at = {at} WHERE id = {id_p} AND org_id = {org_p}", sets.join(", ")));
            }
        }
        let done = sql.query().execute(&mut *tx).await.map_err(|e| StoreError::unique(e, "name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(asset_id)
    }

    /// Updates one asset of the organisation (`NotFound` if it belongs to another).
    pub async fn update_asset(&self, org_id: OrgId, id: uuid::Uuid, asset: &AssetDraft, now: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.write_asset(&mut tx, Some(id), org_id, asset, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds one asset (`Duplicate { field: "name" }` if the name is taken).
    pub async fn create_asset(&self, org_id: OrgId, asset: &AssetDraft, now: Timestamp) -> Result<uuid::Uuid, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = self.write_asset(&mut tx, None, org_id, asset, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every asset of an organisation, most critical first, then by name.
    pub async fn list_assets(&self, org_id: OrgId) -> Result<Vec<StoredAsset>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {ASSET_COLUMNS} FROM risk_assets WHERE org_id = $1 ORDER BY name_key")).bind(org_id.to_string()).fetch_all(&self.pool).await?;
        let mut assets = rows.iter().map(asset_from_row).collect::<Result<Vec<_>, _>>()?;
        assets.sort_by_key(|a| (a.asset.criticality.rank(), a.asset.name.to_lowercase()));
        Ok(assets)
    }

    /// One asset of an organisation.
    pub async fn get_asset(&self, org_id: OrgId, id: uuid::Uuid) -> Result<Option<StoredAsset>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ASSET_COLUMNS} FROM risk_assets WHERE id = $1 AND org_id = $2"))
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(asset_from_row).transpose()
    }

    // ---- KEV ---------------------------------------------------------------------------

    /// Imports a catalogue in one transaction: new entries are added, changed ones updated,
    /// entries missing from it marked removed (never deleted). Returns what changed against
    /// the catalogue as it was.
    pub async fn import_kev(&self, catalogue: &KevCatalogue, source_name: &str, now: Timestamp) -> Result<KevImportRun, StoreError> {
        let current: HashMap<String, KevEntry> = self.kev_entries().await?.into_iter().map(|e| (e.cve_id.clone(), e)).collect();
        let incoming: HashSet<&str> = catalogue.entries.iter().map(|e| e.cve_id.as_str()).collect();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for e in &catalogue.entries {
            match current.get(&e.cve_id) {
                None => added.push(e),
                Some(old) if old != e => changed.push(e),
                Some(_) => {}
            }
        }
        let mut removed: Vec<String> = current.keys().filter(|c| !incoming.contains(c.as_str())).cloned().collect();
        removed.sort();
        let run_id = new_uuid();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO kev_imports (id, imported_at, source_name, source_format, catalog_version, date_released, n_entries, n_added, n_removed, n_changed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(run_id.to_string())
        .bind(to_db(now))
        .bind(source_name.to_owned())
        .bind(catalogue.format.as_str())
        .bind(catalogue.catalog_version.clone())
        .bind(catalogue.date_released.clone())
        .bind(catalogue.entries.len() as i64)
        .bind(added.len() as i64)
        .bind(removed.len() as i64)
        .bind(changed.len() as i64)
        .execute(&mut *tx)
        .await?;
        // Entries that were removed earlier and come back are "changed" rows: clear the mark.
        for chunk in added.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new(&format!("INSERT INTO kev_entries ({KEV_COLUMNS}, added_import_id) VALUES "));
            let run = sql.param(run_id.to_string());
            for (n, e) in chunk.iter().enumerate() {
                let vals = kev_binds(&mut sql, e);
                sql.push(&format!("{}({}, {run})", if n == 0 { "" } else { ", " }, vals.join(", ")));
            }
            sql.query().execute(&mut *tx).await?;
        }
        for e in &changed {
            let mut sql = Sql::new("UPDATE kev_entries SET ");
            let vals = kev_binds(&mut sql, e);
            let cols: Vec<&str> = KEV_COLUMNS.split(", ").collect();
            let sets: Vec<String> = cols.iter().zip(&vals).skip(1).map(|(c, v)| format!("{c} = {v}")).collect();
            sql.push(&format!("{}, removed_import_id = NULL WHERE cve_id = {}", sets.join(", "), vals[0]));
            sql.query().execute(&mut *tx).await?;
        }
        for chunk in removed.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new("UPDATE kev_entries SET removed_import_id = ");
            let run = sql.param(run_id.to_string());
            sql.push(&run);
            sql.push(" WHERE cve_id IN ");
            sql.push_in_list(chunk);
            sql.query().execute(&mut *tx).await?;
        }
        // Entries marked removed earlier that reappear unchanged.
        let reappearing: Vec<&str> = catalogue.entries.iter().map(|e| e.cve_id.as_str()).collect();
        for chunk in reappearing.chunks(ROWS_PER_STATEMENT * 4) {
            let mut sql = Sql::new("UPDATE kev_entries SET removed_import_id = NULL WHERE removed_import_id IS NOT NULL AND cve_id IN ");
            sql.push_in_list(chunk);
            sql.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        let mut added: Vec<String> = added.iter().map(|e| e.cve_id.clone()).collect();
        added.sort();
        Ok(KevImportRun {
            id: run_id,
            imported_at: now,
            source_name: source_name.to_owned(),
            source_format: catalogue.format.as_str().to_owned(),
            catalog_version: catalogue.catalog_version.clone(),
            date_released: catalogue.date_released.clone(),
            n_entries: catalogue.entries.len() as u64,
            added,
            removed,
            n_changed: changed.len() as u64,
        })
    }

    /// The entries of the current catalogue (those not removed by a later import).
    pub async fn kev_entries(&self) -> Result<Vec<KevEntry>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {KEV_COLUMNS} FROM kev_entries WHERE removed_import_id IS NULL ORDER BY date_added DESC, cve_id")).fetch_all(&self.pool).await?;
        rows.iter().map(kev_from_row).collect()
    }

    /// The import runs, newest first, each with the CVE ids it added and removed.
    pub async fn kev_imports(&self, limit: u32) -> Result<Vec<KevImportRun>, StoreError> {
        let rows = sqlx::query("SELECT id, imported_at, source_name, source_format, catalog_version, date_released, n_entries, n_changed FROM kev_imports ORDER BY imported_at DESC, id DESC LIMIT $1")
            .bind(i64::from(limit.min(1000)))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: uuid::Uuid = parse_col(r, "id")?;
            let mut lists = Vec::with_capacity(2);
            for sql in ["SELECT cve_id FROM kev_entries WHERE added_import_id = $1 ORDER BY cve_id", "SELECT cve_id FROM kev_entries WHERE removed_import_id = $1 ORDER BY cve_id"] {
                let rows = sqlx::query(sql).bind(id.to_string()).fetch_all(&self.pool).await?;
                lists.push(rows.iter().map(|r| r.try_get::<String, _>("cve_id")).collect::<Result<Vec<_>, _>>()?);
            }
            let removed = lists.pop().unwrap_or_default();
            let added = lists.pop().unwrap_or_default();
            out.push(KevImportRun {
                id,
                imported_at: ts_col(r, "imported_at")?,
                source_name: r.try_get("source_name")?,
                source_format: r.try_get("source_format")?,
                catalog_version: r.try_get("catalog_version")?,
                date_released: r.try_get("date_released")?,
                n_entries: int_col(r, "n_entries")? as u64,
                added,
                removed,
                n_changed: int_col(r, "n_changed")? as u64,
            });
        }
        Ok(out)
    }

    // ---- findings ----------------------------------------------------------------------

    /// Brings an organisation's findings in line with the matcher's result, in one transaction:
    /// new matches open a finding, a match whose finding was resolved reopens it, open findings
    /// no longer matched are resolved. Mitigated findings stay mitigated.
    pub async fn sync_findings(&self, org_id: OrgId, matches: &[NewFinding], now: Timestamp) -> Result<FindingSync, StoreError> {
        let rows = sqlx::query("SELECT f.id, f.asset_id, f.cve_id, f.status FROM risk_findings f WHERE f.org_id = $1").bind(org_id.to_string()).fetch_all(&self.pool).await?;
        let mut existing: HashMap<(String, String), (String, FindingStatus)> = HashMap::new();
        for r in &rows {
            existing.insert((r.try_get("asset_id")?, r.try_get("cve_id")?), (r.try_get("id")?, parse_col(r, "status")?));
        }
        let mut summary = FindingSync::default();
        let mut wanted = HashSet::new();
        let at = to_db(now);
        let mut tx = self.pool.begin().await?;
        for m in matches {
            let key = (m.asset_id.to_string(), m.cve_id.clone());
            wanted.insert(key.clone());
            match existing.get(&key) {
                None => {
                    sqlx::query("INSERT INTO risk_findings (id, org_id, asset_id, cve_id, match_rule, confidence, status, opened_at) SELECT $1, $2, $3, $4, $5, $6, 'open', $7 FROM risk_assets WHERE id = $3 AND org_id = $2")
                        .bind(new_uuid().to_string())
                        .bind(org_id.to_string())
                        .bind(key.0.clone())
                        .bind(m.cve_id.clone())
                        .bind(m.rule.as_str())
                        .bind(m.rule.confidence().as_str())
                        .bind(at.clone())
                        .execute(&mut *tx)
                        .await?;
                    summary.opened += 1;
                }
                Some((id, FindingStatus::Resolved)) => {
                    sqlx::query("UPDATE risk_findings SET status = 'open', match_rule = $1, confidence = $2, closed_at = NULL, closed_by = NULL, note = NULL WHERE id = $3")
                        .bind(m.rule.as_str())
                        .bind(m.rule.confidence().as_str())
                        .bind(id.clone())
                        .execute(&mut *tx)
                        .await?;
                    summary.reopened += 1;
                }
                Some((id, FindingStatus::Open)) => {
                    sqlx::query("UPDATE risk_findings SET match_rule = $1, confidence = $2 WHERE id = $3").bind(m.rule.as_str()).bind(m.rule.confidence().as_str()).bind(id.clone()).execute(&mut *tx).await?;
                }
                Some((_, FindingStatus::Mitigated)) => {}
            }
        }
        for (key, (id, status)) in &existing {
            if *status == FindingStatus::Open && !wanted.contains(key) {
                sqlx::query("UPDATE risk_findings SET status = 'resolved', closed_at = $1, note = $2 WHERE id = $3")
                    .bind(at.clone())
                    .bind("no longer matches the asset inventory and the current KEV catalogue")
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
                summary.resolved += 1;
            }
        }
        tx.commit().await?;
        Ok(summary)
    }

    /// Records that an open finding was mitigated (`NotFound` unless it is open and the
    /// organisation's).
    pub async fn mitigate_finding(&self, org_id: OrgId, id: uuid::Uuid, note: &str, by: Option<UserId>, now: Timestamp) -> Result<(), StoreError> {
        if note.trim().is_empty() {
            return Err(StoreError::Invalid { field: "note", reason: "say how the finding was mitigated".into() });
        }
        bounded("note", &Some(note.to_owned()))?;
        let done = sqlx::query("UPDATE risk_findings SET status = 'mitigated', note = $1, closed_at = $2, closed_by = $3 WHERE id = $4 AND org_id = $5 AND status = 'open'")
            .bind(note.trim().to_owned())
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// An organisation's findings (open ones only unless `include_closed`), most urgent first:
    /// known ransomware use and internet-facing assets first, then criticality, then due date.
    pub async fn list_findings(&self, org_id: OrgId, include_closed: bool) -> Result<Vec<Finding>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT f.id, f.asset_id, a.name, a.version, a.criticality, a.internet_facing, f.cve_id, k.vulnerability_name, k.due_date, k.known_ransomware,
                    f.match_rule, f.confidence, f.status, f.note, f.opened_at, f.closed_at
             FROM risk_findings f JOIN risk_assets a ON a.id = f.asset_id JOIN kev_entries k ON k.cve_id = f.cve_id
             WHERE f.org_id = $1 {}",
            if include_closed { "" } else { "AND f.status = 'open'" }
        ))
        .bind(org_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(Finding {
                    id: parse_col(r, "id")?,
                    asset_id: parse_col(r, "asset_id")?,
                    asset_name: r.try_get("name")?,
                    asset_version: r.try_get("version")?,
                    criticality: parse_col(r, "criticality")?,
                    internet_facing: int_col(r, "internet_facing")? != 0,
                    cve_id: r.try_get("cve_id")?,
                    vulnerability_name: r.try_get("vulnerability_name")?,
                    due_date: day_col(r, "due_date")?,
                    known_ransomware: int_col(r, "known_ransomware")? != 0,
                    rule: parse_col(r, "match_rule")?,
                    confidence: parse_col(r, "confidence")?,
                    status: parse_col(r, "status")?,
                    note: r.try_get("note")?,
                    opened_at: ts_col(r, "opened_at")?,
                    closed_at: opt_ts_col(r, "closed_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| {
            (!a.known_ransomware, !a.internet_facing, a.criticality.rank(), a.due_date, &a.asset_name, &a.cve_id)
                .cmp(&(!b.known_ransomware, !b.internet_facing, b.criticality.rank(), b.due_date, &b.asset_name, &b.cve_id))
        });
        Ok(out)
    }

    /// Organisations that have assets or assessments (for recomputations after a KEV import).
    pub async fn orgs_with_risk_data(&self) -> Result<Vec<OrgId>, StoreError> {
        let rows = sqlx::query("SELECT org_id FROM risk_assets UNION SELECT org_id FROM risk_assessments").fetch_all(&self.pool).await?;
        let mut ids = rows.iter().map(|r| parse_col(r, "org_id")).collect::<Result<Vec<OrgId>, _>>()?;
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}

fn kev_binds(sql: &mut Sql, e: &KevEntry) -> Vec<String> {
    vec![
        sql.param(e.cve_id.clone()),
        sql.param(e.vendor_project.clone()),
        sql.param(e.product.clone()),
        sql.param(e.vulnerability_name.clone()),
        sql.param(e.date_added.to_string()),
        sql.param(e.short_description.clone()),
        sql.param(e.required_action.clone()),
        sql.param(e.due_date.to_string()),
        sql.bind(SqlValue::Int(Some(i64::from(e.known_ransomware)))),
        sql.param(e.notes.clone()),
        sql.param(e.cwes.join(",")),
    ]
}
