//! Bundles of any size, object by object: [`stream_document`] reads a bundle (or TAXII
//! envelope) from a reader the caller opened and hands each object of its `objects` array,
//! validated like [`crate::StixObject::parse`], to a sink as soon as it has been read. Memory
//! stays bounded by one object ([`MAX_OBJECT_BYTES`]) plus the reader's buffer, whatever the
//! size of the document; [`crate::bundle::parse_document`] (whole documents up to
//! [`crate::limits::MAX_BUNDLE_BYTES`]) stays the parser for request bodies.
//!
//! What is decided where:
//! - An invalid object is handed to the sink as `Err` with paths under `objects[i]`, and the
//!   stream goes on (the caller reports it and skips it).
//! - An object over [`MAX_OBJECT_BYTES`], broken JSON, or a bundle header that is wrong before
//!   its `objects` (`type` not `bundle`, an invalid `id` on a 2.1 bundle) ends the stream with
//!   `Err`: nothing past that point can be read. Objects handed over before stay handed over
//!   (each was valid on its own); a header that is wrong when it comes *after* `objects` is
//!   reported the same way, after the objects.
//! - STIX 2.0 documents are upgraded object by object ([`crate::upgrade::upgrade_object`]):
//!   the bundle's `spec_version: "2.0"` decides when it precedes `objects` (as in every 2.0
//!   bundle, ATT&CK's included); otherwise the first object that is not a marking definition
//!   does (no `spec_version` but a `created`: 2.0), exactly like
//!   [`crate::upgrade::is_stix20_bundle`]. Leading marking definitions wait for that decision
//!   (at most [`MAX_PENDING_MARKINGS`]).
//!
//! The reader is read through serde_json's streaming deserializer with a
//! [`DeserializeSeed`] over the `objects` array; this module performs no IO of its own.

use std::cell::Cell;
use std::io::{BufReader, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{StixError, StixErrors};
use crate::limits::{MAX_OBJECT_BYTES, MAX_STREAMED_OBJECTS};
use crate::object::StixObject;
use crate::upgrade::{upgrade_object, UpgradeReport};

/// Marking definitions before the first other object, held until the 2.0/2.1 decision.
pub const MAX_PENDING_MARKINGS: usize = 10_000;

/// What a streamed document said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// The document's `id`, as given.
    pub id: Option<String>,
    /// Objects handed to the sink.
    pub n_objects: usize,
    /// `Some` when the document was STIX 2.0 and its objects were upgraded.
    pub upgraded: Option<UpgradeReport>,
    /// The sink asked to stop (the rest of the document was not read).
    pub stopped: bool,
}

/// Streams `reader` (a bundle, or a TAXII envelope with `envelope`), calling
/// `sink(index, object)` for every element of `objects` in order; the sink returns false to stop.
/// See the module documentation for which errors end the stream.
pub fn stream_document<R: Read>(reader: R, envelope: bool, sink: &mut dyn FnMut(usize, Result<StixObject, StixErrors>) -> bool) -> Result<StreamSummary, StixErrors> {
    let guard = Rc::new(GuardState { pos: Cell::new(0), limit_at: Cell::new(u64::MAX), tripped: Cell::new(false) });
    let input = Guarded { inner: BufReader::with_capacity(256 * 1024, reader), state: guard.clone() };
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut s = Stream { envelope, guard, sink, doc_type: None, id: None, spec_version: None, objects_seen: false, n: 0, mode: Mode::Undecided, pending: Vec::new(), report: UpgradeReport::default(), stopped: false, fatal: None };
    let r = (&mut s).deserialize(&mut de).and_then(|()| de.end());
    if s.stopped {
        return Ok(s.summary());
    }
    if let Some(fatal) = s.fatal.take() {
        return Err(fatal);
    }
    if let Err(e) = r {
        if s.guard.tripped.get() {
            let at = if s.objects_seen { format!("objects[{}]", s.n) } else { String::new() };
            return Err(StixError::new(at, format!("more than {MAX_OBJECT_BYTES} bytes; the limit for one object is {MAX_OBJECT_BYTES} (the rest of the document cannot be read past it)")).into());
        }
        let at = if s.objects_seen && !e.is_eof() { format!("objects[{}]", s.n) } else { String::new() };
        return Err(StixError::new(at, format!("not valid JSON: {e}")).into());
    }
    // The array was empty or held only marking definitions: decide now.
    if let Err(fatal) = s.decide(Mode::V21) {
        return Err(fatal);
    }
    s.header_errors(true).into_result(())?;
    Ok(s.summary())
}

