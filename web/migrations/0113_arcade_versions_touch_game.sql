-- 0113_arcade_versions_touch_game.sql — a game gets a new row version
-- (xmin) whenever one of its versions changes (docs/performance.md,
-- "Seventh pass").
--
-- cf-web keeps the arcade list's rows as printed (web/arcade_game.c)
-- under the versions of the game's arcade_games and arcade_game_stats
-- rows; a row shows the game's latest version too (its number, kind, size
-- and whether it has a preview). The upload of a new version updates its
-- game in the same transaction, but whoever writes, a change of a version
-- must move the game's xmin: this trigger updates the game's row in place
-- (no column changes; arcade_games has no trigger on update), unless this
-- transaction wrote it already.
CREATE FUNCTION arcade_versions_touch_game() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE arcade_games SET updated_at = updated_at
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.game_id ELSE NEW.game_id END
      AND xmin <> pg_current_xact_id()::xid;
    IF TG_OP = 'UPDATE' AND OLD.game_id <> NEW.game_id THEN
        UPDATE arcade_games SET updated_at = updated_at
        WHERE id = OLD.game_id AND xmin <> pg_current_xact_id()::xid;
    END IF;
    RETURN NULL;
END
$$;

-- The columns a list's row shows of a version.
CREATE TRIGGER arcade_versions_touch_game
    AFTER INSERT OR DELETE OR UPDATE OF game_id, version, code, bundle, size, preview
    ON arcade_game_versions
    FOR EACH ROW
    EXECUTE FUNCTION arcade_versions_touch_game();
