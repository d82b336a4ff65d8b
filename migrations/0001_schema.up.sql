-- The registry's schema. Every clinical row carries study_id so that the data can be
-- distributed by study (Citus) and so that a query never crosses studies by accident.
-- Composite foreign keys (study_id, id) keep a row's parents in the same study.

CREATE TABLE sites (
    id   bigserial PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    name text NOT NULL CHECK (name <> '')
);

CREATE TABLE studies (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    title        text NOT NULL CHECK (title <> ''),
    indication   text NOT NULL CHECK (indication <> ''),
    design       text NOT NULL CHECK (design IN ('randomised-double-blind', 'randomised-open', 'single-arm-cohort', 'cohort')),
    main_measure text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE arms (
    id         bigserial PRIMARY KEY,
    study_id   bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code       text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    label      text NOT NULL CHECK (label <> ''),
    is_control boolean NOT NULL DEFAULT false,
    position   integer NOT NULL,
    UNIQUE (study_id, code),
    UNIQUE (study_id, id)
);
-- At most one placebo/control arm per study.
CREATE UNIQUE INDEX arms_one_control ON arms (study_id) WHERE is_control;

CREATE TABLE measures (
    id        bigserial PRIMARY KEY,
    study_id  bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code      text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    labels    jsonb NOT NULL CHECK (jsonb_typeof(labels) = 'object' AND labels ? 'en'),
    kind      text NOT NULL CHECK (kind IN ('number', 'integer', 'choice')),
    unit      text NOT NULL DEFAULT '',
    min_value double precision,
    max_value double precision,
    step      double precision,
    -- For kind 'choice': [{"value": 0, "labels": {"en": "..."}}, ...]; values are numbers.
    choices   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(choices) = 'array'),
    direction text NOT NULL CHECK (direction IN ('higher', 'lower')),
    mcid      double precision CHECK (mcid > 0),
    position  integer NOT NULL,
    UNIQUE (study_id, code),
    UNIQUE (study_id, id),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value)
);

CREATE TABLE scheduled_visits (
    id            bigserial PRIMARY KEY,
    study_id      bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code          text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
    label         text NOT NULL CHECK (label <> ''),
    target_day    integer NOT NULL,
    window_before integer NOT NULL CHECK (window_before >= 0),
    window_after  integer NOT NULL CHECK (window_after >= 0),
    is_baseline   boolean NOT NULL DEFAULT false,
    position      integer NOT NULL,
    UNIQUE (study_id, code),
    UNIQUE (study_id, id)
);
CREATE UNIQUE INDEX scheduled_visits_one_baseline ON scheduled_visits (study_id) WHERE is_baseline;

CREATE TABLE event_types (
    id       bigserial PRIMARY KEY,
    study_id bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    code     text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    labels   jsonb NOT NULL CHECK (jsonb_typeof(labels) = 'object' AND labels ? 'en'),
    is_death boolean NOT NULL DEFAULT false,
    position integer NOT NULL,
    UNIQUE (study_id, code),
    UNIQUE (study_id, id)
);

-- Suggested adverse-event terms for a study's form.
CREATE TABLE ae_terms (
    study_id bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    term     text NOT NULL CHECK (term <> ''),
    position integer NOT NULL,
    PRIMARY KEY (study_id, term)
);

-- Expected change under placebo from the literature, for studies without a placebo arm.
CREATE TABLE placebo_baselines (
    id          bigserial PRIMARY KEY,
    study_id    bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    measure_id  bigint NOT NULL,
    visit_id    bigint NOT NULL,
    mean_change double precision NOT NULL,
    sd          double precision NOT NULL CHECK (sd > 0),
    n           integer NOT NULL CHECK (n >= 2),
    source      text NOT NULL CHECK (source <> ''),
    UNIQUE (study_id, measure_id, visit_id),
    FOREIGN KEY (study_id, measure_id) REFERENCES measures (study_id, id) ON DELETE CASCADE,
    FOREIGN KEY (study_id, visit_id) REFERENCES scheduled_visits (study_id, id) ON DELETE CASCADE
);

