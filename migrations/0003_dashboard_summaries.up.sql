-- Dashboard summaries: per-cell sums that the researchers' dashboards aggregate instead of
-- scanning every visit value. A cell is one measure at one scheduled visit for one group of
-- patients; a group is the patients sharing study, arm, site, sex, age band and status, the
-- finest level a dashboard filter reaches. Triggers on the clinical tables keep the cells
-- correct for every writer (nurse forms, CSV import, the seed's COPY) without the writer
-- knowing: inserts are added incrementally, statement by statement, so bulk loads stay fast;
-- updates and deletes recompute the groups they touch from the rows themselves.

-- Age at treatment in ten-year bands, clamped to under 40 (30) and 70 and over (70).
CREATE FUNCTION dashboard_age_band(birth_year integer, treated_on date) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(greatest((extract(year FROM treated_on)::integer - birth_year) / 10 * 10, 30), 70)::smallint;

CREATE TYPE dashboard_group AS (
    study_id bigint, arm_id bigint, site_id bigint, sex text, age_band smallint, status text
);

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
    n                  bigint NOT NULL,
    total              double precision NOT NULL,
    total_sq           double precision NOT NULL,
    change_n           bigint NOT NULL,
    change_total       double precision NOT NULL,
    change_total_sq    double precision NOT NULL,
    responders         bigint NOT NULL,
    PRIMARY KEY (study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status)
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
    done               bigint NOT NULL,
    missed             bigint NOT NULL,
    done_in_window     bigint NOT NULL,
    PRIMARY KEY (study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status)
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
CREATE FUNCTION dashboard_refresh(groups dashboard_group[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF groups IS NULL OR cardinality(groups) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM dashboard_outcome_cells c USING unnest(groups) g
    WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status) = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status);
    DELETE FROM dashboard_visit_cells c USING unnest(groups) g
    WHERE (c.study_id, c.arm_id, c.site_id, c.sex, c.age_band, c.status) = (g.study_id, g.arm_id, g.site_id, g.sex, g.age_band, g.status);

    INSERT INTO dashboard_outcome_cells
    SELECT p.study_id, vv.measure_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, g.age_band, p.status,
           count(*), sum(vv.value), sum(vv.value * vv.value),
           count(ch.change), coalesce(sum(ch.change), 0), coalesce(sum(ch.change * ch.change), 0),
           count(*) FILTER (WHERE dashboard_responder(ch.change, m.direction, m.mcid))
    FROM unnest(groups) g
    JOIN patients p ON p.study_id = g.study_id AND p.site_id = g.site_id AND p.arm_id = g.arm_id
        AND p.sex = g.sex AND p.status = g.status AND dashboard_age_band(p.birth_year, p.treated_on) = g.age_band
    JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.id AND v.state = 'done'
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
    JOIN visit_values vv ON vv.visit_id = v.id AND vv.value IS NOT NULL
    JOIN measures m ON m.id = vv.measure_id
    LEFT JOIN LATERAL (
        SELECT vv.value - b.value AS change
        FROM scheduled_visits bsv
        JOIN visits bv ON bv.patient_id = p.id AND bv.scheduled_visit_id = bsv.id AND bv.state = 'done'
        JOIN visit_values b ON b.visit_id = bv.id AND b.measure_id = vv.measure_id AND b.value IS NOT NULL
        WHERE bsv.study_id = p.study_id AND bsv.is_baseline AND NOT sv.is_baseline
    ) ch ON true
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

    INSERT INTO dashboard_visit_cells
    SELECT p.study_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex, g.age_band, p.status,
           count(*) FILTER (WHERE v.state = 'done'), count(*) FILTER (WHERE v.state = 'missed'),
           count(*) FILTER (WHERE v.state = 'done' AND v.visit_date - p.treated_on
               BETWEEN sv.target_day - sv.window_before AND sv.target_day + sv.window_after)
    FROM unnest(groups) g
    JOIN patients p ON p.study_id = g.study_id AND p.site_id = g.site_id AND p.arm_id = g.arm_id
        AND p.sex = g.sex AND p.status = g.status AND dashboard_age_band(p.birth_year, p.treated_on) = g.age_band
    JOIN visits v ON v.study_id = p.study_id AND v.patient_id = p.id
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
END;
$$;

-- dashboard_groups_of returns the current groups of the given patients.
CREATE FUNCTION dashboard_groups_of(patient_ids bigint[]) RETURNS dashboard_group[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(DISTINCT ROW(p.study_id, p.arm_id, p.site_id, p.sex,
        dashboard_age_band(p.birth_year, p.treated_on), p.status)::dashboard_group)
    FROM patients p WHERE p.id = ANY (patient_ids)
$$;

-- New visit values are added to their cells: their own value and change from baseline, and,
-- for a new baseline value, the changes of the patient's follow-up values recorded before it.
CREATE FUNCTION dashboard_values_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_outcome_cells AS c
    SELECT study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status,
           count(value), coalesce(sum(value), 0), coalesce(sum(value * value), 0),
           count(change), coalesce(sum(change), 0), coalesce(sum(change * change), 0),
           count(*) FILTER (WHERE responder)
    FROM (
        SELECT p.study_id, nv.measure_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex,
               dashboard_age_band(p.birth_year, p.treated_on) AS age_band, p.status,
               nv.value, ch.change, dashboard_responder(ch.change, m.direction, m.mcid) AS responder
        FROM new_values nv
        JOIN visits v ON v.id = nv.visit_id AND v.state = 'done'
        JOIN patients p ON p.id = v.patient_id
        JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
        JOIN measures m ON m.id = nv.measure_id
        LEFT JOIN LATERAL (
            SELECT nv.value - b.value AS change
            FROM scheduled_visits bsv
            JOIN visits bv ON bv.patient_id = p.id AND bv.scheduled_visit_id = bsv.id AND bv.state = 'done'
            JOIN visit_values b ON b.visit_id = bv.id AND b.measure_id = nv.measure_id AND b.value IS NOT NULL
            WHERE bsv.study_id = p.study_id AND bsv.is_baseline AND NOT sv.is_baseline
        ) ch ON true
        WHERE nv.value IS NOT NULL
        UNION ALL
        SELECT p.study_id, fv.measure_id, f.scheduled_visit_id, p.arm_id, p.site_id, p.sex,
               dashboard_age_band(p.birth_year, p.treated_on), p.status,
               NULL, fv.value - nb.value, dashboard_responder(fv.value - nb.value, m.direction, m.mcid)
        FROM new_values nb
        JOIN visits bv ON bv.id = nb.visit_id AND bv.state = 'done'
        JOIN scheduled_visits bsv ON bsv.id = bv.scheduled_visit_id AND bsv.is_baseline
        JOIN patients p ON p.id = bv.patient_id
        JOIN visits f ON f.patient_id = p.id AND f.id <> bv.id AND f.state = 'done'
        JOIN visit_values fv ON fv.visit_id = f.id AND fv.measure_id = nb.measure_id AND fv.value IS NOT NULL
        JOIN measures m ON m.id = nb.measure_id
        WHERE nb.value IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM new_values x WHERE x.visit_id = fv.visit_id AND x.measure_id = fv.measure_id)
    ) added
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT (study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status) DO UPDATE SET
        n = c.n + excluded.n, total = c.total + excluded.total, total_sq = c.total_sq + excluded.total_sq,
        change_n = c.change_n + excluded.change_n, change_total = c.change_total + excluded.change_total,
        change_total_sq = c.change_total_sq + excluded.change_total_sq, responders = c.responders + excluded.responders;
    RETURN NULL;
END;
$$;

CREATE FUNCTION dashboard_visits_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_visit_cells AS c
    SELECT p.study_id, v.scheduled_visit_id, p.arm_id, p.site_id, p.sex,
           dashboard_age_band(p.birth_year, p.treated_on), p.status,
           count(*) FILTER (WHERE v.state = 'done'), count(*) FILTER (WHERE v.state = 'missed'),
           count(*) FILTER (WHERE v.state = 'done' AND v.visit_date - p.treated_on
               BETWEEN sv.target_day - sv.window_before AND sv.target_day + sv.window_after)
    FROM new_visits v
    JOIN patients p ON p.id = v.patient_id
    JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status) DO UPDATE SET
        done = c.done + excluded.done, missed = c.missed + excluded.missed,
        done_in_window = c.done_in_window + excluded.done_in_window;
    RETURN NULL;
