//! Custody's shared types: the data the server stores and the browser shows,
//! defined once for both, with the timeline drawn from a bundle ([`timeline`]) and
//! text made safe for where it is written ([`text`]).
//!
//! Pure, like `evidence`: no I/O, no runtime, and it compiles to wasm. The store
//! returns these types, the server functions carry them and the pages render them;
//! the browser's build depends on this crate, never on the store. With the `schema`
//! feature every type also describes itself for the server's OpenAPI document.
#![forbid(unsafe_code)]

pub mod text;
pub mod timeline;

mod accounts;
mod findings;
mod reconciliation;
mod review;
mod transcript;
mod work;

pub use accounts::*;
pub use findings::*;
pub use reconciliation::*;
pub use review::*;
pub use transcript::*;
pub use work::*;

use serde::{Deserialize, Serialize};

/// Where an incident is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum IncidentStatus {
    /// Evidence is loaded; no one has started the review.
    Open,
    /// Reviewers are working on it.
    InReview,
    /// Its approval chains are signed off.
    SignedOff,
    /// Nothing more will change.
    Closed,
}

impl IncidentStatus {
    /// Every status, in workflow order.
    pub const ALL: [IncidentStatus; 4] =
        [Self::Open, Self::InReview, Self::SignedOff, Self::Closed];

    /// The name stored in the database and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InReview => "in_review",
            Self::SignedOff => "signed_off",
            Self::Closed => "closed",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::InReview => "In review",
            Self::SignedOff => "Signed off",
            Self::Closed => "Closed",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// How bad an incident is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum Severity {
    /// Low impact.
    Low,
    /// Medium impact.
    Medium,
    /// High impact.
    High,
    /// Critical impact.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The name stored in the database and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One row of the incident list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IncidentSummary {
    /// The incident's number.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Where it is in the review.
    pub status: IncidentStatus,
    /// How bad it is.
    pub severity: Severity,
    /// Who is reviewing it, if anyone: the account name.
    pub assignee: Option<String>,
    /// The assignee as people read it: the account's display name (its account name
    /// when it has none). `None` when nobody is assigned.
    #[serde(default)]
    pub assignee_name: Option<String>,
    /// When it was opened (RFC 3339, UTC).
    pub created_at: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// How many bundles it holds.
    pub bundle_count: i64,
    /// How many events its bundles hold.
    pub event_count: i64,
    /// The worst verdict among its bundles (tampered, untrusted, with warnings,
    /// verified), `None` without bundles.
    pub verdict: Option<BundleStatus>,
    /// When its evidence begins: the earliest event time of its bundles (RFC 3339,
    /// UTC), `None` without bundles (or none whose events could be read).
    #[serde(default)]
    pub first_event_at: Option<String>,
    /// When its evidence ends: the latest event time of its bundles.
    #[serde(default)]
    pub last_event_at: Option<String>,
}

/// Which incidents the incident list shows, and in which order: the list's filters
/// exactly as its URL's query string carries them (`/?q=…&status=…`). Every field is
/// optional, and an empty one is the same as an absent one. Values are checked where
/// the list is read (`store::incidents::list`), which names any parameter it cannot
/// use rather than ignoring it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "schema", into_params(parameter_in = Query))]
pub struct IncidentQuery {
    /// Free text, matched case-insensitively in the title and the description.
    pub q: Option<String>,
    /// Where the incident is in its review: `open`, `in_review`, `signed_off`, `closed`.
    pub status: Option<String>,
    /// How bad it is: `low`, `medium`, `high`, `critical`.
    pub severity: Option<String>,
    /// The worst verdict among its bundles: `verified`, `verified_with_warnings`,
    /// `untrusted`, `tampered`, or `none` for an incident without bundles.
    pub verdict: Option<String>,
    /// Opened on or after this day (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Opened on or before this day (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
    /// An actor its bundles name: part of the actor's identity or display name,
    /// case-insensitive.
    pub actor: Option<String>,
    /// Part of the assignee's account name or display name, case-insensitive.
    pub assignee: Option<String>,
    /// The order: `-updated` (default: most recently updated first), `updated`,
    /// `-opened`, `opened`, `title`, `-title`, `-severity`, `severity`, `-events`,
    /// `events` (`-` is descending).
    pub sort: Option<String>,
    /// The page, from 1: [`IncidentQuery::PER_PAGE`] incidents a page.
    pub page: Option<String>,
}

