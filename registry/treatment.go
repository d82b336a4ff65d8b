package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// TreatmentInput is the form that records a patient's treatment date (day 0), or corrects it.
type TreatmentInput struct {
	Date   string
	Reason string // required to change a date already recorded
	Seen   string // the treatment date the form was opened on ("" for none): a change since is a conflict
}

// SetTreatmentDate records the day a patient was treated: day 0 of the visit schedule, from
// which the follow-up visits are scheduled and time to event is counted. The date is checked
// by the rule every writer uses (TreatmentDateRule: not before enrolment, not after the
// site's today) and must not come after a recorded event or follow-up visit. Changing a
// recorded date is a correction and needs a reason; the change and its audit row are one
// transaction.
func (s *Store) SetTreatmentDate(ctx context.Context, who Actor, u *User, study, number string, in TreatmentInput, now time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		if in.Seen != datePtrText(p.TreatedOn) {
			return Errorf(ECONFLICT, "Someone else changed this patient's treatment date while you were editing it. Nothing was saved.")
		}
		errs := newProblems()
		d, dp := CheckDate(in.Date, TreatmentDateRule(p.Today(now), p.EnrolledOn))
		if dp == nil {
			var firstEvent, firstFollowUp *time.Time
			if err := tx.QueryRow(ctx, `SELECT (SELECT min(occurred_on) FROM events WHERE patient_id = $1),
					(SELECT min(v.visit_date) FROM visits v JOIN scheduled_visits sv ON sv.id = v.scheduled_visit_id
					 WHERE v.patient_id = $1 AND NOT sv.is_baseline)`, p.ID).Scan(&firstEvent, &firstFollowUp); err != nil {
				return fmt.Errorf("records of %s: %w", p.Number, err)
			}
			dp = CheckTreatmentAgainstRecords(d, firstEvent, firstFollowUp)
		}
		errs.Put("treated_on", dp)
		reason := strings.TrimSpace(in.Reason)
		if p.TreatedOn != nil {
			switch {
			case reason == "":
				errs.Add("reason", "Give a reason for changing saved data.")
			case TextProblem(reason, MaxReasonLength) != "":
				errs.Add("reason", TextProblem(reason, MaxReasonLength))
			}
			if dp == nil && p.TreatedOn.Equal(d) {
				errs.Add("treated_on", "This is already the treatment date.")
			}
		} else if TextProblem(reason, MaxReasonLength) != "" {
			errs.Add("reason", TextProblem(reason, MaxReasonLength))
		}
		if err := errs.Err("The treatment date was not saved; check the marked fields."); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE patients SET treated_on = $2, version = version + 1 WHERE id = $1`, p.ID, d); err != nil {
			return fmt.Errorf("set treatment date of %s: %w", p.Number, err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "update", Entity: "patient", EntityID: p.Number,
			StudyID: p.StudyID, PatientID: p.ID, Before: map[string]any{"treated_on": datePtrText(p.TreatedOn)},
			After: map[string]any{"treated_on": dateText(d)}, Reason: reason})
	})
}
