package registry

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Patient statuses.
const (
	StatusActive    = "active"
	StatusCompleted = "completed"
	StatusWithdrawn = "withdrawn"
	StatusLost      = "lost"
	StatusDead      = "dead"
)

// Statuses are every status a patient may have.
var Statuses = []string{StatusActive, StatusCompleted, StatusWithdrawn, StatusLost, StatusDead}

// Patient is one enrolled patient of a study, as the nurse's pages show them.
type Patient struct {
	ID         int64
	StudyID    int64
	StudyCode  string
	Number     string // the study number, unique in the study
	SiteCode   string
	SiteName   string
	ArmCode    string
	ArmLabel   string
	ArmLabels  Labels // ArmLabel in every language the study file gives
	Sex        string
	BirthYear  int
	EnrolledOn time.Time
	// TreatedOn is day 0 of the visit schedule; nil until the treatment is given and
	// recorded (the patient awaits treatment, and no follow-up visit is scheduled).
	TreatedOn   *time.Time
	Status      string
	StatusOn    *time.Time
	AllocatedBy string // registry or external
	// Blinded: the study is blinded now. ArmHidden: the reader may not see the arm, and
	// ArmCode and ArmLabel are empty. CodeBroken: the reader broke this patient's code.
	Blinded    bool
	ArmHidden  bool
	CodeBroken bool
	TimeZone   string // the site's: its date is the patient's "today"
}

// Today is the date at the patient's site at the instant now.
func (p *Patient) Today(now time.Time) time.Time { return siteToday(now, p.TimeZone) }

// CanSee reports whether u may see the records of patients at site: administrators see every
// site, nurses their own; researchers and statisticians see no patient records.
func (u *User) CanSee(site string) bool {
	switch {
	case u == nil:
		return false
	case u.Role == RoleAdmin:
		return true
	case u.Role == RoleNurse:
		return slices.Contains(u.Sites, site)
	default:
		return false
	}
}

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const patientRecordColumns = `p.id, p.study_id, s.code, p.study_number, si.code, si.name, a.code, a.label, jsonb_build_object('en', a.label) || a.labels, p.sex,
	p.birth_year, p.enrolled_on, p.treated_on, p.status, p.status_on, p.allocated_by, si.time_zone`

const patientRecordFrom = `FROM patients p
	JOIN studies s ON s.id = p.study_id
	JOIN sites si ON si.id = p.site_id
	JOIN arms a ON a.id = p.arm_id`

// patientFor loads a patient by study code and number, for u: a patient of a site u may not
// see is answered as not found, so that not even its existence leaks.
func patientFor(ctx context.Context, q queryRower, u *User, study, number string, lock bool) (*Patient, error) {
	if u == nil || (u.Role != RoleAdmin && u.Role != RoleNurse) {
		return nil, Errorf(EFORBIDDEN, "Only nurses and administrators see patient records.")
	}
	sql := `SELECT ` + patientRecordColumns + `, s.blinded AND s.unblinded_at IS NULL,
			EXISTS (SELECT 1 FROM code_breaks cb WHERE cb.patient_id = p.id AND cb.user_id = $3)
		` + patientRecordFrom + ` WHERE s.code = $1 AND p.study_number = $2`
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	p := &Patient{}
	err := q.QueryRow(ctx, sql, study, number, u.ID).Scan(&p.ID, &p.StudyID, &p.StudyCode, &p.Number, &p.SiteCode, &p.SiteName,
		&p.ArmCode, &p.ArmLabel, &p.ArmLabels, &p.Sex, &p.BirthYear, &p.EnrolledOn, &p.TreatedOn, &p.Status, &p.StatusOn, &p.AllocatedBy,
		&p.TimeZone, &p.Blinded, &p.CodeBroken)
	if err == nil && !u.seesArmOf(p.Blinded, p.CodeBroken) {
		p.ArmCode, p.ArmLabel, p.ArmLabels, p.ArmHidden = "", "", nil, true
	}
	if err == pgx.ErrNoRows || (err == nil && !u.CanSee(p.SiteCode)) {
		return nil, Errorf(ENOTFOUND, "There is no such patient in this study.")
	}
	if err != nil {
		return nil, fmt.Errorf("load patient %s/%s: %w", study, number, err)
	}
	return p, nil
}

// Patient loads one patient that u may see.
func (s *Store) Patient(ctx context.Context, u *User, study, number string) (*Patient, error) {
	return patientFor(ctx, s.DB, u, study, number, false)
}

