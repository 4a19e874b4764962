//! Time and identifiers, from one place: the only code that reads the clock
//! or draws random ids, and where RFC 3339 date-times are parsed and printed
//! (through the `time` crate, not by hand).

use std::fmt;

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    // i64 milliseconds reach the year 292 million: the cast never truncates.
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A fresh random identifier for a new row or link (a UUID v4).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An instant given as an RFC 3339 date-time, kept to the second in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses an RFC 3339 date-time (`2026-12-01T09:30:00Z`,
    /// `2026-12-01T10:30:00.5+01:00`). A date alone, a missing offset or a
    /// space for the `T` is refused. A fraction of a second is dropped.
    pub fn parse_rfc3339(raw: &str) -> Option<Timestamp> {
        // Narrower than the `time` crate, as the API has always been: RFC
        // 3339's note lets a space replace the `T`, and its grammar allows a
        // leap second (`:60`), which Unix time cannot hold.
        if !matches!(raw.as_bytes().get(10), Some(b'T' | b't')) || raw.get(17..19) == Some("60") {
            return None;
        }
        let parsed = OffsetDateTime::parse(raw, &Rfc3339).ok()?;
        Timestamp::from_unix(parsed.unix_timestamp())
    }

    /// The instant `seconds` after the Unix epoch, if the calendar can
    /// show it (years 1 to 9999 in RFC 3339).
    pub fn from_unix(seconds: i64) -> Option<Timestamp> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Timestamp)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(&Rfc3339).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str) -> Option<(i64, String)> {
        Timestamp::parse_rfc3339(raw).map(|t| (t.unix_seconds(), t.to_string()))
    }

    #[test]
    fn rfc3339_is_parsed_to_utc() {
        assert_eq!(utc("2026-12-01T09:30:00Z"), Some((1_796_117_400, "2026-12-01T09:30:00Z".into())));
        assert_eq!(utc("2026-12-01T10:30:00.5+01:00").unwrap().1, "2026-12-01T09:30:00Z");
        assert_eq!(utc("2026-12-01T08:30:00-01:00").unwrap().1, "2026-12-01T09:30:00Z");
        assert_eq!(utc("2024-02-29T00:00:00Z").unwrap().1, "2024-02-29T00:00:00Z");
        for bad in [
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T09:30:00",
            "2026-12-01 09:30:00Z",
            "2026-12-31T23:59:60Z",
            "2026-12-01T09:30Z",
            "2026-12-01T09:30:00+0100",
            "",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
        assert_eq!(Timestamp::from_unix(0).unwrap().to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_clock_and_ids_are_live() {
        assert!(now() > 1_700_000_000, "the clock reads the real time");
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
    }
}
