//! ward-risk's integration tests: the shipped frameworks and crosswalks, posture over time,
//! inference through crosswalks, and the real CISA KEV catalogue.

mod assets;
mod frameworks;
mod kev;
mod posture;

use std::path::PathBuf;

pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared KEV data set (read in place, never copied into the repository).
pub fn kev_dir() -> PathBuf {
    PathBuf::from(std::env::var("WARD_KEV_DIR").unwrap_or_else(|_| "/work/shared/data/kev".into()))
}
