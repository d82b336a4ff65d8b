package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Patients answer from home: a nurse invites a patient to answer the patient-reported
// measures of one scheduled visit by a link /p/{token}. The link works inside the visit's
// window (the patient's site's days), once; its answers go through the one rule book
// (SaveVisit, source patient) and wait for a nurse's review. Only a hash of a link's token
// is stored. The patient's email address, for the link and its reminders, is kept apart
// from the clinical data (patient_contacts): never exported, never in an audit row, and
// erasable.

// InviteAheadDays is how long before a visit's window opens a patient may be invited.
const InviteAheadDays = 14

// ReminderDays are the days after the invitation on which a reminder is emailed when it is
// still not answered (and the window still open).
var ReminderDays = []int{3, 7}

// MaxEmailLength is the longest email address a patient contact may have.
const MaxEmailLength = 254

// PatientInvitation is one invitation, as the pages about it show it.
type PatientInvitation struct {
	ID         int64
	StudyCode  string
	Number     string // the patient's study number: never shown to the patient
	VisitCode  string
	Language   string
	CreatedAt  time.Time
	CreatedBy  string
	AnsweredAt *time.Time
	RevokedAt  *time.Time
	ReviewedAt *time.Time
}

// InvitationActor is the audit trail's actor for what the patient did by an invitation.
func InvitationActor(id int64) Actor { return Actor{Name: fmt.Sprintf("patient (invitation %d)", id)} }

// InviteInput is the invitation form: the patient's language and, optionally, an email
// address to send the link to (kept as the patient's contact).
type InviteInput struct {
	Language string
	Email    string
}

// NewInvitation is a made invitation with its link's token, which is not stored and
// cannot be shown again.
type NewInvitation struct {
	PatientInvitation
	Token  string
	Email  string // the patient's email on file ("" when none): where the link may be sent
	Window Window

	studyID, patientID int64
}

// PatientQuestions returns the measures the patient answers from home, in the study's
// order; none when the study has no patient-reported measure.
func PatientQuestions(st *Study) []Measure {
	var out []Measure
	for _, m := range st.Measures {
		if m.PatientReported() {
			out = append(out, m)
		}
	}
	return out
}

// Invitable says why a patient cannot be invited to answer a visit now, or "" when she can:
// the visit has patient-reported measures, is not recorded, its window has not closed and
// opens within InviteAheadDays. It is the one rule the patient page, the invitation and the
// command line follow. The message is a catalog key; its arguments follow.
func Invitable(st *Study, sv ScheduledVisit, p *Patient, recorded *Visit, today time.Time) (string, []any) {
	w := sv.WindowOf(p.TreatedOn)
	switch {
	case len(PatientQuestions(st)) == 0:
		return "This study has no questions the patient answers from home.", nil
	case p.Status != StatusActive:
		return "Only active patients can be invited.", nil
	case !w.Known():
		return "The treatment date (day 0) is not recorded yet: this visit has no window until it is.", nil
	case recorded != nil:
		return "This visit is already recorded: there is nothing left for the patient to answer.", nil
	case Day(today).After(w.Closes):
		return "The window of this visit closed on %s: the patient can no longer answer it.", []any{dateText(w.Closes)}
	case DaysBetween(today, w.Opens) > InviteAheadDays:
		return "The window of this visit opens on %s: invite the patient at most %d days before.", []any{dateText(w.Opens), InviteAheadDays}
	}
	return "", nil
}

// newLinkToken makes a link token: 256 random bits, base64url.
func newLinkToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("link token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// CheckContactEmail validates a patient's email address; "" is no address.
func CheckContactEmail(email string) (string, string) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", ""
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > MaxEmailLength || strings.ContainsAny(email, " \r\n<>\"") {
		return email, "This is not an email address."
	}
	return email, ""
}

