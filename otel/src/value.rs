//! Attribute values: OTLP's `AnyValue` as JSON, and a span's attributes looked up by
//! their current or older names.

use std::collections::HashMap;

use base64::Engine as _;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use serde_json::{json, Map, Value};

/// `value` as JSON: strings, booleans and numbers as themselves, arrays and
/// key-value lists as arrays and objects (the first of two equal keys kept), bytes
/// as base64, a double that is not finite as its text, an empty value as `null`.
pub fn json(value: &AnyValue) -> Value {
    match &value.value {
        None => Value::Null,
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(i)) => Value::from(*i),
        Some(Any::DoubleValue(d)) => serde_json::Number::from_f64(*d)
            .map_or_else(|| Value::String(d.to_string()), Value::Number),
        Some(Any::ArrayValue(a)) => Value::Array(a.values.iter().map(json).collect()),
        Some(Any::KvlistValue(kv)) => Value::Object(object(&kv.values)),
        Some(Any::BytesValue(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        // An index into a profile's string table: no meaning in a trace.
        Some(Any::StringValueStrindex(i)) => json!({ "stringIndex": i }),
    }
}

/// Key-value pairs as a JSON object; of two equal keys the first is kept.
pub fn object(pairs: &[KeyValue]) -> Map<String, Value> {
    let mut map = Map::new();
    for kv in pairs {
        if !map.contains_key(&kv.key) {
            map.insert(kv.key.clone(), kv.value.as_ref().map_or(Value::Null, json));
        }
    }
    map
}

/// How many bytes of text a value holds (strings and bytes, through arrays and lists).
pub fn size(value: &AnyValue) -> usize {
    match &value.value {
        Some(Any::StringValue(s)) => s.len(),
        Some(Any::BytesValue(b)) => b.len(),
        Some(Any::ArrayValue(a)) => a.values.iter().map(size).sum(),
        Some(Any::KvlistValue(kv)) => kv
            .values
            .iter()
            .map(|p| p.key.len() + p.value.as_ref().map_or(0, size))
            .sum(),
        _ => 0,
    }
}

/// A span's (or resource's) attributes by name; of two equal keys the first is kept.
pub struct Attrs<'a>(HashMap<&'a str, &'a AnyValue>);

impl<'a> Attrs<'a> {
    /// The attributes of `pairs`.
    pub fn of(pairs: &'a [KeyValue]) -> Self {
        let mut map = HashMap::new();
        for kv in pairs {
            if let Some(v) = &kv.value {
                map.entry(kv.key.as_str()).or_insert(v);
            }
        }
        Attrs(map)
    }

    /// The first of `names` present, as text: a string as itself, a number or a
    /// boolean as its JSON; empty strings are absent.
    pub fn text(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| {
            let v = self.0.get(n)?;
            match &v.value {
                Some(Any::StringValue(s)) if !s.is_empty() => Some(s.clone()),
                Some(Any::StringValue(_)) | None => None,
                Some(Any::IntValue(i)) => Some(i.to_string()),
                Some(Any::BoolValue(b)) => Some(b.to_string()),
                Some(_) => Some(json(v).to_string()),
            }
        })
    }

    /// The first of `names` present, as the text that was recorded: a string as it
    /// is (JSON text, most often), a structured value as its JSON text.
    pub fn recorded(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| {
            let v = self.0.get(n)?;
            match &v.value {
                Some(Any::StringValue(s)) => Some(s.clone()),
                None => None,
                Some(_) => Some(json(v).to_string()),
            }
        })
    }

    /// Whether any attribute's name starts with `prefix`.
    pub fn any_with(&self, prefix: &str) -> bool {
        self.0.keys().any(|k| k.starts_with(prefix))
    }
}
