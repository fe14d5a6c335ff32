-- Incidents: the cases that evidence bundles are reviewed in.
-- The same schema as migrations/sqlite/0001_incidents.sql, in Postgres's DDL.
-- Timestamps are RFC 3339 text in UTC with whole seconds, so text order is time
-- order and the same queries run on SQLite and Postgres.
CREATE TABLE incidents (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_review', 'signed_off', 'closed')),
    severity    TEXT    NOT NULL DEFAULT 'medium'
                CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    assignee    TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX incidents_updated_at ON incidents (updated_at);
