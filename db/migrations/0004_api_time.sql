-- 0004_api_time.sql — the API's one way of writing a time: ISO 8601 in UTC
-- to the second ("2026-12-07T06:27:32Z"), whatever the session's TimeZone
-- and DateStyle. cf-web's queries select api_time(created_at) instead of
-- spelling the to_char pattern in each query.
--
-- A plain SQL function of one expression: the planner inlines it, so using
-- it costs what the expression costs. STABLE, as to_char is (it could read
-- the locale for other patterns); the zone is named, not the session's.
CREATE FUNCTION api_time(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
