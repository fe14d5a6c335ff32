-- Machine tokens: what a pipeline or an OpenTelemetry exporter authenticates with
-- (`Authorization: Bearer`) instead of a person's password. A token may only send
-- evidence (`ingest`), into one incident when `incident_id` is set. Only the
-- SHA-256 of its secret is stored: the secret is shown once, when it is made. A
-- revoked token keeps its row (and its name, which the review log refers to).
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    secret_hash     TEXT    NOT NULL UNIQUE,
    scope           TEXT    NOT NULL CHECK (scope IN ('ingest')),
    incident_id     INTEGER REFERENCES incidents (id),
    created_by      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,
    revoked_at      TEXT,
    revoked_by      TEXT,
    last_used_at    TEXT,
    -- Where traces sent with an unscoped token go: the incident opened at its first use.
    traces_incident INTEGER REFERENCES incidents (id)
);
