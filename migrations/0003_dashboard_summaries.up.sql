-- Dashboard summaries: per-cell sums that the researchers' dashboards aggregate instead of
-- scanning every visit value. A cell is one measure at one scheduled visit for one group of
-- patients; a group is the patients sharing study, arm, site, sex, age band and status (the
-- finest level a dashboard filter reaches) and the month of their treatment. The month keeps
-- groups small (a few dozen patients even in a study of 100,000), so that the refresh after
-- a nurse's save is cheap; the dashboards sum over the months. Triggers on the clinical tables keep the cells
-- correct for every writer (nurse forms, CSV import, the seed's COPY) without the writer
-- knowing: each statement notes the visits or patients it touched (one row per statement,
-- cheap even for a COPY of a million rows), and at commit a deferred trigger recomputes the
-- groups of those patients from the rows themselves, once per transaction.

-- Age at treatment in ten-year bands, clamped to under 40 (30) and 70 and over (70).
CREATE FUNCTION dashboard_age_band(birth_year integer, treated_on date) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(greatest((extract(year FROM treated_on)::integer - birth_year) / 10 * 10, 30), 70)::smallint;

CREATE TYPE dashboard_group AS (
    study_id bigint, arm_id bigint, site_id bigint, sex text, age_band smallint, status text, treated_month date
);

-- dashboard_group_of is the one definition of the group a patient belongs to.
CREATE FUNCTION dashboard_group_of(p patients) RETURNS dashboard_group
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ROW(p.study_id, p.arm_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on), p.status,
        date_trunc('month', p.treated_on)::date)::dashboard_group;

-- Values and changes from baseline per measure, visit and patient group. Mean and SD follow
-- from n, total and total_sq; responders improved by at least the measure's MCID.
CREATE TABLE dashboard_outcome_cells (
    study_id           bigint NOT NULL,
    measure_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    arm_id             bigint NOT NULL,
    site_id            bigint NOT NULL,
    sex                text NOT NULL,
    age_band           smallint NOT NULL,
    status             text NOT NULL,
    treated_month      date NOT NULL,
    n                  bigint NOT NULL,
    total              double precision NOT NULL,
    total_sq           double precision NOT NULL,
    change_n           bigint NOT NULL,
    change_total       double precision NOT NULL,
    change_total_sq    double precision NOT NULL,
    responders         bigint NOT NULL,
    PRIMARY KEY (study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month)
);

-- Recorded visits per scheduled visit and patient group.
CREATE TABLE dashboard_visit_cells (
    study_id           bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    arm_id             bigint NOT NULL,
    site_id            bigint NOT NULL,
    sex                text NOT NULL,
    age_band           smallint NOT NULL,
    status             text NOT NULL,
    -- The month of treatment: with it, overdue visits (window closed, nothing recorded)
    -- are counted from the cells plus the patients of one month.
    treated_month      date NOT NULL,
    done               bigint NOT NULL,
    missed             bigint NOT NULL,
    done_in_window     bigint NOT NULL,
    PRIMARY KEY (study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month)
);

-- Patients per group (enrolment, allocation, status), and patients by worst adverse-event
-- grade and seriousness, and by adverse-event term.
CREATE TABLE dashboard_patient_cells (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL, status text NOT NULL, treated_month date NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, status, treated_month)
);
CREATE TABLE dashboard_ae_cells (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL, status text NOT NULL, treated_month date NOT NULL,
    worst_grade smallint NOT NULL, serious boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious)
);
CREATE TABLE dashboard_ae_term_cells (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL, status text NOT NULL, treated_month date NOT NULL,
    term text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, status, treated_month, term)
);

-- Whether a change from baseline counts as a response for a measure.
CREATE FUNCTION dashboard_responder(change double precision, direction text, mcid double precision)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN change IS NULL OR mcid IS NULL THEN false
        WHEN direction = 'lower' THEN change <= -mcid + 1e-9
        ELSE change >= mcid - 1e-9
    END;

