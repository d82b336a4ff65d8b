-- Sites have a time zone: "today", visit windows and the worklist use the site's date,
-- and audit times are shown in the site's zone. The name is an IANA zone (Europe/Lund is
-- not one; Europe/Stockholm is); the registry checks it against its zone database when a
-- site is saved, and PostgreSQL refuses a name it does not know (see the trigger below).
ALTER TABLE sites ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Stockholm';

CREATE FUNCTION sites_check_time_zone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM now() AT TIME ZONE NEW.time_zone;
    RETURN NEW;
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'site %: unknown time zone %', NEW.code, NEW.time_zone
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER sites_time_zone BEFORE INSERT OR UPDATE OF time_zone ON sites
    FOR EACH ROW EXECUTE FUNCTION sites_check_time_zone();

-- The sites that take part in a study. A nurse sees enrolment, worklist rows and patients
-- only for the studies her sites take part in.
CREATE TABLE study_sites (
    study_id bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    site_id  bigint NOT NULL REFERENCES sites (id),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (study_id, site_id)
);
CREATE INDEX study_sites_site ON study_sites (site_id, study_id);

-- Existing registries keep what their nurses could do before: every site takes part in
-- every existing study until an administrator (or the study file's `sites:` list) says
-- otherwise.
INSERT INTO study_sites (study_id, site_id) SELECT st.id, si.id FROM studies st CROSS JOIN sites si;
