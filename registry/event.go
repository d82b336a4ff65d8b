package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event is an event of the study's follow-up (relapse, progression, death...).
type Event struct {
	ID         int64
	Type       EventType
	OccurredOn time.Time
	Notes      string
	Version    int
}

// EventInput is the event form as typed.
type EventInput struct {
	Type  string // event type code
	Date  string
	Notes string
}

func eventsOf(ctx context.Context, q pgxQuerier, st *Study, p *Patient) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT id, event_type_id, occurred_on, notes, version FROM events
		WHERE study_id = $1 AND patient_id = $2 ORDER BY occurred_on, id`, st.ID, p.ID)
	if err != nil {
		return nil, fmt.Errorf("load events of %s: %w", p.Number, err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var e Event
		var typeID int64
		if err := rows.Scan(&e.ID, &typeID, &e.OccurredOn, &e.Notes, &e.Version); err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}
		for _, t := range st.EventTypes {
			if t.ID == typeID {
				e.Type = t
			}
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// AddEvent records an event. A death also sets the patient's status to dead on that day;
// both changes and their audit rows are one transaction.
func (s *Store) AddEvent(ctx context.Context, who Actor, u *User, study, number string, in EventInput, now time.Time) error {
	st, err := s.Study(ctx, study)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		errs := newProblems()
		var et EventType
		for _, t := range st.EventTypes {
			if t.Code == in.Type {
				et = t
			}
		}
		if et.ID == 0 {
			errs.Add("type", "Choose the kind of event.")
		}
		d, dp := CheckDate(in.Date, EventDateRule(p.Today(now), p.EnrolledOn, p.TreatedOn))
		errs.Put("occurred_on", dp)
		errs.CheckText("notes", in.Notes, MaxNotesLength)
		if et.Death && p.Status == StatusDead {
			errs.Add("type", "The patient's death is already recorded.")
		}
		if err := errs.Err("The event was not saved; check the marked fields."); err != nil {
			return err
		}
		var id int64
		notes := strings.TrimSpace(in.Notes)
		if err := tx.QueryRow(ctx, `INSERT INTO events (study_id, patient_id, event_type_id, occurred_on, notes)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, st.ID, p.ID, et.ID, d, notes).Scan(&id); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "insert", Entity: "event", EntityID: fmt.Sprint(id),
			StudyID: st.ID, PatientID: p.ID, After: map[string]any{"type": et.Code, "occurred_on": dateText(d), "notes": notes}}); err != nil {
			return err
		}
		if et.Death {
			return setStatus(ctx, tx, who, p, StatusDead, &d, "")
		}
		return nil
	})
}

// DeleteEvent removes an event entered by mistake, with a reason. Deleting a death makes the
// patient active again.
func (s *Store) DeleteEvent(ctx context.Context, who Actor, u *User, study, number string, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	st, err := s.Study(ctx, study)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		if err := checkDeletionReason(reason); err != nil {
			return err
		}
		var typeID int64
		var occurred time.Time
		var notes string
		err = tx.QueryRow(ctx, `DELETE FROM events WHERE id = $1 AND patient_id = $2 RETURNING event_type_id, occurred_on, notes`,
			id, p.ID).Scan(&typeID, &occurred, &notes)
		if err == pgx.ErrNoRows {
			return Errorf(ENOTFOUND, "This patient has no such event.")
		}
		if err != nil {
			return fmt.Errorf("delete event: %w", err)
		}
		var et EventType
		for _, t := range st.EventTypes {
			if t.ID == typeID {
				et = t
			}
		}
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "delete", Entity: "event", EntityID: fmt.Sprint(id),
			StudyID: st.ID, PatientID: p.ID, Reason: reason,
			Before: map[string]any{"type": et.Code, "occurred_on": dateText(occurred), "notes": notes}}); err != nil {
			return err
		}
		if et.Death && p.Status == StatusDead {
			return setStatus(ctx, tx, who, p, StatusActive, nil, reason)
		}
		return nil
	})
}

// setStatus changes a patient's status, with its audit row.
func setStatus(ctx context.Context, tx pgx.Tx, who Actor, p *Patient, status string, on *time.Time, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE patients SET status = $2, status_on = $3, version = version + 1 WHERE id = $1`,
		p.ID, status, on); err != nil {
		return fmt.Errorf("set status of %s: %w", p.Number, err)
	}
	before := map[string]any{"status": p.Status}
	if p.StatusOn != nil {
		before["status_on"] = dateText(*p.StatusOn)
	}
	after := map[string]any{"status": status}
	if on != nil {
		after["status_on"] = dateText(*on)
	}
	return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "patient", EntityID: p.Number,
		StudyID: p.StudyID, PatientID: p.ID, Before: before, After: after, Reason: reason})
}
