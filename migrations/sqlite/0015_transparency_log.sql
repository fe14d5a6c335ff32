-- The server-wide transparency log (docs/anchoring.md): one leaf per stored bundle
-- and per review-log entry, in the order they were stored, never changed. A leaf's
-- data is one line (evidence::tlog::Leaf); its RFC 6962 hash is computed, not stored.
CREATE TABLE log_leaves (
    idx   INTEGER  PRIMARY KEY CHECK (idx >= 0),
    data  TEXT    NOT NULL UNIQUE,
    at    TEXT    NOT NULL
);

-- The log's origin (its checkpoints' first line and key name), recorded on first
-- use: a log keeps one origin for life.
CREATE TABLE log_origin (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    origin  TEXT    NOT NULL
);

-- Every checkpoint (signed note) the server signed, whole.
CREATE TABLE checkpoints (
    size  INTEGER  NOT NULL,
    root  TEXT    NOT NULL CHECK (length(root) = 64),
    note  TEXT    NOT NULL,
    at    TEXT    NOT NULL,
    PRIMARY KEY (size, root)
);

-- Witnesses' cosignatures (tlog-cosignature) of those checkpoints, each line as the
-- witness sent it.
CREATE TABLE cosignatures (
    size         INTEGER  NOT NULL,
    root         TEXT    NOT NULL,
    witness      TEXT    NOT NULL,
    line         TEXT    NOT NULL,
    cosigned_at  INTEGER  NOT NULL,
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (size, root, witness),
    FOREIGN KEY (size, root) REFERENCES checkpoints (size, root)
);

-- A bundle's manifest digest (evidence::bundle::manifest_digest, hex): its leaf in
-- the log. Bundles stored before this step get theirs from their bytes at start-up,
-- and the log is then filled with what was stored before it, in order
-- (store::tlog::catch_up).
ALTER TABLE bundles ADD COLUMN manifest_digest TEXT;

-- Append-only, as the review log is: what the log recorded and what the server
-- signed is never edited in place (an edit around these triggers is what witnesses
-- and auditors detect).
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;
CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures is append-only'); END;
CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures is append-only'); END;
