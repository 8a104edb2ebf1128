//! Any text as a pattern: never a panic; an accepted pattern prints to a pattern that parses.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = ward_stix::pattern::parse(text) {
            let printed = p.to_string();
            assert!(ward_stix::pattern::parse(&printed).is_ok(), "{printed}");
        }
    }
});
