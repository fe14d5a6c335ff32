//! Timestamps: RFC 3339 in UTC, as every time in a bundle is written.

use chrono::{DateTime, Utc};

/// An RFC 3339 timestamp in UTC (`Z` or `+00:00`); any other offset is refused.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(text).ok()?;
    (t.offset().local_minus_utc() == 0).then(|| t.with_timezone(&Utc))
}
