//! The one access-policy decision: may this principal do this action to this resource?
//!
//! Every HTTP handler and every store read of incident data goes through here: handlers call
//! [`decide`], and list queries take the [`ReadScope`] this module derives from the principal
//! (the store turns it into SQL; a conformance test proves the SQL and [`ReadScope::allows`]
//! agree). Later capabilities extend the resource set (TAXII collections, sharing groups), not
//! the call sites.

use std::fmt;
use std::str::FromStr;

use crate::ids::{OrgId, UserId};
use crate::tlp::Tlp;

/// A user's role. A user belongs to exactly one organisation and holds one role in it; the
/// instance administrator additionally administers every organisation and user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    InstanceAdmin,
    OrgAdmin,
    Analyst,
    Reporter,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::InstanceAdmin, Role::OrgAdmin, Role::Analyst, Role::Reporter, Role::Viewer];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::InstanceAdmin => "instance_admin",
            Role::OrgAdmin => "org_admin",
            Role::Analyst => "analyst",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::InstanceAdmin => "Instance administrator",
            Role::OrgAdmin => "Organisation administrator",
            Role::Analyst => "Analyst",
            Role::Reporter => "Reporter",
            Role::Viewer => "Viewer",
        }
    }
    fn is_admin(self) -> bool {
        matches!(self, Role::InstanceAdmin | Role::OrgAdmin)
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Role::ALL.into_iter().find(|r| r.as_str() == t).ok_or_else(|| {
            format!("{s:?} is not a role (instance_admin, org_admin, analyst, reporter or viewer)")
        })
    }
}
impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}
impl From<Role> for String {
    fn from(r: Role) -> String {
        r.as_str().to_owned()
    }
}
impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User { user_id: UserId, org_id: OrgId, role: Role },
}

impl Principal {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::Anonymous => None,
        }
    }
    pub fn org_id(&self) -> Option<OrgId> {
        match self {
            Principal::User { org_id, .. } => Some(*org_id),
            Principal::Anonymous => None,
        }
    }
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::User { role, .. } => Some(*role),
            Principal::Anonymous => None,
        }
    }
}

/// What they want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    /// Give a user this role (checked on user creation and role changes).
    AssignRole(Role),
}

/// What they want to do it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Incident { org_id: OrgId, tlp: Tlp, created_by: Option<UserId> },
    /// The incident collection of an organisation (for Create).
    Incidents { org_id: OrgId },
    /// The list of organisations (Read: which ones the principal may see; Create: new ones).
    Organisations,
    Organisation { org_id: OrgId },
    /// The user accounts of an organisation.
    Users { org_id: OrgId },
    /// The API tokens of one user.
    Tokens { user_id: UserId, org_id: OrgId },
    /// Sightings of indicators reported by an organisation (Create: report; Read: the
    /// anonymised aggregate, whose rows the store filters by TLP).
    Sightings { org_id: OrgId },
    /// Sharing groups (named sets of organisations) and their grants on TAXII collections.
    /// Read: every signed-in member (pages show others only the groups their organisation is
    /// in); Create/Update/Delete: the instance administrator.
    SharingGroups,
    /// An organisation's risk register: its framework assessments and evidence, asset
    /// inventory and known-exploited-vulnerability findings.
    RiskRegister { org_id: OrgId },
    /// An organisation's suspicious-activity reports. Create: any member reports (a viewer
    /// too: reporting must never need a privilege). Read/Update (the triage queue, the
    /// attachments, the culture metrics): the response team, i.e. analysts and administrators
    /// of the organisation, and the instance administrator.
    CultureReports { org_id: OrgId },
    /// An organisation's tabletop exercises: runs, their event logs, after-action reports and
    /// improvement items. Read: every member of the organisation; Create/Update/Delete (set up
    /// and facilitate a run, mark expectations, manage improvement items): analysts and
    /// administrators of the organisation, and the instance administrator.
    Exercises { org_id: OrgId },
    /// Playing a role in one of an organisation's exercises: recording actions and decisions.
    /// Create: every member, a viewer too (frontline staff play).
    ExercisePlay { org_id: OrgId },
}

/// The outcome. `Deny { hide: true }` means "answer as if it did not exist" (404), so a
/// caller without access cannot even learn that a TLP:AMBER incident exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny { hide: bool, reason: &'static str },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

