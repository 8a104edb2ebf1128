//! Culture of resilience through the real router: an account-less report with an `.eml`
//! through the organisation link, abuse of that link (floods, oversized and malicious files,
//! forged forms, robots, script in fields), the queue and triage, escalation with a moved
//! clock, notifications to a real webhook receiver and a real SMTP sink on loopback (signature
//! verified; a refused delivery retried and logged), an incident whose reporting clocks start
//! at the recorded awareness time, and lessons feeding the department metrics.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use jiff::{SignedDuration, Timestamp};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use ward_core::ReadScope;
use ward_web::culture::{NotifyConfig, SmtpConfig, WebhookConfig};
use ward_web::{AppState, WebConfig};

use crate::harness::{App, Resp, PASSWORD};
use crate::pages::{cookie, get, hidden, post_form};

const PHISH: &str = "Received: from mail.evil.example (mail.evil.example [203.0.113.9])\r\n\tby mx.hospital.example; Mon, 30 Nov 2026 07:00:00 +0000\r\nFrom: \"IT Service Desk\" <helpdesk@evil.example>\r\nTo: nurse@hospital.example\r\nSubject: Your password expires today\r\nDate: Mon, 30 Nov 2026 07:00:00 +0000\r\nMessage-ID: <abc@evil.example>\r\nContent-Type: text/html\r\n\r\n<p>Sign in <a href=\"https://login.evil.example/reset\">here</a><script>alert('x')</script></p>\r\n";

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----wardtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(router: &axum::Router, path: &str, cookies: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Resp {
    post_multipart_from(router, "127.0.0.1", path, cookies, fields, file).await
}

/// As from a client at `ip` (the peer address `ward serve` records for the rate limit).
async fn post_multipart_from(router: &axum::Router, ip: &str, path: &str, cookies: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Resp {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let (ctype, body) = multipart(fields, file);
    let mut req = Request::builder().method("POST").uri(path).header("cookie", cookies).header("content-type", ctype).body(Body::from(body)).unwrap();
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

async fn sign_in(app: &App, email: &str) -> (String, String) {
    let page = get(app, "/login", "").await;
    let csrf = cookie(&page, "ward_login_csrf").unwrap();
    let ok = post_form(app, "/login", &format!("ward_login_csrf={csrf}"), &[("_csrf", &csrf), ("email", email), ("password", PASSWORD), ("next", "/culture")]).await;
    assert_eq!(ok.status, 303);
    let cookies = format!("ward_session={}", cookie(&ok, "ward_session").unwrap());
    let hub = get(app, "/report", &cookies).await;
    (cookies.clone(), hidden(&hub.body, "_csrf"))
}

/// Opens the organisation link; returns (link path, cookie header, form token).
async fn open_link(app: &App) -> (String, String, String) {
    let mut s = app.store.culture_settings(app.org_a.id).await.unwrap();
    if s.link_token.is_none() {
        s.link_token = Some("test-link-token-0123456789abcdefghijklmnop".into());
        s.link_enabled = true;
        app.store.save_culture_settings(app.org_a.id, &s, Timestamp::now()).await.unwrap();
    }
    let path = format!("/r/{}", s.link_token.unwrap());
    let page = get(app, &path, "").await;
    assert_eq!(page.status, 200);
    let token = cookie(&page, "ward_report_csrf").expect("a double-submit cookie");
    assert!(page.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("SameSite=Strict")));
    (path, format!("ward_report_csrf={token}"), token)
}

#[tokio::test]
async fn an_account_less_report_with_an_eml_is_received_parsed_and_triaged() {
    let app = App::new().await;
    let (path, cookies, csrf) = open_link(&app).await;
    // The form in German when asked.
    let de = get(&app, &format!("{path}?lang=de"), "").await;
    assert!(de.body.contains("Etwas Verdächtiges melden") && de.body.contains("lang=\"de\""));
    let fr = app.raw(Request::builder().uri(&path).header("accept-language", "fr-CH,fr;q=0.9").body(Body::empty()).unwrap()).await;
    assert!(fr.body.contains("Signaler quelque chose de suspect"));

    let r = post_multipart(&app.router, &path, &cookies, &[("_csrf", &csrf), ("category", "suspicious_email"), ("department", "Ward 4B <b>"), ("occurred", "last_hour"), ("description", "<script>alert('stored')</script> clicked nothing")], Some(("phish.eml", PHISH.as_bytes()))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let status_path = r.header("location").to_owned();
    assert!(status_path.starts_with("/report/status/R-"));
    let thanks = get(&app, &status_path, "").await;
    assert_eq!(thanks.status, 200);
    assert!(thanks.body.contains("Thank you") && thanks.body.contains("id=\"reference\""));
    assert!(!thanks.body.contains("clicked nothing"), "the status page never shows the content");
    let reference = status_path.trim_start_matches("/report/status/").split('?').next().unwrap().to_owned();

    let report = app.store.report_by_reference(&reference).await.unwrap();
    assert_eq!(report.via, "link");
    let summary = report.email_summary.clone().expect("the .eml is parsed");
    assert_eq!(summary.from.as_deref(), Some("helpdesk@evil.example"));
    assert_eq!(summary.links, ["https://login.evil.example/reset"]);

    // The queue (analyst of A) shows it with a running timer; B's viewer and A's reporter may not.
    let (cookies_an, csrf_an) = sign_in(&app, "analyst@example.org").await;
    let queue = get(&app, "/culture/queue", &cookies_an).await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(&reference) && queue.body.contains("class=\"countdown\""));
    assert!(queue.body.contains("Ward 4B &lt;b&gt;"), "escaped");
    let (cookies_rep, _) = sign_in(&app, "reporter@example.org").await;
    assert_eq!(get(&app, "/culture/queue", &cookies_rep).await.status, 403);
    let detail_path = format!("/culture/queue/{}", report.id);
    let (cookies_b, _) = sign_in(&app, "viewer_of_b@example.org").await;
    assert_eq!(get(&app, &detail_path, &cookies_b).await.status, 404, "another organisation's report does not exist for it");

    // Stored script text comes back escaped, never active; links are text, not anchors.
    let detail = get(&app, &detail_path, &cookies_an).await;
    assert_eq!(detail.status, 200);
    assert!(!detail.body.contains("<script>alert"), "no active script");
    assert!(detail.body.contains("&lt;script&gt;alert('stored')&lt;/script&gt;"));
    assert!(detail.body.contains("<code>https://login.evil.example/reset</code>") && !detail.body.contains("href=\"https://login.evil.example"));
    assert!(detail.body.contains("evil.example"), "indicators listed");
    let atts = app.store.report_attachments(&report.id).await.unwrap();
    let dl = get(&app, &format!("{detail_path}/attachments/{}", atts[0].id), &cookies_an).await;
    assert_eq!(dl.status, 200);
    assert!(dl.header("content-disposition").starts_with("attachment; filename=\"phish.eml\""));
    assert_eq!(dl.header("x-content-type-options"), "nosniff");
    assert_eq!(dl.header("content-type"), "message/rfc822");
    assert!(dl.header("content-security-policy").contains("sandbox"));
    assert_eq!(dl.body, PHISH);
    let ind = get(&app, &format!("{detail_path}/indicators.txt"), &cookies_an).await;
    assert!(ind.body.lines().any(|l| l == "login.evil.example") && ind.body.lines().any(|l| l == "helpdesk@evil.example"));
    // For sharing: a STIX 2.1 bundle that ward-stix validates object by object.
    let stix = get(&app, &format!("{detail_path}/indicators.stix.json"), &cookies_an).await;
    assert_eq!(stix.status, 200);
    assert!(stix.header("content-disposition").starts_with("attachment"));
    let parsed = ward_stix::parse_bundle(&stix.body).unwrap();
    assert_eq!(parsed.objects.len(), summary.indicators.len());
    for o in &parsed.objects {
        let o = o.as_ref().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(o.tlp, Some(ward_stix::TlpLevel::Amber));
    }
    assert!(stix.body.contains("[domain-name:value = 'login.evil.example']"));

    // Acknowledge (CSRF needed), then a stale second acknowledgement is a conflict.
    let forged = post_form(&app, &format!("{detail_path}/acknowledge"), &cookies_an, &[("version", "1")]).await;
    assert_eq!(forged.status, 403);
    let ok = post_form(&app, &format!("{detail_path}/acknowledge"), &cookies_an, &[("_csrf", &csrf_an), ("version", "1")]).await;
    assert_eq!(ok.status, 303);
    let again = post_form(&app, &format!("{detail_path}/acknowledge"), &cookies_an, &[("_csrf", &csrf_an), ("version", "1")]).await;
    assert_eq!(again.status, 409);
    // The reporter sees the new status (in their language).
    assert!(get(&app, &format!("/report/status/{reference}?lang=de"), "").await.body.contains("Das Response-Team prüft die Meldung"));

    // Dismissal needs a reason; merge needs a known reference of the organisation.
    let second = post_multipart(&app.router, &path, &cookies, &[("_csrf", &csrf), ("category", "suspicious_email"), ("department", "Ward 4B")], None).await;
    let second_ref = second.header("location").trim_start_matches("/report/status/").split('?').next().unwrap().to_owned();
    let second = app.store.report_by_reference(&second_ref).await.unwrap();
    let r = post_form(&app, &format!("/culture/queue/{}/dismiss", second.id), &cookies_an, &[("_csrf", &csrf_an), ("reason", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("reason"));
    let r = post_form(&app, &format!("/culture/queue/{}/merge", second.id), &cookies_an, &[("_csrf", &csrf_an), ("into", "R-0000-0000-0000")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("into: no report"));
    let r = post_form(&app, &format!("/culture/queue/{}/merge", second.id), &cookies_an, &[("_csrf", &csrf_an), ("into", &reference)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(app.store.get_report(&second.id, None).await.unwrap().merged_into.as_deref(), Some(report.id.as_str()));
}

#[tokio::test]
async fn abuse_of_the_public_link_is_rejected_with_clear_errors() {
    let app = App::new().await;
    let (path, cookies, csrf) = open_link(&app).await;
    let ok_fields = [("_csrf", csrf.as_str()), ("category", "suspicious_email"), ("department", "ED")];
    // Unknown links lead nowhere.
    assert_eq!(get(&app, "/r/not-a-link", "").await.status, 404);
    // No form token (a cross-site post): refused.
    let r = post_multipart_from(&app.router, "10.0.0.1", &path, "", &ok_fields, None).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("expired"));
    // A robot filling the honeypot.
    let r = post_multipart_from(&app.router, "10.0.0.2", &path, &cookies, &[("_csrf", &csrf), ("category", "other"), ("department", "ED"), ("website", "http://spam.example")], None).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("website"));
    // Missing and bad fields are named, with the form again and the values escaped.
    let r = post_multipart_from(&app.router, "10.0.0.3", &path, &cookies, &[("_csrf", &csrf), ("category", "ransom<script>"), ("department", "\"><script>alert(1)</script>")], None).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("category") && r.body.contains("is not a category"));
    assert!(!r.body.contains("<script>alert(1)</script>") && r.body.contains("&quot;&gt;&lt;script&gt;"));
    // A program dressed as an e-mail, an HTML page, an oversized file.
    let r = post_multipart_from(&app.router, "10.0.0.4", &path, &cookies, &ok_fields, Some(("invoice.eml", b"MZ\x90\x00\x03rest"))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("attachment") && r.body.contains("programs"));
    let r = post_multipart_from(&app.router, "10.0.0.5", &path, &cookies, &ok_fields, Some(("x.png", b"<svg onload=alert(1)>"))).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("neither an e-mail"));
    let big = [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; 2 * 1024 * 1024 + 10]].concat();
    let r = post_multipart_from(&app.router, "10.0.0.6", &path, &cookies, &ok_fields, Some(("big.png", &big))).await;
    assert_eq!(r.status, 422, "{}", &r.body[..r.body.len().min(400)]);
    assert!(r.body.contains("larger than 2 MiB"));
    let huge = vec![b'a'; 4 * 1024 * 1024];
    let r = post_multipart_from(&app.router, "10.0.0.7", &path, &cookies, &ok_fields, Some(("huge.eml", &huge))).await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("attachment"));
    assert_eq!(app.store.list_reports(Some(app.org_a.id), false).await.unwrap().len(), 1, "nothing half-written (only the harness's seeded report)");
    // A flood: after the per-client limit, 429 with Retry-After (every attempt counts).
    let mut statuses = Vec::new();
    for _ in 0..ward_web::culture::LINK_REPORTS_PER_CLIENT {
        statuses.push(post_multipart_from(&app.router, "10.0.0.8", &path, &cookies, &ok_fields, None).await.status.as_u16());
    }
    assert!(statuses.iter().all(|s| *s == 303), "within the limit: {statuses:?}");
    let r = post_multipart_from(&app.router, "10.0.0.8", &path, &cookies, &ok_fields, None).await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").parse::<u64>().unwrap() > 0);
    assert!(r.body.contains("Too many reports"));
    let other = post_multipart_from(&app.router, "10.0.0.99", &path, &cookies, &ok_fields, None).await;
    assert_eq!(other.status, 303, "another client is not blocked");
}

/// A webhook receiver on loopback: records every request's signature header and body.
async fn webhook_receiver() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let seen: Arc<Mutex<Vec<(String, Vec<u8>)>>> = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let s = s.clone();
            async move {
                let sig = headers.get("x-ward-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                s.lock().unwrap().push((sig, body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// A small SMTP server on loopback speaking real SMTP; refuses every session (554) while
/// `refuse` is set, and records the DATA of accepted messages.
async fn smtp_sink(refuse: Arc<std::sync::atomic::AtomicBool>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mail: Arc<Mutex<Vec<String>>> = Arc::default();
    let m = mail.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else { return };
            let (m, refuse) = (m.clone(), refuse.clone());
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                if refuse.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = w.write_all(b"554 5.3.2 sink refuses mail for now\r\n").await;
                    return;
                }
                let _ = w.write_all(b"220 sink.test ESMTP\r\n").await;
                let mut data = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            m.lock().unwrap().push(std::mem::take(&mut data));
                            let _ = w.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 sink.test\r\n"
                    } else if cmd.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (port, mail)
}

#[tokio::test]
async fn escalation_with_a_moved_clock_notifies_by_signed_webhook_and_smtp_with_retries() {
    let app = App::new().await;
    let org = app.org_a.id;
    let now = Timestamp::now();
    // The harness's seeded report is decided, so only this test's report runs its timers.
    let seeded = app.store.get_report(&app.report.0, None).await.unwrap();
    app.store.decide_report(&seeded.id, org, seeded.version, &ward_store::ReportDecision::Dismiss { reason: "seeded".into() }, None, now).await.unwrap();
    app.store.add_team_member(org, "Dana (IT)", "dana@a.example", "it", true, 1, now).await.unwrap();
    app.store.add_team_member(org, "Off duty", "off@a.example", "clinical", false, 1, now).await.unwrap();
    app.store.add_team_member(org, "Chief nurse", "chief@a.example", "clinical", false, 2, now).await.unwrap();
    let (hook_url, hooks) = webhook_receiver().await;
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (port, mails) = smtp_sink(refuse.clone()).await;
    let secret = b"a webhook secret for tests only".to_vec();
    let cfg = NotifyConfig {
        smtp: Some(SmtpConfig { host: "127.0.0.1".into(), port, from: "ward@hospital.example".into() }),
        webhook: Some(WebhookConfig { url: hook_url, secret: secret.clone() }),
        public_url: Some("https://ward.hospital.example".into()),
    };
    let router = ward_web::router(AppState::new(app.store.clone(), WebConfig::default()).with_notify(cfg.clone()));
    let (cookies, csrf) = sign_in(&app, "reporter@example.org").await;
    let r = post_multipart(&router, "/report", &cookies, &[("_csrf", &csrf), ("category", "suspicious_email"), ("department", "Radiology"), ("description", "Patient Jane Doe's scan link")], None).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let reference = r.header("location").trim_start_matches("/report/status/").split('?').next().unwrap().to_owned();
    let report = app.store.report_by_reference(&reference).await.unwrap();
    assert_eq!(report.reporter, Some(app.user("reporter").id));
    let mine = get(&app, "/report", &cookies).await;
    assert!(mine.body.contains("Your reports") && mine.body.contains(&reference), "the reporter sees their own report");

    // First delivery: the webhook arrives signed; the SMTP relay refuses (logged, retried).
    let t0 = report.received_at;
    let (esc, run) = ward_web::culture::tick(&app.store, &cfg, t0).await.unwrap();
    assert_eq!(esc.escalations, 0, "not yet due");
    assert_eq!((run.delivered, run.retrying), (1, 1), "{run:?}");
    {
        let hooks = hooks.lock().unwrap();
        assert_eq!(hooks.len(), 1);
        let (sig, body) = &hooks[0];
        assert!(ward_culture::notify::verify(&secret, body, sig), "the signature verifies");
        assert!(!ward_culture::notify::verify(b"another secret entirely", body, sig));
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["event"], "new_report");
        assert_eq!(v["report"]["reference"], reference.as_str());
        assert!(!String::from_utf8_lossy(body).contains("Jane Doe"), "no description in notifications");
    }
    let notes = app.store.list_notifications(org, Some(&report.id)).await.unwrap();
    let email = notes.iter().find(|n| n.channel == "email").unwrap();
    assert_eq!(email.recipient, "dana@a.example", "level 1, on call only");
    assert_eq!((email.status.as_str(), email.attempts), ("pending", 1));
    assert!(email.last_error.as_deref().unwrap().contains("554"), "{:?}", email.last_error);
    let retry_at = email.next_attempt_at.unwrap();
    assert_eq!(retry_at, t0 + ward_culture::notify::backoff(1));

    // The relay recovers; the retry is delivered at its time, not before.
    refuse.store(false, std::sync::atomic::Ordering::SeqCst);
    let (_, run) = ward_web::culture::tick(&app.store, &cfg, retry_at - SignedDuration::from_secs(1)).await.unwrap();
    assert_eq!(run.delivered + run.retrying, 0);
    let (_, run) = ward_web::culture::tick(&app.store, &cfg, retry_at).await.unwrap();
    assert_eq!(run.delivered, 1);
    assert!(mails.lock().unwrap()[0].contains(&reference));
    let attempts = app.store.delivery_attempts(&email.id).await.unwrap();
    assert_eq!(attempts.iter().map(|a| a.outcome.as_str()).collect::<Vec<_>>(), ["failed", "delivered"]);

    // Nobody acknowledges: at +15 min level 1 escalates, at +30 min level 2 (the chief nurse).
    let (esc, _) = ward_web::culture::tick(&app.store, &cfg, t0 + SignedDuration::from_mins(15)).await.unwrap();
    assert_eq!(esc.escalations, 1);
    let (esc, _) = ward_web::culture::tick(&app.store, &cfg, t0 + SignedDuration::from_mins(31)).await.unwrap();
    assert_eq!(esc.escalations, 1);
    let (esc, _) = ward_web::culture::tick(&app.store, &cfg, t0 + SignedDuration::from_mins(90)).await.unwrap();
    assert_eq!(esc.escalations, 0, "the chain has two levels; each escalates once");
    let escalations = app.store.escalations(&report.id).await.unwrap();
    assert_eq!(escalations.iter().map(|e| (e.level, e.recipients.as_str())).collect::<Vec<_>>(), [(1, "dana@a.example"), (2, "chief@a.example")]);
    assert!(mails.lock().unwrap().iter().any(|m| m.contains("ESCALATED")));
    assert!(hooks.lock().unwrap().iter().any(|(_, b)| String::from_utf8_lossy(b).contains("\"escalation\"")));
    let (cookies_an, csrf_an) = sign_in(&app, "analyst@example.org").await;
    let detail = get(&app, &format!("/culture/queue/{}", report.id), &cookies_an).await;
    assert!(detail.body.contains("Level 2") && detail.body.contains("chief@a.example"));

    // One step to an incident: the reporting clocks start at the recorded awareness time.
    let aware = report.received_at;
    let r = post_form(&app, &format!("/culture/queue/{}/incident", report.id), &cookies_an, &[("_csrf", &csrf_an), ("version", &report.version.to_string()), ("country", "DE"), ("awareness_at", "yesterday")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("awareness_at"));
    let r = post_form(&app, &format!("/culture/queue/{}/incident", report.id), &cookies_an, &[("_csrf", &csrf_an), ("version", &report.version.to_string()), ("title", "Phishing wave reported by Radiology"), ("country", "DE"), ("awareness_at", &aware.to_string())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let incident: ward_core::IncidentId = r.header("location").trim_start_matches("/incidents/").parse().unwrap();
    let rec = app.store.get_incident(incident, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    assert_eq!(rec.draft.title.as_str(), "Phishing wave reported by Radiology");
    assert!(rec.draft.summary.as_ref().unwrap().as_str().contains(&reference));
    let events = app.store.obligation_events(incident, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    assert_eq!(events[0].body["facts"]["incident.awareness_at"], aware.to_string());
    let stored = app.store.obligations(incident, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    let gdpr = stored.iter().find(|o| o.regime == "eu.gdpr" || o.regime.contains("gdpr")).map(|o| o.due_at);
    let clocks: Vec<_> = stored.iter().filter_map(|o| o.due_at).collect();
    assert!(!clocks.is_empty(), "obligations are evaluated: {stored:?}");
    assert!(clocks.iter().any(|d| *d == aware + SignedDuration::from_hours(24) || *d == aware + SignedDuration::from_hours(72)), "a clock runs from the awareness time: {clocks:?} {gdpr:?}");
    let done = app.store.get_report(&report.id, None).await.unwrap();
    assert_eq!((done.status.as_str(), done.incident_id), ("incident", Some(incident)));
    let (esc, _) = ward_web::culture::tick(&app.store, &cfg, t0 + SignedDuration::from_hours(5)).await.unwrap();
    assert_eq!(esc.escalations, 0, "decided reports never escalate");
}

async fn send_timers(app: &App, cookies: &str, f: Vec<(String, String)>) -> Resp {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    post_form(app, "/culture/settings/timers", cookies, &pairs).await
}

#[tokio::test]
async fn administrators_set_timers_link_team_and_departments_in_the_browser() {
    let app = App::new().await;
    let (cookies, csrf) = sign_in(&app, "org_admin@example.org").await;
    let page = get(&app, "/culture/settings", &cookies).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"report-link\"") && page.body.contains("/culture/settings/qr.svg"));
    let qr = get(&app, "/culture/settings/qr.svg", &cookies).await;
    assert_eq!(qr.header("content-type"), "image/svg+xml");
    assert!(qr.body.contains("<svg"));
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone()), ("escalation_interval".into(), "10".into())];
    for c in ward_culture::Category::ALL {
        form.push((format!("ack.{}", c.as_str()), "20".into()));
        form.push((format!("decide.{}", c.as_str()), "90".into()));
    }
    let with = |k: &str, v: &str| -> Vec<(String, String)> { form.iter().map(|(a, b)| (a.clone(), if a == k { v.to_owned() } else { b.clone() })).collect() };
    let bad = send_timers(&app, &cookies, with("decide.lost_device", "5")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("decide.lost_device") && bad.body.contains("between ack_minutes"), "{}", bad.body);
    assert_eq!(app.store.triage_configs(app.org_a.id).await.unwrap()[&ward_culture::Category::Other].ack_minutes, 60, "nothing saved");
    let bad = send_timers(&app, &cookies, with("escalation_interval", "x")).await;
    assert!(bad.body.contains("escalation_interval"));
    let ok = send_timers(&app, &cookies, form.clone()).await;
    assert_eq!(ok.status, 303);
    assert_eq!(app.store.triage_configs(app.org_a.id).await.unwrap()[&ward_culture::Category::Other], ward_culture::TriageConfig { ack_minutes: 20, decide_minutes: 90 });
    assert_eq!(app.store.culture_settings(app.org_a.id).await.unwrap().escalation_interval_minutes, 10);
    // The team and departments, with bad input named.
    let r = post_form(&app, "/culture/settings/team", &cookies, &[("_csrf", &csrf), ("name", "Dana"), ("email", "not-an-address"), ("function", "it"), ("level", "1")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("email"));
    let r = post_form(&app, "/culture/settings/team", &cookies, &[("_csrf", &csrf), ("name", "Dana"), ("email", "dana@a.example"), ("function", "it"), ("level", "1"), ("on_call", "1")]).await;
    assert_eq!(r.status, 303);
    let r = post_form(&app, "/culture/settings/departments", &cookies, &[("_csrf", &csrf), ("name", "Ward 4B"), ("staff", "0")]).await;
    assert!(r.status == 422 && r.body.contains("staff"));
    let r = post_form(&app, "/culture/settings/departments", &cookies, &[("_csrf", &csrf), ("name", "Ward 4B"), ("staff", "40")]).await;
    assert_eq!(r.status, 303);
    let page = get(&app, "/culture/settings", &cookies).await;
    assert!(page.body.contains("dana@a.example") && page.body.contains("Ward 4B: 40 staff"));
    // Replacing the link retires the old one.
    let old = app.link_token.clone();
    let r = post_form(&app, "/culture/settings/link", &cookies, &[("_csrf", &csrf), ("action", "enable")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(get(&app, &format!("/r/{old}"), "").await.status, 404);
    let r = post_form(&app, "/culture/settings/link", &cookies, &[("_csrf", &csrf), ("action", "disable")]).await;
    assert_eq!(r.status, 303);
    assert!(get(&app, "/culture/settings", &cookies).await.body.contains("id=\"report-link-off\""));
}

#[tokio::test]
async fn completing_a_lesson_updates_the_department_metrics() {
    let app = App::new().await;
    app.store.set_department(app.org_a.id, "Ward 4B", 10).await.unwrap();
    let lesson = ward_culture::lessons::embedded().unwrap().into_iter().find(|l| l.id == "passwords-and-mfa").unwrap();
    let (cookies, csrf) = sign_in(&app, "viewer@example.org").await;
    let page = get(&app, "/culture/lessons/passwords-and-mfa", &cookies).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&lesson.title));
    let mut form: Vec<(String, String)> = lesson.quiz.iter().enumerate().map(|(i, q)| (format!("q{i}"), q.answer.to_string())).collect();
    form.push(("_csrf".into(), csrf.clone()));
    let no_dept: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = post_form(&app, "/culture/lessons/passwords-and-mfa", &cookies, &no_dept).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("department"));
    form.push(("department".into(), "ward 4b".into()));
    let with: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = post_form(&app, "/culture/lessons/passwords-and-mfa", &cookies, &with).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Passed"), "{}", r.body);
    let (cookies_admin, _) = sign_in(&app, "org_admin@example.org").await;
    let m = get(&app, "/culture/metrics", &cookies_admin).await;
    assert_eq!(m.status, 200);
    let row = m.body.split("data-department=\"Ward 4B\"").nth(1).expect("the department row").split("</tr>").next().unwrap();
    assert!(row.contains("<td class=\"lessons-passed\">1</td>"), "{row}");
    assert!(!m.body.contains("viewer@example.org"), "no individual appears");
    assert!(m.body.contains("rising number is good news"));
    assert!(m.body.contains("id=\"culture-months\""), "the trend over time");
    let hub = get(&app, "/culture", &cookies_admin).await;
    assert!(hub.body.contains("id=\"culture-headline\"") && hub.body.contains("lesson completion"));
    assert!(!get(&app, "/culture", &cookies).await.body.contains("culture-headline"), "viewers get no metrics");
    assert_eq!(get(&app, "/culture/metrics", &cookies).await.status, 403, "a viewer does not see the metrics");
    let list = get(&app, "/culture/lessons", &cookies).await;
    assert!(list.body.contains("passed"));
    // The same metrics on the organisation's dashboard and in its board report, for those who
    // may see them; a viewer's dashboard has none.
    for path in [format!("/orgs/{}/risk", app.org_a.id), format!("/orgs/{}/risk/report", app.org_a.id)] {
        let page = get(&app, &path, &cookies_admin).await;
        assert_eq!(page.status, 200, "{path}");
        let section = page.body.split("Culture of resilience").nth(1).unwrap_or_else(|| panic!("{path}: no culture section"));
        assert!(section.contains("data-department=\"Ward 4B\"") && section.contains("rising number is good news"), "{path}");
    }
    let viewer_dash = get(&app, &format!("/orgs/{}/risk", app.org_a.id), &cookies).await;
    assert!(viewer_dash.status == 200 && !viewer_dash.body.contains("culture-metrics"));
}
