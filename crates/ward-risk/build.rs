//! Embeds the repository's `frameworks/*.yaml` and `frameworks/crosswalks/*.yaml` into the
//! library, so the `ward` binary knows every framework offline from any working directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let frameworks_dir = manifest_dir.join("../../frameworks");
    let crosswalks_dir = frameworks_dir.join("crosswalks");
    println!("cargo:rerun-if-changed={}", frameworks_dir.display());
    println!("cargo:rerun-if-changed={}", crosswalks_dir.display());
    let mut out = String::new();
    for (name, dir) in [("FRAMEWORK_FILES", &frameworks_dir), ("CROSSWALK_FILES", &crosswalks_dir)] {
        writeln!(out, "pub(crate) static {name}: &[(&str, &str)] = &[").expect("write to String");
        for path in yaml_files(dir) {
            println!("cargo:rerun-if-changed={}", path.display());
            let file_name = path.file_name().and_then(|n| n.to_str()).expect("framework file names are UTF-8");
            let absolute = path.canonicalize().expect("framework file path resolves");
            writeln!(out, "    ({file_name:?}, include_str!({:?})),", absolute.display().to_string()).expect("write to String");
        }
        writeln!(out, "];").expect("write to String");
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("embedded_frameworks.rs"), out).expect("write embedded_frameworks.rs");
}