impl IncidentQuery {
    /// The query string's parameter names, in the order the list's form has them.
    pub const PARAMETERS: [&'static str; 10] = [
        "q", "status", "severity", "verdict", "from", "to", "actor", "assignee", "sort", "page",
    ];

    /// Incidents a page of the list.
    pub const PER_PAGE: u32 = 50;

    /// The value of parameter `name` (one of [`Self::PARAMETERS`]).
    pub fn get(&self, name: &str) -> Option<&str> {
        match name {
            "q" => self.q.as_deref(),
            "status" => self.status.as_deref(),
            "severity" => self.severity.as_deref(),
            "verdict" => self.verdict.as_deref(),
            "from" => self.from.as_deref(),
            "to" => self.to.as_deref(),
            "actor" => self.actor.as_deref(),
            "assignee" => self.assignee.as_deref(),
            "sort" => self.sort.as_deref(),
            "page" => self.page.as_deref(),
            _ => None,
        }
    }

    /// Sets parameter `name` (one of [`Self::PARAMETERS`]; others are not kept).
    pub fn set(&mut self, name: &str, value: Option<String>) {
        let field = match name {
            "q" => &mut self.q,
            "status" => &mut self.status,
            "severity" => &mut self.severity,
            "verdict" => &mut self.verdict,
            "from" => &mut self.from,
            "to" => &mut self.to,
            "actor" => &mut self.actor,
            "assignee" => &mut self.assignee,
            "sort" => &mut self.sort,
            "page" => &mut self.page,
            _ => return,
        };
        *field = value;
    }

    /// The same list, page `page` of it (from 1).
    pub fn on_page(&self, page: u32) -> IncidentQuery {
        IncidentQuery {
            page: (page > 1).then(|| page.to_string()),
            ..self.clone()
        }
    }