// Invite makes an invitation for a patient's visit and a link to it. An earlier invitation
// to the same visit that is not answered stops working. An email address given becomes the
// patient's contact (replacing the one on file). The invitation and its audit row (which
// never holds the address) are one transaction.
func (s *Store) Invite(ctx context.Context, who Actor, u *User, study, number, visit string, in InviteInput, now time.Time) (*NewInvitation, error) {
	st, err := s.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	sv, ok := st.Visit(visit)
	if !ok {
		return nil, Errorf(ENOTFOUND, "This study has no such visit.")
	}
	errs := newProblems()
	if !slices.Contains(PatientLanguages, in.Language) {
		errs.Add("language", "Choose the patient's language.")
	}
	email, msg := CheckContactEmail(in.Email)
	if msg != "" {
		errs.Add("email", msg)
	}
	token, err := newLinkToken()
	if err != nil {
		return nil, err
	}
	out := &NewInvitation{Token: token}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		if err := errs.Err("The invitation was not made; check the marked fields."); err != nil {
			return err
		}
		cur, err := visitFor(ctx, tx, st, p, sv, false)
		if err != nil {
			return err
		}
		if msg, args := Invitable(st, sv, p, cur, p.Today(now)); msg != "" {
			return &Error{Code: EINVALID, Message: fmt.Sprintf(msg, args...), Fields: FieldErrors{"invite": msg}, Args: map[string][]any{"invite": args}}
		}
		rows, err := tx.Query(ctx, `UPDATE invitations SET revoked_at = now()
			WHERE patient_id = $1 AND scheduled_visit_id = $2 AND answered_at IS NULL AND revoked_at IS NULL RETURNING id`, p.ID, sv.ID)
		if err != nil {
			return fmt.Errorf("revoke earlier invitations: %w", err)
		}
		revoked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("revoke earlier invitations: %w", err)
		}
		inv := &out.PatientInvitation
		// created_at is the clock's now, as the reminders' days are counted by it.
		if err := tx.QueryRow(ctx, `INSERT INTO invitations (study_id, patient_id, scheduled_visit_id, language, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`, st.ID, p.ID, sv.ID, in.Language, who.Name, now).Scan(&inv.ID, &inv.CreatedAt); err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invitation_links (token_hash, invitation_id) VALUES ($1, $2)`, tokenHash(token), inv.ID); err != nil {
			return fmt.Errorf("insert invitation link: %w", err)
		}
		inv.StudyCode, inv.Number, inv.VisitCode, inv.Language, inv.CreatedBy = st.Code, p.Number, sv.Code, in.Language, who.Name
		out.Window, out.studyID, out.patientID = sv.WindowOf(p.TreatedOn), st.ID, p.ID
		if email != "" {
			if err := setContact(ctx, tx, who, st, p, email); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT email FROM patient_contacts WHERE patient_id = $1), '')`, p.ID).Scan(&out.Email); err != nil {
			return fmt.Errorf("patient contact: %w", err)
		}
		after := map[string]any{"visit": sv.Code, "language": in.Language, "email_on_file": out.Email != ""}
		if len(revoked) > 0 {
			after["revoked_invitations"] = revoked
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "invite", Entity: "invitation", EntityID: fmt.Sprint(inv.ID),
			StudyID: st.ID, PatientID: p.ID, After: after})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setContact makes email the patient's contact address; the audit row says that an address
