//! The `ward match` command line contract, through the `ward-match` binary that compiles
//! the same front end (ward-cli's match_cmd.rs): exit codes, JSON lines, STIX sightings.

use std::io::Write;
use std::process::{Command, Stdio};

fn ward_match() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ward-match"));
    c.arg("match").env_remove("RUST_BACKTRACE");
    c
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("iocs.txt"), "# test\nevil.com\n1.2.3.0/24\nnot valid\n").expect("write");
    std::fs::write(dir.path().join("hit.log"), "GET a.evil.com\nnothing\nSRC=1.2.3.9 DST=10.0.0.1\n").expect("write");
    std::fs::write(dir.path().join("clean.log"), "nothing here\nxevil.com 1.2.4.1\n").expect("write");
    dir
}

#[test]
fn exit_codes_like_grep_and_json_lines_on_a_pipe() {
    let dir = setup();
    let p = |f: &str| dir.path().join(f);
    let out = ward_match().arg("--indicators").arg(p("iocs.txt")).arg(p("hit.log")).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[0]["kind"], "domain");
    assert_eq!(lines[0]["indicator"], "evil.com");
    assert_eq!(lines[0]["matched"], "a.evil.com");
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[1]["indicator"], "1.2.3.0/24");
    assert_eq!(lines[1]["field"], "SRC");
    assert!(lines[0]["file"].as_str().is_some_and(|f| f.ends_with("hit.log")));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped 1 invalid indicator"), "{stderr}");

    let out = ward_match().arg("--indicators").arg(p("iocs.txt")).arg("--format").arg("plain").arg(p("clean.log")).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());

    let out = ward_match().arg("--indicators").arg(p("iocs.txt")).arg(p("hit.log")).arg(p("missing.log")).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.log"));
}

#[test]
fn stdin_store_flag_and_bad_arguments() {
    let dir = setup();
    let mut child = ward_match()
        .arg("--indicators")
        .arg(dir.path().join("iocs.txt"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"x evil.com\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"file\":\"-\""));

    let out = ward_match().arg("--from-store").arg("x.log").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    // The development binary has no database: `ward match --from-store` is the ward binary's.
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--from-store'"));

    let out = ward_match().arg("x.log").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = ward_match().arg("--indicators").arg(dir.path().join("iocs.txt")).arg("--format").arg("xml").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn stix_sightings_and_saved_sets() {
    let dir = setup();
    let p = |f: &str| dir.path().join(f);
    let out = ward_match()
        .arg("--indicators")
        .arg(p("iocs.txt"))
        .arg("--save-compiled")
        .arg(p("set.idx"))
        .arg("--stix")
        .arg(p("sightings.json"))
        .arg("--quiet")
        .arg(p("hit.log"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(p("sightings.json")).expect("read")).expect("json");
    assert_eq!(bundle["type"], "bundle");
    let objects = bundle["objects"].as_array().expect("objects");
    let sightings: Vec<&serde_json::Value> = objects.iter().filter(|o| o["type"] == "sighting").collect();
    assert_eq!(sightings.len(), 2);
    for s in &sightings {
        assert_eq!(s["count"], 1);
        let target = s["sighting_of_ref"].as_str().expect("ref");
        assert!(objects.iter().any(|o| o["id"] == target && o["type"] == "indicator"), "{target}");
    }
    // The saved set loads instantly and matches the same.
    let out = ward_match().arg("--indicators").arg(p("set.idx")).arg(p("hit.log")).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}
