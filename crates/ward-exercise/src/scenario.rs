//! Scenarios as data: `scenarios/*.yaml`, embedded into the binary and validated field by field.
//!
//! A scenario is a master scenario events list (HSEEP's MSEL) for one hospital: the organisation
//! it assumes, the roles that play, timed injects with optional conditions on earlier play, what
//! each role is expected to do (and by when, in scenario time), the decision points, the facts
//! the reporting engine evaluates, the inputs of the patient-harm estimate, and the sources.
//! The format is documented in `scenarios/README.md`.

use std::collections::BTreeSet;

use crate::{duration::ScenarioDuration, Error, FieldProblem};

/// Most injects in one scenario.
pub const MAX_INJECTS: usize = 60;
/// Most expectations on one inject.
pub const MAX_EXPECTATIONS: usize = 12;
/// Most options of a decision point.
pub const MAX_OPTIONS: usize = 8;
/// Longest title, label or one-line text, in characters.
pub const MAX_LINE_CHARS: usize = 300;
/// Longest inject content or narrative, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Latest inject offset: an exercise covers at most eight weeks of scenario time.
pub const MAX_OFFSET_SECONDS: i64 = 56 * 86_400;
/// Largest scenario file.
pub const MAX_FILE_BYTES: usize = 256 * 1024;

/// The scenario files, compiled in (the test `every_file_is_embedded` checks none is missing).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("ehr-ransomware.yaml", include_str!("../../../scenarios/ehr-ransomware.yaml")),
    ("pathology-supplier-outage.yaml", include_str!("../../../scenarios/pathology-supplier-outage.yaml")),
    ("ddos-portal-phones.yaml", include_str!("../../../scenarios/ddos-portal-phones.yaml")),
    ("medical-device-fleet.yaml", include_str!("../../../scenarios/medical-device-fleet.yaml")),
];

/// The roles of a hospital's response, as the issue and the HICS guides name them. A closed
/// set: metrics compare runs of different scenarios role by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    IncidentCommander,
    ItLead,
    ClinicalLead,
    Nursing,
    EmergencyDepartment,
    Communications,
    DpoLegal,
    Executive,
    FrontlineStaff,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::IncidentCommander,
        Role::ItLead,
        Role::ClinicalLead,
        Role::Nursing,
        Role::EmergencyDepartment,
        Role::Communications,
        Role::DpoLegal,
        Role::Executive,
        Role::FrontlineStaff,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::IncidentCommander => "incident_commander",
            Role::ItLead => "it_lead",
            Role::ClinicalLead => "clinical_lead",
            Role::Nursing => "nursing",
            Role::EmergencyDepartment => "emergency_department",
            Role::Communications => "communications",
            Role::DpoLegal => "dpo_legal",
            Role::Executive => "executive",
            Role::FrontlineStaff => "frontline_staff",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::IncidentCommander => "Incident commander",
            Role::ItLead => "IT lead",
            Role::ClinicalLead => "Clinical lead",
            Role::Nursing => "Nursing",
            Role::EmergencyDepartment => "Emergency department",
            Role::Communications => "Communications",
            Role::DpoLegal => "DPO / legal",
            Role::Executive => "Executive",
            Role::FrontlineStaff => "Frontline staff",
        }
    }
    /// Frontline roles: the people on the wards (the research asks exercises to engage them).
    pub fn is_frontline(self) -> bool {
        matches!(self, Role::Nursing | Role::EmergencyDepartment | Role::FrontlineStaff)
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a participant did, as a closed set so that expectations are scored without reading
/// free text (the free text is kept for the after-action report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Activate the hospital incident command / escalate to the incident commander.
    ActivateCommand,
    DeclareDowntime,
    IsolateSystems,
    PreserveEvidence,
    ContactVendor,
    NotifyAuthority,
    NotifyLawEnforcement,
    InformStaff,
    InformPatients,
    PublicStatement,
    DivertAmbulances,
    CancelElectiveCare,
    RequestMutualAid,
    RestoreFromBackup,
    EngageResponders,
    AssessDataBreach,
    CheckDevices,
    ManualWorkarounds,
    Other,
}

