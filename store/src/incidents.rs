//! Incidents: the cases that bundles of evidence are reviewed in.

use sqlx::Any;

use model::{
    ActorFact, BundleStatus, IncidentDetail, IncidentFacts, IncidentList, IncidentQuery,
    IncidentSort, IncidentStatus, IncidentSummary, Severity, StatusCount,
};

use crate::events::{contains, QueryError};
use crate::sql::Sql;
use crate::{bundles, now, Db, StoreError};

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

/// The most characters an incident's description may have.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;

/// An incident as [`COLUMNS`] read it.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    status: String,
    severity: String,
    assignee: Option<String>,
    created_at: String,
    updated_at: String,
    bundle_count: i64,
    event_count: i64,
    tampered: i64,
    untrusted: i64,
    warned: i64,
    first_event_at: Option<String>,
    last_event_at: Option<String>,
    assignee_display: Option<String>,
}

/// The columns of [`Row`]: the incident `i` with what its evidence adds up to
/// (kept by [`recount`]), and its assignee's display name.
const COLUMNS: &str = "SELECT i.id, i.title, i.status, i.severity, i.assignee, i.created_at, \
     i.updated_at, i.bundle_count, i.event_count, i.tampered, i.untrusted, i.warned, \
     i.first_event_at, i.last_event_at, \
     (SELECT u.display_name FROM users u WHERE u.username = i.assignee) AS assignee_display";

