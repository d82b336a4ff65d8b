-- The versions go, and the catch-up that gives them is put back as it was before 0023
-- (the version of migrations/functions.sql then).
DROP TABLE dashboard_survival_versions;

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
    ) d ON (t.study_id, t.treated_on, t.arm_id, t.site_id, t.sex, t.age_band)
         = (d.study_id, d.treated_on, d.arm_id, d.site_id, d.sex, d.age_band)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n, no_event = t.no_event + d.no_event
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.treated_on, d.arm_id, d.site_id, d.sex, d.age_band, d.n, d.no_event);

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
