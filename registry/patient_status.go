package registry

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatusChoices are the statuses the status form sets. A death is recorded as an event,
// which sets the status; deleting that event undoes it.
var StatusChoices = []string{StatusActive, StatusCompleted, StatusWithdrawn, StatusLost}

// StatusInput is the status form as typed.
type StatusInput struct {
	Status string
	Date   string // when the patient completed, withdrew or was lost; none for active
	Reason string
	Seen   string // the status the form was opened on: a change since is a conflict
}

// SetStatus records that a patient completed the study, withdrew, was lost to follow-up, or
// is followed again. A reason is always required; the change and its audit row are one
// transaction. A patient whose death is recorded keeps that status until the death event
// is deleted.
func (s *Store) SetStatus(ctx context.Context, who Actor, u *User, study, number string, in StatusInput, now time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		if in.Seen != p.Status {
			return Errorf(ECONFLICT, "Someone else changed this patient's status while you were editing it. Nothing was saved.")
		}
		errs := newProblems()
		switch {
		case p.Status == StatusDead:
			errs.Add("status", "The patient's death is recorded as an event: delete that event to change the status.")
		case in.Status == StatusDead:
			errs.Add("status", "Record a death as an event: it sets the status.")
		case !slices.Contains(StatusChoices, in.Status):
			errs.Add("status", "Choose a status.")
		case in.Status == p.Status:
			errs.Add("status", "The patient already has this status.")
		}
		var on *time.Time
		if in.Status != StatusActive {
			d, dp := CheckDate(in.Date, StatusDateRule(p.Today(now), p.EnrolledOn))
			errs.Put("status_on", dp)
			on = &d
		}
		reason := strings.TrimSpace(in.Reason)
		switch {
		case reason == "":
			errs.Add("reason", "Give a reason for changing the status.")
		case TextProblem(reason, MaxReasonLength) != "":
			errs.Add("reason", TextProblem(reason, MaxReasonLength))
		}
		if err := errs.Err("The status was not changed; check the marked fields."); err != nil {
			return err
		}
		return setStatus(ctx, tx, who, p, in.Status, on, reason)
	})
}
