-- 0106_invitations_order_index.sql — a user's invitations, pending first,
-- newest first (GET /api/invitations: the latest 100).
--
-- invitations_invitee_status_idx finds a user's invitations but not in
-- that order, so each request read all of them, with their fights, and
-- sorted them to keep 100 (3.5 ms for a user with 210 invitations, and it
-- grows with them). In this order the first 100 entries are the page.
CREATE INDEX IF NOT EXISTS invitations_invitee_order_idx
    ON invitations (invitee_id, (status = 'pending') DESC, created_at DESC, id DESC);
