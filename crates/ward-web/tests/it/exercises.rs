//! A tabletop exercise through the web with three sessions: the facilitator (an analyst) sets up
//! and runs the EHR ransomware scenario; a viewer plays the IT lead and a reporter plays the
//! DPO. Releases, decisions, notifications against the real obligations, marks, observations,
//! refusals with the field named, the live fragment and event stream, the after-action report
//! in HTML and JSON, improvement items linked to the risk module, and the history of runs.

use crate::harness::App;
use crate::pages::{get, hidden, login, post_form};

async fn act(app: &App, cookies: &str, run: &str, role: &str, form: &[(&str, &str)]) -> crate::harness::Resp {
    let page = get(app, &format!("/exercises/{run}/play/{role}"), cookies).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden(&page.body, "_csrf");
    let mut f = vec![("_csrf", csrf.as_str())];
    f.extend_from_slice(form);
    post_form(app, &format!("/exercises/{run}/play/{role}"), cookies, &f).await
}

#[tokio::test]
async fn facilitator_and_participants_run_the_ransomware_exercise_to_an_after_action_report() {
    let app = App::new().await;
    let org = app.org_a.id.to_string();
    let (fac, fac_csrf) = login(&app, "analyst@example.org").await;
    let (it, _) = login(&app, "viewer@example.org").await;
    let (dpo, dpo_csrf) = login(&app, "reporter@example.org").await;

    let list = get(&app, "/exercises", &fac).await;
    assert_eq!(list.status, 200);
    for title in ["Ransomware encrypts the EHR", "pathology", "DDoS", "medical device"] {
        assert!(list.body.to_lowercase().contains(&title.to_lowercase()), "{title} listed");
    }
    // A reporter may not set up a run; the facilitator may, with a story start of her choice.
    let denied = post_form(&app, "/exercises", &dpo, &[("_csrf", &dpo_csrf), ("org", &org), ("scenario", "ehr-ransomware"), ("title", "x")]).await;
    assert_eq!(denied.status, 403);
    let bad = post_form(&app, "/exercises", &fac, &[("_csrf", &fac_csrf), ("org", &org), ("scenario", "ehr-ransomware"), ("title", "Night drill"), ("origin", "Saturday night")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("origin: an instant"), "{}", bad.body);
    let made = post_form(&app, "/exercises", &fac, &[("_csrf", &fac_csrf), ("org", &org), ("scenario", "ehr-ransomware"), ("title", "Night drill"), ("origin", "2026-06-06T02:10:00+02:00")]).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let run = made.header("location").trim_start_matches("/exercises/").to_owned();
    let control = |op: &'static str, extra: Vec<(&'static str, String)>| {
        let (app, fac, run, csrf) = (&app, fac.clone(), run.clone(), fac_csrf.clone());
        async move {
            let mut f: Vec<(&str, String)> = vec![("_csrf", csrf), ("op", op.to_owned())];
            f.extend(extra);
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, &format!("/exercises/{run}/control"), &fac, &f).await
        }
    };

    // Before the start: participants wait; nothing can be recorded.
    let waiting = get(&app, &format!("/exercises/{run}/play/it_lead"), &it).await;
    assert!(waiting.body.contains("has not started"));
    assert!(waiting.body.contains("http-equiv=\"refresh\""), "the no-JavaScript fallback refreshes");
    let early = act(&app, &it, &run, "it_lead", &[("kind", "action"), ("action", "isolate_systems"), ("text", "")]).await;
    assert_eq!(early.status, 422);
    assert!(early.body.contains("action: actions are recorded only while the exercise is on"), "{}", early.body);
    // A participant cannot drive the clock.
    let it_csrf = hidden(&waiting.body, "_csrf");
    assert_eq!(post_form(&app, &format!("/exercises/{run}/control"), &it, &[("_csrf", &it_csrf), ("op", "start")]).await.status, 403);

    assert_eq!(control("start", vec![]).await.status, 303);
    let page = get(&app, &format!("/exercises/{run}"), &fac).await;
    assert!(page.body.contains("out at T+0h00m"), "the first inject is out at the start");
    let it_view = get(&app, &format!("/exercises/{run}/play/it_lead"), &it).await;
    assert!(it_view.body.contains("EHR logins fail"));
    assert!(!it_view.body.contains("Ward 4B cannot see"), "not yet, and not for the IT lead");

    // The IT lead isolates at once (with markup in the text, shown as text).
    let r = act(&app, &it, &run, "it_lead", &[("kind", "action"), ("action", "isolate_systems"), ("text", "<script>alert(1)</script> pulled the uplinks")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // 25 minutes later (the facilitator moves the clock), the incident commander escalates.
    assert_eq!(control("advance", vec![("by", "PT25M".into())]).await.status, 303);
    let r = act(&app, &fac, &run, "incident_commander", &[("kind", "action"), ("action", "activate_command"), ("text", "Crisis team called in")]).await;
    assert_eq!(r.status, 303);
    // Refusals name the field.
    for (form, expected) in [
        (vec![("kind", "action"), ("action", "pray"), ("text", "")], "action: choose what you did"),
        (vec![("kind", "shout")], "kind: &quot;shout&quot; is not action or decision"),
        (vec![("kind", "decision"), ("decision", "d1-diversion"), ("option", "full")], "decision: its inject is not out yet"),
        (vec![("kind", "action"), ("action", "other"), ("text", "")], "text: must not be empty"),
    ] {
        let r = act(&app, &fac, &run, "incident_commander", &form).await;
        assert_eq!(r.status, 422, "{form:?}");
        assert!(r.body.contains(expected), "{form:?}: {expected} in {}", r.body);
    }
    let long = "x".repeat(2001);
    let r = act(&app, &it, &run, "it_lead", &[("kind", "action"), ("action", "other"), ("text", &long)]).await;
    assert!(r.status == 422 && r.body.contains("text: must be at most 2000 characters"));
    assert_eq!(post_form(&app, &format!("/exercises/{run}/play/it_lead"), &it, &[("kind", "action"), ("action", "other"), ("text", "x")]).await.status, 403, "no CSRF token");
    assert_eq!(get(&app, &format!("/exercises/{run}/play/surgeon"), &it).await.status, 404);

    // To the next inject (the ED arrivals at 1 h; the ward's call at 20 min went out meanwhile).
    assert_eq!(control("advance", vec![("by", "next".into())]).await.status, 303);
    assert_eq!(control("advance", vec![("by", "next".into())]).await.status, 303);
    let page = get(&app, &format!("/exercises/{run}"), &fac).await;
    assert!(page.body.contains("skipped: condition did not hold"), "escalation was in time, so the contingency inject is skipped");
    let wrong_role = act(&app, &dpo, &run, "dpo_legal", &[("kind", "decision"), ("decision", "d1-diversion"), ("option", "full")]).await;
    assert_eq!(wrong_role.status, 422);
    assert!(wrong_role.body.contains("another role takes this decision"));
    let r = act(&app, &fac, &run, "incident_commander", &[("kind", "decision"), ("decision", "d1-diversion"), ("option", "time-critical"), ("rationale", "CT reads by phone are too slow")]).await;
    assert_eq!(r.status, 303);
    // The facilitator releases the staff-rumours inject early and jumps to the authorities one.
    assert_eq!(control("release", vec![("inject", "i07-staff-rumours".into())]).await.status, 303);
    assert_eq!(control("release", vec![("inject", "i07-staff-rumours".into())]).await.status, 422, "not twice");
    assert_eq!(control("advance", vec![("by", "PT3H".into())]).await.status, 303);
    // The DPO sees the real obligations ticking and sends the early warning to the BSI.
    let dpo_view = get(&app, &format!("/exercises/{run}/play/dpo_legal"), &dpo).await;
    assert!(dpo_view.body.contains("Who tells the BSI"));
    assert!(dpo_view.body.contains("value=\"de.bsig/fruehe_erstmeldung\""), "the notification form offers the obligations");
    assert!(dpo_view.body.contains("Sun 07 Jun 02:10"), "due 24 h after awareness, in story time: {}", dpo_view.body);
    let r = act(&app, &dpo, &run, "dpo_legal", &[("kind", "action"), ("action", "notify_authority"), ("stage", "de.bsig/fruehe_erstmeldung"), ("text", "Early warning via the BSI portal")]).await;
    assert_eq!(r.status, 303);
    let live = get(&app, &format!("/exercises/{run}/live?role=dpo_legal"), &dpo).await;
    assert_eq!(live.status, 200);
    assert!(live.body.contains("status-submitted_on_time"), "the early warning counts as submitted on time");
    assert!(!live.body.contains("<html"), "a fragment, not a page");
    let room = get(&app, &format!("/exercises/{run}/room"), &dpo).await;
    assert!(room.body.contains("Who tells the BSI") && room.body.contains("Ward 4B cannot see the medication chart"), "the room screen shows every inject out");
    assert!(room.body.contains("Partial: divert stroke, STEMI and major trauma only"), "and the decisions taken");
    let events = get(&app, &format!("/exercises/{run}/events"), &dpo).await;
    assert_eq!(events.header("content-type"), "text/event-stream");
    assert!(events.body.starts_with("event: update\ndata: {\"seconds\":") || events.body.contains("event: update"), "{}", events.body);

    // Marks and observations, then the finish.
    assert_eq!(control("mark", vec![("expectation", "e05-report".into()), ("met", "0".into()), ("note", "Ward clerk waited for IT".into())]).await.status, 303);
    assert_eq!(control("observe", vec![("role", "nursing".into()), ("text", "Nobody knew where the downtime forms were".into())]).await.status, 303);
    let r = control("dance", vec![]).await;
    assert!(r.status == 422 && r.body.contains("op: &quot;dance&quot;"));
    assert_eq!(control("finish", vec![]).await.status, 303);
    let after = act(&app, &it, &run, "it_lead", &[("kind", "action"), ("action", "other"), ("text", "late")]).await;
    assert_eq!(after.status, 422, "nothing is recorded after the finish");

    // The after-action report, HTML and JSON.
    let report = get(&app, &format!("/exercises/{run}/report"), &fac).await;
    assert_eq!(report.status, 200);
    for fragment in ["Time to escalate", "Objective o1 achieved", "Ward clerk waited for IT", "Nobody knew where the downtime forms were", "&lt;script&gt;alert(1)&lt;/script&gt;", "Partial: divert stroke", "Runs of this scenario"] {
        assert!(report.body.contains(fragment), "{fragment} in the report");
    }
    assert!(!report.body.contains("<script>alert"), "typed markup is escaped");
    assert!(report.body.contains("Patient-harm estimate for this scenario") && report.body.contains("partial diversion as decided at d1-diversion"), "the harm estimate uses the diversion decided");
    let json = get(&app, &format!("/exercises/{run}/report.json"), &it).await.json();
    let m = &json["after_action"]["metrics"];
    let escalate = m["time_to_escalate_seconds"].as_i64().unwrap();
    assert!((1500..1560).contains(&escalate), "25 minutes of story time and a few seconds of test: {escalate}");
    assert_eq!(m["first_deadline_seconds"], 24 * 3600);
    assert_eq!(m["first_notification_on_time"], true);
    assert_eq!(m["decisions"][0]["option"], "time-critical");
    assert_eq!(json["after_action"]["status"], "finished");
    assert_eq!(json["harm_estimate"]["inputs"]["diversion"], "partial");
    assert_eq!(json["harm_estimate"]["inputs"]["beds"], 350);
    assert_eq!(json["history"].as_array().unwrap().len(), 1);
    assert!(json["history"][0]["metrics"]["time_to_escalate_seconds"].is_i64(), "the finish stored the summary for the history");
    assert_eq!(json["history"][0]["metrics"]["harm_estimate"]["inputs"]["diversion"], "partial", "and the harm estimate with its inputs and model version");

    // Improvement items link to risk-module requirements.
    let report_csrf = hidden(&report.body, "_csrf");
    let bad = post_form(&app, &format!("/exercises/{run}/improvements"), &fac, &[("_csrf", &report_csrf), ("op", "add"), ("text", "Downtime kits on every ward"), ("owner", "Nursing director"), ("control", "nis2-art21/99.9")]).await;
    assert!(bad.status == 422 && bad.body.contains("control: not a requirement of the risk module"));
    let ok = post_form(&app, &format!("/exercises/{run}/improvements"), &fac, &[("_csrf", &report_csrf), ("op", "add"), ("text", "Downtime kits on every ward"), ("owner", "Nursing director"), ("due_on", "2027-02-28"), ("control", "nis2-art21/21.2.c"), ("source", "expectation e05-report")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let dpo_report = get(&app, &format!("/exercises/{run}/report"), &dpo).await;
    let dpo_report_csrf = hidden(&dpo_report.body, "_csrf");
    assert_eq!(post_form(&app, &format!("/exercises/{run}/improvements"), &dpo, &[("_csrf", &dpo_report_csrf), ("op", "add"), ("text", "x"), ("owner", "y")]).await.status, 403);
    let report = get(&app, &format!("/exercises/{run}/report"), &fac).await;
    assert!(report.body.contains(&format!("/orgs/{org}/risk/frameworks/nis2-art21")), "linked to the requirement");
    assert!(report.body.contains("Business continuity and crisis management"));
    let json = get(&app, &format!("/exercises/{run}/report.json"), &fac).await.json();
    assert_eq!(json["improvements"][0]["control"], "nis2-art21/21.2.c");

    // The open item shows on the organisation's risk dashboard, next to the posture.
    let risk = get(&app, &format!("/orgs/{org}/risk"), &fac).await;
    assert!(risk.body.contains("Improvement items from exercises") && risk.body.contains("Downtime kits on every ward"), "{}", risk.body);
    assert!(risk.body.contains("nis2-art21 21.2.c"));

    // The history on the list page.
    let list = get(&app, "/exercises", &it).await;
    assert!(list.body.contains("Night drill") && list.body.contains("25 min"), "{}", list.body);
}
