//! Bad rule files: unknown keys, dangling references and impossible predicates are load errors
//! naming the file, the line and the YAML path. Also: the embedded rules equal `rules/` on disk.

use ward_rules::{Error, RuleSet};

const CATALOGUE: &str = include_str!("../../../../rules/catalogue.yaml");
const CALENDAR: &str = include_str!("../../../../rules/calendars/us-ca-state.yaml");

fn load(regime_file: &str) -> Result<RuleSet, Error> {
    RuleSet::from_sources(
        &[
            ("catalogue.yaml".into(), CATALOGUE.into()),
            ("bad.yaml".into(), regime_file.into()),
        ],
        &[("us-ca-state.yaml".into(), CALENDAR.into())],
    )
}

/// A valid one-regime file; tests replace parts of it.
const GOOD: &str = r#"schema_version: 1
regimes:
  - id: test.regime
    version: "1"
    kind: rule
    title: "Test"
    jurisdiction: XX
    instrument: {name: "Test Act"}
    status: in_force
    verification: recalled
    applies_when: {fact: entity.country_of_establishment, contains: DE}
    trigger: {fact: pd.breach, is: "yes"}
    clocks:
      awareness: {fact: pd.awareness_at}
    stages:
      - id: notify
        citation: "§ 1"
        recipient: de.state_dpa
        deadline: {promptness: without_undue_delay, limit: {from: {clock: awareness}, add: PT72H, arithmetic: elapsed}}
"#;

fn expect_error(file: &str, code: &str, line: Option<usize>, path: &str, reason: &str) {
    let err = load(file).expect_err("the rule file must be rejected");
    assert_eq!(err.code(), code, "{err}");
    let text = err.to_string();
    assert!(text.starts_with("bad.yaml"), "error names the file: {text}");
    if let Some(line) = line {
        assert!(
            text.starts_with(&format!("bad.yaml:{line}:")),
            "error names line {line}: {text}"
        );
    }
    assert!(text.contains(path), "error names the path {path}: {text}");
    assert!(
        text.contains(reason),
        "error gives the reason {reason:?}: {text}"
    );
}

#[test]
fn the_good_file_loads() {
    let rules = load(GOOD).unwrap_or_else(|e| panic!("{e}"));
    assert!(rules
        .regime_versions()
        .iter()
        .any(|r| r.id == "test.regime"));
}

#[test]
fn unknown_key_is_a_syntax_error_with_line_and_path() {
    let bad = GOOD.replace("deadline: {promptness", "dedline: {promptness");
    expect_error(
        &bad,
        "rule_syntax",
        Some(19),
        "regimes[0].stages[0]",
        "unknown field `dedline`",
    );
}

#[test]
fn dangling_fact_is_named() {
    let bad = GOOD.replace("trigger: {fact: pd.breach,", "trigger: {fact: pd.breech,");
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger.fact",
        "unknown fact pd.breech",
    );
}

#[test]
fn dangling_recipient_is_named() {
    let bad = GOOD.replace("recipient: de.state_dpa", "recipient: de.nowhere");
    expect_error(
        &bad,
        "rule_invalid",
        Some(18),
        "regimes[0].stages[0].recipient",
        "unknown recipient de.nowhere",
    );
}

#[test]
fn dangling_clock_is_named() {
    let bad = GOOD.replace("from: {clock: awareness}", "from: {clock: discovery}");
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].deadline.limit.from.clock",
        "unknown clock discovery",
    );
}

#[test]
fn impossible_predicates_are_rejected() {
    let bad = GOOD.replace(
        "trigger: {fact: pd.breach, is: \"yes\"}",
        "trigger: {fact: pd.risk_level, in: [maybe]}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger.in",
        "\"maybe\" can never match",
    );
    let bad = GOOD.replace(
        "trigger: {fact: pd.breach, is: \"yes\"}",
        "trigger: {fact: phi.individuals_affected, is: \"yes\"}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger.is",
        "needs a tri-state fact",
    );
    let bad = GOOD.replace(
        "trigger: {fact: pd.breach, is: \"yes\"}",
        "trigger: {fact: phi.individuals_affected, lt: 0}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger.lt",
        "a count is never lt 0",
    );
    let bad = GOOD.replace(
        "trigger: {fact: pd.breach, is: \"yes\"}",
        "trigger: {all: []}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger.all",
        "needs at least one predicate",
    );
    let bad = GOOD.replace(
        "trigger: {fact: pd.breach, is: \"yes\"}",
        "trigger: {fact: pd.breach, is: \"yes\", eq: true}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(12),
        "regimes[0].trigger",
        "exactly one of",
    );
}

