//! Culture of resilience on both backends: reports with attachments and reference numbers,
//! organisation scoping, racing triage decisions, escalation recorded once, notification
//! delivery attempts with retries, lesson completions and the facts metrics are built from.

use jiff::{SignedDuration, Timestamp};
use ward_core::text::Label;
use ward_core::{OrgType, Role};
use ward_culture::report::{Attachment, AttachmentKind};
use ward_culture::{Category, OccurredHint, ReportStatus, TriageConfig};
use ward_store::{NewNotification, NewReport, ReportDecision, Store, StoreError};

crate::conformance!(reports_triage_escalation_and_delivery, lessons_and_metric_facts);

fn now() -> Timestamp {
    "2026-11-30T08:00:00Z".parse().unwrap()
}

async fn org(store: &Store, name: &str) -> ward_core::Organisation {
    store.create_org(&name.parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now()).await.unwrap()
}

fn new_report(org: ward_core::OrgId, description: &str, attachment: Option<Attachment>) -> NewReport {
    NewReport {
        org_id: org,
        category: Category::SuspiciousEmail,
        department: "Ward 4B".into(),
        occurred: OccurredHint::JustNow,
        description: description.into(),
        via: "link",
        reporter: None,
        attachment,
        email_summary: None,
        config: TriageConfig { ack_minutes: 15, decide_minutes: 60 },
    }
}

fn note(channel: &str, recipient: &str) -> NewNotification {
    NewNotification { event: "new_report".into(), channel: channel.into(), recipient: recipient.into(), body: serde_json::json!({"reference": "x"}) }
}

