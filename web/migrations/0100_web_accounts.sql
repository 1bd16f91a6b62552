-- 0100_web_accounts.sql — account settings of cf-web (GET/PATCH /api/account).
ALTER TABLE users
    ADD COLUMN about text NOT NULL DEFAULT ''
        CONSTRAINT users_about_len CHECK (length(about) <= 500),
    ADD COLUMN fights_public_default boolean NOT NULL DEFAULT true;
