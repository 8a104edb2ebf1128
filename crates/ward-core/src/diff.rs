//! Which fields changed between two versions of a document (for the revision history).

use serde_json::Value;

/// Dotted paths whose values differ between `before` and `after`, sorted. Objects are compared
/// key by key; arrays and scalars as a whole, so `sources` rather than `sources[3].title`.
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out.sort();
    out
}

fn walk(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for k in keys {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                match (ma.get(k), mb.get(k)) {
                    (Some(x), Some(y)) => walk(&path, x, y, out),
                    _ => out.push(path),
                }
            }
        }
        _ if a == b => {}
        _ => out.push(if prefix.is_empty() { "(document)".to_owned() } else { prefix.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_nested_changes_additions_and_removals() {
        let a = json!({"title":"a","victim":{"country":"DE","name":"X"},"sources":[1]});
        let b = json!({"title":"a","victim":{"country":"FR"},"sources":[1,2],"tlp":"red"});
        assert_eq!(changed_paths(&a, &b), ["sources", "tlp", "victim.country", "victim.name"]);
        assert!(changed_paths(&a, &a).is_empty());
    }
}