impl ActionKind {
    pub const ALL: [ActionKind; 19] = [
        ActionKind::ActivateCommand,
        ActionKind::DeclareDowntime,
        ActionKind::IsolateSystems,
        ActionKind::PreserveEvidence,
        ActionKind::ContactVendor,
        ActionKind::NotifyAuthority,
        ActionKind::NotifyLawEnforcement,
        ActionKind::InformStaff,
        ActionKind::InformPatients,
        ActionKind::PublicStatement,
        ActionKind::DivertAmbulances,
        ActionKind::CancelElectiveCare,
        ActionKind::RequestMutualAid,
        ActionKind::RestoreFromBackup,
        ActionKind::EngageResponders,
        ActionKind::AssessDataBreach,
        ActionKind::CheckDevices,
        ActionKind::ManualWorkarounds,
        ActionKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::ActivateCommand => "activate_command",
            ActionKind::DeclareDowntime => "declare_downtime",
            ActionKind::IsolateSystems => "isolate_systems",
            ActionKind::PreserveEvidence => "preserve_evidence",
            ActionKind::ContactVendor => "contact_vendor",
            ActionKind::NotifyAuthority => "notify_authority",
            ActionKind::NotifyLawEnforcement => "notify_law_enforcement",
            ActionKind::InformStaff => "inform_staff",
            ActionKind::InformPatients => "inform_patients",
            ActionKind::PublicStatement => "public_statement",
            ActionKind::DivertAmbulances => "divert_ambulances",
            ActionKind::CancelElectiveCare => "cancel_elective_care",
            ActionKind::RequestMutualAid => "request_mutual_aid",
            ActionKind::RestoreFromBackup => "restore_from_backup",
            ActionKind::EngageResponders => "engage_responders",
            ActionKind::AssessDataBreach => "assess_data_breach",
            ActionKind::CheckDevices => "check_devices",
            ActionKind::ManualWorkarounds => "manual_workarounds",
            ActionKind::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::ActivateCommand => "Escalated / activated incident command",
            ActionKind::DeclareDowntime => "Declared downtime procedures",
            ActionKind::IsolateSystems => "Isolated affected systems",
            ActionKind::PreserveEvidence => "Preserved evidence",
            ActionKind::ContactVendor => "Contacted a supplier or vendor",
            ActionKind::NotifyAuthority => "Notified an authority (regulator, CSIRT, DPA)",
            ActionKind::NotifyLawEnforcement => "Notified law enforcement",
            ActionKind::InformStaff => "Informed staff",
            ActionKind::InformPatients => "Informed patients",
            ActionKind::PublicStatement => "Made a public or press statement",
            ActionKind::DivertAmbulances => "Diverted ambulances",
            ActionKind::CancelElectiveCare => "Postponed elective care",
            ActionKind::RequestMutualAid => "Requested help from neighbouring hospitals or the region",
            ActionKind::RestoreFromBackup => "Started restoring from backups",
            ActionKind::EngageResponders => "Engaged incident responders or the insurer",
            ActionKind::AssessDataBreach => "Assessed whether personal data was breached",
            ActionKind::CheckDevices => "Checked medical devices",
            ActionKind::ManualWorkarounds => "Started manual workarounds (paper, fax, runners)",
            ActionKind::Other => "Other",
        }
    }
    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The exercise's phases (HICS time phases; real outages last weeks, so the later phases matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 0–2 hours.
    Immediate,
    /// 2–12 hours.
    Intermediate,
    /// Beyond 12 hours.
    Extended,
    Recovery,
}

