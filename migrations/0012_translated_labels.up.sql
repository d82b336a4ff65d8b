-- Swedish and Danish labels of a study's title, arms, visits, units and adverse-event terms,
-- as measures and event types already have them: {"en": ..., "sv": ..., "da": ...}, or {}
-- when the study file gives only the plain English text.
ALTER TABLE studies ADD COLUMN title_labels jsonb NOT NULL DEFAULT '{}';
ALTER TABLE arms ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';
ALTER TABLE scheduled_visits ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';
ALTER TABLE measures ADD COLUMN unit_labels jsonb NOT NULL DEFAULT '{}';
ALTER TABLE ae_terms ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';
