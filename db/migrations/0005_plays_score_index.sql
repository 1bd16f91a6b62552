-- 0005_plays_score_index.sql — a game's best scores without reading all of
-- its plays: the arcade's list shows each game's best score (max(score) of
-- its plays) and a game's page its best plays (ORDER BY score DESC). With
-- only plays (game_id, created_at DESC) both read every play of the game;
-- a popular game has hundreds of thousands.
CREATE INDEX IF NOT EXISTS plays_game_score_idx ON plays (game_id, score DESC)
    WHERE score IS NOT NULL;
