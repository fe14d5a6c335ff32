-- An admin may reset an account's password to a one-time password, which the account
-- must replace at its next sign-in: until then its sessions may do nothing else.
-- 1 while the password is such a one-time password, else 0.
ALTER TABLE users ADD COLUMN password_expired INTEGER NOT NULL DEFAULT 0;
