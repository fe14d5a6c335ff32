-- Events without a time come first in time order and last in reverse time order,
-- on both databases (`ORDER BY time ASC NULLS FIRST` / `DESC NULLS LAST`). That is
-- SQLite's own order, which its indexes already serve; Postgres's indexes are
-- rebuilt in this step (see migrations/postgres/0011_time_order.sql). Nothing
-- changes here.
SELECT 1;
