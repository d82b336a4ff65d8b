package registry

import (
	"context"
	"fmt"
)

// Pages whose reading is logged: an access log that a hospital reviews, as patient-data law
// in Sweden and Denmark expects.
const (
	PagePatient      = "patient_page"
	PageVisitForm    = "visit_form"
	PagePatientAudit = "patient_audit"
)

// LogView records that u opened a page about patient p: one audit row with action "view",
// in its own statement (one INSERT per read). detail names the part of the page, e.g. the
// visit of a visit form.
func (s *Store) LogView(ctx context.Context, u *User, p *Patient, page, detail string) error {
	var userID int64
	actor := "anonymous"
	if u != nil {
		userID, actor = u.ID, u.Email
	}
	_, err := s.DB.Exec(ctx, `
		INSERT INTO audit_log (user_id, actor, action, entity, entity_id, study_id, patient_id)
		VALUES ($1, $2, 'view', $3, $4, $5, $6)`,
		nullID(userID), actor, page, detail, p.StudyID, p.ID)
	if err != nil {
		return fmt.Errorf("log view of %s: %w", page, err)
	}
	return nil
}
