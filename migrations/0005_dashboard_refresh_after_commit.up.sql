-- Dashboard summaries kept by each patient's contribution, after the writer's commit.
--
-- Until now the deferred trigger of 0003 rebuilt the touched patient groups at the commit
-- of every writing transaction: one nurse's save recomputed the cells of her patient's whole
-- group (about 90 patients in a study of 100,000, some 10 ms of work) inside the save, where
-- 50 nurses saving at once queued behind each other.
--
-- Now every patient's contribution to the cells (its group, adverse events, visits, values
-- and changes from baseline) is kept in dashboard_patient_* tables. Writers only note which
-- patients they touched in dashboard_pending, as before. dashboard_catch_up() then works out
-- those patients' contributions afresh, subtracts the kept ones from the cells and adds the
-- new: the work of one patient per save, not of a group, done many saves at a time in a
-- transaction of its own. The server runs it every second; every dashboard read runs it
-- first, so a dashboard still shows every write committed before it was asked for; the
-- bulk writers (seed, import, study apply) run it when they are done.
--
-- dashboard_refresh (0003) stays as the from-scratch recomputation of groups, which the
-- tests compare the cells with (in a transaction they roll back). It does not know the
-- kept contributions: rebuilding cells with it while notes are waiting would make the next
-- catch-up count them twice.

DROP TRIGGER dashboard_pending_flush ON dashboard_pending;
DROP FUNCTION dashboard_flush();

-- The group a patient is counted in, with its worst adverse event and its adverse-event
-- terms (NULL and empty when it has none).
CREATE TABLE dashboard_patient_state (
    patient_id    bigint PRIMARY KEY, -- no foreign key: a deleted patient's state is what gets subtracted
    study_id      bigint NOT NULL,
    arm_id        bigint NOT NULL,
    site_id       bigint NOT NULL,
    sex           text NOT NULL,
    age_band      smallint NOT NULL,
    status        text NOT NULL,
    treated_month date NOT NULL,
    worst_grade   smallint,
    serious       boolean,
    terms         text[] NOT NULL
);

-- A patient's recorded visits: what dashboard_visit_cells counts.
CREATE TABLE dashboard_patient_visits (
    patient_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    done               boolean NOT NULL,
    in_window          boolean NOT NULL,
    PRIMARY KEY (patient_id, scheduled_visit_id)
);

-- A patient's values at done visits, with the change from its baseline value and whether
-- that change is a response: what dashboard_outcome_cells sums.
CREATE TABLE dashboard_patient_values (
    patient_id         bigint NOT NULL,
    measure_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    value              double precision NOT NULL,
    change             double precision,
    responder          boolean NOT NULL,
    PRIMARY KEY (patient_id, measure_id, scheduled_visit_id)
);

