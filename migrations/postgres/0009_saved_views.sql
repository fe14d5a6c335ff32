-- A reviewer's saved event searches: a name for a query string of /events, which
-- opens the same search for anyone who may read events.
CREATE TABLE saved_views (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner       TEXT    NOT NULL,
    name        TEXT    NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    query       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (owner, name)
);
