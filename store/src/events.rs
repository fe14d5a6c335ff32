//! Events as stored: queries, a bundle's delegation graph, and the lifecycles of
//! its actors and credentials, all computed on the server.

use std::collections::BTreeSet;

use model::{
    ActorLifecycle, CredentialLifecycle, EventQuery, EventRow, Graph, GraphEdge, GraphNode, Page,
};

use evidence::event::Provenance;

use crate::sql::Sql;
use crate::{Db, StoreError};

/// Largest page.
pub const MAX_PER_PAGE: u32 = 500;
/// Page size when none is asked.
pub const DEFAULT_PER_PAGE: u32 = 50;

const COLUMNS: &str = "e.bundle_sha256, e.idx, e.digest, e.integrity, e.trust, e.chain, \
     e.inclusion, e.verdict, e.findings, e.event_id, e.kind, e.time, e.emitter, e.actor_type, \
     e.actor_id, e.initiator_id, e.parent, e.credential_id, e.decision, e.resource, e.summary, \
     e.provenance";

#[derive(sqlx::FromRow)]
struct Row {
    bundle_sha256: String,
    idx: i64,
    digest: String,
    integrity: String,
    trust: String,
    chain: String,
    inclusion: String,
    verdict: String,
    findings: String,
    event_id: Option<String>,
    kind: Option<String>,
    time: Option<String>,
    emitter: Option<String>,
    actor_type: Option<String>,
    actor_id: Option<String>,
    initiator_id: Option<String>,
    parent: Option<String>,
    credential_id: Option<String>,
    decision: Option<String>,
    resource: Option<String>,
    summary: Option<String>,
    provenance: Option<String>,
}

impl From<Row> for EventRow {
    fn from(r: Row) -> Self {
        EventRow {
            bundle_sha256: r.bundle_sha256,
            index: r.idx,
            digest: r.digest,
            integrity: r.integrity,
            trust: r.trust,
            chain: r.chain,
            inclusion: r.inclusion,
            verdict: r.verdict,
            findings: r.findings.split_whitespace().map(str::to_owned).collect(),
            event_id: r.event_id,
            kind: r.kind,
            time: r.time,
            emitter: r.emitter,
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            initiator_id: r.initiator_id,
            parent: r.parent,
            credential_id: r.credential_id,
            decision: r.decision,
            resource: r.resource,
            summary: r.summary,
            provenance: r.provenance.as_deref().and_then(Provenance::parse),
        }
    }
}

/// Why a query was refused.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// A parameter is not acceptable; the text names it.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `text` as a `LIKE` pattern matching itself only (`%`, `_` and `\` escaped with
/// `\`; the statement says `ESCAPE '\'`).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `LIKE` pattern for text containing `text`, with `\` escaping.
pub(crate) fn contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    out.push_str(&like_literal(&text.to_lowercase()));
    out.push('%');
    out
}

/// Bound `name` (`from` or `to`) as a stored time: an RFC 3339 time in UTC, or a day
/// (`YYYY-MM-DD`), which `from` takes from its first instant and `to` through its
/// last (the bound is the next day's first instant, as `to` is exclusive).
fn time_bound(name: &str, text: &str) -> Result<String, QueryError> {
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text);
    let start = day.map(|day| {
        let day = if name == "to" {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
    });
    crate::stored_time(start.as_deref().unwrap_or(text)).ok_or_else(|| {
        QueryError::Invalid(format!(
            "`{name}` must be a day (2026-03-01) or an RFC 3339 time in UTC (2026-03-01T09:00:00Z)"
        ))
    })
}

/// The most characters a text filter of an event query may have: enough for any
/// identifier, resource or phrase; the review log records the filters of every
/// export, so no request may make an entry larger than this allows.
pub const MAX_FILTER_CHARS: usize = 256;