struct GuardState {
    pos: Cell<u64>,
    limit_at: Cell<u64>,
    tripped: Cell<bool>,
}

/// Counts the bytes serde_json takes and fails the read once one value passes its limit, so an
/// oversized object is refused before it is buffered whole.
struct Guarded<R> {
    inner: R,
    state: Rc<GuardState>,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let pos = self.state.pos.get() + n as u64;
        self.state.pos.set(pos);
        if pos > self.state.limit_at.get() {
            self.state.tripped.set(true);
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "value over its size limit"));
        }
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Undecided,
    V20,
    V21,
}

struct Stream<'a> {
    envelope: bool,
    guard: Rc<GuardState>,
    sink: &'a mut dyn FnMut(usize, Result<StixObject, StixErrors>) -> bool,
    doc_type: Option<Value>,
    id: Option<Value>,
    spec_version: Option<Value>,
    objects_seen: bool,
    n: usize,
    mode: Mode,
    pending: Vec<(usize, Box<RawValue>)>,
    report: UpgradeReport,
    stopped: bool,
    fatal: Option<StixErrors>,
}

impl Stream<'_> {
    fn arm(&self) {
        // A little slack for the separators read around a value.
        self.guard.limit_at.set(self.guard.pos.get() + MAX_OBJECT_BYTES as u64 + 64);
    }
    fn disarm(&self) {
        self.guard.limit_at.set(u64::MAX);
    }

    fn summary(&self) -> StreamSummary {
        StreamSummary {
            id: self.id.as_ref().and_then(Value::as_str).map(str::to_owned),
            n_objects: self.n - self.pending.len(),
            upgraded: (self.mode == Mode::V20).then(|| self.report.clone()),
            stopped: self.stopped,
        }
    }

    /// The header's problems as far as known (`at_end`: missing properties count too).
    fn header_errors(&self, at_end: bool) -> StixErrors {
        let mut errors = StixErrors::default();
        if self.envelope {
            return errors;
        }
        match &self.doc_type {
            Some(Value::String(t)) if t == "bundle" => {}
            Some(_) => errors.push("type", "must be \"bundle\""),
            None if at_end => errors.push("type", "must be \"bundle\""),
            None => {}
        }
        if self.mode != Mode::V20 {
            match self.id.as_ref().map(|v| v.as_str().map(str::parse::<crate::StixId>)) {
                Some(Some(Ok(id))) if id.object_type() == "bundle" => {}
                Some(Some(Ok(_))) => errors.push("id", "must be a bundle--UUID identifier"),
                Some(Some(Err(e))) => errors.push("id", e),
                Some(None) => errors.push("id", "must be a string"),
                None if at_end && self.mode != Mode::Undecided => errors.push("id", "is required"),
                None => {}
            }
        }
        errors
    }

    /// Fixes the mode (once), checks the header known so far, then hands over the pending
    /// marking definitions.
    fn decide(&mut self, mode: Mode) -> Result<(), StixErrors> {
        if self.mode == Mode::Undecided {
            self.mode = mode;
        }
        let errors = self.header_errors(false);
        if !errors.is_empty() {
            return Err(errors);
        }
        for (i, raw) in std::mem::take(&mut self.pending) {
            if !self.deliver(i, &raw) {
                break;
            }
        }
        Ok(())
    }

    /// Validates (and for 2.0 upgrades) one object and gives it to the sink.
    fn deliver(&mut self, i: usize, raw: &RawValue) -> bool {
        let result = match self.mode {
            Mode::V20 => match serde_json::from_str::<Map<String, Value>>(raw.get()) {
                Ok(mut map) => {
                    upgrade_object(&mut map, &mut self.report);
                    StixObject::parse(&Value::Object(map).to_string())
                }
                Err(_) => StixObject::parse(raw.get()),
            },
            _ => StixObject::parse(raw.get()),
        };
        let result = result.map_err(|e| StixErrors(e.0.into_iter().map(|x| x.under(&format!("objects[{i}]"))).collect()));
        if !(self.sink)(i, result) {
            self.stopped = true;
        }
        !self.stopped
    }

    /// One element of `objects`.
    fn element(&mut self, i: usize, raw: Box<RawValue>) -> Result<(), StixErrors> {
        if self.mode == Mode::Undecided {
            #[derive(serde::Deserialize)]
            struct Peek {
                #[serde(rename = "type")]
                object_type: Option<Value>,
                spec_version: Option<Value>,
                created: Option<Value>,
            }
            let peek: Option<Peek> = serde_json::from_str(raw.get()).ok();
            let is_marking = peek.as_ref().is_some_and(|p| p.object_type.as_ref().and_then(Value::as_str) == Some("marking-definition"));
            if is_marking && self.pending.len() < MAX_PENDING_MARKINGS {
                self.pending.push((i, raw));
                return Ok(());
            }
            let v20 = peek.is_some_and(|p| !is_marking && p.spec_version.is_none() && p.created.is_some());
            self.decide(if v20 { Mode::V20 } else { Mode::V21 })?;
            if self.stopped {
                return Ok(());
            }
        }
        self.deliver(i, &raw);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Stream<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Stream<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a STIX bundle (a JSON object with an `objects` array)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        loop {
            self.arm();
            let Some(key) = map.next_key::<String>()? else { break };
            match key.as_str() {
                "type" | "id" | "spec_version" => {
                    let v: Value = map.next_value()?;
                    let slot = match key.as_str() { "type" => &mut self.doc_type, "id" => &mut self.id, _ => &mut self.spec_version };
                    *slot = Some(v);
                }
                "objects" if !self.objects_seen => {
                    self.disarm();
                    self.objects_seen = true;
                    if self.spec_version.as_ref().and_then(Value::as_str) == Some("2.0") {
                        self.mode = Mode::V20;
                    } else if self.spec_version.is_some() {
                        self.mode = Mode::V21;
                    }
                    let mut errors = self.header_errors(false);
                    if errors.is_empty() && self.mode != Mode::Undecided {
                        if let Err(e) = self.decide(self.mode) {
                            errors = e;
                        }
                    }
                    if !errors.is_empty() {
                        self.fatal = Some(errors);
                        return Err(de::Error::custom("the bundle header is invalid"));
                    }
                    map.next_value_seed(Objects(self))?;
                    if self.stopped {
                        return Err(de::Error::custom("stopped"));
                    }
                }
                _ => {
                    self.disarm();
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.disarm();
        Ok(())
    }
}

struct Objects<'s, 'a>(&'s mut Stream<'a>);

impl<'de> DeserializeSeed<'de> for Objects<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Objects<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of STIX objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let s = self.0;
        loop {
            s.arm();
            let Some(raw) = seq.next_element::<Box<RawValue>>()? else { break };
            s.disarm();
            let i = s.n;
            s.n += 1;
            if s.n > MAX_STREAMED_OBJECTS {
                s.fatal = Some(StixError::new("objects", format!("has more than {MAX_STREAMED_OBJECTS} objects; the limit for one document is {MAX_STREAMED_OBJECTS}")).into());
                return Err(de::Error::custom("too many objects"));
            }
            if let Err(e) = s.element(i, raw) {
                s.fatal = Some(e);
                return Err(de::Error::custom("the bundle header is invalid"));
            }
            if s.stopped {
                return Err(de::Error::custom("stopped"));
            }
        }
        s.disarm();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

    fn identity(name: &str) -> String {
        format!(r#"{{"type":"identity","spec_version":"2.1","id":"{ID}","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","name":"{name}"}}"#)
    }

    fn collect(doc: &str, envelope: bool) -> (Result<StreamSummary, StixErrors>, Vec<Result<StixObject, StixErrors>>) {
        let mut got = Vec::new();
        let r = stream_document(doc.as_bytes(), envelope, &mut |i, o| {
            assert_eq!(i, got.len());
            got.push(o);
            true
        });
        (r, got)
    }

    #[test]
    fn objects_arrive_one_by_one_and_bad_ones_name_their_path() {
        let doc = format!(r#"{{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{},{{"type":"identity","spec_version":"2.1","id":"{ID}","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z"}},{}],"x_extra":{{"big":[1,2,3]}}}}"#, identity("A"), identity("C"));
        let (r, got) = collect(&doc, false);
        let summary = r.unwrap();
        assert_eq!(summary.n_objects, 3);
        assert!(got[0].is_ok() && got[2].is_ok());
        assert_eq!(got[1].as_ref().unwrap_err().0[0].path, "objects[1].name");
        // The same outcome as the whole-document parser.
        let whole = crate::bundle::parse_bundle(&doc).unwrap();
        assert_eq!(whole.objects.iter().map(Result::is_ok).collect::<Vec<_>>(), got.iter().map(Result::is_ok).collect::<Vec<_>>());
    }

    #[test]
    fn header_errors_before_objects_stop_everything() {
        let (r, got) = collect(&format!(r#"{{"type":"report","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{}]}}"#, identity("A")), false);
        assert_eq!(r.unwrap_err().0[0].path, "type");
        assert!(got.is_empty(), "nothing is handed over");
        let (r, got) = collect(&format!(r#"{{"type":"bundle","id":"bundle--nope","spec_version":"2.1","objects":[{}]}}"#, identity("A")), false);
        assert_eq!(r.unwrap_err().0[0].path, "id");
        assert!(got.is_empty());
        let (r, _) = collect(&format!(r#"{{"objects":[{}],"type":"bundle"}}"#, identity("A")), false);
        assert_eq!(r.unwrap_err().0[0].path, "id", "an id missing after the objects is still an error");
        assert!(collect(&format!(r#"{{"objects":[{}]}}"#, identity("A")), true).0.is_ok(), "envelopes have no header");
        assert!(collect("[1,2]", false).0.unwrap_err().to_string().contains("not valid JSON"));
    }

    #[test]
    fn broken_json_and_oversized_objects_end_the_stream_at_their_index() {
        let doc = format!(r#"{{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{},{{"type":"identity",]}}"#, identity("A"));
        let (r, got) = collect(&doc, false);
        assert_eq!(got.len(), 1);
        let e = r.unwrap_err();
        assert_eq!(e.0[0].path, "objects[1]");
        assert!(e.0[0].reason.contains("not valid JSON"), "{e}");
        let big = identity(&"x".repeat(MAX_OBJECT_BYTES + 10));
        let doc = format!(r#"{{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{},{big},{}]}}"#, identity("A"), identity("B"));
        let (r, got) = collect(&doc, false);
        assert_eq!(got.len(), 1, "the object before it was handed over");
        let e = r.unwrap_err();
        assert_eq!(e.0[0].path, "objects[1]");
        assert!(e.0[0].reason.contains(&format!("the limit for one object is {MAX_OBJECT_BYTES}")), "{e}");
    }

    #[test]
    fn stix20_is_upgraded_object_by_object() {
        let marking = r#"{"type":"marking-definition","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"white"}}"#;
        let malware = r#"{"type":"malware","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2017-01-20T00:00:00.000Z","modified":"2017-01-20T00:00:00.000Z","name":"X","labels":["ransomware"]}"#;
        for doc in [
            format!(r#"{{"type":"bundle","id":"bundle--x","spec_version":"2.0","objects":[{marking},{malware}]}}"#),
            format!(r#"{{"objects":[{marking},{malware}],"type":"bundle","id":"bundle--x"}}"#),
        ] {
            let (r, got) = collect(&doc, false);
            let summary = r.unwrap();
            assert_eq!(summary.upgraded.as_ref().map(|u| u.n_objects), Some(2), "{doc}");
            assert!(got.iter().all(Result::is_ok), "{got:?}");
            let mut whole = crate::upgrade::upgrade_bundle(serde_json::from_str(&doc).unwrap()).1;
            whole.changes.remove("bundle id replaced"); // no bundle is written back when streaming
            assert_eq!(summary.upgraded.unwrap().changes, whole.changes);
        }
    }

    #[test]
    fn the_sink_can_stop() {
        let doc = format!(r#"{{"objects":[{},{},{}]}}"#, identity("A"), identity("B"), identity("C"));
        let mut n = 0;
        let s = stream_document(doc.as_bytes(), true, &mut |_, _| {
            n += 1;
            n < 2
        })
        .unwrap();
        assert!(s.stopped);
        assert_eq!(n, 2);
    }
}
