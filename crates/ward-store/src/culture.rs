//! Culture of resilience: suspicious-activity reports, their attachments and triage, the
//! response team, escalation events, outgoing notifications with every delivery attempt, and
//! lesson completions (migration `0010_culture.sql`).
//!
//! Every read and write of reports names the organisation it is for (`None` only for the local
//! operator and the escalation ticker); the web layer asks `policy::decide` before calling.
//! A report with its attachment and first notifications is written in one transaction; an
//! escalation level is recorded once (primary key), with its notifications, in one transaction,
//! so replicas racing on the same report notify once. Triage transitions carry the report's
//! version in the `WHERE` clause: of two racing decisions exactly one wins.

use std::collections::BTreeMap;

use base64::Engine as _;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;
use ward_core::{IncidentId, OrgId, UserId};
use ward_culture::eml::EmailSummary;
use ward_culture::metrics::{department_key, CompletionFact, ReportFact};
use ward_culture::report::{Attachment, AttachmentKind};
use ward_culture::{Category, OccurredHint, ReportStatus, TriageConfig};

use crate::time::{from_db, to_db};
use crate::{new_uuid, parse_col, parse_opt_col, Store, StoreError};

/// Default minutes between escalation levels.
pub const DEFAULT_ESCALATION_INTERVAL_MINUTES: i64 = 15;
/// Most rows a list of reports or notifications returns.
pub const MAX_CULTURE_ROWS: i64 = 500;
/// Longest error text kept per delivery attempt.
pub const MAX_DELIVERY_ERROR_CHARS: usize = 500;

/// An organisation's culture settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CultureSettings {
    pub link_token: Option<String>,
    pub link_enabled: bool,
    pub escalation_interval_minutes: i64,
}

/// A member of the response team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TeamMember {
    pub id: String,
    pub org_id: OrgId,
    pub name: String,
    pub email: String,
    /// `it`, `clinical`, `facilities`, `communications`, `data_protection`, `management`.
    pub function: String,
    pub on_call: bool,
    pub escalation_level: u32,
}

/// The functions a team member may have.
pub const TEAM_FUNCTIONS: [&str; 6] = ["it", "clinical", "facilities", "communications", "data_protection", "management"];

/// A new report, checked by ward-culture.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub org_id: OrgId,
    pub category: Category,
    pub department: String,
    pub occurred: OccurredHint,
    pub description: String,
    /// `link` (account-less organisation link) or `signed_in`.
    pub via: &'static str,
    pub reporter: Option<UserId>,
    pub attachment: Option<Attachment>,
    pub email_summary: Option<EmailSummary>,
    pub config: TriageConfig,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredReport {
    pub id: String,
    pub org_id: OrgId,
    pub reference: String,
    pub category: Category,
    pub department: String,
    pub occurred: OccurredHint,
    pub description: String,
    pub via: String,
    pub reporter: Option<UserId>,
    pub status: ReportStatus,
    pub received_at: Timestamp,
    pub ack_due_at: Timestamp,
    pub decide_due_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub dismiss_reason: Option<String>,
    pub merged_into: Option<String>,
    pub incident_id: Option<IncidentId>,
    pub escalation_level: u32,
    pub email_summary: Option<EmailSummary>,
    pub version: i64,
}

/// An attachment's description (the bytes are read separately, for download only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentInfo {
    pub id: String,
    pub report_id: String,
    pub file_name: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// How a report is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportDecision {
    Dismiss { reason: String },
    Merge { into_report: String },
    Incident { incident: IncidentId },
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// `new_report`, `escalation`.
    pub event: String,
    /// `email`, `webhook` or `web`.
    pub channel: String,
    /// An e-mail address, the webhook URL's host, or `web`.
    pub recipient: String,
    pub body: serde_json::Value,
}

/// A stored notification with its delivery state.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredNotification {
    pub id: String,
    pub org_id: OrgId,
    pub report_id: String,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub body: serde_json::Value,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryAttempt {
    pub attempt: u32,
    pub attempted_at: Timestamp,
    pub outcome: String,
    pub error: Option<String>,
}

