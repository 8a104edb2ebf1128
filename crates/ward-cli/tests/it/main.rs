//! ward-cli integration tests: the real `ward` binary as a user or an operator runs it.

mod accountability;
mod cli;
mod crash;
mod detect;
mod harm;
mod culture;
mod exercise;
mod obligations;
mod risk;
mod support;
mod taxii;
mod tracer;
