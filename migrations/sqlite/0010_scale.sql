-- Scale (millions of events).
--
-- 1. What the incident list shows of an incident's evidence is kept with the
--    incident, and updated in the transaction that stores a bundle into it
--    (`incidents::recount`), instead of being added up on every request. `worst` is
--    the worst verdict among its bundles ('none' without bundles).
ALTER TABLE incidents ADD COLUMN bundle_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN tampered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN untrusted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;
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

-- 2. An event's payload is no longer kept a second time beside the bundle's bytes:
--    `payload_at` and `payload_len` say where its base64 text stands in them (NULL
--    where the text was written with JSON escapes, or for events stored before this
--    step: their payload is read by reading the bundle again).
ALTER TABLE events ADD COLUMN payload_at INTEGER;
ALTER TABLE events ADD COLUMN payload_len INTEGER;

-- The actors an event names besides its actor, initiator and principals (the
-- delegate, those an approval is asked of, who decided it), space-separated, so
-- an actor's lifecycle finds them without reading payloads.
ALTER TABLE events ADD COLUMN also_named TEXT;
UPDATE events SET also_named = (
    SELECT group_concat(n.id, ' ') FROM (
        SELECT json_extract(events.payload, '$.delegation.to.id') AS id
        UNION ALL SELECT json_extract(a.value, '$.id')
            FROM json_each(events.payload, '$.approval.askedOf') a
        UNION ALL SELECT json_extract(events.payload, '$.approval.decidedBy.id')
    ) n WHERE n.id IS NOT NULL)
WHERE payload IS NOT NULL;

-- 3. Free text is searched through a full-text index of the words of each readable
--    event (the string values of its payload and its summary; a word is a run of
--    letters and digits). Contentless: the index keeps no text, only which events
--    have which words (`detail=none`); the rowid is the event row's.
CREATE VIRTUAL TABLE events_text USING fts5(
    words, content = '', contentless_delete = 1, detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO events_text (rowid, words)
SELECT e.rowid, COALESCE(e.summary, '') || ' ' ||
       COALESCE((SELECT group_concat(j.value, ' ') FROM json_tree(e.payload) j
                 WHERE j.type = 'text'), '')
FROM events e WHERE e.payload IS NOT NULL;
ALTER TABLE events DROP COLUMN payload;

-- 4. Indexes for each filter and sort of the event search (`GET /api/events`): a
--    filter's column first, then time, the default order, so that a page of the
--    newest or oldest matches is read in order and stops at the page's end.
DROP INDEX events_actor;
DROP INDEX events_kind;
CREATE INDEX events_actor ON events (actor_id, time);
CREATE INDEX events_kind ON events (kind, time);
CREATE INDEX events_initiator ON events (initiator_id) WHERE initiator_id IS NOT NULL;
CREATE INDEX events_on_behalf_of ON events (on_behalf_of) WHERE on_behalf_of IS NOT NULL;
CREATE INDEX events_decision ON events (decision, time) WHERE decision IS NOT NULL;
CREATE INDEX events_verdict ON events (verdict, time);
CREATE INDEX events_actor_type ON events (actor_type, time);