/// Refuses an event query whose filters are longer than [`MAX_FILTER_CHARS`], or whose
/// `bundle` is not a SHA-256: every filter is checked before anything is read or
/// recorded.
pub fn check_query(query: &EventQuery) -> Result<(), QueryError> {
    if query.incident.is_some_and(|n| n < 1) {
        return Err(QueryError::Invalid(
            "`incident` is an incident's number, from 1".into(),
        ));
    }
    let texts = [
        ("bundle", &query.bundle),
        ("actor_type", &query.actor_type),
        ("actor", &query.actor),
        ("kind", &query.kind),
        ("resource", &query.resource),
        ("credential", &query.credential),
        ("decision", &query.decision),
        ("from", &query.from),
        ("to", &query.to),
        ("verdict", &query.verdict),
        ("q", &query.q),
        ("sort", &query.sort),
    ];
    for (name, value) in texts {
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > MAX_FILTER_CHARS)
        {
            return Err(QueryError::Invalid(format!(
                "`{name}` has at most {MAX_FILTER_CHARS} characters"
            )));
        }
    }
    if let Some(sha) = query.bundle.as_ref().filter(|b| !b.is_empty()) {
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(QueryError::Invalid(
                "`bundle` is a bundle's SHA-256: 64 lowercase hex digits".into(),
            ));
        }
    }
    Ok(())
}

/// Adds `FROM events e JOIN bundles b …` and `query`'s filters to `q`.
pub(crate) fn push_filters(q: &mut Sql<'_>, query: &EventQuery) -> Result<(), QueryError> {
    push_filters_walking(q, query, Walk::Planner)
}

/// How a page's rows are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Walk {
    /// As the database's planner chooses.
    Planner,
    /// Along the time index, each event looked up in the set of those whose words
    /// match (SQLite): see [`walk_of`].
    TimeIndex,
}

/// How the rows of a page of `query` are found, once the count says whether more
/// than [`Page::COUNT_LIMIT`] events match (`capped`). SQLite's planner finds the
/// events of a free-text search through the full-text index, then reads and sorts
/// every match for a page: 50 ms for a word in 3% of a million events, ten times
/// that at ten million. When more than the count's limit match, and no other
/// filter has an index of its own, a page is read along the time index instead,
/// each event looked up in the set of matches, and the walk stops at the page's
/// last row: 6 ms for the same word. With fewer matches, reading them is cheaper
/// than walking.
fn walk_of(db: &Db, query: &EventQuery, sort: Sort, capped: bool) -> Walk {
    if db.kind() == model::DatabaseKind::Sqlite
        && has_text(query)
        && capped
        && sort.by_time
        && !sort.scoped
        && !has_own_index(query)
    {
        Walk::TimeIndex
    } else {
        Walk::Planner
    }
}

/// Whether `query` has free text.
fn has_text(query: &EventQuery) -> bool {
    query.q.as_ref().is_some_and(|v| !v.trim().is_empty())
}

/// The actor type the index of actor types leaves out, and the verdict the index
/// of verdicts leaves out: each column's most common value (migrations/*/0011).
const UNINDEXED_ACTOR_TYPE: &str = "agent";
const UNINDEXED_VERDICT: &str = "pass";

/// Whether `query`'s actor type is one its partial index holds.
fn actor_type_indexed(query: &EventQuery) -> bool {
    query
        .actor_type
        .as_ref()
        .is_some_and(|t| !t.is_empty() && t != UNINDEXED_ACTOR_TYPE)
}

/// Whether `query`'s verdict is one its partial index holds.
fn verdict_indexed(query: &EventQuery) -> bool {
    query
        .verdict
        .as_ref()
        .is_some_and(|v| v != UNINDEXED_VERDICT)
}

/// Whether a filter of `query` has an index of its own to read a page along (the
/// most common verdict and actor type have none: see migrations/*/0011).
fn has_own_index(query: &EventQuery) -> bool {
    let set = |v: &Option<String>| v.as_ref().is_some_and(|v| !v.trim().is_empty());
    [
        &query.kind,
        &query.actor,
        &query.resource,
        &query.credential,
        &query.decision,
    ]
    .into_iter()
    .any(set)
        || actor_type_indexed(query)
        || verdict_indexed(query)
}

