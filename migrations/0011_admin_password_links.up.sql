-- One-time links to set a password: an administrator adds a user or resets a password, the
-- user follows the link (valid 72 hours, once) and chooses her password. Only a hash of
-- the link's token is kept, as for sessions.
CREATE TABLE password_links (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_links_user ON password_links (user_id);

-- When each user last signed in, for the administrators' list: kept by a trigger on new
-- sessions, whoever creates them, and taken from the audit trail for the sign-ins before.
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;
UPDATE users u SET last_sign_in_at = l.at
FROM (SELECT user_id, max(at) AS at FROM audit_log WHERE action = 'login' AND user_id IS NOT NULL GROUP BY user_id) l
WHERE l.user_id = u.id;

CREATE FUNCTION users_note_sign_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET last_sign_in_at = now() WHERE id = NEW.user_id;
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_note_sign_in AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION users_note_sign_in();