// PatientRecord is everything the patient page shows.
type PatientRecord struct {
	Patient       *Patient
	Study         *Study
	Schedule      []ScheduleEntry
	Events        []Event
	AdverseEvents []AdverseEvent
	Home          HomeInvites // answering from home (patient_invitation.go)
}

// ScheduleEntry is one scheduled visit of a patient: its window and state, and the recorded
// visit when there is one. Before the treatment date is recorded no visit has a window (its
// Window is zero) and a visit not recorded is awaiting treatment.
type ScheduleEntry struct {
	Visit    ScheduledVisit
	Window   Window
	State    string
	Recorded *Visit
}

// PatientRecord loads a patient's schedule, visits, events and adverse events.
func (s *Store) PatientRecord(ctx context.Context, u *User, study, number string, now time.Time) (*PatientRecord, error) {
	st, err := s.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	p, err := s.Patient(ctx, u, study, number)
	if err != nil {
		return nil, err
	}
	rec := &PatientRecord{Patient: p, Study: st}
	today := p.Today(now)
	visits, err := visitsOf(ctx, s.DB, st, p)
	if err != nil {
		return nil, err
	}
	for _, sv := range st.Visits {
		e := ScheduleEntry{Visit: sv}
		if p.TreatedOn != nil {
			e.Window = sv.WindowFor(*p.TreatedOn)
		}
		switch v, ok := visits[sv.ID]; {
		case ok:
			e.Recorded, e.State = v, v.State
		case p.TreatedOn == nil:
			e.State = StateAwaitingTreatment
		default:
			e.State = e.Window.StateOn(today)
		}
		rec.Schedule = append(rec.Schedule, e)
	}
	if rec.Events, err = eventsOf(ctx, s.DB, st, p); err != nil {
		return nil, err
	}
	if rec.AdverseEvents, err = adverseEventsOf(ctx, s.DB, p); err != nil {
		return nil, err
	}
	return rec, nil
}

// NewPatient is the enrolment form.
type NewPatient struct {
	Site       string
	Number     string
	Sex        string
	BirthYear  string
	EnrolledOn string
	TreatedOn  string
	Allocation string // "registry" (allocate from permuted blocks) or "external" (Arm given)
	Arm        string
}