fn push_filters_walking(q: &mut Sql<'_>, query: &EventQuery, walk: Walk) -> Result<(), QueryError> {
    check_query(query)?;
    q.push(match walk {
        Walk::Planner => " FROM events e JOIN bundles b ON b.sha256 = e.bundle_sha256 WHERE 1 = 1",
        Walk::TimeIndex => {
            " FROM events e INDEXED BY events_time JOIN bundles b ON b.sha256 = e.bundle_sha256 \
             WHERE 1 = 1"
        }
    });
    if let Some(incident) = query.incident {
        q.push(" AND b.incident_id = ").bind(incident);
    }
    let exact = |q: &mut Sql<'_>, column: &str, value: &Option<String>| {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            q.push(&format!(" AND {column} = ")).bind(v.clone());
        }
    };
    exact(q, "e.bundle_sha256", &query.bundle);
    exact(q, "e.actor_type", &query.actor_type);
    // The index of actor types leaves agents out, and that of verdicts passing
    // events (see migrations/*/0011): the literal term lets the planner use it.
    if actor_type_indexed(query) {
        q.push(&format!(" AND e.actor_type <> '{UNINDEXED_ACTOR_TYPE}'"));
    }
    exact(q, "e.kind", &query.kind);
    exact(q, "e.resource", &query.resource);
    exact(q, "e.credential_id", &query.credential);
    exact(q, "e.decision", &query.decision);
    if let Some(v) = &query.verdict {
        if !["pass", "fail", "unknown"].contains(&v.as_str()) {
            return Err(QueryError::Invalid(
                "`verdict` is one of pass, fail, unknown".into(),
            ));
        }
        q.push(" AND e.verdict = ").bind(v.clone());
        if verdict_indexed(query) {
            q.push(&format!(" AND e.verdict <> '{UNINDEXED_VERDICT}'"));
        }
    }
    if let Some(actor) = query.actor.as_ref().filter(|v| !v.is_empty()) {
        q.push(" AND (e.actor_id = ")
            .bind(actor.clone())
            .push(" OR e.initiator_id = ")
            .bind(actor.clone())
            // `>= ''` holds for any text: it lets the index of principals be read.
            .push(" OR (e.on_behalf_of >= '' AND (' ' || e.on_behalf_of || ' ') LIKE ")
            .bind(contains(&format!(" {actor} ")))
            .push(" ESCAPE '\\'))");
    }
    if let Some(from) = query.from.as_ref().filter(|v| !v.is_empty()) {
        q.push(" AND e.time >= ").bind(time_bound("from", from)?);
    }
    if let Some(to) = query.to.as_ref().filter(|v| !v.is_empty()) {
        q.push(" AND e.time < ").bind(time_bound("to", to)?);
    }
    if let Some(text) = query.q.as_ref().filter(|v| !v.trim().is_empty()) {
        // Without a letter or digit, `q` has no word that an event could have.
        let Some(words) = crate::search::query(q.kind(), text) else {
            q.push(" AND 1 = 0");
            return Ok(());
        };
        match q.kind() {
            model::DatabaseKind::Sqlite => q
                .push(" AND e.rowid IN (SELECT rowid FROM events_text WHERE events_text MATCH ")
                .bind(words)
                .push(")"),
            model::DatabaseKind::Postgres => q
                .push(" AND e.words @@ to_tsquery('simple', ")
                .bind(words)
                .push(")"),
        };
    }
    Ok(())
}

/// The order a query's `sort` asks for. Events without a time (those whose
/// signature did not hold, so that nothing was read from them) come first in time
/// order and last in reverse time order, on both databases. Ties are broken by
/// bundle and index, in the same direction, so that every event has one place.
///
/// Within one incident or bundle, events are gathered through it and sorted, never
/// read along the time index: an incident's events are a small part of the store,
/// and reading them in the order of every event's time would cross every other
/// incident's events first (`|| ''` makes the time an expression no index is in the
/// order of).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sort {
    by_time: bool,
    descending: bool,
    scoped: bool,
}

impl Sort {
    pub(crate) fn of(query: &EventQuery) -> Result<Sort, QueryError> {
        let scoped =
            query.incident.is_some() || query.bundle.as_ref().is_some_and(|b| !b.is_empty());
        let (by_time, descending) = match query.sort.as_deref().unwrap_or("time") {
            "time" => (true, false),
            "-time" => (true, true),
            "index" => (false, false),
            "-index" => (false, true),
            _ => {
                return Err(QueryError::Invalid(
                    "`sort` is one of time, -time, index, -index".into(),
                ))
            }
        };
        Ok(Sort {
            by_time,
            descending,
            scoped,
        })
    }

