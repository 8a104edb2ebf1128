//! Continuous risk management, wired together for the pages, the REST export and the CLI:
//! an organisation's posture on a day (ward-risk's pure functions over what the store holds),
//! inferred postures through the crosswalks, the daily history, and refreshing findings after
//! a KEV or asset import. Callers have asked `policy::decide` for `Resource::RiskRegister`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use ward_core::OrgId;
use ward_risk::matching::match_assets;
use ward_risk::posture::{going_stale, infer, posture, InferredPosture, OpenFinding, Posture, RequirementPosture};
use ward_risk::Catalogue;
use ward_store::risk::{Assessment, Finding, FindingSync, NewFinding, PostureDay};
use ward_store::{Store, StoreError};

/// How far ahead the dashboard looks for evidence about to expire.
pub const STALE_HORIZON_DAYS: i32 = 30;
/// How many days of history the dashboard's trend shows.
pub const TREND_DAYS: i32 = 90;

/// The frameworks and crosswalks built into the binary (validated by ward-risk's tests).
pub fn catalogue() -> Result<&'static Catalogue, String> {
    static CATALOGUE: OnceLock<Result<Catalogue, String>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| Catalogue::embedded().map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))
        .as_ref()
        .map_err(Clone::clone)
}

/// The UTC calendar day of an instant.
pub fn day_of(now: Timestamp) -> Date {
    now.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// One framework on the dashboard: assessed, or inferred through a crosswalk, or neither.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkView {
    pub framework_id: String,
    pub title: String,
    pub short_title: String,
    pub assessed: Option<Posture>,
    pub inferred: Option<InferredPosture>,
    pub history: Vec<PostureDay>,
}

impl FrameworkView {
    pub fn score_percent(&self) -> Option<f64> {
        self.assessed.as_ref().map(|p| p.score_percent).or_else(|| self.inferred.as_ref().map(|p| p.score_percent)).flatten()
    }
    pub fn counts(&self) -> Option<ward_risk::Counts> {
        self.assessed.as_ref().map(|p| p.counts).or_else(|| self.inferred.as_ref().map(|p| p.counts))
    }
}

/// Everything the organisation dashboard, the board report and the export show.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRisk {
    pub org_id: OrgId,
    pub today: Date,
    pub frameworks: Vec<FrameworkView>,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub assessments: Vec<Assessment>,
}

impl OrgRisk {
    /// Requirements in force now that go stale within the horizon, soonest first.
    pub fn going_stale(&self) -> Vec<(&str, &RequirementPosture, Date)> {
        let mut out: Vec<(&str, &RequirementPosture, Date)> = self
            .frameworks
            .iter()
            .filter_map(|f| f.assessed.as_ref().map(|p| (f.short_title.as_str(), p)))
            .flat_map(|(name, p)| going_stale(p, STALE_HORIZON_DAYS).into_iter().map(move |(r, d)| (name, r, d)))
            .collect();
        out.sort_by_key(|(_, r, d)| (*d, r.requirement_id.clone()));
        out
    }
    /// Requirements stale now.
    pub fn stale(&self) -> Vec<(&str, &RequirementPosture)> {
        self.frameworks
            .iter()
            .filter_map(|f| f.assessed.as_ref().map(|p| (f.short_title.as_str(), p)))
            .flat_map(|(name, p)| p.requirements.iter().filter(|r| r.status == ward_risk::Status::Stale).map(move |r| (name, r)))
            .collect()
    }
    /// The requirements an overdue finding makes non-compliant ("mitigate known
    /// vulnerabilities"), per framework, with their status on the day (assessed or inferred).
    pub fn kev_requirements(&self) -> Vec<KevRequirement> {
        let Ok(catalogue) = catalogue() else { return Vec::new() };
        self.frameworks
            .iter()
            .filter_map(|f| catalogue.framework(&f.framework_id).map(|fw| (f, fw)))
            .flat_map(|(f, fw)| {
                fw.requirements.iter().filter(|r| r.known_exploited_vulnerabilities).map(move |r| {
                    let assessed = f.assessed.as_ref().and_then(|p| p.requirements.iter().find(|x| x.requirement_id == r.id)).map(|x| x.status);
                    let inferred = f.inferred.as_ref().and_then(|p| p.requirements.iter().find(|x| x.requirement_id == r.id)).map(|x| x.status);
                    KevRequirement {
                        framework_id: f.framework_id.clone(),
                        short_title: f.short_title.clone(),
                        requirement_id: r.id.clone(),
                        title: r.title.clone(),
                        status: assessed.or(inferred),
                        inferred: assessed.is_none() && inferred.is_some(),
                    }
                })
            })
            .collect()
    }
    /// Open findings per criticality, most critical first.
    pub fn exposures_by_criticality(&self) -> Vec<(ward_risk::Criticality, usize, usize)> {
        ward_risk::Criticality::ALL
            .iter()
            .map(|c| {
                let of: Vec<&Finding> = self.findings.iter().filter(|f| f.criticality == *c).collect();
                let overdue = of.iter().filter(|f| f.due_date < self.today).count();
                (*c, of.len(), overdue)
            })
            .collect()
    }
}

