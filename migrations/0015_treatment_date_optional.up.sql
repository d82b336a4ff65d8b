-- A patient may be enrolled before the treatment is given: the treatment date (day 0 of the
-- visit schedule) stays empty until it is recorded, and no follow-up visit is scheduled
-- until then. It is still never before enrolment (the CHECK is unknown, so passes, while empty).
ALTER TABLE patients ALTER COLUMN treated_on DROP NOT NULL;
