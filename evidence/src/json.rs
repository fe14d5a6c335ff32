//! Strict JSON for signed payloads: duplicate object keys are refused (two readers
//! could otherwise see two different documents in the same signed bytes), nesting is
//! bounded, and the text must be UTF-8. Everything else is RFC 8259 as serde_json
//! reads it.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The deepest nesting of arrays and objects accepted by default.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Why bytes are not strict JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// An object has the same key twice.
    #[error("duplicate key {0:?} in a JSON object")]
    DuplicateKey(String),
    /// Arrays and objects are nested deeper than allowed.
    #[error("JSON nested deeper than {0} levels")]
    TooDeep(usize),
    /// The bytes are not JSON (with serde_json's line and column).
    #[error("not valid JSON: {0}")]
    Syntax(String),
    /// The bytes are JSON, but a value is not of the type or range its member
    /// requires (`-0` or `1.0` where an unsigned integer belongs, say).
    #[error("valid JSON, but {0}")]
    Value(String),
}

/// Parses `bytes` as one strict JSON document nested at most `max_depth` deep.
pub fn parse(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // Our own depth bound replaces serde_json's fixed one (it stays below it).
    let value = Strict {
        depth: 0,
        max_depth: max_depth.min(DEFAULT_MAX_DEPTH * 2),
    }
    .deserialize(&mut de)
    .map_err(classify)?;
    de.end().map_err(classify)?;
    Ok(value)
}

/// The deepest nesting of arrays and objects in `bytes`, read without parsing (the
/// bytes need not be valid JSON): a cheap bound to check before a typed parse.
pub fn depth_of(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Where a document may hold arrays: serde's derived readers accept a JSON array in
/// place of an object (fields by position), which would let two readers see two
/// documents in the same signed bytes. A [`Shape`] says which members may be arrays
/// and which members are free-form; everywhere else only objects and scalars pass.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Members whose value is an array (of objects or scalars, not of arrays).
    pub arrays: &'static [&'static str],
    /// Members whose value is any JSON (nothing inside them is constrained).
    pub free: &'static [&'static str],
}

/// Why `bytes` cannot be the `what` (a bundle, an envelope, …) by its shape alone:
/// empty, opened with a byte order mark, not a JSON object, or with an array where
/// `shape` allows none; `None` when its shape is right (its content is checked when
/// it is parsed).
pub fn shape_problem(bytes: &[u8], shape: &Shape, what: &str) -> Option<String> {
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Some(format!(
            "the {what} starts with a byte order mark (U+FEFF), which this JSON text must not have"
        ));
    }
    let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Some(format!("the {what} is empty"));
    };
    if first != b'{' {
        let shown = if first.is_ascii_graphic() {
            format!("`{}`", char::from(first))
        } else {
            format!("byte 0x{first:02x}")
        };
        return Some(format!(
            "the {what} is not a JSON object: it starts with {shown}"
        ));
    }
    (!has_shape(bytes, shape))
        .then(|| "an array stands where the format requires an object".to_owned())
}

/// Whether `bytes` is an object whose arrays stand only where `shape` allows them.
/// Reads without parsing; the bytes are parsed (and refused if not JSON) afterwards.
pub fn has_shape(bytes: &[u8], shape: &Shape) -> bool {
    #[derive(Clone, Copy)]
    struct Frame {
        array: bool,
        free: bool,
    }
    let mut stack: Vec<Frame> = Vec::new();
    // The last key read in the innermost object (unescaped: `"\u0065vents"` is the
    // name `events`), and whether the next string is a key.
    let mut key: std::borrow::Cow<'_, [u8]> = std::borrow::Cow::Borrowed(b"");
    let mut expect_key = false;
    let mut i = 0;
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if first.and_then(|f| bytes.get(f)) != Some(&b'{') {
        return false;
    }
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                // Strings are most of a bundle (base64 payloads): skip them fast.
                while let Some(rest) = bytes.get(j..) {
                    match memchr::memchr2(b'"', b'\\', rest) {
                        Some(at) if rest.get(at) == Some(&b'\\') => j += at + 2,
                        Some(at) => {
                            j += at;
                            break;
                        }
                        None => {
                            j = bytes.len();
                            break;
                        }
                    }
                }
                if expect_key {
                    let raw = bytes.get(start..j).unwrap_or_default();
                    key = if raw.contains(&b'\\') {
                        // Names compare after unescaping; text that does not unescape
                        // is refused when the bytes are parsed.
                        bytes
                            .get(start.saturating_sub(1)..(j + 1).min(bytes.len()))
                            .and_then(|quoted| serde_json::from_slice::<String>(quoted).ok())
                            .map_or(std::borrow::Cow::Borrowed(raw), |name| {
                                std::borrow::Cow::Owned(name.into_bytes())
                            })
                    } else {
                        std::borrow::Cow::Borrowed(raw)
                    };
                    expect_key = false;
                }
                i = j + 1;
                continue;
            }
            b'{' | b'[' => {
                let parent = stack.last().copied();
                let free = match parent {
                    None => false,
                    Some(p) if p.free => true,
                    Some(p) if p.array => false,
                    Some(_) => shape.free.iter().any(|f| f.as_bytes() == &*key),
                };
                if b == b'[' && !free {
                    let allowed = match parent {
                        Some(p) if !p.array => shape.arrays.iter().any(|a| a.as_bytes() == &*key),
                        _ => false,
                    };
                    if !allowed {
                        return false;
                    }
                }
                stack.push(Frame {
                    array: b == b'[',
                    free,
                });
                expect_key = b == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last().is_some_and(|f| !f.array),
            _ => {}
        }
        i += 1;
    }
    true
}

