//! The payload of an event (format v1): who did what, for whom, under which
//! credential and policy decision, approved by whom, and what changed.
//!
//! Every field is named in `docs/bundle-format.md` and in the JSON Schema
//! `docs/schema/event.v1.schema.json`. Unknown fields are refused (producers put their
//! own under `ext`), so two readers can never disagree about what a signed event says.
//! [`Event::check`] adds the rules a schema states per event kind.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What happened, from a closed vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Kind {
    /// A human signed in (an SSO session began).
    #[serde(rename = "session.start")]
    SessionStart,
    /// A request or prompt reached an actor (a human asking an agent, say).
    #[serde(rename = "request")]
    Request,
    /// A task and scope were delegated from one actor to another.
    #[serde(rename = "task.delegate")]
    TaskDelegate,
    /// Data was retrieved for an actor's context.
    #[serde(rename = "retrieval")]
    Retrieval,
    /// A model produced output.
    #[serde(rename = "model.output")]
    ModelOutput,
    /// An actor called a tool.
    #[serde(rename = "tool.call")]
    ToolCall,
    /// A tool returned.
    #[serde(rename = "tool.result")]
    ToolResult,
    /// An outbound network request.
    #[serde(rename = "http.request")]
    HttpRequest,
    /// A policy engine decided.
    #[serde(rename = "policy.decision")]
    PolicyDecision,
    /// A credential was issued.
    #[serde(rename = "credential.issue")]
    CredentialIssue,
    /// A credential was exchanged for another (token exchange, refresh).
    #[serde(rename = "credential.exchange")]
    CredentialExchange,
    /// A credential was presented.
    #[serde(rename = "credential.use")]
    CredentialUse,
    /// A credential was revoked.
    #[serde(rename = "credential.revoke")]
    CredentialRevoke,
    /// A human approval was asked for.
    #[serde(rename = "approval.request")]
    ApprovalRequest,
    /// A human approval was decided.
    #[serde(rename = "approval.decision")]
    ApprovalDecision,
    /// A resource changed.
    #[serde(rename = "side_effect")]
    SideEffect,
    /// Anything else a system records.
    #[serde(rename = "system")]
    System,
}

impl Kind {
    /// Every kind, in the order the spec lists them.
    pub const ALL: [Kind; 17] = [
        Kind::SessionStart,
        Kind::Request,
        Kind::TaskDelegate,
        Kind::Retrieval,
        Kind::ModelOutput,
        Kind::ToolCall,
        Kind::ToolResult,
        Kind::HttpRequest,
        Kind::PolicyDecision,
        Kind::CredentialIssue,
        Kind::CredentialExchange,
        Kind::CredentialUse,
        Kind::CredentialRevoke,
        Kind::ApprovalRequest,
        Kind::ApprovalDecision,
        Kind::SideEffect,
        Kind::System,
    ];

    /// The kind's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SessionStart => "session.start",
            Kind::Request => "request",
            Kind::TaskDelegate => "task.delegate",
            Kind::Retrieval => "retrieval",
            Kind::ModelOutput => "model.output",
            Kind::ToolCall => "tool.call",
            Kind::ToolResult => "tool.result",
            Kind::HttpRequest => "http.request",
            Kind::PolicyDecision => "policy.decision",
            Kind::CredentialIssue => "credential.issue",
            Kind::CredentialExchange => "credential.exchange",
            Kind::CredentialUse => "credential.use",
            Kind::CredentialRevoke => "credential.revoke",
            Kind::ApprovalRequest => "approval.request",
            Kind::ApprovalDecision => "approval.decision",
            Kind::SideEffect => "side_effect",
            Kind::System => "system",
        }
    }
}

/// What sort of actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    /// A person.
    Human,
    /// An AI agent.
    Agent,
    /// A service account or workload identity.
    Service,
    /// A tool an agent calls.
    Tool,
    /// Infrastructure acting on its own (a scheduler, a gateway).
    System,
}

impl ActorType {
    /// Every type.
    pub const ALL: [ActorType; 5] = [
        ActorType::Human,
        ActorType::Agent,
        ActorType::Service,
        ActorType::Tool,
        ActorType::System,
    ];

