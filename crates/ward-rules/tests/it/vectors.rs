//! Golden vectors: `tests/vectors/*.yaml`, each a list of cases (facts in, obligations out),
//! evaluated through `evaluate_document`, the code path of `ward obligations evaluate`.
//!
//! An `expect` entry names an obligation by regime, stage and (optionally) instance; every other
//! key must equal the obligation's JSON field, except `*_contains` keys, which look for a
//! substring in that field (a string, or any element of a list of strings).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    section: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    title: String,
    #[serde(default)]
    source: Option<String>,
    now: String,
    facts: serde_yaml_ng::Value,
    #[serde(default)]
    expect: Vec<serde_yaml_ng::Mapping>,
    #[serde(default)]
    absent: Vec<serde_yaml_ng::Mapping>,
    #[serde(default)]
    expect_error: Option<String>,
}

fn yaml_to_json(v: &serde_yaml_ng::Value) -> Value {
    serde_json::to_value(v).expect("YAML value converts to JSON")
}

fn matches_key(o: &Value, want: &serde_json::Map<String, Value>) -> bool {
    ["regime", "stage", "instance"]
        .iter()
        .all(|k| match want.get(*k) {
            Some(w) => o.get(*k) == Some(w),
            None => true,
        })
}

fn contains(field: &Value, needle: &str) -> bool {
    match field {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|i| contains(i, needle)),
        other => other.to_string().contains(needle),
    }
}

/// Runs one case; returns the failures.
fn run_case(file: &str, case: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let fail = |msg: String| format!("{file} {} ({}): {msg}", case.id, case.title);
    let now: jiff::Timestamp = match case.now.parse() {
        Ok(n) => n,
        Err(e) => return vec![fail(format!("bad now: {e}"))],
    };
    let doc = serde_yaml_ng::to_string(&case.facts).expect("facts serialise");
    let result = ward_rules::evaluate_document(&doc, now);
    match (&case.expect_error, result) {
        (Some(want), Err(e)) => {
            if !e.to_string().contains(want.as_str()) {
                failures.push(fail(format!("error {e:?} does not contain {want:?}")));
            }
        }
        (Some(want), Ok(_)) => failures.push(fail(format!(
            "expected an error containing {want:?}, got obligations"
        ))),
        (None, Err(e)) => failures.push(fail(format!("unexpected error: {e}"))),
        (None, Ok(obligations)) => {
            let all: Vec<Value> = obligations
                .iter()
                .map(|o| serde_json::to_value(o).expect("obligation serialises"))
                .collect();
            let listing = || {
                all.iter()
                    .map(|o| {
                        format!(
                            "{}/{}{} {} {}",
                            o["regime"],
                            o["stage"],
                            o.get("instance")
                                .map(|i| format!("[{i}]"))
                                .unwrap_or_default(),
                            o["status"],
                            o["due_at"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n  ")
            };
            for want in &case.expect {
                let want = match yaml_to_json(&serde_yaml_ng::Value::Mapping(want.clone())) {
                    Value::Object(m) => m,
                    _ => unreachable!(),
                };
                let found: Vec<&Value> = all.iter().filter(|o| matches_key(o, &want)).collect();
                let Some(o) = found.first() else {
                    failures.push(fail(format!(
                        "no obligation {} / {}; got:\n  {}",
                        want.get("regime").unwrap_or(&Value::Null),
                        want.get("stage").unwrap_or(&Value::Null),
                        listing()
                    )));
                    continue;
                };
                for (k, w) in &want {
                    if ["regime", "stage", "instance"].contains(&k.as_str()) {
                        continue;
                    }
                    if let Some(field) = k.strip_suffix("_contains") {
                        let needle = w.as_str().unwrap_or_default();
                        if !contains(o.get(field).unwrap_or(&Value::Null), needle) {
                            failures.push(fail(format!(
                                "{}/{}: {field} = {} does not contain {needle:?}",
                                o["regime"],
                                o["stage"],
                                o.get(field).unwrap_or(&Value::Null)
                            )));
                        }
                        continue;
                    }
                    let got = o.get(k).unwrap_or(&Value::Null);
                    let equal = match (got, w) {
                        (Value::Array(g), Value::Array(w)) => {
                            g.len() == w.len() && w.iter().all(|x| g.contains(x))
                        }
                        _ => got == w,
                    };
                    if !equal {
                        failures.push(fail(format!(
                            "{}/{}: {k} = {got}, expected {w}",
                            o["regime"], o["stage"]
                        )));
                    }
                }
            }
            for not_want in &case.absent {
                let not_want = match yaml_to_json(&serde_yaml_ng::Value::Mapping(not_want.clone()))
                {
                    Value::Object(m) => m,
                    _ => unreachable!(),
                };
                if all.iter().any(|o| matches_key(o, &not_want)) {
                    failures.push(fail(format!(
                        "unexpected obligation {not_want:?}; got:\n  {}",
                        listing()
                    )));
                }
            }
        }
    }
    failures
}

pub(crate) fn vector_files() -> Vec<(String, VectorFileSummary)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("vector file reads");
            let file: VectorFile =
                serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            (name, VectorFileSummary { file })
        })
        .collect()
}

pub(crate) struct VectorFileSummary {
    file: VectorFile,
}

#[test]
fn golden_vectors_pass() {
    let mut failures = Vec::new();
    let mut n_cases = 0;
    for (name, summary) in vector_files() {
        let _ = &summary.file.section;
        for case in &summary.file.cases {
            let _ = &case.source;
            n_cases += 1;
            failures.extend(run_case(&name, case));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) in {n_cases} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        n_cases >= 60,
        "expected at least 60 golden cases, found {n_cases}"
    );
}