/// The measured times an objective can be scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// From awareness to the first `activate_command` action.
    TimeToEscalate,
    /// From awareness to the first `declare_downtime` action.
    TimeToDowntime,
    /// From awareness to the first `notify_authority` action.
    TimeToFirstNotification,
    /// From awareness to the diversion decision.
    TimeToDiversionDecision,
    /// Share of expectations met in time (target is a percentage).
    ExpectationsMet,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    /// Bump when injects or scoring change; runs record the version they used.
    pub version: u32,
    pub title: String,
    pub summary: String,
    pub narrative: String,
    /// Room time the exercise is planned to take, in minutes.
    pub duration_minutes: u32,
    pub objectives: Vec<Objective>,
    pub organisation: OrgProfile,
    pub roles: Vec<RoleNote>,
    /// The reporting engine's facts (a ward-rules fact document without
    /// `incident.awareness_at`, which the run sets when the awareness inject is released).
    pub facts: serde_yaml_ng::Value,
    /// The inject whose release makes the organisation aware of the incident.
    pub awareness_inject: String,
    pub harm: HarmInputs,
    pub injects: Vec<Inject>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: String,
    pub text: String,
    pub metric: Metric,
    /// For time metrics: the target duration; for `expectations_met`: a percentage ("80").
    pub target: String,
    /// Requirements of the risk module this objective exercises (`framework/requirement`).
    #[serde(default)]
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgProfile {
    pub description: String,
    pub beds: u32,
    pub admissions_per_day: f64,
    #[serde(default)]
    pub ed_visits_per_day: Option<f64>,
    /// `urban` or `rural`.
    pub setting: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// IANA time zone of the hospital.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleNote {
    pub role: Role,
    /// What this role does in this scenario (shown on the participant's view).
    pub brief: String,
}

