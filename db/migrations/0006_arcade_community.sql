-- 0006_arcade_community.sql — the arcade's community (docs/arcade.md,
-- "Community"): counters per game and per player, star ratings, and a
-- score that never goes down.
--
-- The list, the scoreboards and "most played" read counters, never all of
-- a game's plays: triggers on plays keep them as plays end. A play counts
-- once, when it first becomes final (finished, stopped or failed), whether
-- it was inserted final (a play injected with redis-cli, a test's row) or
-- updated to it (cf-result-processor, cf-web stopping a queued play); a
-- later raise of a final play's score or elapsed time moves the counters
-- by the difference. Plays are deleted only with their game (ON DELETE
-- CASCADE), which deletes the game's counters too, so no trigger runs on a
-- play's DELETE. Each play's end is one upsert of one row per counter
-- table: concurrent ends of one game's plays queue on that row's lock for
-- the length of one UPDATE, and no counter is ever read and written back.
--
-- Ratings are cf-web's (one per signed-in player and game, 1 to 5 stars);
-- their count and sum per game live beside the play counters, kept by a
-- trigger on arcade_ratings, so the average is one division.

-- ---------------------------------------------------------------- tables

CREATE TABLE arcade_game_stats (
    game_id      bigint PRIMARY KEY REFERENCES arcade_games (id) ON DELETE CASCADE,
    -- plays over (finished, stopped or failed)
    plays        bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_game_stats_plays_nonneg CHECK (plays >= 0),
    -- of them, those that reported a score
    scored_plays bigint NOT NULL DEFAULT 0
                 CONSTRAINT arcade_game_stats_scored_nonneg CHECK (scored_plays >= 0),
    -- the sum and the largest of their elapsed_ms (NULL: none)
    total_ms     bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_game_stats_total_nonneg CHECK (total_ms >= 0),
    longest_ms   bigint,
    best_score   double precision,
    -- ratings: how many, and the sum of their stars
    ratings      bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_game_stats_ratings_nonneg CHECK (ratings >= 0),
    stars_sum    bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_game_stats_stars_nonneg CHECK (stars_sum >= 0),
    rating_avg   double precision GENERATED ALWAYS AS (
                     CASE WHEN ratings > 0 THEN stars_sum::double precision / ratings END) STORED
);
-- the list's default order (unrated last), and "most played"
CREATE INDEX arcade_game_stats_rating_idx
    ON arcade_game_stats (rating_avg DESC NULLS LAST, plays DESC, game_id);
CREATE INDEX arcade_game_stats_total_idx
    ON arcade_game_stats (total_ms DESC, plays DESC, game_id) WHERE plays > 0;

CREATE TABLE arcade_player_stats (
    game_id    bigint NOT NULL REFERENCES arcade_games (id) ON DELETE CASCADE,
    player_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plays      bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_player_stats_plays_nonneg CHECK (plays >= 0),
    total_ms   bigint NOT NULL DEFAULT 0 CONSTRAINT arcade_player_stats_total_nonneg CHECK (total_ms >= 0),
    best_score double precision,
    -- when the player first reached best_score (the scoreboard's tie-break)
    best_at    timestamptz,
    PRIMARY KEY (game_id, player_id)
);
-- a game's scoreboard, in its order
CREATE INDEX arcade_player_stats_board_idx
    ON arcade_player_stats (game_id, best_score DESC NULLS LAST, best_at, plays DESC);
CREATE INDEX arcade_player_stats_player_idx ON arcade_player_stats (player_id);

CREATE TABLE arcade_ratings (
    game_id    bigint NOT NULL REFERENCES arcade_games (id) ON DELETE CASCADE,
    player_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stars      smallint NOT NULL CONSTRAINT arcade_ratings_stars_range CHECK (stars BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (game_id, player_id)
);
CREATE INDEX arcade_ratings_player_idx ON arcade_ratings (player_id);

-- a player's plays of a game that make them eligible to rate it, and the
-- running plays, newest first (the kiosk)
CREATE INDEX plays_game_player_idx ON plays (game_id, player_id) WHERE player_id IS NOT NULL;
CREATE INDEX plays_running_idx ON plays (started_at DESC) WHERE status = 'running';

-- ------------------------------------------------------- a game's row

CREATE FUNCTION arcade_game_stats_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO arcade_game_stats (game_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER arcade_games_stats_row AFTER INSERT ON arcade_games
    FOR EACH ROW EXECUTE FUNCTION arcade_game_stats_row();

-- ------------------------------------------------ the score never lowers

CREATE FUNCTION plays_score_not_lowered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.score IS NOT NULL AND (NEW.score IS NULL OR NEW.score < OLD.score) THEN
        RAISE EXCEPTION 'the score of play % cannot go down (% to %)', OLD.id, OLD.score, NEW.score
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER plays_score_not_lowered BEFORE UPDATE OF score ON plays
    FOR EACH ROW EXECUTE FUNCTION plays_score_not_lowered();

-- ------------------------------------------------------ play counters

-- Adds to game g's counters and (p not NULL) player p's: n plays, of them
-- scored that reported a score, ms milliseconds, longest ms at most,
-- score the best (NULL: none), reached at t.
CREATE FUNCTION arcade_stats_add(g bigint, p bigint, n bigint, scored bigint, ms bigint,
                                 longest bigint, score double precision, t timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO arcade_game_stats AS s (game_id, plays, scored_plays, total_ms, longest_ms, best_score)
    VALUES (g, n, scored, ms, longest, score)
    ON CONFLICT (game_id) DO UPDATE SET
        plays = s.plays + EXCLUDED.plays,
        scored_plays = s.scored_plays + EXCLUDED.scored_plays,
        total_ms = s.total_ms + EXCLUDED.total_ms,
        longest_ms = GREATEST(s.longest_ms, EXCLUDED.longest_ms),
        best_score = GREATEST(s.best_score, EXCLUDED.best_score);
    IF p IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO arcade_player_stats AS s (game_id, player_id, plays, total_ms, best_score, best_at)
    VALUES (g, p, n, ms, score, CASE WHEN score IS NOT NULL THEN t END)
    ON CONFLICT (game_id, player_id) DO UPDATE SET
        plays = s.plays + EXCLUDED.plays,
        total_ms = s.total_ms + EXCLUDED.total_ms,
        best_at = CASE WHEN EXCLUDED.best_score > s.best_score
                         OR (s.best_score IS NULL AND EXCLUDED.best_score IS NOT NULL)
                       THEN EXCLUDED.best_at ELSE s.best_at END,
        best_score = GREATEST(s.best_score, EXCLUDED.best_score);
END $$;

CREATE FUNCTION plays_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    final_new boolean := NEW.status IN ('finished', 'stopped', 'failed');
    final_old boolean := TG_OP = 'UPDATE' AND OLD.status IN ('finished', 'stopped', 'failed');
    t timestamptz := COALESCE(NEW.finished_at, now());
BEGIN
    IF NEW.game_id IS NULL OR NOT final_new THEN
        RETURN NULL;
    END IF;
    IF NOT final_old THEN
        -- the play is over now: it counts once
        PERFORM arcade_stats_add(NEW.game_id, NEW.player_id, 1,
                                 CASE WHEN NEW.score IS NOT NULL THEN 1 ELSE 0 END,
                                 COALESCE(NEW.elapsed_ms, 0), NEW.elapsed_ms, NEW.score, t);
    ELSIF OLD.game_id IS NOT DISTINCT FROM NEW.game_id
          AND (NEW.score IS DISTINCT FROM OLD.score OR NEW.elapsed_ms IS DISTINCT FROM OLD.elapsed_ms) THEN
        -- a final play raised: its difference (a lower score is refused
        -- above; elapsed_ms is only ever set once by the services)
        PERFORM arcade_stats_add(NEW.game_id, NEW.player_id, 0,
                                 CASE WHEN OLD.score IS NULL AND NEW.score IS NOT NULL THEN 1 ELSE 0 END,
                                 GREATEST(COALESCE(NEW.elapsed_ms, 0) - COALESCE(OLD.elapsed_ms, 0), 0),
                                 NEW.elapsed_ms, NEW.score, t);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER plays_count AFTER INSERT OR UPDATE OF status, score, elapsed_ms ON plays
    FOR EACH ROW EXECUTE FUNCTION plays_count();

-- ---------------------------------------------------- rating counters

CREATE FUNCTION arcade_ratings_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- a game being deleted has no row left to update: nothing to do
        UPDATE arcade_game_stats SET ratings = ratings - 1, stars_sum = stars_sum - OLD.stars
        WHERE game_id = OLD.game_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO arcade_game_stats AS s (game_id, ratings, stars_sum) VALUES (NEW.game_id, 1, NEW.stars)
        ON CONFLICT (game_id) DO UPDATE SET ratings = s.ratings + 1, stars_sum = s.stars_sum + NEW.stars;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER arcade_ratings_count AFTER INSERT OR UPDATE OF stars, game_id OR DELETE ON arcade_ratings
    FOR EACH ROW EXECUTE FUNCTION arcade_ratings_count();

-- ----------------------------------------------------------- backfill

INSERT INTO arcade_game_stats (game_id, plays, scored_plays, total_ms, longest_ms, best_score)
SELECT g.id, count(p.id), count(p.score), COALESCE(sum(p.elapsed_ms), 0), max(p.elapsed_ms),
       max(p.score)
FROM arcade_games g
LEFT JOIN plays p ON p.game_id = g.id AND p.status IN ('finished', 'stopped', 'failed')
GROUP BY g.id;

INSERT INTO arcade_player_stats (game_id, player_id, plays, total_ms, best_score, best_at)
SELECT p.game_id, p.player_id, count(*), COALESCE(sum(p.elapsed_ms), 0), max(p.score),
       (SELECT min(COALESCE(b.finished_at, b.created_at)) FROM plays b
        WHERE b.game_id = p.game_id AND b.player_id = p.player_id
          AND b.status IN ('finished', 'stopped', 'failed') AND b.score = max(p.score))
FROM plays p
WHERE p.game_id IS NOT NULL AND p.player_id IS NOT NULL
  AND p.status IN ('finished', 'stopped', 'failed')
GROUP BY p.game_id, p.player_id;

-- ------------------------------------------------------ the rating rule

-- Does a play let its (signed-in) player rate its game: played to the end
-- (finished or stopped: not failed, not still going) for more than 5 s?
-- cf-web asks the schema, so the rule is written once.
CREATE FUNCTION arcade_play_qualifies(status text, elapsed_ms bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT status IN ('finished', 'stopped') AND COALESCE(elapsed_ms, 0) > 5000
$$;
