//! Share conformance (both backends): collections and their permissions, unique monotonic
//! `date_added` with gap-free keyset paging, version selectors, and the property that random
//! objects, markings, organisations, sharing groups, TLP:AMBER client relations and viewers
//! never leak (SQL agrees with the policy).

use jiff::Timestamp;
use ward_core::text::{Email, Label};
use ward_core::{OrgType, ReadScope, Role, Tlp};
use ward_store::{object_visible, NewCollection, NewStixObject, NewUser, ObjectFilter, Store, StoreError, VersionSelector};

crate::conformance!(sharing_groups_grant_and_revoke, amber_clients_read_amber_only, collections_and_permissions, date_added_is_unique_and_paging_is_gap_free, version_selectors_and_delete, random_objects_never_leak, sync_position_is_kept_per_remote);

fn now() -> Timestamp {
    "2026-11-30T12:00:00Z".parse().unwrap()
}

async fn org(store: &Store, name: &str) -> ward_core::Organisation {
    store.create_org(&name.parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now()).await.unwrap()
}

async fn user(store: &Store, org: &ward_core::Organisation, email: &str, role: Role) -> ward_store::User {
    store.create_user(NewUser { org_id: org.id, email: email.parse::<Email>().unwrap(), role, password_hash: None }, now()).await.unwrap()
}

fn obj(n: u32, version: Option<&str>, tlp: Option<Tlp>) -> NewStixObject {
    let id = format!("indicator--{:08x}-0000-4000-8000-000000000000", n);
    NewStixObject { stix_id: id.clone(), object_type: "indicator".into(), spec_version: "2.1".into(), version: version.map(|v| v.parse().unwrap()), tlp, body: format!("{{\"id\":\"{id}\",\"n\":{n}}}") }
}

async fn collections_and_permissions(store: Store) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let c = org(&store, "C").await;
    let coll = store
        .create_collection(&NewCollection { api_root: "api1".into(), title: "Indicators".into(), description: None, owner_org_id: a.id, read_orgs: vec![b.id], write_orgs: vec![] }, now())
        .await
        .unwrap();
    let ua = user(&store, &a, "a@example.org", Role::Viewer).await;
    let ub = user(&store, &b, "b@example.org", Role::Viewer).await;
    let uc = user(&store, &c, "c@example.org", Role::Viewer).await;
    let scope = |u: &ward_store::User| ReadScope::for_principal(&u.principal());
    let (_, acc) = store.get_collection("api1", &coll.id, &scope(&ua)).await.unwrap();
    assert!(acc.can_read && acc.can_write);
    let (_, acc) = store.get_collection("api1", &coll.id, &scope(&ub)).await.unwrap();
    assert!(acc.can_read && !acc.can_write);
    assert!(matches!(store.get_collection("api1", &coll.id, &scope(&uc)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.get_collection("other", &coll.id, &scope(&ua)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.read_stix_objects(&scope(&uc), "api1", &coll.id, &ObjectFilter::default(), None, 10).await, Err(StoreError::NotFound)));
    assert!(matches!(store.read_stix_objects(&ReadScope::PUBLIC, "api1", &coll.id, &ObjectFilter::default(), None, 10).await, Err(StoreError::NotFound)));
    assert_eq!(store.list_collections(&scope(&uc), None).await.unwrap().len(), 0);
    assert_eq!(store.list_collections(&scope(&ub), Some("api1")).await.unwrap().len(), 1);
    assert_eq!(store.list_collections(&ReadScope::LOCAL_OPERATOR, None).await.unwrap().len(), 1);
    assert_eq!(store.api_roots().await.unwrap(), vec!["api1".to_owned()]);
}

async fn date_added_is_unique_and_paging_is_gap_free(store: Store) {
    let a = org(&store, "A").await;
    let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: "T".into(), description: None, owner_org_id: a.id, read_orgs: vec![], write_orgs: vec![] }, now()).await.unwrap();
    // Many objects in several requests at the very same instant.
    let mut n = 0;
    for batch in [1usize, 150, 3, 500, 46] {
        let objs: Vec<_> = (0..batch).map(|_| { n += 1; obj(n, Some("2020-01-01T00:00:00Z"), Some(Tlp::Green)) }).collect();
        let added = store.add_stix_objects(&coll.id, a.id, None, &objs, now()).await.unwrap();
        assert!(added.iter().all(|x| x.inserted));
    }
    // Re-adding an existing (id, version) is a success without a new row.
    let again = store.add_stix_objects(&coll.id, a.id, None, &[obj(1, Some("2020-01-01T00:00:00Z"), Some(Tlp::Green))], now()).await.unwrap();
    assert!(!again[0].inserted);
    let scope = ReadScope::LOCAL_OPERATOR;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.read_stix_objects(&scope, "r", &coll.id, &ObjectFilter::default(), after.as_deref(), 7).await.unwrap();
        assert!(page.objects.len() <= 7);
        seen.extend(page.objects.iter().map(|o| (o.date_added.clone(), o.stix_id.clone())));
        if !page.more {
            break;
        }
        after = page.objects.last().map(|o| o.date_added.clone());
    }
    assert_eq!(seen.len(), n as usize, "every object exactly once");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "date_added strictly increasing");
    assert_eq!(seen[0].0.len(), "2026-11-30T12:00:00.000000Z".len());
    // added_after is exclusive.
    let cut: Timestamp = seen[99].0.parse().unwrap();
    let page = store.read_stix_objects(&scope, "r", &coll.id, &ObjectFilter { added_after: Some(cut), ..Default::default() }, None, 1000).await.unwrap();
    assert_eq!(page.objects.len(), n as usize - 100);
    assert_eq!(page.objects[0].date_added, seen[100].0);
    // Filters by type and id.
    let f = ObjectFilter { ids: vec![obj(3, None, None).stix_id], types: vec!["indicator".into()], ..Default::default() };
    assert_eq!(store.read_stix_objects(&scope, "r", &coll.id, &f, None, 10).await.unwrap().objects.len(), 1);
    let f = ObjectFilter { types: vec!["malware".into()], ..Default::default() };
    assert!(store.read_stix_objects(&scope, "r", &coll.id, &f, None, 10).await.unwrap().objects.is_empty());
}

