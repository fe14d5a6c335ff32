-- A bundle's bytes, exactly as received, apart from its row and in parts of at most
-- 1 MiB, in order from part 0: ingest writes the row first (claiming the address),
-- the bytes next, then the events while they are verified, and finishes the row
-- last. Updating the row never rewrites the bytes, and no step holds more than a
-- part's copy of them.
CREATE TABLE bundle_bytes (
    sha256  TEXT    NOT NULL REFERENCES bundles (sha256),
    part    INTEGER NOT NULL CHECK (part >= 0),
    bytes   BLOB    NOT NULL,
    PRIMARY KEY (sha256, part)
);

INSERT INTO bundle_bytes (sha256, part, bytes) SELECT sha256, 0, raw FROM bundles;

ALTER TABLE bundles DROP COLUMN raw;
