package registry

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// StudyCodes lists the codes of every study, in order.
func (s *Store) StudyCodes(ctx context.Context) ([]string, error) {
	rows, err := s.DB.Query(ctx, `SELECT code FROM studies ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// StudyCodesFor lists the studies a user enrols into: for a nurse, those her sites take part
// in; for an administrator, every study.
func (s *Store) StudyCodesFor(ctx context.Context, u *User) ([]string, error) {
	if u != nil && u.Role == RoleAdmin {
		return s.StudyCodes(ctx)
	}
	var sites []string
	if u != nil {
		sites = u.Sites
	}
	rows, err := s.DB.Query(ctx, `SELECT DISTINCT st.code FROM studies st JOIN study_sites ss ON ss.study_id = st.id
		JOIN sites si ON si.id = ss.site_id WHERE si.code = ANY($1) ORDER BY st.code`, sites)
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Study loads a study's whole definition, with database ids, by its code.
func (s *Store) Study(ctx context.Context, code string) (*Study, error) {
	st := &Study{}
	err := s.DB.QueryRow(ctx, `SELECT id, code, title, indication, design, main_measure, main_visit, title_labels, number_pattern, indication_labels FROM studies WHERE code = $1`, code).
		Scan(&st.ID, &st.Code, &st.Title, &st.Indication, &st.Design, &st.MainMeasure, &st.MainVisit, &st.TitleLabels, &st.NumberPattern, &st.IndicationLabels)
	if err == pgx.ErrNoRows {
		return nil, Errorf(ENOTFOUND, "there is no study %q", code)
	}
	if err != nil {
		return nil, fmt.Errorf("load study %s: %w", code, err)
	}
	st.TitleLabels = noLabels(st.TitleLabels)
	st.IndicationLabels = noLabels(st.IndicationLabels)

	b := &pgx.Batch{}
	b.Queue(`SELECT id, code, label, is_control, labels FROM arms WHERE study_id = $1 ORDER BY position`, st.ID).
		Query(func(rows pgx.Rows) error {
			var a Arm
			_, err := pgx.ForEachRow(rows, []any{&a.ID, &a.Code, &a.Label, &a.Control, &a.Labels}, func() error {
				a.Labels = noLabels(a.Labels)
				st.Arms = append(st.Arms, a)
				a.Labels = nil
				return nil
			})
			return err
		})
	b.Queue(`SELECT blinded, unblinded_at, unblinded_by FROM studies WHERE id = $1`, st.ID).
		QueryRow(func(row pgx.Row) error { return row.Scan(&st.Blinded, &st.UnblindedAt, &st.UnblindedBy) })
	b.Queue(`SELECT id, code, label, target_day, window_before, window_after, is_baseline, labels
		FROM scheduled_visits WHERE study_id = $1 ORDER BY position`, st.ID).
		Query(func(rows pgx.Rows) error {
			var v ScheduledVisit
			_, err := pgx.ForEachRow(rows, []any{&v.ID, &v.Code, &v.Label, &v.TargetDay, &v.WindowBefore, &v.WindowAfter, &v.Baseline, &v.Labels},
				func() error {
					v.Labels = noLabels(v.Labels)
					st.Visits = append(st.Visits, v)
					v.Labels = nil
					return nil
				})
			return err
		})
	b.Queue(`SELECT id, code, labels, kind, unit, min_value, max_value, step, choices, direction, mcid, unit_labels,
			reported_by, question, instrument
		FROM measures WHERE study_id = $1 ORDER BY position`, st.ID).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var m Measure
				var labels, choices, instrument []byte
				if err := rows.Scan(&m.ID, &m.Code, &labels, &m.Kind, &m.Unit, &m.Min, &m.Max, &m.Step, &choices, &m.Direction, &m.MCID, &m.UnitLabels,
					&m.ReportedBy, &m.Question, &instrument); err != nil {
					return err
				}
				if instrument != nil {
					m.Instrument = &Instrument{}
					if err := json.Unmarshal(instrument, m.Instrument); err != nil {
						return err
					}
				}
				m.Question = noLabels(m.Question)
				if err := json.Unmarshal(labels, &m.Labels); err != nil {
					return err
				}
				if err := json.Unmarshal(choices, &m.Choices); err != nil {
					return err
				}
				m.UnitLabels = noLabels(m.UnitLabels)
				if len(m.Choices) == 0 {
					m.Choices = nil
				}
				st.Measures = append(st.Measures, m)
			}
			return rows.Err()
		})
	b.Queue(`SELECT id, code, labels, is_death FROM event_types WHERE study_id = $1 ORDER BY position`, st.ID).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var e EventType
				var labels []byte
				if err := rows.Scan(&e.ID, &e.Code, &labels, &e.Death); err != nil {
					return err
				}
				if err := json.Unmarshal(labels, &e.Labels); err != nil {
					return err
				}
				st.EventTypes = append(st.EventTypes, e)
			}
			return rows.Err()
		})
	b.Queue(`SELECT term, labels FROM ae_terms WHERE study_id = $1 ORDER BY position`, st.ID).
		Query(func(rows pgx.Rows) error {
			var term string
			var labels Labels
			_, err := pgx.ForEachRow(rows, []any{&term, &labels}, func() error {
				st.AETerms = append(st.AETerms, term)
				if len(labels) > 0 {
					if st.AETermLabels == nil {
						st.AETermLabels = map[string]Labels{}
					}
					st.AETermLabels[term] = labels
				}
				labels = nil
				return nil
			})
			return err
		})
	b.Queue(`SELECT m.code, v.code, pb.mean_change, pb.sd, pb.n, pb.source
		FROM placebo_baselines pb JOIN measures m ON m.id = pb.measure_id JOIN scheduled_visits v ON v.id = pb.visit_id
		WHERE pb.study_id = $1 ORDER BY m.position, v.position`, st.ID).
		Query(func(rows pgx.Rows) error {
			var p PlaceboBaseline
			_, err := pgx.ForEachRow(rows, []any{&p.Measure, &p.Visit, &p.MeanChange, &p.SD, &p.N, &p.Source}, func() error {
				st.PlaceboBaselines = append(st.PlaceboBaselines, p)
				return nil
			})
			return err
		})
	b.Queue(`SELECT si.code FROM study_sites ss JOIN sites si ON si.id = ss.site_id WHERE ss.study_id = $1 ORDER BY si.code`, st.ID).
		Query(func(rows pgx.Rows) error {
			var err error
			st.Sites, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if len(st.Sites) == 0 {
				st.Sites = nil
			}
			return err
		})
	if err := s.DB.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("load study %s: %w", code, err)
	}
	return st, nil
}

// noLabels is l, or nil when it holds no label (as a study file without labels reads).
func noLabels(l Labels) Labels {
	if len(l) == 0 {
		return nil
	}
	return l
}