    fn time(self) -> &'static str {
        if self.scoped {
            "(e.time || '')"
        } else {
            "e.time"
        }
    }

    /// The `ORDER BY` (without those words) of this order, or of its reverse.
    fn order(self, descending: bool) -> String {
        let dir = if descending { "DESC" } else { "ASC" };
        let keys = format!("e.bundle_sha256 {dir}, e.idx {dir}");
        if self.by_time {
            let nulls = if descending {
                "NULLS LAST"
            } else {
                "NULLS FIRST"
            };
            format!("{} {dir} {nulls}, {keys}", self.time())
        } else {
            keys
        }
    }

    /// The `ORDER BY` (without those words) of this order.
    pub(crate) fn order_by(self) -> String {
        self.order(self.descending)
    }
}

/// The event a cursor (`after`, `before`) names, and its time: where a page
/// starts in the order.
struct Cursor {
    bundle: String,
    index: i64,
    time: Option<String>,
}

/// The bundle and index of cursor `name` (`after` or `before`):
/// `{bundle SHA-256}:{index}`.
fn cursor_of(name: &str, text: &str) -> Result<(String, i64), QueryError> {
    let wrong = || {
        QueryError::Invalid(format!(
            "`{name}` names an event as its bundle's SHA-256 and its index: {{64 hex digits}}:{{index}}"
        ))
    };
    let (sha, index) = text.split_once(':').ok_or_else(wrong)?;
    let index: i64 = index.parse().map_err(|_| wrong())?;
    if index < 0 || sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(wrong());
    }
    Ok((sha.to_owned(), index))
}

/// An event's cursor: what `after` and `before` take.
fn cursor_text(row: &Row) -> String {
    format!("{}:{}", row.bundle_sha256, row.idx)
}

/// Which events a statement of a keyset page reads: events with a time and those
/// without are read apart, so that each is a range of an index.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Untimed,
    Timed,
    All,
}

/// The statement reading up to `limit` rows of `part` that follow `from` (or, with
/// no cursor, the first of `part`) when walking the order `sort` asks for, or its
/// reverse when `descending` differs from it.
#[allow(clippy::too_many_arguments)]
fn part_select<'q>(
    db: &Db,
    query: &EventQuery,
    sort: Sort,
    walk: Walk,
    descending: bool,
    part: Part,
    from: Option<&Cursor>,
    limit: i64,
) -> Result<Sql<'q>, QueryError> {
    let mut select = Sql::new(db.kind(), format!("SELECT {COLUMNS}"));
    push_filters_walking(&mut select, query, walk)?;
    let t = sort.time();
    let (op, or_equal) = if descending { ("<", "<=") } else { (">", ">=") };
    let null_test = match part {
        Part::Untimed => Some("IS NULL"),
        Part::Timed => Some("IS NOT NULL"),
        Part::All => None,
    };
    if let Some(test) = null_test {
        select.push(&format!(" AND {t} {test}"));
    }
    if let Some(c) = from {
        match (part, &c.time) {
            (Part::Timed, Some(time)) => select
                .push(&format!(" AND {t} {or_equal} "))
                .bind(time.clone())
                .push(&format!(" AND ({t} {op} "))
                .bind(time.clone())
                .push(&format!(" OR (e.bundle_sha256, e.idx) {op} ("))
                .bind(c.bundle.clone())
                .push(", ")
                .bind(c.index)
                .push("))"),
            _ => select
                .push(&format!(" AND (e.bundle_sha256, e.idx) {op} ("))
                .bind(c.bundle.clone())
                .push(", ")
                .bind(c.index)
                .push(")"),
        };
    }
    select
        .push(&format!(" ORDER BY {} LIMIT ", sort.order(descending)))
        .bind(limit);
    Ok(select)
}

/// The statements of the page after (or, `backward`, before) `cursor`: one per part
/// of the order walked from the cursor's, each reading up to `limit` rows.
#[allow(clippy::too_many_arguments)]
fn keyset_selects<'q>(
    db: &Db,
    query: &EventQuery,
    sort: Sort,
    walk: Walk,
    cursor: &Cursor,
    backward: bool,
    limit: i64,
) -> Result<Vec<Sql<'q>>, QueryError> {
    let descending = sort.descending != backward;
    parts_from(sort, descending, cursor)
        .iter()
        .enumerate()
        .map(|(n, part)| {
            let from = (n == 0).then_some(cursor);
            part_select(db, query, sort, walk, descending, *part, from, limit)
        })
        .collect()
}

