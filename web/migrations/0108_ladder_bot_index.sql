-- 0108_ladder_bot_index.sql — a bot's ladder entries, whatever their
-- status (GET /api/bots/{bot_id}/ladder: its entries and, through them, its
-- rating history).
--
-- 0009's indexes find a game's active entries and a bot's current one
-- (ladder_entries_current_key, pending or active only); a bot's left,
-- refused and replaced entries were found by reading the whole table
-- (a sequential scan of every entry of every game on each bot's page).
CREATE INDEX IF NOT EXISTS ladder_entries_bot_idx ON ladder_entries (bot_id);
