//! Normalisation of indicator values (domains, URLs, e-mail, IPs/CIDRs, refanging).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_match::normalize;

fuzz_target!(|data: &[u8]| {
    let _ = normalize::normalize_url_bytes(data);
    let _ = normalize::parse_ipv4(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let r = normalize::refang(s);
        let _ = normalize::detect_kind(&r);
        let _ = normalize::normalize_domain(&r);
        let _ = normalize::normalize_email(&r);
        if let Ok(net) = normalize::parse_ip_indicator(&r) {
            // Canonical forms are fixed points.
            let again = normalize::parse_ip_indicator(&net.canonical()).expect("canonical parses");
            assert_eq!(again, net);
        }
        if let Ok(u) = normalize::normalize_url(&r) {
            assert_eq!(normalize::normalize_url(&u).as_deref(), Ok(u.as_str()), "URL normalisation is idempotent");
        }
    }
});
