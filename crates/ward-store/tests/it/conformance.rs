//! The store conformance suite: every backend must pass every test here.

use jiff::{Timestamp, ToSpan};
use ward_core::text::{Email, Label};
use ward_core::{IncidentDraft, OrgType, Principal, ReadScope, Role, Tlp};
use ward_store::{Dimension, ImportItem, IncidentFilter, NewObligation, NewUser, ObligationEventKind, ObligationFilter, Store, StoreError, Upsert};

crate::conformance!(
    migrate_is_idempotent,
    orgs_and_users_are_unique,
    tokens_expire_and_revoke,
    sessions_expire,
    incident_lifecycle_with_versions,
    stale_version_conflicts,
    racing_updates_one_wins,
    scope_sql_agrees_with_policy,
    filters_and_keyset_pagination,
    hostile_search_text_is_inert,
    tracer_totals_groups_and_coverage,
    import_batches_are_idempotent,
    merges_count_once_and_reverse,
    rollup_agrees_with_live_queries,
    reporting_profile_versions_and_conflicts,
    obligation_log_and_evaluations_are_scoped,
    obligations_are_never_deleted_and_list_overdue_first,
    bulk_reevaluation_writes_only_changes,
    merged_actors_count_for_their_canonical_actor,
    chain_covers_every_change_and_verifies,
    chain_detects_a_corrupted_row,
    chain_detects_a_deleted_row,
    chain_detects_reordered_entries,
    chain_stays_strict_under_concurrent_writers,
    actor_import_is_idempotent_and_keeps_curation,
    attributions_are_scoped_chained_and_ranked,
    evidence_package_verifies_offline_and_any_change_fails,
    chain_backfills_an_upgraded_database_once,
);

fn now() -> Timestamp {
    "2026-11-30T12:00:00Z".parse().unwrap()
}

fn draft(title: &str, country: &str, tlp: Tlp, date: Option<&str>, attack: &[&str]) -> IncidentDraft {
    let mut v = serde_json::json!({
        "title": title, "tlp": tlp.as_str(),
        "victim": {"org_type": "hospital", "country": country},
        "attack_types": attack,
    });
    if let Some(d) = date {
        v["timeline"] = serde_json::json!({"incident_on": d});
    }
    IncidentDraft::from_value(v).unwrap()
}

async fn org(store: &Store, name: &str) -> ward_core::Organisation {
    store.create_org(&name.parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now()).await.unwrap()
}

async fn user(store: &Store, org: &ward_core::Organisation, email: &str, role: Role) -> ward_store::User {
    store
        .create_user(NewUser { org_id: org.id, email: email.parse::<Email>().unwrap(), role, password_hash: Some("$argon2id$fake".into()) }, now())
        .await
        .unwrap()
}

async fn migrate_is_idempotent(store: Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
}

async fn orgs_and_users_are_unique(store: Store) {
    let a = org(&store, "St Example Hospital").await;
    let dup = store.create_org(&"st example HOSPITAL".parse::<Label>().unwrap(), OrgType::Hospital, None, None, now()).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { field: "name" })), "{dup:?}");
    assert_eq!(store.org_by_name("ST EXAMPLE hospital").await.unwrap().id, a.id);
    let u = user(&store, &a, "Nurse@Example.org", Role::Reporter).await;
    assert_eq!(u.email.as_str(), "nurse@example.org");
    let again = store
        .create_user(NewUser { org_id: a.id, email: "nurse@example.org".parse().unwrap(), role: Role::Viewer, password_hash: None }, now())
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate { field: "email" })), "{again:?}");
    let (found, hash) = store.user_for_login(&"nurse@example.org".parse().unwrap()).await.unwrap();
    assert_eq!((found.id, hash.as_deref()), (u.id, Some("$argon2id$fake")));
    assert_eq!(store.list_users(a.id).await.unwrap().len(), 1);
    let admin = user(&store, &a, "root@example.org", Role::InstanceAdmin).await;
    let b = org(&store, "Other Clinic").await;
    assert_eq!(store.list_orgs(&admin.principal()).await.unwrap().len(), 2);
    assert_eq!(store.list_orgs(&u.principal()).await.unwrap().len(), 1);
    assert!(store.list_orgs(&Principal::Anonymous).await.unwrap().is_empty());
    assert_eq!(store.get_org(b.id).await.unwrap().name.as_str(), "Other Clinic");
}

async fn tokens_expire_and_revoke(store: Store) {
    let a = org(&store, "Token Hospital").await;
    let u = user(&store, &a, "analyst@example.org", Role::Analyst).await;
    let live = store.create_token(u.id, "ci", "hash-live", Some(now() + 1.hour()), now()).await.unwrap();
    store.create_token(u.id, "old", "hash-expired", Some(now() - 1.second()), now()).await.unwrap();
    assert_eq!(store.user_for_token("hash-live", now()).await.unwrap().map(|x| x.id), Some(u.id));
    assert_eq!(store.user_for_token("hash-expired", now()).await.unwrap(), None);
    assert_eq!(store.user_for_token("no-such-hash", now()).await.unwrap(), None);
    assert_eq!(store.user_for_token("hash-live", now() + 2.hours()).await.unwrap(), None);
    store.revoke_token(live.id, now()).await.unwrap();
    assert_eq!(store.user_for_token("hash-live", now()).await.unwrap(), None);
    let listed = store.list_tokens(u.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|t| t.revoked_at.is_some() && t.last_used_at.is_some()));
}

async fn sessions_expire(store: Store) {
    let a = org(&store, "Session Hospital").await;
    let u = user(&store, &a, "viewer@example.org", Role::Viewer).await;
    store.create_session("s1", u.id, "csrf1", now() + 8.hours(), now()).await.unwrap();
    let s = store.session("s1", now()).await.unwrap().unwrap();
    assert_eq!((s.user.id, s.csrf_token.as_str()), (u.id, "csrf1"));
    assert!(store.session("s1", now() + 9.hours()).await.unwrap().is_none());
    assert_eq!(store.purge_sessions(now() + 9.hours()).await.unwrap(), 1);
    store.create_session("s2", u.id, "csrf2", now() + 8.hours(), now()).await.unwrap();
    store.delete_session("s2").await.unwrap();
    assert!(store.session("s2", now()).await.unwrap().is_none());
}

async fn incident_lifecycle_with_versions(store: Store) {
    let a = org(&store, "Lifecycle Hospital").await;
    let u = user(&store, &a, "a@example.org", Role::Analyst).await;
    let scope = ReadScope::for_principal(&u.principal());
    let d1 = draft("Ransomware encrypts EHR", "DE", Tlp::Amber, Some("2024-03-01"), &["ransomware"]);
    let created = store.create_incident(a.id, &d1, Some(u.id), now()).await.unwrap();
    assert_eq!(created.version, 1);
    let got = store.get_incident(created.id, &scope).await.unwrap();
    assert_eq!(got, created);
    let mut d2 = d1.clone();
    d2.title = "Ransomware encrypts EHR and PACS".parse().unwrap();
    d2.tlp = Tlp::Green;
    let later = now() + 1.hour();
    let updated = store.update_incident(created.id, &scope, 1, &d2, Some(u.id), later).await.unwrap();
    assert_eq!((updated.version, updated.updated_at, updated.created_at), (2, later, now()));
    let same = store.update_incident(created.id, &scope, 2, &d2, Some(u.id), later).await.unwrap();
    assert_eq!(same.version, 2, "an identical draft adds no version");
    let versions = store.list_versions(created.id, &scope).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].changed_fields, ["(created)"]);
    assert_eq!(versions[1].changed_fields, ["title", "tlp"]);
    assert_eq!(versions[1].changed_by_email.as_deref(), Some("a@example.org"));
    assert_eq!(store.get_version(created.id, 1, &scope).await.unwrap().draft, d1);
    assert!(matches!(store.get_version(created.id, 3, &scope).await, Err(StoreError::NotFound)));
    // An anonymous reader sees neither the AMBER original's history nor the GREEN incident.
    assert!(matches!(store.list_versions(created.id, &ReadScope::PUBLIC).await, Err(StoreError::NotFound)));
}

