//! Identifiers: UUIDs wrapped so an incident id cannot be passed where an organisation id is due.

use std::fmt;
use std::str::FromStr;

macro_rules! uuid_id {
    ($(#[$m:meta])* $name:ident, $what:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// Wraps an already generated UUID (generation happens at the store, which owns IO).
            pub fn from_uuid(id: uuid::Uuid) -> Self { Self(id) }
            pub fn as_uuid(&self) -> uuid::Uuid { self.0 }
        }

        impl FromStr for $name {
            type Err = crate::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::FieldError::new($what, format!("{s:?} is not a UUID")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.hyphenated().fmt(f) }
        }
    };
}

uuid_id!(/// An incident's stable id.
    IncidentId, "id");
uuid_id!(/// An organisation's id.
    OrgId, "org_id");
uuid_id!(/// A user's id.
    UserId, "user_id");
uuid_id!(/// A threat actor's id in the register.
    ActorId, "actor_id");
uuid_id!(/// An incident-to-actor attribution's id.
    AttributionId, "attribution_id");
uuid_id!(/// An API token's id (not the secret).
    TokenId, "token_id");