CREATE TABLE patients (
    id           bigserial PRIMARY KEY,
    study_id     bigint NOT NULL REFERENCES studies (id),
    site_id      bigint NOT NULL REFERENCES sites (id),
    study_number text NOT NULL CHECK (study_number ~ '^[A-Za-z0-9][A-Za-z0-9_-]*$'),
    arm_id       bigint NOT NULL,
    sex          text NOT NULL CHECK (sex IN ('F', 'M')),
    birth_year   integer NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    enrolled_on  date NOT NULL,
    treated_on   date NOT NULL,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'withdrawn', 'lost', 'dead')),
    status_on    date,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (study_id, study_number),
    UNIQUE (study_id, id),
    FOREIGN KEY (study_id, arm_id) REFERENCES arms (study_id, id),
    CHECK (treated_on >= enrolled_on),
    CHECK (status = 'active' OR status_on IS NOT NULL)
);
CREATE INDEX patients_site ON patients (study_id, site_id);

-- A visit row exists once a visit is recorded, done or missed; upcoming, due and overdue
-- follow from the schedule and the treatment date.
CREATE TABLE visits (
    id                 bigserial PRIMARY KEY,
    study_id           bigint NOT NULL,
    patient_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    state              text NOT NULL CHECK (state IN ('done', 'missed')),
    visit_date         date,
    missed_reason      text NOT NULL DEFAULT '',
    notes              text NOT NULL DEFAULT '',
    version            integer NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (patient_id, scheduled_visit_id),
    UNIQUE (study_id, id),
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id),
    FOREIGN KEY (study_id, scheduled_visit_id) REFERENCES scheduled_visits (study_id, id),
    CHECK ((state = 'done' AND visit_date IS NOT NULL) OR (state = 'missed' AND missed_reason <> ''))
);
CREATE INDEX visits_study_visit ON visits (study_id, scheduled_visit_id);

-- A measured value, or a missing-data code instead of it: missing is never stored as 0.
CREATE TABLE visit_values (
    study_id     bigint NOT NULL,
    visit_id     bigint NOT NULL,
    measure_id   bigint NOT NULL,
    value        double precision,
    missing_code text CHECK (missing_code IN ('not_done', 'unknown', 'not_applicable')),
    PRIMARY KEY (visit_id, measure_id),
    FOREIGN KEY (study_id, visit_id) REFERENCES visits (study_id, id) ON DELETE CASCADE,
    FOREIGN KEY (study_id, measure_id) REFERENCES measures (study_id, id),
    CHECK ((value IS NULL) <> (missing_code IS NULL))
);
CREATE INDEX visit_values_measure ON visit_values (study_id, measure_id);

CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    study_id      bigint NOT NULL,
    patient_id    bigint NOT NULL,
    event_type_id bigint NOT NULL,
    occurred_on   date NOT NULL,
    notes         text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id),
    FOREIGN KEY (study_id, event_type_id) REFERENCES event_types (study_id, id)
);
CREATE INDEX events_patient ON events (study_id, patient_id);

CREATE TABLE adverse_events (
    id          bigserial PRIMARY KEY,
    study_id    bigint NOT NULL,
    patient_id  bigint NOT NULL,
    term        text NOT NULL CHECK (term <> ''),
    onset_on    date NOT NULL,
    ended_on    date,
    grade       integer NOT NULL CHECK (grade BETWEEN 1 AND 5),
    serious     boolean NOT NULL,
    relatedness text NOT NULL CHECK (relatedness IN ('unrelated', 'unlikely', 'possible', 'probable', 'definite')),
    outcome     text NOT NULL CHECK (outcome IN ('recovered', 'recovering', 'not_recovered', 'recovered_with_sequelae', 'fatal', 'unknown')),
    notes       text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id),
    CHECK (ended_on IS NULL OR ended_on >= onset_on)
);
CREATE INDEX adverse_events_patient ON adverse_events (study_id, patient_id);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name          text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'nurse', 'researcher', 'statistician')),
    password_hash text NOT NULL,
    language      text NOT NULL DEFAULT '' CHECK (language IN ('', 'en', 'sv', 'da')),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE user_sites (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id bigint NOT NULL REFERENCES sites (id),
    PRIMARY KEY (user_id, site_id)
);

-- Sessions live in the database so that a restart logs nobody out and a logout is final.
-- Only a hash of the token is stored: a copy of the table lets nobody in.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The audit trail: every change of clinical data, every export, every login. The database
-- itself keeps it append-only.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id    bigint REFERENCES users (id),
    actor      text NOT NULL,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text NOT NULL DEFAULT '',
    study_id   bigint REFERENCES studies (id),
    patient_id bigint REFERENCES patients (id),
    before     jsonb,
    after      jsonb,
    reason     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, at) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_study ON audit_log (study_id, at);
CREATE INDEX audit_log_login_failed ON audit_log (at) WHERE action = 'login_failed';

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