    /// The query as a query string (no `?`), set parameters only, in
    /// [`Self::PARAMETERS`] order.
    pub fn to_query_string(&self) -> String {
        Self::PARAMETERS
            .iter()
            .filter_map(|name| {
                self.get(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| format!("{name}={}", crate::text::query_component(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether any parameter but the order and the page narrows the list.
    pub fn is_filtered(&self) -> bool {
        Self::PARAMETERS
            .iter()
            .filter(|name| !matches!(**name, "sort" | "page"))
            .any(|name| self.get(name).is_some_and(|v| !v.trim().is_empty()))
    }
}

/// An order of the incident list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentSort {
    /// Most recently updated first (the default).
    #[default]
    UpdatedDesc,
    /// Least recently updated first.
    UpdatedAsc,
    /// Most recently opened first.
    OpenedDesc,
    /// Opened longest ago first.
    OpenedAsc,
    /// By title, A to Z (case-insensitive).
    TitleAsc,
    /// By title, Z to A.
    TitleDesc,
    /// Most severe first.
    SeverityDesc,
    /// Least severe first.
    SeverityAsc,
    /// Most events first.
    EventsDesc,
    /// Fewest events first.
    EventsAsc,
}

impl IncidentSort {
    /// Every order, in the order the list offers them.
    pub const ALL: [IncidentSort; 10] = [
        Self::UpdatedDesc,
        Self::UpdatedAsc,
        Self::OpenedDesc,
        Self::OpenedAsc,
        Self::TitleAsc,
        Self::TitleDesc,
        Self::SeverityDesc,
        Self::SeverityAsc,
        Self::EventsDesc,
        Self::EventsAsc,
    ];

    /// The name used in URLs (`sort=`): the key, `-` first when descending.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpdatedDesc => "-updated",
            Self::UpdatedAsc => "updated",
            Self::OpenedDesc => "-opened",
            Self::OpenedAsc => "opened",
            Self::TitleAsc => "title",
            Self::TitleDesc => "-title",
            Self::SeverityDesc => "-severity",
            Self::SeverityAsc => "severity",
            Self::EventsDesc => "-events",
            Self::EventsAsc => "events",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::UpdatedDesc => "Updated, newest first",
            Self::UpdatedAsc => "Updated, oldest first",
            Self::OpenedDesc => "Opened, newest first",
            Self::OpenedAsc => "Opened, oldest first",
            Self::TitleAsc => "Title, A to Z",
            Self::TitleDesc => "Title, Z to A",
            Self::SeverityDesc => "Severity, highest first",
            Self::SeverityAsc => "Severity, lowest first",
            Self::EventsDesc => "Events, most first",
            Self::EventsAsc => "Events, fewest first",
        }
    }

    /// Reads a URL name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// How many incidents with one status match the other filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct StatusCount {
    /// The status.
    pub status: IncidentStatus,
    /// How many incidents have it and match every filter but `status`.
    pub count: i64,
}

/// The incident list as one query selects it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IncidentList {
    /// The matching incidents of the page asked for, in the order asked for.
    pub items: Vec<IncidentSummary>,
    /// How many incidents match every filter.
    pub total: i64,
    /// For each status, in workflow order, how many incidents match every filter
    /// but `status`: what choosing that status would list.
    pub by_status: Vec<StatusCount>,
    /// How many incidents there are, filtered or not.
    pub all: i64,
    /// This page's number, from 1 ([`IncidentQuery::PER_PAGE`] incidents a page).
    #[serde(default = "first_page")]
    pub page: u32,
}

fn first_page() -> u32 {
    1
}

impl IncidentList {
    /// How many pages the matching incidents fill ([`IncidentQuery::PER_PAGE`] a
    /// page); none when nothing matches.
    pub fn pages(&self) -> u32 {
        let per_page = i64::from(IncidentQuery::PER_PAGE);
        u32::try_from((self.total + per_page - 1) / per_page).unwrap_or(u32::MAX)
    }
}

/// Which database a server stores its data in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum DatabaseKind {
    /// The embedded SQLite database under the data directory.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl DatabaseKind {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite (embedded)",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// What the Settings page shows of the server it talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ServerInfo {
    /// Custody's version.
    pub version: String,
    /// The database in use.
    pub database: DatabaseKind,
    /// How many schema migrations are applied.
    pub migrations_applied: i64,
    /// SQLite durability settings, checked at start-up (`None` on Postgres).
    pub sqlite: Option<SqliteSettings>,
}

/// SQLite settings that Custody requires and checks at start-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SqliteSettings {
    /// The journal mode: Custody requires `wal`.
    pub journal_mode: String,
    /// The `synchronous` level: Custody requires `FULL` (2).
    pub synchronous: String,
    /// Whether foreign keys are enforced: Custody requires it.
    pub foreign_keys: bool,
}

/// A bundle's verdict as stored: the bundle's status from [`evidence::bundle::Status`]
/// (malformed bundles are refused, never stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum BundleStatus {
    /// Every check passed.
    Verified,
    /// Every check passed, with warnings.
    VerifiedWithWarnings,
    /// A signature, chain link, manifest binding or inclusion failed.
    Tampered,
    /// Intact as far as checked, but not tied to a trusted root.
    Untrusted,
}

impl BundleStatus {
    /// Every verdict, best first.
    pub const ALL: [BundleStatus; 4] = [
        Self::Verified,
        Self::VerifiedWithWarnings,
        Self::Untrusted,
        Self::Tampered,
    ];

    /// The stored name: the status code of the `evidence` report.
    pub fn as_str(self) -> &'static str {
        self.status().code()
    }

    /// The name shown to people, as `evidence` words it.
    pub fn label(self) -> &'static str {
        self.status().label()
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The verifier's status this verdict stores.
    pub fn status(self) -> evidence::bundle::Status {
        use evidence::bundle::Status;
        match self {
            Self::Verified => Status::Verified,
            Self::VerifiedWithWarnings => Status::VerifiedWithWarnings,
            Self::Tampered => Status::Tampered,
            Self::Untrusted => Status::Untrusted,
        }
    }

    /// Whether the bundle verified (with or without warnings).
    pub fn holds(self) -> bool {
        self.status().holds()
    }
}