-- dashboard_catch_up applies to the cells every patient noted in dashboard_pending by
-- committed transactions, and returns how many patients that was. One catch-up runs at a
-- time; one that finds notes while another is taking them waits for it, so when it
-- returns, every write committed before it began is reflected in the cells.
CREATE FUNCTION dashboard_catch_up() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    -- Nothing to do is the common case (a dashboard read), and costs no write.
    IF NOT EXISTS (SELECT 1 FROM dashboard_pending) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('dashboard catch-up', 0));

    CREATE TEMP TABLE dashboard_catching_up ON COMMIT DROP AS
    WITH taken AS (DELETE FROM dashboard_pending RETURNING visit_ids, patient_ids)
    SELECT unnest(patient_ids) AS id FROM taken
    UNION
    SELECT v.patient_id FROM (SELECT DISTINCT unnest(visit_ids) AS id FROM taken) t JOIN visits v ON v.id = t.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        DROP TABLE dashboard_catching_up;
        RETURN 0;
    END IF;
    ANALYZE dashboard_catching_up;

    -- The patients' contributions now (none for a deleted patient).
    CREATE TEMP TABLE dashboard_new_state ON COMMIT DROP AS
    SELECT p.id AS patient_id, p.study_id, p.arm_id, p.site_id, p.sex, dashboard_age_band(p.birth_year, p.treated_on) AS age_band,
           p.status, date_trunc('month', p.treated_on)::date AS treated_month, a.worst AS worst_grade, a.serious,
           coalesce(a.terms, '{}') AS terms, p.treated_on
    FROM dashboard_catching_up r JOIN patients p ON p.id = r.id
    LEFT JOIN (SELECT a.patient_id, max(a.grade)::smallint AS worst, bool_or(a.serious) AS serious,
                      array_agg(DISTINCT a.term ORDER BY a.term) AS terms
               FROM dashboard_catching_up r JOIN patients q ON q.id = r.id
               JOIN adverse_events a ON a.study_id = q.study_id AND a.patient_id = q.id GROUP BY 1) a ON a.patient_id = p.id;
    ANALYZE dashboard_new_state;

    CREATE TEMP TABLE dashboard_new_visits ON COMMIT DROP AS
    SELECT p.patient_id, v.scheduled_visit_id, v.state = 'done' AS done,
           v.state = 'done' AND v.visit_date - p.treated_on
               BETWEEN sv.target_day - sv.window_before AND sv.target_day + sv.window_after AS in_window
    FROM dashboard_new_state p
    JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.patient_id
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id;

    CREATE TEMP TABLE dashboard_new_values ON COMMIT DROP AS
    WITH vals AS MATERIALIZED (
        SELECT p.patient_id, v.scheduled_visit_id, sv.is_baseline, vv.measure_id, vv.value
        FROM dashboard_new_state p
        JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.patient_id AND v.state = 'done'
        JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
        JOIN visit_values vv ON vv.visit_id = v.id AND vv.value IS NOT NULL
    )
    SELECT f.patient_id, f.measure_id, f.scheduled_visit_id, f.value, f.value - b.value AS change,
           dashboard_responder(f.value - b.value, m.direction, m.mcid) AS responder
    FROM vals f
    LEFT JOIN vals b ON b.patient_id = f.patient_id AND b.measure_id = f.measure_id AND b.is_baseline AND NOT f.is_baseline
    JOIN measures m ON m.id = f.measure_id;
    ANALYZE dashboard_new_visits;
    ANALYZE dashboard_new_values;

    -- Each cell changes by the new contributions less the kept ones. A cell left with no
    -- patient goes.
    MERGE INTO dashboard_patient_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, 1 AS d FROM dashboard_new_state
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, s.treated_month, -1
              FROM dashboard_catching_up r JOIN dashboard_patient_state s ON s.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month, d.n);

    MERGE INTO dashboard_ae_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious, 1 AS d
              FROM dashboard_new_state WHERE worst_grade IS NOT NULL
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, s.treated_month, s.worst_grade, s.serious, -1
              FROM dashboard_catching_up r JOIN dashboard_patient_state s ON s.patient_id = r.id WHERE s.worst_grade IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month, t.worst_grade, t.serious)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month, d.worst_grade, d.serious)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month,
        d.worst_grade, d.serious, d.n);

    MERGE INTO dashboard_ae_term_cells t
    USING (
        SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, term, sum(d)::bigint AS n
        FROM (SELECT study_id, arm_id, site_id, sex, age_band, status, treated_month, unnest(terms) AS term, 1 AS d FROM dashboard_new_state
              UNION ALL
              SELECT s.study_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, s.treated_month, unnest(s.terms), -1
              FROM dashboard_catching_up r JOIN dashboard_patient_state s ON s.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) d ON (t.study_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month, t.term)
         = (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month, d.term)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month, d.term, d.n);

    MERGE INTO dashboard_visit_cells t
    USING (
        SELECT study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month,
               sum(d * done::int)::bigint AS done, sum(d * (NOT done)::int)::bigint AS missed,
               sum(d * in_window::int)::bigint AS in_window
        FROM (SELECT p.study_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month,
                     v.done, v.in_window, 1 AS d
              FROM dashboard_new_visits v JOIN dashboard_new_state p ON p.patient_id = v.patient_id
              UNION ALL
              SELECT s.study_id, v.scheduled_visit_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, s.treated_month,
                     v.done, v.in_window, -1
              FROM dashboard_catching_up r JOIN dashboard_patient_state s ON s.patient_id = r.id
              JOIN dashboard_patient_visits v ON v.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ) d ON (t.study_id, t.scheduled_visit_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month)
         = (d.study_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month)
    WHEN MATCHED AND t.done + d.done + t.missed + d.missed = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET done = t.done + d.done, missed = t.missed + d.missed, done_in_window = t.done_in_window + d.in_window
    WHEN NOT MATCHED AND d.done + d.missed <> 0 THEN INSERT VALUES (d.study_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex,
        d.age_band, d.status, d.treated_month, d.done, d.missed, d.in_window);

    MERGE INTO dashboard_outcome_cells t
    USING (
        SELECT study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month,
               sum(d)::bigint AS n, sum(d * value) AS total, sum(d * value * value) AS total_sq,
               coalesce(sum(d) FILTER (WHERE change IS NOT NULL), 0)::bigint AS change_n,
               coalesce(sum(d * change), 0) AS change_total, coalesce(sum(d * change * change), 0) AS change_total_sq,
               sum(d * responder::int)::bigint AS responders
        FROM (SELECT p.study_id, v.measure_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, p.age_band, p.status, p.treated_month,
                     v.value, v.change, v.responder, 1 AS d
              FROM dashboard_new_values v JOIN dashboard_new_state p ON p.patient_id = v.patient_id
              UNION ALL
              SELECT s.study_id, v.measure_id, v.scheduled_visit_id, s.arm_id, s.site_id, s.sex, s.age_band, s.status, s.treated_month,
                     v.value, v.change, v.responder, -1
              FROM dashboard_catching_up r JOIN dashboard_patient_state s ON s.patient_id = r.id
              JOIN dashboard_patient_values v ON v.patient_id = r.id) x
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ) d ON (t.study_id, t.measure_id, t.scheduled_visit_id, t.arm_id, t.site_id, t.sex, t.age_band, t.status, t.treated_month)
         = (d.study_id, d.measure_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex, d.age_band, d.status, d.treated_month)
    WHEN MATCHED AND t.n + d.n = 0 THEN DELETE
    WHEN MATCHED THEN UPDATE SET n = t.n + d.n, total = t.total + d.total, total_sq = t.total_sq + d.total_sq,
        change_n = t.change_n + d.change_n, change_total = t.change_total + d.change_total,
        change_total_sq = t.change_total_sq + d.change_total_sq, responders = t.responders + d.responders
    WHEN NOT MATCHED AND d.n <> 0 THEN INSERT VALUES (d.study_id, d.measure_id, d.scheduled_visit_id, d.arm_id, d.site_id, d.sex,
        d.age_band, d.status, d.treated_month, d.n, d.total, d.total_sq, d.change_n, d.change_total, d.change_total_sq, d.responders);

    -- The new contributions are the ones kept from now on.
    DELETE FROM dashboard_patient_state s USING dashboard_catching_up r WHERE s.patient_id = r.id;
    DELETE FROM dashboard_patient_visits s USING dashboard_catching_up r WHERE s.patient_id = r.id;
    DELETE FROM dashboard_patient_values s USING dashboard_catching_up r WHERE s.patient_id = r.id;
    INSERT INTO dashboard_patient_state
    SELECT patient_id, study_id, arm_id, site_id, sex, age_band, status, treated_month, worst_grade, serious, terms FROM dashboard_new_state;
    INSERT INTO dashboard_patient_visits SELECT * FROM dashboard_new_visits;
    INSERT INTO dashboard_patient_values SELECT * FROM dashboard_new_values;

    DROP TABLE dashboard_catching_up, dashboard_new_state, dashboard_new_visits, dashboard_new_values;
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
-- date (which moves visit windows) is noted.
CREATE OR REPLACE FUNCTION dashboard_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_pending (patient_ids)
    SELECT array_agg(n.id) FROM old_patients o JOIN new_patients n ON n.id = o.id
    WHERE (o.arm_id, o.site_id, o.sex, o.birth_year, o.treated_on, o.status)
        IS DISTINCT FROM (n.arm_id, n.site_id, n.sex, n.birth_year, n.treated_on, n.status)
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

-- The cells are rebuilt from every patient's contribution, which is kept from now on.
TRUNCATE dashboard_outcome_cells, dashboard_visit_cells, dashboard_patient_cells, dashboard_ae_cells, dashboard_ae_term_cells;
INSERT INTO dashboard_pending (patient_ids) SELECT array_agg(id) FROM patients HAVING count(*) > 0;
SELECT dashboard_catch_up();
