//! The data the server and the browser exchange, defined once for both.

use serde::{Deserialize, Serialize};

/// Where an incident is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
pub struct IncidentSummary {
    /// The incident's number.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Where it is in the review.
    pub status: IncidentStatus,
    /// How bad it is.
    pub severity: Severity,
    /// Who is reviewing it, if anyone.
    pub assignee: Option<String>,
    /// When it was opened (RFC 3339, UTC).
    pub created_at: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// Which database a server stores its data in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct SqliteSettings {
    /// The journal mode: Custody requires `wal`.
    pub journal_mode: String,
    /// The `synchronous` level: Custody requires `FULL` (2).
    pub synchronous: String,
    /// Whether foreign keys are enforced: Custody requires it.
    pub foreign_keys: bool,
}