/// A stored bundle, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct BundleSummary {
    /// SHA-256 of the bytes as received (hex): the bundle's address.
    pub sha256: String,
    /// The incident it belongs to.
    pub incident_id: i64,
    /// The bundle ID its signed manifest names, when the manifest was readable.
    pub bundle_id: Option<String>,
    /// The file name it was uploaded as, if given.
    pub name: String,
    /// Its size in bytes.
    pub size: i64,
    /// The verdict.
    pub verdict: BundleStatus,
    /// The reason codes behind the verdict (stable names, see docs/bundle-format.md).
    pub reasons: Vec<String>,
    /// How many events it carries.
    pub event_count: i64,
    /// The earliest event time (RFC 3339, UTC), among events whose signature held.
    pub first_event_at: Option<String>,
    /// The latest event time.
    pub last_event_at: Option<String>,
    /// When it was stored.
    pub ingested_at: String,
    /// When its verdict was last computed.
    pub verified_at: String,
    /// Who vouches for its readable events; `None` when none could be read.
    #[serde(default)]
    pub provenance: Option<BundleProvenance>,
}

/// Who vouches for a bundle's readable events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BundleProvenance {
    /// Every one is signed by its emitter.
    Signed,
    /// Every one was attested by the collector on receipt (an OpenTelemetry trace).
    Attested,
    /// Every one was imported by the collector from a file.
    Imported,
    /// Some of each.
    Mixed,
}

impl BundleProvenance {
    /// Every one.
    pub const ALL: [BundleProvenance; 4] = [
        BundleProvenance::Signed,
        BundleProvenance::Attested,
        BundleProvenance::Imported,
        BundleProvenance::Mixed,
    ];

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BundleProvenance::Signed => "signed",
            BundleProvenance::Attested => "attested",
            BundleProvenance::Imported => "imported",
            BundleProvenance::Mixed => "mixed",
        }
    }

    /// Read from its stored name.
    pub fn parse(text: &str) -> Option<BundleProvenance> {
        BundleProvenance::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
    }

    /// As a badge says it.
    pub fn label(self) -> &'static str {
        match self {
            BundleProvenance::Signed => "signed by the parties that acted",
            BundleProvenance::Attested => "attested by the collector on receipt",
            BundleProvenance::Imported => "imported from a file",
            BundleProvenance::Mixed => "partly signed, partly attested",
        }
    }
}

/// One actor as an incident's bundles name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ActorFact {
    /// The identity.
    pub actor_id: String,
    /// human, agent, service, tool or system.
    pub actor_type: String,
    /// A display name, if any event gave one.
    pub name: Option<String>,
    /// How many events name it, over all the incident's bundles.
    pub event_count: i64,
}

/// What an incident's evidence adds up to: the facts a reviewer reads first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IncidentFacts {
    /// The earliest event (RFC 3339, UTC), over every bundle.
    pub first_event_at: Option<String>,
    /// The latest event.
    pub last_event_at: Option<String>,
    /// Every actor named, humans first, then agents, services, tools and systems.
    pub actors: Vec<ActorFact>,
    /// The resources side effects changed, in order.
    pub resources: Vec<String>,
    /// How many side effects (changes to real systems) the evidence records.
    pub side_effects: i64,
    /// How many policy decisions denied something.
    pub denials: i64,
}

/// An incident, its bundles and the facts its evidence gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IncidentOverview {
    /// The incident and its bundles.
    pub detail: IncidentDetail,
    /// What its evidence adds up to.
    pub facts: IncidentFacts,
}

/// An incident with its bundles and counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IncidentDetail {
    /// The incident.
    pub incident: IncidentSummary,
    /// Its description.
    pub description: String,
    /// Its bundles, oldest first.
    pub bundles: Vec<BundleSummary>,
}