    /// The type's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::Human => "human",
            ActorType::Agent => "agent",
            ActorType::Service => "service",
            ActorType::Tool => "tool",
            ActorType::System => "system",
        }
    }
}

/// An identity that did or intended something.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Actor {
    /// What sort of actor.
    #[serde(rename = "type")]
    pub kind: ActorType,
    /// Its stable identity: an OIDC subject or email, a SPIFFE ID, an account name.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The session it acts in (a human's SSO session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The running instance (an agent's process or pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The model behind an agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The model's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
}

/// A token or other credential.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Credential {
    /// Its identifier (a JWT `jti`, say).
    pub token_id: String,
    /// Who issued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Whom it was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What it allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// When it was issued (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// When it expires (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The token it was exchanged from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchanged_from: Option<String>,
}

/// A policy engine's decision.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Decision {
    /// The engine (OPA, Cedar, …).
    pub engine: String,
    /// The policy's identifier.
    pub policy_id: String,
    /// The policy's version.
    pub policy_version: String,
    /// `allow` or `deny`.
    pub decision: Verdict,
    /// The decision's identifier, which actions reference.
    pub decision_id: String,
    /// Hash of the input the engine decided on.
    pub input_hash: String,
}

/// A policy outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Allowed.
    Allow,
    /// Denied.
    Deny,
}

impl Verdict {
    /// The outcome's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        }
    }
}

/// A human approval: asked of whom, decided by whom.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Approval {
    /// The approval's identifier, which actions reference.
    pub approval_id: String,
    /// Who was asked.
    #[serde(default)]
    pub asked_of: Vec<Actor>,
    /// Who decided (on `approval.decision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Actor>,
    /// What they decided (on `approval.decision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ApprovalOutcome>,
    /// Conditions attached to the approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<String>,
}

/// An approver's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalOutcome {
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

impl ApprovalOutcome {
    /// The answer as a past-tense verb, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalOutcome::Approved => "approved",
            ApprovalOutcome::Rejected => "rejected",
        }
    }
}

/// A grant of a task and scope from one actor to another.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Delegation {
    /// The delegate.
    pub to: Actor,
    /// What the delegate may do.
    pub scope: Vec<String>,
}

/// Content seen or produced: always its hash, the content itself optionally.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Content {
    /// `sha256:` and 64 lowercase hex digits.
    pub hash: String,
    /// The content, when the producer chose to include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Its media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// A tool invocation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tool {
    /// The tool's name.
    pub name: String,
    /// Hash of the arguments (of their JSON text as sent); absent when whoever
    /// recorded the call did not see them (a trace that left them out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments_hash: Option<String>,
    /// The arguments, when included.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::json::strict_value"
    )]
    pub arguments: Option<Value>,
    /// The call's identifier (a model's tool call id, an MCP JSON-RPC request id):
    /// how a call recorded by two parties is matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
}

/// How the emitter came to record an event it did not itself witness: a collector
/// that received it from another system, or read it from a file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Source {
    /// `received` or `imported`.
    pub via: Via,
    /// The protocol or format it came in (`otlp`).
    pub protocol: String,
    /// When the emitter received or read it (RFC 3339, UTC).
    pub received_at: String,
    /// Who reported it (an OpenTelemetry resource's `service.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// The file it was read from (`imported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// How a source reached the emitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Sent to it by the system that observed the event (over OTLP/HTTP, say), and
    /// signed on receipt.
    Received,
    /// Read from a file another program wrote.
    Imported,
}

/// Who vouches for what an event says: derived from its `source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Signed by the emitter that observed it: its own account.
    Signed,
    /// Reported by another system and signed by the collector on receipt: the
    /// collector vouches for what it received, not for what happened.
    Attested,
    /// Read from a file and signed by the collector that read it: it vouches for
    /// the file's content, not for who wrote the file.
    Imported,
}

impl Provenance {
    /// Every provenance, strongest first.
    pub const ALL: [Provenance; 3] = [
        Provenance::Signed,
        Provenance::Attested,
        Provenance::Imported,
    ];

