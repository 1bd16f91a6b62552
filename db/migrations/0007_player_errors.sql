-- 0007_player_errors.sql — what a bot's calls did wrong, per fight player:
-- the report's "errors" (docs/cf-fight.md): how many calls raised, how many
-- returned a decision the game refused, and the first of them (tick, kind,
-- message). NULL for fights stored before it, and for reports without it.
-- cf-result-processor writes it with the rest of the player's row; cf-web
-- shows the counts to everyone and the first message to the bot's owner.
ALTER TABLE fight_players ADD COLUMN errors jsonb
    CHECK (errors IS NULL OR jsonb_typeof(errors) = 'object');