END;
$$;

-- Updates and deletes recompute the groups of the patients they touch (before and after).
CREATE FUNCTION dashboard_values_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT v.patient_id) INTO ids FROM visits v
        WHERE v.id IN (SELECT visit_id FROM old_values UNION SELECT visit_id FROM new_values);
    ELSE
        SELECT array_agg(DISTINCT v.patient_id) INTO ids FROM visits v
        WHERE v.id IN (SELECT visit_id FROM old_values);
    END IF;
    PERFORM dashboard_refresh(dashboard_groups_of(ids));
    RETURN NULL;
END;
$$;

CREATE FUNCTION dashboard_visits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT patient_id) INTO ids
        FROM (SELECT patient_id FROM old_visits UNION SELECT patient_id FROM new_visits) x;
    ELSE
        SELECT array_agg(DISTINCT patient_id) INTO ids FROM old_visits;
    END IF;
    PERFORM dashboard_refresh(dashboard_groups_of(ids));
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
        SELECT ROW(o.study_id, o.arm_id, o.site_id, o.sex, dashboard_age_band(o.birth_year, o.treated_on), o.status)::dashboard_group AS g
        FROM old_patients o JOIN new_patients n ON n.id = o.id
        WHERE (o.arm_id, o.site_id, o.sex, o.birth_year, o.treated_on, o.status)
            IS DISTINCT FROM (n.arm_id, n.site_id, n.sex, n.birth_year, n.treated_on, n.status)
        UNION
        SELECT ROW(n.study_id, n.arm_id, n.site_id, n.sex, dashboard_age_band(n.birth_year, n.treated_on), n.status)::dashboard_group
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
        SELECT array_agg(DISTINCT ROW(p.study_id, p.arm_id, p.site_id, p.sex,
            dashboard_age_band(p.birth_year, p.treated_on), p.status)::dashboard_group)
        FROM patients p WHERE p.study_id IN (SELECT study_id FROM new_rows)));
    RETURN NULL;
