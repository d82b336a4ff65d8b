package registry

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var importNumberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// apply writes the checked rows in tx: the rows go by COPY into temporary tables, and each
// kind of record is then inserted or updated by one statement that also writes the audit
// rows of what it changed, so that a million rows take seconds.
func (im *importer) apply(ctx context.Context, tx pgx.Tx, who Actor, o ImportOptions, sha string) error {
	// Joins and aggregates over a million rows stay in memory instead of spilling to disk.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '128MB'`); err != nil {
		return fmt.Errorf("import settings: %w", err)
	}
	err := tx.QueryRow(ctx, `
		INSERT INTO imports (study_id, user_id, actor, table_name, file_name, file_sha256, rows, inserted, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0) RETURNING id`,
		im.st.ID, nullID(who.UserID), who.Name, o.Table, o.FileName, sha, im.res.Rows).Scan(&im.res.ID)
	if err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	// The arguments every statement below shares: $1 study, $2 user, $3 actor, $4 reason.
	args := []any{im.st.ID, nullID(who.UserID), who.Name, "import " + strconv.FormatInt(im.res.ID, 10)}
	var steps []func() error
	switch o.Table {
	case TableLong, TableWide:
		steps = []func() error{
			func() error { return im.copyVisits(ctx, tx) },
			func() error { _, err := tx.Exec(ctx, upsertVisits, args[0]); return err },
			func() error { _, err := tx.Exec(ctx, upsertValues, args[0]); return err },
			func() error {
				if len(im.items) == 0 && im.scores == nil {
					return nil
				}
				_, err := tx.Exec(ctx, strings.Replace(replaceItems, "$1", strconv.FormatInt(im.st.ID, 10), 1))
				return err
			},
			func() error { _, err := tx.Exec(ctx, touchedByValues); return err },
			func() error { return im.count(ctx, tx, auditVisits, args) },
		}
	case TablePatients:
		steps = []func() error{
			func() error { return im.copyPatients(ctx, tx) },
			func() error { return im.count(ctx, tx, upsertPatients, args) },
			func() error { _, err := tx.Exec(ctx, deadGetDeathEvent, args...); return err },
		}
	case TableEvents:
		steps = []func() error{
			func() error { return im.copyEvents(ctx, tx) },
			func() error { return im.count(ctx, tx, updateEvents, args) },
			func() error { return im.count(ctx, tx, insertEvents, args) },
			func() error { _, err := tx.Exec(ctx, deathSetsStatus, args...); return err },
		}
	case TableAdverseEvents:
		steps = []func() error{
			func() error { return im.copyAEs(ctx, tx) },
			func() error { return im.count(ctx, tx, updateAEs, args) },
			func() error { return im.count(ctx, tx, insertAEs, args) },
		}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("import %s into %s: %w", o.Table, im.st.Code, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE imports SET inserted = $2, updated = $3 WHERE id = $1`,
		im.res.ID, im.res.Inserted, im.res.Updated); err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	return insertAudit(ctx, tx, who, AuditEntry{Action: "import", Entity: "import", EntityID: strconv.FormatInt(im.res.ID, 10),
		StudyID: im.st.ID, After: map[string]any{"table": o.Table, "file": o.FileName, "sha256": sha, "rows": im.res.Rows,
			"inserted": im.res.Inserted, "updated": im.res.Updated}})
}

// count runs a statement that answers how many records it inserted and updated.
func (im *importer) count(ctx context.Context, tx pgx.Tx, sql string, args []any) error {
	var ins, upd int64
	if err := tx.QueryRow(ctx, sql, args...).Scan(&ins, &upd); err != nil {
		return err
	}
	im.res.Inserted += ins
	im.res.Updated += upd
	return nil
}

func (im *importer) copyVisits(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE import_visits (patient_id bigint, scheduled_visit_id bigint, visit_date date) ON COMMIT DROP;
		CREATE TEMP TABLE import_values (patient_id bigint, scheduled_visit_id bigint, measure_id bigint,
			value double precision, missing_code text, with_items boolean, source text) ON COMMIT DROP;
		CREATE TEMP TABLE import_items (patient_id bigint, scheduled_visit_id bigint, measure_id bigint,
			item_code text, value double precision) ON COMMIT DROP;
		CREATE TEMP TABLE import_touched (visit_id bigint PRIMARY KEY, patient_id bigint, scheduled_visit_id bigint,
			action text, before jsonb, bump boolean NOT NULL DEFAULT false) ON COMMIT DROP;
		CREATE TEMP TABLE import_changed_values (visit_id bigint, measure_id bigint, existed boolean,
			old_value double precision, old_missing_code text, value double precision, missing_code text,
			old_items jsonb, items jsonb) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_visits"}, []string{"patient_id", "scheduled_visit_id", "visit_date"},
		pgx.CopyFromSlice(len(im.visits), func(i int) ([]any, error) {
			v := im.visits[i]
			return []any{v.patient, v.visit, dayDate(v.date)}, nil
		})); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_values"}, []string{"patient_id", "scheduled_visit_id", "measure_id", "value", "missing_code", "with_items", "source"},
		pgx.CopyFromSlice(len(im.values), func(i int) ([]any, error) {
			v := im.values[i]
			source := SourceImport
			if v.source > 0 {
				source = Sources[v.source-1]
			}
			if v.missing > 0 {
				return []any{v.patient, v.visit, v.measure, nil, MissingDataCodes[v.missing-1], v.withItems, source}, nil
			}
			return []any{v.patient, v.visit, v.measure, v.value, nil, v.withItems, source}, nil
		}))
	if err != nil {
		return err
	}
	if len(im.items) > 0 {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_items"}, []string{"patient_id", "scheduled_visit_id", "measure_id", "item_code", "value"},
			pgx.CopyFromSlice(len(im.items), func(i int) ([]any, error) {
				it := im.items[i]
				return []any{it.patient, it.visit, it.measure, it.item, it.value}, nil
			}))
		if err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `ANALYZE import_visits; ANALYZE import_values; ANALYZE import_items`)
	return err
}

// The audit rows of an import: $2 user, $3 actor, $4 reason ("import 12").
const auditColumns = `INSERT INTO audit_log (user_id, actor, action, entity, entity_id, study_id, patient_id, before, after, reason)`

const countActions = `SELECT count(*) FILTER (WHERE action = 'insert'), count(*) FILTER (WHERE action = 'update') FROM audited`

// A visit in the file is done on its date; a visit recorded differently is changed. Each
// visit added or changed is remembered, with what it was, for its audit row.
const upsertVisits = `
	WITH old AS (
		SELECT v.id, v.state, v.visit_date, v.missed_reason
		FROM visits v JOIN import_visits i USING (patient_id, scheduled_visit_id)
	), changed AS (
		INSERT INTO visits (study_id, patient_id, scheduled_visit_id, state, visit_date)
		SELECT $1, patient_id, scheduled_visit_id, 'done', visit_date FROM import_visits
		ON CONFLICT (patient_id, scheduled_visit_id) DO UPDATE
			SET state = 'done', visit_date = EXCLUDED.visit_date, missed_reason = '', version = visits.version + 1, updated_at = now()
			WHERE visits.state <> 'done' OR visits.visit_date <> EXCLUDED.visit_date
		RETURNING id, patient_id, scheduled_visit_id
	)
	INSERT INTO import_touched (visit_id, patient_id, scheduled_visit_id, action, before)
	SELECT c.id, c.patient_id, c.scheduled_visit_id, CASE WHEN old.id IS NULL THEN 'insert' ELSE 'update' END,
		CASE WHEN old.id IS NOT NULL THEN jsonb_build_object('state', old.state, 'visit_date', old.visit_date, 'missed_reason', old.missed_reason) END
	FROM changed c LEFT JOIN old ON old.id = c.id`

// A value in the file replaces the one recorded, or its missing code, with the file's source
// (import when the file has none); an instrument's score given with its answers also replaces a
// score whose answers differ. What it replaced is remembered for the audit row.
const upsertValues = `
	WITH answers AS (
		SELECT patient_id, scheduled_visit_id, measure_id, jsonb_object_agg(item_code, value) AS items
		FROM import_items GROUP BY 1, 2, 3
	), source AS (
		SELECT v.id AS visit_id, i.measure_id, i.value, i.missing_code, i.source,
			CASE WHEN i.with_items THEN COALESCE(a.items, '{}') END AS items
		FROM import_values i JOIN visits v USING (patient_id, scheduled_visit_id)
		LEFT JOIN answers a USING (patient_id, scheduled_visit_id, measure_id)
	), old AS (
		SELECT vv.visit_id, vv.measure_id, vv.value, vv.missing_code,
			(SELECT jsonb_object_agg(vi.item_code, vi.value) FROM visit_items vi
			 WHERE vi.visit_id = vv.visit_id AND vi.measure_id = vv.measure_id) AS items
		FROM visit_values vv JOIN source USING (visit_id, measure_id)
	), differs AS (
		SELECT s.visit_id, s.measure_id, s.value, s.missing_code, s.source, s.items, old.visit_id IS NOT NULL AS existed,
			old.value AS old_value, old.missing_code AS old_missing_code, old.items AS old_items
		FROM source s LEFT JOIN old USING (visit_id, measure_id)
		WHERE old.visit_id IS NULL OR old.value IS DISTINCT FROM s.value OR old.missing_code IS DISTINCT FROM s.missing_code
			OR (s.items IS NOT NULL AND s.items IS DISTINCT FROM COALESCE(old.items, '{}'))
	), changed AS (
		INSERT INTO visit_values (study_id, visit_id, measure_id, value, missing_code, source)
		SELECT $1, visit_id, measure_id, value, missing_code, source FROM differs
		ON CONFLICT (visit_id, measure_id) DO UPDATE SET value = EXCLUDED.value, missing_code = EXCLUDED.missing_code, source = EXCLUDED.source
		RETURNING visit_id, measure_id
	)
	INSERT INTO import_changed_values (visit_id, measure_id, existed, old_value, old_missing_code, value, missing_code, old_items, items)
	SELECT d.visit_id, d.measure_id, d.existed, d.old_value, d.old_missing_code, d.value, d.missing_code, d.old_items, d.items
	FROM changed c JOIN differs d USING (visit_id, measure_id)`

// The answers of a changed instrument score are those of the file (none for a score
// given without them: a missing code).
const replaceItems = `
	DELETE FROM visit_items vi USING import_changed_values c
	WHERE vi.visit_id = c.visit_id AND vi.measure_id = c.measure_id AND c.old_items IS NOT NULL;
	INSERT INTO visit_items (study_id, visit_id, measure_id, item_code, value)
	SELECT $1, c.visit_id, c.measure_id, e.key, e.value::text::float8
	FROM import_changed_values c, jsonb_each(c.items) e WHERE c.items IS NOT NULL`

// A visit whose values changed changes too: its version goes up, so that a form opened
// before the import cannot overwrite them unseen.
const touchedByValues = `
	INSERT INTO import_touched (visit_id, patient_id, scheduled_visit_id, action, before, bump)
	SELECT v.id, v.patient_id, v.scheduled_visit_id, 'update', jsonb_build_object('state', v.state, 'visit_date', v.visit_date), true
	FROM visits v
	WHERE v.id IN (SELECT c.visit_id FROM import_changed_values c
		WHERE NOT EXISTS (SELECT FROM import_touched t WHERE t.visit_id = c.visit_id));
	UPDATE visits v SET version = v.version + 1, updated_at = now() FROM import_touched t WHERE t.visit_id = v.id AND t.bump`

// One audit row per visit added or changed, with its changed values before and after.
const auditVisits = `
	WITH vals AS (
		SELECT c.visit_id,
			jsonb_object_agg(m.code, CASE WHEN c.old_items IS NULL THEN COALESCE(to_jsonb(c.old_value), to_jsonb(c.old_missing_code))
				ELSE jsonb_strip_nulls(jsonb_build_object('value', c.old_value, 'missing', c.old_missing_code, 'items', c.old_items)) END)
				FILTER (WHERE c.existed) AS before,
			jsonb_object_agg(m.code, CASE WHEN c.items IS NULL THEN COALESCE(to_jsonb(c.value), to_jsonb(c.missing_code))
				ELSE jsonb_strip_nulls(jsonb_build_object('value', c.value, 'missing', c.missing_code, 'items', c.items)) END) AS after
		FROM import_changed_values c
		JOIN measures m ON m.id = c.measure_id
		GROUP BY c.visit_id
	), audited AS (` + auditColumns + `
		SELECT $2, $3, t.action, 'visit', t.visit_id::text, $1, t.patient_id,
			t.before || jsonb_build_object('visit', sv.code, 'values', COALESCE(vals.before, '{}')),
			jsonb_build_object('visit', sv.code, 'state', v.state, 'visit_date', v.visit_date, 'values', COALESCE(vals.after, '{}')), $4
		FROM import_touched t
		JOIN visits v ON v.id = t.visit_id
		JOIN scheduled_visits sv ON sv.id = t.scheduled_visit_id
		LEFT JOIN vals ON vals.visit_id = t.visit_id
		RETURNING action
	) ` + countActions

func (im *importer) copyPatients(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_patients (study_number text, site_id bigint, arm_id bigint, sex text,
		birth_year integer, enrolled_on date, treated_on date, status text, status_on date) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_patients"},
		[]string{"study_number", "site_id", "arm_id", "sex", "birth_year", "enrolled_on", "treated_on", "status", "status_on"},
		pgx.CopyFromSlice(len(im.patientR), func(i int) ([]any, error) {
			p := im.patientR[i]
			return []any{p.number, p.site, p.arm, p.sex, p.birthYear, p.enrolled, p.treated, p.status, p.statusOn}, nil
		}))
	return err
}

const patientJSON = `jsonb_build_object('patient', %[1]s.study_number, 'site', (SELECT code FROM sites WHERE id = %[1]s.site_id),
	'arm', (SELECT code FROM arms WHERE id = %[1]s.arm_id), 'sex', %[1]s.sex, 'birth_year', %[1]s.birth_year,
	'enrolled_on', %[1]s.enrolled_on, 'treated_on', %[1]s.treated_on, 'status', %[1]s.status, 'status_on', %[1]s.status_on)`

var upsertPatients = `
	WITH old AS (
		SELECT p.* FROM patients p JOIN import_patients i ON p.study_id = $1 AND p.study_number = i.study_number
	), changed AS (
		INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on, status, status_on)
		SELECT $1, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on, status, status_on FROM import_patients
		ON CONFLICT (study_id, study_number) DO UPDATE SET site_id = EXCLUDED.site_id, arm_id = EXCLUDED.arm_id, sex = EXCLUDED.sex,
			birth_year = EXCLUDED.birth_year, enrolled_on = EXCLUDED.enrolled_on, treated_on = EXCLUDED.treated_on,
			status = EXCLUDED.status, status_on = EXCLUDED.status_on, version = patients.version + 1
			WHERE (patients.site_id, patients.arm_id, patients.sex, patients.birth_year, patients.enrolled_on, patients.treated_on, patients.status, patients.status_on)
				IS DISTINCT FROM (EXCLUDED.site_id, EXCLUDED.arm_id, EXCLUDED.sex, EXCLUDED.birth_year, EXCLUDED.enrolled_on, EXCLUDED.treated_on, EXCLUDED.status, EXCLUDED.status_on)
		RETURNING *
	), audited AS (` + auditColumns + `
		SELECT $2, $3, CASE WHEN old.id IS NULL THEN 'insert' ELSE 'update' END, 'patient', c.id::text, $1, c.id,
			CASE WHEN old.id IS NOT NULL THEN ` + fmt.Sprintf(patientJSON, "old") + ` END, ` + fmt.Sprintf(patientJSON, "c") + `, $4
		FROM changed c LEFT JOIN old ON old.id = c.id
		RETURNING action
	) ` + countActions

func (im *importer) copyEvents(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_events (patient_id bigint, event_type_id bigint, occurred_on date, notes text) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_events"}, []string{"patient_id", "event_type_id", "occurred_on", "notes"},
		pgx.CopyFromSlice(len(im.events), func(i int) ([]any, error) {
			e := im.events[i]
			return []any{e.patient, e.eventType, e.on, e.notes}, nil
		}))
	return err
}

// Events are matched on patient, type and date; only their notes can change.
const updateEvents = `
	WITH old AS (
		SELECT e.id, e.notes FROM events e JOIN import_events i ON e.study_id = $1 AND e.patient_id = i.patient_id
			AND e.event_type_id = i.event_type_id AND e.occurred_on = i.occurred_on
	), changed AS (
		UPDATE events e SET notes = i.notes, version = e.version + 1
		FROM import_events i
		WHERE e.study_id = $1 AND e.patient_id = i.patient_id AND e.event_type_id = i.event_type_id AND e.occurred_on = i.occurred_on
			AND e.notes <> i.notes
		RETURNING e.id, e.patient_id, e.notes
	), audited AS (` + auditColumns + `
		SELECT DISTINCT ON (c.id) $2::bigint, $3, 'update', 'event', c.id::text, $1::bigint, c.patient_id,
			jsonb_build_object('notes', old.notes), jsonb_build_object('notes', c.notes), $4
		FROM changed c JOIN old ON old.id = c.id
		RETURNING action
	) ` + countActions

const insertEvents = `
	WITH changed AS (
		INSERT INTO events (study_id, patient_id, event_type_id, occurred_on, notes)
		SELECT $1, i.patient_id, i.event_type_id, i.occurred_on, i.notes FROM import_events i
		WHERE NOT EXISTS (SELECT FROM events e WHERE e.study_id = $1 AND e.patient_id = i.patient_id
			AND e.event_type_id = i.event_type_id AND e.occurred_on = i.occurred_on)
		RETURNING id, patient_id, event_type_id, occurred_on, notes
	), audited AS (` + auditColumns + `
		SELECT $2, $3, 'insert', 'event', c.id::text, $1, c.patient_id, NULL,
			jsonb_build_object('event', et.code, 'occurred_on', c.occurred_on, 'notes', c.notes), $4
		FROM changed c JOIN event_types et ON et.id = c.event_type_id
		RETURNING action
	) ` + countActions

// A death sets the patient's status to dead on its date, as the event form does, with the
// same audit row.
const deathSetsStatus = `
	WITH d AS (
		SELECT i.patient_id, i.occurred_on FROM import_events i
		JOIN event_types et ON et.id = i.event_type_id AND et.is_death
	), old AS (
		SELECT p.id, p.status, p.status_on FROM patients p JOIN d ON d.patient_id = p.id
	), changed AS (
		UPDATE patients p SET status = 'dead', status_on = d.occurred_on, version = p.version + 1
		FROM d WHERE p.id = d.patient_id AND p.study_id = $1
			AND (p.status, p.status_on) IS DISTINCT FROM ('dead', d.occurred_on)
		RETURNING p.id, p.study_number, p.status_on
	)` + auditColumns + `
	SELECT $2, $3, 'update', 'patient', c.study_number, $1, c.id,
		jsonb_strip_nulls(jsonb_build_object('status', old.status, 'status_on', old.status_on)),
		jsonb_build_object('status', 'dead', 'status_on', c.status_on), $4
	FROM changed c JOIN old ON old.id = c.id`

// A patient imported dead without a recorded death gets the death event on the status date,
// so that the status and the events agree (survival counts the death), with its audit row.
const deadGetDeathEvent = `
	WITH dt AS (
		SELECT id, code FROM event_types WHERE study_id = $1 AND is_death ORDER BY position LIMIT 1
	), changed AS (
		INSERT INTO events (study_id, patient_id, event_type_id, occurred_on, notes)
		SELECT $1, p.id, dt.id, p.status_on, ''
		FROM import_patients i JOIN patients p ON p.study_id = $1 AND p.study_number = i.study_number CROSS JOIN dt
		WHERE i.status = 'dead' AND NOT EXISTS (SELECT FROM events e JOIN event_types et ON et.id = e.event_type_id AND et.is_death
			WHERE e.patient_id = p.id)
		RETURNING id, patient_id, occurred_on, notes
	)` + auditColumns + `
	SELECT $2, $3, 'insert', 'event', c.id::text, $1, c.patient_id, NULL,
		jsonb_build_object('event', dt.code, 'occurred_on', c.occurred_on, 'notes', c.notes), $4
	FROM changed c CROSS JOIN dt`

func (im *importer) copyAEs(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_aes (patient_id bigint, term text, onset_on date, ended_on date, grade integer,
		serious boolean, relatedness text, outcome text, notes text) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_aes"},
		[]string{"patient_id", "term", "onset_on", "ended_on", "grade", "serious", "relatedness", "outcome", "notes"},
		pgx.CopyFromSlice(len(im.aes), func(i int) ([]any, error) {
			a := im.aes[i]
			return []any{a.patient, a.term, a.onset, a.ended, a.grade, a.serious, a.relatedness, a.outcome, a.notes}, nil
		}))
	return err
}

const aeJSON = `jsonb_build_object('term', %[1]s.term, 'onset_on', %[1]s.onset_on, 'ended_on', %[1]s.ended_on, 'grade', %[1]s.grade,
	'serious', %[1]s.serious, 'relatedness', %[1]s.relatedness, 'outcome', %[1]s.outcome, 'notes', %[1]s.notes)`

// Adverse events are matched on patient, term and onset.
var updateAEs = `
	WITH old AS (
		SELECT ae.* FROM adverse_events ae JOIN import_aes i
			ON ae.study_id = $1 AND ae.patient_id = i.patient_id AND ae.term = i.term AND ae.onset_on = i.onset_on
	), changed AS (
		UPDATE adverse_events ae SET ended_on = i.ended_on, grade = i.grade, serious = i.serious, relatedness = i.relatedness,
			outcome = i.outcome, notes = i.notes, version = ae.version + 1
		FROM import_aes i
		WHERE ae.study_id = $1 AND ae.patient_id = i.patient_id AND ae.term = i.term AND ae.onset_on = i.onset_on
			AND (ae.ended_on, ae.grade, ae.serious, ae.relatedness, ae.outcome, ae.notes)
				IS DISTINCT FROM (i.ended_on, i.grade, i.serious, i.relatedness, i.outcome, i.notes)
		RETURNING ae.*
	), audited AS (` + auditColumns + `
		SELECT $2, $3, 'update', 'adverse_event', c.id::text, $1, c.patient_id, ` + fmt.Sprintf(aeJSON, "old") + `, ` + fmt.Sprintf(aeJSON, "c") + `, $4
		FROM changed c JOIN old ON old.id = c.id
		RETURNING action
	) ` + countActions

var insertAEs = `
	WITH changed AS (
		INSERT INTO adverse_events (study_id, patient_id, term, onset_on, ended_on, grade, serious, relatedness, outcome, notes)
		SELECT $1, i.patient_id, i.term, i.onset_on, i.ended_on, i.grade, i.serious, i.relatedness, i.outcome, i.notes FROM import_aes i
		WHERE NOT EXISTS (SELECT FROM adverse_events ae WHERE ae.study_id = $1 AND ae.patient_id = i.patient_id
			AND ae.term = i.term AND ae.onset_on = i.onset_on)
		RETURNING *
	), audited AS (` + auditColumns + `
		SELECT $2, $3, 'insert', 'adverse_event', c.id::text, $1, c.patient_id, NULL, ` + fmt.Sprintf(aeJSON, "c") + `, $4
		FROM changed c
		RETURNING action
	) ` + countActions

// dayDate turns a day number (days since 1970-01-01) back into a date.
func dayDate(day int32) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }

func dayNumber(t time.Time) int32 { return int32(t.Unix() / 86400) }
