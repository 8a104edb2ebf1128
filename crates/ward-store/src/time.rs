//! Timestamps as stored: RFC 3339 UTC with exactly six fractional digits, so text order is
//! time order on every backend.

use jiff::Timestamp;

pub fn to_db(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn from_db(s: &str) -> Result<Timestamp, crate::StoreError> {
    s.parse::<Timestamp>().map_err(|e| crate::StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixed_width_round_trip() {
        let t: jiff::Timestamp = "2024-02-21T10:00:00Z".parse().unwrap();
        assert_eq!(super::to_db(t), "2024-02-21T10:00:00.000000Z");
        assert_eq!(super::from_db(&super::to_db(t)).unwrap(), t);
    }
}
