DROP TRIGGER sessions_note_sign_in ON sessions;
DROP FUNCTION users_note_sign_in();
ALTER TABLE users DROP COLUMN last_sign_in_at;
DROP TABLE password_links;