-- dashboard_refresh recomputes every cell of the given patient groups from the clinical rows.
--
-- Two transactions rebuilding the same group would collide, so a group is rebuilt by one at
-- a time. A refresh of a few groups (a nurse's save) locks those groups, under a shared lock
-- of their study, and finds their patients (a few dozen) by index. A bulk refresh (a COPY,
-- an import, a changed study definition) locks its studies whole, one lock per study rather
-- than thousands, and rebuilds them whole, which a scan does faster than group lookups.
-- Locks are taken in order, so refreshes cannot deadlock. Either way the patients in scope
-- go to a temporary table first, analysed, so that every aggregate below is planned for
-- the number of patients it really reads.
CREATE FUNCTION dashboard_refresh(groups dashboard_group[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    bulk boolean;
    studies bigint[];
BEGIN
    IF groups IS NULL OR cardinality(groups) = 0 THEN
        RETURN;
    END IF;
    bulk := cardinality(groups) > 64;
    SELECT array_agg(DISTINCT g.study_id ORDER BY g.study_id) INTO studies FROM unnest(groups) g;

    CREATE TEMP TABLE IF NOT EXISTS dashboard_refreshing (
        id bigint, study_id bigint, arm_id bigint, site_id bigint, sex text, age_band smallint, status text,
        treated_month date, treated_on date
    ) ON COMMIT DROP;
    TRUNCATE dashboard_refreshing;

    IF bulk THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('dashboard study ' || s, 0)) FROM unnest(studies) s;
        DELETE FROM dashboard_outcome_cells WHERE study_id = ANY(studies);
        DELETE FROM dashboard_visit_cells WHERE study_id = ANY(studies);
        DELETE FROM dashboard_patient_cells WHERE study_id = ANY(studies);
        DELETE FROM dashboard_ae_cells WHERE study_id = ANY(studies);
        DELETE FROM dashboard_ae_term_cells WHERE study_id = ANY(studies);
        INSERT INTO dashboard_refreshing
        SELECT p.id, p.study_id, p.arm_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on), p.status,
               date_trunc('month', p.treated_on)::date, p.treated_on
        FROM patients p WHERE p.study_id = ANY(studies);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('dashboard study ' || s, 0)) FROM unnest(studies) s;
        PERFORM pg_advisory_xact_lock(k)
        FROM (SELECT DISTINCT hashtextextended('dashboard group ' || g::text, 0) AS k FROM unnest(groups) g ORDER BY 1) x;
        DELETE FROM dashboard_outcome_cells c USING unnest(groups) g
        WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month)
            = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status, g.treated_month);
        DELETE FROM dashboard_visit_cells c USING unnest(groups) g
        WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month)
            = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status, g.treated_month);
        DELETE FROM dashboard_patient_cells c USING unnest(groups) g
        WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month)
            = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status, g.treated_month);
        DELETE FROM dashboard_ae_cells c USING unnest(groups) g
        WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month)
            = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status, g.treated_month);
        DELETE FROM dashboard_ae_term_cells c USING unnest(groups) g
        WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month)
            = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status, g.treated_month);
        INSERT INTO dashboard_refreshing
        SELECT p.id, p.study_id, p.arm_id, p.site_id, p.sex, g.age_band, p.status, g.treated_month, p.treated_on
        FROM unnest(groups) g
        JOIN patients p ON p.study_id = g.study_id AND p.site_id = g.site_id AND p.arm_id = g.arm_id
            AND p.sex = g.sex AND p.status = g.status
            AND p.treated_on >= g.treated_month AND p.treated_on < (g.treated_month + interval '1 month')::date
            AND dashboard_age_band(p.birth_year, p.treated_on) = g.age_band;
    END IF;
    ANALYZE dashboard_refreshing;

    INSERT INTO dashboard_patient_cells
    SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, count(*) FROM dashboard_refreshing GROUP BY 1, 2, 3, 4, 5, 6, 7;

    INSERT INTO dashboard_ae_cells
    SELECT p.study_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month, a.worst, a.serious, count(*)
    FROM dashboard_refreshing p
    JOIN (SELECT a.patient_id, max(a.grade)::smallint AS worst, bool_or(a.serious) AS serious
          FROM dashboard_refreshing r JOIN adverse_events a ON a.study_id = r.study_id AND a.patient_id = r.id
          GROUP BY 1) a ON a.patient_id = p.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

    INSERT INTO dashboard_ae_term_cells
    SELECT p.study_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month, a.term, count(DISTINCT a.patient_id)
    FROM dashboard_refreshing p JOIN adverse_events a ON a.study_id = p.study_id AND a.patient_id = p.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

    INSERT INTO dashboard_outcome_cells
    WITH vals AS MATERIALIZED (
        SELECT p.id AS patient_id, p.study_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month,
               v.scheduled_visit_id, sv.is_baseline, vv.measure_id, vv.value
        FROM dashboard_refreshing p
        JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.id AND v.state = 'done'
        JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
        JOIN visit_values vv ON vv.visit_id = v.id AND vv.value IS NOT NULL
    ), changes AS (
        SELECT f.*, f.value - b.value AS change
        FROM vals f
        LEFT JOIN vals b ON b.patient_id = f.patient_id AND b.measure_id = f.measure_id AND b.is_baseline AND NOT f.is_baseline
    )
    SELECT c.study_id, c.measure_id, c.scheduled_visit_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status, c.treated_month,
           count(*), sum(c.value), sum(c.value * c.value),
           count(c.change), coalesce(sum(c.change), 0), coalesce(sum(c.change * c.change), 0),
           count(*) FILTER (WHERE dashboard_responder(c.change, m.direction, m.mcid))
    FROM changes c JOIN measures m ON m.id = c.measure_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

    INSERT INTO dashboard_visit_cells
    SELECT p.study_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month,
           count(*) FILTER (WHERE v.state = 'done'), count(*) FILTER (WHERE v.state = 'missed'),
           count(*) FILTER (WHERE v.state = 'done' AND v.visit_date - p.treated_on
               BETWEEN sv.target_day - sv.window_before AND sv.target_day + sv.window_after)
    FROM dashboard_refreshing p
    JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.id
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
END;
$$;

