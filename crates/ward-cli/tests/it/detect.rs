//! `ward match --from-store` and `--report`: the matcher reads shared indicators through the
//! store's scoped read (collection permissions and TLP 2.0), and reports sightings to a ward
//! server, which aggregates them without naming the reporting organisations.

use ward_core::Tlp;

use crate::support::{run, seed_user, stderr, stdout, Server};

fn indicator(n: u32, domain: &str, tlp: Tlp) -> serde_json::Value {
    serde_json::json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{n:08x}-1c4d-4e5f-8a9b-0c1d2e3f4a5b"),
        "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "valid_from": "2026-01-01T00:00:00Z",
        "pattern": format!("[domain-name:value = '{domain}']"), "pattern_type": "stix",
        "object_marking_refs": [tlp.marking_definition_id()]})
}

fn import(db: &str, collection: &str, dir: &tempfile::TempDir, name: &str, objects: Vec<serde_json::Value>) {
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--6f8a3b2e-1c4d-4e5f-8a9b-0c1d2e3f4a5b", "objects": objects});
    let file = dir.path().join(name);
    std::fs::write(&file, bundle.to_string()).unwrap();
    let o = run(&["stix", "import", "--collection", collection, file.to_str().unwrap(), "--database-url", db], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn collection(db: &str, title: &str, org: &str, read: &[&str]) -> String {
    let mut args = vec!["taxii", "create-collection", "--title", title, "--org", org, "--database-url", db];
    for r in read {
        args.extend(["--read", r]);
    }
    let o = run(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// Matched indicator values from JSON-lines output.
fn matched(out: &str) -> Vec<String> {
    let mut v: Vec<String> = out.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["indicator"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn match_from_store_reads_only_what_the_user_may_see() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    seed_user(&db, "Health ISAC", "analyst@isac.example");
    seed_user(&db, "Hospital A", "soc@a.example");
    seed_user(&db, "Hospital B", "soc@b.example");
    // The ISAC's collection is readable by Hospital A only; a private one by nobody else.
    let shared = collection(&db, "ISAC indicators", "Health ISAC", &["Hospital A"]);
    let private = collection(&db, "ISAC private", "Health ISAC", &[]);
    import(&db, &shared, &dir, "shared.json", vec![
        indicator(1, "green.example", Tlp::Green),
        indicator(2, "clear.example", Tlp::Clear),
        indicator(3, "amber.example", Tlp::Amber),
        indicator(4, "strict.example", Tlp::AmberStrict),
        indicator(5, "red.example", Tlp::Red),
    ]);
    import(&db, &private, &dir, "private.json", vec![indicator(6, "private.example", Tlp::Green)]);
    let log = dir.path().join("dns.log");
    std::fs::write(&log, "q green.example\nq clear.example\nq amber.example\nq strict.example\nq red.example\nq private.example\nq benign.example\n").unwrap();
    let log = log.to_str().unwrap();

    let o = run(&["match", "--from-store", "--as", "soc@a.example", "--database-url", &db, log], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(matched(&stdout(&o)), ["clear.example", "green.example"], "Hospital A: only CLEAR and GREEN of the shared collection");
    assert!(stderr(&o).contains("2 indicator(s) from 2 STIX indicator object(s)"), "{}", stderr(&o));
    let first: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert!(first["indicator_id"].as_str().unwrap().starts_with("indicator--"));
    assert_eq!(first["source"], "ward:ISAC indicators");

    // Hospital B reads no collection: nothing to match is an error (exit 2), not silence.
    let o = run(&["match", "--from-store", "--as", "soc@b.example", "--database-url", &db, log], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--from-store found no indicators you may see"), "{}", stderr(&o));

    // The ISAC's analyst sees its AMBER levels too, but RED only as a named recipient.
    let o = run(&["match", "--from-store", "--as", "analyst@isac.example", "--database-url", &db, log], None);
    assert_eq!(matched(&stdout(&o)), ["amber.example", "clear.example", "green.example", "private.example", "strict.example"]);

    // --from-store needs --as; an unknown user is named.
    let o = run(&["match", "--from-store", "--database-url", &db, log], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--as"), "{}", stderr(&o));
    let o = run(&["match", "--from-store", "--as", "nobody@x.example", "--database-url", &db, log], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no ward user nobody@x.example"), "{}", stderr(&o));
}

async fn aggregates(url: &str, token: &str) -> serde_json::Value {
    let r = reqwest::Client::new().get(format!("{url}/api/v1/sightings")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_report_posts_anonymised_sightings() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    let tokens: Vec<String> = ["H1", "H2", "H3"].iter().map(|h| seed_user(&db, h, &format!("soc@{}.example", h.to_lowercase()))).collect();
    let list = dir.path().join("ind.txt");
    std::fs::write(&list, "evil.example\n185.220.101.0/24\n").unwrap();
    let log = dir.path().join("proxy.log");
    // A log line with something that must never leave the hospital (a patient name in a URL).
    std::fs::write(&log, "GET http://a.evil.example/?patient=Jane+Doe\nconn 185.220.101.7:443\nconn 185.220.101.9:443\nGET http://fine.example/\n").unwrap();
    let server = Server::start(&db);
    let report = |token: &str, tlp: &str| {
        let mut cmd = crate::support::ward();
        cmd.env("WARD_TOKEN", token).args(["match", "--indicators", list.to_str().unwrap(), "--report", &server.url, "--report-tlp", tlp, log.to_str().unwrap()]);
        cmd.output().unwrap()
    };
    let o = report(&tokens[0], "green");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("reported 2 indicator(s)"), "{}", stderr(&o));
    let o = report(&tokens[1], "green");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    let aggs = aggregates(&server.url, &tokens[2]).await;
    let text = aggs.to_string();
    assert!(!text.contains("Jane") && !text.contains("proxy.log") && !text.contains("H1") && !text.contains("soc@"), "no log content or reporter in the aggregate: {text}");
    let cidr = aggs.as_array().unwrap().iter().find(|a| a["indicator"] == "185.220.101.0/24").expect("the CIDR indicator");
    assert_eq!(cidr["count"], 4, "2 sightings from each of 2 hospitals");
    assert_eq!(cidr["reporting_organisations"], "fewer than 3");
    assert_eq!(cidr["reported_by_you"], false);
    // A third hospital reports: now the number of organisations is shown.
    let o = report(&tokens[2], "green");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let aggs = aggregates(&server.url, &tokens[0]).await;
    let domain = aggs.as_array().unwrap().iter().find(|a| a["indicator"] == "evil.example").unwrap();
    assert_eq!((domain["count"].as_i64(), domain["reporting_organisations"].as_str(), domain["reported_by_you"].as_bool()), (Some(3), Some("3"), Some(true)));
    // An AMBER report stays with its organisation.
    let o = report(&tokens[2], "amber");
    assert_eq!(o.status.code(), Some(1));
    let theirs = aggregates(&server.url, &tokens[0]).await.as_array().unwrap().iter().find(|a| a["indicator"] == "evil.example").unwrap()["count"].clone();
    let mine = aggregates(&server.url, &tokens[2]).await.as_array().unwrap().iter().find(|a| a["indicator"] == "evil.example").unwrap()["count"].clone();
    assert_eq!((theirs.as_i64(), mine.as_i64()), (Some(3), Some(4)));

    // Without a token, or with a bad one, the report fails with exit 2 and says why.
    let mut cmd = crate::support::ward();
    let o = cmd.args(["match", "--indicators", list.to_str().unwrap(), "--report", &server.url, log.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("WARD_TOKEN"));
    let o = report("ward_not_a_token", "green");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("HTTP 401"), "{}", String::from_utf8_lossy(&o.stderr));
}

fn shared(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

/// MISP events in, indicators out: `ward misp import` turns the real CIRCL OSINT events into
/// STIX (TLP:CLEAR from `tlp:white`), and `ward match --from-store` finds their IOCs in a log.
#[test]
fn misp_import_then_match_from_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    seed_user(&db, "CIRCL feed", "feed@isac.example");
    seed_user(&db, "Hospital A", "soc@a.example");
    let coll = collection(&db, "CIRCL OSINT", "CIRCL feed", &["Hospital A"]);
    let events_dir = shared("misp/circl_osint_events");
    let mut files: Vec<String> = std::fs::read_dir(&events_dir).unwrap().map(|e| e.unwrap().path().display().to_string()).filter(|p| p.ends_with(".json")).collect();
    files.sort();
    let mut args = vec!["misp", "import", "--collection", coll.as_str(), "--json", "--database-url", db.as_str()];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args, None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["rejected"], 0);
    let indicators: u64 = v["files"].as_array().unwrap().iter().map(|f| f["report"]["n_indicators"].as_u64().unwrap()).sum();
    assert!(indicators > 300, "{indicators}");
    // An IP and a domain flagged for detection in the events, and a near miss.
    let mut ip = None;
    let mut domain = None;
    for f in &files {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let event = doc.get("Event").unwrap_or(&doc);
        for a in event["Attribute"].as_array().into_iter().flatten() {
            if a["to_ids"] == true && a["type"] == "ip-dst" && ip.is_none() {
                ip = a["value"].as_str().map(str::to_owned);
            }
            if a["to_ids"] == true && a["type"] == "domain" && domain.is_none() {
                domain = a["value"].as_str().map(str::to_owned);
            }
        }
    }
    let (ip, domain) = (ip.expect("an ip-dst IOC"), domain.expect("a domain IOC"));
    let log = dir.path().join("fw.log");
    std::fs::write(&log, format!("allow src=10.0.0.5 dst={ip} dport=443\ndns query www.{domain}\ndns query x{domain}\n")).unwrap();
    let o = run(&["match", "--from-store", "--as", "soc@a.example", "--database-url", &db, log.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let hit_lines: Vec<u64> = lines.iter().map(|m| m["line"].as_u64().unwrap()).collect();
    assert_eq!(hit_lines, [1, 2], "the IP and the subdomain match; x{domain} does not: {lines:?}");
    assert!(lines.iter().all(|m| m["source"].as_str().unwrap().starts_with("ward:CIRCL OSINT (identity--")), "{lines:?}");
}

/// `ward sharing`: a group granted read on a collection lets its members' `ward match
/// --from-store` use the indicators; removing the member takes them away.
#[test]
fn sharing_group_grants_reach_the_matcher() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ward.db").display());
    seed_user(&db, "Health ISAC", "analyst@isac.example");
    seed_user(&db, "Hospital C", "soc@c.example");
    let coll = collection(&db, "Regional", "Health ISAC", &[]);
    import(&db, &coll, &dir, "r.json", vec![indicator(7, "regional.example", Tlp::Green)]);
    let log = dir.path().join("dns.log");
    std::fs::write(&log, "q regional.example\n").unwrap();
    let log = log.to_str().unwrap();
    let matches_for_c = || run(&["match", "--from-store", "--as", "soc@c.example", "--database-url", &db, log], None).status.code();
    assert_eq!(matches_for_c(), Some(2), "no collection yet");
    let o = run(&["sharing", "create-group", "North", "--description", "northern hospitals", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!run(&["sharing", "create-group", "North", "--database-url", &db], None).status.success());
    assert!(run(&["sharing", "add-member", "North", "Hospital C", "--database-url", &db], None).status.success());
    let o = run(&["sharing", "add-member", "North", "Nobody", "--database-url", &db], None);
    assert!(!o.status.success() && stderr(&o).contains("Nobody"));
    assert!(run(&["sharing", "grant", "--collection", &coll, "--group", "North", "--read", "--database-url", &db], None).status.success());
    assert_eq!(matches_for_c(), Some(1), "C reads through the group");
    let o = run(&["sharing", "list", "--json", "--database-url", &db], None);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let groups = &listed["groups"];
    assert_eq!((groups[0]["name"].as_str(), groups[0]["members"].as_array().unwrap().len()), (Some("North"), 1));
    assert!(run(&["sharing", "remove-member", "North", "Hospital C", "--database-url", &db], None).status.success());
    assert_eq!(matches_for_c(), Some(2), "removed: no indicators again");
}
