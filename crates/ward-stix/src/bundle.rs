//! Bundles (`{"type":"bundle","objects":[…]}`) and TAXII envelopes (`{"objects":[…]}`): each
//! object is validated on its own, so one bad object is reported with its index and never
//! hides the others.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{StixError, StixErrors};
use crate::limits::{MAX_BUNDLE_BYTES, MAX_OBJECTS_PER_BUNDLE};
use crate::object::StixObject;

/// A parsed bundle or envelope: the outcome per object, in order.
#[derive(Debug)]
pub struct ParsedBundle {
    pub id: Option<String>,
    /// `Ok(object)` or the errors of `objects[i]` (paths prefixed with `objects[i]`).
    pub objects: Vec<Result<StixObject, StixErrors>>,
}

#[derive(Deserialize)]
struct RawDocument<'a> {
    #[serde(rename = "type")]
    doc_type: Option<String>,
    id: Option<String>,
    #[serde(borrow)]
    objects: Option<Vec<&'a RawValue>>,
}

/// Parses a bundle (`envelope = false`) or a TAXII envelope (`envelope = true`).
pub fn parse_document(text: &str, envelope: bool) -> Result<ParsedBundle, StixErrors> {
    if text.len() > MAX_BUNDLE_BYTES {
        return Err(StixError::new("", format!("the document is {} bytes; the limit is {MAX_BUNDLE_BYTES}", text.len())).into());
    }
    let doc: RawDocument = serde_json::from_str(text).map_err(|e| StixErrors::from(StixError::new("", format!("not a JSON object: {e}"))))?;
    let mut errors = StixErrors::default();
    if !envelope {
        if doc.doc_type.as_deref() != Some("bundle") {
            errors.push("type", "must be \"bundle\"");
        }
        match doc.id.as_deref().map(str::parse::<crate::StixId>) {
            Some(Ok(id)) if id.object_type() == "bundle" => {}
            Some(Ok(_)) => errors.push("id", "must be a bundle--UUID identifier"),
            Some(Err(e)) => errors.push("id", e),
            None => errors.push("id", "is required"),
        }
    }
    let raw = doc.objects.unwrap_or_default();
    if raw.len() > MAX_OBJECTS_PER_BUNDLE {
        errors.push("objects", format!("has {} objects; the limit is {MAX_OBJECTS_PER_BUNDLE}", raw.len()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let objects = raw
        .into_iter()
        .enumerate()
        .map(|(i, r)| StixObject::parse(r.get()).map_err(|e| StixErrors(e.0.into_iter().map(|x| x.under(&format!("objects[{i}]"))).collect())))
        .collect();
    Ok(ParsedBundle { id: doc.id, objects })
}

/// Parses a STIX bundle.
pub fn parse_bundle(text: &str) -> Result<ParsedBundle, StixErrors> {
    parse_document(text, false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn per_object_results() {
        let b = r#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[
            {"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z","name":"A","sectors":["healthcare"]},
            {"type":"identity","spec_version":"2.1","id":"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48Z","modified":"2016-04-06T20:03:48Z"}]}"#;
        let p = super::parse_bundle(b).unwrap();
        assert!(p.objects[0].is_ok());
        assert_eq!(p.objects[1].as_ref().unwrap_err().0[0].path, "objects[1].name");
        assert!(super::parse_bundle(r#"{"type":"bundle","objects":[]}"#).unwrap_err().0[0].path == "id");
        assert!(super::parse_document(r#"{"objects":[]}"#, true).is_ok());
    }
}
