//! `ward lessons` and `ward culture` as an operator runs them: lessons validate (and a broken
//! lesson file is named with its field), the report link, the team, timers, and a tick (the
//! escalation itself, with a moved clock, is tested in ward-web's `culture` tests and the
//! browser suite, which runs `ward culture tick --now`).

use crate::support::{run, seed_user, stderr, stdout};

#[test]
fn lessons_list_and_validate() {
    let o = run(&["lessons", "list"], None);
    assert!(o.status.success());
    assert!(stdout(&o).lines().count() >= 6 && stdout(&o).contains("phishing-on-the-ward"));
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lessons");
    let o = run(&["lessons", "validate", repo], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 invalid"));
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(format!("{repo}/passwords-and-mfa.yaml")).unwrap();
    std::fs::write(dir.path().join("passwords-and-mfa.yaml"), good.replacen("answer: 1", "answer: 7", 1)).unwrap();
    let o = run(&["lessons", "validate", dir.path().to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("quiz[0].answer") && stderr(&o).contains("choice index"), "{}", stderr(&o));
}

#[test]
fn link_team_timers_and_a_tick_with_a_moved_clock() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("culture.db").display());
    seed_user(&db, "St Example Hospital", "it@example.org");
    let org = "St Example Hospital";
    let o = run(&["culture", "link", "--org", org, "--base-url", "https://ward.example.org", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let link = stdout(&o);
    assert!(link.starts_with("https://ward.example.org/r/") && link.len() > 27 + 40, "{link}");
    let o = run(&["culture", "link", "--org", org, "--keep", "--base-url", "https://ward.example.org", "--database-url", &db], None);
    assert_eq!(stdout(&o), link, "--keep prints the same link");
    let o = run(&["culture", "team", "add", "--org", org, "--name", "Dana", "--email", "dana@example.org", "--function", "it", "--on-call", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["culture", "team", "add", "--org", org, "--name", "X", "--email", "x@example.org", "--function", "plumbing", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("function"), "{}", stderr(&o));
    let o = run(&["culture", "timers", "--org", org, "--category", "lost_device", "--ack-minutes", "0", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--ack-minutes"), "{}", stderr(&o));
    let o = run(&["culture", "timers", "--org", org, "--category", "suspicious_email", "--ack-minutes", "5", "--decide-minutes", "30", "--database-url", &db], None);
    assert!(stdout(&o).contains("suspicious_email\tacknowledge 5 min"), "{}", stdout(&o));
    let o = run(&["culture", "tick", "--json", "--database-url", &db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["escalation"]["open_reports"], 0);
    let o = run(&["culture", "tick", "--webhook-url", "http://127.0.0.1:9/hook", "--database-url", &db], None);
    assert_eq!(o.status.code(), Some(1), "a webhook needs its secret from the environment");
    assert!(stderr(&o).contains("WARD_WEBHOOK_SECRET"));
}