async fn stale_version_conflicts(store: Store) {
    let a = org(&store, "Conflict Hospital").await;
    let u = user(&store, &a, "c@example.org", Role::Analyst).await;
    let scope = ReadScope::for_principal(&u.principal());
    let d = draft("Phishing wave", "FR", Tlp::Amber, None, &["phishing"]);
    let rec = store.create_incident(a.id, &d, Some(u.id), now()).await.unwrap();
    let mut d2 = d.clone();
    d2.title = "Phishing wave (updated)".parse().unwrap();
    store.update_incident(rec.id, &scope, 1, &d2, Some(u.id), now()).await.unwrap();
    let mut d3 = d.clone();
    d3.title = "Stale edit".parse().unwrap();
    let r = store.update_incident(rec.id, &scope, 1, &d3, Some(u.id), now()).await;
    assert!(matches!(r, Err(StoreError::Conflict { current: 2 })), "{r:?}");
}

async fn racing_updates_one_wins(store: Store) {
    let a = org(&store, "Race Hospital").await;
    let u = user(&store, &a, "r@example.org", Role::Analyst).await;
    let scope = ReadScope::for_principal(&u.principal());
    let rec = store.create_incident(a.id, &draft("Race", "DE", Tlp::Amber, None, &[]), Some(u.id), now()).await.unwrap();
    let mut handles = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let d = draft(&format!("Race edit {i}"), "DE", Tlp::Amber, None, &[]);
        let scope = scope.clone();
        handles.push(tokio::spawn(async move { store.update_incident(rec.id, &scope, 1, &d, Some(u.id), now()).await }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one of the racing updates from version 1 wins");
    assert_eq!(store.list_versions(rec.id, &scope).await.unwrap().len(), 2);
}

/// Every (principal, incident) pair: the SQL scope returns exactly what the policy allows.
async fn scope_sql_agrees_with_policy(store: Store) {
    let a = org(&store, "Scope A").await;
    let b = org(&store, "Scope B").await;
    let mut principals = vec![Principal::Anonymous];
    let mut users = Vec::new();
    for (i, role) in Role::ALL.iter().enumerate() {
        for o in [&a, &b] {
            let u = user(&store, o, &format!("u{i}-{}@example.org", o.name.as_str().replace(' ', "")), *role).await;
            principals.push(u.principal());
            users.push(u);
        }
    }
    let mut incidents = Vec::new();
    for tlp in Tlp::ALL {
        for creator in [Some(&users[4]), Some(&users[6]), None] {
            // users[4] is an analyst of A, users[6] a reporter of A.
            let d = draft(&format!("{tlp} by {:?}", creator.map(|c| c.email.as_str())), "DE", tlp, Some("2023-01-01"), &[]);
            incidents.push(store.create_incident(a.id, &d, creator.map(|c| c.id), now()).await.unwrap());
        }
        incidents.push(store.create_incident(b.id, &draft(&format!("{tlp} of B"), "DE", tlp, None, &[]), None, now()).await.unwrap());
    }
    // B is A's TLP:AMBER client: B's members read A's AMBER incidents (never AMBER+STRICT
    // or RED); A is not B's client, so nothing flows back.
    assert!(store.add_org_client(a.id, b.id, now()).await.unwrap());
    assert!(!store.add_org_client(a.id, b.id, now()).await.unwrap(), "idempotent");
    assert!(matches!(store.add_org_client(a.id, a.id, now()).await, Err(StoreError::Invalid { field: "client", .. })));
    let mut scopes: Vec<(String, ReadScope)> = Vec::new();
    for p in &principals {
        scopes.push((format!("{p:?}"), store.read_scope(p).await.unwrap()));
    }
    scopes.push(("local operator".into(), ReadScope::LOCAL_OPERATOR));
    let client_scopes = scopes.iter().filter(|(_, s)| s.amber_client_of == vec![a.id]).count();
    assert_eq!(client_scopes, Role::ALL.len(), "every member of B is A's client");
    let b_viewer = scopes.iter().find(|(_, s)| s.org_id == Some(b.id)).unwrap().1.clone();
    let amber_of_a = incidents.iter().filter(|i| i.org_id == a.id && i.draft.tlp == Tlp::Amber).count();
    assert_eq!(store.count_incidents(&b_viewer, &IncidentFilter { org_id: Some(a.id), ..Default::default() }).await.unwrap() as usize, amber_of_a + 2 * 3, "A's CLEAR, GREEN and AMBER, not AMBER+STRICT or RED");
    for (p, scope) in &scopes {
        let mut expected: Vec<_> = incidents.iter().filter(|i| scope.allows(i.org_id, i.draft.tlp, i.created_by)).map(|i| i.id).collect();
        let page = store.list_incidents(&scope, &IncidentFilter::default(), None, 200).await.unwrap();
        let mut got: Vec<_> = page.items.iter().map(|i| i.id).collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "list for {p:?}");
        assert_eq!(store.count_incidents(&scope, &IncidentFilter::default()).await.unwrap(), expected.len() as i64);
        for i in &incidents {
            let visible = store.get_incident(i.id, &scope).await.is_ok();
            assert_eq!(visible, scope.allows(i.org_id, i.draft.tlp, i.created_by), "get {} for {p:?}", i.draft.title);
        }
    }
    // Removal takes effect on the next scope built.
    assert!(store.remove_org_client(a.id, b.id).await.unwrap());
    let p = principals.iter().find(|p| p.org_id() == Some(b.id)).unwrap();
    let scope = store.read_scope(p).await.unwrap();
    assert!(scope.amber_client_of.is_empty());
    assert!(store.list_incidents(&scope, &IncidentFilter::default(), None, 200).await.unwrap().items.iter().all(|i| i.org_id == b.id || matches!(i.draft.tlp, Tlp::Clear | Tlp::Green)));
}

async fn filters_and_keyset_pagination(store: Store) {
    let a = org(&store, "Paging Hospital").await;
    let scope = ReadScope::PUBLIC;
    let countries = ["DE", "FR", "IE", "US"];
    for n in 0..25u32 {
        let date = if n % 5 == 4 { None } else { Some(format!("2020-{:02}-{:02}", 1 + n % 12, 1 + n % 3)) };
        let attack: &[&str] = if n % 2 == 0 { &["ransomware"] } else { &["phishing", "data_theft"] };
        let d = draft(&format!("Incident {n} 100% real"), countries[(n % 4) as usize], Tlp::Clear, date.as_deref(), attack);
        store.create_incident(a.id, &d, None, now()).await.unwrap();
    }
    // All pages, limit 7: every incident once, in (date desc, id desc) order, undated last.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.list_incidents(&scope, &IncidentFilter::default(), cursor.as_ref(), 7).await.unwrap();
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|i| (i.draft.reference_date(), i.id)));
        match page.next {
            Some(c) => cursor = Some(ward_store::Cursor::decode(&c.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(seen, sorted);
    let count = |f: IncidentFilter| {
        let store = store.clone();
        async move { store.count_incidents(&ReadScope::PUBLIC, &f).await.unwrap() }
    };
    assert_eq!(count(IncidentFilter { country: Some("DE".parse().unwrap()), ..Default::default() }).await, 7);
    assert_eq!(count(IncidentFilter { attack_type: Some("ransomware".parse().unwrap()), ..Default::default() }).await, 13);
    assert_eq!(count(IncidentFilter { attack_type: Some("data_theft".parse().unwrap()), ..Default::default() }).await, 12);
    assert_eq!(count(IncidentFilter { from: Some("2020-06-01".parse().unwrap()), ..Default::default() }).await, 12);
    assert_eq!(count(IncidentFilter { to: Some("2020-02-28".parse().unwrap()), ..Default::default() }).await, 4);
    assert_eq!(count(IncidentFilter { text: Some("INCIDENT 1".into()), ..Default::default() }).await, 11);
    assert_eq!(count(IncidentFilter { text: Some("100%".into()), ..Default::default() }).await, 25);
    assert_eq!(count(IncidentFilter { text: Some("germany".into()), ..Default::default() }).await, 7);
    assert_eq!(count(IncidentFilter { org_id: Some(a.id), tlp: Some(Tlp::Clear), ..Default::default() }).await, 25);
}

async fn hostile_search_text_is_inert(store: Store) {
    let a = org(&store, "Hostile Hospital").await;
    store.create_incident(a.id, &draft("Plain", "DE", Tlp::Clear, None, &[]), None, now()).await.unwrap();
    for text in ["'; DROP TABLE incidents; --", "%", "_", "\\", "\u{0}", "$1", "' OR '1'='1"] {
        let n = store.count_incidents(&ReadScope::PUBLIC, &IncidentFilter { text: Some(text.into()), ..Default::default() }).await.unwrap();
        assert_eq!(n, 0, "{text:?}");
    }
    assert_eq!(store.count_incidents(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap(), 1);
}

fn harmful(title: &str, country: &str, name: &str, date: &str, individuals: Option<u64>, diverted: Option<bool>, tlp: Tlp) -> IncidentDraft {
    let mut v = serde_json::json!({
        "title": title, "tlp": tlp.as_str(),
        "victim": {"org_type": "hospital", "country": country, "name": name},
        "timeline": {"incident_on": date},
        "attack_types": ["ransomware"],
        "actions": [{"category": "malware"}],
        "actors": [{"kind": "external", "name": "LockBit", "attribution": "claimed by the group"}],
        "sources": [{"url": "https://example.org/s", "publisher": "Example"}],
    });
    if let Some(n) = individuals {
        v["harm"]["individuals_affected"] = serde_json::json!({"value": n, "source": "https://example.org/s", "as_of": date});
    }
    if let Some(d) = diverted {
        v["harm"]["ambulance_diversion"] = serde_json::json!({"value": {"diverted": d}, "source": "https://example.org/s", "as_of": date});
    }
    IncidentDraft::from_value(v).unwrap()
}

async fn tracer_totals_groups_and_coverage(store: Store) {
    let a = org(&store, "Tracer Hospital").await;
    for (t, c, n, d, ind, div, tlp) in [
        ("A", "DE", "Klinik A", "2020-09-10", Some(100), Some(true), Tlp::Clear),
        ("B", "DE", "Klinik B", "2021-05-14", None, Some(false), Tlp::Clear),
        ("C", "IE", "HSE", "2021-05-14", Some(1000), None, Tlp::Clear),
        ("D", "FR", "CHSF", "2022-08-21", Some(5), Some(true), Tlp::Amber),
    ] {
        store.create_incident(a.id, &harmful(t, c, n, d, ind, div, tlp), None, now()).await.unwrap();
    }
    let t = store.totals(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap();
    assert_eq!((t.incidents, t.countries), (3, 2), "the AMBER incident is not public");
    assert_eq!((t.individuals_affected, t.individuals_affected_known), (1100, 2));
    assert_eq!((t.ambulance_diversions, t.ambulance_diversion_known), (1, 2));
    assert!(t.as_of.is_some());
    let op = store.totals(&ReadScope::LOCAL_OPERATOR, &IncidentFilter::default()).await.unwrap();
    assert_eq!((op.incidents, op.individuals_affected), (4, 1105));
    let years = store.group_counts(&ReadScope::PUBLIC, &IncidentFilter::default(), Dimension::Year).await.unwrap();
    let years: Vec<(String, i64)> = years.into_iter().map(|g| (g.key, g.incidents)).collect();
    assert_eq!(years, [("2020".to_owned(), 1), ("2021".to_owned(), 2)]);
    let countries = store.group_counts(&ReadScope::PUBLIC, &IncidentFilter::default(), Dimension::Country).await.unwrap();
    assert_eq!((countries[0].key.as_str(), countries[0].incidents), ("DE", 2));
    let actors = store.group_counts(&ReadScope::PUBLIC, &IncidentFilter::default(), Dimension::Actor).await.unwrap();
    assert_eq!((actors[0].key.as_str(), actors[0].incidents), ("LockBit", 3));
    let actions = store.group_counts(&ReadScope::PUBLIC, &IncidentFilter::default(), Dimension::Action).await.unwrap();
    assert_eq!((actions[0].key.as_str(), actions[0].incidents), ("malware", 3));
    let f = IncidentFilter { known: Some(ward_store::HarmFigure::IndividualsAffected), ..Default::default() };
    assert_eq!(store.count_incidents(&ReadScope::PUBLIC, &f).await.unwrap(), 2);
    let f = IncidentFilter { actor: Some("LockBit".into()), country: Some("IE".parse().unwrap()), ..Default::default() };
    assert_eq!(store.totals(&ReadScope::PUBLIC, &f).await.unwrap().individuals_affected, 1000);
}

async fn import_batches_are_idempotent(store: Store) {
    let a = org(&store, "Import Org").await;
    let item = |value: &str, title: &str| ImportItem { scheme: "hhs".into(), value: value.into(), draft: {
        let mut d = harmful(title, "US", "Some Clinic", "2019-03-01", Some(700), None, Tlp::Clear);
        d.external_ids = vec![ward_core::incident::ExternalId { scheme: "hhs".parse().unwrap(), value: value.parse().unwrap() }];
        d
    } };
    let batch = vec![item("k1", "One"), item("k2", "Two"), item("k1", "One")];
    let r = store.import_batch(a.id, &batch, now()).await.unwrap();
    assert!(matches!(r[0], Upsert::Created(_)) && matches!(r[1], Upsert::Created(_)) && matches!(r[2], Upsert::Unchanged(_)), "{r:?}");
    let again = store.import_batch(a.id, &batch, now()).await.unwrap();
    assert!(again.iter().all(|u| matches!(u, Upsert::Unchanged(_))), "{again:?}");
    let changed = store.import_batch(a.id, &[item("k2", "Two, revised")], now()).await.unwrap();
    let Upsert::Updated(id) = changed[0] else { panic!("{changed:?}") };
    assert_eq!(store.get_incident(id, &ReadScope::PUBLIC).await.unwrap().version, 2);
    assert_eq!(store.count_incidents(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap(), 2);
    assert_eq!(store.count_incidents(&ReadScope::PUBLIC, &IncidentFilter { source: Some("hhs".into()), ..Default::default() }).await.unwrap(), 2);
    assert_eq!(store.find_by_external_id("hhs", "k1").await.unwrap().is_some(), true);
}

async fn merges_count_once_and_reverse(store: Store) {
    let a = org(&store, "Merge Org").await;
    let first = store.create_incident(a.id, &harmful("From HHS", "US", "Some Clinic Inc.", "2019-03-01", Some(700), None, Tlp::Clear), None, now()).await.unwrap();
    let second = store.create_incident(a.id, &harmful("From VCDB", "US", "SOME CLINIC", "2019-04-01", Some(700), None, Tlp::Clear), None, now()).await.unwrap();
    let cands = store.link_candidates("some clinic", "US", first.id).await.unwrap();
    assert_eq!(cands.iter().map(|c| c.id).collect::<Vec<_>>(), [second.id]);
    store.merge_into(second.id, first.id, None, now()).await.unwrap();
    let t = store.totals(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap();
    assert_eq!((t.incidents, t.individuals_affected), (1, 700), "no double counting");
    assert_eq!(store.linked_records(first.id, &ReadScope::PUBLIC).await.unwrap().len(), 1);
    assert_eq!(store.merged_into(second.id).await.unwrap(), Some(first.id));
    let history = store.list_versions(second.id, &ReadScope::PUBLIC).await.unwrap();
    assert!(history.last().unwrap().changed_fields[0].starts_with("merged_into:"), "{history:?}");
    assert!(store.merge_into(first.id, second.id, None, now()).await.is_err(), "no merge into a merged record");
    store.unmerge(second.id, None, now()).await.unwrap();
    assert_eq!(store.totals(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap().incidents, 2);
    let all = IncidentFilter { include_merged: true, ..Default::default() };
    assert_eq!(store.count_incidents(&ReadScope::PUBLIC, &all).await.unwrap(), 2);
}

/// A deterministic mix of incidents covering every rolled-up dimension and every harm figure.
fn varied(n: usize) -> IncidentDraft {
    let countries = [("DE", None), ("US", Some("US-CA")), ("US", Some("US-TX")), ("FR", None), ("IE", None)];
    let (country, region) = countries[n % countries.len()];
    let attacks: &[&[&str]] = &[&["ransomware"], &["data_theft", "ransomware"], &[], &["phishing"]];
    let actors: &[&[&str]] = &[&["LockBit"], &[], &["Conti", "LockBit"], &[]];
    let mut v = serde_json::json!({
        "title": format!("Varied {n}"),
        "tlp": Tlp::ALL[n % Tlp::ALL.len()].as_str(),
        "victim": {"org_type": (["hospital", "laboratory", "health_plan"][n % 3]), "country": country},
        "attack_types": (attacks[n % attacks.len()]),
        "actions": [{"category": (["malware", "hacking"][n % 2])}],
        "actors": (actors[(n / 2) % actors.len()].iter().map(|a| serde_json::json!({"kind": "external", "name": a, "attribution": "named by a source"})).collect::<Vec<_>>()),
        "sources": [{"url": "https://example.org/s", "publisher": "Example"}],
    });
    if let Some(r) = region {
        v["victim"]["region"] = serde_json::json!(r);
    }
    match n % 4 {
        0 => v["timeline"] = serde_json::json!({"incident_on": format!("{}-{:02}-1{}", 2018 + n % 5, 1 + n % 12, n % 10)}),
        1 => v["timeline"] = serde_json::json!({"incident_year": 2019 + n % 3}),
        2 => v["timeline"] = serde_json::json!({"disclosed_on": format!("{}-12-31", 2020 + n % 3)}),
        _ => {}
    }
    let fact = |value: serde_json::Value| serde_json::json!({"value": value, "source": "https://example.org/s", "as_of": "2024-01-01"});
    if n % 2 == 0 {
        v["harm"]["individuals_affected"] = fact(serde_json::json!(n * 1000 + 7));
    }
    if n % 3 == 0 {
        v["harm"]["care_disruption"] = serde_json::json!([fact(serde_json::json!({"domain": "ehr", "days": 0.25 + n as f64 / 8.0}))]);
    }
    if n % 5 == 0 {
        v["harm"]["ambulance_diversion"] = fact(serde_json::json!({"diverted": n % 10 == 0}));
    }
    if n % 7 == 0 {
        v["harm"]["appointments_cancelled"] = fact(serde_json::json!(n * 3));
    }
    if n % 6 == 1 {
        v["harm"]["data_varieties"] = fact(serde_json::json!(["medical", "personal"]));
    }
    IncidentDraft::from_value(v).unwrap()
}

/// The rollup gives the same totals and groupings as the incidents themselves, for every scope,
/// after creates, imports, updates, merges and unmerges, and after a rebuild.
async fn rollup_agrees_with_live_queries(store: Store) {
    let a = org(&store, "Rollup A").await;
    let b = org(&store, "Rollup B").await;
    let admin_a = user(&store, &a, "admin@rollup-a.example", Role::OrgAdmin).await;
    let analyst_a = user(&store, &a, "analyst@rollup-a.example", Role::Analyst).await;
    let viewer_b = user(&store, &b, "viewer@rollup-b.example", Role::Viewer).await;
    let mut ids = Vec::new();
    for n in 0..40 {
        let (owner, by) = if n % 3 == 0 { (b.id, None) } else { (a.id, Some(analyst_a.id)) };
        ids.push(store.create_incident(owner, &varied(n), by, now()).await.unwrap_or_else(|e| panic!("create {n}: {e:?} {:?}", varied(n))));
    }
    let items: Vec<ImportItem> = (40..80)
        .map(|n| ImportItem { scheme: "test".into(), value: n.to_string(), draft: varied(n) })
        .collect();
    store.import_batch(a.id, &items, now()).await.unwrap();
    // Updates that move incidents between rollup cells (country, TLP, facets, harm).
    for (i, n) in [(1usize, 90usize), (2, 91), (5, 92)] {
        let rec = &ids[i];
        store.update_incident(rec.id, &ReadScope::LOCAL_OPERATOR, rec.version, &varied(n), None, now()).await.unwrap();
    }
    let changed: Vec<ImportItem> = (40..50).map(|n| ImportItem { scheme: "test".into(), value: n.to_string(), draft: varied(n + 7) }).collect();
    store.import_batch(a.id, &changed, now()).await.unwrap();
    store.merge_many(&[(ids[10].id, ids[11].id), (ids[12].id, ids[11].id), (ids[13].id, ids[14].id)], None, now()).await.unwrap();
    store.unmerge(ids[13].id, None, now()).await.unwrap();

    let scopes = [
        ("public", ReadScope::PUBLIC),
        ("operator", ReadScope::LOCAL_OPERATOR),
        ("org admin of A", ReadScope::for_principal(&admin_a.principal())),
        ("analyst of A (RED creator)", ReadScope::for_principal(&analyst_a.principal())),
        ("viewer of B", ReadScope::for_principal(&viewer_b.principal())),
        ("viewer of B, A's TLP:AMBER client", ReadScope::for_principal(&viewer_b.principal()).with_amber_client_of(vec![a.id])),
    ];
    let date = |s: &str| Some(s.parse::<jiff::civil::Date>().unwrap());
    let filters = [
        IncidentFilter::default(),
        IncidentFilter { country: Some("US".parse().unwrap()), ..Default::default() },
        IncidentFilter { region: Some("US-CA".parse().unwrap()), ..Default::default() },
        IncidentFilter { org_type: Some(OrgType::Laboratory), harm_present: true, ..Default::default() },
        IncidentFilter { tlp: Some(Tlp::Amber), org_id: Some(a.id), ..Default::default() },
        IncidentFilter { attack_type: Some("ransomware".parse().unwrap()), ..Default::default() },
        IncidentFilter { actor: Some("LockBit".into()), country: Some("DE".parse().unwrap()), ..Default::default() },
        IncidentFilter { from: date("2019-01-01"), to: date("2021-12-31"), ..Default::default() },
        IncidentFilter { from: date("2020-01-01"), ..Default::default() },
        // Not answerable from the rollup: these take the live path and must agree trivially.
        IncidentFilter { from: date("2019-03-01"), ..Default::default() },
        IncidentFilter { attack_type: Some("ransomware".parse().unwrap()), actor: Some("Conti".into()), ..Default::default() },
        IncidentFilter { text: Some("varied 1".into()), ..Default::default() },
    ];
    let check = |label: &'static str| {
        let store = store.clone();
        let scopes = scopes.clone();
        let filters = filters.clone();
        async move {
            let mut answered = 0;
            for (name, scope) in &scopes {
                for f in &filters {
                    let (got, want) = (store.totals(scope, f).await.unwrap(), store.live_totals(scope, f).await.unwrap());
                    let strip = |t: &ward_store::Totals| ward_store::Totals { as_of: None, care_disruption_days: 0.0, ..t.clone() };
                    assert_eq!(strip(&got), strip(&want), "{label}: totals for {name} under {f:?}");
                    assert!((got.care_disruption_days - want.care_disruption_days).abs() < 1e-6, "{label}: care days for {name} under {f:?}");
                    answered += usize::from(ward_store::rollup_answers(f, None));
                    for dim in Dimension::ALL {
                        let (got, want) = (store.group_counts(scope, f, dim).await.unwrap(), store.live_group_counts(scope, f, dim).await.unwrap());
                        assert_eq!(got, want, "{label}: {dim:?} for {name} under {f:?}");
                        answered += usize::from(ward_store::rollup_answers(f, Some(dim)));
                    }
                }
            }
            assert!(answered > 200, "the rollup answered only {answered} of the comparisons");
        }
    };
    check("incremental").await;
    let public = store.totals(&ReadScope::PUBLIC, &IncidentFilter::default()).await.unwrap();
    assert!(public.incidents > 0 && public.individuals_affected_known > 0 && public.care_disruption_known > 0);
    store.rebuild_rollup().await.unwrap();
    check("rebuilt").await;
}

// ---------------------------------------------------------------- report once

fn obligation(regime: &str, stage: &str, status: &str, due: Option<&str>) -> NewObligation {
    NewObligation {
        regime: regime.into(),
        stage: stage.into(),
        instance: None,
        status: status.into(),
        is_open: matches!(status, "owed" | "provisional" | "advisory" | "overdue"),
        due_at: due.map(|d| d.parse().unwrap()),
        rule_version: "2025-12-06".into(),
        body: serde_json::json!({"regime": regime, "stage": stage, "status": status}).to_string(),
        digest: None,
    }
}

async fn reporting_profile_versions_and_conflicts(store: Store) {
    let a = org(&store, "Profile Hospital").await;
    let u = user(&store, &a, "dpo@example.org", Role::OrgAdmin).await;
    assert_eq!(store.reporting_profile(a.id).await.unwrap(), None);
    let mut entity = std::collections::BTreeMap::new();
    entity.insert("entity.time_zone".to_owned(), serde_json::json!("Europe/Berlin"));
    entity.insert("entity.country_of_establishment".to_owned(), serde_json::json!(["DE"]));
    let p1 = store.save_reporting_profile(a.id, 0, &entity, Some(u.id), now()).await.unwrap();
    assert_eq!(p1.version, 1);
    assert_eq!(store.reporting_profile(a.id).await.unwrap(), Some(p1.clone()));
    // A second "first save" and a stale version both conflict, naming the current version.
    let again = store.save_reporting_profile(a.id, 0, &entity, Some(u.id), now()).await;
    assert!(matches!(again, Err(StoreError::Conflict { current: 1 })), "{again:?}");
    entity.insert("entity.de.bsig_class".to_owned(), serde_json::json!("besonders_wichtig"));
    let p2 = store.save_reporting_profile(a.id, 1, &entity, Some(u.id), now() + 1.hour()).await.unwrap();
    assert_eq!(p2.version, 2);
    let stale = store.save_reporting_profile(a.id, 1, &entity, Some(u.id), now()).await;
    assert!(matches!(stale, Err(StoreError::Conflict { current: 2 })), "{stale:?}");
    assert_eq!(store.reporting_profile(a.id).await.unwrap().unwrap().entity["entity.de.bsig_class"], "besonders_wichtig");
}

async fn obligation_log_and_evaluations_are_scoped(store: Store) {
    let a = org(&store, "Log Hospital").await;
    let b = org(&store, "Other Log Hospital").await;
    let analyst = user(&store, &a, "log@example.org", Role::Analyst).await;
    let stranger = user(&store, &b, "stranger@example.org", Role::OrgAdmin).await;
    let own = ReadScope::for_principal(&analyst.principal());
    let other = ReadScope::for_principal(&stranger.principal());
    let inc = store.create_incident(a.id, &draft("Ransomware", "DE", Tlp::Amber, Some("2026-06-05"), &["ransomware"]), Some(analyst.id), now()).await.unwrap();
    let facts = serde_json::json!({"facts": {"incident.awareness_at": "2026-06-05T23:30:00+02:00"}});
    let evaluated = [obligation("de.bsig", "fruehe_erstmeldung", "owed", Some("2026-06-06T21:30:00Z")), obligation("de.bsig", "meldung", "owed", Some("2026-06-08T21:30:00Z"))];
    // Another organisation cannot write to or read the log of an AMBER incident: not found.
    let denied = store.append_obligation_event(inc.id, &other, 0, ObligationEventKind::Facts, &facts, &evaluated, Some(stranger.id), now()).await;
    assert!(matches!(denied, Err(StoreError::NotFound)), "{denied:?}");
    assert_eq!(store.append_obligation_event(inc.id, &own, 0, ObligationEventKind::Facts, &facts, &evaluated, Some(analyst.id), now()).await.unwrap(), 1);
    // A writer that evaluated a stale log loses, with the current count.
    let stale = store.append_obligation_event(inc.id, &own, 0, ObligationEventKind::Facts, &facts, &evaluated, Some(analyst.id), now()).await;
    assert!(matches!(stale, Err(StoreError::Conflict { current: 1 })), "{stale:?}");
    let submission = serde_json::json!({"regime": "de.bsig", "stage": "meldung", "submitted_at": "2026-06-07T10:00:00Z", "payload_sha256": "ab".repeat(32)});
    let after = [obligation("de.bsig", "meldung", "submitted_on_time", Some("2026-06-08T21:30:00Z"))];
    assert_eq!(store.append_obligation_event(inc.id, &own, 1, ObligationEventKind::Submission, &submission, &after, Some(analyst.id), now() + 1.hour()).await.unwrap(), 2);
    let log = store.obligation_events(inc.id, &own).await.unwrap();
    assert_eq!(log.iter().map(|e| (e.seq, e.kind)).collect::<Vec<_>>(), vec![(1, ObligationEventKind::Facts), (2, ObligationEventKind::Submission)]);
    assert_eq!(log[0].recorded_by_email.as_deref(), Some("log@example.org"));
    assert_eq!(log[1].body, submission);
    assert!(matches!(store.obligation_events(inc.id, &other).await, Err(StoreError::NotFound)));
    assert!(store.obligations(inc.id, &other).await.unwrap().is_empty(), "rows of an invisible incident are not returned");
    assert!(store.list_open_obligations(&other, &ObligationFilter::default(), now()).await.unwrap().is_empty());
    let rows = store.obligations(inc.id, &own).await.unwrap();
    assert_eq!(rows.iter().map(|o| (o.stage.as_str(), o.status.as_str(), o.is_open)).collect::<Vec<_>>(), vec![("fruehe_erstmeldung", "owed", true), ("meldung", "submitted_on_time", false)]);
    assert_eq!(rows[1].evaluated_seq, 2);
    assert_eq!(rows[1].rule_version, "2025-12-06");
    assert_eq!(rows[0].incident_title, "Ransomware");
    // Re-evaluation without an event needs the current count.
    assert!(matches!(store.store_evaluation(inc.id, &own, 1, &after, now()).await, Err(StoreError::Conflict { current: 2 })));
    store.store_evaluation(inc.id, &own, 2, &after, now()).await.unwrap();
    assert_eq!(store.incidents_with_obligation_events(a.id, &own).await.unwrap(), vec![inc.id]);
    assert!(store.incidents_with_obligation_events(a.id, &other).await.unwrap().is_empty());
    // The local operator (CLI) sees everything.
    assert_eq!(store.list_open_obligations(&ReadScope::LOCAL_OPERATOR, &ObligationFilter::default(), now()).await.unwrap().len(), 1);
}

async fn obligations_are_never_deleted_and_list_overdue_first(store: Store) {
    let a = org(&store, "List Hospital").await;
    let b = org(&store, "List Clinic").await;
    let u = user(&store, &a, "list@example.org", Role::Analyst).await;
    let op = ReadScope::LOCAL_OPERATOR;
    let first = store.create_incident(a.id, &draft("First", "DE", Tlp::Amber, None, &[]), Some(u.id), now()).await.unwrap();
    let second = store.create_incident(b.id, &draft("Second", "FR", Tlp::Amber, None, &[]), None, now()).await.unwrap();
    let facts = serde_json::json!({"facts": {}});
    store
        .append_obligation_event(first.id, &op, 0, ObligationEventKind::Facts, &facts, &[
            obligation("r.one", "later", "owed", Some("2026-12-31T00:00:00Z")),
            obligation("r.one", "past", "owed", Some("2026-11-01T00:00:00Z")),
            obligation("r.one", "nodate", "advisory", None),
            obligation("r.two", "maybe", "provisional", Some("2026-10-01T00:00:00Z")),
        ], None, now())
        .await
        .unwrap();
    store.append_obligation_event(second.id, &op, 0, ObligationEventKind::Facts, &facts, &[obligation("r.fr", "soon", "owed", Some("2026-12-01T00:00:00Z"))], None, now()).await.unwrap();
    let all = store.list_open_obligations(&op, &ObligationFilter::default(), now()).await.unwrap();
    let order: Vec<&str> = all.iter().map(|o| o.stage.as_str()).collect();
    // Owed and past due first; a provisional past-due clock is not "overdue"; no due time last.
    assert_eq!(order, vec!["past", "maybe", "soon", "later", "nodate"]);
    assert!(all[0].is_overdue(now()) && !all[1].is_overdue(now()));
    let overdue = store.list_open_obligations(&op, &ObligationFilter { overdue_at: Some(now()), ..Default::default() }, now()).await.unwrap();
    assert_eq!(overdue.iter().map(|o| o.stage.as_str()).collect::<Vec<_>>(), vec!["past"]);
    let only_b = store.list_open_obligations(&op, &ObligationFilter { org_id: Some(b.id), ..Default::default() }, now()).await.unwrap();
    assert_eq!(only_b.iter().map(|o| o.stage.as_str()).collect::<Vec<_>>(), vec!["soon"]);
    // A later evaluation that no longer yields a row does not delete it; a decision closes it.
    store.append_obligation_event(first.id, &op, 1, ObligationEventKind::Decision, &serde_json::json!({"regime": "r.one", "stage": "past"}), &[obligation("r.one", "past", "closed", Some("2026-11-01T00:00:00Z"))], None, now()).await.unwrap();
    let rows = store.obligations(first.id, &op).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().find(|o| o.stage == "past").unwrap().status, "closed");
    assert!(store.list_open_obligations(&op, &ObligationFilter { overdue_at: Some(now()), ..Default::default() }, now()).await.unwrap().is_empty());
}

/// `reporting_logs` + `store_evaluations`: logs read in scope, only changed rows written, and an
/// incident whose log grew since it was read left alone.
async fn bulk_reevaluation_writes_only_changes(store: Store) {
    let a = org(&store, "Bulk Hospital").await;
    let b = org(&store, "Bulk Other").await;
    let stranger = user(&store, &b, "bulk-stranger@example.org", Role::OrgAdmin).await;
    let op = ReadScope::LOCAL_OPERATOR;
    let facts = serde_json::json!({"facts": {"incident.awareness_at": "2026-06-05T23:30:00+02:00"}});
    let first = [obligation("de.bsig", "fruehe_erstmeldung", "owed", Some("2026-06-06T21:30:00Z")), obligation("de.bsig", "meldung", "owed", Some("2026-06-08T21:30:00Z"))];
    let mut ids = Vec::new();
    for n in 0..3 {
        let inc = store.create_incident(a.id, &draft(&format!("Bulk {n}"), "DE", Tlp::Amber, Some("2026-06-05"), &["ransomware"]), None, now()).await.unwrap();
        store.append_obligation_event(inc.id, &op, 0, ObligationEventKind::Facts, &facts, &first, None, now()).await.unwrap();
        ids.push(inc.id);
    }
    let logs = store.reporting_logs(&op, Some(a.id)).await.unwrap();
    assert_eq!(logs.iter().map(|l| (l.incident_id, l.events.len())).collect::<Vec<_>>(), ids.iter().map(|i| (*i, 1)).collect::<Vec<_>>());
    assert!(store.reporting_logs(&ReadScope::for_principal(&stranger.principal()), None).await.unwrap().is_empty(), "AMBER logs of another organisation are not read");
    // Unchanged results: nothing written.
    let same: Vec<ward_store::Reevaluated> = ids.iter().map(|id| ward_store::Reevaluated { incident_id: *id, expected_seq: 1, obligations: first.to_vec() }).collect();
    // The first bulk evaluation after single writes compares nothing yet: it rewrites every row
    // once; the same result again writes nothing.
    let r = store.store_evaluations(&same, now() + 1.hour()).await.unwrap();
    assert_eq!((r.rows_written, r.changed_meanwhile.len()), (6, 0));
    let r = store.store_evaluations(&same, now() + 1.hour()).await.unwrap();
    assert_eq!((r.rows_written, r.changed_meanwhile.len()), (0, 0));
    // One incident's log grows meanwhile; another's result changes.
    store.append_obligation_event(ids[0], &op, 1, ObligationEventKind::Facts, &facts, &first, None, now()).await.unwrap();
    let mut changed = same;
    changed[1].obligations[1] = obligation("de.bsig", "meldung", "closed", Some("2026-06-08T21:30:00Z"));
    let r = store.store_evaluations(&changed, now() + 2.hours()).await.unwrap();
    assert_eq!(r.changed_meanwhile, vec![ids[0]]);
    assert_eq!(r.rows_written, 2, "the changed incident's rows, not the unchanged one's");
    let rows = store.obligations(ids[1], &op).await.unwrap();
    assert_eq!(rows.iter().map(|o| o.status.as_str()).collect::<Vec<_>>(), ["owed", "closed"]);
}

/// A history touching every covered kind: incident create, update, import, merge, unmerge,
/// reporting profile, obligation event. Returns the incident created by hand.
async fn chain_history(store: &Store) -> ward_core::IncidentId {
    let o = org(store, "Chain Hospital").await;
    let u = user(store, &o, "chain@example.org", Role::OrgAdmin).await;
    let rec = store.create_incident(o.id, &draft("Chained", "DE", Tlp::Clear, Some("2024-01-02"), &["ransomware"]), Some(u.id), now()).await.unwrap();
    store.update_incident(rec.id, &ReadScope::LOCAL_OPERATOR, 1, &draft("Chained v2", "DE", Tlp::Clear, Some("2024-01-02"), &["ransomware"]), Some(u.id), now()).await.unwrap();
    let items: Vec<ImportItem> = (0..3).map(|n| ImportItem { scheme: "t".into(), value: format!("{n}"), draft: draft(&format!("Imported {n}"), "FR", Tlp::Clear, None, &[]) }).collect();
    let ups = store.import_batch(o.id, &items, now()).await.unwrap();
    let Upsert::Created(dup) = ups[0] else { panic!("{ups:?}") };
    store.merge_into(dup, rec.id, Some(u.id), now()).await.unwrap();
    store.unmerge(dup, Some(u.id), now()).await.unwrap();
    let entity: std::collections::BTreeMap<String, serde_json::Value> = [("entity.country".to_owned(), serde_json::json!("DE"))].into();
    store.save_reporting_profile(o.id, 0, &entity, Some(u.id), now()).await.unwrap();
    store
        .append_obligation_event(rec.id, &ReadScope::LOCAL_OPERATOR, 0, ObligationEventKind::Facts, &serde_json::json!({"facts": {}}), &[], Some(u.id), now())
        .await
        .unwrap();
    rec.id
}

fn test_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

async fn raw(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool_for_tamper_tests()).await.unwrap();
}

async fn entry_seq(store: &Store, subject: ward_core::IncidentId, version: i64) -> i64 {
    store.chain_entries_for(&subject.to_string()).await.unwrap().iter().find(|e| e.kind.starts_with("incident.") && e.version == version).unwrap().seq
}

async fn chain_covers_every_change_and_verifies(store: Store) {
    let id = chain_history(&store).await;
    let report = store.verify_chain(None).await.unwrap();
    assert!(report.ok, "{report:?}");
    // create, update, 3 imports, merge, unmerge, profile, obligation event
    assert_eq!(report.entries, 9);
    let kinds: Vec<String> = store.chain_entries_for(&id.to_string()).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["incident.create", "incident.update", "obligation.facts"]);
    let key = test_key();
    let cp = store.write_checkpoint(&key, now()).await.unwrap().expect("a checkpoint");
    assert_eq!(cp.seq, 9);
    assert!(cp.signature_valid());
    assert!(store.write_checkpoint(&key, now()).await.unwrap().is_none(), "the same head is signed once");
    let report = store.verify_chain(Some(&key.verifying_key())).await.unwrap();
    assert!(report.ok && report.checkpoints == 1 && report.checkpoints_by_trusted_key == 1, "{report:?}");
    // A forged checkpoint (hash changed after signing) is named.
    raw(&store, "UPDATE chain_checkpoints SET head_hash = '00' WHERE seq = 9").await;
    let report = store.verify_chain(None).await.unwrap();
    assert_eq!(report.failure.map(|f| (f.seq, f.kind)), Some((9, Some("checkpoint".into()))));
    // A store reopened on the same database keeps verifying and does not backfill twice.
    assert_eq!(store.chain_head().await.unwrap().0, 9);
}

async fn chain_detects_a_corrupted_row(store: Store) {
    let id = chain_history(&store).await;
    let seq = entry_seq(&store, id, 2).await;
    raw(&store, &format!("UPDATE incident_versions SET body = REPLACE(body, 'Chained v2', 'Chained v3') WHERE incident_id = '{id}' AND version = 2")).await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("detected");
    assert_eq!((f.seq, f.subject.as_deref(), f.version), (seq, Some(id.to_string().as_str()), Some(2)), "{f:?}");
    assert!(f.reason.contains("changed"), "{f:?}");
    // Put it back: verifies again.
    raw(&store, &format!("UPDATE incident_versions SET body = REPLACE(body, 'Chained v3', 'Chained v2') WHERE incident_id = '{id}' AND version = 2")).await;
    assert!(store.verify_chain(None).await.unwrap().ok);
    // An edited chain entry is named by its own seq.
    raw(&store, "UPDATE chain_entries SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 4").await;
    assert_eq!(store.verify_chain(None).await.unwrap().failure.map(|f| f.seq), Some(4));
}

async fn chain_detects_a_deleted_row(store: Store) {
    let id = chain_history(&store).await;
    // A covered row deleted: its entry is named.
    let seq = store.chain_entries_for(&id.to_string()).await.unwrap().last().unwrap().seq;
    raw(&store, &format!("DELETE FROM incident_obligations WHERE incident_id = '{id}'")).await;
    raw(&store, &format!("DELETE FROM incident_obligation_events WHERE incident_id = '{id}'")).await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("detected");
    assert_eq!((f.seq, f.kind.as_deref()), (seq, Some("obligation.facts")), "{f:?}");
    assert!(f.reason.contains("missing"), "{f:?}");
    // An entry deleted from the middle: the gap is named.
    raw(&store, "DELETE FROM chain_entries WHERE seq = 3").await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("detected");
    assert_eq!(f.seq, 3, "{f:?}");
    assert!(f.reason.contains("missing"), "{f:?}");
}

async fn chain_detects_reordered_entries(store: Store) {
    chain_history(&store).await;
    raw(&store, "UPDATE chain_entries SET seq = -1 WHERE seq = 5").await;
    raw(&store, "UPDATE chain_entries SET seq = 5 WHERE seq = 6").await;
    raw(&store, "UPDATE chain_entries SET seq = 6 WHERE seq = -1").await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("detected");
    assert_eq!(f.seq, 5, "{f:?}");
    raw(&store, "UPDATE chain_entries SET seq = -1 WHERE seq = 5").await;
    raw(&store, "UPDATE chain_entries SET seq = 5 WHERE seq = 6").await;
    raw(&store, "UPDATE chain_entries SET seq = 6 WHERE seq = -1").await;
    assert!(store.verify_chain(None).await.unwrap().ok, "swapping back restores the chain");
    raw(&store, "DELETE FROM chain_entries WHERE seq = 9").await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("a truncated tail is detected");
    assert_eq!(f.seq, 9, "{f:?}");
}

async fn chain_stays_strict_under_concurrent_writers(store: Store) {
    let o = org(&store, "Busy Hospital").await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let (store, org_id) = (store.clone(), o.id);
        tasks.push(tokio::spawn(async move {
            let rec = store.create_incident(org_id, &draft(&format!("Concurrent {n}"), "DE", Tlp::Clear, None, &[]), None, now()).await.unwrap();
            store.update_incident(rec.id, &ReadScope::LOCAL_OPERATOR, 1, &draft(&format!("Concurrent {n} bis"), "DE", Tlp::Clear, None, &[]), None, now()).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.verify_chain(None).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 24);
}

fn attack_actor(stix: &str, name: &str, attack_id: &str, healthcare: bool) -> ward_core::ActorDocument {
    let mut d = ward_core::ActorDocument::hand_made(ward_core::ActorKind::IntrusionSet, name).unwrap();
    d.stix_id = Some(stix.into());
    d.attack_id = Some(attack_id.into());
    d.domains = vec!["enterprise-attack".into()];
    d.aliases = vec![format!("{name} alias")];
    if healthcare {
        d.healthcare_evidence = vec![ward_core::actor::HealthcareEvidence {
            sentence: format!("{name} targeted hospitals."),
            term: "hospital".into(),
            source: format!("MITRE ATT&CK enterprise-attack: {attack_id}"),
            url: None,
        }];
    }
    d
}

async fn actor_import_is_idempotent_and_keeps_curation(store: Store) {
    let docs = vec![attack_actor("intrusion-set--1", "Wizard Spider", "G0102", true), attack_actor("intrusion-set--2", "APT38", "G0082", false)];
    let first = store.import_actors(&docs, "enterprise-attack", now()).await.unwrap();
    assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
    let again = store.import_actors(&docs, "enterprise-attack", now()).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    let ws = store.find_actors("wizard spider ALIAS").await.unwrap();
    assert_eq!(ws.len(), 1);
    assert_eq!(store.find_actors("g0102").await.unwrap()[0].id, ws[0].id);
    // A curator adds an alias and a stated policy; a re-import keeps both and changes nothing.
    let mut doc = ws[0].doc.clone();
    doc.aliases.push("Grim Spider".into());
    doc.stated_policy.push(ward_core::actor::StatedPolicy { statement: "No hospitals".into(), source_url: "https://example.org/p".into(), stated_on: None });
    store.update_actor(ws[0].id, ws[0].version, &doc, now()).await.unwrap();
    let third = store.import_actors(&docs, "enterprise-attack", now()).await.unwrap();
    assert_eq!(third.unchanged, 2, "{third:?}");
    assert_eq!(store.find_actors("grim spider").await.unwrap()[0].doc.stated_policy.len(), 1);
    let hc = store.rank_actors(&ReadScope::PUBLIC, &ward_store::ActorFilter { healthcare: true, ..Default::default() }).await.unwrap();
    assert_eq!(hc.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Wizard Spider"]);
    let hand = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit").unwrap(), now()).await.unwrap();
    assert_eq!(store.find_actors("lockbit").await.unwrap()[0].id, hand.id);
    let dup = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LOCKBIT").unwrap(), now()).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { .. })), "{dup:?}");
}

async fn attributions_are_scoped_chained_and_ranked(store: Store) {
    use ward_core::Confidence;
    let o = org(&store, "Attributed Hospital").await;
    let u = user(&store, &o, "analyst@example.org", Role::Analyst).await;
    let public = store.create_incident(o.id, &harmful("Public", "DE", "Klinik P", "2021-01-01", Some(300), None, Tlp::Clear), None, now()).await.unwrap();
    let amber = store.create_incident(o.id, &harmful("Amber", "DE", "Klinik A", "2021-02-01", Some(50), None, Tlp::Amber), None, now()).await.unwrap();
    let actor = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit").unwrap(), now()).await.unwrap();
    let other = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "Other").unwrap(), now()).await.unwrap();
    let new = |incident, actor, confidence| ward_store::NewAttribution {
        incident_id: incident,
        actor_id: actor,
        confidence,
        source_url: "https://example.org/claim".into(),
        stated_on: "2021-01-05".parse().unwrap(),
        note: String::new(),
    };
    let a1 = store.attribute(&new(public.id, actor.id, Confidence::ClaimedByActor), &ReadScope::LOCAL_OPERATOR, Some(u.id), now()).await.unwrap();
    assert_eq!((a1.actor_name.as_str(), a1.recorded_by_email.as_deref()), ("LockBit", Some("analyst@example.org")));
    // Competing attributions coexist; a disputed one is shown but not counted.
    store.attribute(&new(public.id, actor.id, Confidence::AssessedLikely), &ReadScope::LOCAL_OPERATOR, Some(u.id), now()).await.unwrap();
    store.attribute(&new(public.id, other.id, Confidence::Disputed), &ReadScope::LOCAL_OPERATOR, Some(u.id), now()).await.unwrap();
    store.attribute(&new(amber.id, actor.id, Confidence::ConfirmedByAuthority), &ReadScope::LOCAL_OPERATOR, Some(u.id), now()).await.unwrap();
    // An incident the caller cannot read cannot be attributed.
    let hidden = store.attribute(&new(amber.id, actor.id, Confidence::Possible), &ReadScope::PUBLIC, None, now()).await;
    assert!(matches!(hidden, Err(StoreError::NotFound)), "{hidden:?}");
    let on_public = store.incident_attributions(public.id, &ReadScope::PUBLIC).await.unwrap();
    assert_eq!(on_public.iter().map(|a| a.confidence).collect::<Vec<_>>(), [Confidence::ClaimedByActor, Confidence::AssessedLikely, Confidence::Disputed]);
    assert_eq!(store.actor_attributions(actor.id, &ReadScope::PUBLIC).await.unwrap().len(), 2, "the AMBER incident's attribution is not public");
    assert_eq!(store.actor_attributions(actor.id, &ReadScope::LOCAL_OPERATOR).await.unwrap().len(), 3);
    let ranked = store.rank_actors(&ReadScope::PUBLIC, &ward_store::ActorFilter { attributed_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(ranked.iter().map(|r| (r.name.as_str(), r.incidents, r.individuals_affected)).collect::<Vec<_>>(), [("LockBit", 1, 300)]);
    let ranked = store.rank_actors(&ReadScope::LOCAL_OPERATOR, &ward_store::ActorFilter::default()).await.unwrap();
    assert_eq!((ranked[0].name.as_str(), ranked[0].incidents, ranked[0].individuals_affected), ("LockBit", 2, 350));
    assert_eq!((ranked[1].name.as_str(), ranked[1].incidents), ("Other", 0));
    let f = IncidentFilter { attributed_actor: Some(actor.id), ..Default::default() };
    let t = store.totals(&ReadScope::PUBLIC, &f).await.unwrap();
    assert_eq!((t.incidents, t.individuals_affected, t.individuals_affected_known), (1, 300, 1));
    let f = IncidentFilter { attributed_actor: Some(other.id), ..Default::default() };
    assert_eq!(store.totals(&ReadScope::LOCAL_OPERATOR, &f).await.unwrap().incidents, 0, "disputed does not count");
    // Every attribution is in the chain; editing one is detected at its entry.
    let report = store.verify_chain(None).await.unwrap();
    assert!(report.ok, "{report:?}");
    let entry = store.chain_entries_for(&a1.id.to_string()).await.unwrap();
    assert_eq!(entry.len(), 1);
    assert_eq!(entry[0].kind, "attribution.create");
    raw(&store, &format!("UPDATE attributions SET confidence = 'confirmed_by_authority' WHERE id = '{}'", a1.id)).await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("detected");
    assert_eq!((f.seq, f.subject), (entry[0].seq, Some(a1.id.to_string())));
}

async fn evidence_package_verifies_offline_and_any_change_fails(store: Store) {
    let id = chain_history(&store).await;
    let actor = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit").unwrap(), now()).await.unwrap();
    let new = ward_store::NewAttribution {
        incident_id: id,
        actor_id: actor.id,
        confidence: ward_core::Confidence::ClaimedByActor,
        source_url: "https://example.org/leak".into(),
        stated_on: "2024-01-03".parse().unwrap(),
        note: "leak-site post".into(),
    };
    store.attribute(&new, &ReadScope::LOCAL_OPERATOR, None, now()).await.unwrap();
    let key = test_key();
    let bytes = store.export_evidence(id, &ReadScope::LOCAL_OPERATOR, &key, now()).await.unwrap();
    let report = ward_store::evidence::verify_package(&bytes).unwrap();
    // create + update, one reporting event, one attribution
    assert_eq!((report.incident_versions, report.records), (2, 4), "{report:?}");
    assert_eq!(report.checkpoint_seq, 10);
    // Any byte changed fails, wherever it is.
    for pos in [0, bytes.len() / 3, bytes.len() / 2, bytes.len() - 2] {
        let mut b = bytes.clone();
        b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
        assert!(ward_store::evidence::verify_package(&b).is_err(), "byte {pos} changed and still verifies");
    }
    // A consistent rewrite (canonical again) still fails: the package signature.
    let text = String::from_utf8(bytes.clone()).unwrap().replace("Chained v2", "Chained v9");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let b = serde_json_canonicalizer::to_vec(&v).unwrap();
    assert!(ward_store::evidence::verify_package(&b).unwrap_err().contains("package_signature"));
    // Re-signed by another key: the checkpoint no longer matches the package's key.
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    v["public_key"] = serde_json::json!(ward_store::chain::hex(other.verifying_key().as_bytes()));
    v.as_object_mut().unwrap().remove("package_signature");
    let sig = ed25519_dalek::Signer::sign(&other, &serde_json_canonicalizer::to_vec(&v).unwrap());
    v["package_signature"] = serde_json::json!(ward_store::chain::hex(&sig.to_bytes()));
    let b = serde_json_canonicalizer::to_vec(&v).unwrap();
    assert!(ward_store::evidence::verify_package(&b).unwrap_err().contains("checkpoint"));
    // An incident the caller cannot read cannot be exported.
    let hidden = store.create_incident(store.org_by_name("Chain Hospital").await.unwrap().id, &draft("Hidden", "DE", Tlp::Amber, None, &[]), None, now()).await.unwrap();
    assert!(matches!(store.export_evidence(hidden.id, &ReadScope::PUBLIC, &key, now()).await, Err(StoreError::NotFound)));
}

async fn chain_backfills_an_upgraded_database_once(store: Store) {
    chain_history(&store).await;
    // As a database from before the chain: rows, no entries.
    raw(&store, "DELETE FROM chain_entries").await;
    raw(&store, &format!("UPDATE chain_head SET seq = 0, hash = '{}' WHERE id = 1", ward_store::chain::GENESIS_HASH)).await;
    let f = store.verify_chain(None).await.unwrap().failure.expect("rows without entries are detected");
    assert!(f.reason.contains("has no chain entry"), "{f:?}");
    assert_eq!(store.backfill_chain(now()).await.unwrap(), 9);
    assert_eq!(store.backfill_chain(now()).await.unwrap(), 0, "once");
    let report = store.verify_chain(None).await.unwrap();
    assert!(report.ok && report.entries == 9, "{report:?}");
}

/// Merging actors: the duplicate's attributions count for the canonical actor (register,
/// dossier, harm filter), its names become aliases, it leaves the register, the attributions
/// themselves are untouched (the chain still verifies), and bad merges are refused.
async fn merged_actors_count_for_their_canonical_actor(store: Store) {
    use ward_core::Confidence;
    let o = org(&store, "Merge Actor Hospital").await;
    let one = store.create_incident(o.id, &harmful("One", "DE", "Klinik Eins", "2022-01-01", Some(100), None, Tlp::Clear), None, now()).await.unwrap();
    let two = store.create_incident(o.id, &harmful("Two", "FR", "Hopital Deux", "2022-02-01", Some(20), None, Tlp::Clear), None, now()).await.unwrap();
    let brand = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit Black").unwrap(), now()).await.unwrap();
    let main = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit").unwrap(), now()).await.unwrap();
    let third = store.create_actor(&ward_core::ActorDocument::hand_made(ward_core::ActorKind::Group, "LockBit Green").unwrap(), now()).await.unwrap();
    let new = |incident, actor| ward_store::NewAttribution {
        incident_id: incident,
        actor_id: actor,
        confidence: Confidence::ClaimedByActor,
        source_url: "https://example.org/claim".into(),
        stated_on: "2022-02-05".parse().unwrap(),
        note: String::new(),
    };
    store.attribute(&new(one.id, brand.id), &ReadScope::LOCAL_OPERATOR, None, now()).await.unwrap();
    store.attribute(&new(two.id, main.id), &ReadScope::LOCAL_OPERATOR, None, now()).await.unwrap();
    store.attribute(&new(two.id, third.id), &ReadScope::LOCAL_OPERATOR, None, now()).await.unwrap();
    // A third name merged into the brand first: merging the brand carries it along.
    store.merge_actor(third.id, brand.id, now()).await.unwrap();
    let merged = store.merge_actor(brand.id, main.id, now()).await.unwrap();
    assert!(merged.doc.aliases.iter().any(|a| a == "LockBit Black"), "{:?}", merged.doc.aliases);
    assert_eq!(store.get_actor(brand.id).await.unwrap().merged_into, Some(main.id));
    assert_eq!(store.get_actor(third.id).await.unwrap().merged_into, Some(main.id));
    assert_eq!(store.find_actors("lockbit black").await.unwrap().iter().map(|a| a.id).collect::<Vec<_>>(), [main.id]);
    assert_eq!(store.actor_attributions(main.id, &ReadScope::PUBLIC).await.unwrap().len(), 3);
    let ranked = store.rank_actors(&ReadScope::PUBLIC, &ward_store::ActorFilter::default()).await.unwrap();
    assert_eq!(ranked.iter().map(|r| (r.name.as_str(), r.incidents, r.individuals_affected)).collect::<Vec<_>>(), [("LockBit", 2, 120)]);
    let t = store.totals(&ReadScope::PUBLIC, &IncidentFilter { attributed_actor: Some(main.id), ..Default::default() }).await.unwrap();
    assert_eq!((t.incidents, t.individuals_affected), (2, 120));
    assert!(store.merge_actor(main.id, main.id, now()).await.is_err(), "not into itself");
    assert!(store.merge_actor(main.id, brand.id, now()).await.is_err(), "not into a merged actor");
    assert!(store.merge_actor(brand.id, main.id, now()).await.is_err(), "not twice");
    let report = store.verify_chain(None).await.unwrap();
    assert!(report.ok, "attributions untouched: {report:?}");
}
