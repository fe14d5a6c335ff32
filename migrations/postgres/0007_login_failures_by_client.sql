-- Failed sign-ins are counted per account and client address: one client's failures
-- lock out that client only, so nobody can lock an account's owner out by guessing
-- from elsewhere. Rows recorded before this column existed count for no client.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';

CREATE INDEX login_failures_client ON login_failures (username, client, at);
