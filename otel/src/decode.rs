//! Reading OTLP: a `POST /v1/traces` body (protobuf or JSON, gzip or not) and a
//! collector's file exporter output (JSON Lines, or protobuf messages each after a
//! 4-byte big-endian length), within limits. What does not fit is refused whole.

use std::io::Read as _;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use prost::Message as _;

use crate::Request;

/// How much one request (or one message of a file) may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the body once decompressed.
    pub max_bytes: usize,
    /// Spans in one request (one line or message of a file).
    pub max_spans: usize,
    /// Bytes of text in one attribute value.
    pub max_attribute_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_spans: 20_000,
            max_attribute_bytes: 1 << 20,
        }
    }
}

/// Why a request or file was refused (nothing of it is stored).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Neither `application/x-protobuf` nor `application/json`.
    #[error("the content type {0:?} is not OTLP: send application/x-protobuf or application/json")]
    ContentType(String),
    /// A `Content-Encoding` other than gzip.
    #[error("the content encoding {0:?} is not supported: send gzip or none")]
    Encoding(String),
    /// Not OTLP in the format it claims.
    #[error("{0}")]
    Malformed(String),
    /// More bytes than allowed, once decompressed.
    #[error("the body is more than {limit} bytes once decompressed (max OTLP bytes)")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// More spans than allowed in one request.
    #[error("the request has {count} spans; the limit is {limit} per request (max OTLP spans): send smaller batches")]
    TooManySpans {
        /// How many it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An attribute value larger than allowed.
    #[error("attribute {key} of {place} is {size} bytes; the limit is {limit} (max OTLP attribute bytes)")]
    AttributeTooLarge {
        /// Its name.
        key: String,
        /// Where: "span NAME", "the resource", …
        place: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl Refused {
    /// The stable code an API error carries.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::ContentType(_) => "otlp.content_type",
            Refused::Encoding(_) => "otlp.content_encoding",
            Refused::Malformed(_) => "otlp.malformed",
            Refused::TooLarge { .. } => "otlp.too_large",
            Refused::TooManySpans { .. } => "otlp.too_many_spans",
            Refused::AttributeTooLarge { .. } => "otlp.attribute_too_large",
        }
    }
}

/// OTLP/HTTP's two encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Binary protobuf (`application/x-protobuf`).
    Protobuf,
    /// OTLP/JSON (`application/json`).
    Json,
}

impl Format {
    /// The format a `Content-Type` names (parameters such as `charset` ignored).
    pub fn of(content_type: &str) -> Result<Format, Refused> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Format::Protobuf),
            "application/json" => Ok(Format::Json),
            _ => Err(Refused::ContentType(content_type.to_owned())),
        }
    }

    /// The content type an answer in this format carries.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => "application/x-protobuf",
            Format::Json => "application/json",
        }
    }
}

/// `bytes` decompressed (gzip), refused past `limit` bytes.
fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Refused::Malformed(format!("the body is not gzip: {e}")))?;
    if out.len() > limit {
        return Err(Refused::TooLarge { limit });
    }
    Ok(out)
}

/// One message in `format`.
fn message(bytes: &[u8], format: Format) -> Result<Request, Refused> {
    match format {
        Format::Protobuf => Request::decode(bytes).map_err(|e| {
            Refused::Malformed(format!(
                "the body is not an OTLP ExportTraceServiceRequest in protobuf: {e}"
            ))
        }),
        Format::Json => serde_json::from_slice(bytes).map_err(|e| {
            Refused::Malformed(format!(
                "the body is not an OTLP ExportTraceServiceRequest in JSON: {e}"
            ))
        }),
    }
}

