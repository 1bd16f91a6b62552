-- 0104_operator_console.sql — the operator console's rules in the schema
-- (docs/operations.md, "The operator console"; docs/schema.md).
--
-- 1. Never without an operator. A change that would leave no active
--    operator (a demotion, a deactivation, a deletion) fails with SQLSTATE
--    CFOP1; cf-web answers 409 and cf-web --revoke-operator exits 1. The
--    check runs under one transaction-wide advisory lock, so of two such
--    changes at once the second waits for the first to commit and then
--    sees it: two operators demoting each other cannot both succeed.
CREATE FUNCTION users_keep_an_operator() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'operator' OR OLD.deactivated_at IS NOT NULL THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.role = 'operator' AND NEW.deactivated_at IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('cf:operators'));
    IF NOT EXISTS (SELECT 1 FROM users
                   WHERE role = 'operator' AND deactivated_at IS NULL AND id <> OLD.id) THEN
        RAISE EXCEPTION 'the last active operator cannot be removed'
            USING ERRCODE = 'CFOP1';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER users_keep_an_operator
    BEFORE UPDATE OF role, deactivated_at OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_keep_an_operator();

-- 2. Built-in games an operator hid: not offered for new fights (nor in
--    the catalogue of anyone but operators); their fights and replays stay.
CREATE TABLE hidden_games (
    game      text PRIMARY KEY REFERENCES games (name) ON DELETE CASCADE,
    hidden_at timestamptz NOT NULL DEFAULT now(),
    hidden_by bigint REFERENCES users (id) ON DELETE SET NULL
);

-- 3. Arcade games an operator hid: apart from the owner's own "hidden", so
--    the owner cannot undo it. Listed for nobody but the owner (marked),
--    playable by nobody; their plays stay.
ALTER TABLE arcade_games
    ADD COLUMN operator_hidden boolean NOT NULL DEFAULT false;
