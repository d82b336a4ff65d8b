-- The visit a study's main result is read at (study file: main_visit); '' for the default
-- (12 months, or the latest visit with data).
ALTER TABLE studies ADD COLUMN main_visit text NOT NULL DEFAULT '';
