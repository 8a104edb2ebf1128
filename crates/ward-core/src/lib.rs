//! ward-core: the domain model every other ward crate speaks.
//!
//! Organisations, incidents (a VERIS-compatible core plus the healthcare harm block), sources,
//! Traffic Light Protocol levels, and the one access-policy function. Values are parsed at the
//! boundary into validated newtypes, so an invalid country code, TLP level or harm fact without a
//! source cannot exist past it. This crate does no IO and never reads the clock.

pub mod actor;
pub mod anonymise;
pub mod country;
pub mod curated;
pub mod diff;
pub mod error;
pub mod harm;
pub mod ids;
pub mod incident;
pub mod limits;
pub mod org;
pub mod policy;
pub mod source;
pub mod text;
pub mod tlp;

pub use country::{CountryCode, RegionCode};
pub use error::{FieldError, ValidationErrors};
pub use harm::Harm;
pub use actor::{ActorDocument, ActorKind, Confidence};
pub use ids::{ActorId, AttributionId, IncidentId, OrgId, TokenId, UserId};
pub use incident::IncidentDraft;
pub use org::{OrgType, Organisation};
pub use policy::{Action, Decision, Principal, ReadScope, Resource, Role};
pub use source::Source;
pub use tlp::Tlp;