#[test]
fn duration_that_does_not_fit_its_arithmetic_is_rejected() {
    let bad = GOOD.replace(
        "add: PT72H, arithmetic: elapsed",
        "add: P1M, arithmetic: elapsed",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].deadline.limit.add",
        "elapsed arithmetic needs an exact duration",
    );
    let bad = GOOD.replace(
        "add: PT72H, arithmetic: elapsed",
        "add: PT72H, arithmetic: calendar_days",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].deadline.limit.add",
        "calendar_days needs whole days",
    );
}

#[test]
fn unknown_holiday_calendar_is_rejected() {
    let bad = GOOD.replace(
        "add: PT72H, arithmetic: elapsed",
        "business_days: 15, holiday_calendar: xx-nowhere",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].deadline.limit.holiday_calendar",
        "unknown holiday calendar xx-nowhere",
    );
}

#[test]
fn overlapping_versions_are_rejected() {
    let mut bad = GOOD.to_string();
    let second = &GOOD[GOOD.find("  - id: test.regime").expect("regime")..]
        .replace("version: \"1\"", "version: \"2\"");
    bad.push_str(second);
    expect_error(
        &bad,
        "rule_invalid",
        None,
        "regime test.regime version 2",
        "overlap in time",
    );
}

#[test]
fn stage_deadline_cycles_are_rejected() {
    let bad = GOOD.replace(
        "        deadline: {promptness: without_undue_delay, limit: {from: {clock: awareness}, add: PT72H, arithmetic: elapsed}}\n",
        "        deadline: {promptness: none, limit: {same_as: other}}\n      - id: other\n        citation: \"§ 2\"\n        recipient: de.state_dpa\n        deadline: {promptness: none, limit: {same_as: notify}}\n",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(16),
        "regimes[0].stages[0]",
        "depends on itself",
    );
}

#[test]
fn dangling_stage_reference_is_rejected() {
    let bad = GOOD.replace(
        "from: {clock: awareness}",
        "from: {submission_of: nowhere, else_due_of: notify}",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].deadline.limit.from.submission_of",
        "unknown stage nowhere",
    );
}

#[test]
fn data_minimisation_is_enforced_at_load() {
    let bad = GOOD.replace(
        "        deadline: {promptness: without_undue_delay,",
        "        content: {required: [phi.identities_of_individuals]}\n        deadline: {promptness: without_undue_delay,",
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(19),
        "regimes[0].stages[0].content.required[0]",
        "data minimisation",
    );
}

#[test]
fn self_referencing_named_predicate_is_rejected() {
    let bad = GOOD.replacen(
        "regimes:",
        "predicates:\n  loop.a: {predicate: loop.b}\n  loop.b: {predicate: loop.a}\nregimes:",
        1,
    );
    expect_error(
        &bad,
        "rule_invalid",
        Some(3),
        "predicates[\"loop.a\"]",
        "refers to itself",
    );
}

#[test]
fn yaml_syntax_error_names_the_line() {
    let bad = GOOD.replace("    title: \"Test\"", "    title: \"Test");
    let err = load(&bad).expect_err("rejected");
    assert_eq!(err.code(), "rule_syntax");
    assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
}

#[test]
fn embedded_rules_equal_the_rules_directory() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let from_dir = RuleSet::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let embedded = RuleSet::embedded().unwrap_or_else(|e| panic!("{e}"));
    let ids = |r: &RuleSet| {
        r.regime_versions()
            .into_iter()
            .map(|v| (v.id, v.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&from_dir), ids(embedded));
    assert_eq!(from_dir.sources().len(), embedded.sources().len());
    assert_eq!(
        from_dir.calendar_ids(),
        vec!["us-ca-state".to_string(), "us-federal".to_string()]
    );
}

#[test]
fn load_dir_reports_a_bad_file_by_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("catalogue.yaml"), CATALOGUE).expect("write");
    std::fs::write(
        dir.path().join("bad.yaml"),
        GOOD.replace("recipient: de.state_dpa", "recipient: de.nowhere"),
    )
    .expect("write");
    let err = RuleSet::load_dir(dir.path()).expect_err("rejected");
    assert!(
        err.to_string()
            .contains("bad.yaml:18: regimes[0].stages[0].recipient: unknown recipient de.nowhere"),
        "{err}"
    );
}

#[test]
fn country_groups_hold_the_expected_members() {
    // ISO 3166-1 has 249 officially assigned alpha-2 codes; the EU 27, the EEA 30.
    let text = CATALOGUE;
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).expect("catalogue parses");
    let n = |g: &str| {
        doc["country_groups"][g]["members"]
            .as_sequence()
            .map(Vec::len)
            .unwrap_or_default()
    };
    assert_eq!(n("ISO3166"), 249);
    assert_eq!(n("EU"), 27);
    assert_eq!(n("EEA"), 30);
}
