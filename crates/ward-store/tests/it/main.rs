//! ward-store integration tests: one conformance suite, run against SQLite always and against
//! PostgreSQL when `WARD_TEST_POSTGRES_URL` names a server where it may create databases.

mod conformance;
mod culture;
mod exercises;
mod harness;
mod risk;
mod sharing;
mod sightings;
