-- dashboard_refresh as 0003 created it (the down migration of 0005 brings back triggers that call it).
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
CREATE OR REPLACE FUNCTION dashboard_refresh(groups dashboard_group[]) RETURNS void LANGUAGE plpgsql AS $$
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
