//! ward-stix: the STIX 2.1 and TAXII 2.1 wire format, and nothing else.
//!
//! Objects are kept as the exact JSON text they arrived in (custom properties and unknown
//! object types survive byte for byte) next to the few typed properties ward needs
//! ([`StixObject`]); validation checks the common properties, identifiers, timestamps and
//! references of every object and the required properties of each known type, naming the
//! property path of every problem. TLP markings arriving as TLP 1.0 or non-OASIS variant ids
//! are normalised to the OASIS TLP 2.0 marking definitions ([`tlp`]). The patterning language
//! has a complete parser ([`pattern`]). Every input has a limit ([`limits`]).
//!
//! This crate depends on no other ward crate and does no IO ([`stream`] reads a reader its
//! caller opened).

pub mod bundle;
pub mod error;
pub mod ident;
pub mod incident_core;
pub mod limits;
pub mod object;
pub mod pattern;
pub mod stream;
pub mod taxii;
pub mod timestamp;
pub mod tlp;
pub mod upgrade;

pub use bundle::{parse_bundle, ParsedBundle};
pub use error::{StixError, StixErrors};
pub use ident::StixId;
pub use incident_core::{IncidentCore, INCIDENT_CORE_EXTENSION_ID};
pub use object::StixObject;
pub use stream::{stream_document, StreamSummary};
pub use tlp::TlpLevel;
