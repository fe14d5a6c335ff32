-- Events without a time come first in time order and last in reverse time order,
-- on both databases (`ORDER BY time ASC NULLS FIRST` / `DESC NULLS LAST`). That is
-- SQLite's own order, which its indexes already serve; Postgres's indexes are
-- rebuilt in this step (see migrations/postgres/0011_event_indexes.sql).

-- Two indexes leave out their column's most common value, whose events are most
-- of the store: a page of passing events, or of agents' events, is read along the
-- time index (nearly every event there matches), and the index holds only the
-- rest (failing and unknown verdicts; humans, services, tools, systems), which a
-- page of them reads instead. The search adds the literal term (`verdict <>
-- 'pass'`, `actor_type <> 'agent'`) that lets the planner use it. Together this
-- is about 80 bytes less an event.
DROP INDEX events_verdict;
CREATE INDEX events_verdict ON events (verdict, time) WHERE verdict <> 'pass';
DROP INDEX events_actor_type;
CREATE INDEX events_actor_type ON events (actor_type, time) WHERE actor_type <> 'agent';