-- dashboard_groups_of returns the current groups of the given patients.
CREATE FUNCTION dashboard_groups_of(patient_ids bigint[]) RETURNS dashboard_group[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT dashboard_group_of(p))
    FROM unnest(patient_ids) AS i (id) JOIN patients p ON p.id = i.id
$$;

-- What each statement touched, flushed at commit by dashboard_flush.
CREATE TABLE dashboard_pending (
    id          bigserial PRIMARY KEY,
    visit_ids   bigint[] NOT NULL DEFAULT '{}',
    patient_ids bigint[] NOT NULL DEFAULT '{}'
);

-- dashboard_flush recomputes the groups of every patient the transaction touched; the
-- first call at commit does the work, the others find nothing left.
CREATE FUNCTION dashboard_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    WITH taken AS (DELETE FROM dashboard_pending RETURNING visit_ids, patient_ids)
    SELECT array_agg(DISTINCT x.id) INTO ids FROM (
        SELECT unnest(patient_ids) AS id FROM taken
        UNION
        SELECT v.patient_id FROM (SELECT DISTINCT unnest(visit_ids) AS id FROM taken) t JOIN visits v ON v.id = t.id
    ) x;
    IF ids IS NOT NULL THEN
        PERFORM dashboard_refresh(dashboard_groups_of(ids));
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER dashboard_pending_flush AFTER INSERT ON dashboard_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_flush();

CREATE FUNCTION dashboard_values_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_pending (visit_ids) SELECT array_agg(DISTINCT visit_id) FROM new_values HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_pending (visit_ids)
        SELECT array_agg(DISTINCT visit_id) FROM (SELECT visit_id FROM old_values UNION ALL SELECT visit_id FROM new_values) x HAVING count(*) > 0;
    ELSE
        INSERT INTO dashboard_pending (visit_ids) SELECT array_agg(DISTINCT visit_id) FROM old_values HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION dashboard_visits_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(DISTINCT patient_id) FROM new_visits HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_pending (patient_ids)
        SELECT array_agg(DISTINCT patient_id) FROM (SELECT patient_id FROM old_visits UNION ALL SELECT patient_id FROM new_visits) x HAVING count(*) > 0;
    ELSE
        INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(DISTINCT patient_id) FROM old_visits HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION dashboard_patients_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'patients' THEN
        INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(DISTINCT patient_id) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_pending (patient_ids)
        SELECT array_agg(DISTINCT patient_id) FROM (SELECT patient_id FROM old_rows UNION ALL SELECT patient_id FROM new_rows) x HAVING count(*) > 0;
    ELSE
        INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(DISTINCT patient_id) FROM old_rows HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$;

