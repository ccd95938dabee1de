//! Timestamps of log lines: RFC 3339, UTC, to the millisecond
//! (`2026-11-23T09:41:07.250Z`). UTC needs no time zone database, and sorts
//! as text.

use std::time::{SystemTime, UNIX_EPOCH};

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`. A time before 1970 is written as
/// the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rest = secs % 86_400;
    let (year, month, day) = civil(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The Gregorian date of a day counted from 1970-01-01 (day 0).
///
/// Days are counted in 400-year eras of 146,097 days, each starting on
/// March 1st, so that the leap day ends its year: within an era, the year
/// is found from the day with the leap rules subtracted, and the month from
/// the day of the year, months of a March-based year having 153 days every
/// five.
fn civil(days: i64) -> (i64, u32, u32) {
    // 1970-01-01 is day 719,468 from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, millis: u64) -> String {
        rfc3339(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
    }

    #[test]
    fn known_dates() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29, a leap day of a century divisible by 400.
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(951_868_799, 999), "2000-02-29T23:59:59.999Z");
        // 2024-12-31 23:59:59 and the next second.
        assert_eq!(at(1_735_689_599, 0), "2024-12-31T23:59:59.000Z");
        assert_eq!(at(1_735_689_600, 0), "2025-01-01T00:00:00.000Z");
        // 2100-03-01: 2100 is not a leap year.
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        let mut previous = civil(-1);
        for day in 0..200_000 {
            let date = civil(day);
            let next_in_month = (date.0, date.1, date.2 - 1) == previous;
            let new_month = date.2 == 1 && (date.1 == previous.1 + 1 || date.1 == 1);
            assert!(next_in_month || new_month, "{previous:?} then {date:?}");
            previous = date;
        }
    }
}
