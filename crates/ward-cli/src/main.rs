//! The `ward` command-line entry point.
fn main() {}
