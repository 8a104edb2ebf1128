//! STIX timestamps: RFC 3339 in UTC with a literal `Z` (`2016-05-12T08:17:27.000Z`).

/// Checks a STIX timestamp and returns it parsed.
pub fn parse(s: &str) -> Result<jiff::Timestamp, String> {
    let b = s.as_bytes();
    let shape_ok = b.len() >= 20
        && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':'
        && b.last() == Some(&b'Z')
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].iter().all(|&i| b[i].is_ascii_digit())
        && (b.len() == 20 || (b[19] == b'.' && b.len() > 21 && b[20..b.len() - 1].iter().all(u8::is_ascii_digit)));
    if !shape_ok {
        return Err(format!("{s:?} is not a STIX timestamp (expected YYYY-MM-DDTHH:MM:SS[.s+]Z in UTC)"));
    }
    s.parse::<jiff::Timestamp>().map_err(|e| format!("{s:?} is not a valid date and time: {e}"))
}

/// Formats a timestamp the way ward emits them: UTC, six fractional digits, `Z`.
pub fn format_micros(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps() {
        assert!(super::parse("2016-05-12T08:17:27.000Z").is_ok());
        assert!(super::parse("2016-05-12T08:17:27Z").is_ok());
        for bad in ["2016-05-12T08:17:27", "2016-05-12 08:17:27Z", "2016-05-12T08:17:27+01:00", "2016-13-12T08:17:27Z", "2016-05-12T08:17:27.Z"] {
            assert!(super::parse(bad).is_err(), "{bad}");
        }
    }
}