fn deny(reason: &'static str) -> Decision {
    Decision::Deny { hide: false, reason }
}
fn hidden() -> Decision {
    Decision::Deny { hide: true, reason: "not found" }
}

/// The policy. Pure and total: every (principal, action, resource) has an answer. Incident
/// reads are decided with the principal's own scope ([`ReadScope::for_principal`], which knows
/// no TLP:AMBER client relation); servers that hold the request's full scope call
/// [`decide_in_scope`] for incidents, so a client that may read an incident is told why it may
/// not change it (403) instead of a 404.
pub fn decide(principal: &Principal, action: Action, resource: Resource) -> Decision {
    decide_in_scope(&ReadScope::for_principal(principal), principal, action, resource)
}

/// [`decide`] with the reader's scope as built by the server (the principal's scope plus the
/// organisations that named its organisation as a client). `scope` must belong to `principal`.
pub fn decide_in_scope(scope: &ReadScope, principal: &Principal, action: Action, resource: Resource) -> Decision {
    let Principal::User { user_id, org_id: my_org, role } = *principal else {
        return match (action, resource) {
            (Action::Read, Resource::Incident { org_id, tlp, created_by }) if scope.allows(org_id, tlp, created_by) => Decision::Allow,
            (Action::Read, Resource::Incident { .. }) => hidden(),
            _ => deny("sign in first"),
        };
    };
    let instance_admin = role == Role::InstanceAdmin;
    let same_org = |org: OrgId| org == my_org;
    match (action, resource) {
        (Action::Read, Resource::Incident { org_id, tlp, created_by }) => {
            if scope.allows(org_id, tlp, created_by) { Decision::Allow } else { hidden() }
        }
        (Action::Update | Action::Delete, Resource::Incident { org_id, tlp, created_by }) => {
            if !scope.allows(org_id, tlp, created_by) {
                hidden()
            } else if same_org(org_id)
                && (matches!(role, Role::InstanceAdmin | Role::OrgAdmin | Role::Analyst)
                    || (role == Role::Reporter && created_by == Some(user_id) && action == Action::Update))
            {
                Decision::Allow
            } else {
                deny("only analysts and administrators of the owning organisation may change this incident")
            }
        }
        (Action::Create, Resource::Incidents { org_id }) => {
            if instance_admin || (same_org(org_id) && role != Role::Viewer) {
                Decision::Allow
            } else if same_org(org_id) {
                deny("viewers cannot record incidents")
            } else {
                deny("you can record incidents only for your own organisation")
            }
        }
        (Action::Read, Resource::Organisations) => Decision::Allow, // the store lists only what read_orgs allows
        (Action::Create | Action::Update | Action::Delete, Resource::Organisations) => {
            if instance_admin { Decision::Allow } else { deny("only the instance administrator manages organisations") }
        }
        (Action::Read, Resource::Organisation { org_id }) => {
            if instance_admin || same_org(org_id) { Decision::Allow } else { hidden() }
        }
        (_, Resource::Organisation { org_id }) => {
            if instance_admin || (same_org(org_id) && role == Role::OrgAdmin) { Decision::Allow } else { deny("only administrators manage an organisation") }
        }
        (Action::AssignRole(new_role), Resource::Users { org_id }) => {
            if instance_admin || (same_org(org_id) && role == Role::OrgAdmin && new_role != Role::InstanceAdmin) {
                Decision::Allow
            } else {
                deny("you may not give that role in that organisation")
            }
        }
        (_, Resource::Users { org_id }) => {
            if instance_admin || (same_org(org_id) && role == Role::OrgAdmin) { Decision::Allow } else { deny("only administrators manage users") }
        }
        (_, Resource::Tokens { user_id: owner, org_id }) => {
            if owner == user_id || instance_admin || (same_org(org_id) && role == Role::OrgAdmin) {
                Decision::Allow
            } else {
                deny("you may manage only your own API tokens")
            }
        }
        (Action::Create, Resource::Sightings { org_id }) => {
            if same_org(org_id) && role != Role::Viewer {
                Decision::Allow
            } else if same_org(org_id) {
                deny("viewers cannot report sightings")
            } else {
                deny("you can report sightings only for your own organisation")
            }
        }
        (Action::Read, Resource::Sightings { .. }) => Decision::Allow, // the store filters rows by TLP
        (_, Resource::Sightings { .. }) => deny("reported sightings are kept as they were reported"),
        (Action::Read, Resource::SharingGroups) => Decision::Allow,
        (Action::Create | Action::Update | Action::Delete, Resource::SharingGroups) => {
            if instance_admin { Decision::Allow } else { deny("only the instance administrator manages sharing groups") }
        }
        (Action::Read, Resource::RiskRegister { org_id }) => {
            if instance_admin || same_org(org_id) { Decision::Allow } else { hidden() }
        }
        (Action::Create | Action::Update | Action::Delete, Resource::RiskRegister { org_id }) => {
            if !(instance_admin || same_org(org_id)) {
                hidden()
            } else if matches!(role, Role::InstanceAdmin | Role::OrgAdmin | Role::Analyst) {
                Decision::Allow
            } else {
                deny("only analysts and administrators of the organisation change its risk register")
            }
        }
        (Action::Create, Resource::CultureReports { org_id }) => {
            if instance_admin || same_org(org_id) { Decision::Allow } else { deny("you can report only to your own organisation") }
        }
        (Action::Read | Action::Update | Action::Delete, Resource::CultureReports { org_id }) => {
            if instance_admin || (same_org(org_id) && matches!(role, Role::OrgAdmin | Role::Analyst)) {
                Decision::Allow
            } else if same_org(org_id) {
                deny("only the response team (analysts and administrators) triages reports")
            } else {
                hidden()
            }
        }
        (Action::AssignRole(_), Resource::CultureReports { .. }) => deny("not an operation on this resource"),
        (Action::Read, Resource::Exercises { org_id }) => {
            if instance_admin || same_org(org_id) { Decision::Allow } else { hidden() }
        }
        (Action::Create | Action::Update | Action::Delete, Resource::Exercises { org_id }) => {
            if !(instance_admin || same_org(org_id)) {
                hidden()
            } else if matches!(role, Role::InstanceAdmin | Role::OrgAdmin | Role::Analyst) {
                Decision::Allow
            } else {
                deny("only analysts and administrators of the organisation facilitate exercises")
            }
        }
        (Action::Create, Resource::ExercisePlay { org_id }) => {
            if instance_admin || same_org(org_id) { Decision::Allow } else { hidden() }
        }
        (_, Resource::ExercisePlay { .. }) => deny("recorded play is kept as it was recorded"),
        (Action::AssignRole(_) | Action::Create, Resource::Incident { .. })
        | (Action::AssignRole(_), _)
        | (_, Resource::Incidents { .. }) => deny("not an operation on this resource"),
    }
}

