-- 0101_fight_list_index.sql — the public fights list, newest first.
--
-- GET /api/fights without filters (and each page of it) reads public fights
-- in (created_at DESC, id) order; no index of 0001/0002 has that order, so
-- PostgreSQL sorted every public fight for each request. With this one it
-- reads the page's rows and the bounded count from the index (the game and
-- state filters keep using fights_game_created_idx / fights_status_created_idx).
CREATE INDEX IF NOT EXISTS fights_public_created_idx
    ON fights (created_at DESC, id) WHERE visibility = 'public';
