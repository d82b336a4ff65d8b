package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// What a patient's link shows, by the state of its invitation and visit.
const (
	LinkOpen       = "open"         // inside the window, not answered: the questions
	LinkNotYetOpen = "not_yet_open" // before the window's first day: "opens on ..."
	LinkClosed     = "closed"       // after its last day, or the patient is no longer followed
	LinkAnswered   = "answered"     // answered by this invitation: "thank you"
	LinkRecorded   = "recorded"     // the site recorded the visit: no longer needed
	LinkReplaced   = "replaced"     // a newer invitation to the same visit took its place
)

// InvitationLink is what a patient's link opens: the visit's patient-reported questions and
// the state of the link. It holds nothing that names the patient.
type InvitationLink struct {
	InvitationID int64
	State        string
	Language     string // chosen at invitation
	Study        *Study
	Questions    []Measure
	Window       Window
	Today        time.Time // at the patient's site
	// Saved: AnswerInvitationLink saved the answers just now (State is then LinkAnswered).
	Saved bool

	study, number, visit, site string
}

// OpenInvitationLink looks a link's token up (by its hash). An unknown token is ENOTFOUND.
func (s *Store) OpenInvitationLink(ctx context.Context, token string, now time.Time) (*InvitationLink, error) {
	l := &InvitationLink{}
	var answered, revoked, recorded bool
	var status, zone string
	var treated *time.Time
	err := s.DB.QueryRow(ctx, `SELECT i.id, i.language, i.answered_at IS NOT NULL, i.revoked_at IS NOT NULL,
			st.code, p.study_number, p.status, si.code, si.time_zone, p.treated_on, sv.code,
			EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = p.id AND v.scheduled_visit_id = sv.id)
		FROM invitation_links li
		JOIN invitations i ON i.id = li.invitation_id
		JOIN patients p ON p.id = i.patient_id
		JOIN studies st ON st.id = i.study_id
		JOIN sites si ON si.id = p.site_id
		JOIN scheduled_visits sv ON sv.id = i.scheduled_visit_id
		WHERE li.token_hash = $1`, tokenHash(token)).
		Scan(&l.InvitationID, &l.Language, &answered, &revoked, &l.study, &l.number, &status, &l.site, &zone, &treated, &l.visit, &recorded)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, Errorf(ENOTFOUND, "This link does not exist.")
	}
	if err != nil {
		return nil, fmt.Errorf("open invitation link: %w", err)
	}
	if l.Study, err = s.Study(ctx, l.study); err != nil {
		return nil, err
	}
	sv, ok := l.Study.Visit(l.visit)
	if !ok {
		return nil, Errorf(ENOTFOUND, "This link does not exist.")
	}
	l.Questions = PatientQuestions(l.Study)
	l.Window = sv.WindowOf(treated)
	l.Today = siteToday(now, zone)
	switch {
	case answered:
		l.State = LinkAnswered
	case recorded:
		l.State = LinkRecorded
	case revoked:
		l.State = LinkReplaced
	case status != StatusActive || !l.Window.Known() || l.Today.After(l.Window.Closes):
		l.State = LinkClosed
	case l.Today.Before(l.Window.Opens):
		l.State = LinkNotYetOpen
	default:
		l.State = LinkOpen
	}
	return l, nil
}

var errLinkUsed = errors.New("invitation answered or replaced meanwhile")

// AnswerInvitationLink saves the patient's answers by the one rule book: SaveVisit with
// source patient, the visit dated today at the patient's site, the audit rows' actor the
// patient by the invitation; in the same transaction the invitation is marked answered.
// Bad answers are the rule book's *Error (nothing saved). A link that can no longer be
// answered (answered, recorded by the site meanwhile, closed) comes back with its state
// and no error.
func (s *Store) AnswerInvitationLink(ctx context.Context, token string, in VisitInput, now time.Time) (*InvitationLink, error) {
	l, err := s.OpenInvitationLink(ctx, token, now)
	if err != nil || l.State != LinkOpen {
		return l, err
	}
	in.Source, in.State, in.Date, in.Version, in.Reason = SourcePatient, StateDone, dateText(l.Today), 0, ""
	in.MissedReason, in.Notes = "", ""
	// The link stands for a nurse of the patient's site: it reaches that one patient, whose
	// arm it never shows.
	u := &User{Role: RoleNurse, Sites: []string{l.site}}
	_, err = s.saveVisit(ctx, InvitationActor(l.InvitationID), u, l.study, l.number, l.visit, in, now,
		func(tx pgx.Tx, p *Patient, v *Visit) error {
			n, err := exec(ctx, tx, `UPDATE invitations SET answered_at = now()
				WHERE id = $1 AND answered_at IS NULL AND revoked_at IS NULL`, l.InvitationID)
			if err != nil {
				return fmt.Errorf("mark invitation answered: %w", err)
			}
			if n == 0 {
				return errLinkUsed
			}
			return nil
		})
	if IsVisitConflict(err) || errors.Is(err, errLinkUsed) {
		return s.OpenInvitationLink(ctx, token, now) // answered or recorded meanwhile
	}
	if err != nil {
		return l, err
	}
	l.State, l.Saved = LinkAnswered, true
	return l, nil
}

