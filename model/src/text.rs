//! Text from evidence and from people, made safe for where it is written: one place
//! per medium (HTML, a query string, a terminal). Every such text is
//! data, never markup: a bundle name, an incident title or a payload field may hold
//! `</title>`, `<script>` or quotes.

/// `text` escaped for HTML text and attribute values (`&`, `<`, `>`, `"`, `'`): for
/// the printable report, the timeline picture (SVG) and server-rendered page titles.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` percent-encoded as one component of a query string (RFC 3986 unreserved
/// characters kept, every other byte as `%XX`).
pub fn query_component(text: &str) -> String {
    percent_encoded(text, b"")
}

/// `text` percent-encoded as [`query_component`] does, but for the bytes in `keep`
/// too (a path given as a query value keeps its `/`).
pub fn percent_encoded(text: &str, keep: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The `name=value` pairs of a query string (`?` optional), percent-decoded, `+`
/// read as a space; a pair that is not UTF-8 once decoded is left out.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    fn decode(text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// Whether `c` reorders or hides text: a bidirectional control or a zero-width
/// character.
fn hides(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// `text` for a page body: every character that reorders or hides text
/// (bidirectional controls, zero-width characters) written as `\u{…}`, so that a
/// name in evidence cannot pass for another (`invoice\u{202e}fdp.exe` shows as
/// written, not as `invoiceexe.pdf`). For identifiers, titles, labels and the
/// sentences built from them; Leptos escapes the markup.
pub fn visible(text: &str) -> String {
    if !text.chars().any(hides) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hides(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` for a terminal: every control character but the newline, and every
/// character that reorders or hides text (bidirectional controls, zero-width
/// characters), written as `\u{…}`, so that an identifier in evidence can neither
/// drive the terminal nor disguise what it says.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n') || hides(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `n` with its thousands grouped by commas: 1234567 → "1,234,567".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
            (-10000, "-10,000"),
        ];
        for (n, text) in cases {
            assert_eq!(group_thousands(n), text);
        }
    }

    #[test]
    fn a_terminal_is_shown_what_the_text_holds() {
        assert_eq!(
            terminal("VERIFIED\u{1b}[2K\rok\u{202e}txt.exe\n"),
            "VERIFIED\\u{1b}[2K\\u{d}ok\\u{202e}txt.exe\n"
        );
        assert_eq!(terminal("plain: ünïcode ✓"), "plain: ünïcode ✓");
    }

    #[test]
    fn a_page_shows_what_reorders_or_hides_text() {
        assert_eq!(visible("invoice\u{202e}fdp.exe"), "invoice\\u{202e}fdp.exe");
        assert_eq!(visible("ad\u{200b}min"), "ad\\u{200b}min");
        assert_eq!(visible("plain: ünïcode ✓ עברית"), "plain: ünïcode ✓ עברית");
    }

    #[test]
    fn markup_becomes_text() {
        assert_eq!(html("<b>'&\""), "&lt;b&gt;&#39;&amp;&quot;");
    }
}

#[cfg(test)]
mod query_tests {
    use super::{query_component, query_pairs};
    use crate::EventQuery;

    #[test]
    fn a_query_string_reads_back_as_written() {
        let text = "a b&c=d/é%+";
        let pairs = query_pairs(&format!("?q={}&x", query_component(text)));
        assert_eq!(
            pairs,
            vec![("q".into(), text.into()), ("x".into(), String::new())]
        );
        assert_eq!(query_pairs("q=a+b%20c"), vec![("q".into(), "a b c".into())]);
        // Broken escapes and bytes that are not UTF-8 are left out, not guessed at.
        assert!(query_pairs("q=%zz&r=%ff").is_empty());
        let query = EventQuery::parse("page=2&kind=tool.call&actor=agent%3Ax&unknown=1");
        assert_eq!(
            query.to_query_string(),
            "actor=agent%3Ax&kind=tool.call&page=2"
        );
        assert_eq!(EventQuery::parse(&query.to_query_string()), query);
        assert!(query.is_filtered());
        assert!(!EventQuery::parse("page=3&sort=-time").is_filtered());
        assert_eq!(
            EventQuery::parse("incident=abc").incident,
            Some(0),
            "refused later, by name"
        );
    }
}