/// One event as stored: its verdict, and what its payload says where it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EventRow {
    /// The bundle it is in.
    pub bundle_sha256: String,
    /// Its position in the bundle, from 0.
    pub index: i64,
    /// SHA-256 of its signed bytes (hex).
    pub digest: String,
    /// The integrity check's verdict: `pass`, `fail:<code>` or `unknown:<code>`.
    pub integrity: String,
    /// The trust check's verdict, in the same form.
    pub trust: String,
    /// The chain check's verdict, in the same form.
    pub chain: String,
    /// The inclusion check's verdict, in the same form.
    pub inclusion: String,
    /// 'pass' (all four passed), 'fail' (one failed) or 'unknown'.
    pub verdict: String,
    /// Codes of the checks that did not pass, and warnings.
    pub findings: Vec<String>,
    /// The event's ID. This and the fields below are read from the payload, only
    /// where its signature held.
    pub event_id: Option<String>,
    /// The event kind (docs/bundle-format.md).
    pub kind: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub time: Option<String>,
    /// The component that signed it.
    pub emitter: Option<String>,
    /// Who acted: human, agent, service_account, tool, system.
    pub actor_type: Option<String>,
    /// The actor's identity.
    pub actor_id: Option<String>,
    /// Who initiated it, when someone else did.
    pub initiator_id: Option<String>,
    /// The event that caused it.
    pub parent: Option<String>,
    /// The credential used.
    pub credential_id: Option<String>,
    /// The policy decision: allow, deny, …
    pub decision: Option<String>,
    /// The resource changed or acted on.
    pub resource: Option<String>,
    /// A one-line description.
    pub summary: Option<String>,
    /// Who vouches for what it says: signed by its emitter, attested by a collector
    /// on receipt, or imported from a file; `None` where the payload was not read.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub provenance: Option<evidence::event::Provenance>,
}

/// Which events to list, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "schema", into_params(parameter_in = Query))]
pub struct EventQuery {
    /// Events of this incident's bundles.
    pub incident: Option<i64>,
    /// Events of this bundle (SHA-256).
    pub bundle: Option<String>,
    /// Actor type: human, agent, service_account, tool, system.
    pub actor_type: Option<String>,
    /// Actor identity: as actor, initiator or on-behalf-of.
    pub actor: Option<String>,
    /// Event kind.
    pub kind: Option<String>,
    /// Resource (exact).
    pub resource: Option<String>,
    /// Credential token ID.
    pub credential: Option<String>,
    /// Policy decision: allow, deny, …
    pub decision: Option<String>,
    /// Events at or after this time (RFC 3339, UTC).
    pub from: Option<String>,
    /// Events before this time.
    pub to: Option<String>,
    /// The event's verdict: pass, fail, unknown.
    pub verdict: Option<String>,
    /// Free text, matched in the payload, IDs and summary.
    pub q: Option<String>,
    /// Sort: `time` (default), `-time`, `index`, `-index`.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[cfg_attr(feature = "schema", param(minimum = 1))]
    pub page: Option<u32>,
    /// Rows per page (1 to 500; default 50).
    #[cfg_attr(feature = "schema", param(minimum = 1, maximum = 500))]
    pub per_page: Option<u32>,
    /// The page of matches that follow this event in the order asked, named
    /// `{bundle SHA-256}:{index}` (a page's `next`). With it, `page` is only the
    /// number the page is shown as.
    pub after: Option<String>,
    /// The page of matches that precede this event (a page's `prev`).
    pub before: Option<String>,
}

impl EventQuery {
    /// The query string's parameter names (those of `GET /api/events`), in the order
    /// the event search's form has them.
    pub const PARAMETERS: [&'static str; 17] = [
        "q",
        "actor",
        "actor_type",
        "kind",
        "resource",
        "credential",
        "decision",
        "verdict",
        "from",
        "to",
        "incident",
        "bundle",
        "sort",
        "page",
        "per_page",
        "after",
        "before",
    ];

    /// The value of parameter `name` (one of [`Self::PARAMETERS`]), as text.
    pub fn get(&self, name: &str) -> Option<String> {
        let text = |v: &Option<String>| v.clone();
        match name {
            "q" => text(&self.q),
            "actor" => text(&self.actor),
            "actor_type" => text(&self.actor_type),
            "kind" => text(&self.kind),
            "resource" => text(&self.resource),
            "credential" => text(&self.credential),
            "decision" => text(&self.decision),
            "verdict" => text(&self.verdict),
            "from" => text(&self.from),
            "to" => text(&self.to),
            "incident" => self.incident.map(|n| n.to_string()),
            "bundle" => text(&self.bundle),
            "sort" => text(&self.sort),
            "page" => self.page.map(|n| n.to_string()),
            "per_page" => self.per_page.map(|n| n.to_string()),
            "after" => text(&self.after),
            "before" => text(&self.before),
            _ => None,
        }
    }