    /// Its code, as exports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Signed => "signed",
            Provenance::Attested => "attested",
            Provenance::Imported => "imported",
        }
    }

    /// The provenance whose code is `code`.
    pub fn parse(code: &str) -> Option<Provenance> {
        Provenance::ALL.into_iter().find(|p| p.as_str() == code)
    }

    /// The badge's words.
    pub fn label(self) -> &'static str {
        match self {
            Provenance::Signed => "signed by its emitter",
            Provenance::Attested => "attested by the collector on receipt",
            Provenance::Imported => "imported from a file",
        }
    }

    /// Whether the event rests on its own emitter's signature.
    pub fn is_signed(self) -> bool {
        self == Provenance::Signed
    }
}

/// An outbound request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Request {
    /// The method (`GET`, `POST`, …).
    pub method: String,
    /// The target URL.
    pub url: String,
    /// The response status, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// A change to a resource.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Change {
    /// The resource changed (a URI or name).
    pub resource: String,
    /// What was done (`update`, `create`, `delete`, `export`, …).
    pub operation: String,
    /// A human-readable summary of what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Hash of the resource before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_hash: Option<String>,
    /// Hash of the resource after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_hash: Option<String>,
    /// `success` or `failure`.
    pub outcome: Outcome,
}

/// Whether a change happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was attempted and failed.
    Failure,
}

/// One event's payload.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Event {
    /// The component that emitted and signed the event (its bound identity).
    pub emitter: String,
    /// Its place in the emitter's chain, from 0.
    pub seq: u64,
    /// Digest of the emitter's previous event (hex), `null` for the first. Required,
    /// even when `null`.
    #[serde(deserialize_with = "nullable")]
    pub prev: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub time: String,
    /// Unique within the bundle; other events reference it.
    pub id: String,
    /// What happened.
    pub kind: Kind,
    /// Who executed this action.
    pub actor: Actor,
    /// Who intended it, when not the actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Box<Actor>>,
    /// On whose behalf the actor acted, nearest first (like RFC 8693 nested `act`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_behalf_of: Vec<Actor>,
    /// The `id` of the event that caused this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The task this event serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// A distributed trace ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// A correlation ID (a change ticket, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The delegation made (`task.delegate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Box<Delegation>>,
    /// The credential issued, exchanged, used or revoked, or under which the actor acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Box<Credential>>,
    /// The decision made (`policy.decision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Box<Decision>>,
    /// The policy decision this action rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_ref: Option<String>,
    /// The approval asked for or decided (`approval.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Box<Approval>>,
    /// The approval this action rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_ref: Option<String>,
    /// What the actor received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Box<Content>>,
    /// What the actor produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Box<Content>>,
    /// The tool called (`tool.call`, `tool.result`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<Box<Tool>>,
    /// The outbound request (`http.request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Box<Request>>,
    /// The change made (`side_effect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Box<Change>>,
    /// How a collector came to record an event another system reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Box<Source>>,
    /// The producer's own fields, which Custody keeps and shows but does not interpret.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::json::strict_object"
    )]
    pub ext: Option<Map<String, Value>>,
}

/// Where an event payload holds arrays: every other member is an object or a scalar.
pub const SHAPE: crate::json::Shape = crate::json::Shape {
    arrays: &["onBehalfOf", "scope", "askedOf"],
    free: &["ext", "arguments"],
};

