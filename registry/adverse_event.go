package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Relatedness and outcome of an adverse event.
var (
	Relatedness = []string{"unrelated", "unlikely", "possible", "probable", "definite"}
	AEOutcomes  = []string{"recovered", "recovering", "not_recovered", "recovered_with_sequelae", "fatal", "unknown"}
)

// AdverseEvent is an adverse event with its CTCAE grade.
type AdverseEvent struct {
	ID          int64      `json:"-"`
	Term        string     `json:"term"`
	OnsetOn     time.Time  `json:"onset_on"`
	EndedOn     *time.Time `json:"ended_on,omitempty"`
	Grade       int        `json:"grade"`
	Serious     bool       `json:"serious"`
	Relatedness string     `json:"relatedness"`
	Outcome     string     `json:"outcome"`
	Notes       string     `json:"notes"`
	Version     int        `json:"-"`
}

// AdverseEventInput is the adverse-event form as typed.
type AdverseEventInput struct {
	Term        string
	Onset       string
	End         string
	Grade       string
	Serious     bool
	Relatedness string
	Outcome     string
	Notes       string
	Version     int    // of the adverse event being corrected; 0 for a new one
	Reason      string // required for a correction
}

// InputOf returns a saved adverse event as its form.
func (ae AdverseEvent) InputOf() AdverseEventInput {
	in := AdverseEventInput{Term: ae.Term, Onset: dateText(ae.OnsetOn), Grade: strconv.Itoa(ae.Grade), Serious: ae.Serious,
		Relatedness: ae.Relatedness, Outcome: ae.Outcome, Notes: ae.Notes, Version: ae.Version}
	if ae.EndedOn != nil {
		in.End = dateText(*ae.EndedOn)
	}
	return in
}

func parseAdverseEvent(in AdverseEventInput, p *Patient, today time.Time) (*AdverseEvent, error) {
	errs := newProblems()
	ae := &AdverseEvent{Term: strings.TrimSpace(in.Term), Serious: in.Serious, Relatedness: in.Relatedness,
		Outcome: in.Outcome, Notes: strings.TrimSpace(in.Notes)}
	errs.CheckText("term", in.Term, MaxTermLength)
	if ae.Term == "" {
		errs.Add("term", "Enter the adverse event's term.")
	}
	var op *Problem
	ae.OnsetOn, op = CheckDate(in.Onset, OnsetDateRule(today, p.EnrolledOn))
	errs.Put("onset_on", op)
	if strings.TrimSpace(in.End) != "" {
		end, ep := CheckDate(in.End, EndDateRule(today, ae.OnsetOn))
		errs.Put("ended_on", ep)
		if ep == nil {
			ae.EndedOn = &end
		}
	}
	g, err := strconv.Atoi(strings.TrimSpace(in.Grade))
	if err != nil || g < 1 || g > 5 {
		errs.Add("grade", "Choose a CTCAE grade from 1 to 5.")
	}
	ae.Grade = g
	if !slices.Contains(Relatedness, in.Relatedness) {
		errs.Add("relatedness", "Choose how related the event is to the treatment.")
	}
	if !slices.Contains(AEOutcomes, in.Outcome) {
		errs.Add("outcome", "Choose the outcome.")
	}
	if !errs.Has("grade") && !errs.Has("outcome") {
		errs.Put("outcome", CheckGradeOutcome(g, in.Outcome))
	}
	errs.CheckText("notes", in.Notes, MaxNotesLength)
	errs.CheckText("reason", in.Reason, MaxReasonLength)
	if in.Version > 0 && strings.TrimSpace(in.Reason) == "" {
		errs.Add("reason", "Give a reason for changing saved data.")
	}
	if err := errs.Err("The adverse event was not saved; check the marked fields."); err != nil {
		return nil, err
	}
	return ae, nil
}

func adverseEventsOf(ctx context.Context, q pgxQuerier, p *Patient) ([]AdverseEvent, error) {
	rows, err := q.Query(ctx, `SELECT id, term, onset_on, ended_on, grade, serious, relatedness, outcome, notes, version
		FROM adverse_events WHERE study_id = $1 AND patient_id = $2 ORDER BY onset_on, id`, p.StudyID, p.ID)
	if err != nil {
		return nil, fmt.Errorf("load adverse events of %s: %w", p.Number, err)
	}
	defer rows.Close()
	var list []AdverseEvent
	for rows.Next() {
		var ae AdverseEvent
		if err := rows.Scan(&ae.ID, &ae.Term, &ae.OnsetOn, &ae.EndedOn, &ae.Grade, &ae.Serious, &ae.Relatedness,
			&ae.Outcome, &ae.Notes, &ae.Version); err != nil {
			return nil, fmt.Errorf("read adverse event: %w", err)
		}
		list = append(list, ae)
	}
	return list, rows.Err()
}

