-- Scale (millions of events): the same step as migrations/sqlite/0010_scale.sql,
-- in Postgres's DDL.
--
-- 1. What the incident list shows of an incident's evidence, kept with it.
ALTER TABLE incidents ADD COLUMN bundle_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN event_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN tampered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN untrusted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN warned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN first_event_at TEXT;
ALTER TABLE incidents ADD COLUMN last_event_at TEXT;
ALTER TABLE incidents ADD COLUMN worst TEXT NOT NULL DEFAULT 'none'
    CHECK (worst IN ('none', 'verified', 'verified_with_warnings', 'untrusted', 'tampered'));

UPDATE incidents SET
    bundle_count = (SELECT COUNT(*) FROM bundles b WHERE b.incident_id = incidents.id),
    event_count = (SELECT COALESCE(SUM(b.event_count), 0) FROM bundles b WHERE b.incident_id = incidents.id),
    tampered = (SELECT COUNT(*) FROM bundles b WHERE b.incident_id = incidents.id AND b.status = 'tampered'),
    untrusted = (SELECT COUNT(*) FROM bundles b WHERE b.incident_id = incidents.id AND b.status = 'untrusted'),
    warned = (SELECT COUNT(*) FROM bundles b WHERE b.incident_id = incidents.id
              AND b.status = 'verified_with_warnings'),
    first_event_at = (SELECT MIN(b.first_event_at) FROM bundles b WHERE b.incident_id = incidents.id),
    last_event_at = (SELECT MAX(b.last_event_at) FROM bundles b WHERE b.incident_id = incidents.id);
UPDATE incidents SET worst = CASE
    WHEN bundle_count = 0 THEN 'none'
    WHEN tampered > 0 THEN 'tampered'
    WHEN untrusted > 0 THEN 'untrusted'
    WHEN warned > 0 THEN 'verified_with_warnings'
    ELSE 'verified' END;

CREATE INDEX incidents_created_at ON incidents (created_at);
CREATE INDEX incidents_worst ON incidents (worst);
CREATE INDEX incidents_event_count ON incidents (event_count);
CREATE INDEX incidents_assignee ON incidents (assignee);
CREATE INDEX actors_actor_id ON actors (actor_id);

-- 2. Where an event's payload stands in its bundle's bytes, instead of a copy.
ALTER TABLE events ADD COLUMN payload_at BIGINT;
ALTER TABLE events ADD COLUMN payload_len BIGINT;

-- The actors an event names besides its actor, initiator and principals.
ALTER TABLE events ADD COLUMN also_named TEXT;
UPDATE events SET also_named = (
    SELECT string_agg(n.id, ' ' ORDER BY n.o) FROM (
        SELECT payload::jsonb #>> '{delegation,to,id}' AS id, 0 AS o
        UNION ALL SELECT a.value #>> '{id}', a.o
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(payload::jsonb #> '{approval,askedOf}') = 'array'
                 THEN payload::jsonb #> '{approval,askedOf}' ELSE '[]'::jsonb END)
                 WITH ORDINALITY AS a(value, o)
        UNION ALL SELECT payload::jsonb #>> '{approval,decidedBy,id}', 1000000
    ) n WHERE n.id IS NOT NULL)
WHERE payload IS NOT NULL;

-- 3. Free text: the words of each readable event (string values of its payload and
--    its summary; a word is a run of letters and digits, lower-cased), without
--    positions, under a GIN index.
ALTER TABLE events ADD COLUMN words tsvector;
UPDATE events e SET words = strip(to_tsvector('simple', regexp_replace(lower(
    COALESCE(e.summary, '') || ' ' ||
    COALESCE((SELECT string_agg(v #>> '{}', ' ')
              FROM jsonb_path_query(e.payload::jsonb, 'strict $.** ? (@.type() == "string")') v), '')),
    '[^[:alnum:]]+', ' ', 'g')))
WHERE e.payload IS NOT NULL;
CREATE INDEX events_words ON events USING GIN (words);
ALTER TABLE events DROP COLUMN payload;

-- 4. Indexes for each filter and sort of the event search.
DROP INDEX events_actor;
DROP INDEX events_kind;
CREATE INDEX events_actor ON events (actor_id, time);
CREATE INDEX events_kind ON events (kind, time);
CREATE INDEX events_initiator ON events (initiator_id) WHERE initiator_id IS NOT NULL;
CREATE INDEX events_on_behalf_of ON events (on_behalf_of) WHERE on_behalf_of IS NOT NULL;
CREATE INDEX events_decision ON events (decision, time) WHERE decision IS NOT NULL;
CREATE INDEX events_verdict ON events (verdict, time);
CREATE INDEX events_actor_type ON events (actor_type, time);
