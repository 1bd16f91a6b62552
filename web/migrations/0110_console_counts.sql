-- 0110_console_counts.sql — the operator console's counts, kept instead of
-- counted (docs/performance.md, "cf-web: logged-in pages").
--
-- The console shows, exactly, how many fights each user played in and how
-- many fights each game has. Counted at each request, they read every row:
-- a user in 100,000 fights cost its page 20 ms, the games page 19 ms. Here
-- each is one row, kept by triggers whoever writes (cf-web,
-- cf-result-processor, by hand). Increments upsert; decrements only
-- update, so a count whose user is being deleted (its rows go by cascade)
-- is never made again. A game's row is one every new fight of the game
-- updates: fights of one game are created one transaction after another
-- at that row (each holds it until its commit), which the rates of fights
-- here (tens a second) never notice.

CREATE TABLE user_fight_counts (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    fights  bigint NOT NULL CONSTRAINT user_fight_counts_nonneg CHECK (fights >= 0)
);

CREATE TABLE game_fight_counts (
    game   text PRIMARY KEY, -- no reference: a renamed game's fights move it here
    fights bigint NOT NULL CONSTRAINT game_fight_counts_nonneg CHECK (fights >= 0)
);

-- A user's fights played in are their fight_members rows with player.
CREATE FUNCTION user_fight_counts_of_members() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.player THEN
        UPDATE user_fight_counts SET fights = fights - 1 WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.player THEN
        INSERT INTO user_fight_counts AS c (user_id, fights) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET fights = c.fights + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER user_fight_counts_of_members
    AFTER INSERT OR UPDATE OF user_id, player OR DELETE ON fight_members
    FOR EACH ROW EXECUTE FUNCTION user_fight_counts_of_members();

CREATE FUNCTION game_fight_counts_of_fights() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE game_fight_counts SET fights = fights - 1 WHERE game = OLD.game;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO game_fight_counts AS c (game, fights) VALUES (NEW.game, 1)
        ON CONFLICT (game) DO UPDATE SET fights = c.fights + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER game_fight_counts_of_fights
    AFTER INSERT OR DELETE ON fights
    FOR EACH ROW EXECUTE FUNCTION game_fight_counts_of_fights();
CREATE TRIGGER game_fight_counts_of_fights_game
    AFTER UPDATE OF game ON fights
    FOR EACH ROW WHEN (OLD.game IS DISTINCT FROM NEW.game)
    EXECUTE FUNCTION game_fight_counts_of_fights();

-- A transaction that adds several players at once (a fight's start with
-- its accepted invitees, a ladder fight) takes their count rows first, in
-- id order, made at 0 when missing: its triggers then update rows it
-- holds, so two such transactions never wait on each other in reversed
-- orders (a deadlock, one of them failed).
CREATE FUNCTION user_fight_counts_lock(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO user_fight_counts AS c (user_id, fights)
    SELECT DISTINCT id, 0 FROM unnest(ids) AS id WHERE id IS NOT NULL ORDER BY id
    ON CONFLICT (user_id) DO UPDATE SET fights = c.fights
$$;

-- The counts there are: after the triggers, in this migration's
-- transaction, which holds the tables against writers until it commits.
INSERT INTO user_fight_counts (user_id, fights)
SELECT user_id, count(*) FROM fight_members WHERE player GROUP BY user_id;
INSERT INTO game_fight_counts (game, fights)
SELECT game, count(*) FROM fights GROUP BY game;