// reviewPatientAnswers marks the patient's answers to a visit reviewed, with an audit row;
// nothing when none wait for review. action is "confirm" or "correct".
func reviewPatientAnswers(ctx context.Context, tx pgx.Tx, who Actor, st *Study, p *Patient, sv ScheduledVisit, action string) error {
	rows, err := tx.Query(ctx, `UPDATE invitations SET reviewed_at = now(), reviewed_by = $3
		WHERE patient_id = $1 AND scheduled_visit_id = $2 AND answered_at IS NOT NULL AND reviewed_at IS NULL RETURNING id`,
		p.ID, sv.ID, who.Name)
	if err != nil {
		return fmt.Errorf("review patient answers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("review patient answers: %w", err)
	}
	for _, id := range ids {
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "review", Entity: "invitation", EntityID: fmt.Sprint(id),
			StudyID: st.ID, PatientID: p.ID, After: map[string]any{"visit": sv.Code, "review": action}}); err != nil {
			return err
		}
	}
	return nil
}

// ConfirmPatientAnswers records a nurse's review of the patient's answers to a visit as they
// are. version is the visit's version the nurse saw: a visit changed since is a conflict.
func (s *Store) ConfirmPatientAnswers(ctx context.Context, who Actor, u *User, study, number, visit string, version int) error {
	st, err := s.Study(ctx, study)
	if err != nil {
		return err
	}
	sv, ok := st.Visit(visit)
	if !ok {
		return Errorf(ENOTFOUND, "This study has no such visit.")
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, false)
		if err != nil {
			return err
		}
		cur, err := visitFor(ctx, tx, st, p, sv, true)
		if err != nil {
			return err
		}
		if cur == nil {
			return Errorf(ENOTFOUND, "This visit is not recorded.")
		}
		if cur.Version != version {
			return visitConflict()
		}
		var waiting bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invitations WHERE patient_id = $1 AND scheduled_visit_id = $2
			AND answered_at IS NOT NULL AND reviewed_at IS NULL)`, p.ID, sv.ID).Scan(&waiting); err != nil {
			return fmt.Errorf("review patient answers: %w", err)
		}
		if !waiting {
			return Errorf(EINVALID, "The patient's answers to this visit have been reviewed already.")
		}
		return reviewPatientAnswers(ctx, tx, who, st, p, sv, "confirm")
	})
}

// AwaitsReview reports whether the patient's answers to a visit wait for a nurse's review.
func (s *Store) AwaitsReview(ctx context.Context, p *Patient, visit string) (bool, error) {
	var waiting bool
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invitations i JOIN scheduled_visits sv ON sv.id = i.scheduled_visit_id
		JOIN visits v ON v.patient_id = i.patient_id AND v.scheduled_visit_id = i.scheduled_visit_id
		WHERE i.patient_id = $1 AND sv.code = $2 AND i.answered_at IS NOT NULL AND i.reviewed_at IS NULL)`, p.ID, visit).Scan(&waiting)
	if err != nil {
		return false, fmt.Errorf("review state: %w", err)
	}
	return waiting, nil
}

// AnswerToReview is a visit the patient answered from home that no nurse has reviewed yet.
type AnswerToReview struct {
	StudyCode   string
	Number      string
	VisitCode   string
	VisitLabels Labels
	AnsweredOn  time.Time // at the patient's site
}

// AnswersToReview lists, for u's sites (every site for an administrator), the visits the
// patients answered from home that wait for a nurse's review, the oldest first.
func (s *Store) AnswersToReview(ctx context.Context, u *User) ([]AnswerToReview, error) {
	if u == nil || (u.Role != RoleNurse && u.Role != RoleAdmin) {
		return nil, Errorf(EFORBIDDEN, "only nurses and administrators review the patients' answers")
	}
	var sites []string // nil: every site
	if u.Role == RoleNurse {
		sites = append([]string{}, u.Sites...)
	}
	rows, err := s.DB.Query(ctx, `SELECT st.code, p.study_number, sv.code, jsonb_build_object('en', sv.label) || sv.labels,
			(i.answered_at AT TIME ZONE si.time_zone)::date
		FROM invitations i
		JOIN patients p ON p.id = i.patient_id
		JOIN sites si ON si.id = p.site_id
		JOIN studies st ON st.id = i.study_id
		JOIN scheduled_visits sv ON sv.id = i.scheduled_visit_id
		WHERE i.answered_at IS NOT NULL AND i.reviewed_at IS NULL
		  AND EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = i.patient_id AND v.scheduled_visit_id = i.scheduled_visit_id)
		  AND ($1::text[] IS NULL OR (si.code = ANY ($1)
		       AND EXISTS (SELECT 1 FROM study_sites ss WHERE ss.study_id = p.study_id AND ss.site_id = p.site_id)))
		ORDER BY i.answered_at, i.id
		LIMIT $2`, sites, WorklistLimit)
	if err != nil {
		return nil, fmt.Errorf("answers to review: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (AnswerToReview, error) {
		var a AnswerToReview
		err := row.Scan(&a.StudyCode, &a.Number, &a.VisitCode, &a.VisitLabels, &a.AnsweredOn)
		return a, err
	})
}
