-- 0011_ladder_pending.sql — a bot's new version waits for its check
-- beside the version still on the ladder (docs/ladder.md, "Entries").
--
-- 0009 allowed one current (pending or active) entry per bot. But the
-- active version of an entered bot must keep playing and being rated while
-- a new version's check runs: the new version's entry is pending at the
-- same time. So a bot has at most one active entry and at most one pending
-- entry. When the pending one's check is ok it becomes active and the
-- active one 'replaced' (result_processor/store_check.c, in that order);
-- when it fails it becomes 'refused' and the active one stays. A newer
-- upload replaces a pending entry still waiting.
DROP INDEX ladder_entries_current_key;
CREATE UNIQUE INDEX ladder_entries_active_key ON ladder_entries (bot_id) WHERE status = 'active';
CREATE UNIQUE INDEX ladder_entries_pending_key ON ladder_entries (bot_id) WHERE status = 'pending';
-- A bot's entries, newest version first: the bot object's "ladder"
-- (web/bot.c reads the latest entry of every bot it lists).
CREATE INDEX ladder_entries_bot_idx ON ladder_entries (bot_id, bot_version_id DESC);
