//! Sharing an anonymised incident: the preview page, the promotion into a community
//! collection, and what another organisation then reads over TAXII — never the name, the
//! summary's personal data or a small count — while the original stays AMBER.

use ward_core::anonymise::Audience;
use ward_core::{IncidentDraft, ReadScope, Tlp};
use ward_store::NewCollection;

use crate::harness::App;

#[tokio::test]
async fn promote_an_amber_incident_to_the_community() {
    let app = App::new().await;
    let draft = IncidentDraft::from_value(serde_json::json!({
        "title": "Ransomware at Klinikum Sonnenberg", "tlp": "amber",
        "summary": "Klinikum Sonnenberg lost its EHR. Dr. Erika Musterfrau (erika@sonnenberg.example, +49 30 1234 5678) saw the note; patient MRN 88123 was moved.",
        "victim": {"org_type": "hospital", "country": "DE", "region": "DE-BE", "name": "Klinikum Sonnenberg"},
        "attack_types": ["ransomware"], "timeline": {"incident_on": "2026-10-14"},
        "sources": [{"url": "https://example.org/internal", "publisher": "Internal"}],
        "harm": {"patient_transfers": {"value": 3, "source": "https://example.org/internal", "as_of": "2026-10-15"}}
    })).unwrap();
    let analyst = app.user("analyst").clone();
    let id = app.store.create_incident(app.org_a.id, &draft, Some(analyst.id), jiff::Timestamp::now()).await.unwrap().id;
    let coll = app.store.create_collection(&NewCollection { api_root: "ward".into(), title: "Community".into(), description: None, owner_org_id: app.org_a.id, read_orgs: vec![app.org_b.id], write_orgs: vec![] }, jiff::Timestamp::now()).await.unwrap();

    // The preview, for someone who may change the incident; others get 403/404.
    let page = app.send("analyst", "GET", &format!("/incidents/{id}/share"), None, &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("A hospital in Germany") && page.body.contains("Community (ward)"), "{}", &page.body[..page.body.len().min(2000)]);
    for secret in ["erika@", "Musterfrau", "5678", "88123"] {
        assert!(!page.body[page.body.find("<h2>Preview").unwrap()..].contains(secret), "preview shows {secret}");
    }
    assert_eq!(app.send("viewer", "GET", &format!("/incidents/{id}/share"), None, &[]).await.status, 403);
    assert_eq!(app.send("viewer_of_b", "GET", &format!("/incidents/{id}/share"), None, &[]).await.status, 404);
    assert_eq!(app.send("analyst", "GET", &format!("/incidents/{id}/share?audience=everyone"), None, &[]).await.status, 400);

    // Promote (what the form's POST does).
    let principal = analyst.principal();
    let r = ward_web::share::promotable(&app.store, &principal, id).await.unwrap();
    let err = ward_web::share::promote(&app.store, &principal, &r, Audience::Community, "no-such-collection", jiff::Timestamp::now()).await.unwrap_err();
    assert!(matches!(err, ward_web::error::ApiError::Validation(_)));
    let promoted = ward_web::share::promote(&app.store, &principal, &r, Audience::Community, &coll.id, jiff::Timestamp::now()).await.unwrap();
    assert_eq!((promoted.objects.len(), promoted.tlp.as_str()), (5, "green"));
    // Promoting again makes new versions of the same three objects, not a second incident.
    ward_web::share::promote(&app.store, &principal, &r, Audience::Community, &coll.id, jiff::Timestamp::now() + jiff::SignedDuration::from_secs(5)).await.unwrap();

    // Hospital B reads the collection over TAXII: the anonymised incident, nothing identifying.
    let body = app.send("viewer_of_b", "GET", &format!("/taxii2/ward/collections/{}/objects/", coll.id), None, &[("accept", "application/taxii+json;version=2.1")]).await;
    assert_eq!(body.status, 200, "{}", body.body);
    let v = body.json();
    let objects = v["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 5, "latest versions only: {}", body.body);
    for secret in ["Sonnenberg", "Musterfrau", "erika", "5678", "88123", "DE-BE", "2026-10-14"] {
        assert!(!body.body.contains(secret), "{secret} leaked: {}", body.body);
    }
    let incident = objects.iter().find(|o| o["type"] == "incident").unwrap();
    let description = incident["description"].as_str().unwrap();
    assert!(description.contains("Month: 2026-10") && description.contains("Patients transferred: 1–9"), "{incident}");
    assert_eq!(incident["labels"][0], "Ransomware");
    let location = objects.iter().find(|o| o["type"] == "location").unwrap();
    assert_eq!(location["country"], "DE");
    assert_eq!(incident["object_marking_refs"][0], Tlp::Green.marking_definition_id());
    assert!(incident.get("created_by_ref").is_none(), "no creator that would name the victim");
    let identity = objects.iter().find(|o| o["type"] == "identity").unwrap();
    assert_eq!((identity["name"].as_str(), identity["sectors"][0].as_str()), (Some("A hospital in Germany"), Some("healthcare")));
    // The original is unchanged and still hidden from Hospital B.
    let original = app.store.get_incident(id, &ReadScope::LOCAL_OPERATOR).await.unwrap();
    assert_eq!((original.version, original.draft.tlp), (1, Tlp::Amber));
    assert_eq!(app.send("viewer_of_b", "GET", &format!("/api/v1/incidents/{id}"), None, &[]).await.status, 404);
}

/// The sharing-groups page through real sessions: the instance administrator creates a group,
/// adds Hospital B and grants it a collection of Hospital A; B then reads the collection over
/// TAXII; removing B ends that at once. Others cannot change groups. The incident share form
/// posts with the session's CSRF token.
#[tokio::test]
async fn sharing_groups_page_and_share_form() {
    use crate::pages::{get, login, post_form};
    let app = App::new().await;
    let coll = app.store.create_collection(&NewCollection { api_root: "ward".into(), title: "A's indicators".into(), description: None, owner_org_id: app.org_a.id, read_orgs: vec![], write_orgs: vec![] }, jiff::Timestamp::now()).await.unwrap();
    let b_path = format!("/taxii2/ward/collections/{}/", coll.id);
    let b_reads = || app.send("viewer_of_b", "GET", &b_path, None, &[("accept", "application/taxii+json;version=2.1")]);
    assert_eq!(b_reads().await.status, 404);
    let (cookies, csrf) = login(&app, "instance_admin@example.org").await;
    let r = post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "create"), ("name", "North <region>"), ("description", "")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let dup = post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "create"), ("name", "North <region>")]).await;
    assert_eq!(dup.status, 422);
    let group = app.store.sharing_group("North <region>").await.unwrap();
    let org_b = app.org_b.id.to_string();
    assert_eq!(post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "add-member"), ("group", &group.id), ("org", &org_b)]).await.status, 303);
    assert_eq!(post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "grant"), ("group", &group.id), ("collection", &coll.id), ("read", "1")]).await.status, 303);
    assert_eq!(post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "grant"), ("group", "nope"), ("collection", &coll.id), ("read", "1")]).await.status, 422);
    assert_eq!(post_form(&app, "/sharing", &cookies, &[("action", "create"), ("name", "No token")]).await.status, 403);
    let page = get(&app, "/sharing", &cookies).await;
    assert!(page.body.contains("North &lt;region&gt;") && page.body.contains("Hospital B") && page.body.contains("A&#39;s indicators (read)") || page.body.contains("A's indicators (read)"), "{}", page.body);
    assert_eq!(b_reads().await.status, 200, "B reads through the group");
    // B's analyst-less viewer sees the group it is in, but cannot change it.
    let (b_cookies, b_csrf) = login(&app, "viewer_of_b@example.org").await;
    assert!(get(&app, "/sharing", &b_cookies).await.body.contains("North &lt;region&gt;"));
    assert_eq!(post_form(&app, "/sharing", &b_cookies, &[("_csrf", &b_csrf), ("action", "create"), ("name", "Mine")]).await.status, 403);
    assert_eq!(post_form(&app, "/sharing", &cookies, &[("_csrf", &csrf), ("action", "remove-member"), ("group", &group.id), ("org", &org_b)]).await.status, 303);
    assert_eq!(b_reads().await.status, 404, "removal ends access at once");

    // The share form: analyst of A shares the GREEN incident into A's collection.
    let green = app.incident(Tlp::Green);
    let (a_cookies, a_csrf) = login(&app, "analyst@example.org").await;
    let preview = get(&app, &format!("/incidents/{green}/share"), &a_cookies).await;
    assert!(preview.body.contains("A&#39;s indicators") || preview.body.contains("A's indicators"));
    let r = post_form(&app, &format!("/incidents/{green}/share"), &a_cookies, &[("_csrf", &a_csrf), ("audience", "public"), ("collection", &coll.id)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let done = get(&app, &format!("/incidents/{green}/share?audience=public&shared=1"), &a_cookies).await;
    assert!(done.body.contains("Shared with the public (TLP:CLEAR)"));
    let objects = app.store.read_stix_objects(&ReadScope::LOCAL_OPERATOR, "ward", &coll.id, &Default::default(), None, 100).await.unwrap().objects;
    assert_eq!(objects.len(), 5);
    assert!(objects.iter().all(|o| o.tlp == Some(Tlp::Clear) && !o.body.contains("Test Hospital")));
}