/// Inputs of the patient-harm estimate that the scenario fixes; a decision may override
/// `diversion`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmInputs {
    pub downtime_days: f64,
    /// `standard` or `severe` (EHR and ancillary systems down).
    pub severity: String,
    /// `none`, `partial` or `full` unless a decision sets it.
    pub diversion: String,
    #[serde(default)]
    pub neighbour_ed_visits_per_day: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inject {
    pub id: String,
    /// Scenario time after the start, an ISO 8601 duration (`PT45M`, `P1DT2H`; a day is 24 h).
    pub at: ScenarioDuration,
    pub phase: Phase,
    pub title: String,
    /// How it reaches the players: phone, email, in_person, system, news, pager, radio.
    pub channel: String,
    /// Who it comes from (a person or system in the story).
    pub from: String,
    /// Roles that receive it; empty means everyone.
    #[serde(default)]
    pub audience: Vec<Role>,
    pub content: String,
    /// Released only if this holds when its time comes (a contingency inject). Written as a
    /// one-key map (`expectation_not_met: {expectation: e02}`).
    #[serde(default, with = "serde_yaml_ng::with::singleton_map")]
    pub when: Option<Condition>,
    #[serde(default)]
    pub expectations: Vec<Expectation>,
    #[serde(default)]
    pub decision: Option<DecisionPoint>,
    /// Guidance for the facilitator (never shown to players).
    #[serde(default)]
    pub facilitator_notes: Option<String>,
    /// Facts the story establishes when this inject goes out (e.g. `pd.breach: "yes"` when
    /// the leak site lists the hospital); the reporting engine sees them as later fact
    /// changes. The value `$released_at` stands for the inject's release instant.
    #[serde(default)]
    pub sets_facts: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The placeholder for an inject's release instant in `sets_facts`.
pub const RELEASED_AT: &str = "$released_at";

/// A condition on earlier play, checked when the inject's time comes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Condition {
    /// The decision was taken with one of these options.
    DecisionIn { decision: String, options: Vec<String> },
    /// The decision has not been taken (yet).
    DecisionPending { decision: String },
    /// The expectation was missed or is still open past its window.
    ExpectationNotMet { expectation: String },
    /// The expectation was met in time.
    ExpectationMet { expectation: String },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub id: String,
    pub role: Role,
    /// What good looks like, for the facilitator and the after-action report.
    pub text: String,
    /// The recorded action that meets it.
    pub action: ActionKind,
    /// Window from the inject's release, in scenario time.
    pub within: ScenarioDuration,
    /// Weight in the score (1–10).
    #[serde(default = "one")]
    pub points: u32,
    /// For `notify_authority`: the obligation (`regime/stage`) the notification must answer,
    /// so that two notifications by one role are scored apart.
    #[serde(default)]
    pub obligation: Option<String>,
    /// Requirements of the risk module a miss points to (`framework/requirement`).
    #[serde(default)]
    pub controls: Vec<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionPoint {
    pub id: String,
    /// Who decides.
    pub role: Role,
    pub question: String,
    pub options: Vec<DecisionOption>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionOption {
    pub id: String,
    pub label: String,
    /// Choosing this option also counts as this action (e.g. `divert_ambulances`).
    #[serde(default)]
    pub counts_as: Option<ActionKind>,
    /// Sets the harm estimate's diversion input (`none`, `partial`, `full`).
    #[serde(default)]
    pub diversion: Option<String>,
    /// What the facilitator may tell the room about the consequences.
    #[serde(default)]
    pub consequence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl Scenario {
    /// Parses and validates one scenario file; every problem names the field path.
    pub fn from_yaml(file: &str, text: &str) -> Result<Scenario, Error> {
        let fail = |problems: Vec<FieldProblem>| Error::Scenario { file: file.to_owned(), problems };
        if text.len() > MAX_FILE_BYTES {
            return Err(fail(vec![FieldProblem::new("", format!("the file is larger than {MAX_FILE_BYTES} bytes"))]));
        }
        let de = serde_yaml_ng::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let reason = e.into_inner().to_string();
            let reason = reason.strip_prefix(&format!("{path}: ")).map(str::to_owned).unwrap_or(reason);
            fail(vec![FieldProblem::new(path, reason)])
        })?;
        let problems = scenario.problems(file);
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(fail(problems))
        }
    }

    /// Every problem, not only the first: an author fixes a file in one pass.
    fn problems(&self, file: &str) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        let stem = file.rsplit('/').next().unwrap_or(file).trim_end_matches(".yaml");
        if self.id != stem {
            p.push(FieldProblem::new("id", format!("must equal the file name without .yaml ({stem:?})")));
        }
        check_slug(&mut p, "id", &self.id);
        if self.version == 0 {
            p.push(FieldProblem::new("version", "must be 1 or more"));
        }
        line(&mut p, "title", &self.title);
        text(&mut p, "summary", &self.summary);
        text(&mut p, "narrative", &self.narrative);
        if !(15..=8 * 60).contains(&self.duration_minutes) {
            p.push(FieldProblem::new("duration_minutes", "must be between 15 and 480"));
        }
        // Organisation profile.
        let o = &self.organisation;
        text(&mut p, "organisation.description", &o.description);
        if !(1..=5000).contains(&o.beds) {
            p.push(FieldProblem::new("organisation.beds", "must be between 1 and 5000"));
        }
        if !(o.admissions_per_day.is_finite() && o.admissions_per_day > 0.0 && o.admissions_per_day <= 2000.0) {
            p.push(FieldProblem::new("organisation.admissions_per_day", "must be a number above 0 and at most 2000"));
        }
        if let Some(v) = o.ed_visits_per_day {
            if !(v.is_finite() && (0.0..=5000.0).contains(&v)) {
                p.push(FieldProblem::new("organisation.ed_visits_per_day", "must be between 0 and 5000"));
            }
        }
        if !matches!(o.setting.as_str(), "urban" | "rural") {
            p.push(FieldProblem::new("organisation.setting", "must be urban or rural"));
        }
        if !(o.country.len() == 2 && o.country.bytes().all(|b| b.is_ascii_uppercase())) {
            p.push(FieldProblem::new("organisation.country", "must be an ISO 3166-1 alpha-2 code in capitals"));
        }
        if jiff::tz::TimeZone::get(&o.time_zone).is_err() {
            p.push(FieldProblem::new("organisation.time_zone", format!("{:?} is not an IANA time zone", o.time_zone)));
        }
        // Roles.
        if self.roles.is_empty() {
            p.push(FieldProblem::new("roles", "name at least one role"));
        }
        let mut roles = BTreeSet::new();
        for (i, r) in self.roles.iter().enumerate() {
            if !roles.insert(r.role) {
                p.push(FieldProblem::new(format!("roles[{i}].role"), format!("{} is listed twice", r.role.as_str())));
            }
            text(&mut p, &format!("roles[{i}].brief"), &r.brief);
        }
        // Facts: a mapping with entity and incident, without the awareness instant.
        match &self.facts {
            serde_yaml_ng::Value::Mapping(m) => {
                for key in m.keys() {
                    if !matches!(key.as_str(), Some("entity" | "incident")) {
                        p.push(FieldProblem::new("facts", format!("{key:?} is not a section (entity, incident)")));
                    }
                }
                let incident = m.get("incident").and_then(|v| v.as_mapping());
                if incident.is_some_and(|i| i.contains_key("incident.awareness_at")) {
                    p.push(FieldProblem::new(
                        "facts.incident.incident.awareness_at",
                        "is set by the run when the awareness inject is released; leave it out",
                    ));
                }
                if !m.get("entity").is_some_and(|e| e.is_mapping()) {
                    p.push(FieldProblem::new("facts.entity", "must be a mapping of entity facts"));
                }
            }
            _ => p.push(FieldProblem::new("facts", "must be a mapping with entity and incident facts")),
        }
        // Harm inputs.
        let h = &self.harm;
        if !(h.downtime_days.is_finite() && h.downtime_days >= 0.0 && h.downtime_days <= 365.0) {
            p.push(FieldProblem::new("harm.downtime_days", "must be between 0 and 365"));
        }
        if !matches!(h.severity.as_str(), "standard" | "severe") {
            p.push(FieldProblem::new("harm.severity", "must be standard or severe"));
        }
        if !matches!(h.diversion.as_str(), "none" | "partial" | "full") {
            p.push(FieldProblem::new("harm.diversion", "must be none, partial or full"));
        }
        // Injects, expectations, decisions.
        if self.injects.is_empty() || self.injects.len() > MAX_INJECTS {
            p.push(FieldProblem::new("injects", format!("must have 1 to {MAX_INJECTS} injects")));
        }
        let mut ids = BTreeSet::new();
        let mut expectation_ids = BTreeSet::new();
        let mut decision_options: Vec<(String, Vec<String>)> = Vec::new();
        let mut last_at = ScenarioDuration::ZERO;
        for (i, inj) in self.injects.iter().enumerate() {
            let f = |s: &str| format!("injects[{i}].{s}");
            check_slug(&mut p, &f("id"), &inj.id);
            if !ids.insert(inj.id.clone()) {
                p.push(FieldProblem::new(f("id"), format!("{:?} is used twice", inj.id)));
            }
            if inj.at.seconds() > MAX_OFFSET_SECONDS {
                p.push(FieldProblem::new(f("at"), "must be at most 8 weeks after the start"));
            }
            if inj.at < last_at {
                p.push(FieldProblem::new(f("at"), "injects must be listed in time order"));
            }
            last_at = inj.at;
            line(&mut p, &f("title"), &inj.title);
            line(&mut p, &f("from"), &inj.from);
            if !CHANNELS.contains(&inj.channel.as_str()) {
                p.push(FieldProblem::new(f("channel"), format!("{:?} is not one of {}", inj.channel, CHANNELS.join(", "))));
            }
            text(&mut p, &f("content"), &inj.content);
            if let Some(n) = &inj.facilitator_notes {
                text(&mut p, &f("facilitator_notes"), n);
            }
            for (j, r) in inj.audience.iter().enumerate() {
                if !roles.contains(r) {
                    p.push(FieldProblem::new(f(&format!("audience[{j}]")), format!("{} is not one of the scenario's roles", r.as_str())));
                }
            }
            if inj.expectations.len() > MAX_EXPECTATIONS {
                p.push(FieldProblem::new(f("expectations"), format!("at most {MAX_EXPECTATIONS}")));
            }
            for (j, e) in inj.expectations.iter().enumerate() {
                let g = |s: &str| f(&format!("expectations[{j}].{s}"));
                check_slug(&mut p, &g("id"), &e.id);
                if !expectation_ids.insert(e.id.clone()) || ids.contains(&e.id) {
                    p.push(FieldProblem::new(g("id"), format!("{:?} is used twice", e.id)));
                }
                if !roles.contains(&e.role) {
                    p.push(FieldProblem::new(g("role"), format!("{} is not one of the scenario's roles", e.role.as_str())));
                }
                line(&mut p, &g("text"), &e.text);
                if e.within.seconds() <= 0 {
                    p.push(FieldProblem::new(g("within"), "must be longer than zero"));
                }
                if !(1..=10).contains(&e.points) {
                    p.push(FieldProblem::new(g("points"), "must be between 1 and 10"));
                }
                for (k, c) in e.controls.iter().enumerate() {
                    check_control(&mut p, &g(&format!("controls[{k}]")), c);
                }
                if let Some(o) = &e.obligation {
                    if e.action != ActionKind::NotifyAuthority {
                        p.push(FieldProblem::new(g("obligation"), "only a notify_authority expectation names an obligation"));
                    } else if !o.split_once('/').is_some_and(|(r, s)| !r.is_empty() && !s.is_empty() && !s.contains('/')) {
                        p.push(FieldProblem::new(g("obligation"), format!("{o:?} must be regime/stage, e.g. eu.gdpr/sa_notification")));
                    }
                }
            }
            if let Some(d) = &inj.decision {
                let g = |s: &str| f(&format!("decision.{s}"));
                check_slug(&mut p, &g("id"), &d.id);
                if decision_options.iter().any(|(id, _)| *id == d.id) || ids.contains(&d.id) || expectation_ids.contains(&d.id) {
                    p.push(FieldProblem::new(g("id"), format!("{:?} is used twice", d.id)));
                }
                if !roles.contains(&d.role) {
                    p.push(FieldProblem::new(g("role"), format!("{} is not one of the scenario's roles", d.role.as_str())));
                }
                line(&mut p, &g("question"), &d.question);
                if d.options.len() < 2 || d.options.len() > MAX_OPTIONS {
                    p.push(FieldProblem::new(g("options"), format!("must have 2 to {MAX_OPTIONS} options")));
                }
                let mut option_ids = Vec::new();
                for (k, o) in d.options.iter().enumerate() {
                    let h = |s: &str| g(&format!("options[{k}].{s}"));
                    check_slug(&mut p, &h("id"), &o.id);
                    if option_ids.contains(&o.id) {
                        p.push(FieldProblem::new(h("id"), format!("{:?} is used twice", o.id)));
                    }
                    option_ids.push(o.id.clone());
                    line(&mut p, &h("label"), &o.label);
                    if let Some(dv) = &o.diversion {
                        if !matches!(dv.as_str(), "none" | "partial" | "full") {
                            p.push(FieldProblem::new(h("diversion"), "must be none, partial or full"));
                        }
                    }
                    if let Some(c) = &o.consequence {
                        text(&mut p, &h("consequence"), c);
                    }
                }
                decision_options.push((d.id.clone(), option_ids));
            }
            // A condition may only look back: at what was defined by earlier injects.
            if let Some(c) = &inj.when {
                let g = f("when");
                match c {
                    Condition::DecisionIn { decision, options } => match decision_options.iter().find(|(id, _)| id == decision) {
                        Some((_, known)) => {
                            if options.is_empty() {
                                p.push(FieldProblem::new(format!("{g}.decision_in.options"), "name at least one option"));
                            }
                            for o in options {
                                if !known.contains(o) {
                                    p.push(FieldProblem::new(format!("{g}.decision_in.options"), format!("{o:?} is not an option of {decision}")));
                                }
                            }
                        }
                        None => p.push(FieldProblem::new(format!("{g}.decision_in.decision"), format!("{decision:?} is not a decision of an earlier inject"))),
                    },
                    Condition::DecisionPending { decision } => {
                        if !decision_options.iter().any(|(id, _)| id == decision) {
                            p.push(FieldProblem::new(format!("{g}.decision_pending.decision"), format!("{decision:?} is not a decision of an earlier inject")));
                        }
                    }
                    Condition::ExpectationMet { expectation } | Condition::ExpectationNotMet { expectation } => {
                        let own = inj.expectations.iter().any(|e| &e.id == expectation);
                        if own || !expectation_ids.contains(expectation) {
                            p.push(FieldProblem::new(format!("{g}.expectation"), format!("{expectation:?} is not an expectation of an earlier inject")));
                        }
                    }
                }
            }
        }
        if !self.injects.iter().any(|i| i.id == self.awareness_inject) {
            p.push(FieldProblem::new("awareness_inject", format!("{:?} is not an inject of this scenario", self.awareness_inject)));
        } else if self.injects.iter().find(|i| i.id == self.awareness_inject).is_some_and(|i| i.when.is_some()) {
            p.push(FieldProblem::new("awareness_inject", "must be an unconditional inject"));
        }
        // Objectives.
        if self.objectives.is_empty() {
            p.push(FieldProblem::new("objectives", "name at least one objective"));
        }
        let mut objective_ids = BTreeSet::new();
        for (i, o) in self.objectives.iter().enumerate() {
            let f = |s: &str| format!("objectives[{i}].{s}");
            check_slug(&mut p, &f("id"), &o.id);
            if !objective_ids.insert(o.id.clone()) {
                p.push(FieldProblem::new(f("id"), format!("{:?} is used twice", o.id)));
            }
            line(&mut p, &f("text"), &o.text);
            if let Err(reason) = o.parsed_target() {
                p.push(FieldProblem::new(f("target"), reason));
            }
            for (k, c) in o.controls.iter().enumerate() {
                check_control(&mut p, &f(&format!("controls[{k}]")), c);
            }
        }
        let has_diversion_decision = self.injects.iter().filter_map(|i| i.decision.as_ref()).any(|d| {
            d.options.iter().any(|o| o.counts_as == Some(ActionKind::DivertAmbulances) || o.diversion.is_some())
        });
        if self.objectives.iter().any(|o| o.metric == Metric::TimeToDiversionDecision) && !has_diversion_decision {
            p.push(FieldProblem::new("objectives", "time_to_diversion_decision needs a decision with a diversion option"));
        }
        // References.
        if self.references.is_empty() {
            p.push(FieldProblem::new("references", "cite at least one source"));
        }
        for (i, r) in self.references.iter().enumerate() {
            line(&mut p, &format!("references[{i}].title"), &r.title);
            if !(r.url.starts_with("https://") || r.url.starts_with("http://")) || r.url.contains(char::is_whitespace) {
                p.push(FieldProblem::new(format!("references[{i}].url"), "must be an http(s) URL"));
            }
        }
        if p.is_empty() {
            let all: Vec<(&str, jiff::Timestamp)> = self.injects.iter().map(|i| (i.id.as_str(), jiff::Timestamp::UNIX_EPOCH)).collect();
            if let Err(e) = self.fact_document_with(jiff::Timestamp::UNIX_EPOCH, &all, &[]).and_then(|doc| {
                let rules = ward_rules::RuleSet::embedded().map_err(|e| e.to_string())?;
                ward_rules::Facts::from_document(rules, &doc).map(|_| ()).map_err(|e| e.to_string())
            }) {
                p.push(FieldProblem::new("facts", e));
            }
        }
        p
    }

    /// The reporting engine's fact document for a run: the scenario's facts, the instant the
    /// organisation became aware, and the notifications the players sent.
    pub fn fact_document(
        &self,
        awareness_at: jiff::Timestamp,
        submissions: &[ward_rules::Submission],
    ) -> Result<ward_rules::FactDocument, String> {
        self.fact_document_with(awareness_at, &[], submissions)
    }

    /// [`Scenario::fact_document`] with the facts set by the injects released so far
    /// (inject id, release instant), in release order.
    pub fn fact_document_with(
        &self,
        awareness_at: jiff::Timestamp,
        released: &[(&str, jiff::Timestamp)],
        submissions: &[ward_rules::Submission],
    ) -> Result<ward_rules::FactDocument, String> {
        let text = serde_json::to_string(&self.facts).map_err(|e| e.to_string())?;
        let mut doc = ward_rules::parse_fact_document(&text).map_err(|e| e.to_string())?;
        let tz = jiff::tz::TimeZone::get(&self.organisation.time_zone).map_err(|e| e.to_string())?;
        let local = awareness_at.to_zoned(tz);
        doc.incident.insert(
            "incident.awareness_at".into(),
            serde_json::Value::String(local.timestamp().display_with_offset(local.offset()).to_string()),
        );
        doc.submissions = submissions.to_vec();
        let tz2 = jiff::tz::TimeZone::get(&self.organisation.time_zone).map_err(|e| e.to_string())?;
        for (inject, at) in released {
            let Some(inj) = self.inject(inject) else { continue };
            for (fact, value) in &inj.sets_facts {
                let value = if value.as_str() == Some(RELEASED_AT) {
                    let z = at.to_zoned(tz2.clone());
                    serde_json::Value::String(z.timestamp().display_with_offset(z.offset()).to_string())
                } else {
                    value.clone()
                };
                doc.fact_log.push(ward_rules::FactChange { fact: fact.clone(), value, recorded_at: Some(*at), recorded_by: Some(format!("inject {inject}")) });
            }
        }
        Ok(doc)
    }

    pub fn inject(&self, id: &str) -> Option<&Inject> {
        self.injects.iter().find(|i| i.id == id)
    }

    /// Every expectation with the inject it belongs to.
    pub fn expectations(&self) -> impl Iterator<Item = (&Inject, &Expectation)> {
        self.injects.iter().flat_map(|i| i.expectations.iter().map(move |e| (i, e)))
    }

    /// Every decision point with the inject it belongs to.
    pub fn decisions(&self) -> impl Iterator<Item = (&Inject, &DecisionPoint)> {
        self.injects.iter().filter_map(|i| i.decision.as_ref().map(|d| (i, d)))
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.iter().any(|r| r.role == role)
    }

    /// Every `framework/requirement` the scenario links to, for checking against the risk
    /// module's catalogue (which this crate does not depend on).
    pub fn control_links(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (i, o) in self.objectives.iter().enumerate() {
            for c in &o.controls {
                out.push((format!("objectives[{i}].controls"), c.as_str()));
            }
        }
        for (i, inj) in self.injects.iter().enumerate() {
            for (j, e) in inj.expectations.iter().enumerate() {
                for c in &e.controls {
                    out.push((format!("injects[{i}].expectations[{j}].controls"), c.as_str()));
                }
            }
        }
        out
    }
}