/// Reads `bytes` as one `T`, strictly: nesting at most `max_depth` deep, and (with
/// serde's derive refusing a field given twice, and [`strict_value`] inside
/// free-form members) no duplicate keys anywhere.
pub fn parse_typed<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    max_depth: usize,
) -> Result<T, JsonError> {
    if depth_of(bytes) > max_depth {
        return Err(JsonError::TooDeep(max_depth));
    }
    serde_json::from_slice(bytes).map_err(classify)
}

/// For `#[serde(deserialize_with)]` on a free-form member: any JSON value, with
/// duplicate keys refused at every depth.
pub fn strict_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Strict {
        depth: 0,
        max_depth: DEFAULT_MAX_DEPTH * 2,
    }
    .deserialize(deserializer)
    .map(Some)
}

/// [`strict_value`] for a member that must be an object.
pub fn strict_object<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    match strict_value(deserializer)? {
        Some(Value::Object(map)) => Ok(Some(map)),
        _ => Err(D::Error::custom("expected a JSON object")),
    }
}

const DUPLICATE: &str = "custody-duplicate-key:";
const TOO_DEEP: &str = "custody-too-deep:";

/// Recovers our own errors from serde_json's, which carry them as text.
fn classify(err: serde_json::Error) -> JsonError {
    let text = err.to_string();
    if let Some(rest) = text.strip_prefix(DUPLICATE) {
        let key = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
        return JsonError::DuplicateKey(key.to_owned());
    }
    if let Some(rest) = text.strip_prefix(TOO_DEEP) {
        let depth = rest
            .split_whitespace()
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        return JsonError::TooDeep(depth);
    }
    match err.classify() {
        serde_json::error::Category::Data => JsonError::Value(text),
        _ => JsonError::Syntax(text),
    }
}

#[derive(Clone, Copy)]
struct Strict {
    depth: usize,
    max_depth: usize,
}