// is on file, never which.
func setContact(ctx context.Context, tx pgx.Tx, who Actor, st *Study, p *Patient, email string) error {
	var before string
	_ = tx.QueryRow(ctx, `SELECT email FROM patient_contacts WHERE patient_id = $1`, p.ID).Scan(&before)
	if before == email {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO patient_contacts (patient_id, study_id, email) VALUES ($1, $2, $3)
		ON CONFLICT (patient_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now()`, p.ID, st.ID, email); err != nil {
		return fmt.Errorf("save patient contact: %w", err)
	}
	action := "insert"
	if before != "" {
		action = "update"
	}
	return insertAudit(ctx, tx, who, AuditEntry{Action: action, Entity: "patient_contact", EntityID: p.Number,
		StudyID: st.ID, PatientID: p.ID, After: map[string]any{"email_on_file": true}})
}

// PatientContact returns the email address on file for a patient u may see ("" for none).
func (s *Store) PatientContact(ctx context.Context, u *User, study, number string) (string, error) {
	p, err := s.Patient(ctx, u, study, number)
	if err != nil {
		return "", err
	}
	var email string
	err = s.DB.QueryRow(ctx, `SELECT email FROM patient_contacts WHERE patient_id = $1`, p.ID).Scan(&email)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("patient contact: %w", err)
	}
	return email, nil
}

// EraseContact deletes a patient's email address, with an audit row (which never held it).
func (s *Store) EraseContact(ctx context.Context, who Actor, u *User, study, number string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		p, err := patientFor(ctx, tx, u, study, number, true)
		if err != nil {
			return err
		}
		n, err := exec(ctx, tx, `DELETE FROM patient_contacts WHERE patient_id = $1`, p.ID)
		if err != nil {
			return fmt.Errorf("erase patient contact: %w", err)
		}
		if n == 0 {
			return Errorf(ENOTFOUND, "There is no email address on file for this patient.")
		}
		return insertAudit(ctx, tx, who, AuditEntry{Action: "erase", Entity: "patient_contact", EntityID: p.Number,
			StudyID: p.StudyID, PatientID: p.ID, Before: map[string]any{"email_on_file": true}})
	})
}

// Invitations lists a patient's invitations, the newest first.
func (s *Store) Invitations(ctx context.Context, u *User, study, number string) ([]PatientInvitation, error) {
	p, err := s.Patient(ctx, u, study, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT i.id, sv.code, i.language, i.created_at, i.created_by, i.answered_at, i.revoked_at, i.reviewed_at
		FROM invitations i JOIN scheduled_visits sv ON sv.id = i.scheduled_visit_id
		WHERE i.patient_id = $1 ORDER BY i.created_at DESC, i.id DESC`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("invitations of %s: %w", number, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PatientInvitation, error) {
		inv := PatientInvitation{StudyCode: study, Number: p.Number}
		err := row.Scan(&inv.ID, &inv.VisitCode, &inv.Language, &inv.CreatedAt, &inv.CreatedBy, &inv.AnsweredAt, &inv.RevokedAt, &inv.ReviewedAt)
		return inv, err
	})
}

// InvitationEmailed records in the audit trail that an invitation's link was emailed.
func (s *Store) InvitationEmailed(ctx context.Context, who Actor, inv *NewInvitation) error {
	return s.Audit(ctx, who, AuditEntry{Action: "email", Entity: "invitation", EntityID: fmt.Sprint(inv.ID),
		StudyID: inv.studyID, PatientID: inv.patientID, After: map[string]any{"visit": inv.VisitCode}})
}

// Reminder is a reminder to email: to the patient's address, in her language, with a new
// link to the same invitation (the first link's token is not kept, only its hash).
type Reminder struct {
	InvitationID int64
	Day          int // of ReminderDays
	Email        string
	Language     string
	Token        string
	Window       Window
}

// SendReminders sends the reminders due at now, one at a time: each is claimed (its
// reminder_N_sent_at set where it was NULL, the row locked and others skipped, so that two
// servers never send the same one), given a new link and an audit row, and sent by send
// inside that transaction; a failed send gives the claim back, to be tried on the next
// round, and ends this one (an address the mail server refused, ErrRecipientRefused, is
// passed over and the round goes on). An invitation answered, replaced, or whose visit was recorded
// or whose window has closed (at the patient's site) gets none; the day-3 reminder is not
// sent once the day-7 one is due.
func (s *Store) SendReminders(ctx context.Context, now time.Time, send func(Reminder) error) (int, error) {
	sent := 0
	// Invitations whose address the mail server refused (ErrRecipientRefused) this round:
	// passed over, so that one bad address does not hold back every other patient's reminder.
	refused := []int64{}
	var refusal error
	for i, day := range ReminderDays {
		upTo := "'-infinity'::timestamptz"
		if i+1 < len(ReminderDays) {
			upTo = fmt.Sprintf("$1::timestamptz - interval '%d days'", ReminderDays[i+1])
		}
		column := fmt.Sprintf("reminder_%d_sent_at", day)
		claim := fmt.Sprintf(`WITH due AS (
				SELECT i.id FROM invitations i
				JOIN patients p ON p.id = i.patient_id
				JOIN sites si ON si.id = p.site_id
				JOIN scheduled_visits sv ON sv.id = i.scheduled_visit_id
				WHERE i.answered_at IS NULL AND i.revoked_at IS NULL AND i.%[1]s IS NULL
				  AND i.created_at <= $1::timestamptz - interval '%[2]d days' AND i.created_at > %[3]s
				  AND p.status = 'active'
				  AND ($1::timestamptz AT TIME ZONE si.time_zone)::date <= visit_window_closes(p.treated_on, sv.target_day, sv.window_after)
				  AND EXISTS (SELECT 1 FROM patient_contacts c WHERE c.patient_id = i.patient_id)
				  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.patient_id = i.patient_id AND v.scheduled_visit_id = i.scheduled_visit_id)
				  AND i.id <> ALL ($2::bigint[])
				ORDER BY i.id LIMIT 1
				FOR UPDATE OF i SKIP LOCKED)
			UPDATE invitations i SET %[1]s = $1::timestamptz FROM due
			WHERE i.id = due.id AND i.%[1]s IS NULL
			RETURNING i.id, i.language, i.study_id, i.patient_id, i.scheduled_visit_id,
				(SELECT c.email FROM patient_contacts c WHERE c.patient_id = i.patient_id)`, column, day, upTo)
		for {
			claimed := false
			var invitation int64
			err := s.inTx(ctx, func(tx pgx.Tx) error {
				var r Reminder
				var studyID, patientID, visitID int64
				err := tx.QueryRow(ctx, claim, now, refused).Scan(&r.InvitationID, &r.Language, &studyID, &patientID, &visitID, &r.Email)
				invitation = r.InvitationID
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("claim reminder: %w", err)
				}
				var treated time.Time
				var target, before, after int
				if err := tx.QueryRow(ctx, `SELECT p.treated_on, sv.target_day, sv.window_before, sv.window_after
					FROM patients p, scheduled_visits sv WHERE p.id = $1 AND sv.id = $2`, patientID, visitID).
					Scan(&treated, &target, &before, &after); err != nil {
					return fmt.Errorf("reminder window: %w", err)
				}
				r.Window = ScheduledVisit{TargetDay: target, WindowBefore: before, WindowAfter: after}.WindowFor(treated)
				if r.Token, err = newLinkToken(); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO invitation_links (token_hash, invitation_id) VALUES ($1, $2)`,
					tokenHash(r.Token), r.InvitationID); err != nil {
					return fmt.Errorf("reminder link: %w", err)
				}
				r.Day = day
				if err := insertAudit(ctx, tx, Actor{Name: "reminders"}, AuditEntry{Action: "remind", Entity: "invitation",
					EntityID: fmt.Sprint(r.InvitationID), StudyID: studyID, PatientID: patientID,
					After: map[string]any{"day": day}}); err != nil {
					return err
				}
				if err := send(r); err != nil {
					return fmt.Errorf("send reminder of invitation %d: %w", r.InvitationID, err)
				}
				claimed = true
				return nil
			})
			if errors.Is(err, ErrRecipientRefused) && invitation != 0 {
				refused = append(refused, invitation)
				if refusal == nil {
					refusal = err
				}
				continue
			}
			if err != nil {
				return sent, err
			}
			if !claimed {
				break
			}
			sent++
		}
	}
	return sent, refusal
}

// ErrRecipientRefused is what a reminder's send returns (wrapped) when the mail server
// refused the patient's address: the reminder stays due, and the others are sent.
var ErrRecipientRefused = errors.New("the mail server refused the recipient")

// HomeInvites is what the patient page shows about answering from home.
type HomeInvites struct {
	Visits      []ScheduledVisit // the visits the patient may be invited to answer now
	Email       string           // on file, "" for none
	Invitations []PatientInvitation
}

// HomeInvitesFor fills rec.Home: the visits Invitable today, the email on file and the
// invitations made, for u (who sees rec).
func (s *Store) HomeInvitesFor(ctx context.Context, u *User, rec *PatientRecord, now time.Time) error {
	p := rec.Patient
	today := p.Today(now)
	for _, e := range rec.Schedule {
		if msg, _ := Invitable(rec.Study, e.Visit, p, e.Recorded, today); msg == "" {
			rec.Home.Visits = append(rec.Home.Visits, e.Visit)
		}
	}
	var err error
	if rec.Home.Email, err = s.PatientContact(ctx, u, p.StudyCode, p.Number); err != nil {
		return err
	}
	rec.Home.Invitations, err = s.Invitations(ctx, u, p.StudyCode, p.Number)
	return err
}