/// An escalation recorded on a report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Escalation {
    pub report_id: String,
    pub level: u32,
    pub escalated_at: Timestamp,
    pub recipients: String,
}

const REPORT_COLUMNS: &str = "id, org_id, reference, category, department, occurred, description, via, reporter_id, status, received_at, ack_due_at, decide_due_at, acknowledged_at, decided_at, dismiss_reason, merged_into, incident_id, escalation_level, email_summary, version";
const NOTIFICATION_COLUMNS: &str = "id, org_id, report_id, event, channel, recipient, body, status, attempts, next_attempt_at, last_error, created_at, delivered_at";

fn opt_ts(row: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    row.try_get::<Option<String>, _>(col)?.map(|s| from_db(&s)).transpose()
}

fn report_from_row(row: &AnyRow) -> Result<StoredReport, StoreError> {
    let summary: Option<String> = row.try_get("email_summary")?;
    Ok(StoredReport {
        id: row.try_get("id")?,
        org_id: parse_col(row, "org_id")?,
        reference: row.try_get("reference")?,
        category: parse_col(row, "category")?,
        department: row.try_get("department")?,
        occurred: parse_col(row, "occurred")?,
        description: row.try_get("description")?,
        via: row.try_get("via")?,
        reporter: parse_opt_col(row, "reporter_id")?,
        status: parse_col(row, "status")?,
        received_at: from_db(&row.try_get::<String, _>("received_at")?)?,
        ack_due_at: from_db(&row.try_get::<String, _>("ack_due_at")?)?,
        decide_due_at: from_db(&row.try_get::<String, _>("decide_due_at")?)?,
        acknowledged_at: opt_ts(row, "acknowledged_at")?,
        decided_at: opt_ts(row, "decided_at")?,
        dismiss_reason: row.try_get("dismiss_reason")?,
        merged_into: row.try_get("merged_into")?,
        incident_id: parse_opt_col(row, "incident_id")?,
        escalation_level: row.try_get::<i64, _>("escalation_level")? as u32,
        email_summary: summary.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("email_summary: {e}")))).transpose()?,
        version: row.try_get("version")?,
    })
}

fn notification_from_row(row: &AnyRow) -> Result<StoredNotification, StoreError> {
    let body: String = row.try_get("body")?;
    Ok(StoredNotification {
        id: row.try_get("id")?,
        org_id: parse_col(row, "org_id")?,
        report_id: row.try_get("report_id")?,
        event: row.try_get("event")?,
        channel: row.try_get("channel")?,
        recipient: row.try_get("recipient")?,
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("notification body: {e}")))?,
        status: row.try_get("status")?,
        attempts: row.try_get::<i64, _>("attempts")? as u32,
        next_attempt_at: opt_ts(row, "next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: from_db(&row.try_get::<String, _>("created_at")?)?,
        delivered_at: opt_ts(row, "delivered_at")?,
    })
}

/// A reference number a person can read out on the phone: `R-` and 12 characters of
/// Crockford's base32 (no I, L, O, U), 60 random bits, so it cannot be guessed.
fn new_reference() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bits = u128::from_le_bytes(*uuid::Uuid::new_v4().as_bytes());
    let chars: Vec<char> = (0..12).map(|i| ALPHABET[((bits >> (i * 5 + 8)) & 31) as usize] as char).collect();
    format!("R-{}-{}-{}", chars[0..4].iter().collect::<String>(), chars[4..8].iter().collect::<String>(), chars[8..12].iter().collect::<String>())
}

/// Normalises a typed reference (case, spaces, missing dashes) to the stored form.
pub fn normalise_reference(text: &str) -> Option<String> {
    let compact: String = text.trim().to_ascii_uppercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let body = compact.strip_prefix('R').filter(|b| b.len() == 12)?;
    Some(format!("R-{}-{}-{}", &body[0..4], &body[4..8], &body[8..12]))
}

impl Store {
    // ---- settings, team, departments, timers ----

