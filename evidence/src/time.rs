//! Timestamps: RFC 3339 in UTC, as every time in a bundle is written.

use chrono::{DateTime, Utc};

/// A timestamp written `YYYY-MM-DDTHH:MM:SS`, optionally `.` and 1 to 9 digits, then
/// `Z` or `+00:00`: RFC 3339 in UTC, in the one spelling every verifier reads alike
/// (no lowercase `t` or `z`, no space for `T`, no `-00:00`, no leap second).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && b.get(17..19) != Some(b"60".as_slice());
    if !shape {
        return None;
    }
    let rest = text.get(19..)?;
    let zone = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"))?;
    if let Some(fraction) = zone.strip_prefix('.') {
        if fraction.is_empty()
            || fraction.len() > 9
            || !fraction.bytes().all(|d| d.is_ascii_digit())
        {
            return None;
        }
    } else if !zone.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time as people read it: `2026-11-17 14:03:44 UTC`, with the fraction of a
/// second only where the written time has a non-zero one. A text that is not a
/// bundle time is returned as it is.
pub fn readable(text: &str) -> String {
    let Some(t) = parse(text) else {
        return text.to_owned();
    };
    if t.timestamp_subsec_nanos() == 0 {
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    } else {
        let fraction = format!("{:09}", t.timestamp_subsec_nanos());
        format!(
            "{}.{} UTC",
            t.format("%Y-%m-%d %H:%M:%S"),
            fraction.trim_end_matches('0')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, readable};

    #[test]
    fn readable_times_name_the_date_and_zone() {
        assert_eq!(readable("2026-11-17T14:03:44Z"), "2026-11-17 14:03:44 UTC");
        assert_eq!(
            readable("2026-11-17T14:03:44.250+00:00"),
            "2026-11-17 14:03:44.25 UTC"
        );
        assert_eq!(
            readable("2026-11-17T14:03:44.000Z"),
            "2026-11-17 14:03:44 UTC"
        );
        assert_eq!(readable("yesterday"), "yesterday");
    }

    #[test]
    fn only_the_one_utc_spelling_is_read() {
        for good in [
            "2026-11-20T10:00:00Z",
            "2026-11-20T10:00:00+00:00",
            "2026-11-20T10:00:00.5Z",
            "2026-11-20T10:00:00.123456789Z",
        ] {
            assert!(parse(good).is_some(), "{good}");
        }
        for bad in [
            "2026-11-20t10:00:00Z",
            "2026-11-20T10:00:00z",
            "2026-11-20 10:00:00Z",
            "2026-11-20T10:00:00-00:00",
            "2026-11-20T10:00:00+01:00",
            "2026-11-20T23:59:60Z",
            "2026-11-20T10:00:00.1234567891Z",
            "2026-11-20T10:00:00.Z",
            "2026-11-20T10:00Z",
            "2026-02-30T10:00:00Z",
            "",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(parse("2026-11-20T10:00:00.5Z") > parse("2026-11-20T10:00:00Z"));
    }
}