/// The parts a keyset page walks, in the order walked, from the cursor's.
fn parts_from(sort: Sort, descending: bool, cursor: &Cursor) -> &'static [Part] {
    match (sort.by_time, descending, cursor.time.is_some()) {
        (false, _, _) => &[Part::All],
        (true, false, false) => &[Part::Untimed, Part::Timed],
        (true, false, true) => &[Part::Timed],
        (true, true, true) => &[Part::Timed, Part::Untimed],
        (true, true, false) => &[Part::Untimed],
    }
}

/// The cursor `query` pages from, if any: its parameter's name, its text, and
/// whether the page lies before it.
fn cursor_asked(query: &EventQuery) -> Option<(&'static str, &str, bool)> {
    match (&query.after, &query.before) {
        (Some(after), _) => Some(("after", after, false)),
        (None, Some(before)) => Some(("before", before, true)),
        (None, None) => None,
    }
}

/// The event `after` or `before` (`name`) names, with its time; refused when it
/// is not stored.
async fn find_cursor(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    name: &str,
    bundle: String,
    index: i64,
) -> Result<Cursor, QueryError> {
    let found: Option<(Option<String>,)> =
        sqlx::query_as("SELECT time FROM events WHERE bundle_sha256 = $1 AND idx = $2")
            .bind(&bundle)
            .bind(index)
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::from)?;
    let (time,) =
        found.ok_or_else(|| QueryError::Invalid(format!("`{name}` names no stored event")))?;
    Ok(Cursor {
        bundle,
        index,
        time,
    })
}

/// Checks `query` as [`query`] would, reading nothing.
pub fn validate(db: &Db, query: &EventQuery) -> Result<(), QueryError> {
    statements(db, query).map(|_| ())
}

/// The events `query` selects, one page of them: a heavy read (see [`Db::heavy`]),
/// so a search waits for its turn, and is answered busy past its time limit.
pub async fn query(db: &Db, query: &EventQuery) -> Result<Page<EventRow>, QueryError> {
    db.heavy(page_of(db, query)).await
}

/// How a page's rows are read.
enum Rows {
    /// A page asked by number: see [`numbered_select`].
    Numbered,
    /// The page after or before the event `bundle`, `index` (the cursor `name`):
    /// see [`part_select`].
    Keyset {
        name: &'static str,
        bundle: String,
        index: i64,
        backward: bool,
    },
}

/// A page's statements: the count (up to one past [`Page::COUNT_LIMIT`]: past it,
/// the page says "more than"), and, for a page asked by number, its rows and one
/// more (which tells whether a next page has any). Checks every parameter.
struct Statements<'q> {
    count: Sql<'q>,
    rows: Rows,
    sort: Sort,
    page: u32,
    per_page: u32,
}

fn statements<'q>(db: &Db, query: &EventQuery) -> Result<Statements<'q>, QueryError> {
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(QueryError::Invalid(format!(
            "`per_page` is 1 to {MAX_PER_PAGE}"
        )));
    }
    let page = query.page.unwrap_or(1);
    if page == 0 {
        return Err(QueryError::Invalid("`page` counts from 1".into()));
    }
    if query.after.is_some() && query.before.is_some() {
        return Err(QueryError::Invalid(
            "give `after` or `before`, not both".into(),
        ));
    }
    let sort = Sort::of(query)?;
    let mut count = Sql::new(db.kind(), "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT 1");
    push_filters(&mut count, query)?;
    // Without free text or a filter with an index of its own, SQLite counts along
    // the time index, as the page is read: told nothing of the order, it would read
    // the table itself until the count's limit.
    if db.kind() == model::DatabaseKind::Sqlite
        && !has_text(query)
        && !has_own_index(query)
        && !sort.scoped
    {
        count.push(" ORDER BY e.time");
    }
    count
        .push(" LIMIT ")
        .bind(Page::<EventRow>::COUNT_LIMIT + 1)
        .push(") AS counted");
    let rows = match cursor_asked(query) {
        Some((name, text, backward)) => {
            let (bundle, index) = cursor_of(name, text)?;
            Rows::Keyset {
                name,
                bundle,
                index,
                backward,
            }
        }
        None => Rows::Numbered,
    };
    Ok(Statements {
        count,
        rows,
        sort,
        page,
        per_page,
    })
}