/// What incident data a principal may read, in a form both [`ReadScope::allows`] and the
/// store's SQL use. TLP 2.0: CLEAR public; GREEN the community (any signed-in member);
/// AMBER the owning organisation and the organisations it named as its clients
/// ([`ReadScope::amber_client_of`]); AMBER+STRICT the owning organisation only; RED the
/// recorder and the owning organisation's administrators (its named recipients).
///
/// [`ReadScope::for_principal`] knows only the principal; the client relation lives in the
/// database, so servers build scopes with the store's `read_scope` (which fills in
/// `amber_client_of` on every request). A scope without it is stricter, never looser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadScope {
    /// The local operator: the `ward` CLI run on the database host, who can read the database
    /// file anyway. Never derived from a network principal.
    pub operator: bool,
    pub signed_in: bool,
    pub org_id: Option<OrgId>,
    pub user_id: Option<UserId>,
    /// Sees TLP:RED items of its own organisation recorded by others.
    pub red_recipient: bool,
    /// The organisations that named this scope's organisation as a client: their TLP:AMBER
    /// (never AMBER+STRICT or RED) items are visible to it. Sorted, without duplicates.
    pub amber_client_of: Vec<OrgId>,
}

impl ReadScope {
    pub const PUBLIC: ReadScope = ReadScope { operator: false, signed_in: false, org_id: None, user_id: None, red_recipient: false, amber_client_of: Vec::new() };
    /// See [`ReadScope::operator`].
    pub const LOCAL_OPERATOR: ReadScope = ReadScope { operator: true, signed_in: true, org_id: None, user_id: None, red_recipient: false, amber_client_of: Vec::new() };