    /// Sets parameter `name` from text; an empty value unsets it. A number that
    /// does not read as one is kept as an impossible value (0), which the store
    /// refuses with a message naming the parameter, rather than dropped unsaid.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        let value = value.filter(|v| !v.trim().is_empty());
        fn number<T: std::str::FromStr + Default>(v: &Option<String>) -> Option<T> {
            v.as_ref().map(|v| v.trim().parse().unwrap_or_default())
        }
        match name {
            "q" => self.q = value,
            "actor" => self.actor = value,
            "actor_type" => self.actor_type = value,
            "kind" => self.kind = value,
            "resource" => self.resource = value,
            "credential" => self.credential = value,
            "decision" => self.decision = value,
            "verdict" => self.verdict = value,
            "from" => self.from = value,
            "to" => self.to = value,
            "incident" => self.incident = number(&value),
            "bundle" => self.bundle = value,
            "sort" => self.sort = value,
            "page" => self.page = number(&value),
            "per_page" => self.per_page = number(&value),
            "after" => self.after = value,
            "before" => self.before = value,
            _ => {}
        }
    }

    /// The query read from a page address's parameters (`get` names one).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> EventQuery {
        let mut query = EventQuery::default();
        for name in Self::PARAMETERS {
            query.set(name, get(name));
        }
        query
    }

    /// The query a query string states (`?` optional; the first value of each
    /// parameter counts).
    pub fn parse(query: &str) -> EventQuery {
        let pairs = crate::text::query_pairs(query);
        EventQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// The query as a query string (no `?`), set parameters only, in
    /// [`Self::PARAMETERS`] order: one address per search.
    pub fn to_query_string(&self) -> String {
        Self::PARAMETERS
            .iter()
            .filter_map(|name| {
                self.get(name)
                    .map(|v| format!("{name}={}", crate::text::query_component(&v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same query on another page of results, counted from the first.
    pub fn on_page(&self, page: u32) -> EventQuery {
        EventQuery {
            page: (page > 1).then_some(page),
            after: None,
            before: None,
            ..self.clone()
        }
    }

    /// The page numbered `page` that follows the event `cursor` (a page's `next`).
    pub fn after(&self, cursor: &str, page: u32) -> EventQuery {
        EventQuery {
            after: Some(cursor.to_owned()),
            ..self.on_page(page)
        }
    }

    /// The page numbered `page` that precedes the event `cursor` (a page's `prev`).
    /// The first page is asked for as such, without a cursor.
    pub fn before(&self, cursor: &str, page: u32) -> EventQuery {
        EventQuery {
            before: (page > 1).then(|| cursor.to_owned()),
            ..self.on_page(page)
        }
    }

    /// The same search, every match: no page, page size or cursor.
    pub fn unpaged(&self) -> EventQuery {
        EventQuery {
            per_page: None,
            ..self.on_page(1)
        }
    }

    /// Whether any parameter but the order and paging narrows the events.
    pub fn is_filtered(&self) -> bool {
        Self::PARAMETERS
            .iter()
            .filter(|name| !matches!(**name, "sort" | "page" | "per_page" | "after" | "before"))
            .any(|name| self.get(name).is_some())
    }
}

/// A reviewer's saved event search: a name for a query string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SavedView {
    /// Its number.
    pub id: i64,
    /// Its name, unique per reviewer.
    pub name: String,
    /// The search, as `/events?{query}` opens it (paging left out).
    pub query: String,
    /// When it was saved (RFC 3339, UTC).
    pub created_at: String,
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// How many rows match in all, or, when `total_capped`, how many were counted
    /// before counting stopped.
    pub total: i64,
    /// Whether more rows match than `total`: an event search counts up to
    /// [`Page::COUNT_LIMIT`] matches, so that a broad search over millions of
    /// events answers as fast as a narrow one.
    #[serde(default)]
    pub total_capped: bool,
    /// This page's number, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// When more rows follow this page: the cursor (`after`) of the next page.
    #[serde(default)]
    pub next: Option<String>,
    /// When rows precede this page: the cursor (`before`) of the previous page.
    #[serde(default)]
    pub prev: Option<String>,
}

impl<T> Page<T> {
    /// The most matches an event search counts.
    pub const COUNT_LIMIT: i64 = 1_000;

    /// How many match, as a reader is told: "1,234" or "more than 1,000".
    pub fn total_text(&self) -> String {
        let n = crate::text::group_thousands(self.total);
        if self.total_capped {
            format!("more than {n}")
        } else {
            n
        }
    }
}

/// A bundle's delegation graph: actors and events as nodes; who acted, for whom,
/// who delegated to whom, which event caused which, who approved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<GraphNode>,
    /// The edges.
    pub edges: Vec<GraphEdge>,
}

/// A node: an actor (`actor:<id>`) or an event (`event:<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GraphNode {
    /// `actor:<identity>` or `event:<event id>`.
    pub id: String,
    /// `actor` or `event`.
    pub node_type: String,
    /// Actor type or event kind.
    pub kind: String,
    /// A label to show.
    pub label: String,
}

/// An edge between two nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GraphEdge {
    /// The source node's id.
    pub from: String,
    /// The target node's id.
    pub to: String,
    /// performed, initiated, on_behalf_of, delegated, caused, approved.
    pub relation: String,
}

/// An actor's appearances in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ActorLifecycle {
    /// The identity.
    pub actor_id: String,
    /// human, agent, service_account, tool, system.
    pub actor_type: String,
    /// A display name, if any event gave one.
    pub name: Option<String>,
    /// First appearance (RFC 3339, UTC).
    pub first_at: String,
    /// Last appearance.
    pub last_at: String,
    /// How many events name it.
    pub event_count: i64,
    /// The events that name it, in time order.
    pub events: Vec<EventRow>,
}

/// A credential's life in a bundle: issue, exchange, use, revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CredentialLifecycle {
    /// The token ID.
    pub token_id: String,
    /// Its issuer.
    pub issuer: Option<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// Its scopes, space-separated.
    pub scope: Option<String>,
    /// When it was issued.
    pub issued_at: Option<String>,
    /// When it expires.
    pub expires_at: Option<String>,
    /// The token it was exchanged from.
    pub exchanged_from: Option<String>,
    /// When a `credential.revoke` event revoked it.
    pub revoked_at: Option<String>,
    /// The events that name it, in time order.
    pub events: Vec<EventRow>,
}

