DROP TABLE study_sites;
DROP TRIGGER sites_time_zone ON sites;
DROP FUNCTION sites_check_time_zone();
ALTER TABLE sites DROP COLUMN time_zone;
