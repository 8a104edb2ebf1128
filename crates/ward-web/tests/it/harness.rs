//! A seeded application: two organisations with every role, an instance administrator, one
//! incident at each TLP level, and an API token per user.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use ward_core::{IncidentDraft, IncidentId, Organisation, OrgType, Role, Tlp};
use ward_store::{NewUser, Store, User};
use ward_web::{AppState, WebConfig};

pub const PASSWORD: &str = "a long test password";

pub struct App {
    pub router: Router,
    pub store: Store,
    pub org_a: Organisation,
    pub org_b: Organisation,
    /// (name, user, token) for: viewer of B, A's org_admin, analyst, reporter, viewer, instance admin.
    pub users: Vec<(&'static str, User, String)>,
    /// Incident of org A per TLP level, created by A's analyst.
    pub incidents: Vec<(Tlp, IncidentId)>,
    /// A hand-made actor ("LockBit") with a counted attribution of the TLP:CLEAR incident.
    pub actor: ward_core::ActorId,
    /// Culture: org A's report link token, and one report of org A (id, attachment id).
    pub link_token: String,
    pub report: (String, String),
    pub report_ref: String,
    /// Exercises: a run of the EHR ransomware scenario by org A (not started).
    pub exercise_run: String,
    _dir: tempfile::TempDir,
}

pub const PRINCIPALS: [&str; 7] = ["anonymous", "viewer_of_b", "org_admin", "analyst", "reporter", "viewer", "instance_admin"];

pub fn draft_json(title: &str, tlp: Tlp) -> serde_json::Value {
    serde_json::json!({
        "title": title, "tlp": tlp.as_str(),
        "victim": {"org_type": "hospital", "country": "DE", "name": "Test Hospital"},
        "attack_types": ["ransomware"],
        "timeline": {"incident_on": "2024-02-21"},
        "sources": [{"url": "https://example.org/report", "publisher": "Example News", "published_on": "2024-02-22"}],
        "harm": {"individuals_affected": {"value": 1200, "source": "https://example.org/report", "as_of": "2024-02-22", "estimate": true}}
    })
}

/// The reporting profile of a German hospital that is "besonders wichtig" (NIS2 essential).
pub fn german_hospital_profile() -> serde_json::Value {
    serde_json::json!({
        "entity.time_zone": "Europe/Berlin",
        "entity.country_of_establishment": ["DE"],
        "entity.types": ["hospital", "healthcare_provider"],
        "entity.nis2_class": "essential",
        "entity.de.bsig_class": "besonders_wichtig"
    })
}

impl App {
    pub async fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("web.db").display())).await.unwrap();
        let now = jiff::Timestamp::now();
        let mk_org = |name: &str| {
            let store = store.clone();
            let name = name.to_owned();
            async move { store.create_org(&name.parse().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap() }
        };
        let org_a = mk_org("Hospital A").await;
        let org_b = mk_org("Hospital B").await;
        let hub = mk_org("Health ISAC").await;
        let hash = ward_web::auth::hash_password(PASSWORD).unwrap();
        let mut users = Vec::new();
        for (name, org, role) in [
            ("viewer_of_b", &org_b, Role::Viewer),
            ("org_admin", &org_a, Role::OrgAdmin),
            ("analyst", &org_a, Role::Analyst),
            ("reporter", &org_a, Role::Reporter),
            ("viewer", &org_a, Role::Viewer),
            ("instance_admin", &hub, Role::InstanceAdmin),
        ] {
            let u = store
                .create_user(NewUser { org_id: org.id, email: format!("{name}@example.org").parse().unwrap(), role, password_hash: Some(hash.clone()) }, now)
                .await
                .unwrap();
            let (token, token_hash) = ward_web::auth::new_api_token();
            store.create_token(u.id, "test", &token_hash, None, now).await.unwrap();
            users.push((name, u, token));
        }
        let analyst = users[2].1.id;
        let mut incidents = Vec::new();
        for tlp in Tlp::ALL {
            let d = IncidentDraft::from_value(draft_json(&format!("Incident at {}", tlp.label()), tlp)).unwrap();
            incidents.push((tlp, store.create_incident(org_a.id, &d, Some(analyst), now).await.unwrap().id));
        }
        // Reporting: org A is a German hospital (NIS2 essential); its AMBER incident has
        // awareness and trigger facts recorded, so it owes the BSIG notifications.
        let entity: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_value(german_hospital_profile()).unwrap();
        store.save_reporting_profile(org_a.id, 0, &entity, Some(users[1].1.id), now).await.unwrap();
        let amber = incidents.iter().find(|(t, _)| *t == Tlp::Amber).unwrap().1;
        let scope = ward_core::ReadScope::LOCAL_OPERATOR;
        let loaded = ward_web::obligations::load(&store, amber, &scope).await.unwrap();
        let rules = ward_web::obligations::rules().unwrap();
        let awareness = (now - jiff::SignedDuration::from_hours(2)).to_string();
        let facts = serde_json::json!({"facts": {"incident.awareness_at": awareness, "incident.is_security_incident": "yes", "impact.severe_operational_disruption": "yes"}});
        ward_web::obligations::record(&store, rules, &loaded, Some("Hospital A"), &scope, ward_store::ObligationEventKind::Facts, facts, Some(analyst), "analyst@example.org", now).await.unwrap();
        let actor = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit").unwrap(), now).await.unwrap().id;
        let clear = incidents.iter().find(|(t, _)| *t == Tlp::Clear).unwrap().1;
        let attribution = ward_store::NewAttribution {
            incident_id: clear,
            actor_id: actor,
            confidence: ward_core::Confidence::ClaimedByActor,
            source_url: "https://example.org/leak-site".into(),
            stated_on: "2024-02-23".parse().unwrap(),
            note: String::new(),
        };
        store.attribute(&attribution, &scope, Some(analyst), now).await.unwrap();
        // Culture: org A's account-less report link, and one report with an attachment.
        let link_token = "matrix-link-token-0123456789abcdefghijklmnopq".to_owned();
        let settings = ward_store::CultureSettings { link_token: Some(link_token.clone()), link_enabled: true, escalation_interval_minutes: 15 };
        store.save_culture_settings(org_a.id, &settings, now).await.unwrap();
        let attachment = ward_culture::report::Attachment { file_name: "mail.eml".into(), kind: ward_culture::report::AttachmentKind::Eml, bytes: b"From: a@evil.example\nSubject: x\n\nhi".to_vec() };
        let new = ward_store::NewReport {
            org_id: org_a.id,
            category: ward_culture::Category::SuspiciousEmail,
            department: "Seeded ward".into(),
            occurred: ward_culture::OccurredHint::JustNow,
            description: String::new(),
            via: "link",
            reporter: None,
            attachment: Some(attachment),
            email_summary: None,
            config: ward_culture::TriageConfig::default_for(ward_culture::Category::SuspiciousEmail),
        };
        let seeded = store.create_report(&new, |_| Vec::new(), now).await.unwrap();
        let attachment_id = store.report_attachments(&seeded.id).await.unwrap()[0].id.clone();
        let report_ref = seeded.reference.clone();
        let exercise_run = store.create_exercise_run(org_a.id, "ehr-ransomware", 1, "Matrix drill", now, Some(analyst), now).await.unwrap().id;
        let router = ward_web::router(AppState::new(store.clone(), WebConfig::default()));
        App { router, store, org_a, org_b, users, incidents, actor, link_token, report: (seeded.id, attachment_id), report_ref, exercise_run, _dir: dir }
    }

    pub fn token(&self, who: &str) -> Option<&str> {
        self.users.iter().find(|(n, _, _)| *n == who).map(|(_, _, t)| t.as_str())
    }
    pub fn user(&self, who: &str) -> &User {
        &self.users.iter().find(|(n, _, _)| *n == who).expect("known user").1
    }
    pub fn incident(&self, tlp: Tlp) -> IncidentId {
        self.incidents.iter().find(|(t, _)| *t == tlp).expect("seeded").1
    }

    /// Sends a request as `who` (a bearer token, or nothing for "anonymous").
    pub async fn send(&self, who: &str, method: &str, path: &str, body: Option<serde_json::Value>, headers: &[(&str, &str)]) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = self.token(who) {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some(v) => b.header("content-type", "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.raw(req).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        if headers.get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
            // A server-sent-events stream stays open: read its first event only.
            let mut body = resp.into_body();
            let frame = body.frame().await.and_then(Result::ok).and_then(|f| f.into_data().ok()).unwrap_or_default();
            return Resp { status, headers, body: String::from_utf8_lossy(&frame).into_owned() };
        }
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}
