-- Sign-in throttling lives in a table of its own, not in the append-only audit log, so that
-- an administrator can see and clear it and old rows can be forgotten. One row per scope
-- and key: 'account_address' (lower(email) || ' ' || address) and 'address'.
CREATE TABLE login_throttles (
    scope          text NOT NULL CHECK (scope IN ('account_address', 'address')),
    key            text NOT NULL,
    email          text NOT NULL DEFAULT '',
    address        text NOT NULL,
    failures       integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX login_throttles_last_failed ON login_throttles (last_failed_at);

-- Sessions get an id a user can name (to end one of her other sessions), an absolute end
-- besides the idle expiry, and where they were started from.
ALTER TABLE sessions
    ADD COLUMN id bigserial UNIQUE,
    ADD COLUMN ends_at timestamptz,
    ADD COLUMN address text NOT NULL DEFAULT '',
    ADD COLUMN user_agent text NOT NULL DEFAULT '';
UPDATE sessions SET ends_at = created_at + interval '12 hours';
ALTER TABLE sessions ALTER COLUMN ends_at SET NOT NULL;
