//! OpenTelemetry traces read into Custody events.
//!
//! [`decode`] reads what an exporter sends to `POST /v1/traces` (OTLP/HTTP, protobuf
//! or JSON, gzip or not) and what a collector's file exporter writes, within
//! [`Limits`], with the `opentelemetry-proto` types. [`map`] turns spans that follow the
//! GenAI and MCP semantic conventions (current and older attribute names) into event
//! payloads, each naming its `source`, for a collector to sign on receipt; spans
//! without GenAI attributes are kept as `system` events for context. The mapping,
//! attribute by attribute, is in `docs/otel-import.md`.

pub mod decode;
pub mod map;
pub mod seal;
mod value;

pub use decode::{Format, Limits, Refused};
pub use map::{events, Mapped, Receipt};
pub use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest as Request;
pub use seal::{seal, Collector};

/// The protocol named in each event's `source.protocol`.
pub const PROTOCOL: &str = "otlp";
