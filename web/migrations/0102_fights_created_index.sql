-- 0102_fights_created_index.sql — a user's fights, newest first.
--
-- GET /api/fights?mine=1 (and the dashboard) lists the fights a user plays
-- or is invited to, public or private, newest first. Walking all fights in
-- (created_at DESC, id) order and checking each against fight_players' key
-- stops after one page whatever the number of the user's fights; without
-- this index PostgreSQL read all of them and sorted (120 ms for a user with
-- 50,000 fights). 0101's partial index keeps serving the public list.
CREATE INDEX IF NOT EXISTS fights_created_idx ON fights (created_at DESC, id);
