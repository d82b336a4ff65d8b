package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Blinding. A study whose file says `blinded: true` is blinded until it is unblinded
// (Unblind, final): while it is, nobody at a site learns a patient's arm, researchers see the
// arms pooled, and statisticians and administrators see the arms. A code break (BreakCode)
// shows one patient's arm to the one user who broke it. Every reader asks the two functions
// below, SeesArms (figures by arm) and seesArmOf (one patient's arm).

// IsBlinded reports whether the study is blinded now.
func (s *Study) IsBlinded() bool { return s.Blinded && s.UnblindedAt == nil }

// SeesArms reports whether u may see a study's figures by arm: always in an open study; in a
// blinded one only statisticians and administrators. Researchers see the arms pooled.
func (u *User) SeesArms(st *Study) bool {
	if !st.IsBlinded() {
		return true
	}
	return u != nil && (u.Role == RoleAdmin || u.Role == RoleStatistician)
}

// seesArmOf reports whether u may see one patient's arm (see ArmVisibleTo).
func (u *User) seesArmOf(blinded, codeBrokenByU bool) bool {
	if u == nil {
		return !blinded
	}
	return ArmVisibleTo(u.Role, blinded, codeBrokenByU)
}

// ArmVisibleTo reports whether a user of role may see one patient's arm: in a blinded study
// statisticians and administrators, and a nurse only after breaking that patient's code
// herself; in an open study everyone who sees the patient.
func ArmVisibleTo(role string, blinded, codeBrokenByUser bool) bool {
	switch {
	case !blinded:
		return true
	case role == RoleAdmin || role == RoleStatistician:
		return true
	case role == RoleNurse:
		return codeBrokenByUser
	}
	return false
}

// applyBlinding stores the file's blinded flag. A file cannot end the blinding of a blinded
// study (that is Unblind, audited); it can blind a study.
func applyBlinding(ctx context.Context, tx pgx.Tx, st *Study) (int, error) {
	var blinded, unblinded bool
	if err := tx.QueryRow(ctx, `SELECT blinded, unblinded_at IS NOT NULL FROM studies WHERE id = $1`, st.ID).
		Scan(&blinded, &unblinded); err != nil {
		return 0, fmt.Errorf("read blinding: %w", err)
	}
	if blinded == st.Blinded {
		return 0, nil
	}
	if blinded && !unblinded {
		return 0, Errorf(ECONFLICT, "study %s is blinded: its file must keep `blinded: true`; end the blinding with `registry study unblind %s` (audited)", st.Code, st.Code)
	}
	n, err := exec(ctx, tx, `UPDATE studies SET blinded = $2 WHERE id = $1`, st.ID, st.Blinded)
	return int(n), err
}

// CodeBreak is one emergency unblinding of one patient, as the study's blinding page lists it.
type CodeBreak struct {
	At      time.Time
	Actor   string
	Patient string // study number
	Site    string
	Reason  string
}

