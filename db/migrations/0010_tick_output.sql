-- 0010_tick_output.sql — what a bot printed, by tick, per fight player
-- (issue 17): the cf:results entry's optional "output" for its slot
-- (docs/streams.md), [[tick, "text"], ...] with ticks increasing, at most
-- 1 KiB of text a tick and 64 KiB a fight (markers included; the simulator
-- caps it, the result processor checks it). NULL when the bot printed
-- nothing, for fights stored before it, and for versions' checks (which
-- are stored on their version, not here). The player's "log" is unchanged.
-- cf-result-processor writes it with the rest of the player's row; cf-web
-- gives it to the bot's owner only (GET /api/fights/{id}/output).
ALTER TABLE fight_players ADD COLUMN output jsonb
    CHECK (output IS NULL OR jsonb_typeof(output) = 'array');
