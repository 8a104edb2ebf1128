//! Culture of resilience, in the web layer: a staff report becomes a stored report with its
//! first notifications; escalation (`escalate_due`) and delivery (`deliver_due`) are functions
//! of `now` that the server's ticker calls every [`TICK_INTERVAL`] and tests call with a moved
//! clock; the organisation link's rate limit lives here.
//!
//! Notifications go by e-mail (SMTP through lettre), by webhook (JSON signed with HMAC-SHA256
//! in `X-Ward-Signature`) and to the web UI (stored, shown in the queue). Every notification
//! and every delivery attempt is stored; failures are retried with back-off
//! (`ward_culture::notify::backoff`) up to `MAX_ATTEMPTS`. Notification bodies carry the
//! reference, category, department and times, never the description or attachment (which may
//! name patients), and the webhook secret is never logged or stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use ward_culture::notify::{backoff, sign, MAX_ATTEMPTS, SIGNATURE_HEADER};
use ward_culture::report::AttachmentKind;
use ward_culture::triage::{evaluate, EscalationPolicy};
use ward_culture::{ReportInput, ReportStatus};
use ward_store::{NewNotification, NewReport, Store, StoreError, StoredNotification, StoredReport, TeamMember};

/// How often `ward serve` escalates and delivers.
pub const TICK_INTERVAL: Duration = Duration::from_secs(15);
/// How long one delivery may take before it counts as failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Notifications sent per tick at most.
pub const MAX_DELIVERIES_PER_TICK: i64 = 100;
/// Reports one client may send through an organisation link per window.
pub const LINK_REPORTS_PER_CLIENT: usize = 5;
/// Reports one organisation link accepts per window from all clients together.
pub const LINK_REPORTS_PER_LINK: usize = 60;
/// The rate-limit window.
pub const LINK_WINDOW: Duration = Duration::from_secs(10 * 60);

/// SMTP relay settings (plain SMTP to a relay the hospital runs; no credentials here).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

/// The webhook: where to POST and the HMAC secret (from the environment, never stored).
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig").field("url", &self.url).field("secret", &"<redacted>").finish()
    }
}

/// Where notifications go.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    pub smtp: Option<SmtpConfig>,
    pub webhook: Option<WebhookConfig>,
    /// The URL responders open (e.g. `https://ward.hospital.example`), for links in messages.
    pub public_url: Option<String>,
}

/// Sliding-window counters for the account-less organisation link, per client and per link.
/// Per process: with several replicas each counts its own share (the per-link limit then
/// multiplies by the replica count), which still stops a flood.
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<String, Vec<std::time::Instant>>>,
}

impl RateLimiter {
    /// Counts one attempt; `Err(retry_after_seconds)` when over either limit.
    pub fn check(&self, link: &str, client: &str) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if hits.len() > 10_000 {
            hits.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < LINK_WINDOW));
        }
        let mut over = None;
        for (key, limit) in [(format!("c|{link}|{client}"), LINK_REPORTS_PER_CLIENT), (format!("l|{link}"), LINK_REPORTS_PER_LINK)] {
            let v = hits.entry(key).or_default();
            v.retain(|t| now.duration_since(*t) < LINK_WINDOW);
            if v.len() >= limit {
                let oldest = v.first().copied().unwrap_or(now);
                over = Some(LINK_WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1));
            }
        }
        if let Some(s) = over {
            return Err(s);
        }
        for key in [format!("c|{link}|{client}"), format!("l|{link}")] {
            hits.entry(key).or_default().push(now);
        }
        Ok(())
    }
}

/// The runtime parts of the culture feature an [`crate::AppState`] carries.
#[derive(Debug, Default)]
pub struct CultureRuntime {
    pub notify: NotifyConfig,
    pub limiter: RateLimiter,
}

fn queue_url(cfg: &NotifyConfig, report: &StoredReport) -> String {
    format!("{}/culture/queue/{}", cfg.public_url.as_deref().unwrap_or("").trim_end_matches('/'), report.id)
}