/// The rows of page `page` of `query` and one more (which tells whether a next
/// page has any).
fn numbered_select<'q>(
    db: &Db,
    query: &EventQuery,
    sort: Sort,
    walk: Walk,
    page: u32,
    per_page: u32,
) -> Result<Sql<'q>, QueryError> {
    let mut select = Sql::new(db.kind(), format!("SELECT {COLUMNS}"));
    push_filters_walking(&mut select, query, walk)?;
    select
        .push(&format!(" ORDER BY {} LIMIT ", sort.order_by()))
        .bind(i64::from(per_page) + 1)
        .push(" OFFSET ")
        .bind(i64::from(page - 1) * i64::from(per_page));
    Ok(select)
}

/// Reads `statement`'s rows.
async fn rows_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    statement: Sql<'_>,
) -> Result<Vec<Row>, QueryError> {
    let (text, args) = statement.build()?;
    Ok(sqlx::query_as_with(&text, args)
        .fetch_all(&mut **tx)
        .await
        .map_err(StoreError::from)?)
}

async fn page_of(db: &Db, query: &EventQuery) -> Result<Page<EventRow>, QueryError> {
    let Statements {
        count,
        rows,
        sort,
        page,
        per_page,
    } = statements(db, query)?;
    let wanted = usize::try_from(per_page).unwrap_or(usize::MAX);
    let mut tx = db.limited_read().await?;
    let (text, args) = count.build()?;
    let (total,): (i64,) = sqlx::query_as_with(&text, args)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    let walk = walk_of(db, query, sort, total > Page::<EventRow>::COUNT_LIMIT);
    // Rows are read one past the page, in the direction walked: whether that one
    // exists tells whether a page lies beyond.
    let (mut rows, backward, came_from_before) = match rows {
        Rows::Numbered => {
            let select = numbered_select(db, query, sort, walk, page, per_page)?;
            (rows_of(&mut tx, select).await?, false, page > 1)
        }
        Rows::Keyset {
            name,
            bundle,
            index,
            backward,
        } => {
            let cursor = find_cursor(&mut tx, name, bundle, index).await?;
            let limit = i64::from(per_page) + 1;
            let mut rows = Vec::new();
            for select in keyset_selects(db, query, sort, walk, &cursor, backward, limit)? {
                if rows.len() > wanted {
                    break;
                }
                rows.extend(rows_of(&mut tx, select).await?);
            }
            (rows, backward, true)
        }
    };
    tx.rollback().await.map_err(StoreError::from)?;
    let beyond = rows.len() > wanted;
    rows.truncate(wanted);
    if backward {
        rows.reverse();
    }
    let (first, last) = (rows.first().map(cursor_text), rows.last().map(cursor_text));
    // Walking forward, rows precede the page when it was reached from them; walking
    // back from `before`, the cursor's event and what follows it come next.
    let (next, prev) = if backward {
        (last, first.filter(|_| beyond))
    } else {
        (last.filter(|_| beyond), first.filter(|_| came_from_before))
    };
    let total_capped = total > Page::<EventRow>::COUNT_LIMIT;
    Ok(Page {
        items: rows.into_iter().map(EventRow::from).collect(),
        total: total.min(Page::<EventRow>::COUNT_LIMIT),
        total_capped,
        page,
        per_page,
        next,
        prev,
    })
}

/// How the database would run the statements of a page of `query` (the count,
/// then the rows: for a page after or before an event, each part of the order it
/// reads): its query plan, a line per step. On Postgres, sequential scans are made
/// a last resort first, so the plan shows the index a statement can use however
/// few rows the tables hold now.
pub async fn explain(db: &Db, query: &EventQuery) -> Result<Vec<String>, QueryError> {
    let planned = statements(db, query)?;
    let (sort, page, per_page) = (planned.sort, planned.page, planned.per_page);
    let (count, rows) = (planned.count, planned.rows);
    let mut statements = vec![count];
    // Both ways a page's rows may be found: which one depends on the count.
    let mut walks = vec![Walk::Planner];
    if walk_of(db, query, sort, true) == Walk::TimeIndex {
        walks.push(Walk::TimeIndex);
    }
    match rows {
        Rows::Numbered => {
            for walk in walks {
                statements.push(numbered_select(db, query, sort, walk, page, per_page)?);
            }
        }
        Rows::Keyset {
            name,
            bundle,
            index,
            backward,
        } => {
            let mut tx = db.pool().begin().await.map_err(StoreError::from)?;
            let cursor = find_cursor(&mut tx, name, bundle, index).await?;
            tx.rollback().await.map_err(StoreError::from)?;
            for walk in walks {
                let limit = i64::from(per_page) + 1;
                statements.extend(keyset_selects(
                    db, query, sort, walk, &cursor, backward, limit,
                )?);
            }
        }
    }
    let mut lines = Vec::new();
    for statement in statements {
        lines.extend(crate::sql::explain(db, statement).await?);
    }
    Ok(lines)
}

