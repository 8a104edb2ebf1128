//! `ward taxii`, `ward stix import`, and interoperability with the OASIS reference tools:
//! `ward serve` on loopback, driven by `tests/python/taxii_interop.py` under
//! `$WARD_TEST_PYTHON` (taxii2-client, stix2, stix2-validator). Without `WARD_TEST_PYTHON` the
//! interop part is skipped, except under CI, where that is a failure.

use std::process::Command;

use crate::support::{run, stderr, stdout, test_python, Server};

const PASSWORD: &str = "interop test password";

fn setup(db: &str) -> String {
    assert!(run(&["admin", "create-org", "Health ISAC", "--database-url", db], None).status.success());
    assert!(run(&["admin", "create-org", "Hospital A", "--database-url", db], None).status.success());
    let o = run(&["admin", "create-user", "--org", "Health ISAC", "--email", "isac@example.org", "--role", "analyst", "--database-url", db], Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["taxii", "create-collection", "--title", "Health indicators", "--org", "Health ISAC", "--api-root", "isac", "--read", "Hospital A", "--json", "--database-url", db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    assert!(v["url"].as_str().unwrap().ends_with(&format!("/taxii2/isac/collections/{id}/")));
    id
}

#[test]
fn collections_and_stix_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let o = run(&["taxii", "create-collection", "--title", "T", "--org", "Nobody", "--database-url", &db], None);
    assert!(!o.status.success() && stderr(&o).contains("Nobody"));
    let o = run(&["taxii", "create-collection", "--title", "T", "--org", "Health ISAC", "--database-url", &db], None);
    assert!(o.status.success());
    let plain_id = stdout(&o);
    assert_eq!(plain_id.len(), 36, "prints only the id: {plain_id}");
    let o = run(&["taxii", "list-collections", "--json", "--database-url", &db], None);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    // A bundle with one good object (TLP 1.0 RED marking) and one bad one.
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
         "pattern": "[url:value = 'http://evil.example/']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
         "object_marking_refs": ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]},
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--7f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
         "pattern": "[url:value = ", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}
    ]});
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let o = run(&["stix", "import", "--collection", &id, file.to_str().unwrap(), "--json", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1), "a rejected object is exit 1");
    assert!(stderr(&o).contains("objects[1].pattern"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["added"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(1)));
}

/// The OASIS reference server medallion and ward answer the same filter queries over the same
/// objects with the same objects (tests/python/medallion_compare.py, diff mode).
#[test]
fn medallion_differential() {
    let Some(python) = test_python("the medallion differential") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let server = Server::start(&db);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/python/medallion_compare.py");
    let o = Command::new(&python).args([script, "diff", &server.url, &id, "isac@example.org", PASSWORD, dir.path().to_str().unwrap()]).output().expect("run python");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "medallion_compare.py diff failed:\n{out}\n{}", String::from_utf8_lossy(&o.stderr));
    crate::support::report("taxii", out.lines().last().unwrap_or_default());
}

/// MITRE ATT&CK's STIX 2.0 release is upgraded to 2.1 on import: every object arrives, none
/// rejected, and the report says what was changed.
#[test]
fn attack_stix20_bundle_is_upgraded_on_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/attack/mitre_cti_enterprise-attack_v18.1_stix20_assembled.json.gz");
    let o = run(&["stix", "import", "--collection", &id, file, "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["added"].as_u64(), v["rejected"].as_u64(), v["upgraded_from_2_0"].as_u64()), (Some(24771), Some(0), Some(24771)));
    let err = stderr(&o);
    assert!(err.contains("STIX 2.0 bundle upgraded to 2.1") && err.contains("malware is_family added: 696") && err.contains("empty reference property removed: 7"), "{err}");
    // A gzip bomb is streamed, not inflated into memory: 66 MiB of blanks is no bundle.
    let big = dir.path().join("big.json.gz");
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&big).unwrap(), flate2::Compression::fast());
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..(ward_stix::limits::MAX_BUNDLE_BYTES >> 20) + 2 {
            gz.write_all(&chunk).unwrap();
        }
        gz.finish().unwrap();
    }
    let o = run(&["stix", "import", "--collection", &id, big.to_str().unwrap(), "--database-url", &db], None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not valid JSON: EOF"), "{}", stderr(&o));
}

