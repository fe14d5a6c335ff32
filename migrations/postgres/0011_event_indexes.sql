-- Events without a time (those whose signature did not hold, so nothing was read
-- from them) come first in time order and last in reverse time order, on both
-- databases: `ORDER BY time ASC NULLS FIRST` / `DESC NULLS LAST`, which is SQLite's
-- own order. A Postgres index is ordered `NULLS LAST` unless told otherwise, and
-- could then serve neither; these are the same indexes, ordered as pages are read.
DROP INDEX events_time;
CREATE INDEX events_time ON events (time NULLS FIRST);
DROP INDEX events_actor;
CREATE INDEX events_actor ON events (actor_id, time NULLS FIRST);
DROP INDEX events_kind;
CREATE INDEX events_kind ON events (kind, time NULLS FIRST);
DROP INDEX events_decision;
CREATE INDEX events_decision ON events (decision, time NULLS FIRST) WHERE decision IS NOT NULL;

-- Two indexes leave out their column's most common value, whose events are most
-- of the store: a page of passing events, or of agents' events, is read along the
-- time index (nearly every event there matches), and the index holds only the
-- rest (failing and unknown verdicts; humans, services, tools, systems), which a
-- page of them reads instead. The search adds the literal term (`verdict <>
-- 'pass'`, `actor_type <> 'agent'`) that lets the planner use it. Together this
-- is about 80 bytes less an event.
DROP INDEX events_verdict;
CREATE INDEX events_verdict ON events (verdict, time NULLS FIRST) WHERE verdict <> 'pass';
DROP INDEX events_actor_type;
CREATE INDEX events_actor_type ON events (actor_type, time NULLS FIRST) WHERE actor_type <> 'agent';