/// One event with its payload as signed (text; never markup), if it was read.
pub async fn get(
    db: &Db,
    bundle: &str,
    index: i64,
) -> Result<Option<(EventRow, Option<String>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct WithSpan {
        #[sqlx(flatten)]
        row: Row,
        payload_at: Option<i64>,
        payload_len: Option<i64>,
    }
    let found: Option<WithSpan> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, e.payload_at, e.payload_len FROM events e \
         WHERE e.bundle_sha256 = $1 AND e.idx = $2"
    ))
    .bind(bundle)
    .bind(index)
    .fetch_optional(db.pool())
    .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    // A payload is read only where it was read at ingest: a valid event's.
    let payload = match found.row.event_id {
        Some(_) => {
            let span = found.payload_at.zip(found.payload_len);
            crate::bundles::payload(db, bundle, index, span).await?
        }
        None => None,
    };
    Ok(Some((found.row.into(), payload)))
}

async fn named(
    db: &Db,
    bundle: &str,
    column_filter: &str,
    values: &[&str],
) -> Result<Vec<EventRow>, StoreError> {
    let text = format!(
        "SELECT {COLUMNS} FROM events e WHERE e.bundle_sha256 = $1 AND ({column_filter}) \
         ORDER BY e.time, e.idx"
    );
    let mut query = sqlx::query_as(&text).bind(bundle);
    for value in values {
        query = query.bind(*value);
    }
    let rows: Vec<Row> = query.fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(EventRow::from).collect())
}

