-- Time to first event kept as counts, like the other summary cells (issue 9): until now the
-- dashboard read every patient of a study and its events to build the Kaplan–Meier curves,
-- about 1 s at 1,000,000 patients, and the patients treated in the month a visit window
-- closes, with their visits, to count overdue visits (2 s). A patient's follow-up time is fixed once it had an event
-- (days from treatment to the first one) or left follow-up (days to its status date); those
-- are counted per group and day. A patient still followed without an event is censored
-- today, a day the cells cannot know: those are counted per group and treatment date, and
-- the dashboard works out their day when it reads. A group is what the dashboard filters
-- and the disclosure control protect: study, arm, site, sex and age band.
--
-- The tables only: dashboard_catch_up() (migrations/functions.sql) keeps them.

-- Patients with an event (events) or who left follow-up without one (censored), per day
-- from treatment.
CREATE TABLE dashboard_survival_cells (
    study_id bigint NOT NULL,
    arm_id   bigint NOT NULL,
    site_id  bigint NOT NULL,
    sex      text NOT NULL,
    age_band smallint NOT NULL,
    day      integer NOT NULL,
    events   bigint NOT NULL,
    censored bigint NOT NULL,
    PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, day)
);

-- Patients still followed (status active) per treatment date, and those of them without
-- an event (censored on the day the dashboard is read). The flow counts overdue visits with
-- them too: a visit's window has closed for the patients treated before a day that moves
-- with today; the month cells give the months before that day's month, these the days of
-- that month.
CREATE TABLE dashboard_followed_cells (
    study_id   bigint NOT NULL,
    treated_on date NOT NULL,
    arm_id     bigint NOT NULL,
    site_id    bigint NOT NULL,
    sex        text NOT NULL,
    age_band   smallint NOT NULL,
    n          bigint NOT NULL,
    no_event   bigint NOT NULL,
    PRIMARY KEY (study_id, treated_on, arm_id, site_id, sex, age_band)
);

-- Visits recorded (done or missed) of patients still followed, per scheduled visit and
-- treatment date: the other half of the overdue visits of that month.
CREATE TABLE dashboard_followed_visit_cells (
    study_id           bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    treated_on         date NOT NULL,
    arm_id             bigint NOT NULL,
    site_id            bigint NOT NULL,
    sex                text NOT NULL,
    age_band           smallint NOT NULL,
    recorded           bigint NOT NULL,
    PRIMARY KEY (study_id, scheduled_visit_id, treated_on, arm_id, site_id, sex, age_band)
);

-- Each patient's contribution: treated_on, and survival_day with survival_event when its
-- time is fixed (NULL: still followed without an event, counted by treated_on). The day
-- holds from survival_until on: a treatment or status dated after the dashboard's today
-- (survival_until > today, a few patients at most) is read from these columns and
-- corrected, so the curves are those of the clinical rows on any day.
ALTER TABLE dashboard_patient_state
    ADD COLUMN treated_on     date,
    ADD COLUMN survival_day   integer,
    ADD COLUMN survival_event boolean,
    ADD COLUMN survival_until date;
CREATE INDEX dashboard_patient_state_survival_until ON dashboard_patient_state (study_id, survival_until)
    WHERE survival_until IS NOT NULL;

-- Events now change the cells: each statement notes its patients.
CREATE TRIGGER dashboard_events_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_events_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_events_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();

-- Every patient is noted: the next catch-up works its contribution out again, now with its
-- time to event (the kept contributions have none to subtract).
INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM patients HAVING count(*) > 0;