/// Why a payload is not a valid event; the text names the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Event {
    /// Who vouches for what the event says.
    pub fn provenance(&self) -> Provenance {
        match self.source.as_ref().map(|s| s.via) {
            None => Provenance::Signed,
            Some(Via::Received) => Provenance::Attested,
            Some(Via::Imported) => Provenance::Imported,
        }
    }

    /// The line a reviewer reads for the event: who did what, to what.
    pub fn summary(&self) -> String {
        let who = self.actor.name.as_deref().unwrap_or(&self.actor.id);
        let kind = self.kind.as_str();
        match self.kind {
            Kind::ToolCall | Kind::ToolResult => match &self.tool {
                Some(tool) => format!("{who}: {kind} {}", tool.name),
                None => format!("{who}: {kind}"),
            },
            Kind::HttpRequest => match &self.request {
                Some(r) => format!("{who}: {} {}", r.method, r.url),
                None => format!("{who}: {kind}"),
            },
            Kind::PolicyDecision => match &self.decision {
                Some(d) => format!(
                    "{}: {} {} ({})",
                    d.engine,
                    d.decision.as_str(),
                    d.policy_id,
                    d.policy_version
                ),
                None => kind.into(),
            },
            Kind::TaskDelegate => match &self.delegation {
                Some(d) => format!("{who} delegated to {}", d.to.id),
                None => format!("{who}: {kind}"),
            },
            Kind::ApprovalRequest | Kind::ApprovalDecision => match &self.approval {
                Some(a) => match (&a.decided_by, a.decision) {
                    (Some(by), Some(outcome)) => {
                        format!("{} {} approval {}", by.id, outcome.as_str(), a.approval_id)
                    }
                    _ => format!("{who} asked for approval {}", a.approval_id),
                },
                None => format!("{who}: {kind}"),
            },
            Kind::SideEffect => match &self.change {
                Some(c) => format!("{who}: {} {}", c.operation, c.resource),
                None => format!("{who}: {kind}"),
            },
            Kind::CredentialIssue
            | Kind::CredentialExchange
            | Kind::CredentialUse
            | Kind::CredentialRevoke => match &self.credential {
                Some(c) => format!("{who}: {kind} {}", c.token_id),
                None => format!("{who}: {kind}"),
            },
            _ => format!("{who}: {kind}"),
        }
    }

    /// Reads an event from its payload bytes, strictly (see [`crate::json`]), nested
    /// at most `max_depth` deep, and checks the rules per kind.
    pub fn parse(payload: &[u8], max_depth: usize) -> Result<Event, Invalid> {
        if !crate::json::has_shape(payload, &SHAPE) {
            return Err(Invalid(
                "an event is a JSON object, and arrays stand only at onBehalfOf, scope, askedOf, ext and tool.arguments".into(),
            ));
        }
        let event: Event =
            crate::json::parse_typed(payload, max_depth).map_err(|e| Invalid(e.to_string()))?;
        event.check()?;
        Ok(event)
    }

    /// Reads an event from a JSON value already read strictly, and checks the rules
    /// per kind.
    pub fn from_value(value: Value) -> Result<Event, Invalid> {
        let event: Event = serde_json::from_value(value).map_err(|e| Invalid(e.to_string()))?;
        event.check()?;
        Ok(event)
    }

    /// The rules a JSON Schema states per kind, and formats it cannot.
    pub fn check(&self) -> Result<(), Invalid> {
        let need = |present: bool, field: &str| {
            if present {
                Ok(())
            } else {
                Err(Invalid(format!(
                    "a {} event must have `{field}`",
                    self.kind.as_str()
                )))
            }
        };
        match self.kind {
            Kind::TaskDelegate => need(self.delegation.is_some(), "delegation")?,
            Kind::PolicyDecision => need(self.decision.is_some(), "decision")?,
            Kind::CredentialIssue | Kind::CredentialExchange => {
                let full = self.credential.as_ref().is_some_and(|c| {
                    c.issuer.is_some()
                        && c.subject.is_some()
                        && c.scope.is_some()
                        && c.issued_at.is_some()
                        && c.expires_at.is_some()
                });
                need(
                    full,
                    "credential with issuer, subject, scope, issuedAt and expiresAt",
                )?;
            }
            Kind::CredentialUse | Kind::CredentialRevoke => {
                need(self.credential.is_some(), "credential")?
            }
            Kind::ApprovalRequest => need(self.approval.is_some(), "approval")?,
            Kind::ApprovalDecision => need(
                self.approval
                    .as_ref()
                    .is_some_and(|a| a.decided_by.is_some() && a.decision.is_some()),
                "approval with decidedBy and decision",
            )?,
            Kind::ToolCall | Kind::ToolResult => need(self.tool.is_some(), "tool")?,
            Kind::HttpRequest => need(self.request.is_some(), "request")?,
            Kind::SideEffect => need(self.change.is_some(), "change")?,
            Kind::ModelOutput | Kind::Retrieval => need(self.output.is_some(), "output")?,
            Kind::SessionStart | Kind::Request | Kind::System => {}
        }
        if let Some(prev) = &self.prev {
            if !is_hex64(prev) {
                return Err(Invalid(
                    "`prev` must be 64 lowercase hex digits or null".into(),
                ));
            }
        }
        let hashes = [
            self.decision.as_ref().map(|d| d.input_hash.as_str()),
            self.input.as_ref().map(|c| c.hash.as_str()),
            self.output.as_ref().map(|c| c.hash.as_str()),
            self.tool.as_ref().and_then(|t| t.arguments_hash.as_deref()),
            self.change.as_ref().and_then(|c| c.before_hash.as_deref()),
            self.change.as_ref().and_then(|c| c.after_hash.as_deref()),
        ];
        if let Some(bad) = hashes.into_iter().flatten().find(|h| !is_hash(h)) {
            return Err(Invalid(format!(
                "hash {bad:?} is not `sha256:` and 64 lowercase hex digits"
            )));
        }
        let times = [
            Some(self.time.as_str()),
            self.credential
                .as_ref()
                .and_then(|c| c.issued_at.as_deref()),
            self.credential
                .as_ref()
                .and_then(|c| c.expires_at.as_deref()),
            self.source.as_ref().map(|s| s.received_at.as_str()),
        ];
        if let Some(bad) = times
            .into_iter()
            .flatten()
            .find(|t| crate::time::parse(t).is_none())
        {
            return Err(Invalid(format!(
                "time {bad:?} is not RFC 3339 in UTC (`Z` or `+00:00`)"
            )));
        }
        Ok(())
    }
}

