-- 0012_plays_recent_indexes.sql — every play newest first, and those of one
-- status newest first, each a range of an index: the operator console's
-- recent work (GET /api/admin/recent) reads the last 100 plays of any or of
-- one status (failed first: the failed ones and the others). Without them
-- PostgreSQL read and sorted every play at each request.
CREATE INDEX IF NOT EXISTS plays_created_idx ON plays (created_at DESC);
CREATE INDEX IF NOT EXISTS plays_status_created_idx ON plays (status, created_at DESC);