END;
$$;

CREATE TRIGGER dashboard_values_insert AFTER INSERT ON visit_values
    REFERENCING NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_inserted();
CREATE TRIGGER dashboard_values_update AFTER UPDATE ON visit_values
    REFERENCING OLD TABLE AS old_values NEW TABLE AS new_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_changed();
CREATE TRIGGER dashboard_values_delete AFTER DELETE ON visit_values
    REFERENCING OLD TABLE AS old_values FOR EACH STATEMENT EXECUTE FUNCTION dashboard_values_changed();

CREATE TRIGGER dashboard_visits_insert AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_inserted();
CREATE TRIGGER dashboard_visits_update AFTER UPDATE ON visits
    REFERENCING OLD TABLE AS old_visits NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_changed();
CREATE TRIGGER dashboard_visits_delete AFTER DELETE ON visits
    REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION dashboard_visits_changed();

CREATE TRIGGER dashboard_patients_update AFTER UPDATE ON patients
    REFERENCING OLD TABLE AS old_patients NEW TABLE AS new_patients FOR EACH STATEMENT EXECUTE FUNCTION dashboard_patients_changed();

CREATE TRIGGER dashboard_measures_update AFTER UPDATE ON measures
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_definition_changed();
CREATE TRIGGER dashboard_schedule_update AFTER UPDATE ON scheduled_visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_definition_changed();

-- The dashboards' own reads: patients by treatment date (follow-up flow, survival) and
-- the first event of each patient.
CREATE INDEX dashboard_patients_treated ON patients (study_id, treated_on);
CREATE INDEX dashboard_events_first ON events (study_id, patient_id, occurred_on);
CREATE INDEX dashboard_adverse_events_term ON adverse_events (study_id, term);