-- A deleted patient's group is refreshed at once: at commit the patient is gone.
CREATE FUNCTION dashboard_patients_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh((SELECT array_agg(DISTINCT dashboard_group_of(o)) FROM old_rows o));
    RETURN NULL;
END;
$$;

-- A patient moving between groups (arm, site, sex, age band, status) or changing treatment
-- date (which moves visit windows) refreshes the old and the new group.
CREATE FUNCTION dashboard_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    groups dashboard_group[];
BEGIN
    SELECT array_agg(DISTINCT g) INTO groups FROM (
        SELECT dashboard_group_of(o) AS g
        FROM old_patients o JOIN new_patients n ON n.id = o.id
        WHERE (o.arm_id, o.site_id, o.sex, o.birth_year, o.treated_on, o.status)
            IS DISTINCT FROM (n.arm_id, n.site_id, n.sex, n.birth_year, n.treated_on, n.status)
        UNION
        SELECT dashboard_group_of(n)
        FROM old_patients o JOIN new_patients n ON n.id = o.id
        WHERE (o.arm_id, o.site_id, o.sex, o.birth_year, o.treated_on, o.status)
            IS DISTINCT FROM (n.arm_id, n.site_id, n.sex, n.birth_year, n.treated_on, n.status)
    ) x;
    PERFORM dashboard_refresh(groups);
    RETURN NULL;
END;
$$;

-- A change of a study's schedule or measures (direction, MCID) refreshes the study.
CREATE FUNCTION dashboard_definition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh((
        SELECT array_agg(DISTINCT dashboard_group_of(p))
        FROM patients p WHERE p.study_id IN (SELECT study_id FROM new_rows)));
    RETURN NULL;
END;
$$;

CREATE TRIGGER dashboard_values_insert AFTER INSERT ON visit_values
    REFERENCING NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_touched();
CREATE TRIGGER dashboard_values_update AFTER UPDATE ON visit_values
    REFERENCING OLD TABLE AS old_values NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_touched();
CREATE TRIGGER dashboard_values_delete AFTER DELETE ON visit_values
    REFERENCING OLD TABLE AS old_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_touched();

CREATE TRIGGER dashboard_visits_insert AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_touched();
CREATE TRIGGER dashboard_visits_update AFTER UPDATE ON visits
    REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_touched();
CREATE TRIGGER dashboard_visits_delete AFTER DELETE ON visits
    REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_touched();

CREATE TRIGGER dashboard_patients_insert AFTER INSERT ON patients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_patients_delete AFTER DELETE ON patients
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_deleted();
CREATE TRIGGER dashboard_adverse_events_insert AFTER INSERT ON adverse_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_adverse_events_update AFTER UPDATE ON adverse_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_adverse_events_delete AFTER DELETE ON adverse_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_touched();
CREATE TRIGGER dashboard_patients_update AFTER UPDATE ON patients
    REFERENCING OLD TABLE AS old_patients NEW TABLE AS new_patients FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_changed();

CREATE TRIGGER dashboard_measures_update AFTER UPDATE ON measures
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_definition_changed();
CREATE TRIGGER dashboard_schedule_update AFTER UPDATE ON scheduled_visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_definition_changed();

-- The dashboards' own reads: patients by treatment date (follow-up flow, survival) and
-- the first event of each patient.
CREATE INDEX dashboard_patients_treated ON patients (study_id, treated_on);
-- A refresh finds a group's patients (a few dozen) without visiting the others treated
-- in the same month.
CREATE INDEX dashboard_patients_group ON patients (study_id, site_id, arm_id, sex, status, treated_on);
CREATE INDEX dashboard_events_first ON events (study_id, patient_id, occurred_on);
CREATE INDEX dashboard_adverse_events_term ON adverse_events (study_id, term);

-- A database that already holds patients gets its cells now.
SELECT dashboard_refresh((SELECT array_agg(DISTINCT dashboard_group_of(p))
    FROM patients p));
