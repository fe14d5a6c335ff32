-- Evidence: trust roots, stored bundles and what was read from them.
-- A bundle's raw bytes are kept exactly as received and addressed by their SHA-256
-- (hex); everything else in this step is derived from those bytes by the `evidence`
-- crate at ingest and can be recomputed from them (`custody reverify`).

-- The organisation root keys the server verifies bundles against.
CREATE TABLE trust_roots (
    public_key  TEXT    PRIMARY KEY CHECK (length(public_key) = 64),
    keyid       TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    added_at    TEXT    NOT NULL
);

-- One row per distinct bundle. `status` is the bundle's verdict when it was last
-- verified; `reasons` a JSON array of reason codes; `report` the verification
-- transcript (JSON); `roots` the JSON array of root keys it was verified against.
-- Malformed bundles are refused and never stored.
CREATE TABLE bundles (
    sha256          TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    incident_id     INTEGER NOT NULL REFERENCES incidents (id),
    bundle_id       TEXT,
    name            TEXT    NOT NULL DEFAULT '',
    raw             BLOB    NOT NULL,
    size            INTEGER NOT NULL,
    status          TEXT    NOT NULL
                    CHECK (status IN ('verified', 'verified_with_warnings', 'tampered', 'untrusted')),
    reasons         TEXT    NOT NULL,
    report          TEXT    NOT NULL,
    roots           TEXT    NOT NULL,
    event_count     INTEGER NOT NULL,
    first_event_at  TEXT,
    last_event_at   TEXT,
    ingested_at     TEXT    NOT NULL,
    verified_at     TEXT    NOT NULL
);

CREATE INDEX bundles_incident ON bundles (incident_id);

-- One row per event of a bundle, in bundle order (`idx` from 0). The columns after
-- `digest` are read from the payload, and are NULL where its signature did not hold
-- or it is not a valid event: such a payload is never read. `verdict` sums up the
-- four checks: 'pass' (all passed), 'fail' (one failed) or 'unknown'; `findings` is
-- the space-separated codes of the checks that did not pass and of the warnings.
CREATE TABLE events (
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    idx             INTEGER NOT NULL,
    digest          TEXT    NOT NULL,
    integrity       TEXT    NOT NULL,
    trust           TEXT    NOT NULL,
    chain           TEXT    NOT NULL,
    inclusion       TEXT    NOT NULL,
    verdict         TEXT    NOT NULL CHECK (verdict IN ('pass', 'fail', 'unknown')),
    findings        TEXT    NOT NULL,
    event_id        TEXT,
    kind            TEXT,
    time            TEXT,
    emitter         TEXT,
    seq             INTEGER,
    actor_type      TEXT,
    actor_id        TEXT,
    initiator_id    TEXT,
    on_behalf_of    TEXT,
    parent          TEXT,
    task_id         TEXT,
    trace_id        TEXT,
    correlation_id  TEXT,
    credential_id   TEXT,
    decision        TEXT,
    policy_id       TEXT,
    approval_id     TEXT,
    resource        TEXT,
    operation       TEXT,
    outcome         TEXT,
    summary         TEXT,
    payload         TEXT,
    PRIMARY KEY (bundle_sha256, idx)
);

CREATE INDEX events_time ON events (time);
CREATE INDEX events_actor ON events (actor_id);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_resource ON events (resource);
CREATE INDEX events_credential ON events (credential_id);

-- Every actor a bundle's valid events name (as actor, initiator, on-behalf-of,
-- delegate, approver), with when it first and last appears and in how many events.
CREATE TABLE actors (
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    actor_id        TEXT    NOT NULL,
    actor_type      TEXT    NOT NULL,
    name            TEXT,
    first_at        TEXT    NOT NULL,
    last_at         TEXT    NOT NULL,
    event_count     INTEGER NOT NULL,
    PRIMARY KEY (bundle_sha256, actor_id)
);

-- Every credential (token) a bundle's valid events name, with its lifecycle.
CREATE TABLE credentials (
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    token_id        TEXT    NOT NULL,
    issuer          TEXT,
    subject         TEXT,
    scope           TEXT,
    issued_at       TEXT,
    expires_at      TEXT,
    exchanged_from  TEXT,
    revoked_at      TEXT,
    first_at        TEXT    NOT NULL,
    last_at         TEXT    NOT NULL,
    event_count     INTEGER NOT NULL,
    PRIMARY KEY (bundle_sha256, token_id)
);

-- Every policy decision a bundle's valid events carry.
CREATE TABLE decisions (
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    decision_id     TEXT    NOT NULL,
    event_idx       INTEGER NOT NULL,
    engine          TEXT    NOT NULL,
    policy_id       TEXT    NOT NULL,
    policy_version  TEXT    NOT NULL,
    decision        TEXT    NOT NULL,
    input_hash      TEXT    NOT NULL,
    PRIMARY KEY (bundle_sha256, decision_id, event_idx)
);