async fn version_selectors_and_delete(store: Store) {
    let a = org(&store, "A").await;
    let b = org(&store, "B").await;
    let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: "T".into(), description: None, owner_org_id: a.id, read_orgs: vec![b.id], write_orgs: vec![b.id] }, now()).await.unwrap();
    for v in ["2020-01-01T00:00:00Z", "2021-01-01T00:00:00.5Z", "2020-06-01T00:00:00Z"] {
        store.add_stix_objects(&coll.id, a.id, None, &[obj(1, Some(v), Some(Tlp::Green))], now()).await.unwrap();
    }
    let scope = ReadScope::LOCAL_OPERATOR;
    let read = |versions: Vec<VersionSelector>| {
        let store = store.clone();
        let id = coll.id.clone();
        let scope = scope.clone();
        async move {
            store.read_stix_objects(&scope, "r", &id, &ObjectFilter { versions, ..Default::default() }, None, 100).await.unwrap().objects.into_iter().map(|o| o.version).collect::<Vec<_>>()
        }
    };
    assert_eq!(read(vec![]).await, vec!["2021-01-01T00:00:00.500000Z"]);
    assert_eq!(read(vec![VersionSelector::First]).await, vec!["2020-01-01T00:00:00.000000Z"]);
    assert_eq!(read(vec![VersionSelector::All]).await.len(), 3);
    assert_eq!(read(vec![VersionSelector::First, VersionSelector::Last]).await.len(), 2);
    assert_eq!(read(vec![VersionSelector::At("2020-06-01T00:00:00Z".parse().unwrap())]).await, vec!["2020-06-01T00:00:00.000000Z"]);
    // Org B may see but not delete org A's object; org A deletes one version, then the rest.
    let ub = user(&store, &b, "b@example.org", Role::Analyst).await;
    let sb = ReadScope::for_principal(&ub.principal());
    let id = obj(1, None, None).stix_id;
    assert_eq!(store.delete_stix_object(&sb, "r", &coll.id, &id, &[], &[]).await.unwrap(), 0);
    let ua = user(&store, &a, "a@example.org", Role::Analyst).await;
    let sa = ReadScope::for_principal(&ua.principal());
    assert_eq!(store.delete_stix_object(&sa, "r", &coll.id, &id, &[VersionSelector::First], &[]).await.unwrap(), 1);
    assert_eq!(store.delete_stix_object(&sa, "r", &coll.id, &id, &[], &[]).await.unwrap(), 2);
    assert!(matches!(store.delete_stix_object(&sa, "r", &coll.id, &id, &[], &[]).await, Err(StoreError::NotFound)));
}

