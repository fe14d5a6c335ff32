-- Who vouches for each event, read from its payload's `source` (docs/bundle-format.md,
-- section 7.1): 'signed' by its emitter, 'attested' by a collector on receipt, or
-- 'imported' by a collector from a file. NULL where the payload was not read (its
-- signature did not hold). Every event stored before this step was read from a
-- payload that could not carry a `source`: it is signed by its emitter.
ALTER TABLE events ADD COLUMN provenance TEXT
    CHECK (provenance IN ('signed', 'attested', 'imported'));
UPDATE events SET provenance = 'signed' WHERE kind IS NOT NULL;

-- A bundle's provenance, over its readable events: one of the three when all share
-- it, 'mixed' when they do not, NULL when none could be read.
ALTER TABLE bundles ADD COLUMN provenance TEXT
    CHECK (provenance IN ('signed', 'attested', 'imported', 'mixed'));
UPDATE bundles SET provenance = 'signed'
    WHERE EXISTS (SELECT 1 FROM events e WHERE e.bundle_sha256 = bundles.sha256 AND e.kind IS NOT NULL);
