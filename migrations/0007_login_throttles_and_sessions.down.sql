ALTER TABLE sessions
    DROP COLUMN id,
    DROP COLUMN ends_at,
    DROP COLUMN address,
    DROP COLUMN user_agent;
DROP TABLE login_throttles;