// Enrol adds a patient to a study at one of u's sites, allocating the arm from the study's
// permuted blocks when asked to. The patient, the allocation and their audit rows are one
// transaction.
func (s *Store) Enrol(ctx context.Context, who Actor, u *User, study string, np NewPatient, now time.Time) (*Patient, error) {
	st, err := s.Study(ctx, study)
	if err != nil {
		return nil, err
	}
	if err := s.canEnrol(ctx, u, st); err != nil {
		return nil, err
	}
	var zone string
	var takesPart bool
	if err := s.DB.QueryRow(ctx, `SELECT time_zone, EXISTS (SELECT 1 FROM study_sites WHERE study_id = $2 AND site_id = sites.id)
		FROM sites WHERE code = $1`, np.Site, st.ID).Scan(&zone, &takesPart); err != nil && err != pgx.ErrNoRows {
		return nil, fmt.Errorf("site %s: %w", np.Site, err)
	}
	today := siteToday(now, zone)
	errs := newProblems()
	if u.CanSee(np.Site) && !takesPart {
		errs.Add("site", "This site does not take part in the study.")
	}
	np.Number = strings.TrimSpace(np.Number)
	generate := np.Number == "" && st.NumberPattern != ""
	if !generate && !studyNumberPattern.MatchString(np.Number) {
		errs.Put("number", problem("Use letters, digits, '-' or '_' (e.g. %s).", s.NumberExample(ctx, st)))
	}
	if !u.CanSee(np.Site) {
		errs.Add("site", "Choose one of your sites.")
	}
	if np.Sex != "F" && np.Sex != "M" {
		errs.Add("sex", "Choose F or M.")
	}
	year, yp := CheckBirthYear(np.BirthYear, today)
	errs.Put("birth_year", yp)
	enrolled, ep := CheckDate(np.EnrolledOn, EnrolmentDateRule(today))
	errs.Put("enrolled_on", ep)
	// The treatment date may stay empty until the treatment is given (SetTreatmentDate).
	var treated *time.Time
	if strings.TrimSpace(np.TreatedOn) != "" {
		d, tp := CheckDate(np.TreatedOn, TreatmentDateRule(today, enrolled))
		errs.Put("treated_on", tp)
		treated = &d
	}
	var arm Arm
	switch np.Allocation {
	case "registry":
	case "external":
		if st.IsBlinded() && !u.seesArmOf(true, false) {
			errs.Add("allocation", "This study is blinded: the registry allocates the arm.")
			break
		}
		found := false
		for _, a := range st.Arms {
			if a.Code == np.Arm {
				arm, found = a, true
			}
		}
		if !found {
			errs.Add("arm", "Choose the arm from the randomisation list.")
		}
	default:
		errs.Add("allocation", "Choose how the arm is allocated.")
	}
	if err := errs.Err("The patient was not enrolled; check the marked fields."); err != nil {
		return nil, err
	}

	var p *Patient
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var siteID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM sites WHERE code = $1`, np.Site).Scan(&siteID); err != nil {
			return fmt.Errorf("site %s: %w", np.Site, err)
		}
		var alloc *Allocation
		if np.Allocation == "registry" {
			a, err := allocate(ctx, tx, st, siteID)
			if err != nil {
				return err
			}
			alloc, arm = a, a.Arm
		}
		if generate {
			n, err := nextStudyNumber(ctx, tx, st, siteID, np.Site)
			if err != nil {
				return err
			}
			if !studyNumberPattern.MatchString(n) {
				return &Error{Code: EINVALID, Message: "The patient was not enrolled; check the marked fields.",
					Fields: FieldErrors{"number": "The study's number pattern made no valid study number here: type the study number."}}
			}
			np.Number = n
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year,
				enrolled_on, treated_on, allocated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			st.ID, siteID, np.Number, arm.ID, np.Sex, year, enrolled, treated, np.Allocation).Scan(&id)
		if isUniqueViolation(err) {
			return &Error{Code: EINVALID, Message: "The patient was not enrolled; check the marked fields.",
				Fields: FieldErrors{"number": "This study number is already used in the study."}}
		}
		if err != nil {
			return fmt.Errorf("insert patient: %w", err)
		}
		after := map[string]any{"study_number": np.Number, "site": np.Site, "arm": arm.Code, "sex": np.Sex,
			"birth_year": year, "enrolled_on": dateText(enrolled), "treated_on": datePtrText(treated), "allocated_by": np.Allocation}
		if err := insertAudit(ctx, tx, who, AuditEntry{Action: "insert", Entity: "patient", EntityID: np.Number,
			StudyID: st.ID, PatientID: id, After: after}); err != nil {
			return err
		}
		if alloc != nil {
			if err := insertAudit(ctx, tx, who, AuditEntry{Action: "allocate", Entity: "patient", EntityID: np.Number,
				StudyID: st.ID, PatientID: id, After: alloc}); err != nil {
				return err
			}
		}
		p, err = patientFor(ctx, tx, u, study, np.Number, false)
		return err
	})
	return p, err
}

// studyNumberPattern is the patients.study_number check.
var studyNumberPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// datePtrText is a date that may be unknown, "" when it is.
func datePtrText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return dateText(*t)
}

// canEnrol refuses a user none of whose sites takes part in the study: for her the study's
// enrolment does not exist.
func (s *Store) canEnrol(ctx context.Context, u *User, st *Study) error {
	if u == nil || (u.Role != RoleAdmin && u.Role != RoleNurse) {
		return Errorf(EFORBIDDEN, "Only nurses and administrators enrol patients.")
	}
	if u.Role == RoleAdmin {
		return nil
	}
	ok, err := s.TakesPart(ctx, u, st.Code)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(ENOTFOUND, "None of your sites takes part in this study.")
	}
	return nil
}

// TakesPart reports whether one of a nurse's sites takes part in a study (always, for an
// administrator).
func (s *Store) TakesPart(ctx context.Context, u *User, study string) (bool, error) {
	if u != nil && u.Role == RoleAdmin {
		return true, nil
	}
	if u == nil || len(u.Sites) == 0 {
		return false, nil
	}
	var ok bool
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM study_sites ss JOIN studies st ON st.id = ss.study_id
		JOIN sites si ON si.id = ss.site_id WHERE st.code = $1 AND si.code = ANY($2))`, study, u.Sites).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("study sites: %w", err)
	}
	return ok, nil
}

// NumberExample is an example study number for a study's enrolment: its latest patient's
// number, or one made from the study's code.
func (s *Store) NumberExample(ctx context.Context, st *Study) string {
	var n string
	if err := s.DB.QueryRow(ctx, `SELECT study_number FROM patients WHERE study_id = $1 ORDER BY id DESC LIMIT 1`, st.ID).Scan(&n); err == nil {
		return n
	}
	return strings.ToUpper(st.Code) + "-0001"
}