/// A requirement linked to known-exploited-vulnerability findings.
#[derive(Debug, Clone, Serialize)]
pub struct KevRequirement {
    pub framework_id: String,
    pub short_title: String,
    pub requirement_id: String,
    pub title: String,
    pub status: Option<ward_risk::Status>,
    pub inferred: bool,
}

/// The open findings as posture needs them.
fn open_findings(findings: &[Finding]) -> Vec<OpenFinding> {
    findings.iter().map(|f| OpenFinding { cve_id: f.cve_id.clone(), asset_name: f.asset_name.clone(), due_on: f.due_date }).collect()
}

/// The organisation's posture on `today` for every framework: assessed ones from their
/// answers and evidence, the others inferred from the assessed framework that reaches them
/// through a crosswalk (the one with the most requirements answered, if several do).
pub async fn org_risk(store: &Store, org_id: OrgId, today: Date) -> Result<OrgRisk, StoreError> {
    let catalogue = catalogue().map_err(StoreError::Corrupt)?;
    let assessments = store.risk_assessments(org_id).await?;
    let findings = store.list_findings(org_id, false).await?;
    let open = open_findings(&findings);
    let from = today.checked_sub(jiff::Span::new().days(TREND_DAYS)).unwrap_or(today);
    let mut history = store.posture_history(org_id, from).await?;
    let mut assessed: BTreeMap<&str, (Posture, usize)> = BTreeMap::new();
    for a in &assessments {
        if let Some(f) = catalogue.framework(&a.framework_id) {
            let answered = a.answers.iter().filter(|x| x.answer != ward_risk::Answer::NotAssessed).count();
            assessed.insert(f.id.as_str(), (posture(f, &a.requirement_answers(), &open, today), answered));
        }
    }
    let frameworks = catalogue
        .frameworks()
        .iter()
        .map(|f| {
            let own = assessed.get(f.id.as_str()).map(|(p, _)| p.clone());
            let inferred = if own.is_some() {
                None
            } else {
                let mut sources: Vec<&(Posture, usize)> = assessed.values().collect();
                sources.sort_by_key(|(p, n)| (std::cmp::Reverse(*n), p.framework_id.clone()));
                sources.iter().find_map(|(p, _)| infer(catalogue, p, &f.id))
            };
            FrameworkView {
                framework_id: f.id.clone(),
                title: f.title.clone(),
                short_title: f.short_title.clone(),
                assessed: own,
                inferred,
                history: history.remove(&f.id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(OrgRisk { org_id, today, frameworks, findings, assessments })
}

/// Records the day's posture of every assessed or inferred framework (replacing that day's
/// earlier record). Called after every change and on every dashboard view of today, and by
/// `ward risk snapshot` (for a daily timer).
pub async fn record_history(store: &Store, risk: &OrgRisk, now: Timestamp) -> Result<usize, StoreError> {
    let mut n = 0;
    for f in &risk.frameworks {
        let (counts, score, inferred_from) = match (&f.assessed, &f.inferred) {
            (Some(p), _) => (p.counts, p.score_percent, None),
            (None, Some(p)) => (p.counts, p.score_percent, Some(p.inferred_from.clone())),
            (None, None) => continue,
        };
        let day = PostureDay { framework_id: f.framework_id.clone(), day: risk.today, inferred_from, score_percent: score, counts, open_findings: risk.findings.len() as u32 };
        store.record_posture_day(risk.org_id, &day, now).await?;
        n += 1;
    }
    Ok(n)
}

/// Records the posture on `day` of every organisation with a risk register; returns
/// (organisations, framework rows). `ward serve` runs it every [`SNAPSHOT_INTERVAL`] for today,
/// so the trend needs no manual step; `ward risk snapshot` runs it on demand.
pub async fn snapshot_all(store: &Store, day: Date, now: Timestamp) -> Result<(usize, usize), StoreError> {
    let orgs = store.orgs_with_risk_data().await?;
    let mut rows = 0;
    for org in &orgs {
        let risk = org_risk(store, *org, day).await?;
        rows += record_history(store, &risk, now).await?;
    }
    Ok((orgs.len(), rows))
}

/// How often a running server records today's posture (idempotent: one row per day).
pub const SNAPSHOT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Matches the organisation's assets against the current catalogue and syncs its findings.
pub async fn refresh_findings(store: &Store, org_id: OrgId, now: Timestamp) -> Result<FindingSync, StoreError> {
    let assets = store.list_assets(org_id).await?;
    let entries = store.kev_entries().await?;
    let drafts: Vec<ward_risk::AssetDraft> = assets.iter().map(|a| a.asset.clone()).collect();
    let found: Vec<NewFinding> = match_assets(&drafts, &entries)
        .into_iter()
        .map(|x| NewFinding { asset_id: assets[x.asset].id, cve_id: entries[x.entry].cve_id.clone(), rule: x.rule })
        .collect();
    let sync = store.sync_findings(org_id, &found, now).await?;
    tracing::info!(org.id = %org_id, findings.opened = sync.opened, findings.reopened = sync.reopened, findings.resolved = sync.resolved, "findings refreshed");
    Ok(sync)
}

/// After a change to the register: refresh findings (when assets or the catalogue changed)
/// and record today's posture. Failures are logged, never hidden from the caller.
pub async fn after_change(store: &Store, org_id: OrgId, findings_changed: bool, now: Timestamp) -> Result<(), StoreError> {
    if findings_changed {
        refresh_findings(store, org_id, now).await?;
    }
    let risk = org_risk(store, org_id, day_of(now)).await?;
    record_history(store, &risk, now).await?;
    Ok(())
}

/// The JSON export of an organisation's assessments: for every framework the answers, owners,
/// linked controls, evidence, today's status with its reason, and inferred postures with the
/// mappings that produced them; then the open findings.
pub fn export(risk: &OrgRisk, org_name: &str) -> serde_json::Value {
    let catalogue = catalogue().ok();
    let frameworks: Vec<serde_json::Value> = risk
        .frameworks
        .iter()
        .map(|f| {
            let assessment = risk.assessments.iter().find(|a| a.framework_id == f.framework_id);
            let fw = catalogue.and_then(|c| c.framework(&f.framework_id));
            let requirements: Vec<serde_json::Value> = f
                .assessed
                .as_ref()
                .map(|p| {
                    p.requirements
                        .iter()
                        .map(|r| {
                            let answer = assessment.and_then(|a| a.answers.iter().find(|x| x.requirement_id == r.requirement_id));
                            let evidence: Vec<&ward_store::risk::StoredEvidence> = assessment.map(|a| a.evidence.iter().filter(|e| e.requirement_id == r.requirement_id).collect()).unwrap_or_default();
                            serde_json::json!({
                                "requirement_id": r.requirement_id,
                                "title": r.title,
                                "answer": r.answer,
                                "status": r.status,
                                "reason": r.reason,
                                "owner": answer.and_then(|a| a.owner.clone()),
                                "linked_controls": answer.and_then(|a| a.linked_controls.clone()),
                                "note": answer.and_then(|a| a.note.clone()),
                                "evidence": evidence,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            serde_json::json!({
                "framework_id": f.framework_id,
                "title": f.title,
                "version": fw.map(|x| x.version.clone()),
                "source": fw.map(|x| x.source.url.clone()),
                "assessed": f.assessed.is_some(),
                "score_percent": f.score_percent(),
                "counts": f.counts(),
                "requirements": requirements,
                "inferred": f.inferred,
                "history": f.history,
            })
        })
        .collect();
    serde_json::json!({
        "organisation": {"id": risk.org_id, "name": org_name},
        "as_of": risk.today,
        "generated_by": "ward",
        "frameworks": frameworks,
        "open_findings": risk.findings,
        "kev_linked_requirements": risk.kev_requirements(),
    })
}
