-- 0112_fight_players_touch_fight.sql — a fight still going on gets a new
-- row version (xmin) whenever one of its players changes
-- (docs/performance.md, "Seventh pass").
--
-- cf-web keeps the rows of the lists (fight_list.c) as printed: a fight
-- that has ended under its id, one going on under its id and its fights
-- row's xmin, which every update of the row changes. A list then reads
-- only the fight's status and xmin, and its players only when that row is
-- not kept. For that, a change of a player (one joining, leaving, its bot
-- or result) must move the fight's xmin too, whoever makes it: this
-- trigger updates the fight's row, in place (no column changes, so the
-- update is HOT and no other trigger of fights fires). It is skipped for a
-- fight that has ended (its row is kept under its id alone: the result
-- processor writes the players after the final status) and for one whose
-- row this transaction wrote already (a fight made with its players), as
-- its xmin is new anyway.
CREATE FUNCTION fight_players_touch_fight() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fights SET status = status
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.fight_id ELSE NEW.fight_id END
      AND status NOT IN ('finished', 'failed', 'cancelled')
      AND xmin <> pg_current_xact_id()::xid;
    IF TG_OP = 'UPDATE' AND OLD.fight_id <> NEW.fight_id THEN
        UPDATE fights SET status = status
        WHERE id = OLD.fight_id
          AND status NOT IN ('finished', 'failed', 'cancelled')
          AND xmin <> pg_current_xact_id()::xid;
    END IF;
    RETURN NULL;
END
$$;

-- The columns a list shows of a player (fight_list.c's ROWS_SQL).
CREATE TRIGGER fight_players_touch_fight
    AFTER INSERT OR DELETE OR UPDATE OF fight_id, slot, user_id, bot_version_id, name, result, rank
    ON fight_players
    FOR EACH ROW
    EXECUTE FUNCTION fight_players_touch_fight();