// AdverseEvent loads one adverse event of a patient u may see.
func (s *Store) AdverseEvent(ctx context.Context, u *User, study, number string, id int64) (*Patient, *AdverseEvent, error) {
	p, err := s.Patient(ctx, u, study, number)
	if err != nil {
		return nil, nil, err
	}
	list, err := adverseEventsOf(ctx, s.DB, p)
	if err != nil {
		return nil, nil, err
	}
	for _, ae := range list {
		if ae.ID == id {
			return p, &ae, nil
		}
	}
	return nil, nil, Errorf(ENOTFOUND, "This patient has no such adverse event.")
}

// SaveAdverseEvent records a new adverse event (id 0) or corrects one: a correction must be
// based on the current version and give a reason. Change and audit row are one transaction.
func (s *Store) SaveAdverseEvent(ctx context.Context, who Actor, u *User, study, number string, id int64, in AdverseEventInput, now time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, false)
		if err != nil {
			return err
		}
		if id != 0 && in.Version == 0 {
			in.Version = -1 // a correction always needs a version and a reason
		}
		ae, err := parseAdverseEvent(in, p, p.Today(now))
		if err != nil {
			return err
		}
		if id == 0 {
			err := tx.QueryRow(ctx, `INSERT INTO adverse_events (study_id, patient_id, term, onset_on, ended_on, grade, serious,
					relatedness, outcome, notes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				p.StudyID, p.ID, ae.Term, ae.OnsetOn, ae.EndedOn, ae.Grade, ae.Serious, ae.Relatedness, ae.Outcome, ae.Notes).Scan(&ae.ID)
			if err != nil {
				return fmt.Errorf("insert adverse event: %w", err)
			}
			return insertAudit(ctx, tx, who, AuditEntry{Action: "insert", Entity: "adverse_event", EntityID: fmt.Sprint(ae.ID),
				StudyID: p.StudyID, PatientID: p.ID, After: auditAE(ae)})
		}
		cur, err := lockAdverseEvent(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return Errorf(ECONFLICT, "Someone else changed this adverse event while you were editing it. Nothing was saved.")
		}
		if _, err := tx.Exec(ctx, `UPDATE adverse_events SET term = $2, onset_on = $3, ended_on = $4, grade = $5, serious = $6,
				relatedness = $7, outcome = $8, notes = $9, version = version + 1 WHERE id = $1`,
			id, ae.Term, ae.OnsetOn, ae.EndedOn, ae.Grade, ae.Serious, ae.Relatedness, ae.Outcome, ae.Notes); err != nil {
			return fmt.Errorf("update adverse event: %w", err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "adverse_event", EntityID: fmt.Sprint(id),
			StudyID: p.StudyID, PatientID: p.ID, Before: auditAE(cur), After: auditAE(ae), Reason: strings.TrimSpace(in.Reason)})
	})
}

// DeleteAdverseEvent removes an adverse event entered by mistake, with a reason.
func (s *Store) DeleteAdverseEvent(ctx context.Context, who Actor, u *User, study, number string, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, false)
		if err != nil {
			return err
		}
		cur, err := lockAdverseEvent(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := checkDeletionReason(reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM adverse_events WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete adverse event: %w", err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "delete", Entity: "adverse_event", EntityID: fmt.Sprint(id),
			StudyID: p.StudyID, PatientID: p.ID, Before: auditAE(cur), Reason: reason})
	})
}

func lockAdverseEvent(ctx context.Context, tx pgx.Tx, p *Patient, id int64) (*AdverseEvent, error) {
	ae := &AdverseEvent{ID: id}
	err := tx.QueryRow(ctx, `SELECT term, onset_on, ended_on, grade, serious, relatedness, outcome, notes, version
		FROM adverse_events WHERE id = $1 AND patient_id = $2 FOR UPDATE`, id, p.ID).
		Scan(&ae.Term, &ae.OnsetOn, &ae.EndedOn, &ae.Grade, &ae.Serious, &ae.Relatedness, &ae.Outcome, &ae.Notes, &ae.Version)
	if err == pgx.ErrNoRows {
		return nil, Errorf(ENOTFOUND, "This patient has no such adverse event.")
	}
	if err != nil {
		return nil, fmt.Errorf("load adverse event %d: %w", id, err)
	}
	return ae, nil
}

func auditAE(ae *AdverseEvent) map[string]any {
	m := map[string]any{"term": ae.Term, "onset_on": dateText(ae.OnsetOn), "grade": ae.Grade, "serious": ae.Serious,
		"relatedness": ae.Relatedness, "outcome": ae.Outcome, "notes": ae.Notes}
	if ae.EndedOn != nil {
		m["ended_on"] = dateText(*ae.EndedOn)
	}
	return m
}
