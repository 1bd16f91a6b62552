-- 0109_invitations_fight_ended.sql — whether an invitation's fight has
-- ended, on the invitation (docs/performance.md, "cf-web: logged-in
-- pages").
--
-- GET /api/invitations lists a user's latest 100 invitations, and an
-- invitation whose fight has ended changes no more (but for a renamed
-- bot): cf-web keeps its row as printed (invitation_view.c). Knowing which
-- those are took a look-up of each invitation's fight (100 index probes of
-- fights, most of the list's cost); here the invitation says it, kept by a
-- trigger on fights whoever ends (or reopens) the fight.
ALTER TABLE invitations ADD COLUMN fight_ended boolean NOT NULL DEFAULT false;

UPDATE invitations i SET fight_ended = true
FROM fights f
WHERE f.id = i.fight_id AND f.status IN ('finished', 'failed', 'cancelled');

CREATE FUNCTION invitations_fight_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- invitations_fight_invitee_key (fight_id, invitee_id) finds them.
    UPDATE invitations SET fight_ended = NEW.status IN ('finished', 'failed', 'cancelled')
        WHERE fight_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER invitations_fight_ended
    AFTER UPDATE OF status ON fights
    FOR EACH ROW
    WHEN ((OLD.status IN ('finished', 'failed', 'cancelled'))
          IS DISTINCT FROM (NEW.status IN ('finished', 'failed', 'cancelled')))
    EXECUTE FUNCTION invitations_fight_ended();
