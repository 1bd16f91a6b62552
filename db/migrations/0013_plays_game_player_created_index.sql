-- 0013_plays_game_player_created_index.sql — a player's plays of a game,
-- newest first, as one range of an index: the scoreboard's "my plays" (the
-- last ten) read them through 0012's plays_created_idx, walking every
-- play newer than the player's tenth and filtering (hundreds of rows for a
-- player who plays much). The new index takes the place of 0006's
-- plays_game_player_idx, whose columns it begins with (a player's plays of
-- a game, which make them eligible to rate it).
CREATE INDEX IF NOT EXISTS plays_game_player_created_idx
    ON plays (game_id, player_id, created_at DESC, id) WHERE player_id IS NOT NULL;
DROP INDEX IF EXISTS plays_game_player_idx;
