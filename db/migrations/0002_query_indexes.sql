-- 0002_query_indexes.sql — indexes for queries the services run that 0001
-- left to sequential scans (found with EXPLAIN on 300,000 fights and 50,000
-- users; see docs/schema.md, "Indexes and the queries they serve").
--
-- Built inside cf-migrate's transaction, so each one holds off writes to
-- its table while it builds. On a large production database an operator may
-- build them first by hand with CREATE INDEX CONCURRENTLY under the same
-- names: IF NOT EXISTS then makes this migration a no-op.

-- cf-web's live stream polls, for every connected user, the fights still
-- waiting or running and those finished in the last minutes
-- ("finished_at IS NULL OR finished_at > now() - interval '10 minutes'").
-- A btree keeps NULLs, so both arms are index scans (a BitmapOr) instead of
-- a scan of every fight ever played.
CREATE INDEX IF NOT EXISTS fights_finished_at_idx ON fights (finished_at);

-- The invitation form's user search: lower(username) LIKE 'prefix%'. The
-- unique lower(username) index cannot serve LIKE outside the C collation
-- (the databases are created with C.UTF-8); text_pattern_ops can.
CREATE INDEX IF NOT EXISTS users_username_lower_pattern_idx
    ON users (lower(username) text_pattern_ops);