/// A root key the server verifies bundles against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TrustRoot {
    /// The ed25519 public key, hex.
    pub public_key: String,
    /// Its keyid as bundles name it.
    pub keyid: String,
    /// A label for people.
    pub label: String,
    /// When it was added.
    pub added_at: String,
}

/// What an upload answers: the stored bundle (the same answer for the same bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingested {
    /// The bundle as stored.
    pub bundle: BundleSummary,
}

/// A stored bundle whose bytes or verdict no longer match what was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Reverified {
    /// The bundle's address as stored.
    pub sha256: String,
    /// The SHA-256 of the bytes now stored; `None` when they cannot be read back
    /// (a stored part does not decompress).
    pub actual_sha256: Option<String>,
    /// The verdict stored.
    pub stored_verdict: String,
    /// The verdict now (or `malformed`).
    pub verdict_now: String,
    /// True when the bytes, the verdict and every row are as stored.
    pub ok: bool,
    /// Each difference found, in words (empty when `ok`).
    pub differences: Vec<String>,
}

/// Whether the collector's signature on received traces is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CollectorState {
    /// A binding signed by a trusted root certifies its key now: what it receives
    /// verifies.
    Certified,
    /// No binding was given: what it receives is stored as untrusted.
    NotCertified,
    /// A binding was given but does not certify the key now (its root is no longer
    /// trusted, it expired, it names another key): what it receives is stored as
    /// untrusted.
    NotTrusted,
}

/// The server's collector, which signs the traces it receives or imports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CollectorStatus {
    /// The ID its key is bound to: the emitter and collector of what it signs.
    pub id: String,
    /// Its public key, hex.
    pub public_key: String,
    /// Whether its signature is trusted.
    pub state: CollectorState,
    /// The trusted root that signed its binding, as keyid and label.
    pub root: Option<String>,
    /// When the binding starts: spans dated before it verify as untrusted, since a
    /// key is trusted for an event at the event's time.
    #[serde(default)]
    pub not_before: Option<String>,
    /// When the binding ends.
    pub not_after: Option<String>,
    /// Why it is not certified, when it is not (reason codes and what they mean).
    pub why: Option<String>,
}
