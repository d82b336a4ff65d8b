-- The registry's functions, in one file: applied after the migrations by every `migrate up`
-- and every start of a command that migrates (registry.ApplyFunctions), as the schema's
-- owner, in one transaction. The migrations change tables; what the database computes (the
-- dashboard's summary cells, the rules the dashboard, the export and the worklist share,
-- the audit trail's hash chain) is defined here, once, in its current version.
--
-- Rules for this file:
-- - Every statement is idempotent: CREATE OR REPLACE FUNCTION; a function whose arguments or
--   result change is dropped first (DROP FUNCTION IF EXISTS old(signature)) in this file.
-- - A new function takes plain values (no table row types, no types of its own), so that
--   `migrate down` can drop the tables and types it reads without having to know it.
-- - Triggers themselves (CREATE TRIGGER) belong to the tables: they stay in the migrations.
-- The migrations 0001-0014 hold the earlier versions of these functions, as history; the
-- version here replaces them.

-- The audit trail ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION audit_log_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN 'N' ELSE octet_length(v)::text || ':' || v END
$$;

-- The bytes a row's hash covers; registry.AuditContent builds the same bytes in Go.
CREATE OR REPLACE FUNCTION audit_log_content(r audit_log) RETURNS bytea LANGUAGE sql STABLE
    SET search_path = pg_catalog, public AS $$
    SELECT convert_to(
        audit_log_field(r.seq::text) || audit_log_field(r.id::text) ||
        audit_log_field(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ||
        audit_log_field(r.user_id::text) || audit_log_field(r.actor) || audit_log_field(r.action) ||
        audit_log_field(r.entity) || audit_log_field(r.entity_id) || audit_log_field(r.study_id::text) ||
        audit_log_field(r.patient_id::text) || audit_log_field(r.before::text) ||
        audit_log_field(r.after::text) || audit_log_field(r.reason),
        'UTF8')
$$;

-- The first row a transaction writes locks the chain's head until commit; the place the
-- chain has reached within the transaction is kept in two transaction-local settings, so
-- that a statement writing many rows (an import) does not update the head row per row.
-- Both functions run as the schema's owner: the server's role needs no right on
-- audit_chain beyond reading it. A writer that forges the settings only breaks the chain,
-- which verify reports.
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    last_seq  bigint;
    last_hash bytea;
BEGIN
    IF coalesce(current_setting('registry.audit_chain_seq', true), '') = '' THEN
        SELECT seq, hash INTO last_seq, last_hash FROM audit_chain FOR UPDATE;
    ELSE
        last_seq := current_setting('registry.audit_chain_seq')::bigint;
        last_hash := decode(current_setting('registry.audit_chain_hash'), 'hex');
    END IF;
    NEW.seq := last_seq + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := sha256(last_hash || audit_log_content(NEW));
    PERFORM set_config('registry.audit_chain_seq', NEW.seq::text, true);
    PERFORM set_config('registry.audit_chain_hash', encode(NEW.hash, 'hex'), true);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION audit_log_chain_head() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF coalesce(current_setting('registry.audit_chain_seq', true), '') <> '' THEN
        UPDATE audit_chain SET seq = current_setting('registry.audit_chain_seq')::bigint,
            hash = decode(current_setting('registry.audit_chain_hash'), 'hex');
    END IF;
    RETURN NULL;
END;
$$;

REVOKE ALL ON FUNCTION audit_log_chain(), audit_log_chain_head() FROM PUBLIC;

-- Sites and users ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sites_check_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM now() AT TIME ZONE NEW.time_zone;
    RETURN NEW;
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'site %: unknown time zone %', NEW.code, NEW.time_zone
        USING ERRCODE = 'check_violation';
END $$;

CREATE OR REPLACE FUNCTION users_note_sign_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET last_sign_in_at = now() WHERE id = NEW.user_id;
    RETURN NEW;
END $$;

-- Rules shared by the dashboard, the export and the worklist --------------------------------
--
-- Visit windows. A scheduled visit's window, for a patient treated on treated_on (day 0), is
-- the calendar days from target_day - window_before to target_day + window_after after it,
-- both ends included. registry.Window (window.go) is the same rule for the forms, which work
-- on one patient in Go; TestWindowRuleAgreesWithSQL holds the two together.
CREATE OR REPLACE FUNCTION visit_window_opens(treated_on date, target_day integer, window_before integer) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN treated_on + target_day - window_before;

CREATE OR REPLACE FUNCTION visit_window_closes(treated_on date, target_day integer, window_after integer) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN treated_on + target_day + window_after;

-- "In window": a visit dated visit_date lies inside its window (NULL without a date).
CREATE OR REPLACE FUNCTION visit_in_window(visit_date date, treated_on date, target_day integer, window_before integer,
    window_after integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN visit_date BETWEEN visit_window_opens(treated_on, target_day, window_before)
        AND visit_window_closes(treated_on, target_day, window_after);

-- The state on today of a visit not yet recorded whose window is opens..closes.
CREATE OR REPLACE FUNCTION visit_window_state(today date, opens date, closes date) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN closes < today THEN 'overdue' WHEN opens <= today THEN 'due' ELSE 'upcoming' END;

-- The window has closed by today exactly for the patients treated before this day: the rule
-- "closes < today" turned round, so that a query can find those patients (and summary cells,
-- by month of treatment) by their treatment date.
CREATE OR REPLACE FUNCTION visit_window_closed_if_treated_before(today date, target_day integer, window_after integer)
    RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN today - target_day - window_after;

-- "Responder": a change from baseline of at least the measure's MCID in the direction that
-- is better (lower or higher); no MCID or no change is no response.
CREATE OR REPLACE FUNCTION dashboard_responder(change double precision, direction text, mcid double precision)
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN change IS NULL OR mcid IS NULL THEN false
        WHEN direction = 'lower' THEN change <= -mcid + 1e-9
        ELSE change >= mcid - 1e-9
    END;

-- "A patient's arm as the reader sees it", what the study dashboards group by: the patient's
-- arm, or 0, the one group of all arms, when the reader sees the study's arms pooled (a
-- blinded study for a researcher; who sees arms is registry.User.SeesArms).
CREATE OR REPLACE FUNCTION dashboard_arm_shown(arm_id bigint, arms_pooled boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN arms_pooled THEN 0 ELSE arm_id END;

-- Dashboard summary cells (migrations 0003, 0005) ------------------------------------------
--
-- Triggers on the clinical tables note which patients each statement touched in
-- dashboard_pending; dashboard_catch_up() works out those patients' contributions afresh
-- and changes each cell by the new less the kept. See the README, "How it stays fast".

-- Age at treatment in ten-year bands, clamped to under 40 (30) and 70 and over (70).
CREATE OR REPLACE FUNCTION dashboard_age_band(birth_year integer, treated_on date) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(greatest((extract(year FROM treated_on)::integer - birth_year) / 10 * 10, 30), 70)::smallint;

-- A patient's age band: at treatment, or at enrolment while the patient awaits treatment
-- (treated_on empty), so that enrolment and allocation counts can be filtered by age too.
-- (A quoted body: no dependency on the two-argument function, which migration 0003's down drops.)
CREATE OR REPLACE FUNCTION dashboard_age_band(birth_year integer, treated_on date, enrolled_on date) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT dashboard_age_band(birth_year, coalesce(treated_on, enrolled_on))
$$;

-- A patient's month of treatment; 'infinity' while the patient awaits treatment, so that a
-- patient without a treatment date is never expected at a visit (treated_month < ...).
CREATE OR REPLACE FUNCTION dashboard_treated_month(treated_on date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(date_trunc('month', treated_on)::date, 'infinity'::date);

-- The month of treatment as the patient and visit cells keep it (migration 0022): an active
-- patient's, by which the flow counts the visits whose window has closed; 'infinity' for
-- the others, whose cells are read without their month, so that they make one cell per
-- group, not one per month of treatment.
CREATE OR REPLACE FUNCTION dashboard_cell_month(status text, treated_month date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN status = 'active' THEN treated_month ELSE 'infinity'::date END;

-- dashboard_group_of is the one definition of the group a patient belongs to.
CREATE OR REPLACE FUNCTION dashboard_group_of(p patients) RETURNS dashboard_group
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ROW(p.study_id, p.arm_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on), p.status,
        dashboard_treated_month(p.treated_on))::dashboard_group;

-- dashboard_groups_of returns the current groups of the given patients.
CREATE OR REPLACE FUNCTION dashboard_groups_of(patient_ids bigint[]) RETURNS dashboard_group[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT dashboard_group_of(p))
    FROM unnest(patient_ids) AS i (id) JOIN patients p ON p.id = i.id
$$;

CREATE OR REPLACE FUNCTION dashboard_values_touched() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION dashboard_visits_touched() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION dashboard_patients_touched() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- dashboard_catch_up applies to the cells every patient noted in dashboard_pending by
-- committed transactions, and returns how many patients that was. One catch-up runs at a
-- time; one that finds notes while another is taking them waits for it, so when it
-- returns, every write committed before it began is reflected in the cells.
--
-- Its work tables (the patients taken and their contributions now) are temporary tables
-- kept for the session, emptied at each commit, not made and dropped by each catch-up:
-- so the plans of its statements are kept too, and a nurse's save costs a few ms, not the
-- 15-20 ms of creating, analysing and planning them afresh (at 100,000 patients). Their
-- statistics are taken again when the number of patients changes tenfold (a bulk write
-- after a nurse's save, or back), which makes the statements be planned again for it.
CREATE OR REPLACE FUNCTION dashboard_catch_up() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    version text;
    restat boolean;
BEGIN
    -- Nothing to do is the common case (a dashboard read), and costs no write.
    IF NOT EXISTS (SELECT 1 FROM dashboard_pending) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('dashboard catch-up', 0));

    -- Work tables made by another version of this function (functions.sql applied while
    -- the session lived) may not fit this one: they are made again.
    SELECT md5(prosrc) INTO version FROM pg_proc WHERE oid = 'dashboard_catch_up()'::regprocedure;
    IF to_regclass('pg_temp.dashboard_catch_up_patients') IS NULL
        OR current_setting('dashboard.catch_up_tables', true) IS DISTINCT FROM version THEN
        IF to_regclass('pg_temp.dashboard_catch_up_patients') IS NOT NULL THEN
            DROP TABLE pg_temp.dashboard_catch_up_patients, pg_temp.dashboard_catch_up_state, pg_temp.dashboard_catch_up_visits,
                pg_temp.dashboard_catch_up_values;
        END IF;
        CREATE TEMP TABLE dashboard_catch_up_patients (id bigint NOT NULL) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE dashboard_catch_up_state (LIKE dashboard_patient_state) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE dashboard_catch_up_visits (LIKE dashboard_patient_visits) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE dashboard_catch_up_values (LIKE dashboard_patient_values) ON COMMIT DELETE ROWS;
        PERFORM set_config('dashboard.catch_up_tables', version, false);
    ELSE
        -- Empty already, unless a catch-up ran earlier in this transaction.
        DELETE FROM dashboard_catch_up_patients;
        DELETE FROM dashboard_catch_up_state;
        DELETE FROM dashboard_catch_up_visits;
        DELETE FROM dashboard_catch_up_values;
    END IF;

    WITH taken AS (DELETE FROM dashboard_pending RETURNING visit_ids, patient_ids)
    INSERT INTO dashboard_catch_up_patients
    SELECT unnest(patient_ids) AS id FROM taken
    UNION
    SELECT v.patient_id FROM (SELECT DISTINCT unnest(visit_ids) AS id FROM taken) t JOIN visits v ON v.id = t.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN 0;
    END IF;
    -- The statistics (and so the plans) of the work tables hold until the number of
    -- patients is ten times more or less than when they were taken (never: -1).
    SELECT reltuples < 0 OR n > 10 * greatest(reltuples, 1) OR 10 * n < reltuples INTO restat
    FROM pg_class WHERE oid = to_regclass('pg_temp.dashboard_catch_up_patients');
    IF restat THEN
        ANALYZE dashboard_catch_up_patients;
    END IF;

    -- The patients' contributions now (none for a deleted patient).
    INSERT INTO dashboard_catch_up_state (patient_id, study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade,
        serious, terms, treated_on, survival_day, survival_event, survival_until)
    SELECT p.id AS patient_id, p.study_id, p.arm_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on) AS age_band,
           p.status, dashboard_treated_month(p.treated_on) AS treated_month, a.worst AS worst_grade, a.serious,
           coalesce(a.terms, '{}') AS terms, p.treated_on,
           -- Time to the first event: fixed by an event or the end of follow-up (a status
           -- date), else NULL (still followed: censored on the day the dashboard is read).
           CASE WHEN p.treated_on IS NULL THEN NULL
                WHEN f.first_on IS NOT NULL THEN greatest(f.first_on - p.treated_on, 0)
                WHEN p.status <> 'active' THEN greatest(p.status_on - p.treated_on, 0) END AS survival_day,
           CASE WHEN p.treated_on IS NULL THEN NULL
                WHEN f.first_on IS NOT NULL THEN true WHEN p.status <> 'active' THEN false END AS survival_event,
           CASE WHEN p.treated_on IS NULL THEN NULL
                WHEN f.first_on IS NOT NULL THEN p.treated_on
                WHEN p.status <> 'active' THEN greatest(p.status_on, p.treated_on) END AS survival_until
    FROM dashboard_catch_up_patients r JOIN patients p ON p.id = r.id
    LEFT JOIN (SELECT e.patient_id, min(e.occurred_on) AS first_on
               FROM dashboard_catch_up_patients r JOIN patients q ON q.id = r.id
               JOIN events e ON e.study_id = q.study_id AND e.patient_id = q.id GROUP BY 1) f ON f.patient_id = p.id
    LEFT JOIN (SELECT a.patient_id, max(a.grade)::smallint AS worst, bool_or(a.serious) AS serious,
                      array_agg(DISTINCT a.term ORDER BY a.term) AS terms
               FROM dashboard_catch_up_patients r JOIN patients q ON q.id = r.id
               JOIN adverse_events a ON a.study_id = q.study_id AND a.patient_id = q.id GROUP BY 1) a ON a.patient_id = p.id;
    IF restat THEN
        ANALYZE dashboard_catch_up_state;
    END IF;

    INSERT INTO dashboard_catch_up_visits (patient_id, scheduled_visit_id, done, in_window, from_home)
    -- A visit (a baseline) recorded before the treatment date is not in its window: it has
    -- none yet. Recording the date notes the patient again.
    SELECT p.patient_id, v.scheduled_visit_id, v.state = 'done' AS done,
           coalesce(v.state = 'done' AND visit_in_window(v.visit_date, p.treated_on, sv.target_day, sv.window_before, sv.window_after), false) AS in_window,
           -- Answered from home: a value of the visit is the patient's (migration 0018).
           v.state = 'done' AND EXISTS (SELECT 1 FROM visit_values vv WHERE vv.visit_id = v.id AND vv.source = 'patient') AS from_home
    FROM dashboard_catch_up_state p
    JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.patient_id
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id;

    INSERT INTO dashboard_catch_up_values (patient_id, measure_id, scheduled_visit_id, value, change, responder)
    WITH vals AS MATERIALIZED (
        SELECT p.patient_id, v.scheduled_visit_id, sv.is_baseline, vv.measure_id, vv.value
        FROM dashboard_catch_up_state p
        JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.patient_id AND v.state = 'done'
        JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
        JOIN visit_values vv ON vv.visit_id = v.id AND vv.value IS NOT NULL
    )
    SELECT f.patient_id, f.measure_id, f.scheduled_visit_id, f.value, f.value - b.value AS change,
           dashboard_responder(f.value - b.value, m.direction, m.mcid) AS responder
    FROM vals f
    LEFT JOIN vals b ON b.patient_id = f.patient_id AND b.measure_id = f.measure_id AND b.is_baseline AND NOT f.is_baseline
    JOIN measures m ON m.id = f.measure_id;
    IF restat THEN
        ANALYZE dashboard_catch_up_visits;
        ANALYZE dashboard_catch_up_values;
    END IF;

    -- Each cell changes by the new contributions less the kept ones. A cell left with no
    -- patient goes.
    MERGE INTO dashboard_patient_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, status, dashboard_cell_month(status, treated_month) AS treated_month, 1 AS d
              FROM dashboard_catch_up_state
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, dashboard_cell_month(s.status, s.treated_month), -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month, d.n);

    -- The adverse-event and term cells, like the outcome cells, have no status or month of
    -- treatment (migration 0022): no reader asks.
    MERGE INTO dashboard_ae_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, worst_grade, serious, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, worst_grade, serious, 1 AS d
              FROM dashboard_catch_up_state WHERE worst_grade IS NOT NULL
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.worst_grade, s.serious, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id WHERE s.worst_grade IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.worst_grade, t.serious)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.worst_grade, d.serious)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.worst_grade, d.serious, d.n);

    MERGE INTO dashboard_ae_term_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, term, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, unnest(terms) AS term, 1 AS d FROM dashboard_catch_up_state
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, unnest(s.terms), -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.term)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.term)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.term, d.n);

    -- The disclosure control's term sets (migration 0020): each term as lower(btrim(term)),
    -- every one once.
    MERGE INTO dashboard_ae_term_set_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, terms, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band,
                     ARRAY(SELECT DISTINCT lower(btrim(x)) FROM unnest(terms) x ORDER BY 1) AS terms, 1 AS d
              FROM dashboard_catch_up_state WHERE cardinality(terms) > 0
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band,
                     ARRAY(SELECT DISTINCT lower(btrim(x)) FROM unnest(s.terms) x ORDER BY 1), -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id WHERE cardinality(s.terms) > 0) x
        GROUP BY 1, 2, 3, 4, 5, 6
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.terms)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.terms)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.terms, d.n);

    MERGE INTO dashboard_visit_cells t
    USING (
        SELECT study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month,
               sum(d * done::int)::bigint AS done, sum(d * (NOT done)::int)::bigint AS missed,
               sum(d * in_window::int)::bigint AS in_window, sum(d * from_home::int)::bigint AS from_home
        FROM (SELECT p.study_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status,
                     dashboard_cell_month(p.status, p.treated_month) AS treated_month, v.done, v.in_window, v.from_home, 1 AS d
              FROM dashboard_catch_up_visits v JOIN dashboard_catch_up_state p ON p.patient_id = v.patient_id
              UNION ALL
              SELECT s.study_id, v.scheduled_visit_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status,
                     dashboard_cell_month(s.status, s.treated_month), v.done, v.in_window, v.from_home, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id
              JOIN dashboard_patient_visits v ON v.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) d ON (t.study_id, t.scheduled_visit_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month)
         = (d.study_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month)
    WHEN MATCHED AND t.done + d.done + t.missed + d.missed = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET done = t.done + d.done, missed = t.missed + d.missed, done_in_window = t.done_in_window + d.in_window,
        from_home = t.from_home + d.from_home
    WHEN NOT MATCHED AND d.done + d.missed <> 0 THEN INSERT (study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status,
        treated_month, done, missed, done_in_window, from_home) VALUES (d.study_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex,
        d.age_band, d.status, d.treated_month, d.done, d.missed, d.in_window, d.from_home);

    -- Nor the outcome cells (migration 0022).
    MERGE INTO dashboard_outcome_cells t
    USING (
        SELECT study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band,
               sum(d)::bigint AS n, sum(d * value) AS total, sum(d * value * value) AS total_sq,
               coalesce(sum(d) FILTER (WHERE change IS NOT NULL), 0)::bigint AS change_n,
               coalesce(sum(d * change), 0) AS change_total, coalesce(sum(d * change * change), 0) AS change_total_sq,
               sum(d * responder::int)::bigint AS responders
        FROM (SELECT p.study_id, v.measure_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, p.age_band,
                     v.value, v.change, v.responder, 1 AS d
              FROM dashboard_catch_up_values v JOIN dashboard_catch_up_state p ON p.patient_id = v.patient_id
              UNION ALL
              SELECT s.study_id, v.measure_id, v.scheduled_visit_id, s.arm_id, s.site_id, s.sex, s.age_band,
                     v.value, v.change, v.responder, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id
              JOIN dashboard_patient_values v ON v.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) d ON (t.study_id, t.measure_id, t.scheduled_visit_id, t.arm_id, t.site_id, t.sex, t.age_band)
         = (d.study_id, d.measure_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex, d.age_band)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n, total = t.total + d.total, total_sq = t.total_sq + d.total_sq,
        change_n = t.change_n + d.change_n, change_total = t.change_total + d.change_total,
        change_total_sq = t.change_total_sq + d.change_total_sq, responders = t.responders + d.responders
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.measure_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex,
        d.age_band, d.n, d.total, d.total_sq, d.change_n, d.change_total, d.change_total_sq, d.responders);

    -- Time to first event: the fixed times per day.
    MERGE INTO dashboard_survival_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, survival_day AS day,
               sum(d * survival_event::int)::bigint AS events, sum(d * (NOT survival_event)::int)::bigint AS censored
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, survival_day, survival_event, 1 AS d
              FROM dashboard_catch_up_state WHERE survival_day IS NOT NULL
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.survival_day, s.survival_event, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id WHERE s.survival_day IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5, 6
        -- A patient whose time is as it was changes nothing.
        HAVING sum(d * survival_event::int) <> 0 OR sum(d * (NOT survival_event)::int) <> 0
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.day) = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.day)
    WHEN MATCHED AND t.events + d.events + t.censored + d.censored = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET events = t.events + d.events, censored = t.censored + d.censored
    WHEN NOT MATCHED AND (d.events <> 0 OR d.censored <> 0) THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band,
        d.day, d.events, d.censored);

    -- Patients still followed, and their recorded visits, per treatment date.
    MERGE INTO dashboard_followed_cells t
    USING (
        SELECT study_id, treated_on, arm_id, site_id, sex, age_band, sum(d)::bigint AS n,
               sum(d * (survival_day IS NULL)::int)::bigint AS no_event
        FROM (SELECT study_id, treated_on, arm_id, site_id, sex, age_band, survival_day, 1 AS d
              FROM dashboard_catch_up_state WHERE status = 'active' AND treated_on IS NOT NULL
              UNION ALL
              SELECT s.study_id, s.treated_on, s.arm_id, s.site_id, s.sex, s.age_band, s.survival_day, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id
              WHERE s.status = 'active' AND s.treated_on IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(d) <> 0 OR sum(d * (survival_day IS NULL)::int) <> 0
    ) d ON (t.study_id, t.treated_on, t.arm_id, t.site_id, t.sex, t.age_band)
         = (d.study_id, d.treated_on, d.arm_id, d.site_id, d.sex, d.age_band)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n, no_event = t.no_event + d.no_event
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.treated_on, d.arm_id, d.site_id, d.sex, d.age_band, d.n, d.no_event);

    -- The studies of the patients whose time to event, or whose being followed, changed
    -- get a new version (migration 0023): everything the time-to-event reads take from a
    -- patient (its group, whether it is followed, its treatment date, its time, event and
    -- the day its time holds from) compared with what was kept. Counting the cells changed
    -- would miss a patient whose dates moved without changing its cell (a status dated
    -- after today), and a rebuild, which starts from nothing kept, gives every study it
    -- rebuilds a new version.
    INSERT INTO dashboard_survival_versions AS v (study_id, version)
    SELECT x.study_id, gen_random_uuid() FROM (
        SELECT u.study_id
        FROM dashboard_catch_up_patients r
        LEFT JOIN dashboard_catch_up_state n ON n.patient_id = r.id
        LEFT JOIN dashboard_patient_state o ON o.patient_id = r.id
        CROSS JOIN LATERAL unnest(ARRAY[n.study_id, o.study_id]) AS u(study_id)
        WHERE (n.study_id, n.arm_id, n.site_id, n.sex, n.age_band, n.status = 'active', n.treated_on, n.survival_day,
               n.survival_event, n.survival_until)
            IS DISTINCT FROM (o.study_id, o.arm_id, o.site_id, o.sex, o.age_band, o.status = 'active', o.treated_on,
               o.survival_day, o.survival_event, o.survival_until)
        GROUP BY 1) x
    JOIN studies st ON st.id = x.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = excluded.version;

    MERGE INTO dashboard_followed_visit_cells t
    USING (
        SELECT study_id, scheduled_visit_id, treated_on, arm_id, site_id, sex, age_band, sum(d)::bigint AS recorded
        FROM (SELECT p.study_id, v.scheduled_visit_id, p.treated_on, p.arm_id, p.site_id, p.sex, p.age_band, 1 AS d
              FROM dashboard_catch_up_visits v JOIN dashboard_catch_up_state p ON p.patient_id = v.patient_id
              WHERE p.status = 'active' AND p.treated_on IS NOT NULL
              UNION ALL
              SELECT s.study_id, v.scheduled_visit_id, s.treated_on, s.arm_id, s.site_id, s.sex, s.age_band, -1
              FROM dashboard_catch_up_patients r JOIN dashboard_patient_state s ON s.patient_id = r.id
              JOIN dashboard_patient_visits v ON v.patient_id = r.id
              WHERE s.status = 'active' AND s.treated_on IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) d ON (t.study_id, t.scheduled_visit_id, t.treated_on, t.arm_id, t.site_id, t.sex, t.age_band)
         = (d.study_id, d.scheduled_visit_id, d.treated_on, d.arm_id, d.site_id, d.sex, d.age_band)
    WHEN MATCHED AND t.recorded + d.recorded = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET recorded = t.recorded + d.recorded
    WHEN NOT MATCHED AND d.recorded <> 0 THEN INSERT VALUES (d.study_id, d.scheduled_visit_id, d.treated_on, d.arm_id, d.site_id,
        d.sex, d.age_band, d.recorded);

    -- The new contributions are the ones kept from now on.
    DELETE FROM dashboard_patient_state s USING dashboard_catch_up_patients r WHERE s.patient_id = r.id;
    DELETE FROM dashboard_patient_visits s USING dashboard_catch_up_patients r WHERE s.patient_id = r.id;
    DELETE FROM dashboard_patient_values s USING dashboard_catch_up_patients r WHERE s.patient_id = r.id;
    INSERT INTO dashboard_patient_state (patient_id, study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious,
        terms, treated_on, survival_day, survival_event, survival_until)
    SELECT patient_id, study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious, terms,
           treated_on, survival_day, survival_event, survival_until FROM dashboard_catch_up_state;
    INSERT INTO dashboard_patient_visits (patient_id, scheduled_visit_id, done, in_window, from_home)
    SELECT patient_id, scheduled_visit_id, done, in_window, from_home FROM dashboard_catch_up_visits;
    INSERT INTO dashboard_patient_values (patient_id, measure_id, scheduled_visit_id, value, change, responder)
    SELECT patient_id, measure_id, scheduled_visit_id, value, change, responder FROM dashboard_catch_up_values;
    RETURN n;
END;
$$;

CREATE OR REPLACE FUNCTION dashboard_patients_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

-- A patient moving between groups (arm, site, sex, age band, status) or changing treatment
-- date (which moves visit windows) or status date (which ends its time to event) is noted.
CREATE OR REPLACE FUNCTION dashboard_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_pending (patient_ids)
    SELECT array_agg(n.id) FROM old_patients o JOIN new_patients n ON n.id = o.id
    WHERE (o.arm_id, o.site_id, o.sex, o.birth_year, o.treated_on, o.enrolled_on, o.status, o.status_on)
        IS DISTINCT FROM (n.arm_id, n.site_id, n.sex, n.birth_year, n.treated_on, n.enrolled_on, n.status, n.status_on)
    HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

-- A change of a study's schedule or measures (direction, MCID) notes the study's patients.
CREATE OR REPLACE FUNCTION dashboard_definition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_pending (patient_ids)
    SELECT array_agg(p.id) FROM patients p WHERE p.study_id IN (SELECT study_id FROM new_rows) HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

