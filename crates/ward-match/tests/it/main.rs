//! ward-match integration tests: one binary, one module per concern.

mod cli;
mod formats;
mod generated;
mod loaders;
mod oracle;
mod robustness;
mod semantics;
mod support;