/// A small deterministic generator (the suite must be reproducible on both backends).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn random_objects_never_leak(store: Store) {
    let orgs = [org(&store, "O1").await, org(&store, "O2").await, org(&store, "O3").await];
    let mut users = Vec::new();
    for (i, o) in orgs.iter().enumerate() {
        for (j, role) in [Role::OrgAdmin, Role::Analyst, Role::Viewer].into_iter().enumerate() {
            users.push(user(&store, o, &format!("u{i}{j}@example.org"), role).await);
        }
    }
    let mut rng = Lcg(0x5eed);
    let mut seeds_with_clients = 0;
    for seed in 0..4u32 {
        // A collection owned by a random org, readable by a random subset of the others.
        let owner = &orgs[rng.next(3) as usize];
        let read_orgs: Vec<_> = orgs.iter().filter(|o| o.id != owner.id && rng.next(2) == 0).map(|o| o.id).collect();
        let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: format!("C{seed}"), description: None, owner_org_id: owner.id, read_orgs: read_orgs.clone(), write_orgs: read_orgs.clone() }, now()).await.unwrap();
        // And a sharing group of a random subset, granted read half of the time.
        let group = store.create_sharing_group(&format!("G{seed}"), None, now()).await.unwrap();
        let members: Vec<_> = orgs.iter().filter(|_| rng.next(2) == 0).map(|o| o.id).collect();
        for m in &members {
            store.add_group_member(&group.id, *m, now()).await.unwrap();
        }
        let group_reads = rng.next(2) == 0;
        store.grant_collection_to_group(&coll.id, &group.id, group_reads, false).await.unwrap();
        let mut read_orgs = read_orgs;
        if group_reads {
            read_orgs.extend(members.iter().copied());
        }
        // Random TLP:AMBER client relations (some added, some removed again), read back
        // into each viewer's scope as a server would.
        for owner_org in &orgs {
            for client in orgs.iter().filter(|c| c.id != owner_org.id) {
                match rng.next(3) {
                    0 => { store.add_org_client(owner_org.id, client.id, now()).await.unwrap(); }
                    1 => { store.remove_org_client(owner_org.id, client.id).await.unwrap(); }
                    _ => {}
                }
            }
        }
        let mut truth = Vec::new();
        for k in 0..40u32 {
            let tlp = [None, Some(Tlp::Clear), Some(Tlp::Green), Some(Tlp::Amber), Some(Tlp::AmberStrict), Some(Tlp::Red)][rng.next(6) as usize];
            let writer = &users[rng.next(users.len() as u64) as usize];
            let o = obj(seed * 1000 + k, Some("2020-01-01T00:00:00Z"), tlp);
            store.add_stix_objects(&coll.id, writer.org_id, Some(writer.id), std::slice::from_ref(&o), now()).await.unwrap();
            truth.push((o.stix_id, writer.org_id, tlp, writer.id));
        }
        let mut scopes: Vec<ReadScope> = Vec::new();
        for u in &users {
            scopes.push(store.read_scope(&u.principal()).await.unwrap());
        }
        if scopes.iter().any(|s| !s.amber_client_of.is_empty()) {
            seeds_with_clients += 1;
        }
        scopes.push(ReadScope::PUBLIC);
        scopes.push(ReadScope::LOCAL_OPERATOR);
        for scope in scopes {
            let may_read_collection = scope.operator || scope.org_id.is_some_and(|o| o == owner.id || read_orgs.contains(&o));
            let got = store.read_stix_objects(&scope, "r", &coll.id, &ObjectFilter::default(), None, 1000).await;
            let mut got: Vec<String> = match got {
                Ok(page) => page.objects.into_iter().map(|o| o.stix_id).collect(),
                Err(StoreError::NotFound) => {
                    assert!(!may_read_collection, "{scope:?} may read collection {seed}");
                    continue;
                }
                Err(e) => panic!("{e}"),
            };
            assert!(may_read_collection, "{scope:?} read collection {seed} it may not");
            let mut want: Vec<String> = truth.iter().filter(|(_, owner, tlp, by)| object_visible(&scope, *owner, *tlp, Some(*by))).map(|t| t.0.clone()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "scope {scope:?}, collection {seed}");
            // Versions and single-object reads go through the same function.
            for (id, owner_org, tlp, by) in truth.iter().take(8) {
                let f = ObjectFilter { ids: vec![id.clone()], versions: vec![VersionSelector::All], ..Default::default() };
                let n = store.read_stix_objects(&scope, "r", &coll.id, &f, None, 10).await.unwrap().objects.len();
                assert_eq!(n == 1, object_visible(&scope, *owner_org, *tlp, Some(*by)), "{id} for {scope:?}");
            }
        }
    }
    assert!(seeds_with_clients >= 2, "the generator makes client relations ({seeds_with_clients} of 4 rounds)");
}