/// Runs `ward ARGS` and samples its peak resident memory (VmHWM, KiB) until it exits.
fn run_measuring_peak(args: &[&str], dir: &std::path::Path) -> (std::process::ExitStatus, String, String, u64) {
    let (out, err) = (dir.join("out.txt"), dir.join("err.txt"));
    let mut child = crate::support::ward()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()) {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    (status, std::fs::read_to_string(out).unwrap(), std::fs::read_to_string(err).unwrap(), peak_kib)
}

fn count_objects(db: &str, collection: &str) -> usize {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = ward_store::Store::open(db).await.unwrap();
        let (mut n, mut after) = (0, None::<String>);
        loop {
            let page = store.read_stix_objects(&ward_core::ReadScope::LOCAL_OPERATOR, "isac", collection, &Default::default(), after.as_deref(), 1000).await.unwrap();
            n += page.objects.len();
            after = page.objects.last().map(|o| o.date_added.clone());
            if !page.more {
                break n;
            }
        }
    })
}

/// `ward stix import` streams: a bundle larger than the old 64 MiB whole-document limit,
/// generated here, is imported object by object with the process's peak memory far below the
/// file's size; the invalid objects in it are named by path and skipped, every valid one is
/// stored. An object over the per-object limit stops the file with its index named, after
/// storing the valid objects before it.
#[test]
fn stix_import_streams_large_bundles_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let indicator = |i: usize, description: &str| {
        serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{i:08x}-3333-4333-8333-333333333333"),
            "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "pattern": format!("[domain-name:value = 'd{i}.example']"),
            "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z", "description": description})
    };
    // `n` indicators of about 8 KiB each, from index `first`; `bad` ones lack their pattern.
    let generate = |name: &str, first: usize, n: usize, bad: &[usize]| {
        let path = dir.path().join(name);
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(w, r#"{{"type":"bundle","id":"bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b","objects":["#).unwrap();
        let pad = "healthcare indicator context ".repeat(280);
        for i in 0..n {
            let mut o = indicator(first + i, &pad);
            if bad.contains(&i) {
                o.as_object_mut().unwrap().remove("pattern");
            }
            write!(w, "{}{o}", if i == 0 { "" } else { ",\n" }).unwrap();
        }
        write!(w, "]}}").unwrap();
        path
    };
    // A small file first: the same steady state (several batches), for the comparison.
    let small = generate("small.json", 100_000, 1_200, &[]);
    let (status, _, err, small_peak_kib) = run_measuring_peak(&["stix", "import", "--collection", &id, small.to_str().unwrap(), "--database-url", &db], dir.path());
    assert!(status.success(), "{err}");
    let n = 10_500usize;
    let path = generate("large.json", 0, n, &[4321, n - 1]);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > ward_stix::limits::MAX_BUNDLE_BYTES as u64, "{size} bytes: larger than the old whole-document limit");
    let started = std::time::Instant::now();
    let (status, out, err, peak_kib) = run_measuring_peak(&["stix", "import", "--collection", &id, path.to_str().unwrap(), "--json", "--database-url", &db], dir.path());
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(status.code(), Some(1), "rejected objects make exit 1: {err}");
    assert!(err.contains("objects[4321].pattern: ") && err.contains(&format!("objects[{}].pattern: ", n - 1)), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["added"].as_u64(), v["rejected"].as_u64()), (Some(n as u64 - 2), Some(2)), "{v}");
    assert_eq!(count_objects(&db, &id), 1_200 + n - 2);
    let (peak_mib, small_peak_mib) = (peak_kib as f64 / 1024.0, small_peak_kib as f64 / 1024.0);
    let file_mib = size as f64 / (1024.0 * 1024.0);
    crate::support::report("stix-import", &format!("streamed {file_mib:.0} MiB ({n} objects) in {seconds:.1} s (debug build), peak RSS {peak_mib:.0} MiB; a 10 MiB file peaks at {small_peak_mib:.0} MiB"));
    assert!(small_peak_kib > 0 && peak_kib > 0, "VmHWM was sampled");
    // Bounded: 7.5 times the data costs at most a few MiB more (allocator noise), and the
    // whole process stays below the size of the file it read.
    assert!(peak_mib < small_peak_mib + 24.0, "peak memory grew with the file: {small_peak_mib:.0} MiB for 10 MiB, {peak_mib:.0} MiB for {file_mib:.0} MiB");
    assert!(peak_mib < file_mib, "peak memory {peak_mib:.0} MiB is not below the {file_mib:.0} MiB file");

    // An object over the per-object limit: the file stops there, the two before it are stored.
    let huge = dir.path().join("huge.json");
    let objects = [indicator(20_001, "a"), indicator(20_002, "b"), indicator(20_003, &"x".repeat(ward_stix::limits::MAX_OBJECT_BYTES + 1)), indicator(20_004, "d")];
    std::fs::write(&huge, serde_json::json!({"type": "bundle", "id": "bundle--7f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": objects}).to_string()).unwrap();
    let o = run(&["stix", "import", "--collection", &id, huge.to_str().unwrap(), "--database-url", &db], None);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("objects[2]: more than") && e.contains("the limit for one object is") && e.contains("2 valid objects before it were stored"), "{e}");
    assert_eq!(count_objects(&db, &id), 1_200 + n - 2 + 2);
}

