-- Back to refreshing the touched groups inside each writing transaction (0003): first
-- apply what is noted.
SELECT dashboard_catch_up();
DROP FUNCTION dashboard_catch_up();
DROP TABLE dashboard_patient_state, dashboard_patient_visits, dashboard_patient_values;

CREATE OR REPLACE FUNCTION dashboard_patients_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh((SELECT array_agg(DISTINCT dashboard_group_of(o)) FROM old_rows o));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION dashboard_patients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION dashboard_definition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh((
        SELECT array_agg(DISTINCT dashboard_group_of(p))
        FROM patients p WHERE p.study_id IN (SELECT study_id FROM new_rows)));
    RETURN NULL;
END;
$$;

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