async fn sync_position_is_kept_per_remote(store: Store) {
    let a = org(&store, "A").await;
    let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: "T".into(), description: None, owner_org_id: a.id, read_orgs: vec![], write_orgs: vec![] }, now()).await.unwrap();
    let remote = "http://peer.example/taxii2/r/collections/x/";
    assert_eq!(store.sync_position(&coll.id, remote).await.unwrap(), None);
    let n = store.add_pulled_page(&coll.id, a.id, remote, &[obj(1, Some("2020-01-01T00:00:00Z"), None)], "2026-01-01T00:00:00.000001Z", now()).await.unwrap();
    assert_eq!(n, 1);
    // The same page again (a resumed pull) adds nothing and moves the position on.
    let n = store.add_pulled_page(&coll.id, a.id, remote, &[obj(1, Some("2020-01-01T00:00:00Z"), None)], "2026-01-01T00:00:00.000002Z", now()).await.unwrap();
    assert_eq!(n, 0);
    assert_eq!(store.sync_position(&coll.id, remote).await.unwrap().as_deref(), Some("2026-01-01T00:00:00.000002Z"));
    assert_eq!(store.sync_position(&coll.id, "http://other.example/").await.unwrap(), None);
}

/// A group granted on a collection gives its members read (and write if granted); removing a
/// member or the grant takes it away at once; objects still pass TLP per object.
async fn sharing_groups_grant_and_revoke(store: Store) {
    let isac = org(&store, "ISAC").await;
    let h1 = org(&store, "H1").await;
    let h2 = org(&store, "H2").await;
    let outsider = org(&store, "Outsider").await;
    let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: "Regional".into(), description: None, owner_org_id: isac.id, read_orgs: vec![], write_orgs: vec![] }, now()).await.unwrap();
    store.add_stix_objects(&coll.id, isac.id, None, &[obj(1, None, Some(Tlp::Green)), obj(2, None, Some(Tlp::Amber))], now()).await.unwrap();
    let group = store.create_sharing_group("North region", Some("hospitals of the north"), now()).await.unwrap();
    assert!(matches!(store.create_sharing_group("North region", None, now()).await, Err(StoreError::Duplicate { field: "name" })));
    assert!(store.add_group_member(&group.id, h1.id, now()).await.unwrap());
    assert!(!store.add_group_member("North region", h1.id, now()).await.unwrap(), "idempotent, by name too");
    store.add_group_member(&group.id, h2.id, now()).await.unwrap();
    let u1 = user(&store, &h1, "u1@example.org", Role::Viewer).await;
    let u2 = user(&store, &h2, "u2@example.org", Role::Viewer).await;
    let uo = user(&store, &outsider, "uo@example.org", Role::Viewer).await;
    let scope = |u: &ward_store::User| ReadScope::for_principal(&u.principal());
    // Before the grant: nobody but the ISAC.
    assert!(matches!(store.get_collection("r", &coll.id, &scope(&u1)).await, Err(StoreError::NotFound)));
    store.grant_collection_to_group(&coll.id, &group.id, true, false).await.unwrap();
    let (_, acc) = store.get_collection("r", &coll.id, &scope(&u1)).await.unwrap();
    assert!(acc.can_read && !acc.can_write);
    let page = store.read_stix_objects(&scope(&u2), "r", &coll.id, &ObjectFilter::default(), None, 10).await.unwrap();
    assert_eq!(page.objects.len(), 1, "members read the GREEN object, not the ISAC's AMBER one");
    assert!(matches!(store.get_collection("r", &coll.id, &scope(&uo)).await, Err(StoreError::NotFound)));
    // Write through the group; then removal and revocation take effect at once.
    store.grant_collection_to_group(&coll.id, "North region", true, true).await.unwrap();
    assert!(store.get_collection("r", &coll.id, &scope(&u1)).await.unwrap().1.can_write);
    assert!(store.remove_group_member(&group.id, h1.id).await.unwrap());
    assert!(matches!(store.get_collection("r", &coll.id, &scope(&u1)).await, Err(StoreError::NotFound)));
    assert!(store.get_collection("r", &coll.id, &scope(&u2)).await.is_ok());
    store.grant_collection_to_group(&coll.id, &group.id, false, false).await.unwrap();
    assert!(matches!(store.get_collection("r", &coll.id, &scope(&u2)).await, Err(StoreError::NotFound)));
    assert!(store.collection_grants(&coll.id).await.unwrap().is_empty());
    assert!(matches!(store.grant_collection_to_group("no-such-collection", &group.id, true, false).await, Err(StoreError::NotFound)));
    assert!(matches!(store.add_group_member("no such group", h1.id, now()).await, Err(StoreError::NotFound)));
    let groups = store.list_sharing_groups().await.unwrap();
    assert_eq!((groups.len(), groups[0].members.clone()), (1, vec![h2.id]));
}

