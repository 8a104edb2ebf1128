//! Random patterns print and re-parse to the same tree; random bytes never panic the parsers.

use proptest::prelude::*;
use ward_stix::pattern::{self, CmpOp, Comparison, Literal, Number, ObjectPath, ObsOp, Observation, PathStep, Qualifier};

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>().prop_map(Literal::Int),
        "[a-zA-Z0-9 '\\\\%_.-]{0,12}".prop_map(Literal::Str),
        any::<bool>().prop_map(Literal::Bool),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| Literal::Float(Number(format!("{a}.{b}")))),
        "([0-9a-f]{2}){0,4}".prop_map(Literal::Hex),
        Just(Literal::Timestamp("2016-06-01T00:00:00Z".into())),
    ]
}

fn path() -> impl Strategy<Value = ObjectPath> {
    ("[a-z]{2,5}(-[a-z]{1,4})?", prop::collection::vec(prop_oneof!["[a-z_][a-z0-9_]{0,6}".prop_map(PathStep::Property), "[A-Z][A-Z0-9-]{0,6}".prop_map(PathStep::Property), (-5i64..5).prop_map(PathStep::Index), Just(PathStep::AnyIndex)], 0..3), "[a-z_]{1,6}")
        .prop_map(|(t, rest, first)| ObjectPath { object_type: format!("x{t}"), steps: std::iter::once(PathStep::Property(first)).chain(rest).collect() })
}

fn comparison() -> impl Strategy<Value = Comparison> {
    let test = (path(), any::<bool>(), literal(), 0usize..4).prop_map(|(path, negated, value, op)| {
        let (op, value) = match (op, value) {
            (1, v @ Literal::Str(_)) => (CmpOp::Like, v),
            (2, v) => (CmpOp::In, Literal::Set(vec![v])),
            (3, Literal::Bool(_)) => (CmpOp::Neq, Literal::Bool(true)),
            (3, v) => (CmpOp::Ge, v),
            (_, v) => (CmpOp::Eq, v),
        };
        Comparison::Test { path, negated, op, value }
    });
    let leaf = prop_oneof![test, path().prop_map(Comparison::Exists)];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Comparison::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Comparison::And(Box::new(a), Box::new(b))),
            inner.prop_map(|c| Comparison::Group(Box::new(c))),
        ]
    })
}

fn observation() -> impl Strategy<Value = Observation> {
    comparison().prop_map(Observation::Simple).prop_recursive(3, 10, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone(), 0usize..3).prop_map(|(a, b, k)| Observation::Binary([ObsOp::And, ObsOp::Or, ObsOp::FollowedBy][k], Box::new(a), Box::new(b))),
            inner.clone().prop_map(|o| Observation::Group(Box::new(o))),
            (inner, 1u64..100).prop_map(|(o, n)| Observation::Qualified(Box::new(o), Qualifier::Repeats(n))),
        ]
    })
}

proptest! {
    /// Printing then parsing is stable: parse(print(parse(print(x)))) == parse(print(x)).
    /// (Printing drops the grouping a random tree's shape may need, so the first parse can
    /// re-associate; from then on the tree is a fixed point.)
    #[test]
    fn print_parse_fixed_point(obs in observation()) {
        let text = obs.to_string();
        let first = pattern::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let again = pattern::parse(&first.to_string()).map_err(|e| TestCaseError::fail(format!("{first}: {e}")))?;
        prop_assert_eq!(first, again);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,80}") {
        let _ = pattern::parse(&s);
        let _ = ward_stix::object::StixObject::parse(&s);
        let _ = ward_stix::parse_bundle(&s);
    }

    #[test]
    fn pattern_like_noise_never_panics(s in "[\\[\\]()'a-z:=. ANDORFLWEBYIN0-9tbh!<>*,-]{0,60}") {
        let _ = pattern::parse(&s);
    }
}