impl Strict {
    fn deeper<E: serde::de::Error>(self) -> Result<Strict, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(format_args!(
                "{TOO_DEEP}{} levels",
                self.max_depth
            )));
        }
        Ok(Strict {
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut seen = BTreeSet::new();
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format_args!("{DUPLICATE}{key}")));
            }
            let value = map.next_value_seed(inner)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_document_parses() {
        let v = parse(br#"{"a":[1,2,{"b":null}],"c":"d"}"#, 8).unwrap();
        assert_eq!(v["a"][2]["b"], Value::Null);
    }

    #[test]
    fn a_text_of_the_wrong_shape_is_named_for_what_it_is() {
        let shape = Shape {
            arrays: &["events"],
            free: &[],
        };
        let problem = |bytes: &[u8]| shape_problem(bytes, &shape, "bundle").unwrap_or_default();
        assert!(problem(b"\xef\xbb\xbf{}").contains("byte order mark"));
        assert_eq!(problem(b" \n "), "the bundle is empty");
        assert_eq!(problem(b""), "the bundle is empty");
        assert!(
            problem(b"[1]").contains("starts with `[`"),
            "{}",
            problem(b"[1]")
        );
        assert!(problem(b"\x00").contains("byte 0x00"));
        assert!(problem(br#"{"other": [1]}"#).contains("an array stands"));
        assert_eq!(shape_problem(br#"{"events": []}"#, &shape, "bundle"), None);
    }

    #[test]
    fn member_names_compare_after_unescaping() {
        let shape = Shape {
            arrays: &["events", "onBehalfOf"],
            free: &["ext"],
        };
        for good in [
            r#"{"events": [1]}"#,
            r#"{"\u0065vents": [1]}"#,
            r#"{"on\u0042ehalfOf": [{"a": 1}]}"#,
            r#"{"\u0065xt": {"list": [1, [2]]}}"#,
            r#"{"a\"b": {"c": 1}, "events": []}"#,
        ] {
            assert!(has_shape(good.as_bytes(), &shape), "{good}");
        }
        for bad in [r#"{"other": [1]}"#, r#"{"\u0065vent": [1]}"#] {
            assert!(!has_shape(bad.as_bytes(), &shape), "{bad}");
        }
        // An event whose member names are written with escapes reads as the same event.
        let plain = serde_json::json!({
            "emitter": "e", "seq": 0, "prev": null, "time": "2026-11-20T10:00:00Z",
            "id": "x", "kind": "system", "actor": {"type": "agent", "id": "a"},
            "onBehalfOf": [{"type": "human", "id": "h"}],
        })
        .to_string();
        let escaped = plain.replace("\"onBehalfOf\"", "\"on\\u0042ehalfOf\"");
        assert_ne!(plain, escaped);
        assert_eq!(
            crate::event::Event::parse(escaped.as_bytes(), 16),
            crate::event::Event::parse(plain.as_bytes(), 16)
        );
        assert!(crate::event::Event::parse(escaped.as_bytes(), 16).is_ok());
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert_eq!(
            parse(br#"{"a":1,"a":2}"#, 8),
            Err(JsonError::DuplicateKey("a".into()))
        );
        assert_eq!(
            parse(br#"{"x":[{"k":1,"k":1}]}"#, 8),
            Err(JsonError::DuplicateKey("k".into()))
        );
        // The same key in sibling objects is fine.
        assert!(parse(br#"[{"k":1},{"k":2}]"#, 8).is_ok());
    }

    #[test]
    fn nesting_is_bounded() {
        assert!(parse(b"[[[1]]]", 3).is_ok());
        assert_eq!(parse(b"[[[[1]]]]", 3), Err(JsonError::TooDeep(3)));
        assert_eq!(
            parse(br#"{"a":{"b":{"c":{}}}}"#, 3),
            Err(JsonError::TooDeep(3))
        );
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse(deep.as_bytes(), DEFAULT_MAX_DEPTH),
            Err(JsonError::TooDeep(DEFAULT_MAX_DEPTH))
        );
    }

    #[test]
    fn depth_is_read_without_parsing_and_ignores_brackets_in_strings() {
        assert_eq!(depth_of(b"1"), 0);
        assert_eq!(depth_of(br#"{"a":[1,{"b":[]}]}"#), 4);
        assert_eq!(depth_of(br#"{"a":"[[[[\"{{{"}"#), 1);
        assert_eq!(depth_of(br#"["\\",[]]"#), 2);
    }

    #[test]
    fn arrays_stand_only_where_the_shape_allows() {
        let shape = Shape {
            arrays: &["list"],
            free: &["ext"],
        };
        assert!(has_shape(br#" {"a":{"b":1},"list":[{"c":2},3]}"#, &shape));
        assert!(has_shape(
            br#"{"ext":[[1],{"x":[]}],"s":"[not an array]"}"#,
            &shape
        ));
        assert!(has_shape(br#"{"k\"ey":"v","list":[]}"#, &shape));
        assert!(!has_shape(br#"["a",1]"#, &shape));
        assert!(!has_shape(br#"{"a":[1]}"#, &shape));
        assert!(!has_shape(br#"{"a":{"b":[1]}}"#, &shape));
        assert!(!has_shape(br#"{"list":[[1]]}"#, &shape));
        // A key named like an allowed one but inside another member's value.
        assert!(!has_shape(br#"{"a":{"x":"list","y":[1]}}"#, &shape));
    }

    #[test]
    fn typed_parsing_is_strict_too() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[expect(dead_code, reason = "only there to be parsed")]
            a: u8,
            #[serde(default, deserialize_with = "strict_value")]
            free: Option<Value>,
        }
        assert!(parse_typed::<T>(br#"{"a":1,"free":{"x":[1]}}"#, 8).is_ok());
        assert!(parse_typed::<T>(br#"{"a":1,"a":2}"#, 8).is_err());
        assert_eq!(
            parse_typed::<T>(br#"{"a":1,"free":{"x":1,"x":2}}"#, 8).map(|t| t.free),
            Err(JsonError::DuplicateKey("x".into()))
        );
        assert_eq!(
            parse_typed::<T>(br#"{"a":1,"free":[[[[]]]]}"#, 4).map(|t| t.free),
            Err(JsonError::TooDeep(4))
        );
    }

    #[test]
    fn trailing_bytes_and_bad_utf8_are_syntax_errors() {
        assert!(matches!(parse(b"{} x", 8), Err(JsonError::Syntax(_))));
        assert!(matches!(parse(b"\"\xff\"", 8), Err(JsonError::Syntax(_))));
    }
}