#[test]
fn oasis_taxii2_client_and_validator_interop() {
    let Some(python) = test_python("the TAXII interop test") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let server = Server::start(&db);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/python/taxii_interop.py");
    let export = dir.path().join("export.json");
    let o = Command::new(&python).args([script, &server.url, &id, "isac@example.org", PASSWORD, export.to_str().unwrap()]).output().expect("run python");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    eprintln!("{out}");
    assert!(o.status.success(), "taxii_interop.py failed:\n{out}\n{err}");
    assert!(out.contains("interop: all checks passed"));
}

/// Two ward instances on loopback: Hospital B pulls the ISAC's collection with its own
/// account; AMBER, AMBER+STRICT and RED objects of the source never arrive, a second pull
/// fetches only what is new, and TLP 1.0 ids arrive as OASIS TLP 2.0 ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_wards_sync_pull_without_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let src_db = format!("sqlite:{}", dir.path().join("src.db").display());
    let dst_db = format!("sqlite:{}", dir.path().join("dst.db").display());
    let src_id = setup(&src_db);
    let o = run(&["admin", "create-user", "--org", "Hospital A", "--email", "b@example.org", "--role", "analyst", "--database-url", &src_db], Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success());
    let remote_token = stdout(&run(&["admin", "create-token", "--email", "b@example.org", "--database-url", &src_db], None));
    let markings = [
        ("clear", Some("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487")),
        ("green", Some("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb")),
        ("white-tlp1", Some("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9")),
        ("amber", Some("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")),
        ("amber-strict", Some("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003")),
        ("red", Some("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1")),
        ("unmarked", None),
    ];
    let object = |i: usize, m: Option<&str>| {
        let mut v = serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{i:08x}-2222-4222-8222-222222222222"),
            "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "pattern": "[url:value = 'http://x.example/']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"});
        if let Some(m) = m {
            v["object_marking_refs"] = serde_json::json!([m]);
        }
        v
    };
    let objects: Vec<_> = markings.iter().enumerate().map(|(i, (_, m))| object(i, *m)).collect();
    let file = dir.path().join("src.json");
    std::fs::write(&file, serde_json::json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": objects}).to_string()).unwrap();
    assert!(run(&["stix", "import", "--collection", &src_id, file.to_str().unwrap(), "--database-url", &src_db], None).status.success());
    // Hospital A is the ISAC's TLP:AMBER client on the source: its account reads the AMBER
    // object there (TAXII), yet a pull never carries it to the other instance.
    let o = run(&["sharing", "add-client", "--org", "Health ISAC", "--client", "Hospital A", "--database-url", &src_db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&run(&["sharing", "list", "--json", "--database-url", &src_db], None))).unwrap();
    assert_eq!(listed["clients"].as_array().unwrap().len(), 1, "{listed}");
    let source = Server::start(&src_db);
    let amber_id = "indicator--00000003-2222-4222-8222-222222222222";
    let direct = reqwest::Client::new()
        .get(format!("{}/taxii2/isac/collections/{src_id}/objects/{amber_id}/", source.url))
        .bearer_auth(&remote_token)
        .header("accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status().as_u16(), 200, "the client reads the ISAC's AMBER object on the source");

    assert!(run(&["admin", "create-org", "Hospital A", "--database-url", &dst_db], None).status.success());
    let dst_id = stdout(&run(&["taxii", "create-collection", "--title", "From the ISAC", "--org", "Hospital A", "--database-url", &dst_db], None));
    let pull = || {
        let mut c = crate::support::ward();
        c.args(["sync", "pull", "--from", &format!("{}/taxii2/isac/collections/{src_id}/", source.url), "--into", &dst_id, "--json", "--database-url", &dst_db])
            .env("WARD_SYNC_TOKEN", &remote_token)
            .stdin(std::process::Stdio::null());
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let first = pull();
    assert_eq!(first["added"], 4, "clear, green, white (as clear) and unmarked only: {first}");
    assert_eq!(first["withheld_by_tlp"], 1, "the AMBER object the client may read stays on the source: {first}");
    assert_eq!(pull()["added"], 0, "a second pull finds nothing new");
    // Something new at the source arrives on the next pull.
    let file2 = dir.path().join("src2.json");
    std::fs::write(&file2, serde_json::json!({"type": "bundle", "id": "bundle--7f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": [object(100, markings[0].1), object(101, markings[5].1)]}).to_string()).unwrap();
    assert!(run(&["stix", "import", "--collection", &src_id, file2.to_str().unwrap(), "--database-url", &src_db], None).status.success());
    assert_eq!(pull()["added"], 1);

    // What the destination holds, read through its own TAXII server.
    let o = run(&["admin", "create-user", "--org", "Hospital A", "--email", "local@example.org", "--role", "org_admin", "--database-url", &dst_db], Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success());
    let local_token = stdout(&run(&["admin", "create-token", "--email", "local@example.org", "--database-url", &dst_db], None));
    let dest = Server::start(&dst_db);
    let body = reqwest::Client::new()
        .get(format!("{}/taxii2/ward/collections/{dst_id}/objects/?match[version]=all", dest.url))
        .bearer_auth(&local_token)
        .header("accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let got: Vec<&str> = v["objects"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(got.len(), 5, "{body}");
    for (i, (name, _)) in markings.iter().enumerate() {
        let id = format!("indicator--{i:08x}-2222-4222-8222-222222222222");
        assert_eq!(got.contains(&id.as_str()), ["clear", "green", "white-tlp1", "unmarked"].contains(name), "{name}");
    }
    assert!(!body.contains("613f2e26") && !body.contains("e828b379") && !body.contains("939a9414") && !body.contains("55d920b0"), "no TLP 1.0 id and no AMBER/RED marking arrived: {body}");
}

/// `ward sync push`: a hospital pushes its collection to the ISAC's ward in chunks under the
/// remote's limit; only CLEAR, GREEN and unmarked objects leave, a second push sends nothing,
/// and new objects go on the next push.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_push_sends_only_community_levels_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let local_db = format!("sqlite:{}", dir.path().join("local.db").display());
    let remote_db = format!("sqlite:{}", dir.path().join("remote.db").display());
    // Remote: the ISAC's collection, writable by Hospital A's account.
    let remote_id = setup(&remote_db);
    let o = run(&["admin", "create-user", "--org", "Hospital A", "--email", "pusher@a.example", "--role", "analyst", "--database-url", &remote_db], Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success());
    let o = run(&["taxii", "create-collection", "--title", "Inbox", "--org", "Health ISAC", "--api-root", "isac", "--read", "Hospital A", "--write", "Hospital A", "--json", "--database-url", &remote_db], None);
    let inbox: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let inbox_id = inbox["id"].as_str().unwrap().to_owned();
    let _ = remote_id;
    let token = stdout(&run(&["admin", "create-token", "--email", "pusher@a.example", "--database-url", &remote_db], None));
    let remote = Server::start(&remote_db);
    // Local: Hospital A's own collection with every TLP level.
    assert!(run(&["admin", "create-org", "Hospital A", "--database-url", &local_db], None).status.success());
    let local_id = stdout(&run(&["taxii", "create-collection", "--title", "Our indicators", "--org", "Hospital A", "--database-url", &local_db], None));
    let marks = [Some("clear"), Some("green"), None, Some("amber"), Some("amber+strict"), Some("red"), Some("green"), Some("clear")];
    let object = |i: usize, tlp: Option<&str>| {
        let mut v = serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{i:08x}-3333-4333-8333-333333333333"),
            "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "pattern": format!("[domain-name:value = 'push{i}.example']"), "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"});
        if let Some(t) = tlp {
            v["object_marking_refs"] = serde_json::json!([t.parse::<ward_core::Tlp>().unwrap().marking_definition_id()]);
        }
        v
    };
    let import = |name: &str, objects: Vec<serde_json::Value>| {
        let file = dir.path().join(name);
        std::fs::write(&file, serde_json::json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": objects}).to_string()).unwrap();
        assert!(run(&["stix", "import", "--collection", &local_id, file.to_str().unwrap(), "--database-url", &local_db], None).status.success());
    };
    import("local.json", marks.iter().enumerate().map(|(i, t)| object(i, *t)).collect());
    let to = format!("{}/taxii2/isac/collections/{inbox_id}/", remote.url);
    let push = || {
        let mut c = crate::support::ward();
        c.args(["sync", "push", "--from", &local_id, "--to", &to, "--chunk-bytes", "900", "--json", "--database-url", &local_db]).env("WARD_SYNC_TOKEN", &token).stdin(std::process::Stdio::null());
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let first = push();
    assert_eq!((first["pushed"].as_u64(), first["withheld_by_tlp"].as_u64()), (Some(5), Some(3)), "{first}");
    assert!(first["requests"].as_u64().unwrap() >= 3, "900-byte chunks hold at most two objects: {first}");
    assert_eq!(first["failed"], 0);
    assert_eq!(push()["pushed"], 0, "nothing new");
    import("more.json", vec![object(100, Some("green")), object(101, Some("red"))]);
    let third = push();
    assert_eq!((third["pushed"].as_u64(), third["withheld_by_tlp"].as_u64()), (Some(1), Some(1)));
    // What the ISAC holds.
    let body = reqwest::Client::new()
        .get(format!("{to}objects/?match[version]=all"))
        .bearer_auth(&token)
        .header("accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut got: Vec<String> = v["objects"].as_array().unwrap().iter().map(|o| o["pattern"].as_str().unwrap().to_owned()).collect();
    got.sort();
    assert_eq!(got, ["[domain-name:value = 'push0.example']", "[domain-name:value = 'push1.example']", "[domain-name:value = 'push100.example']", "[domain-name:value = 'push2.example']", "[domain-name:value = 'push6.example']", "[domain-name:value = 'push7.example']"]);
    // A chunk limit too small for one object is a clear error, not a silent skip.
    import("big.json", vec![object(200, Some("green"))]);
    let mut c = crate::support::ward();
    let o = c.args(["sync", "push", "--from", &local_id, "--to", &to, "--chunk-bytes", "100", "--database-url", &local_db]).env("WARD_SYNC_TOKEN", &token).stdin(std::process::Stdio::null()).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("larger than the remote accepts in one request (100 bytes)"), "{}", String::from_utf8_lossy(&o.stderr));
    // A wrong URL is named.
    let mut c = crate::support::ward();
    let o = c.args(["sync", "push", "--from", &local_id, "--to", "http://127.0.0.1:9/nothing/", "--database-url", &local_db]).env("WARD_SYNC_TOKEN", &token).stdin(std::process::Stdio::null()).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a TAXII collection URL"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `ward incident share`: the dry run prints the anonymised STIX, which the OASIS
/// stix2-validator accepts (2.1, strict); the real run stores it, and only for someone who may
/// change the incident.
#[test]
fn incident_share_dry_run_validates_and_share_stores() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let id = setup(&db);
    let o = run(&["admin", "create-user", "--org", "Health ISAC", "--email", "viewer@isac.example", "--role", "viewer", "--database-url", &db], Some(&format!("{PASSWORD}\n")));
    assert!(o.status.success());
    let file = dir.path().join("incident.json");
    std::fs::write(&file, serde_json::json!({
        "title": "Ransomware at Klinik Nord", "tlp": "amber", "summary": "Klinik Nord: Mr. Hans Meier reported it at 0151 2345 6789.",
        "victim": {"org_type": "hospital", "country": "AT", "name": "Klinik Nord"}, "attack_types": ["ransomware"], "timeline": {"incident_on": "2026-09-01"},
        "sources": [{"url": "https://example.org/x", "publisher": "X"}],
        "harm": {"individuals_affected": {"value": 1200, "source": "https://example.org/x", "as_of": "2026-09-02"},
                 "ambulance_diversion": {"value": {"diverted": true, "hours": 12}, "source": "https://example.org/x", "as_of": "2026-09-02"}}
    }).to_string()).unwrap();
    let o = run(&["incident", "create", "--file", file.to_str().unwrap(), "--org", "Health ISAC", "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let incident: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let incident_id = incident["id"].as_str().unwrap().to_owned();
    let o = run(&["incident", "share", &incident_id, "--as", "isac@example.org", "--audience", "public", "--dry-run", "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let text = out["bundle"].to_string();
    assert!(!text.contains("Klinik Nord") && !text.contains("Meier") && !text.contains("6789"), "{text}");
    assert_eq!(out["anonymised"]["victim"], "A hospital in Austria");
    // The Incident Core Extension carries what ward knows (and passes the validator below).
    let promoted = out["bundle"]["objects"].as_array().unwrap().iter().find(|o| o["type"] == "incident").unwrap().clone();
    let core = &promoted["extensions"][ward_stix::INCIDENT_CORE_EXTENSION_ID];
    assert_eq!(core, &serde_json::json!({"extension_type": "property-extension", "determination": "confirmed", "investigation_status": "open", "criticality": 70,
        "incident_types": ["ransomware"], "impacted_entity_counts": {"individual": 1200, "organization": 1}}), "{promoted}");
    if let Some(python) = test_python("stix2-validator on the promoted incident") {
        let bundle_file = dir.path().join("shared.json");
        std::fs::write(&bundle_file, &text).unwrap();
        let code = "import sys, stix2validator\nr = stix2validator.validate_file(sys.argv[1], stix2validator.ValidationOptions(version='2.1', strict=True))\nstix2validator.print_results(r)\nsys.exit(0 if r.is_valid else 1)";
        let v = Command::new(python).args(["-c", code, bundle_file.to_str().unwrap()]).output().unwrap();
        assert!(v.status.success(), "stix2-validator: {}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
    }
    // A viewer may not share; the analyst may, into a collection of their organisation.
    let o = run(&["incident", "share", &incident_id, "--as", "viewer@isac.example", "--collection", &id, "--database-url", &db], None);
    assert!(!o.status.success() && stderr(&o).contains("may share"), "{}", stderr(&o));
    let o = run(&["incident", "share", &incident_id, "--as", "isac@example.org", "--collection", "nope", "--database-url", &db], None);
    assert!(!o.status.success() && stderr(&o).contains("--collection: not a collection your organisation may write"), "{}", stderr(&o));
    let o = run(&["incident", "share", &incident_id, "--as", "isac@example.org", "--collection", &id, "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["objects"].as_array().unwrap().len(), v["tlp"].as_str()), (5, Some("green")));
}

/// A CA and a server certificate for `localhost`/127.0.0.1 signed by it, as (CA PEM, server
/// certificate DER, server key DER).
fn test_pki(name: &str) -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, format!("{name} test CA"));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    (ca_cert.pem(), leaf_cert.der().to_vec(), leaf_key.serialize_der())
}

/// A TLS listener on loopback in front of a plain `ward serve` (TLS terminated here, bytes
/// copied both ways); returns its https base URL.
async fn tls_front(plain_url: &str, cert_der: Vec<u8>, key_der: Vec<u8>) -> String {
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der)], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)))
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = plain_url.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let (acceptor, backend) = (acceptor.clone(), backend.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = tokio::net::TcpStream::connect(&backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://localhost:{port}")
}

/// `ward sync pull`/`push` over https: a ward behind TLS with a certificate from a private CA
/// generated here; trusted with `--ca-cert`, refused with a clear error without it (or with
/// another CA), and a `--ca-cert` file that holds no certificate is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_over_https_trusts_only_the_given_ca() {
    let dir = tempfile::tempdir().unwrap();
    let src_db = format!("sqlite:{}", dir.path().join("src.db").display());
    let dst_db = format!("sqlite:{}", dir.path().join("dst.db").display());
    let src_id = setup(&src_db);
    let token = stdout(&run(&["admin", "create-token", "--email", "isac@example.org", "--database-url", &src_db], None));
    let object = serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--8f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z", "pattern": "[url:value = 'http://tls.example/']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]});
    let file = dir.path().join("src.json");
    std::fs::write(&file, serde_json::json!({"type": "bundle", "id": "bundle--8f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": [object]}).to_string()).unwrap();
    assert!(run(&["stix", "import", "--collection", &src_id, file.to_str().unwrap(), "--database-url", &src_db], None).status.success());
    let source = Server::start(&src_db);
    let (ca_pem, cert_der, key_der) = test_pki("ward");
    let https = tls_front(&source.url, cert_der, key_der).await;
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, test_pki("other").0).unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();

    assert!(run(&["admin", "create-org", "Hospital A", "--database-url", &dst_db], None).status.success());
    let dst_id = stdout(&run(&["taxii", "create-collection", "--title", "Over TLS", "--org", "Hospital A", "--database-url", &dst_db], None));
    let remote = format!("{https}/taxii2/isac/collections/{src_id}/");
    let sync = |args: &[&str]| {
        let mut c = crate::support::ward();
        c.args(args).args(["--database-url", &dst_db]).env("WARD_SYNC_TOKEN", &token).stdin(std::process::Stdio::null());
        c.output().unwrap()
    };
    // Not trusted: no --ca-cert, or another CA's.
    for extra in [vec![], vec!["--ca-cert", other_ca.to_str().unwrap()]] {
        let mut args = vec!["sync", "pull", "--from", &remote, "--into", &dst_id];
        args.extend(extra);
        let o = sync(&args);
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains("TLS certificate is not trusted") && e.contains("--ca-cert FILE") && e.contains("UnknownIssuer"), "{e}");
    }
    let o = sync(&["sync", "push", "--from", &dst_id, "--to", &remote]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("TLS certificate is not trusted"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sync(&["sync", "pull", "--from", &remote, "--into", &dst_id, "--ca-cert", not_pem.to_str().unwrap()]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--ca-cert: "), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sync(&["sync", "pull", "--from", "ftp://x.example/", "--into", &dst_id]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from: \"ftp://x.example/\" must be an http:// or https:// URL"), "{}", String::from_utf8_lossy(&o.stderr));
    // Trusted through the private CA.
    let o = sync(&["sync", "pull", "--from", &remote, "--into", &dst_id, "--ca-cert", ca_file.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["added"], 1, "{v}");
    let o = sync(&["sync", "push", "--from", &dst_id, "--to", &remote, "--ca-cert", ca_file.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