/// What a notification says: no description, no attachment, nothing about the reporter.
fn message(cfg: &NotifyConfig, event: &str, report: &StoredReport, level: u32) -> serde_json::Value {
    json!({
        "event": event,
        "reference": report.reference,
        "category": report.category.as_str(),
        "department": report.department,
        "received_at": report.received_at.to_string(),
        "ack_due_at": report.ack_due_at.to_string(),
        "escalation_level": level,
        "queue_url": queue_url(cfg, report),
    })
}

/// The members alerted at `level`: those on call, or everyone at that level when nobody is.
pub fn recipients_at(team: &[TeamMember], level: u32) -> Vec<&TeamMember> {
    let at: Vec<&TeamMember> = team.iter().filter(|m| m.escalation_level == level).collect();
    let on_call: Vec<&TeamMember> = at.iter().copied().filter(|m| m.on_call).collect();
    if on_call.is_empty() { at } else { on_call }
}

fn notifications_for(cfg: &NotifyConfig, event: &str, report: &StoredReport, level: u32, members: &[&TeamMember]) -> Vec<NewNotification> {
    let body = message(cfg, event, report, level);
    let mut out: Vec<NewNotification> = Vec::new();
    if cfg.smtp.is_some() {
        out.extend(members.iter().map(|m| NewNotification { event: event.into(), channel: "email".into(), recipient: m.email.clone(), body: body.clone() }));
    }
    if let Some(w) = &cfg.webhook {
        let host = ward_culture::eml::url_host(&w.url).unwrap_or_else(|| "webhook".into());
        out.push(NewNotification { event: event.into(), channel: "webhook".into(), recipient: host, body: body.clone() });
    }
    let names = members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>().join(", ");
    out.push(NewNotification { event: event.into(), channel: "web".into(), recipient: if names.is_empty() { "response team".into() } else { names }, body });
    out
}

/// Stores a checked report with its first notifications (level-1 responders, the webhook and
/// the web UI), in one transaction.
pub async fn submit(store: &Store, cfg: &NotifyConfig, org: ward_core::OrgId, input: ReportInput, via: &'static str, reporter: Option<ward_core::UserId>, now: Timestamp) -> Result<StoredReport, StoreError> {
    let config = store.triage_configs(org).await?.get(&input.category).copied().unwrap_or_else(|| ward_culture::TriageConfig::default_for(input.category));
    let email_summary = input.attachment.as_ref().filter(|a| a.kind == AttachmentKind::Eml).and_then(|a| ward_culture::eml::parse(&a.bytes));
    let new = NewReport {
        org_id: org,
        category: input.category,
        department: input.department,
        occurred: input.occurred,
        description: input.description,
        via,
        reporter,
        attachment: input.attachment,
        email_summary,
        config,
    };
    let team = store.team(org).await?;
    let members = recipients_at(&team, 1);
    let report = store.create_report(&new, |stored| notifications_for(cfg, "new_report", stored, 0, &members), now).await?;
    tracing::info!(report.id = %report.id, org.id = %org, report.category = report.category.as_str(), report.via = via, "suspicious-activity report received");
    Ok(report)
}

/// What one escalation pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationRun {
    pub open_reports: usize,
    pub escalations: usize,
}

