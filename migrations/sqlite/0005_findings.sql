-- Reviewers' dispositions of attribution-gap findings. Findings themselves are not
-- stored: they are computed from each bundle's raw bytes by `evidence::findings`
-- under the organisation's policy (the `findings_policy` setting), so they always
-- follow the evidence. A finding is named by its key (rule code and event
-- positions), which is stable for the same bytes under the same policy.
-- The newest row for a finding is its current disposition; older rows its history.
-- Like annotations, rows are append-only and each names the review-log entry that
-- recorded it (`log_seq`). An `annotated` disposition also names the annotation it
-- became (`annotation_seq`, that annotation's log entry).
CREATE TABLE finding_dispositions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    bundle_sha256   TEXT    NOT NULL REFERENCES bundles (sha256),
    finding_key     TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    decision        TEXT    NOT NULL CHECK (decision IN ('accepted', 'dismissed', 'annotated')),
    reason          TEXT    NOT NULL,
    reviewer        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    annotation_seq  INTEGER REFERENCES review_log (seq),
    log_seq         INTEGER NOT NULL UNIQUE REFERENCES review_log (seq)
);

CREATE INDEX finding_dispositions_finding ON finding_dispositions (bundle_sha256, finding_key);

CREATE TRIGGER finding_dispositions_no_update BEFORE UPDATE ON finding_dispositions
BEGIN SELECT RAISE(ABORT, 'finding dispositions are append-only'); END;
CREATE TRIGGER finding_dispositions_no_delete BEFORE DELETE ON finding_dispositions
BEGIN SELECT RAISE(ABORT, 'finding dispositions are append-only'); END;