// BreakCode reveals one patient's arm to u (a nurse of the patient's site or an
// administrator), for the reason given, and audits it. Without a reason nothing changes.
func (s *Store) BreakCode(ctx context.Context, who Actor, u *User, study, number, reason string) (*Patient, error) {
	reason = strings.TrimSpace(reason)
	if u == nil || (u.Role != RoleNurse && u.Role != RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "Only nurses and administrators can break the code of a patient.")
	}
	var p *Patient
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if p, err = patientFor(ctx, tx, u, study, number, true); err != nil {
			return err
		}
		if !p.Blinded {
			return Errorf(ECONFLICT, "This study is not blinded: the patient's arm is on the patient page.")
		}
		if reason == "" {
			return &Error{Code: EINVALID, Message: "The code was not broken: give the reason.",
				Fields: FieldErrors{"reason": "Give the reason for breaking the code."}}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO code_breaks (study_id, patient_id, user_id, actor, reason) VALUES ($1, $2, $3, $4, $5)`,
			p.StudyID, p.ID, nullID(who.UserID), who.Name, reason); err != nil {
			return fmt.Errorf("record code break: %w", err)
		}
		// The row names no arm: other users of the site read this patient's audit trail.
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "code_break", Entity: "patient", EntityID: p.Number,
			StudyID: p.StudyID, PatientID: p.ID, Reason: reason}); err != nil {
			return err
		}
		p, err = patientFor(ctx, tx, u, study, number, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CodeBreaks lists the code breaks of a study, newest first.
func (s *Store) CodeBreaks(ctx context.Context, studyID int64) ([]CodeBreak, error) {
	rows, err := s.DB.Query(ctx, `SELECT cb.at, cb.actor, p.study_number, si.code, cb.reason
		FROM code_breaks cb JOIN patients p ON p.id = cb.patient_id JOIN sites si ON si.id = p.site_id
		WHERE cb.study_id = $1 ORDER BY cb.at DESC, cb.id DESC`, studyID)
	if err != nil {
		return nil, fmt.Errorf("code breaks: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CodeBreak, error) {
		var c CodeBreak
		return c, r.Scan(&c.At, &c.Actor, &c.Patient, &c.Site, &c.Reason)
	})
}

// Unblind ends the blinding of a whole study, for good, and audits it.
func (s *Store) Unblind(ctx context.Context, who Actor, study, reason string) error {
	reason = strings.TrimSpace(reason)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var blinded bool
		var unblindedAt *time.Time
		err := tx.QueryRow(ctx, `SELECT id, blinded, unblinded_at FROM studies WHERE code = $1 FOR UPDATE`, study).
			Scan(&id, &blinded, &unblindedAt)
		switch {
		case err == pgx.ErrNoRows:
			return Errorf(ENOTFOUND, "there is no study %q", study)
		case err != nil:
			return fmt.Errorf("unblind %s: %w", study, err)
		case !blinded:
			return Errorf(ECONFLICT, "Study %s is not blinded: nothing to unblind.", study)
		case unblindedAt != nil:
			return Errorf(ECONFLICT, "Study %s was already unblinded on %s.", study, unblindedAt.UTC().Format(time.DateOnly))
		case reason == "":
			return &Error{Code: EINVALID, Message: "The study was not unblinded: give the reason.",
				Fields: FieldErrors{"reason": "Give the reason for ending the blinding."}}
		}
		if _, err := tx.Exec(ctx, `UPDATE studies SET unblinded_at = clock_timestamp(), unblinded_by = $2 WHERE id = $1`, id, who.Name); err != nil {
			return fmt.Errorf("unblind %s: %w", study, err)
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "unblind", Entity: "study", EntityID: study, StudyID: id,
			After: map[string]any{"blinded": false}, Reason: reason})
	})
}

// allocationKeys are what an allocation's audit row tells about the permuted block: enough
// to predict the next allocation at the site, so no nurse sees them, blinded study or not.
var allocationKeys = []string{"block", "block_size", "position"}

// redactAudit removes from an audit row what its viewer may not see: the arm of a patient of
// a blinded study (unless the viewer may see it) and, for nurses, the allocation block.
func redactAudit(r *AuditRow, viewer *User, blinded, codeBrokenByViewer bool) {
	var drop []string
	if !viewer.seesArmOf(blinded, codeBrokenByViewer) {
		drop = append(drop, "arm", "arm_code", "arm_id")
	}
	if viewer == nil || viewer.Role != RoleAdmin && viewer.Role != RoleStatistician {
		drop = append(drop, allocationKeys...)
	}
	if len(drop) == 0 {
		return
	}
	for _, doc := range []*string{&r.Before, &r.After} {
		if *doc == "" || !strings.HasPrefix(*doc, "{") {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(*doc), &m) != nil {
			*doc, r.Redacted = "", true
			continue
		}
		changed := false
		for _, k := range drop {
			if _, ok := m[k]; ok {
				delete(m, k)
				changed = true
			}
		}
		if changed {
			b, _ := json.Marshal(m)
			*doc, r.Redacted = string(b), true
		}
	}
}

func viewerID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}
