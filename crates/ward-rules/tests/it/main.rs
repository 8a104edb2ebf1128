//! Integration tests of ward-rules: golden vectors, the worked example, properties, errors,
//! reports.

#[test]
fn embedded_rules_load() {
    let rules = ward_rules::RuleSet::embedded().unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.regime_versions().len() > 10);
}

mod engine_cases;
mod props;
mod reports;
mod rule_errors;
mod vectors;
mod worked_example;