/// An objective's target, parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Within(ScenarioDuration),
    Percent(f64),
}

impl Objective {
    pub fn parsed_target(&self) -> Result<Target, String> {
        if self.metric == Metric::ExpectationsMet {
            let v: f64 = self.target.trim_end_matches('%').trim().parse().map_err(|_| "must be a percentage such as 80".to_owned())?;
            if !(0.0..=100.0).contains(&v) {
                return Err("must be between 0 and 100".into());
            }
            Ok(Target::Percent(v))
        } else {
            let d = ScenarioDuration::parse(&self.target)?;
            if d.seconds() <= 0 {
                return Err("must be longer than zero".into());
            }
            Ok(Target::Within(d))
        }
    }
}

/// Channels an inject may come through.
pub const CHANNELS: [&str; 8] = ["phone", "email", "in_person", "system", "news", "pager", "radio", "social_media"];

fn check_slug(p: &mut Vec<FieldProblem>, field: &str, v: &str) {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        p.push(FieldProblem::new(field, format!("{v:?} must be 1 to 64 characters of a-z, 0-9, - and _")));
    }
}

fn check_control(p: &mut Vec<FieldProblem>, field: &str, v: &str) {
    match v.split_once('/') {
        Some((f, r)) if !f.is_empty() && !r.is_empty() && !r.contains('/') => {}
        _ => p.push(FieldProblem::new(field, format!("{v:?} must be framework/requirement, e.g. nis2-art21/21.2.c"))),
    }
}