async fn reports_triage_escalation_and_delivery(store: Store) {
    let a = org(&store, "Culture A").await;
    let b = org(&store, "Culture B").await;
    let bytes = b"From: x@evil.example\nSubject: hi\n\n<script>alert(1)</script>".to_vec();
    let att = Attachment { file_name: "phish.eml".into(), kind: AttachmentKind::Eml, bytes: bytes.clone() };
    let r = store.create_report(&new_report(a.id, "<script>alert(1)</script>", Some(att)), |_| vec![note("email", "it@a.example"), note("web", "web")], now()).await.unwrap();
    assert_eq!(r.status, ReportStatus::New);
    assert_eq!(r.ack_due_at, now() + SignedDuration::from_mins(15));
    assert_eq!(r.description, "<script>alert(1)</script>", "stored as text, byte for byte");
    assert!(r.reference.starts_with("R-") && r.reference.len() == 16);
    // The reference finds it however it is typed; another organisation cannot read it by id.
    assert_eq!(store.report_by_reference(&r.reference.to_lowercase().replace('-', "")).await.unwrap().id, r.id);
    assert!(matches!(store.get_report(&r.id, Some(b.id)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.report_by_reference("R-0000-0000-0000").await, Err(StoreError::NotFound)));
    let atts = store.report_attachments(&r.id).await.unwrap();
    assert_eq!(atts.len(), 1);
    let (info, kind, back) = store.attachment_bytes(&r.id, &atts[0].id).await.unwrap();
    assert_eq!((kind, back, info.size_bytes), (AttachmentKind::Eml, bytes.clone(), bytes.len() as i64));
    assert!(matches!(store.attachment_bytes("other", &atts[0].id).await, Err(StoreError::NotFound)), "only through its report");
    assert_eq!(store.list_reports(Some(b.id), false).await.unwrap().len(), 0);
    assert_eq!(store.list_reports(Some(a.id), true).await.unwrap().len(), 1);

    // Notifications: the web one is delivered by being stored; the e-mail one is due now.
    let notes = store.list_notifications(a.id, Some(&r.id)).await.unwrap();
    assert_eq!(notes.len(), 2);
    let due = store.due_notifications(now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(store.claim_notification(&due[0], now() + SignedDuration::from_mins(1)).await.unwrap());
    assert!(!store.claim_notification(&due[0], now() + SignedDuration::from_mins(1)).await.unwrap(), "claimed once");
    let failed = store.record_delivery(&due[0].id, Err("554 refused"), Some(now() + SignedDuration::from_secs(30)), now()).await.unwrap();
    assert_eq!((failed.status.as_str(), failed.attempts, failed.last_error.as_deref()), ("pending", 1, Some("554 refused")));
    assert!(store.due_notifications(now(), 10).await.unwrap().is_empty(), "backing off");
    let later = now() + SignedDuration::from_secs(30);
    assert_eq!(store.due_notifications(later, 10).await.unwrap().len(), 1);
    let ok = store.record_delivery(&due[0].id, Ok(()), None, later).await.unwrap();
    assert_eq!((ok.status.as_str(), ok.attempts, ok.delivered_at), ("delivered", 2, Some(later)));
    let attempts = store.delivery_attempts(&due[0].id).await.unwrap();
    assert_eq!(attempts.iter().map(|a| a.outcome.as_str()).collect::<Vec<_>>(), ["failed", "delivered"]);

    // Escalation: each level once, even when recorded twice.
    assert!(store.record_escalation(&r, 1, "it@a.example", &[note("email", "boss@a.example")], now()).await.unwrap());
    assert!(!store.record_escalation(&r, 1, "it@a.example", &[note("email", "boss@a.example")], now()).await.unwrap());
    assert_eq!(store.escalations(&r.id).await.unwrap().len(), 1);
    assert_eq!(store.get_report(&r.id, None).await.unwrap().escalation_level, 1);
    assert_eq!(store.list_notifications(a.id, Some(&r.id)).await.unwrap().len(), 3);

    // Triage: acknowledge, then two racing decisions with the same version: one wins.
    let r = store.get_report(&r.id, None).await.unwrap();
    assert!(matches!(store.acknowledge_report(&r.id, b.id, r.version, None, now()).await, Err(StoreError::NotFound)), "not across organisations");
    let acked = store.acknowledge_report(&r.id, a.id, r.version, None, now()).await.unwrap();
    assert_eq!(acked.status, ReportStatus::Acknowledged);
    assert!(matches!(store.acknowledge_report(&r.id, a.id, acked.version, None, now()).await, Err(StoreError::Conflict { .. })));
    let other = store.create_report(&new_report(a.id, "same e-mail", None), |_| Vec::new(), now()).await.unwrap();
    let merged = store.decide_report(&other.id, a.id, other.version, &ReportDecision::Merge { into_report: r.id.clone() }, None, now()).await.unwrap();
    assert_eq!((merged.status, merged.merged_into.as_deref()), (ReportStatus::Merged, Some(r.id.as_str())));
    let d1 = store.decide_report(&r.id, a.id, acked.version, &ReportDecision::Dismiss { reason: "a simulation by IT".into() }, None, now()).await;
    let d2 = store.decide_report(&r.id, a.id, acked.version, &ReportDecision::Dismiss { reason: "twice".into() }, None, now()).await;
    assert!(d1.is_ok() && matches!(d2, Err(StoreError::Conflict { .. })));
    assert_eq!(store.list_reports(Some(a.id), true).await.unwrap().len(), 0);
}

async fn lessons_and_metric_facts(store: Store) {
    let a = org(&store, "Culture A").await;
    let u = store
        .create_user(ward_store::NewUser { org_id: a.id, email: "nurse@a.example".parse().unwrap(), role: Role::Reporter, password_hash: None }, now())
        .await
        .unwrap();
    store.set_department(a.id, "Ward 4B", 20).await.unwrap();
    store.set_department(a.id, " ward 4b ", 25).await.unwrap();
    assert_eq!(store.departments(a.id).await.unwrap(), vec![("ward 4b".to_owned(), 25)], "one department whatever the case");
    store.record_lesson_completion(a.id, u.id, "passwords-and-mfa", "Ward 4B", 1, 2, false, now()).await.unwrap();
    store.record_lesson_completion(a.id, u.id, "passwords-and-mfa", "Ward 4B", 2, 2, true, now()).await.unwrap();
    assert_eq!(store.lessons_passed_by(u.id).await.unwrap(), ["passwords-and-mfa"]);
    store.create_report(&new_report(a.id, "", None), |_| Vec::new(), now()).await.unwrap();
    let (reports, completions) = store.culture_facts(a.id).await.unwrap();
    assert_eq!((reports.len(), completions.len()), (1, 1), "a retake replaces the earlier result");
    assert!(completions[0].passed);
    // Settings and timers.
    let mut s = store.culture_settings(a.id).await.unwrap();
    assert!(!s.link_enabled && s.link_token.is_none());
    s.link_token = Some("tok".into());
    s.link_enabled = true;
    store.save_culture_settings(a.id, &s, now()).await.unwrap();
    assert_eq!(store.org_for_report_link("tok").await.unwrap(), Some(a.id));
    s.link_enabled = false;
    store.save_culture_settings(a.id, &s, now()).await.unwrap();
    assert_eq!(store.org_for_report_link("tok").await.unwrap(), None, "a disabled link leads nowhere");
    store.set_triage_config(a.id, Category::LostDevice, TriageConfig { ack_minutes: 5, decide_minutes: 30 }).await.unwrap();
    let cfg = store.triage_configs(a.id).await.unwrap();
    assert_eq!(cfg[&Category::LostDevice].ack_minutes, 5);
    assert_eq!(cfg[&Category::SuspiciousEmail], TriageConfig::default_for(Category::SuspiciousEmail));
    let m = store.add_team_member(a.id, "Dana", "dana@a.example", "it", true, 1, now()).await.unwrap();
    assert!(matches!(store.add_team_member(a.id, "Dana", "dana@a.example", "it", true, 1, now()).await, Err(StoreError::Duplicate { .. })));
    store.set_on_call(a.id, &m.id, false).await.unwrap();
    assert!(!store.team(a.id).await.unwrap()[0].on_call);
}
