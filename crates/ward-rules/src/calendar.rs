//! Holiday calendars (data files under `rules/calendars/`) and business-day arithmetic.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

/// A checked holiday calendar: which weekdays are the weekend, which dates are holidays, and the
/// range of dates the file is known to cover.
#[derive(Debug, Clone)]
pub struct HolidayCalendar {
    pub(crate) id: String,
    pub(crate) title: String,
    /// Indexed by `Weekday::to_monday_zero_offset`.
    pub(crate) weekend: [bool; 7],
    pub(crate) holidays: BTreeSet<Date>,
    pub(crate) covers_from: Date,
    pub(crate) covers_until: Date,
}

/// The result of counting business days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BusinessDayResult {
    pub date: Date,
    /// The count ran past the dates the calendar covers: holidays there are not known.
    pub beyond_coverage: bool,
}

impl HolidayCalendar {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// Whether `date` is a business day (not a weekend day, not a holiday).
    pub fn is_business_day(&self, date: Date) -> bool {
        !self.weekend[usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)]
            && !self.holidays.contains(&date)
    }

    /// The date `n` business days after `start`; `start` itself is not counted.
    pub(crate) fn add_business_days(&self, start: Date, n: i64) -> BusinessDayResult {
        let mut date = start;
        let mut counted = 0;
        let mut beyond_coverage = start < self.covers_from;
        while counted < n {
            // `tomorrow` fails only at the end of the civil calendar (year 9999).
            date = match date.tomorrow() {
                Ok(d) => d,
                Err(_) => break,
            };
            if date > self.covers_until {
                beyond_coverage = true;
            }
            if self.is_business_day(date) {
                counted += 1;
            }
        }
        BusinessDayResult {
            date,
            beyond_coverage,
        }
    }
}

pub(crate) fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn calendar(holidays: &[Date]) -> HolidayCalendar {
        HolidayCalendar {
            id: "t".into(),
            title: "t".into(),
            weekend: [false, false, false, false, false, true, true],
            holidays: holidays.iter().copied().collect(),
            covers_from: date(2026, 1, 1),
            covers_until: date(2027, 12, 31),
        }
    }

    #[test]
    fn counts_business_days_skipping_weekends_and_holidays() {
        let cal = calendar(&[date(2026, 12, 25), date(2027, 1, 1)]);
        let r = cal.add_business_days(date(2026, 12, 23), 15);
        assert_eq!(r.date, date(2027, 1, 15));
        assert!(!r.beyond_coverage);
        // Friday + 1 business day = Monday.
        assert_eq!(
            cal.add_business_days(date(2026, 6, 5), 1).date,
            date(2026, 6, 8)
        );
        assert_eq!(
            cal.add_business_days(date(2026, 6, 5), 0).date,
            date(2026, 6, 5)
        );
    }

    #[test]
    fn flags_counts_beyond_coverage() {
        let cal = calendar(&[]);
        assert!(
            cal.add_business_days(date(2027, 12, 20), 15)
                .beyond_coverage
        );
    }
}