/// Adds up again what incident `id`'s bundles are (how many, their events and
/// verdicts, the worst of them, their span): in the transaction that stores or
/// changes one of its bundles, so the incident list reads it without adding up.
pub(crate) async fn recount<'c, E>(conn: E, id: i64) -> Result<(), StoreError>
where
    E: sqlx::Executor<'c, Database = Any>,
{
    sqlx::query(
        "UPDATE incidents SET \
           bundle_count = s.bundles, event_count = s.events, tampered = s.tampered, \
           untrusted = s.untrusted, warned = s.warned, first_event_at = s.first_at, \
           last_event_at = s.last_at, \
           worst = CASE WHEN s.bundles = 0 THEN 'none' WHEN s.tampered > 0 THEN 'tampered' \
             WHEN s.untrusted > 0 THEN 'untrusted' \
             WHEN s.warned > 0 THEN 'verified_with_warnings' ELSE 'verified' END \
         FROM (SELECT CAST(COUNT(*) AS BIGINT) AS bundles, \
             CAST(COALESCE(SUM(b.event_count), 0) AS BIGINT) AS events, \
             CAST(COALESCE(SUM(CASE WHEN b.status = 'tampered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS tampered, \
             CAST(COALESCE(SUM(CASE WHEN b.status = 'untrusted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS untrusted, \
             CAST(COALESCE(SUM(CASE WHEN b.status = 'verified_with_warnings' THEN 1 ELSE 0 END), 0) AS BIGINT) AS warned, \
             MIN(b.first_event_at) AS first_at, MAX(b.last_event_at) AS last_at \
           FROM bundles b WHERE b.incident_id = $1) AS s \
         WHERE incidents.id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens an incident and returns its number.
pub async fn create(
    db: &Db,
    key: &crate::review_log::ServerKey,
    by: crate::review_log::Actor<'_>,
    new: &NewIncident,
) -> Result<i64, StoreError> {
    let mut rec = crate::review_log::Recorder::begin(db, key).await?;
    let id = insert(rec.conn(), new).await?;
    rec.append(crate::review_log::Entry {
        actor: by,
        action: "incident.open",
        incident: Some(id),
        bundle: None,
        event: None,
        summary: format!("opened incident #{id}: {}", new.title),
        details: serde_json::json!({
            "title": new.title,
            "severity": new.severity.as_str(),
            "descriptionDigest": crate::review_log::text_digest(&new.description),
        }),
    })
    .await?;
    rec.commit().await?;
    Ok(id)
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

/// The incidents `query` selects, in its order, with how many match and how many
/// each status would list. A parameter that cannot be used is refused with
/// [`QueryError::Invalid`] naming it (every such parameter, when there are several).
pub async fn list(db: &Db, query: &IncidentQuery) -> Result<IncidentList, QueryError> {
    let filters = Filters::parse(query)?;
    let (text, args) = filters.select(db).build()?;
    let rows: Vec<Row> = sqlx::query_as_with(&text, args)
        .fetch_all(db.pool())
        .await
        .map_err(StoreError::from)?;
    let items = rows
        .into_iter()
        .map(summary)
        .collect::<Result<Vec<_>, _>>()?;

    let mut counts = Sql::new(db.kind(), "SELECT i.status, CAST(COUNT(*) AS BIGINT)");
    filters.push(&mut counts, false);
    counts.push(" GROUP BY i.status");
    let (text, args) = counts.build()?;
    let counts: Vec<(String, i64)> = sqlx::query_as_with(&text, args)
        .fetch_all(db.pool())
        .await
        .map_err(StoreError::from)?;
    let by_status: Vec<StatusCount> = IncidentStatus::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            count: counts
                .iter()
                .find(|(name, _)| name == status.as_str())
                .map_or(0, |(_, n)| *n),
        })
        .collect();

    let (all,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM incidents")
        .fetch_one(db.pool())
        .await
        .map_err(StoreError::from)?;
    // The counts by status are of every filter but the status: the total is the
    // asked status's count, or all of them.
    let total = by_status
        .iter()
        .filter(|c| filters.status.is_none_or(|s| s == c.status))
        .map(|c| c.count)
        .sum();
    Ok(IncidentList {
        total,
        items,
        by_status,
        all,
        page: filters.page,
    })
}

/// How the database would run the incident list's statement for `query`: its
/// query plan, a line per step (see [`crate::events::explain`]).
pub async fn explain(db: &Db, query: &IncidentQuery) -> Result<Vec<String>, QueryError> {
    let filters = Filters::parse(query)?;
    Ok(crate::sql::explain(db, filters.select(db)).await?)
}

/// An [`IncidentQuery`] once checked: typed values, and `LIKE` patterns for text.
#[derive(Debug, Default)]
struct Filters {
    text: Option<String>,
    status: Option<IncidentStatus>,
    severity: Option<Severity>,
    /// A verdict's stored name, or `none`.
    verdict: Option<&'static str>,
    /// The first day, as stored times begin (`YYYY-MM-DD`).
    opened_from: Option<String>,
    /// The day after the last day.
    opened_before: Option<String>,
    actor: Option<String>,
    assignee: Option<String>,
    sort: IncidentSort,
    page: u32,
}

impl Filters {
    fn parse(query: &IncidentQuery) -> Result<Self, QueryError> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut problems = Vec::new();
        let mut filters = Filters {
            text: given(&query.q).map(|v| contains(&v)),
            actor: given(&query.actor).map(|v| contains(&v)),
            assignee: given(&query.assignee).map(|v| contains(&v)),
            page: 1,
            ..Filters::default()
        };
        if let Some(v) = given(&query.status) {
            filters.status = IncidentStatus::parse(&v);
            if filters.status.is_none() {
                problems.push(one_of(
                    "status",
                    &v,
                    IncidentStatus::ALL.map(|s| s.as_str()),
                ));
            }
        }
        if let Some(v) = given(&query.severity) {
            filters.severity = Severity::parse(&v);
            if filters.severity.is_none() {
                problems.push(one_of("severity", &v, Severity::ALL.map(|s| s.as_str())));
            }
        }
        if let Some(v) = given(&query.verdict) {
            filters.verdict = BundleStatus::parse(&v)
                .map(BundleStatus::as_str)
                .or((v == "none").then_some("none"));
            if filters.verdict.is_none() {
                let mut names = BundleStatus::ALL.map(|s| s.as_str()).to_vec();
                names.push("none");
                problems.push(one_of("verdict", &v, names));
            }
        }
        let from = given(&query.from).and_then(|v| day("from", &v, &mut problems));
        let to = given(&query.to).and_then(|v| day("to", &v, &mut problems));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                problems.push(format!("`from` ({from}) is after `to` ({to})"));
            }
        }
        filters.opened_from = from.map(|d| d.format("%Y-%m-%d").to_string());
        filters.opened_before = match to.map(|d| d.succ_opt()) {
            Some(Some(next)) => Some(next.format("%Y-%m-%d").to_string()),
            Some(None) => {
                problems.push("`to` is past the last day Custody can count".into());
                None
            }
            None => None,
        };
        if let Some(v) = given(&query.sort) {
            match IncidentSort::parse(&v) {
                Some(sort) => filters.sort = sort,
                None => problems.push(one_of("sort", &v, IncidentSort::ALL.map(|s| s.as_str()))),
            }
        }
        if let Some(v) = given(&query.page) {
            match v.parse::<u32>() {
                Ok(page) if page >= 1 => filters.page = page,
                _ => problems.push("`page` is a page's number, from 1".into()),
            }
        }
        if problems.is_empty() {
            Ok(filters)
        } else {
            Err(QueryError::Invalid(problems.join("; ")))
        }
    }

    /// The incident list's statement: the incidents these filters select, in order.
    fn select(&self, db: &Db) -> Sql<'static> {
        let mut select = Sql::new(db.kind(), COLUMNS);
        self.push(&mut select, true);
        let per_page = i64::from(IncidentQuery::PER_PAGE);
        select
            .push(" ORDER BY ")
            .push(self.sort_sql())
            .push(" LIMIT ")
            .bind(per_page)
            .push(" OFFSET ")
            .bind(i64::from(self.page - 1) * per_page);
        select
    }

    /// Appends `FROM` and `WHERE` for these filters (without `status` unless
    /// `with_status`: the per-status counts are what each status would add).
    fn push(&self, q: &mut Sql<'_>, with_status: bool) {
        q.push(" FROM incidents i WHERE 1 = 1");
        if let Some(pattern) = &self.text {
            q.push(" AND (LOWER(i.title) LIKE ")
                .bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(i.description) LIKE ")
                .bind(pattern.clone())
                .push(" ESCAPE '\\')");
        }
        if let Some(status) = self.status.filter(|_| with_status) {
            q.push(" AND i.status = ").bind(status.as_str().to_owned());
        }
        if let Some(severity) = self.severity {
            q.push(" AND i.severity = ")
                .bind(severity.as_str().to_owned());
        }
        if let Some(verdict) = self.verdict {
            q.push(" AND i.worst = ").bind(verdict.to_owned());
        }
        // Stored times are RFC 3339 text in UTC: a day's times sort from its date on.
        if let Some(day) = &self.opened_from {
            q.push(" AND i.created_at >= ").bind(day.clone());
        }
        if let Some(day) = &self.opened_before {
            q.push(" AND i.created_at < ").bind(day.clone());
        }
        if let Some(pattern) = &self.actor {
            q.push(
                " AND EXISTS (SELECT 1 FROM actors a JOIN bundles b ON b.sha256 = a.bundle_sha256 \
                 WHERE b.incident_id = i.id AND (LOWER(a.actor_id) LIKE ",
            )
            .bind(pattern.clone())
            .push(" ESCAPE '\\' OR LOWER(a.name) LIKE ")
            .bind(pattern.clone())
            .push(" ESCAPE '\\'))");
        }
        if let Some(pattern) = &self.assignee {
            q.push(" AND (LOWER(i.assignee) LIKE ")
                .bind(pattern.clone())
                .push(
                    " ESCAPE '\\' OR EXISTS (SELECT 1 FROM users u \
                     WHERE u.username = i.assignee AND LOWER(u.display_name) LIKE ",
                )
                .bind(pattern.clone())
                .push(" ESCAPE '\\'))");
        }
    }

    /// `ORDER BY`'s terms: the key asked for, then the default order for ties, so
    /// that the same data always lists the same way.
    fn sort_sql(&self) -> &'static str {
        match self.sort {
            IncidentSort::UpdatedDesc => "i.updated_at DESC, i.id DESC",
            IncidentSort::UpdatedAsc => "i.updated_at ASC, i.id ASC",
            IncidentSort::OpenedDesc => "i.created_at DESC, i.id DESC",
            IncidentSort::OpenedAsc => "i.created_at ASC, i.id ASC",
            IncidentSort::TitleAsc => "LOWER(i.title) ASC, i.updated_at DESC, i.id DESC",
            IncidentSort::TitleDesc => "LOWER(i.title) DESC, i.updated_at DESC, i.id DESC",
            IncidentSort::SeverityDesc => {
                "CASE i.severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 \
                 ELSE 3 END DESC, i.updated_at DESC, i.id DESC"
            }
            IncidentSort::SeverityAsc => {
                "CASE i.severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 \
                 ELSE 3 END ASC, i.updated_at DESC, i.id DESC"
            }
            IncidentSort::EventsDesc => "i.event_count DESC, i.updated_at DESC, i.id DESC",
            IncidentSort::EventsAsc => "i.event_count ASC, i.updated_at DESC, i.id DESC",
        }
    }
}