/// A `POST /v1/traces` body, with its `Content-Type` and `Content-Encoding`.
pub fn body(
    bytes: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    limits: &Limits,
) -> Result<(Format, Request), Refused> {
    let format = Format::of(content_type.unwrap_or_default())?;
    let decompressed;
    let bytes = match content_encoding.map(|e| e.trim().to_ascii_lowercase()) {
        None => bytes,
        Some(e) if e.is_empty() || e == "identity" => bytes,
        Some(e) if e == "gzip" => {
            decompressed = gunzip(bytes, limits.max_bytes)?;
            &decompressed
        }
        Some(e) => return Err(Refused::Encoding(e)),
    };
    if bytes.len() > limits.max_bytes {
        return Err(Refused::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let request = message(bytes, format)?;
    check(&request, limits)?;
    Ok((format, request))
}

/// What a collector's file exporter wrote: OTLP/JSON, one request a line, or
/// protobuf messages each after its length (4 bytes, big-endian); gzip or not.
pub fn file(bytes: &[u8], limits: &Limits) -> Result<Vec<Request>, Refused> {
    let decompressed;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        decompressed = gunzip(bytes, limits.max_bytes)?;
        &decompressed[..]
    } else {
        bytes
    };
    let mut requests = Vec::new();
    let json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_none_or(|b| *b == b'{');
    if json {
        for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let request = message(line, Format::Json)
                .map_err(|e| Refused::Malformed(format!("line {}: {e}", n + 1)))?;
            check(&request, limits).map_err(|e| match e {
                Refused::Malformed(m) => Refused::Malformed(format!("line {}: {m}", n + 1)),
                other => other,
            })?;
            requests.push(request);
        }
    } else {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = requests.len() + 1;
            let (len, tail) = rest.split_at_checked(4).ok_or_else(|| {
                Refused::Malformed(format!("message {n}: the file ends inside its length"))
            })?;
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            if len > limits.max_bytes {
                return Err(Refused::TooLarge {
                    limit: limits.max_bytes,
                });
            }
            let (body, tail) = tail.split_at_checked(len).ok_or_else(|| {
                Refused::Malformed(format!(
                    "message {n}: the file ends before its {len} bytes (neither OTLP/JSON lines nor length-prefixed protobuf)"
                ))
            })?;
            let request = message(body, Format::Protobuf)
                .map_err(|e| Refused::Malformed(format!("message {n}: {e}")))?;
            check(&request, limits)?;
            requests.push(request);
            rest = tail;
        }
    }
    Ok(requests)
}

