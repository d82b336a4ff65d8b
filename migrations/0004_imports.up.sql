-- Each CSV import of clinical data: who loaded which table from which file, and what it
-- changed. The audit rows of the changes name the import in their reason ("import 12").
CREATE TABLE imports (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    study_id    bigint NOT NULL REFERENCES studies (id),
    user_id     bigint REFERENCES users (id),
    actor       text NOT NULL,
    table_name  text NOT NULL CHECK (table_name IN ('long', 'wide', 'patients', 'events', 'adverse_events')),
    file_name   text NOT NULL DEFAULT '',
    file_sha256 text NOT NULL,
    rows        integer NOT NULL CHECK (rows >= 0),
    inserted    integer NOT NULL CHECK (inserted >= 0),
    updated     integer NOT NULL CHECK (updated >= 0)
);
CREATE INDEX imports_study ON imports (study_id, at);
