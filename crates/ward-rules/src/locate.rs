//! Maps a YAML path (`regimes[2].stages[0].recipient`) to the line it is written on.
//!
//! serde_yaml_ng reports positions only for its own parse errors; the semantic checks that run
//! after deserialising (dangling references, impossible predicates) need the line too, so this
//! walks the event stream of yaml-rust2, which carries a marker on every event.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};

/// Appends a mapping key to a path: `a.b` for plain keys, `a["x.y"]` for keys containing dots.
pub(crate) fn push_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (true, false) => format!("[\"{key}\"]"),
        (false, true) => format!("{path}.{key}"),
        (false, false) => format!("{path}[\"{key}\"]"),
    }
}

/// Appends a sequence index to a path.
pub(crate) fn push_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, next: usize },
}

/// Line numbers of every node of one YAML document, by path.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    lines: HashMap<String, usize>,
}

impl LineIndex {
    /// Indexes `text`; a text that does not parse gives an empty index (the caller reports the
    /// parse error from serde_yaml_ng, which has its own position).
    pub(crate) fn build(text: &str) -> LineIndex {
        let mut lines = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Ok((event, marker)) = parser.next_token() {
            let line = marker.line();
            // The path of the node this event starts, if it starts one.
            let node_path = |stack: &mut Vec<Frame>| -> Option<String> {
                match stack.last_mut() {
                    None => Some(String::new()),
                    Some(Frame::Sequence { path, next }) => {
                        let p = push_index(path, *next);
                        *next += 1;
                        Some(p)
                    }
                    // No pending key: this node is itself a key.
                    Some(Frame::Mapping { path, key }) => key.take().map(|k| push_key(path, &k)),
                }
            };
            match event {
                Event::StreamEnd => break,
                Event::Scalar(value, ..) => {
                    let is_key = matches!(stack.last(), Some(Frame::Mapping { key: None, .. }));
                    if is_key {
                        if let Some(Frame::Mapping { path, key }) = stack.last_mut() {
                            lines.entry(push_key(path, &value)).or_insert(line);
                            *key = Some(value);
                        }
                    } else if let Some(p) = node_path(&mut stack) {
                        lines.entry(p).or_insert(line);
                    }
                }
                Event::Alias(_) => {
                    if let Some(p) = node_path(&mut stack) {
                        lines.entry(p).or_insert(line);
                    }
                }
                Event::MappingStart(..) => {
                    let p = node_path(&mut stack).unwrap_or_default();
                    lines.entry(p.clone()).or_insert(line);
                    stack.push(Frame::Mapping { path: p, key: None });
                }
                Event::SequenceStart(..) => {
                    let p = node_path(&mut stack).unwrap_or_default();
                    lines.entry(p.clone()).or_insert(line);
                    stack.push(Frame::Sequence { path: p, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        LineIndex { lines }
    }

    /// The line of `path`, or of its nearest ancestor that has one.
    pub(crate) fn line_of(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(line) = self.lines.get(p) {
                return Some(*line);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_nested_paths() {
        let text = "a: 1\nregimes:\n  - id: x\n    stages:\n      - {id: s, recipient: r}\nfacts:\n  pd.breach: {type: tri}\n";
        let index = LineIndex::build(text);
        assert_eq!(index.line_of("a"), Some(1));
        assert_eq!(index.line_of("regimes[0].id"), Some(3));
        assert_eq!(index.line_of("regimes[0].stages[0].recipient"), Some(5));
        assert_eq!(index.line_of("facts[\"pd.breach\"].type"), Some(7));
        assert_eq!(
            index.line_of("regimes[0].stages[0].deadline.limit"),
            Some(5)
        );
    }
}