/// The message for parameter `name` given `value`, which is none of `names`.
fn one_of<'a>(name: &str, value: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    format!("`{name}` is one of {}, not {value:?}", names.join(", "))
}

/// Day `value` of parameter `name` (`YYYY-MM-DD`), or a problem noted.
fn day(name: &str, value: &str, problems: &mut Vec<String>) -> Option<chrono::NaiveDate> {
    let parsed = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        // Only the one spelling: the day is compared as text with stored times.
        .filter(|d| d.format("%Y-%m-%d").to_string() == value);
    if parsed.is_none() {
        problems.push(format!(
            "`{name}` is a date as YYYY-MM-DD, e.g. 2026-03-01, not {value:?}"
        ));
    }
    parsed
}

/// The incidents assigned to `username` that are not closed, the longest unchanged first.
pub async fn assigned_to(db: &Db, username: &str) -> Result<Vec<IncidentSummary>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{COLUMNS} FROM incidents i WHERE i.assignee = $1 AND i.status <> 'closed' \
         ORDER BY i.updated_at ASC, i.id ASC"
    ))
    .bind(username)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(summary).collect()
}

/// Incident `id` with its description and bundles.
pub async fn get(db: &Db, id: i64) -> Result<Option<IncidentDetail>, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!("{COLUMNS} FROM incidents i WHERE i.id = $1"))
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
    Row {
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
        first_event_at,
        last_event_at,
        assignee_display,
    }: Row,
) -> Result<IncidentSummary, StoreError> {
    // An account without a display name, or an assignee that is no account (set
    // before accounts existed), is shown by its name as stored.
    let assignee_name = assignee.as_ref().map(|name| {
        assignee_display
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| name.clone())
    });
    let verdict = if bundle_count == 0 {
        None
    } else if tampered > 0 {
        Some(BundleStatus::Tampered)
    } else if untrusted > 0 {
        Some(BundleStatus::Untrusted)
    } else if warned > 0 {
        Some(BundleStatus::VerifiedWithWarnings)
    } else {
        Some(BundleStatus::Verified)
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
        assignee_name,
        created_at,
        updated_at,
        bundle_count,
        event_count,
        verdict,
        first_event_at,
        last_event_at,
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

/// Why a workflow change was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No such incident.
    #[error("no incident {0}")]
    NoIncident(i64),
    /// The assignee is not an enabled account.
    #[error("{0:?} is not an enabled account")]
    NoAssignee(String),
    /// The change would state something the evidence's review does not support.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(WorkflowError);

/// Moves incident `id` to `status`, as `reviewer`, recorded in the review log.
pub async fn set_status(
    db: &Db,
    key: &crate::review_log::ServerKey,
    reviewer: &model::Reviewer,
    id: i64,
    status: IncidentStatus,
) -> Result<(), WorkflowError> {
    let mut rec = crate::review_log::Recorder::begin(db, key).await?;
    let old: Option<(String,)> = sqlx::query_as("SELECT status FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(rec.conn())
        .await?;
    let Some((old,)) = old else {
        return Err(WorkflowError::NoIncident(id));
    };
    if status == IncidentStatus::SignedOff {
        let waiting = awaiting_signoff(db, id).await?;
        if !waiting.is_empty() {
            return Err(WorkflowError::Refused(format!(
                "not signed off: {} still await{} sign-off",
                waiting.join(", "),
                if waiting.len() == 1 { "s" } else { "" }
            )));
        }
    }
    sqlx::query("UPDATE incidents SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now())
        .bind(id)
        .execute(rec.conn())
        .await?;
    rec.append(crate::review_log::Entry {
        actor: crate::review_log::Actor::Reviewer(reviewer),
        action: "status",
        incident: Some(id),
        bundle: None,
        event: None,
        summary: format!(
            "status: {} → {}",
            IncidentStatus::parse(&old).map_or(old.as_str(), |s| s.label()),
            status.label()
        ),
        details: serde_json::json!({ "from": old, "to": status.as_str() }),
    })
    .await?;
    rec.commit().await?;
    Ok(())
}

/// The approval chains of incident `id`'s bundles that await sign-off (in bundles
/// that verified: a bundle that did not has nothing to sign), each as
/// `chain APPROVAL (n of m steps)`.
pub async fn awaiting_signoff(db: &Db, id: i64) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for sha in crate::bundles::shas_of_incident(db, id).await? {
        let Some(found) = crate::signoffs::of_bundle(db, &sha).await? else {
            continue;
        };
        if found.blocked.is_some() {
            continue;
        }
        for chain in found
            .chains
            .iter()
            .filter(|c| c.status == model::ChainStatus::Pending)
        {
            let filled = chain
                .signoffs
                .iter()
                .filter(|s| s.decision.fills_step())
                .count();
            out.push(format!(
                "chain {} ({filled} of {} steps)",
                chain.approval_id, chain.steps
            ));
        }
    }
    Ok(out)
}

/// Assigns incident `id` to account `assignee` (or to no one), as `reviewer`.
pub async fn assign(
    db: &Db,
    key: &crate::review_log::ServerKey,
    reviewer: &model::Reviewer,
    id: i64,
    assignee: Option<&str>,
) -> Result<(), WorkflowError> {
    let assignee = assignee.map(str::trim).filter(|a| !a.is_empty());
    // The log says whom, as people read it: the display name, and the account name.
    let mut whom = None;
    if let Some(name) = assignee {
        match crate::users::get(db, name).await? {
            Some(account) if account.disabled_at.is_none() => {
                let display = account.display_name.trim();
                whom = Some(if display.is_empty() || display == name {
                    name.to_owned()
                } else {
                    format!("{display} ({name})")
                });
            }
            _ => return Err(WorkflowError::NoAssignee(name.to_owned())),
        }
    }
    let mut rec = crate::review_log::Recorder::begin(db, key).await?;
    let changed = sqlx::query("UPDATE incidents SET assignee = $1, updated_at = $2 WHERE id = $3")
        .bind(assignee)
        .bind(now())
        .bind(id)
        .execute(rec.conn())
        .await?;
    if changed.rows_affected() == 0 {
        return Err(WorkflowError::NoIncident(id));
    }
    rec.append(crate::review_log::Entry {
        actor: crate::review_log::Actor::Reviewer(reviewer),
        action: "assign",
        incident: Some(id),
        bundle: None,
        event: None,
        summary: match whom {
            Some(whom) => format!("assigned to {whom}"),
            None => "unassigned".to_owned(),
        },
        details: serde_json::json!({ "assignee": assignee }),
    })
    .await?;
    rec.commit().await?;
    Ok(())
}