/// How many spans `request` holds.
pub fn span_count(request: &Request) -> usize {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

/// Refuses a request with more spans, or a larger attribute value, than `limits`.
pub fn check(request: &Request, limits: &Limits) -> Result<(), Refused> {
    let count = span_count(request);
    if count > limits.max_spans {
        return Err(Refused::TooManySpans {
            count,
            limit: limits.max_spans,
        });
    }
    let within = |pairs: &[KeyValue], place: &dyn Fn() -> String| -> Result<(), Refused> {
        for kv in pairs {
            let size = kv.value.as_ref().map_or(0, crate::value::size);
            if size > limits.max_attribute_bytes {
                return Err(Refused::AttributeTooLarge {
                    key: kv.key.clone(),
                    place: place(),
                    size,
                    limit: limits.max_attribute_bytes,
                });
            }
        }
        Ok(())
    };
    for resource in &request.resource_spans {
        if let Some(r) = &resource.resource {
            within(&r.attributes, &|| "the resource".to_owned())?;
        }
        for scope in &resource.scope_spans {
            if let Some(s) = &scope.scope {
                within(&s.attributes, &|| "the instrumentation scope".to_owned())?;
            }
            for span in &scope.spans {
                let place = || format!("span {:?}", span.name);
                within(&span.attributes, &place)?;
                for event in &span.events {
                    within(&event.attributes, &|| {
                        format!("event {:?} of span {:?}", event.name, span.name)
                    })?;
                }
                for link in &span.links {
                    within(&link.attributes, &|| {
                        format!("a link of span {:?}", span.name)
                    })?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use prost::Message as _;

    use super::*;

    fn sample() -> Request {
        crate::map::tests::sample()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(bytes).expect("compress");
        z.finish().expect("compress")
    }

    #[test]
    fn protobuf_and_json_gzip_or_not_read_the_same() {
        let request = sample();
        let proto = request.encode_to_vec();
        let json = serde_json::to_vec(&request).expect("json");
        let limits = Limits::default();
        for (bytes, ty, enc) in [
            (proto.clone(), "application/x-protobuf", None),
            (gzip(&proto), "application/x-protobuf", Some("gzip")),
            (json.clone(), "application/json; charset=utf-8", None),
            (gzip(&json), "application/json", Some("GZIP")),
        ] {
            let (_, read) = body(&bytes, Some(ty), enc, &limits).expect("read");
            assert_eq!(read, request, "{ty} {enc:?}");
        }
    }

    #[test]
    fn bad_bodies_are_refused_saying_why() {
        let limits = Limits::default();
        let proto = sample().encode_to_vec();
        let refused = |bytes: &[u8], ty: Option<&str>, enc: Option<&str>, limits: &Limits| {
            body(bytes, ty, enc, limits).expect_err("refused")
        };
        assert_eq!(
            refused(&proto, Some("text/plain"), None, &limits).code(),
            "otlp.content_type"
        );
        assert_eq!(
            refused(&proto, None, None, &limits).code(),
            "otlp.content_type"
        );
        assert_eq!(
            refused(&proto, Some("application/x-protobuf"), Some("br"), &limits).code(),
            "otlp.content_encoding"
        );
        let truncated = refused(
            &proto[..proto.len() - 7],
            Some("application/x-protobuf"),
            None,
            &limits,
        );
        assert_eq!(truncated.code(), "otlp.malformed");
        assert!(truncated.to_string().contains("protobuf"), "{truncated}");
        assert_eq!(
            refused(
                b"{\"resourceSpans\": 3}",
                Some("application/json"),
                None,
                &limits
            )
            .code(),
            "otlp.malformed"
        );
        assert_eq!(
            refused(b"not gzip", Some("application/json"), Some("gzip"), &limits).code(),
            "otlp.malformed"
        );
        // A gzip bomb stops at the limit.
        let small = Limits {
            max_bytes: 1000,
            ..limits
        };
        let bomb = gzip(&vec![b' '; 100_000]);
        assert_eq!(
            refused(&bomb, Some("application/json"), Some("gzip"), &small),
            Refused::TooLarge { limit: 1000 }
        );
        let few = Limits {
            max_spans: 4,
            ..limits
        };
        assert_eq!(
            refused(&proto, Some("application/x-protobuf"), None, &few),
            Refused::TooManySpans { count: 5, limit: 4 }
        );
        let tight = Limits {
            max_attribute_bytes: 20,
            ..limits
        };
        let e = refused(&proto, Some("application/x-protobuf"), None, &tight);
        assert_eq!(e.code(), "otlp.attribute_too_large");
        assert!(e.to_string().contains("gen_ai.tool.call.arguments"), "{e}");
    }

    #[test]
    fn a_file_exporters_output_is_read_as_json_lines_or_framed_protobuf() {
        let request = sample();
        let limits = Limits::default();
        let line = serde_json::to_string(&request).expect("json");
        let lines = format!("{line}\n\n{line}\n");
        assert_eq!(file(lines.as_bytes(), &limits).expect("read").len(), 2);
        assert_eq!(
            file(&gzip(lines.as_bytes()), &limits).expect("read").len(),
            2
        );
        let proto = request.encode_to_vec();
        let mut framed = Vec::new();
        for _ in 0..3 {
            framed.extend((proto.len() as u32).to_be_bytes());
            framed.extend(&proto);
        }
        let read = file(&framed, &limits).expect("read");
        assert_eq!(read.len(), 3);
        assert_eq!(read[2], request);
        let e = file(&framed[..framed.len() - 3], &limits).expect_err("cut short");
        assert!(e.to_string().contains("message 3"), "{e}");
        let e = file(
            format!("{line}\n{{\"resourceSpans\": 1}}\n").as_bytes(),
            &limits,
        )
        .expect_err("bad line");
        assert!(e.to_string().starts_with("line 2:"), "{e}");
    }
}