/// A client organisation reads its organisation's TLP:AMBER objects (in collections it may
/// read), never AMBER+STRICT or RED; removing the client ends that on the next scope built.
async fn amber_clients_read_amber_only(store: Store) {
    let isac = org(&store, "ISAC").await;
    let h1 = org(&store, "H1").await;
    let h2 = org(&store, "H2").await;
    let coll = store.create_collection(&NewCollection { api_root: "r".into(), title: "Members".into(), description: None, owner_org_id: isac.id, read_orgs: vec![h1.id, h2.id], write_orgs: vec![h2.id] }, now()).await.unwrap();
    let tlps = [Some(Tlp::Clear), Some(Tlp::Green), None, Some(Tlp::Amber), Some(Tlp::AmberStrict), Some(Tlp::Red)];
    let objs: Vec<_> = tlps.iter().enumerate().map(|(i, t)| obj(i as u32, None, *t)).collect();
    store.add_stix_objects(&coll.id, isac.id, None, &objs, now()).await.unwrap();
    // H2's own AMBER object: the ISAC is not H2's client, so H1 never sees it.
    store.add_stix_objects(&coll.id, h2.id, None, &[obj(100, None, Some(Tlp::Amber))], now()).await.unwrap();
    let u1 = user(&store, &h1, "u1@example.org", Role::OrgAdmin).await;
    let read = |scope: ReadScope| {
        let store = store.clone();
        let id = coll.id.clone();
        async move {
            let mut tlps: Vec<_> = store.read_stix_objects(&scope, "r", &id, &ObjectFilter::default(), None, 100).await.unwrap().objects.into_iter().map(|o| o.tlp).collect();
            tlps.sort();
            tlps
        }
    };
    let before = read(store.read_scope(&u1.principal()).await.unwrap()).await;
    assert_eq!(before, vec![None, Some(Tlp::Clear), Some(Tlp::Green)], "not a client: no AMBER (even as an administrator)");
    assert!(store.add_org_client(isac.id, h1.id, now()).await.unwrap());
    let scope = store.read_scope(&u1.principal()).await.unwrap();
    assert_eq!(scope.amber_client_of, vec![isac.id]);
    assert_eq!(read(scope).await, vec![None, Some(Tlp::Clear), Some(Tlp::Green), Some(Tlp::Amber)], "the ISAC's AMBER, not its AMBER+STRICT or RED, nor H2's AMBER");
    let listed = store.list_org_clients(Some(isac.id)).await.unwrap();
    assert_eq!((listed.len(), listed[0].client_org_id), (1, h1.id));
    assert!(store.list_org_clients(Some(h1.id)).await.unwrap().is_empty(), "the relation is one way");
    assert!(matches!(store.add_org_client(isac.id, ward_core::OrgId::from_uuid(uuid::Uuid::from_u128(7)), now()).await, Err(StoreError::NotFound)));
    assert!(store.remove_org_client(isac.id, h1.id).await.unwrap());
    assert!(!store.remove_org_client(isac.id, h1.id).await.unwrap());
    assert_eq!(read(store.read_scope(&u1.principal()).await.unwrap()).await, before, "removed: AMBER gone on the next scope");
}
