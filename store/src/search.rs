//! Free-text search of events: the words an event is found by, and a query's
//! words as each database's full-text index reads them (SQLite: FTS5 table
//! `events_text`; Postgres: the `words` tsvector under a GIN index). Both take the
//! words as written here, so the two databases find the same events.
//!
//! A word is a run of letters and digits, lower-cased. An event is found by the
//! words of its summary and of every string value of its payload (not the names of
//! its members). A query finds the events that have, for each of its words, a word
//! beginning with it.

use std::collections::HashSet;

use model::DatabaseKind;

/// The longest word kept: longer runs (a base64 blob, a digest) are cut here, which
/// still finds them by their beginning.
const MAX_WORD_CHARS: usize = 64;
/// The most text of words kept per event: well under Postgres's 1 MiB per tsvector.
const MAX_WORDS_BYTES: usize = 64 * 1024;
/// The most words a query may have.
pub const MAX_QUERY_WORDS: usize = 16;

/// The words of `text`, lower-cased and cut to [`MAX_WORD_CHARS`].
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .collect::<String>()
                .to_lowercase()
        })
}

/// The words an event is found by, each once, space-separated: its `summary`'s,
/// then those of the string values of `payload` (JSON).
pub(crate) fn event_words(payload: &str, summary: &str) -> String {
    let mut seen = HashSet::new();
    let mut out = String::new();
    let mut add = |text: &str| {
        for word in words(text) {
            if out.len() + word.len() + 1 > MAX_WORDS_BYTES {
                return;
            }
            if seen.insert(word.clone()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&word);
            }
        }
    };
    add(summary);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) {
        strings(&value, &mut add);
    }
    out
}

fn strings(value: &serde_json::Value, add: &mut impl FnMut(&str)) {
    match value {
        serde_json::Value::String(s) => add(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, add)),
        serde_json::Value::Object(members) => members.values().for_each(|v| strings(v, add)),
        _ => {}
    }
}

/// `q` as the database's full-text query: every word of it as a prefix. `None`
/// when `q` has no word (only punctuation, say).
pub(crate) fn query(kind: DatabaseKind, q: &str) -> Option<String> {
    let words: Vec<String> = words(q).take(MAX_QUERY_WORDS).collect();
    if words.is_empty() {
        return None;
    }
    // Words are letters and digits only, so neither syntax needs escapes.
    Some(match kind {
        DatabaseKind::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" AND "),
        DatabaseKind::Postgres => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_found_by_the_words_of_its_values_not_its_member_names() {
        let payload = r#"{"kind":"tool.call","actor":{"id":"agent:Billing-7"},
            "change":{"resource":"db://ledger_entries","n":42},"tags":["Café","x"]}"#;
        let words = event_words(payload, "agent:Billing-7 called refund");
        assert_eq!(
            words,
            "agent billing 7 called refund db ledger entries tool call café x"
        );
        assert!(!words.split(' ').any(|w| w == "kind" || w == "42"));
    }

    #[test]
    fn long_runs_are_cut_and_the_text_is_bounded() {
        let long = "a".repeat(500);
        assert_eq!(event_words(&format!("[\"{long}\"]"), ""), "a".repeat(64));
        let many: Vec<String> = (0..40_000).map(|i| format!("w{i}")).collect();
        let payload = serde_json::to_string(&many).unwrap();
        assert!(event_words(&payload, "").len() <= MAX_WORDS_BYTES);
    }

    #[test]
    fn a_query_is_each_word_as_a_prefix() {
        assert_eq!(
            query(DatabaseKind::Sqlite, "Ledger_entries \"x"),
            Some("\"ledger\"* AND \"entries\"* AND \"x\"*".into())
        );
        assert_eq!(
            query(DatabaseKind::Postgres, "ledger-entries"),
            Some("ledger:* & entries:*".into())
        );
        assert_eq!(query(DatabaseKind::Sqlite, " -- ' "), None);
    }
}
