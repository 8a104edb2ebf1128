//! Any bytes through the streaming reader (bundle and envelope): never a panic, the sink sees
//! indices in order, and every object it is handed as valid re-parses on its own.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for envelope in [false, true] {
        let mut next = 0usize;
        let mut sink = |i: usize, o: Result<ward_stix::StixObject, ward_stix::StixErrors>| {
            assert_eq!(i, next, "objects are handed over in order");
            next += 1;
            if let Ok(o) = o {
                assert!(ward_stix::StixObject::parse(&o.json).is_ok());
            }
            true
        };
        let _ = ward_stix::stream::stream_document(data, envelope, &mut sink);
    }
});
