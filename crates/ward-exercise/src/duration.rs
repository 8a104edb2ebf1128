//! Scenario time: an offset from the exercise's start, written as an ISO 8601 duration
//! (`PT45M`, `P1DT2H`, `P3W`). A day is 24 hours here: scenario time is a story clock, not a
//! calendar, so daylight-saving changes do not stretch it.

use std::fmt;

/// A non-negative duration of scenario time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ScenarioDuration(i64);

impl ScenarioDuration {
    pub const ZERO: ScenarioDuration = ScenarioDuration(0);

    pub fn from_seconds(seconds: i64) -> ScenarioDuration {
        ScenarioDuration(seconds.max(0))
    }
    pub fn seconds(self) -> i64 {
        self.0
    }
    pub fn millis(self) -> i64 {
        self.0.saturating_mul(1000)
    }
    pub fn as_signed(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(self.0)
    }

    /// Parses an ISO 8601 duration of weeks, days, hours, minutes and seconds; years and
    /// months are refused (they have no fixed length), as are negative durations.
    pub fn parse(s: &str) -> Result<ScenarioDuration, String> {
        let span: jiff::Span = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an ISO 8601 duration such as PT45M or P1DT2H"))?;
        if span.is_negative() {
            return Err(format!("{s:?} must not be negative"));
        }
        if span.get_years() != 0 || span.get_months() != 0 {
            return Err(format!("{s:?}: use weeks, days, hours and minutes, not years or months"));
        }
        if span.get_milliseconds() != 0 || span.get_microseconds() != 0 || span.get_nanoseconds() != 0 {
            return Err(format!("{s:?}: scenario time has whole seconds"));
        }
        let secs = i64::from(span.get_weeks()) * 7 * 86_400
            + i64::from(span.get_days()) * 86_400
            + i64::from(span.get_hours()) * 3600
            + span.get_minutes() * 60
            + span.get_seconds();
        Ok(ScenarioDuration(secs))
    }
}

impl fmt::Display for ScenarioDuration {
    /// `T+2h05m`, `T+1d02h00m`: how the facilitator reads the clock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
        if d > 0 {
            write!(f, "T+{d}d{h:02}h{m:02}m")
        } else {
            write!(f, "T+{h}h{m:02}m")
        }
    }
}

/// A human-readable length (`45 min`, `2 h 05 min`, `1 d 2 h`), for metrics.
pub fn human(seconds: i64) -> String {
    let neg = seconds < 0;
    let s = seconds.abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let body = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else {
        format!("{m} min")
    };
    if neg { format!("−{body}") } else { body }
}

impl serde::Serialize for ScenarioDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let secs = self.0;
        let (d, h, m, sec) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
        let mut out = String::from("P");
        if d > 0 {
            out.push_str(&format!("{d}D"));
        }
        if h > 0 || m > 0 || sec > 0 || d == 0 {
            out.push('T');
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 || (h == 0 && sec == 0) {
                out.push_str(&format!("{m}M"));
            }
            if sec > 0 {
                out.push_str(&format!("{sec}S"));
            }
        }
        s.serialize_str(&out)
    }
}

impl<'de> serde::Deserialize<'de> for ScenarioDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ScenarioDuration::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_seconds_and_print_back() {
        for (text, secs, printed) in [
            ("PT0M", 0, "PT0M"),
            ("PT45M", 2700, "PT45M"),
            ("P1DT2H", 93_600, "P1DT2H"),
            ("P3W", 1_814_400, "P21D"),
            ("PT90S", 90, "PT1M30S"),
        ] {
            let d = ScenarioDuration::parse(text).unwrap();
            assert_eq!(d.seconds(), secs, "{text}");
            assert_eq!(serde_json::to_value(d).unwrap(), serde_json::json!(printed));
            assert_eq!(ScenarioDuration::parse(printed).unwrap(), d);
        }
        for bad in ["", "45", "P1M", "P1Y", "-PT5M", "PT0.5S", "soon"] {
            assert!(ScenarioDuration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ScenarioDuration::from_seconds(93_600 + 300).to_string(), "T+1d02h05m");
        assert_eq!(human(3_900), "1 h 05 min");
        assert_eq!(human(-600), "−10 min");
    }
}
