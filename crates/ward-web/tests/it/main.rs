//! ward-web integration tests: HTTP through the real router (`tower::ServiceExt::oneshot`)
//! over a real SQLite store.

mod access_matrix;
mod actors;
mod api;
mod culture;
mod exercises;
mod harm;
mod harness;
mod obligations;
mod openapi;
mod pages;
mod share;
mod sightings;
mod risk;
mod tracer;
mod taxii;
