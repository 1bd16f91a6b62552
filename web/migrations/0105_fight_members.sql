-- 0105_fight_members.sql — who is in which fight, in the order the lists
-- read it (docs/performance.md, "cf-web: logged-in pages").
--
-- "My fights" (GET /api/fights?mine=1, the dashboard) are the fights a
-- user plays (fight_players) or is invited to (invitations), newest first;
-- "?user=NAME" the public fights NAME plays. Neither table has the fight's
-- time, so a page was found either by walking every fight newest first
-- and checking each (fast for a user in most fights, every fight read for
-- one whose fights are old), or by reading all of the user's rows of both
-- tables and sorting them (4 ms for a user with 210 invitations; it grows
-- with them). Here each (user, fight) pair is one row with the fight's
-- time and visibility, kept by triggers on fight_players, invitations and
-- fights whoever writes them (cf-web, cf-result-processor, by hand), so a
-- page and its bounded count are one index range of the user's rows.
CREATE TABLE fight_members (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fight_id   uuid NOT NULL REFERENCES fights (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL, -- the fight's
    public     boolean NOT NULL,     -- the fight's visibility is public
    player     boolean NOT NULL,     -- in fight_players (else invited only)
    PRIMARY KEY (user_id, fight_id)
);
CREATE INDEX fight_members_user_created_idx
    ON fight_members (user_id, created_at DESC, fight_id) INCLUDE (player);
CREATE INDEX fight_members_user_public_idx
    ON fight_members (user_id, created_at DESC, fight_id) WHERE public AND player;
CREATE INDEX fight_members_fight_idx ON fight_members (fight_id);

-- (u, f)'s row as fight_players and invitations say now: made or updated
-- when u is in f (only when may_insert: not while f's rows are being
-- deleted with it), removed when u is not.
CREATE FUNCTION fight_members_refresh(u bigint, f uuid, may_insert boolean) RETURNS void
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
        INSERT INTO fight_members (user_id, fight_id, created_at, public, player)
            SELECT u, f, x.created_at, x.visibility = 'public', plays FROM fights x WHERE x.id = f
        ON CONFLICT (user_id, fight_id) DO UPDATE SET player = EXCLUDED.player;
    ELSE
        UPDATE fight_members SET player = plays WHERE user_id = u AND fight_id = f;
    END IF;
END
$$;

CREATE FUNCTION fight_members_of_players() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM fight_members_refresh(OLD.user_id, OLD.fight_id, false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM fight_members_refresh(NEW.user_id, NEW.fight_id, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION fight_members_of_invitations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM fight_members_refresh(OLD.invitee_id, OLD.fight_id, false);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM fight_members_refresh(NEW.invitee_id, NEW.fight_id, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER fight_members_of_players
    AFTER INSERT OR UPDATE OF user_id, fight_id OR DELETE ON fight_players
    FOR EACH ROW EXECUTE FUNCTION fight_members_of_players();
CREATE TRIGGER fight_members_of_invitations
    AFTER INSERT OR UPDATE OF invitee_id, fight_id OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION fight_members_of_invitations();

-- A fight's time and visibility never change in cf-web; if they are
-- changed by hand, its rows follow.
CREATE FUNCTION fight_members_of_fights() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fight_members SET created_at = NEW.created_at, public = NEW.visibility = 'public'
        WHERE fight_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER fight_members_of_fights
    AFTER UPDATE OF created_at, visibility ON fights
    FOR EACH ROW
    WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION fight_members_of_fights();

-- The rows of the fights there are.
INSERT INTO fight_members (user_id, fight_id, created_at, public, player)
SELECT m.user_id, m.fight_id, f.created_at, f.visibility = 'public', m.player
FROM (SELECT user_id, fight_id, bool_or(player) AS player
      FROM (SELECT user_id, fight_id, true AS player FROM fight_players WHERE user_id IS NOT NULL
            UNION ALL
            SELECT invitee_id, fight_id, false FROM invitations) a
      GROUP BY user_id, fight_id) m
JOIN fights f ON f.id = m.fight_id;