    pub fn for_principal(p: &Principal) -> ReadScope {
        match *p {
            Principal::Anonymous => ReadScope::PUBLIC,
            Principal::User { user_id, org_id, role } => ReadScope {
                operator: false,
                signed_in: true,
                org_id: Some(org_id),
                user_id: Some(user_id),
                red_recipient: role.is_admin(),
                amber_client_of: Vec::new(),
            },
        }
    }

    /// This scope with the organisations that named its organisation as a client (ignored for
    /// a scope without an organisation; the organisation itself is dropped).
    pub fn with_amber_client_of(mut self, mut owners: Vec<OrgId>) -> ReadScope {
        if self.org_id.is_none() {
            return self;
        }
        owners.retain(|o| Some(*o) != self.org_id);
        owners.sort();
        owners.dedup();
        self.amber_client_of = owners;
        self
    }

    pub fn allows(&self, owner: OrgId, tlp: Tlp, created_by: Option<UserId>) -> bool {
        if self.operator {
            return true;
        }
        let own = self.org_id == Some(owner);
        match tlp {
            Tlp::Clear => true,
            Tlp::Green => self.signed_in,
            Tlp::Amber => own || (self.org_id.is_some() && self.amber_client_of.contains(&owner)),
            Tlp::AmberStrict => own,
            Tlp::Red => own && (self.red_recipient || (created_by.is_some() && created_by == self.user_id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    #[test]
    fn tlp_visibility_table() {
        let org_a = OrgId::from_uuid(id(1));
        let org_b = OrgId::from_uuid(id(2));
        let alice = UserId::from_uuid(id(10));
        let viewer_a = Principal::User { user_id: UserId::from_uuid(id(11)), org_id: org_a, role: Role::Viewer };
        let admin_a = Principal::User { user_id: UserId::from_uuid(id(12)), org_id: org_a, role: Role::OrgAdmin };
        let analyst_b = Principal::User { user_id: UserId::from_uuid(id(13)), org_id: org_b, role: Role::Analyst };
        let recorder = Principal::User { user_id: alice, org_id: org_a, role: Role::Reporter };
        let read = |p: &Principal, tlp| decide(p, Action::Read, Resource::Incident { org_id: org_a, tlp, created_by: Some(alice) }).is_allowed();
        // (principal, [clear, green, amber, amber+strict, red])
        let table: [(&Principal, [bool; 5]); 5] = [
            (&Principal::Anonymous, [true, false, false, false, false]),
            (&analyst_b, [true, true, false, false, false]),
            (&viewer_a, [true, true, true, true, false]),
            (&admin_a, [true, true, true, true, true]),
            (&recorder, [true, true, true, true, true]),
        ];
        for (p, expected) in table {
            let got: Vec<bool> = Tlp::ALL.iter().map(|t| read(p, *t)).collect();
            assert_eq!(got, expected, "{p:?}");
        }
    }

    #[test]
    fn amber_reaches_named_clients_but_never_strict_or_red() {
        let (org_a, org_b, org_c) = (OrgId::from_uuid(id(1)), OrgId::from_uuid(id(2)), OrgId::from_uuid(id(3)));
        let admin_b = Principal::User { user_id: UserId::from_uuid(id(13)), org_id: org_b, role: Role::OrgAdmin };
        let client = ReadScope::for_principal(&admin_b).with_amber_client_of(vec![org_a, org_a, org_b]);
        assert_eq!(client.amber_client_of, vec![org_a], "deduplicated, own organisation dropped");
        let got: Vec<bool> = Tlp::ALL.iter().map(|t| client.allows(org_a, *t, None)).collect();
        assert_eq!(got, [true, true, true, false, false], "CLEAR, GREEN, AMBER yes; AMBER+STRICT, RED no");
        assert!(!client.allows(org_c, Tlp::Amber, None), "only the organisations that named it");
        assert!(!ReadScope::for_principal(&admin_b).allows(org_a, Tlp::Amber, None), "no client relation, no AMBER");
        assert_eq!(ReadScope::PUBLIC.with_amber_client_of(vec![org_a]).amber_client_of, vec![], "anonymous is nobody's client");
    }

    #[test]
    fn culture_reports_everyone_reports_the_team_triages() {
        let (org_a, org_b) = (OrgId::from_uuid(id(1)), OrgId::from_uuid(id(2)));
        let p = |role, org| Principal::User { user_id: UserId::from_uuid(id(30)), org_id: org, role };
        let res = Resource::CultureReports { org_id: org_a };
        for role in [Role::OrgAdmin, Role::Analyst, Role::Reporter, Role::Viewer] {
            assert!(decide(&p(role, org_a), Action::Create, res).is_allowed(), "{role:?} may report");
        }
        assert!(!decide(&Principal::Anonymous, Action::Create, res).is_allowed(), "anonymous reports go through the organisation link");
        assert!(!decide(&p(Role::Analyst, org_b), Action::Create, res).is_allowed());
        assert!(decide(&p(Role::Analyst, org_a), Action::Update, res).is_allowed());
        assert!(decide(&p(Role::InstanceAdmin, org_b), Action::Read, res).is_allowed());
        assert_eq!(decide(&p(Role::Reporter, org_a), Action::Read, res), deny("only the response team (analysts and administrators) triages reports"));
        assert_eq!(decide(&p(Role::OrgAdmin, org_b), Action::Read, res), hidden());
    }

    #[test]
    fn writes_need_role_in_owning_org() {
        let org_a = OrgId::from_uuid(id(1));
        let org_b = OrgId::from_uuid(id(2));
        let me = UserId::from_uuid(id(20));
        let p = |role, org| Principal::User { user_id: me, org_id: org, role };
        let inc = Resource::Incident { org_id: org_a, tlp: Tlp::Green, created_by: None };
        assert!(decide(&p(Role::Analyst, org_a), Action::Update, inc).is_allowed());
        assert!(!decide(&p(Role::Viewer, org_a), Action::Update, inc).is_allowed());
        assert!(!decide(&p(Role::Reporter, org_a), Action::Update, inc).is_allowed());
        assert_eq!(decide(&p(Role::Analyst, org_b), Action::Update, Resource::Incident { org_id: org_a, tlp: Tlp::Amber, created_by: None }), hidden());
        assert!(!decide(&p(Role::Analyst, org_b), Action::Update, inc).is_allowed());
        assert!(decide(&p(Role::Reporter, org_a), Action::Create, Resource::Incidents { org_id: org_a }).is_allowed());
        assert!(!decide(&p(Role::Viewer, org_a), Action::Create, Resource::Incidents { org_id: org_a }).is_allowed());
        assert!(!decide(&p(Role::OrgAdmin, org_a), Action::AssignRole(Role::InstanceAdmin), Resource::Users { org_id: org_a }).is_allowed());
        assert!(decide(&p(Role::OrgAdmin, org_a), Action::AssignRole(Role::Analyst), Resource::Users { org_id: org_a }).is_allowed());
        assert!(!decide(&p(Role::OrgAdmin, org_a), Action::Create, Resource::Organisations).is_allowed());
        assert!(decide(&p(Role::InstanceAdmin, org_b), Action::Create, Resource::Organisations).is_allowed());
        assert!(!decide(&Principal::Anonymous, Action::Create, Resource::Incidents { org_id: org_a }).is_allowed());
    }

    #[test]
    fn risk_register_is_the_organisations_own() {
        let org_a = OrgId::from_uuid(id(1));
        let org_b = OrgId::from_uuid(id(2));
        let p = |role, org| Principal::User { user_id: UserId::from_uuid(id(30)), org_id: org, role };
        let register = Resource::RiskRegister { org_id: org_a };
        // (role in A, may read, may update)
        for (role, read, update) in [(Role::OrgAdmin, true, true), (Role::Analyst, true, true), (Role::Reporter, true, false), (Role::Viewer, true, false)] {
            assert_eq!(decide(&p(role, org_a), Action::Read, register).is_allowed(), read, "{role:?}");
            assert_eq!(decide(&p(role, org_a), Action::Update, register).is_allowed(), update, "{role:?}");
        }
        assert_eq!(decide(&p(Role::OrgAdmin, org_b), Action::Read, register), hidden(), "another organisation cannot learn anything");
        assert_eq!(decide(&p(Role::Analyst, org_b), Action::Update, register), hidden());
        assert!(decide(&p(Role::InstanceAdmin, org_b), Action::Update, register).is_allowed());
        assert!(!decide(&Principal::Anonymous, Action::Read, register).is_allowed());
    }
}