/// An actor's appearances in a bundle: as actor, initiator or on whose behalf.
pub async fn actor_lifecycle(
    db: &Db,
    bundle: &str,
    actor_id: &str,
) -> Result<Option<ActorLifecycle>, StoreError> {
    let row: Option<(String, Option<String>, String, String, i64)> = sqlx::query_as(
        "SELECT actor_type, name, first_at, last_at, event_count FROM actors \
         WHERE bundle_sha256 = $1 AND actor_id = $2",
    )
    .bind(bundle)
    .bind(actor_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((actor_type, name, first_at, last_at, event_count)) = row else {
        return Ok(None);
    };
    let events = named(
        db,
        bundle,
        "e.actor_id = $2 OR e.initiator_id = $2 OR (' ' || e.on_behalf_of || ' ') LIKE $3 ESCAPE '\\' \
         OR (' ' || e.also_named || ' ') LIKE $3 ESCAPE '\\'",
        &[actor_id, &format!("% {} %", like_literal(actor_id))],
    )
    .await?;
    Ok(Some(ActorLifecycle {
        actor_id: actor_id.to_owned(),
        actor_type,
        name,
        first_at,
        last_at,
        event_count,
        events,
    }))
}

/// A credential's life in a bundle.
pub async fn credential_lifecycle(
    db: &Db,
    bundle: &str,
    token_id: &str,
) -> Result<Option<CredentialLifecycle>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Cred {
        issuer: Option<String>,
        subject: Option<String>,
        scope: Option<String>,
        issued_at: Option<String>,
        expires_at: Option<String>,
        exchanged_from: Option<String>,
        revoked_at: Option<String>,
    }
    let row: Option<Cred> = sqlx::query_as(
        "SELECT issuer, subject, scope, issued_at, expires_at, exchanged_from, revoked_at \
         FROM credentials WHERE bundle_sha256 = $1 AND token_id = $2",
    )
    .bind(bundle)
    .bind(token_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(Cred {
        issuer,
        subject,
        scope,
        issued_at,
        expires_at,
        exchanged_from,
        revoked_at,
    }) = row
    else {
        return Ok(None);
    };
    let events = named(db, bundle, "e.credential_id = $2", &[token_id]).await?;
    Ok(Some(CredentialLifecycle {
        token_id: token_id.to_owned(),
        issuer,
        subject,
        scope,
        issued_at,
        expires_at,
        exchanged_from,
        revoked_at,
        events,
    }))
}

/// What the delegation graph reads of an event.
#[derive(sqlx::FromRow)]
struct GraphEventRow {
    event_id: String,
    kind: String,
    summary: Option<String>,
    actor_id: String,
    initiator_id: Option<String>,
    on_behalf_of: Option<String>,
    parent: Option<String>,
}

/// A bundle's delegation graph, from its valid events: each actor and event a node;
/// `performed` (actor → event), `initiated` (initiator → event), `on_behalf_of`
/// (principal → actor), `delegated` (actor → delegate), `caused` (parent event →
/// event), `approved` (approver → approval request).
pub async fn graph(db: &Db, bundle: &str) -> Result<Graph, StoreError> {
    let actors: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT actor_id, actor_type, name FROM actors WHERE bundle_sha256 = $1 ORDER BY first_at, actor_id",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    let events: Vec<GraphEventRow> = sqlx::query_as(
        "SELECT event_id, kind, summary, actor_id, initiator_id, on_behalf_of, parent \
             FROM events WHERE bundle_sha256 = $1 AND event_id IS NOT NULL ORDER BY time, idx",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    // In the order they stand in the bytes, so that each stored part is read once.
    let spans: Vec<(String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT event_id, idx, payload_at, payload_len FROM events WHERE bundle_sha256 = $1 \
         AND kind IN ('task.delegate', 'approval.decision') AND event_id IS NOT NULL \
         ORDER BY idx",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    let mut payloads = Vec::with_capacity(spans.len());
    let mut bytes = crate::bundle_bytes::Spans::new(db, bundle);
    for (event_id, idx, at, len) in spans {
        if let Some(payload) = crate::bundles::payload_from(&mut bytes, idx, at.zip(len)).await? {
            payloads.push((event_id, payload));
        }
    }
    let mut graph = Graph::default();
    for (id, actor_type, name) in actors {
        graph.nodes.push(GraphNode {
            label: name.unwrap_or_else(|| id.clone()),
            id: format!("actor:{id}"),
            node_type: "actor".into(),
            kind: actor_type,
        });
    }
    let ids: BTreeSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let mut edges: BTreeSet<(String, String, &'static str)> = BTreeSet::new();
    for GraphEventRow {
        event_id,
        kind,
        summary,
        actor_id,
        initiator_id: initiator,
        on_behalf_of,
        parent,
    } in &events
    {
        let node = format!("event:{event_id}");
        graph.nodes.push(GraphNode {
            id: node.clone(),
            node_type: "event".into(),
            kind: kind.clone(),
            label: summary.clone().unwrap_or_else(|| kind.clone()),
        });
        edges.insert((format!("actor:{actor_id}"), node.clone(), "performed"));
        if let Some(initiator) = initiator {
            edges.insert((format!("actor:{initiator}"), node.clone(), "initiated"));
        }
        for principal in on_behalf_of.iter().flat_map(|s| s.split_whitespace()) {
            edges.insert((
                format!("actor:{principal}"),
                format!("actor:{actor_id}"),
                "on_behalf_of",
            ));
        }
        if let Some(parent) = parent.as_ref().filter(|p| ids.contains(*p)) {
            edges.insert((format!("event:{parent}"), node.clone(), "caused"));
        }
    }
    for (event_id, payload) in payloads {
        let Ok(event) = serde_json::from_str::<evidence::event::Event>(&payload) else {
            continue;
        };
        if let Some(d) = &event.delegation {
            edges.insert((
                format!("actor:{}", event.actor.id),
                format!("actor:{}", d.to.id),
                "delegated",
            ));
        }
        if let Some(by) = event.approval.as_ref().and_then(|a| a.decided_by.as_ref()) {
            edges.insert((
                format!("actor:{}", by.id),
                format!("event:{event_id}"),
                "approved",
            ));
        }
    }
    graph.edges = edges
        .into_iter()
        .map(|(from, to, relation)| GraphEdge {
            from,
            to,
            relation: relation.into(),
        })
        .collect();
    Ok(graph)
}
