//! Any bytes as a bundle or a TAXII envelope: never a panic; every accepted object re-parses.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for envelope in [false, true] {
            if let Ok(parsed) = ward_stix::bundle::parse_document(text, envelope) {
                for o in parsed.objects.into_iter().flatten() {
                    assert!(ward_stix::StixObject::parse(&o.json).is_ok());
                }
            }
        }
    }
});
