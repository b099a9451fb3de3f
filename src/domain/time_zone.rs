//! A company's time zone, in which the desk shows its times, and when a checkout expires
//! as a person counts it (today, tomorrow, in N days) in that zone.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::CompanyId;

/// An IANA time-zone name the tz database knows (`Europe/Stockholm`), so a stored or typed
/// zone can always convert a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone '{0}'")]
pub struct UnknownTimeZone(pub String);

impl TimeZone {
    /// Every company's zone until someone changes it (migration 0012's default).
    pub const DEFAULT: TimeZone = TimeZone(Tz::Europe__Stockholm);

    /// Exactly an IANA name, in its own letter case: `europe/stockholm` is refused rather
    /// than guessed, so what is stored is what the tz database calls it.
    pub fn parse(s: &str) -> Result<Self, UnknownTimeZone> {
        let s = s.trim();
        s.parse::<Tz>()
            .ok()
            .filter(|tz| tz.name() == s)
            .map(Self)
            .ok_or_else(|| UnknownTimeZone(s.to_owned()))
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// `at` on this zone's wall clock.
    pub fn local(self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.0)
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Each company's zone, for lists that span companies.
#[derive(Debug, Clone, Default)]
pub struct Zones(pub HashMap<CompanyId, TimeZone>);

impl Zones {
    /// The company's zone; the default for none (an event filed under no company).
    pub fn of(&self, company: Option<CompanyId>) -> TimeZone {
        company
            .and_then(|c| self.0.get(&c).copied())
            .unwrap_or_default()
    }
}

/// When a checkout expires, as its company's people count days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Calendar days from today to the expiry day in the zone: 0 today (or already past),
    /// 1 tomorrow.
    pub days: i64,
    /// The local time, given when it is under 48 hours away (and not past): then the hour
    /// matters.
    pub at: Option<DateTime<Tz>>,
}

impl Expiry {
    pub fn new(now: DateTime<Utc>, expires: DateTime<Utc>, zone: TimeZone) -> Self {
        let local = zone.local(expires);
        let days = (local.date_naive() - zone.local(now).date_naive())
            .num_days()
            .max(0);
        let left = expires - now;
        // Past its time, Payson is about to expire it: "today", without a time gone by.
        let at = (left >= Duration::zero() && left < Duration::hours(48)).then_some(local);
        Self { days, at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn parses_only_iana_names() {
        assert_eq!(
            TimeZone::parse("America/New_York").unwrap().name(),
            "America/New_York"
        );
        assert_eq!(
            TimeZone::parse(" Europe/Stockholm ").unwrap(),
            TimeZone::DEFAULT
        );
        for bad in [
            "",
            "Mars/Olympus",
            "europe/stockholm",
            "CEST",
            "+01:00",
            "Europe/",
        ] {
            assert!(TimeZone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn local_follows_daylight_saving() {
        let z = TimeZone::DEFAULT;
        // 2026-03-29 01:00 UTC is when Sweden moves from UTC+1 to UTC+2.
        assert_eq!(
            z.local(utc(2026, 3, 29, 0, 59)).format("%H:%M").to_string(),
            "01:59"
        );
        assert_eq!(
            z.local(utc(2026, 3, 29, 1, 0)).format("%H:%M").to_string(),
            "03:00"
        );
        let ny = TimeZone::parse("America/New_York").unwrap();
        assert_eq!(
            ny.local(utc(2026, 12, 3, 13, 30))
                .format("%H:%M")
                .to_string(),
            "08:30"
        );
    }

    #[test]
    fn expiry_counts_calendar_days_and_gives_the_time_under_48_hours() {
        let z = TimeZone::DEFAULT;
        // 10:00 in Stockholm (UTC+1 in December).
        let now = utc(2026, 12, 3, 9, 0);
        let at = |h: i64| Expiry::new(now, now + Duration::hours(h), z);
        assert_eq!(at(0).days, 0);
        assert!(at(0).at.is_some());
        assert_eq!((at(13).days, at(13).at.is_some()), (0, true)); // 23:00 today
        assert_eq!((at(23).days, at(23).at.is_some()), (1, true));
        assert_eq!((at(47).days, at(47).at.is_some()), (2, true));
        assert_eq!((at(49).days, at(49).at.is_some()), (2, false));
        assert_eq!((at(24 * 30).days, at(24 * 30).at.is_some()), (30, false));
        // Already past: today, not a negative count nor a time gone by.
        assert_eq!(at(-5), Expiry { days: 0, at: None });
        // The day turns at the company's midnight, not UTC's.
        let ny = TimeZone::parse("America/New_York").unwrap();
        let late = utc(2026, 12, 4, 3, 0); // 22:00 on the 3rd in New York, 04:00 on the 4th in Stockholm
        let exp = utc(2026, 12, 4, 6, 0); // 01:00 on the 4th in New York
        assert_eq!(Expiry::new(late, exp, ny).days, 1);
        assert_eq!(Expiry::new(late, exp, z).days, 0);
    }
}