    pub async fn culture_settings(&self, org: OrgId) -> Result<CultureSettings, StoreError> {
        let row = sqlx::query("SELECT link_token, link_enabled, escalation_interval_minutes FROM culture_settings WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => CultureSettings {
                link_token: r.try_get("link_token")?,
                link_enabled: r.try_get::<i32, _>("link_enabled")? != 0,
                escalation_interval_minutes: r.try_get("escalation_interval_minutes")?,
            },
            None => CultureSettings { link_token: None, link_enabled: false, escalation_interval_minutes: DEFAULT_ESCALATION_INTERVAL_MINUTES },
        })
    }

    pub async fn save_culture_settings(&self, org: OrgId, settings: &CultureSettings, now: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM culture_settings WHERE org_id = $1").bind(org.to_string()).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO culture_settings (org_id, link_token, link_enabled, escalation_interval_minutes, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(org.to_string())
            .bind(settings.link_token.clone())
            .bind(i32::from(settings.link_enabled))
            .bind(settings.escalation_interval_minutes)
            .bind(to_db(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "link_token"))?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation an enabled report link belongs to.
    pub async fn org_for_report_link(&self, token: &str) -> Result<Option<OrgId>, StoreError> {
        let row = sqlx::query("SELECT org_id FROM culture_settings WHERE link_token = $1 AND link_enabled = 1").bind(token.to_owned()).fetch_optional(&self.pool).await?;
        row.map(|r| parse_col(&r, "org_id")).transpose()
    }

    /// Timers per category: stored rows over the defaults.
    pub async fn triage_configs(&self, org: OrgId) -> Result<BTreeMap<Category, TriageConfig>, StoreError> {
        let mut out: BTreeMap<Category, TriageConfig> = Category::ALL.into_iter().map(|c| (c, TriageConfig::default_for(c))).collect();
        let rows = sqlx::query("SELECT category, ack_minutes, decide_minutes FROM culture_triage_config WHERE org_id = $1").bind(org.to_string()).fetch_all(&self.pool).await?;
        for r in rows {
            out.insert(parse_col(&r, "category")?, TriageConfig { ack_minutes: r.try_get("ack_minutes")?, decide_minutes: r.try_get("decide_minutes")? });
        }
        Ok(out)
    }

    pub async fn set_triage_config(&self, org: OrgId, category: Category, config: TriageConfig) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM culture_triage_config WHERE org_id = $1 AND category = $2").bind(org.to_string()).bind(category.as_str()).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO culture_triage_config (org_id, category, ack_minutes, decide_minutes) VALUES ($1, $2, $3, $4)")
            .bind(org.to_string())
            .bind(category.as_str())
            .bind(config.ack_minutes)
            .bind(config.decide_minutes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_department(&self, org: OrgId, name: &str, staff_count: u32) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let key = department_key(name);
        sqlx::query("DELETE FROM culture_departments WHERE org_id = $1 AND name_key = $2").bind(org.to_string()).bind(key.clone()).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO culture_departments (org_id, name_key, name, staff_count) VALUES ($1, $2, $3, $4)")
            .bind(org.to_string())
            .bind(key)
            .bind(name.trim().to_owned())
            .bind(i64::from(staff_count))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn departments(&self, org: OrgId) -> Result<Vec<(String, u32)>, StoreError> {
        let rows = sqlx::query("SELECT name, staff_count FROM culture_departments WHERE org_id = $1 ORDER BY name_key").bind(org.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get::<i64, _>("staff_count")? as u32))).collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_team_member(&self, org: OrgId, name: &str, email: &str, function: &str, on_call: bool, escalation_level: u32, now: Timestamp) -> Result<TeamMember, StoreError> {
        let id = new_uuid().to_string();
        sqlx::query("INSERT INTO culture_team (id, org_id, name, email, team_function, on_call, escalation_level, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id.clone())
            .bind(org.to_string())
            .bind(name.to_owned())
            .bind(email.to_owned())
            .bind(function.to_owned())
            .bind(i32::from(on_call))
            .bind(i64::from(escalation_level))
            .bind(to_db(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::unique(e, "email"))?;
        Ok(TeamMember { id, org_id: org, name: name.to_owned(), email: email.to_owned(), function: function.to_owned(), on_call, escalation_level })
    }

    pub async fn set_on_call(&self, org: OrgId, member: &str, on_call: bool) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE culture_team SET on_call = $1 WHERE org_id = $2 AND id = $3").bind(i32::from(on_call)).bind(org.to_string()).bind(member.to_owned()).execute(&self.pool).await?;
        if n.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn team(&self, org: OrgId) -> Result<Vec<TeamMember>, StoreError> {
        let rows = sqlx::query("SELECT id, org_id, name, email, team_function, on_call, escalation_level FROM culture_team WHERE org_id = $1 ORDER BY escalation_level, name")
            .bind(org.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TeamMember {
                    id: r.try_get("id")?,
                    org_id: parse_col(r, "org_id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    function: r.try_get("team_function")?,
                    on_call: r.try_get::<i32, _>("on_call")? != 0,
                    escalation_level: r.try_get::<i64, _>("escalation_level")? as u32,
                })
            })
            .collect()
    }

    // ---- reports ----

    /// Stores a report, its attachment and its first notifications (built by `notify` from the
    /// report as stored, reference included) in one transaction.
    pub async fn create_report(&self, new: &NewReport, notify: impl FnOnce(&StoredReport) -> Vec<NewNotification>, now: Timestamp) -> Result<StoredReport, StoreError> {
        let id = new_uuid().to_string();
        let ack_due = now + jiff::SignedDuration::from_mins(new.config.ack_minutes);
        let decide_due = now + jiff::SignedDuration::from_mins(new.config.decide_minutes);
        let summary = new.email_summary.as_ref().map(|s| serde_json::to_string(s).unwrap_or_default());
        let mut tx = self.pool.begin().await?;
        let mut reference = new_reference();
        for attempt in 0.. {
            let taken = sqlx::query("SELECT id FROM culture_reports WHERE reference = $1").bind(reference.clone()).fetch_optional(&mut *tx).await?.is_some();
            if !taken || attempt > 5 {
                break;
            }
            reference = new_reference();
        }
        sqlx::query(
            "INSERT INTO culture_reports (id, org_id, reference, category, department, occurred, description, via, reporter_id, status, received_at, ack_due_at, decide_due_at, escalation_level, email_summary, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'new', $10, $11, $12, 0, $13, 1)",
        )
        .bind(id.clone())
        .bind(new.org_id.to_string())
        .bind(reference.clone())
        .bind(new.category.as_str())
        .bind(new.department.clone())
        .bind(new.occurred.as_str())
        .bind(new.description.clone())
        .bind(new.via)
        .bind(new.reporter.map(|u| u.to_string()))
        .bind(to_db(now))
        .bind(to_db(ack_due))
        .bind(to_db(decide_due))
        .bind(summary)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "reference"))?;
        if let Some(a) = &new.attachment {
            let sha: String = <sha2::Sha256 as sha2::Digest>::digest(&a.bytes).iter().map(|b| format!("{b:02x}")).collect();
            sqlx::query("INSERT INTO culture_attachments (id, report_id, file_name, kind, size_bytes, sha256, content_b64) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(new_uuid().to_string())
                .bind(id.clone())
                .bind(a.file_name.clone())
                .bind(a.kind.as_str())
                .bind(a.bytes.len() as i64)
                .bind(sha)
                .bind(base64::engine::general_purpose::STANDARD.encode(&a.bytes))
                .execute(&mut *tx)
                .await?;
        }
        let stored = StoredReport {
            id: id.clone(),
            org_id: new.org_id,
            reference,
            category: new.category,
            department: new.department.clone(),
            occurred: new.occurred,
            description: new.description.clone(),
            via: new.via.to_owned(),
            reporter: new.reporter,
            status: ReportStatus::New,
            received_at: from_db(&to_db(now))?,
            ack_due_at: from_db(&to_db(ack_due))?,
            decide_due_at: from_db(&to_db(decide_due))?,
            acknowledged_at: None,
            decided_at: None,
            dismiss_reason: None,
            merged_into: None,
            incident_id: None,
            escalation_level: 0,
            email_summary: new.email_summary.clone(),
            version: 1,
        };
        insert_notifications(&mut tx, new.org_id, &id, &notify(&stored), now).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One report of `org` (`None`: any organisation, for the operator and the ticker).
    pub async fn get_report(&self, id: &str, org: Option<OrgId>) -> Result<StoredReport, StoreError> {
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM culture_reports WHERE id = $1")).bind(id.to_owned()).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        let r = report_from_row(&row)?;
        if org.is_some_and(|o| o != r.org_id) {
            return Err(StoreError::NotFound);
        }
        Ok(r)
    }

    /// A report by its reference number (what its reporter holds).
    pub async fn report_by_reference(&self, reference: &str) -> Result<StoredReport, StoreError> {
        let reference = normalise_reference(reference).ok_or(StoreError::NotFound)?;
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM culture_reports WHERE reference = $1")).bind(reference).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        report_from_row(&row)
    }

    /// Reports of `org` (`None`: every organisation), open ones first (oldest first), then the
    /// most recently decided.
    pub async fn list_reports(&self, org: Option<OrgId>, open_only: bool) -> Result<Vec<StoredReport>, StoreError> {
        let mut sql = format!("SELECT {REPORT_COLUMNS} FROM culture_reports WHERE 1 = 1");
        if org.is_some() {
            sql.push_str(" AND org_id = $1");
        }
        if open_only {
            sql.push_str(" AND status IN ('new', 'acknowledged')");
        }
        sql.push_str(&format!(" ORDER BY CASE WHEN status IN ('new', 'acknowledged') THEN 0 ELSE 1 END, received_at LIMIT {MAX_CULTURE_ROWS}"));
        let mut q = sqlx::query(&sql);
        if let Some(o) = org {
            q = q.bind(o.to_string());
        }
        q.fetch_all(&self.pool).await?.iter().map(report_from_row).collect()
    }

    /// The reports a signed-in person sent (newest first): their own view of what happened.
    pub async fn reports_by_reporter(&self, user: UserId) -> Result<Vec<StoredReport>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM culture_reports WHERE reporter_id = $1 ORDER BY received_at DESC LIMIT 50")).bind(user.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(report_from_row).collect()
    }

    /// Acknowledges a new report. `Conflict` when it is no longer new or `version` is stale.
    pub async fn acknowledge_report(&self, id: &str, org: OrgId, version: i64, by: Option<UserId>, now: Timestamp) -> Result<StoredReport, StoreError> {
        let n = sqlx::query("UPDATE culture_reports SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, version = version + 1 WHERE id = $3 AND org_id = $4 AND version = $5 AND status = 'new'")
            .bind(to_db(now))
            .bind(by.map(|u| u.to_string()))
            .bind(id.to_owned())
            .bind(org.to_string())
            .bind(version)
            .execute(&self.pool)
            .await?;
        self.after_transition(id, org, n.rows_affected()).await
    }

    /// Decides an open report: dismissed with a reason, merged into another open or decided
    /// report of the same organisation, or turned into an incident.
    pub async fn decide_report(&self, id: &str, org: OrgId, version: i64, decision: &ReportDecision, by: Option<UserId>, now: Timestamp) -> Result<StoredReport, StoreError> {
        let (status, reason, merged, incident) = match decision {
            ReportDecision::Dismiss { reason } => ("dismissed", Some(reason.clone()), None, None),
            ReportDecision::Merge { into_report } => {
                let target = self.get_report(into_report, Some(org)).await?;
                if target.id == id || target.merged_into.as_deref() == Some(id) {
                    return Err(StoreError::Corrupt("a report cannot be merged into itself".into()));
                }
                ("merged", None, Some(target.id), None)
            }
            ReportDecision::Incident { incident } => ("incident", None, None, Some(incident.to_string())),
        };
        let n = sqlx::query(
            "UPDATE culture_reports SET status = $1, decided_at = $2, decided_by = $3, dismiss_reason = $4, merged_into = $5, incident_id = $6, \
             acknowledged_at = COALESCE(acknowledged_at, $2), acknowledged_by = COALESCE(acknowledged_by, $3), version = version + 1 \
             WHERE id = $7 AND org_id = $8 AND version = $9 AND status IN ('new', 'acknowledged')",
        )
        .bind(status)
        .bind(to_db(now))
        .bind(by.map(|u| u.to_string()))
        .bind(reason)
        .bind(merged)
        .bind(incident)
        .bind(id.to_owned())
        .bind(org.to_string())
        .bind(version)
        .execute(&self.pool)
        .await?;
        self.after_transition(id, org, n.rows_affected()).await
    }

    async fn after_transition(&self, id: &str, org: OrgId, affected: u64) -> Result<StoredReport, StoreError> {
        let current = self.get_report(id, Some(org)).await?;
        if affected == 0 {
            return Err(StoreError::Conflict { current: current.version });
        }
        Ok(current)
    }

    pub async fn report_attachments(&self, report_id: &str) -> Result<Vec<AttachmentInfo>, StoreError> {
        let rows = sqlx::query("SELECT id, report_id, file_name, kind, size_bytes, sha256 FROM culture_attachments WHERE report_id = $1 ORDER BY id").bind(report_id.to_owned()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentInfo { id: r.try_get("id")?, report_id: r.try_get("report_id")?, file_name: r.try_get("file_name")?, kind: r.try_get("kind")?, size_bytes: r.try_get("size_bytes")?, sha256: r.try_get("sha256")? })
            })
            .collect()
    }

    /// An attachment's bytes, only through its report (whose organisation the caller checked).
    pub async fn attachment_bytes(&self, report_id: &str, attachment_id: &str) -> Result<(AttachmentInfo, AttachmentKind, Vec<u8>), StoreError> {
        let r = sqlx::query("SELECT id, report_id, file_name, kind, size_bytes, sha256, content_b64 FROM culture_attachments WHERE report_id = $1 AND id = $2")
            .bind(report_id.to_owned())
            .bind(attachment_id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let info = AttachmentInfo { id: r.try_get("id")?, report_id: r.try_get("report_id")?, file_name: r.try_get("file_name")?, kind: r.try_get("kind")?, size_bytes: r.try_get("size_bytes")?, sha256: r.try_get("sha256")? };
        let kind: AttachmentKind = info.kind.parse().map_err(StoreError::Corrupt)?;
        let b64: String = r.try_get("content_b64")?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| StoreError::Corrupt(format!("attachment: {e}")))?;
        Ok((info, kind, bytes))
    }

    // ---- escalation ----

    /// Records that `report` reached `level`, with its notifications, once: `Ok(false)` when
    /// the level was already recorded (by this or another replica).
    pub async fn record_escalation(&self, report: &StoredReport, level: u32, recipients: &str, notifications: &[NewNotification], now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT level FROM culture_escalations WHERE report_id = $1 AND level = $2").bind(report.id.clone()).bind(i64::from(level)).fetch_optional(&mut *tx).await?.is_some();
        if exists {
            return Ok(false);
        }
        let inserted = sqlx::query("INSERT INTO culture_escalations (report_id, level, escalated_at, recipients) VALUES ($1, $2, $3, $4)")
            .bind(report.id.clone())
            .bind(i64::from(level))
            .bind(to_db(now))
            .bind(recipients.to_owned())
            .execute(&mut *tx)
            .await;
        if let Err(e) = inserted {
            return match StoreError::unique(e, "level") {
                StoreError::Duplicate { .. } => Ok(false),
                other => Err(other),
            };
        }
        sqlx::query("UPDATE culture_reports SET escalation_level = $1 WHERE id = $2 AND escalation_level < $1").bind(i64::from(level)).bind(report.id.clone()).execute(&mut *tx).await?;
        insert_notifications(&mut tx, report.org_id, &report.id, notifications, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn escalations(&self, report_id: &str) -> Result<Vec<Escalation>, StoreError> {
        let rows = sqlx::query("SELECT report_id, level, escalated_at, recipients FROM culture_escalations WHERE report_id = $1 ORDER BY level").bind(report_id.to_owned()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(Escalation { report_id: r.try_get("report_id")?, level: r.try_get::<i64, _>("level")? as u32, escalated_at: from_db(&r.try_get::<String, _>("escalated_at")?)?, recipients: r.try_get("recipients")? }))
            .collect()
    }

    // ---- notifications ----

    /// Pending notifications due at `now` (oldest first, at most `limit`).
    pub async fn due_notifications(&self, now: Timestamp, limit: i64) -> Result<Vec<StoredNotification>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {NOTIFICATION_COLUMNS} FROM culture_notifications WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT {}", limit.clamp(1, MAX_CULTURE_ROWS)))
            .bind(to_db(now))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// Takes a due notification for delivery until `lease_until`, so another replica does not
    /// send it at the same time. `false` when someone else took it first.
    pub async fn claim_notification(&self, n: &StoredNotification, lease_until: Timestamp) -> Result<bool, StoreError> {
        let Some(expected) = n.next_attempt_at else { return Ok(false) };
        let r = sqlx::query("UPDATE culture_notifications SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3")
            .bind(to_db(lease_until))
            .bind(n.id.clone())
            .bind(to_db(expected))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records one delivery attempt: delivered, or failed with the error and either the next
    /// attempt's time or (`None`) the end of retries.
    pub async fn record_delivery(&self, id: &str, outcome: Result<(), &str>, next_attempt_at: Option<Timestamp>, now: Timestamp) -> Result<StoredNotification, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!("SELECT {NOTIFICATION_COLUMNS} FROM culture_notifications WHERE id = $1")).bind(id.to_owned()).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let current = notification_from_row(&row)?;
        let attempt = i64::from(current.attempts) + 1;
        let error = outcome.err().map(|e| e.chars().take(MAX_DELIVERY_ERROR_CHARS).collect::<String>());
        sqlx::query("INSERT INTO culture_delivery_attempts (notification_id, attempt, attempted_at, outcome, error) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.to_owned())
            .bind(attempt)
            .bind(to_db(now))
            .bind(if error.is_none() { "delivered" } else { "failed" })
            .bind(error.clone())
            .execute(&mut *tx)
            .await?;
        let (status, next, delivered) = match (&error, next_attempt_at) {
            (None, _) => ("delivered", None, Some(to_db(now))),
            (Some(_), Some(n)) => ("pending", Some(to_db(n)), None),
            (Some(_), None) => ("failed", None, None),
        };
        sqlx::query("UPDATE culture_notifications SET status = $1, attempts = $2, next_attempt_at = $3, last_error = COALESCE($4, last_error), delivered_at = $5 WHERE id = $6")
            .bind(status)
            .bind(attempt)
            .bind(next)
            .bind(error)
            .bind(delivered)
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.notification(id).await
    }

    pub async fn notification(&self, id: &str) -> Result<StoredNotification, StoreError> {
        let row = sqlx::query(&format!("SELECT {NOTIFICATION_COLUMNS} FROM culture_notifications WHERE id = $1")).bind(id.to_owned()).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        notification_from_row(&row)
    }

    /// Notifications of an organisation, newest first (`report` narrows to one report).
    pub async fn list_notifications(&self, org: OrgId, report: Option<&str>) -> Result<Vec<StoredNotification>, StoreError> {
        let mut sql = format!("SELECT {NOTIFICATION_COLUMNS} FROM culture_notifications WHERE org_id = $1");
        if report.is_some() {
            sql.push_str(" AND report_id = $2");
        }
        sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {MAX_CULTURE_ROWS}"));
        let mut q = sqlx::query(&sql).bind(org.to_string());
        if let Some(r) = report {
            q = q.bind(r.to_owned());
        }
        q.fetch_all(&self.pool).await?.iter().map(notification_from_row).collect()
    }

    pub async fn delivery_attempts(&self, notification_id: &str) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let rows = sqlx::query("SELECT attempt, attempted_at, outcome, error FROM culture_delivery_attempts WHERE notification_id = $1 ORDER BY attempt").bind(notification_id.to_owned()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(DeliveryAttempt { attempt: r.try_get::<i64, _>("attempt")? as u32, attempted_at: from_db(&r.try_get::<String, _>("attempted_at")?)?, outcome: r.try_get("outcome")?, error: r.try_get("error")? }))
            .collect()
    }

    // ---- lessons and metrics ----

    /// Records a person's latest result for a lesson (a retake replaces it).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_lesson_completion(&self, org: OrgId, user: UserId, lesson_id: &str, department: &str, score: u32, total: u32, passed: bool, now: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM culture_lesson_completions WHERE user_id = $1 AND lesson_id = $2").bind(user.to_string()).bind(lesson_id.to_owned()).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO culture_lesson_completions (org_id, user_id, lesson_id, department, score, total, passed, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(lesson_id.to_owned())
            .bind(department.trim().to_owned())
            .bind(i64::from(score))
            .bind(i64::from(total))
            .bind(i32::from(passed))
            .bind(to_db(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lessons a person has passed (their own view; never someone else's).
    pub async fn lessons_passed_by(&self, user: UserId) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT lesson_id FROM culture_lesson_completions WHERE user_id = $1 AND passed = 1 ORDER BY lesson_id").bind(user.to_string()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get("lesson_id")?)).collect()
    }

    /// What the metrics are computed from, without any person's identity.
    pub async fn culture_facts(&self, org: OrgId) -> Result<(Vec<ReportFact>, Vec<CompletionFact>), StoreError> {
        let rows = sqlx::query("SELECT department, received_at, acknowledged_at, decided_at, status FROM culture_reports WHERE org_id = $1").bind(org.to_string()).fetch_all(&self.pool).await?;
        let reports = rows
            .iter()
            .map(|r| {
                Ok(ReportFact {
                    department: r.try_get("department")?,
                    received_at: from_db(&r.try_get::<String, _>("received_at")?)?,
                    acknowledged_at: opt_ts(r, "acknowledged_at")?,
                    decided_at: opt_ts(r, "decided_at")?,
                    status: parse_col(r, "status")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let rows = sqlx::query("SELECT department, lesson_id, score, total, passed FROM culture_lesson_completions WHERE org_id = $1").bind(org.to_string()).fetch_all(&self.pool).await?;
        let completions = rows
            .iter()
            .map(|r| {
                Ok(CompletionFact {
                    department: r.try_get("department")?,
                    lesson_id: r.try_get("lesson_id")?,
                    score: r.try_get::<i64, _>("score")? as u32,
                    total: r.try_get::<i64, _>("total")? as u32,
                    passed: r.try_get::<i32, _>("passed")? != 0,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((reports, completions))
    }
}

async fn insert_notifications(tx: &mut sqlx::Transaction<'_, sqlx::Any>, org: OrgId, report_id: &str, notifications: &[NewNotification], now: Timestamp) -> Result<(), StoreError> {
    for n in notifications {
        // The web channel is delivered by being stored: the queue page shows it.
        let (status, next, delivered) = if n.channel == "web" { ("delivered", None, Some(to_db(now))) } else { ("pending", Some(to_db(now)), None) };
        sqlx::query(
            "INSERT INTO culture_notifications (id, org_id, report_id, event, channel, recipient, body, status, attempts, next_attempt_at, last_error, created_at, delivered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, NULL, $10, $11)",
        )
        .bind(new_uuid().to_string())
        .bind(org.to_string())
        .bind(report_id.to_owned())
        .bind(n.event.clone())
        .bind(n.channel.clone())
        .bind(n.recipient.clone())
        .bind(n.body.to_string())
        .bind(status)
        .bind(next)
        .bind(to_db(now))
        .bind(delivered)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_are_readable_and_normalise() {
        let r = super::new_reference();
        assert_eq!(r.len(), 16);
        assert_eq!(super::normalise_reference(&r.to_lowercase().replace('-', " ")), Some(r.clone()));
        assert_ne!(r, super::new_reference());
        assert_eq!(super::normalise_reference("R-1234"), None);
    }
}
