//! Integration tests of ward-import: the real public datasets in `shared/data` (figures from its
//! README), malformed input, and the stability of external ids.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ward_import::{read_path, CipherHarm, ImportSummary, ImportedIncident, Kind, Options, Record, Rejection};

mod attack;
mod cipher;
mod hhs;
mod malformed;
mod misp;
mod stix;
mod vcdb;

/// The shared data folder beside the repository checkout.
pub fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

/// Everything one read produced, sorted by kind.
#[derive(Default)]
pub struct Read {
    pub incidents: Vec<ImportedIncident>,
    pub harms: Vec<CipherHarm>,
    pub rejected: Vec<Rejection>,
    pub summary: ImportSummary,
}

pub fn read(kind: Kind, path: &Path, options: &Options) -> Read {
    let mut out = Read::default();
    out.summary = read_path(kind, path, options, &mut |r| match r {
        Record::Incident(i) => out.incidents.push(*i),
        Record::Harm(h) => out.harms.push(*h),
        Record::Rejected(r) => out.rejected.push(r),
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let s = out.summary;
    assert_eq!(s.records_read, s.incidents + s.harms + s.rejected + s.filtered_out, "{s:?}");
    assert_eq!((s.incidents, s.harms, s.rejected), (out.incidents.len() as u64, out.harms.len() as u64, out.rejected.len() as u64));
    // Every draft passed ward-core validation and survives a JSON round trip (a sample of
    // them: the round trip is slow in debug builds).
    for i in out.incidents.iter().step_by(37) {
        let again = ward_core::IncidentDraft::from_value(i.draft.to_value()).unwrap_or_else(|e| panic!("{}: {e}", i.origin));
        assert_eq!(again, i.draft);
        assert_eq!(i.draft.external_ids, std::slice::from_ref(&i.external_id));
    }
    out
}


/// A real data file read once with default options and shared by the tests that need it.
pub fn cached(kind: Kind, rel: &str) -> &'static Read {
    static READS: OnceLock<Mutex<HashMap<String, &'static Read>>> = OnceLock::new();
    let mut reads = READS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    reads.entry(format!("{kind}:{rel}")).or_insert_with(|| Box::leak(Box::new(read(kind, &data(rel), &Options::default()))))
}

/// The CLI reads on a blocking thread and sends records to the writer.
#[test]
fn records_cross_threads() {
    fn send<T: Send + 'static>() {}
    send::<Record>();
    send::<ward_import::ImportSummary>();
    send::<ward_import::ImportError>();
    send::<Options>();
}
