-- 0009_ladder.sql — the rated ladder of each game (docs/ladder.md).
--
-- A bot's owner enters it (PATCH /api/bots/{id} {"ladder": true}); what is
-- rated is a bot *version*: each entered version has its own row in
-- ladder_entries, its own rating and its own games. A bot has at most one
-- current entry (pending or active). A new version of an entered bot gets a
-- new entry, pending until its check in the sandbox (0008) is ok; then it
-- becomes active, starting from the initial rating (provisional), and the
-- entry it replaces becomes 'replaced'. A result for a fight of the
-- replaced version moves only the replaced version's row: the new version
-- is never moved by it.
--
-- cf-web writes entries (entering, leaving, activation by the scheduler)
-- and the ladder fights (fights.ladder); cf-result-processor updates mu,
-- sigma and games in the transaction that stores the fight's result, and
-- writes one ladder_ratings row per rated version, whose primary key makes
-- the update happen once per fight whatever is redelivered.

ALTER TABLE bots ADD COLUMN ladder boolean NOT NULL DEFAULT false;

-- A fight the ladder's scheduler made: rated when its result is stored.
ALTER TABLE fights ADD COLUMN ladder boolean NOT NULL DEFAULT false;

CREATE TABLE ladder_entries (
    bot_version_id bigint PRIMARY KEY REFERENCES bot_versions (id) ON DELETE CASCADE,
    bot_id         bigint NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    game           text NOT NULL REFERENCES games (name) ON UPDATE CASCADE,
    -- pending: waiting for the version's check; active: rated and matched;
    -- refused: the check failed (reason says why); left: the owner took the
    -- bot out; replaced: a newer version of the bot entered.
    status         text NOT NULL DEFAULT 'pending'
                   CONSTRAINT ladder_entries_status_values CHECK (status IN
                       ('pending', 'active', 'refused', 'left', 'replaced')),
    reason         text CONSTRAINT ladder_entries_reason_len CHECK (octet_length(reason) <= 2048),
    -- TrueSkill (common/rating.h); shown as mu - 3 sigma
    mu             double precision NOT NULL DEFAULT 25.0,
    sigma          double precision NOT NULL DEFAULT 8.333333333333334
                   CONSTRAINT ladder_entries_sigma_positive CHECK (sigma > 0),
    games          integer NOT NULL DEFAULT 0 CONSTRAINT ladder_entries_games_nonneg CHECK (games >= 0),
    entered_at     timestamptz NOT NULL DEFAULT now(),
    activated_at   timestamptz,
    ended_at       timestamptz,
    last_fight_at  timestamptz,
    CONSTRAINT ladder_entries_ended_when_over CHECK (
        (ended_at IS NULL) = (status IN ('pending', 'active')))
);
CREATE UNIQUE INDEX ladder_entries_current_key ON ladder_entries (bot_id)
    WHERE status IN ('pending', 'active');
-- the leaderboard: active entries by conservative rating
CREATE INDEX ladder_entries_board_idx ON ladder_entries (game, (mu - 3 * sigma) DESC)
    WHERE status = 'active';
-- the scheduler: fewest games first
CREATE INDEX ladder_entries_games_idx ON ladder_entries (game, games, last_fight_at)
    WHERE status = 'active';
CREATE INDEX ladder_entries_pending_idx ON ladder_entries (game) WHERE status = 'pending';

-- One row per version rated in a fight: the rating history, and the
-- exactly-once record (a fight moves a version once).
CREATE TABLE ladder_ratings (
    fight_id       uuid NOT NULL REFERENCES fights (id) ON DELETE CASCADE,
    bot_version_id bigint NOT NULL REFERENCES ladder_entries (bot_version_id) ON DELETE CASCADE,
    rank           integer NOT NULL CONSTRAINT ladder_ratings_rank_positive CHECK (rank >= 1),
    mu_before      double precision NOT NULL,
    sigma_before   double precision NOT NULL,
    mu             double precision NOT NULL,
    sigma          double precision NOT NULL CONSTRAINT ladder_ratings_sigma_positive CHECK (sigma > 0),
    rated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fight_id, bot_version_id)
);
CREATE INDEX ladder_ratings_history_idx ON ladder_ratings (bot_version_id, rated_at);

-- the ladder fights of a game, newest first (the ladder page, the bot page)
CREATE INDEX fights_ladder_idx ON fights (game, created_at DESC) WHERE ladder;
