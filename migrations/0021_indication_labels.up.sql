-- Swedish and Danish labels of a study's indication, as its title has them (0012):
-- {"en": ..., "sv": ..., "da": ...}, or {} when the study file gives only the English text.
ALTER TABLE studies ADD COLUMN indication_labels jsonb NOT NULL DEFAULT '{}';
