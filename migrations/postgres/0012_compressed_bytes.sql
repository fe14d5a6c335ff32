-- A bundle's bytes are stored compressed (DEFLATE, RFC 1951), each part on its own
-- so that an event's payload is read by decompressing the part its base64 text
-- stands in: about a third of the bytes received (base64 text, JSON names). A
-- compressed part holds 256 KiB of the bytes received; a part stored before this
-- step keeps them as received, 1 MiB a part ('identity'). What is read back is the
-- bytes exactly as received; their SHA-256, the bundle's address, is checked again
-- by re-verification.
ALTER TABLE bundle_bytes ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity'
    CHECK (encoding IN ('identity', 'deflate'));

-- The verification transcript, compressed likewise. When it is set, `report` is ''.
ALTER TABLE bundles ADD COLUMN report_deflated BYTEA;
