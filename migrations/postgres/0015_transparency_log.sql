-- The server-wide transparency log (docs/anchoring.md): one leaf per stored bundle
-- and per review-log entry, in the order they were stored, never changed. A leaf's
-- data is one line (evidence::tlog::Leaf); its RFC 6962 hash is computed, not stored.
CREATE TABLE log_leaves (
    idx   BIGINT  PRIMARY KEY CHECK (idx >= 0),
    data  TEXT    NOT NULL UNIQUE,
    at    TEXT    NOT NULL
);

-- Every checkpoint (signed note) the server signed, whole.
CREATE TABLE checkpoints (
    size  BIGINT  NOT NULL,
    root  TEXT    NOT NULL CHECK (length(root) = 64),
    note  TEXT    NOT NULL,
    at    TEXT    NOT NULL,
    PRIMARY KEY (size, root)
);

-- Witnesses' cosignatures (tlog-cosignature) of those checkpoints, each line as the
-- witness sent it.
CREATE TABLE cosignatures (
    size         BIGINT  NOT NULL,
    root         TEXT    NOT NULL,
    witness      TEXT    NOT NULL,
    line         TEXT    NOT NULL,
    cosigned_at  BIGINT  NOT NULL,
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (size, root, witness),
    FOREIGN KEY (size, root) REFERENCES checkpoints (size, root)
);

-- What was stored before the log: each review-log entry in order, and each bundle
-- just before the entry that recorded its upload.
INSERT INTO log_leaves (idx, data, at)
SELECT ROW_NUMBER() OVER (ORDER BY seq, k) - 1, data, at
FROM (
    SELECT r.seq, 0 AS k, 'custody-log/v1 bundle ' || r.bundle_sha256 AS data, r.at
    FROM review_log r
    WHERE r.action = 'upload' AND r.bundle_sha256 IS NOT NULL
      AND r.seq = (SELECT MIN(u.seq) FROM review_log u
                   WHERE u.action = 'upload' AND u.bundle_sha256 = r.bundle_sha256)
    UNION ALL
    SELECT seq, 1 AS k, 'custody-log/v1 review ' || CAST(seq AS TEXT) || ' ' || digest, at
    FROM review_log
) AS leaves;

-- Append-only, as the review log is: what the log recorded and what the server
-- signed is never edited in place (an edit around these triggers is what witnesses
-- and auditors detect).
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE ON cosignatures
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
