-- 0008_version_checks.sql — every uploaded version is checked in the sandbox
-- (docs/streams.md, "Version checks"): a short validation fight of the
-- version against itself, sent on cf:fights by cf-web's relay under the id
-- check_id, whose result cf-result-processor stores here instead of as a
-- fight. check_status is NULL for versions uploaded before this migration
-- (never checked), then checking -> ok | failed, with check_message saying
-- why it failed (the error and its line). check_sent_at is when the relay
-- sent the entry (NULL: waiting, at most one check per owner is in
-- cf:fights at a time), check_attempts how often it was sent; checked_at
-- when the outcome was stored. The reconciler sends a check again (clears
-- check_sent_at) when it stayed checking past stuck_after_s, and marks it
-- failed after max_attempts.
ALTER TABLE bot_versions
    ADD COLUMN check_id uuid UNIQUE,
    ADD COLUMN check_status text
        CONSTRAINT bot_versions_check_status CHECK (check_status IN ('checking', 'ok', 'failed')),
    ADD COLUMN check_message text
        CONSTRAINT bot_versions_check_message_limit CHECK (octet_length(check_message) <= 2048),
    ADD COLUMN check_sent_at timestamptz,
    ADD COLUMN check_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN checked_at timestamptz,
    ADD CONSTRAINT bot_versions_check_has_id CHECK (check_status IS NULL OR check_id IS NOT NULL);

-- The relay's and the reconciler's scan: the versions still checking.
CREATE INDEX bot_versions_checking_idx ON bot_versions (check_sent_at) WHERE check_status = 'checking';
