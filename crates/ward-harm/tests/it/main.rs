//! ward-harm integration tests: the worked examples of docs/HARM-ESTIMATE.md reproduced exactly,
//! citations, properties, and refused inputs.
#![allow(clippy::unwrap_used)]

mod examples;
mod inputs;
mod properties;
