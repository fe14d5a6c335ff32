//! Incidents: the cases that bundles of evidence are reviewed in.

use crate::model::{IncidentStatus, IncidentSummary, Severity};

use super::{now, Db, StoreError};

/// What it takes to open an incident.
#[derive(Clone, Debug)]
pub struct NewIncident {
    /// Its title (1 to 200 characters).
    pub title: String,
    /// What it is about.
    pub description: String,
    /// How bad it is.
    pub severity: Severity,
}

type Row = (i64, String, String, String, Option<String>, String, String);

/// Opens an incident and returns its number.
pub async fn create(db: &Db, new: &NewIncident) -> Result<i64, StoreError> {
    let at = now();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO incidents (title, description, status, severity, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&new.title)
    .bind(&new.description)
    .bind(IncidentStatus::Open.as_str())
    .bind(new.severity.as_str())
    .bind(&at)
    .fetch_one(db.pool())
    .await?;
    Ok(id)
}

/// Every incident, most recently updated first.
pub async fn list(db: &Db) -> Result<Vec<IncidentSummary>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, title, status, severity, assignee, created_at, updated_at \
         FROM incidents ORDER BY updated_at DESC, id DESC",
    )
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(summary).collect()
}

fn summary(
    (id, title, status, severity, assignee, created_at, updated_at): Row,
) -> Result<IncidentSummary, StoreError> {
    Ok(IncidentSummary {
        id,
        title,
        status: IncidentStatus::parse(&status).ok_or(StoreError::Corrupt {
            column: "incidents.status",
            value: status,
        })?,
        severity: Severity::parse(&severity).ok_or(StoreError::Corrupt {
            column: "incidents.severity",
            value: severity,
        })?,
        assignee,
        created_at,
        updated_at,
    })
}
