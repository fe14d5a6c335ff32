-- The same schema as migrations/sqlite/0004_reviewers.sql, in Postgres DDL.
-- Reviewers and what they record: accounts, sessions, the signed review log, and the
-- annotations, comments and sign-offs it covers.
-- The review log, annotations, comments and sign-offs are append-only: triggers
-- refuse every UPDATE and DELETE, and each row names the review-log entry that
-- recorded it (`log_seq`), whose signed payload holds the same values, so a row
-- changed behind the triggers' back no longer matches its entry.

-- Accounts. `role` is one of the four duties; `password_hash` an argon2id PHC
-- string. A disabled account (`disabled_at` set) keeps its name, which the log
-- refers to, but cannot sign in or act.
CREATE TABLE users (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
    display_name    TEXT    NOT NULL DEFAULT '',
    role            TEXT    NOT NULL
                    CHECK (role IN ('compliance_reviewer', 'auditor', 'access_reviewer', 'admin')),
    password_hash   TEXT    NOT NULL,
    disabled_at     TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored,
-- so the table does not hold usable sessions. `csrf_token` is the session's token
-- for state-changing requests that carry no same-origin `Origin` header.
CREATE TABLE sessions (
    token_hash      TEXT    PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    csrf_token      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, per account name, for rate limiting across every server.
CREATE TABLE login_failures (
    username        TEXT    NOT NULL,
    at              TEXT    NOT NULL
);

CREATE INDEX login_failures_username ON login_failures (username, at);

-- The review log: one DSSE envelope per review action, signed by the server's key,
-- in the evidence format (an event of kind `system` whose `seq` and `prev` chain
-- it to the one before). `seq` counts from 0 without gaps; `digest` is the
-- event's digest (SHA-256 of its DSSE PAE), which the next entry's `prev` names.
-- The other columns repeat what the payload says, for filtering.
CREATE TABLE review_log (
    seq             BIGINT  PRIMARY KEY CHECK (seq >= 0),
    at              TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    incident_id     BIGINT,
    bundle_sha256   TEXT,
    event_idx       BIGINT,
    summary         TEXT    NOT NULL,
    digest          TEXT    NOT NULL UNIQUE,
    envelope        TEXT    NOT NULL
);

CREATE INDEX review_log_incident ON review_log (incident_id);
CREATE INDEX review_log_bundle ON review_log (bundle_sha256);

-- Who is responsible for an event, as a reviewer judged it. The newest row for an
-- event is the current judgement; older rows are its history.
CREATE TABLE annotations (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    event_idx       BIGINT  NOT NULL,
    responsibility  TEXT    NOT NULL CHECK (responsibility IN (
                        'human_initiated', 'human_approved_agent_executed', 'agent_autonomous',
                        'policy_allowed_automation', 'system', 'shared', 'undetermined')),
    rationale       TEXT    NOT NULL,
    tags            TEXT    NOT NULL,
    author          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    log_seq         BIGINT  NOT NULL UNIQUE REFERENCES review_log (seq)
);

CREATE INDEX annotations_event ON annotations (bundle_sha256, event_idx);

-- Comments on an event.
CREATE TABLE comments (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    event_idx       BIGINT  NOT NULL,
    body            TEXT    NOT NULL,
    author          TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    log_seq         BIGINT  NOT NULL UNIQUE REFERENCES review_log (seq)
);

CREATE INDEX comments_event ON comments (bundle_sha256, event_idx);

-- Sign-offs of approval chains. `chain` is the approval ID the chain is found by,
-- `chain_digest` the SHA-256 over the digests of the chain's events: with
-- `bundle_sha256` it binds the sign-off to exactly the evidence it covers.
CREATE TABLE signoffs (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    chain           TEXT    NOT NULL,
    chain_digest    TEXT    NOT NULL,
    step            BIGINT  NOT NULL CHECK (step >= 1),
    decision        TEXT    NOT NULL CHECK (decision IN ('approve', 'reject', 'flag', 'reassign')),
    justification   TEXT    NOT NULL,
    reassigned_to   TEXT,
    reviewer        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    log_seq         BIGINT  NOT NULL UNIQUE REFERENCES review_log (seq)
);

CREATE INDEX signoffs_chain ON signoffs (bundle_sha256, chain);

-- Settings an admin changes at run time.
CREATE TABLE settings (
    key             TEXT    PRIMARY KEY,
    value           TEXT    NOT NULL
);

-- Who uploaded a bundle (an account name; NULL for the demo corpus and the CLI).
ALTER TABLE bundles ADD COLUMN uploaded_by TEXT;

CREATE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER review_log_append_only BEFORE UPDATE OR DELETE ON review_log
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER annotations_append_only BEFORE UPDATE OR DELETE ON annotations
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER comments_append_only BEFORE UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER signoffs_append_only BEFORE UPDATE OR DELETE ON signoffs
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
