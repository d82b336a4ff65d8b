-- Patients answer from home. A nurse invites a patient to answer the patient-reported
-- measures of one scheduled visit by a link /p/{token}. An invitation is answered once,
-- revoked when a newer one is made for the same visit, and reviewed by a nurse after the
-- patient answered. Reminders are sent 3 and 7 days after it was made; each column is set
-- once, by the one server that claims it (UPDATE ... WHERE reminder_3_sent_at IS NULL).
CREATE TABLE invitations (
    id                 bigserial PRIMARY KEY,
    study_id           bigint NOT NULL,
    patient_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    language           text NOT NULL CHECK (language IN ('en', 'sv', 'da', 'es')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text NOT NULL,
    answered_at        timestamptz,
    revoked_at         timestamptz,
    reviewed_at        timestamptz,
    reviewed_by        text NOT NULL DEFAULT '',
    reminder_3_sent_at timestamptz,
    reminder_7_sent_at timestamptz,
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id) ON DELETE CASCADE,
    FOREIGN KEY (study_id, scheduled_visit_id) REFERENCES scheduled_visits (study_id, id) ON DELETE CASCADE,
    CHECK (reviewed_at IS NULL OR answered_at IS NOT NULL)
);
CREATE INDEX invitations_visit ON invitations (patient_id, scheduled_visit_id);
-- The reminder loop and the worklist read only the open and the unreviewed ones.
CREATE INDEX invitations_open ON invitations (created_at) WHERE answered_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_to_review ON invitations (study_id) WHERE answered_at IS NOT NULL AND reviewed_at IS NULL;

-- The links of an invitation: only a hash of each token is kept, as for sessions and
-- password links, so a reminder cannot repeat the first link: it carries a new one, and
-- every link of the invitation works until it is answered.
CREATE TABLE invitation_links (
    token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    invitation_id bigint NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id);

-- A patient's email address, to send the link and the reminders to. Kept apart from the
-- clinical data: no export, import or audit row carries it, and a nurse can erase it.
CREATE TABLE patient_contacts (
    patient_id bigint PRIMARY KEY,
    study_id   bigint NOT NULL,
    email      text NOT NULL CHECK (email <> '' AND length(email) <= 254),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id) ON DELETE CASCADE
);

-- Requests to the patients' links per client address, throttled like sign-ins
-- (registry/patient_link_throttle.go): a row per address, forgotten after a quiet period.
CREATE TABLE patient_link_throttles (
    address  text PRIMARY KEY,
    requests integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
    last_at  timestamptz NOT NULL DEFAULT now()
);
