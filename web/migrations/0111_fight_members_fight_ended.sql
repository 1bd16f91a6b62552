-- 0111_fight_members_fight_ended.sql — whether a member's fight has ended,
-- on its fight_members row (docs/performance.md, "Sixth pass").
--
-- "My fights" (the dashboard, GET /api/fights?mine=1, ?user=NAME) read a
-- page of fight_members and joined each fight of it, although a fight that
-- has ended comes from cf-web's row cache (fight_list.c): the look-up of
-- fights only told the page which fights those were. Here the member row
-- says it, as invitations do since 0109, kept whoever writes: when a row
-- is made (fight_members_refresh, from the fight's status then) and when a
-- fight ends or is reopened (the trigger below, which takes over 0109's).
-- The page's indexes carry it (INCLUDE), so a page is still read from the
-- index alone, the rows before it too: the trigger's update is not HOT (a
-- new entry in each index, once per member when its fight ends).
ALTER TABLE fight_members ADD COLUMN fight_ended boolean NOT NULL DEFAULT false;

UPDATE fight_members m SET fight_ended = true
FROM fights f
WHERE f.id = m.fight_id AND f.status IN ('finished', 'failed', 'cancelled');

DROP INDEX fight_members_user_created_idx;
CREATE INDEX fight_members_user_created_idx
    ON fight_members (user_id, created_at DESC, fight_id) INCLUDE (player, fight_ended);
DROP INDEX fight_members_user_public_idx;
CREATE INDEX fight_members_user_public_idx
    ON fight_members (user_id, created_at DESC, fight_id) INCLUDE (fight_ended)
    WHERE public AND player;

-- 0105's function, the row made with its fight's fight_ended.
CREATE OR REPLACE FUNCTION fight_members_refresh(u bigint, f uuid, may_insert boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    plays boolean;
BEGIN
    IF u IS NULL THEN
        RETURN;
    END IF;
    plays := EXISTS (SELECT 1 FROM fight_players WHERE fight_id = f AND user_id = u);
    IF NOT plays AND NOT EXISTS (SELECT 1 FROM invitations WHERE fight_id = f AND invitee_id = u) THEN
        DELETE FROM fight_members WHERE user_id = u AND fight_id = f;
    ELSIF may_insert THEN
        INSERT INTO fight_members (user_id, fight_id, created_at, public, player, fight_ended)
            SELECT u, f, x.created_at, x.visibility = 'public', plays,
                   x.status IN ('finished', 'failed', 'cancelled')
            FROM fights x WHERE x.id = f
        ON CONFLICT (user_id, fight_id) DO UPDATE SET player = EXCLUDED.player;
    ELSE
        UPDATE fight_members SET player = plays WHERE user_id = u AND fight_id = f;
    END IF;
END
$$;

-- One trigger now tells both copies of "the fight has ended": 0109's on
-- the invitations and this one on the members, one call a fight's end.
DROP TRIGGER invitations_fight_ended ON fights;
DROP FUNCTION invitations_fight_ended();

CREATE FUNCTION fight_ended_copies() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ended boolean := NEW.status IN ('finished', 'failed', 'cancelled');
BEGIN
    -- invitations_fight_invitee_key (fight_id, invitee_id) and
    -- fight_members_fight_idx (fight_id) find them.
    UPDATE invitations SET fight_ended = ended WHERE fight_id = NEW.id;
    UPDATE fight_members SET fight_ended = ended WHERE fight_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER fight_ended_copies
    AFTER UPDATE OF status ON fights
    FOR EACH ROW
    WHEN ((OLD.status IN ('finished', 'failed', 'cancelled'))
          IS DISTINCT FROM (NEW.status IN ('finished', 'failed', 'cancelled')))
    EXECUTE FUNCTION fight_ended_copies();