/// A member that must be present and may be `null`.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// `sha256:` followed by 64 lowercase hex digits.
pub fn is_hash(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(is_hex64)
}

fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `sha256:` and the hex SHA-256 of `bytes`: how a producer writes a content hash.
pub fn hash_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        serde_json::json!({
            "emitter": "e", "seq": 0, "prev": null, "time": "2026-11-20T10:00:00Z",
            "id": "x", "kind": "tool.call", "actor": {"type": "agent", "id": "a"},
            "onBehalfOf": [{"type": "human", "id": "h"}],
            "tool": {"name": "t", "argumentsHash": hash_of(b""), "arguments": [["free"]]},
            "ext": {"any": [1, [2]]},
        })
    }

    #[test]
    fn an_array_in_place_of_an_object_is_refused() {
        let good = event().to_string();
        assert!(Event::parse(good.as_bytes(), 16).is_ok());
        let positional =
            r#"["e",0,null,"2026-11-20T10:00:00Z","x","system",{"type":"agent","id":"a"}]"#;
        assert!(Event::parse(positional.as_bytes(), 16).is_err());
        let mut nested = event();
        nested["actor"] = serde_json::json!(["agent", "a"]);
        let err = Event::parse(nested.to_string().as_bytes(), 16).unwrap_err();
        assert!(err.0.contains("arrays stand only at"), "{err}");
    }

    #[test]
    fn the_shape_names_every_array_member_of_the_types() {
        // Every array-valued member a full event serializes to is in SHAPE.
        let mut full = event();
        full["credential"] = serde_json::json!({"tokenId": "t", "scope": ["s"]});
        full["approval"] =
            serde_json::json!({"approvalId": "a", "askedOf": [{"type": "human", "id": "h"}]});
        full["delegation"] =
            serde_json::json!({"to": {"type": "agent", "id": "b"}, "scope": ["s"]});
        full["kind"] = serde_json::json!("system");
        let parsed = Event::from_value(full).unwrap();
        fn arrays(v: &Value, out: &mut Vec<String>) {
            if let Value::Object(map) = v {
                for (k, v) in map {
                    if v.is_array() {
                        out.push(k.clone());
                    }
                    if k != "ext" && k != "arguments" {
                        arrays(v, out);
                    }
                }
            }
        }
        let mut found = Vec::new();
        arrays(&serde_json::to_value(parsed).unwrap(), &mut found);
        for key in &found {
            assert!(
                SHAPE.arrays.contains(&key.as_str()) || SHAPE.free.contains(&key.as_str()),
                "{key}"
            );
        }
        assert!(found.len() >= 4, "{found:?}");
    }
}