fn line(p: &mut Vec<FieldProblem>, field: &str, v: &str) {
    if v.trim().is_empty() {
        p.push(FieldProblem::new(field, "must not be empty"));
    } else if v.chars().count() > MAX_LINE_CHARS {
        p.push(FieldProblem::new(field, format!("must be at most {MAX_LINE_CHARS} characters")));
    }
}

fn text(p: &mut Vec<FieldProblem>, field: &str, v: &str) {
    if v.trim().is_empty() {
        p.push(FieldProblem::new(field, "must not be empty"));
    } else if v.chars().count() > MAX_TEXT_CHARS {
        p.push(FieldProblem::new(field, format!("must be at most {MAX_TEXT_CHARS} characters")));
    }
}

/// The shipped scenarios, parsed once. A shipped file that fails validation is a build defect
/// caught by `every_shipped_scenario_loads_and_validates`; here it is reported, not panicked on.
pub fn embedded() -> Result<&'static [Scenario], &'static Error> {
    static CELL: std::sync::OnceLock<Result<Vec<Scenario>, Error>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| EMBEDDED.iter().map(|(file, text)| Scenario::from_yaml(file, text)).collect())
        .as_ref()
        .map(Vec::as_slice)
}

/// One shipped scenario by id.
pub fn find(id: &str) -> Option<&'static Scenario> {
    embedded().ok()?.iter().find(|s| s.id == id)
}