/// Escalates every unacknowledged report whose timer has run out, level by level, as of
/// `now`. Idempotent: a level is recorded (and notified) once.
pub async fn escalate_due(store: &Store, cfg: &NotifyConfig, now: Timestamp) -> Result<EscalationRun, StoreError> {
    let mut run = EscalationRun::default();
    let mut teams: HashMap<ward_core::OrgId, (Vec<TeamMember>, i64)> = HashMap::new();
    for report in store.list_reports(None, true).await? {
        run.open_reports += 1;
        if report.status != ReportStatus::New {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = teams.entry(report.org_id) {
            let team = store.team(report.org_id).await?;
            let interval = store.culture_settings(report.org_id).await?.escalation_interval_minutes;
            slot.insert((team, interval));
        }
        let (team, interval) = &teams[&report.org_id];
        let levels = team.iter().map(|m| m.escalation_level).max().unwrap_or(0);
        let ack_minutes = report.ack_due_at.duration_since(report.received_at).as_mins();
        let decide_minutes = report.decide_due_at.duration_since(report.received_at).as_mins();
        let state = evaluate(
            report.received_at,
            report.acknowledged_at,
            report.decided_at,
            ward_culture::TriageConfig { ack_minutes, decide_minutes },
            EscalationPolicy { interval_minutes: *interval, levels },
            now,
        );
        for level in (report.escalation_level + 1)..=state.escalation_level {
            let members = recipients_at(team, level);
            let notes = notifications_for(cfg, "escalation", &report, level, &members);
            let names = members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>().join(", ");
            if store.record_escalation(&report, level, &names, &notes, now).await? {
                run.escalations += 1;
                tracing::warn!(report.id = %report.id, org.id = %report.org_id, escalation.level = level, "report not acknowledged in time: escalated");
            }
        }
    }
    Ok(run)
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryRun {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends every pending notification due at `now`; failures are logged, stored with the error
/// and retried after `backoff(attempts)`, until `MAX_ATTEMPTS`.
pub async fn deliver_due(store: &Store, cfg: &NotifyConfig, now: Timestamp) -> Result<DeliveryRun, StoreError> {
    let mut run = DeliveryRun::default();
    for n in store.due_notifications(now, MAX_DELIVERIES_PER_TICK).await? {
        if !store.claim_notification(&n, now + SignedDuration::from_secs(120)).await? {
            continue;
        }
        let outcome = send(cfg, &n).await;
        let attempt = n.attempts + 1;
        let next = (outcome.is_err() && attempt < MAX_ATTEMPTS).then(|| now + backoff(attempt));
        match &outcome {
            Ok(()) => {
                run.delivered += 1;
                tracing::info!(notification.id = %n.id, notification.channel = %n.channel, attempt, "notification delivered");
            }
            Err(e) => {
                if next.is_some() { run.retrying += 1 } else { run.failed += 1 }
                tracing::warn!(notification.id = %n.id, notification.channel = %n.channel, attempt, error = %e, retry_at = ?next.map(|t| t.to_string()), "notification delivery failed");
            }
        }
        store.record_delivery(&n.id, outcome.as_ref().map(|_| ()).map_err(String::as_str), next, now).await?;
    }
    Ok(run)
}

/// Escalation then delivery, as the server's ticker runs them.
pub async fn tick(store: &Store, cfg: &NotifyConfig, now: Timestamp) -> Result<(EscalationRun, DeliveryRun), StoreError> {
    let e = escalate_due(store, cfg, now).await?;
    let d = deliver_due(store, cfg, now).await?;
    Ok((e, d))
}

async fn send(cfg: &NotifyConfig, n: &StoredNotification) -> Result<(), String> {
    match n.channel.as_str() {
        "email" => {
            let smtp = cfg.smtp.as_ref().ok_or("no SMTP relay is configured")?;
            send_email(smtp, n).await
        }
        "webhook" => {
            let hook = cfg.webhook.as_ref().ok_or("no webhook is configured")?;
            send_webhook(hook, n).await
        }
        "web" => Ok(()),
        other => Err(format!("unknown channel {other:?}")),
    }
}

fn subject(n: &StoredNotification) -> String {
    let reference = n.body.get("reference").and_then(|v| v.as_str()).unwrap_or("");
    let dept = n.body.get("department").and_then(|v| v.as_str()).unwrap_or("");
    match n.event.as_str() {
        "escalation" => format!("[ward] ESCALATED: report {reference} ({dept}) not acknowledged"),
        _ => format!("[ward] New suspicious-activity report {reference} ({dept})"),
    }
}

async fn send_email(smtp: &SmtpConfig, n: &StoredNotification) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let text = format!(
        "{}\n\nReference: {}\nCategory: {}\nDepartment: {}\nReceived: {}\nAcknowledge by: {}\nEscalation level: {}\n\nOpen the queue: {}\n",
        subject(n),
        n.body["reference"].as_str().unwrap_or(""),
        n.body["category"].as_str().unwrap_or(""),
        n.body["department"].as_str().unwrap_or(""),
        n.body["received_at"].as_str().unwrap_or(""),
        n.body["ack_due_at"].as_str().unwrap_or(""),
        n.body["escalation_level"],
        n.body["queue_url"].as_str().unwrap_or(""),
    );
    let email = Message::builder()
        .from(smtp.from.parse().map_err(|e| format!("the sender address {:?} is invalid: {e}", smtp.from))?)
        .to(n.recipient.parse().map_err(|e| format!("the recipient address is invalid: {e}"))?)
        .subject(subject(n))
        .body(text)
        .map_err(|e| format!("could not build the e-mail: {e}"))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).port(smtp.port).timeout(Some(DELIVERY_TIMEOUT)).build();
    transport.send(email).await.map(|_| ()).map_err(|e| format!("SMTP delivery to {}:{} failed: {e}", smtp.host, smtp.port))
}

async fn send_webhook(hook: &WebhookConfig, n: &StoredNotification) -> Result<(), String> {
    let body = serde_json::to_vec(&json!({"notification_id": n.id, "event": n.event, "report": n.body})).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder().timeout(DELIVERY_TIMEOUT).build().map_err(|e| e.to_string())?;
    let resp = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, sign(&hook.secret, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("webhook request failed: {}", e.without_url()))?;
    if resp.status().is_success() { Ok(()) } else { Err(format!("webhook answered {}", resp.status())) }
}

/// Checks a new team member's fields: (name, e-mail, function, level).
pub fn check_member(name: &str, email: &str, function: &str, level: &str) -> Result<(String, String, String, u32), ward_culture::FieldProblem> {
    use ward_culture::FieldProblem;
    let name = ward_culture::clean_text("name", name, 120)?;
    if name.is_empty() || name.contains('\n') {
        return Err(FieldProblem::new("name", "must be one non-empty line"));
    }
    let email: ward_core::text::Email = email.parse().map_err(|e: String| FieldProblem::new("email", e))?;
    if !ward_store::TEAM_FUNCTIONS.contains(&function) {
        return Err(FieldProblem::new("function", format!("{function:?} is not one of {}", ward_store::TEAM_FUNCTIONS.join(", "))));
    }
    let level: u32 = level.trim().parse().ok().filter(|l| (1..=ward_culture::triage::MAX_ESCALATION_LEVELS).contains(l)).ok_or_else(|| FieldProblem::new("level", format!("must be a whole number from 1 to {}", ward_culture::triage::MAX_ESCALATION_LEVELS)))?;
    Ok((name, email.as_str().to_owned(), function.to_owned(), level))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn the_limiter_stops_floods_per_client_and_per_link() {
        let l = RateLimiter::default();
        for _ in 0..LINK_REPORTS_PER_CLIENT {
            assert!(l.check("L", "1.2.3.4").is_ok());
        }
        assert!(l.check("L", "1.2.3.4").unwrap_err() > 0);
        assert!(l.check("L", "5.6.7.8").is_ok(), "another client is not affected");
        assert!(l.check("M", "1.2.3.4").is_ok(), "another link is not affected");
    }
    #[test]
    fn the_secret_is_not_printed() {
        let w = WebhookConfig { url: "http://127.0.0.1:9/x".into(), secret: b"s3cr3t".to_vec() };
        assert!(!format!("{w:?}").contains("s3cr3t"));
    }
}
