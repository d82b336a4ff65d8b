package registry

import (
	"context"
	"fmt"
	"time"
)

// AuditRow is one row of the audit trail as the audit pages show it.
type AuditRow struct {
	At       time.Time
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Patient  string // study number, when the row is about a patient
	Before   string // JSON, "" for none
	After    string
	Reason   string
	Redacted bool // what the viewer may not see (a blinded arm, an allocation block) was left out
}

// AuditFilter narrows the audit trail: to a study, a patient, a span of days and a user.
type AuditFilter struct {
	StudyID   int64
	PatientID int64     // 0: every patient of the study
	From, To  time.Time // days, both included; zero for open
	Actor     string    // email or name of who did it; "" for everyone
	Views     bool      // include the rows that only record a page being read
	Limit     int
	// Viewer is who reads the trail: what they may not see is left out (see redactAudit).
	Viewer *User
}

// AuditTrail returns the audit rows of a study or patient, newest first.
func (s *Store) AuditTrail(ctx context.Context, f AuditFilter) ([]AuditRow, error) {
	if f.Limit <= 0 {
		f.Limit = 500
	}
	var from, to *time.Time
	if !f.From.IsZero() {
		d := Day(f.From)
		from = &d
	}
	if !f.To.IsZero() {
		d := Day(f.To).AddDate(0, 0, 1)
		to = &d
	}
	rows, err := s.DB.Query(ctx, `
		SELECT l.at, l.actor, l.action, l.entity, l.entity_id, coalesce(p.study_number, ''),
			coalesce(l.before::text, ''), coalesce(l.after::text, ''), l.reason,
			coalesce(s.blinded AND s.unblinded_at IS NULL, false),
			EXISTS (SELECT 1 FROM code_breaks cb WHERE cb.patient_id = l.patient_id AND cb.user_id = $7)
		FROM audit_log l LEFT JOIN patients p ON p.id = l.patient_id LEFT JOIN studies s ON s.id = l.study_id
		WHERE l.study_id = $1
		  AND ($2::bigint = 0 OR l.patient_id = $2)
		  AND ($3::timestamptz IS NULL OR l.at >= $3)
		  AND ($4::timestamptz IS NULL OR l.at < $4)
		  AND ($5 = '' OR lower(l.actor) = lower($5))
		  AND ($8 OR l.action <> 'view')
		ORDER BY l.at DESC, l.id DESC
		LIMIT $6`, f.StudyID, f.PatientID, from, to, f.Actor, f.Limit, viewerID(f.Viewer), f.Views)
	if err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	defer rows.Close()
	var list []AuditRow
	for rows.Next() {
		var r AuditRow
		var blinded, codeBroken bool
		if err := rows.Scan(&r.At, &r.Actor, &r.Action, &r.Entity, &r.EntityID, &r.Patient, &r.Before, &r.After, &r.Reason,
			&blinded, &codeBroken); err != nil {
			return nil, fmt.Errorf("read audit trail: %w", err)
		}
		redactAudit(&r, f.Viewer, blinded, codeBroken)
		list = append(list, r)
	}
	return list, rows.Err()
}
