-- A study's pattern for generated study numbers (study file: number_pattern), e.g.
-- 'KOA-{site}-{seq:4}'; '' when numbers are only typed.
ALTER TABLE studies ADD COLUMN number_pattern text NOT NULL DEFAULT '';
