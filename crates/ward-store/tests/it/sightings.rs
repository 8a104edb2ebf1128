//! Sightings conformance (both backends): reports are stored whole, the aggregate counts
//! only the reports the viewer may see (TLP 2.0 per report, the shared-object rule), and it
//! never says which organisations reported.

use jiff::Timestamp;
use ward_core::text::{Email, Label};
use ward_core::{OrgType, ReadScope, Role, Tlp};
use ward_store::{NewSighting, NewUser, Store};

crate::conformance!(sightings_aggregate_within_tlp_scope);

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sighting(value: &str, n: i64, first: &str, last: &str) -> NewSighting {
    NewSighting { indicator_kind: "domain".into(), indicator_value: value.into(), indicator_ref: None, n_sightings: n, first_seen: at(first), last_seen: at(last) }
}

async fn sightings_aggregate_within_tlp_scope(store: Store) {
    let now = at("2026-11-30T12:00:00Z");
    let mut orgs = Vec::new();
    let mut users = Vec::new();
    for name in ["H1", "H2", "H3"] {
        let o = store.create_org(&name.parse::<Label>().unwrap(), OrgType::Hospital, Some("DE".parse().unwrap()), None, now).await.unwrap();
        let u = store.create_user(NewUser { org_id: o.id, email: format!("{name}@example.org").parse::<Email>().unwrap(), role: Role::Analyst, password_hash: None }, now).await.unwrap();
        orgs.push(o);
        users.push(u);
    }
    // H1 and H2 see evil.example at TLP:GREEN; H3 reports it at TLP:AMBER (own organisation only).
    store.add_sightings(orgs[0].id, Some(users[0].id), Tlp::Green, &[sighting("evil.example", 5, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")], now).await.unwrap();
    store.add_sightings(orgs[1].id, Some(users[1].id), Tlp::Green, &[sighting("evil.example", 2, "2026-10-01T00:00:00Z", "2026-11-03T00:00:00Z")], now).await.unwrap();
    let many: Vec<_> = (0..95).map(|i| sighting(&format!("d{i}.example"), 1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")).chain([sighting("evil.example", 100, "2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z")]).collect();
    assert_eq!(store.add_sightings(orgs[2].id, Some(users[2].id), Tlp::Amber, &many, now).await.unwrap(), 96, "a report larger than one INSERT chunk is stored whole");

    let scope = |i: usize| ReadScope::for_principal(&users[i].principal());
    let one = |aggs: Vec<ward_store::SightingAggregate>| aggs.into_iter().find(|a| a.indicator_value == "evil.example").expect("evil.example aggregated");
    let h1 = one(store.sighting_aggregates(&scope(0), None, 100).await.unwrap());
    assert_eq!((h1.n_sightings, h1.n_orgs, h1.own_org_reported), (7, 2, true), "H1 does not see H3's AMBER report");
    assert_eq!((h1.first_seen, h1.last_seen), (at("2026-10-01T00:00:00Z"), at("2026-11-03T00:00:00Z")));
    let h3 = one(store.sighting_aggregates(&scope(2), Some(("domain", "evil.example")), 100).await.unwrap());
    assert_eq!((h3.n_sightings, h3.n_orgs, h3.own_org_reported), (107, 3, true));
    assert_eq!(h3.first_seen, at("2026-09-01T00:00:00Z"));
    assert_eq!(store.sighting_aggregates(&scope(2), None, 1000).await.unwrap().len(), 96);
    assert_eq!(store.sighting_aggregates(&scope(0), None, 1000).await.unwrap().len(), 1, "the 95 AMBER-only indicators stay in H3");
    // Anonymous viewers see nothing (GREEN is for signed-in members); the operator sees all.
    assert!(store.sighting_aggregates(&ReadScope::PUBLIC, None, 100).await.unwrap().is_empty());
    let all = one(store.sighting_aggregates(&ReadScope::LOCAL_OPERATOR, None, 100).await.unwrap());
    assert_eq!((all.n_sightings, all.n_orgs, all.own_org_reported), (107, 3, false));
    // Most sighted first.
    let ranked = store.sighting_aggregates(&scope(2), None, 2).await.unwrap();
    assert_eq!(ranked[0].indicator_value, "evil.example");
    assert_eq!(ranked.len(), 2);
}
