//! Incidents: the cases that bundles of evidence are reviewed in.

use sqlx::Any;

use crate::model::{
    ActorFact, IncidentDetail, IncidentFacts, IncidentStatus, IncidentSummary, Severity, Verdict,
};

use super::{bundles, now, Db, StoreError};

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

type Row = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// The columns of [`Row`]: the incident, then its counts (sums cast so that
/// Postgres gives BIGINT, not NUMERIC).
const SELECT: &str = "SELECT i.id, i.title, i.status, i.severity, i.assignee, i.created_at, \
     i.updated_at, \
     CAST((SELECT COUNT(*) FROM bundles b WHERE b.incident_id = i.id) AS BIGINT), \
     CAST((SELECT COALESCE(SUM(b.event_count), 0) FROM bundles b WHERE b.incident_id = i.id) AS BIGINT), \
     CAST((SELECT COUNT(*) FROM bundles b WHERE b.incident_id = i.id AND b.status = 'tampered') AS BIGINT), \
     CAST((SELECT COUNT(*) FROM bundles b WHERE b.incident_id = i.id AND b.status = 'untrusted') AS BIGINT), \
     CAST((SELECT COUNT(*) FROM bundles b WHERE b.incident_id = i.id \
           AND b.status = 'verified_with_warnings') AS BIGINT) \
     FROM incidents i";

/// Opens an incident and returns its number.
pub async fn create(db: &Db, new: &NewIncident) -> Result<i64, StoreError> {
    let mut conn = db.pool().acquire().await?;
    insert(&mut *conn, new).await
}

/// Opens an incident with `conn` (a transaction's, say) and returns its number.
pub(crate) async fn insert<'c, E>(conn: E, new: &NewIncident) -> Result<i64, StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
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
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Whether incident `id` exists.
pub(crate) async fn exists<'c, E>(conn: E, id: i64) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Marks incident `id` as changed at `at`.
pub(crate) async fn touch<'c, E>(conn: E, id: i64, at: &str) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every incident, most recently updated first.
pub async fn list(db: &Db) -> Result<Vec<IncidentSummary>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY i.updated_at DESC, i.id DESC"))
        .fetch_all(db.pool())
        .await?;
    rows.into_iter().map(summary).collect()
}

/// Incident `id` with its description and bundles.
pub async fn get(db: &Db, id: i64) -> Result<Option<IncidentDetail>, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (description,): (String,) =
        sqlx::query_as("SELECT description FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await?;
    Ok(Some(IncidentDetail {
        incident: summary(row)?,
        description,
        bundles: bundles::of_incident(db, id).await?,
    }))
}

fn summary(
    (
        id,
        title,
        status,
        severity,
        assignee,
        created_at,
        updated_at,
        bundle_count,
        event_count,
        tampered,
        untrusted,
        warned,
    ): Row,
) -> Result<IncidentSummary, StoreError> {
    let verdict = if bundle_count == 0 {
        None
    } else if tampered > 0 {
        Some(Verdict::Tampered)
    } else if untrusted > 0 {
        Some(Verdict::Untrusted)
    } else if warned > 0 {
        Some(Verdict::VerifiedWithWarnings)
    } else {
        Some(Verdict::Verified)
    };
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
        bundle_count,
        event_count,
        verdict,
    })
}

/// What incident `id`'s evidence adds up to, read from its bundles' rows: its time
/// span, the actors named (by type, then identity), the resources side effects
/// changed, and the counts of side effects and denials. Only events whose signature
/// held are read, as everywhere.
pub async fn facts(db: &Db, id: i64) -> Result<IncidentFacts, StoreError> {
    let (first_event_at, last_event_at): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT MIN(first_event_at), MAX(last_event_at) FROM bundles WHERE incident_id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let actors: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT a.actor_id, MIN(a.actor_type), MIN(a.name), \
         CAST(SUM(a.event_count) AS BIGINT) \
         FROM actors a JOIN bundles b ON b.sha256 = a.bundle_sha256 \
         WHERE b.incident_id = $1 GROUP BY a.actor_id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut actors: Vec<ActorFact> = actors
        .into_iter()
        .map(|(actor_id, actor_type, name, event_count)| ActorFact {
            actor_id,
            actor_type,
            name,
            event_count,
        })
        .collect();
    let rank = |t: &str| {
        ["human", "agent", "service", "tool", "system"]
            .iter()
            .position(|k| *k == t)
            .unwrap_or(5)
    };
    actors.sort_by(|a, b| {
        rank(&a.actor_type)
            .cmp(&rank(&b.actor_type))
            .then_with(|| a.actor_id.cmp(&b.actor_id))
    });
    let resources: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT e.resource FROM events e JOIN bundles b ON b.sha256 = e.bundle_sha256 \
         WHERE b.incident_id = $1 AND e.kind = 'side_effect' AND e.resource IS NOT NULL \
         ORDER BY e.resource",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let (side_effects, denials): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(*) FILTER (WHERE e.kind = 'side_effect') AS BIGINT), \
         CAST(COUNT(*) FILTER (WHERE e.decision = 'deny') AS BIGINT) \
         FROM events e JOIN bundles b ON b.sha256 = e.bundle_sha256 WHERE b.incident_id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    Ok(IncidentFacts {
        first_event_at,
        last_event_at,
        actors,
        resources: resources.into_iter().map(|(r,)| r).collect(),
        side_effects,
        denials,
    })
}
