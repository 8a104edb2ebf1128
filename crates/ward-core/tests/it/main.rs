//! ward-core integration tests.

mod curated;
