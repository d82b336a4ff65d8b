package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"outcomereg/registry"
)

// blindClinic is the nurse clinic with a blinded copy of its study (blind-demo), a second
// nurse at Lund, a researcher and a statistician.
type blindClinic struct {
	*clinic
	lund2, researcher, statistician *registry.User
	blind                           *registry.Study
}

func blindedStudyYAML() string {
	// Lund and Malmö take part (migration 0008: nurses enrol only where their sites do).
	return strings.Replace(nurseStudyYAML, "code: nurse-demo", "code: blind-demo\nblinded: true", 1) + "sites: [lund, malmo]\n"
}

func newBlindClinic(t *testing.T) *blindClinic {
	t.Helper()
	ctx := context.Background()
	c := &blindClinic{clinic: newClinic(t)}
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, blindedStudyYAML())); err != nil {
		t.Fatal(err)
	}
	user := func(email, role string, sites ...string) *registry.User {
		id, err := c.store.CreateUser(ctx, registry.CLI, registry.NewUser{Email: email, Role: role, Password: "long enough secret", Sites: sites})
		if err != nil {
			t.Fatal(err)
		}
		return &registry.User{ID: id, Email: email, Role: role, Sites: sites}
	}
	c.lund2 = user("nurse2@lund.example", registry.RoleNurse, "lund")
	c.researcher = user("researcher@example.org", registry.RoleResearcher)
	c.statistician = user("statistician@example.org", registry.RoleStatistician)
	var err error
	if c.blind, err = c.store.Study(ctx, "blind-demo"); err != nil {
		t.Fatal(err)
	}
	if !c.blind.IsBlinded() {
		t.Fatal("blind-demo is not blinded after applying `blinded: true`")
	}
	return c
}

// enrolBlind enrols a patient at Lund in the blinded study with the registry's allocation.
func (c *blindClinic) enrolBlind(t *testing.T, u *registry.User, number string) *registry.Patient {
	t.Helper()
	p, err := c.store.Enrol(context.Background(), actor(u), u, "blind-demo", registry.NewPatient{
		Site: "lund", Number: number, Sex: "F", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10",
		Allocation: "registry"}, date("2026-02-01"))
	if err != nil {
		t.Fatalf("enrol %s: %v", number, err)
	}
	return p
}

func (c *blindClinic) patient(t *testing.T, u *registry.User, study, number string) *registry.Patient {
	t.Helper()
	p, err := c.store.Patient(context.Background(), u, study, number)
	if err != nil {
		t.Fatalf("%s reads %s: %v", u.Email, number, err)
	}
	return p
}

func (c *blindClinic) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	if err := c.store.DB.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBlindedStudyHidesArmFromNurses(t *testing.T) {
	c := newBlindClinic(t)
	p := c.enrolBlind(t, c.lund, "B-001")
	if !p.ArmHidden || p.ArmCode != "" || p.ArmLabel != "" || !p.Blinded {
		t.Fatalf("the enrolling nurse gets the arm back: %+v", p)
	}
	for _, u := range []*registry.User{c.lund, c.lund2} {
		if p := c.patient(t, u, "blind-demo", "B-001"); !p.ArmHidden || p.ArmCode != "" || p.ArmLabel != "" {
			t.Errorf("%s sees the arm of a blinded study: %q %q", u.Email, p.ArmCode, p.ArmLabel)
		}
	}
	if p := c.patient(t, c.admin, "blind-demo", "B-001"); p.ArmHidden || (p.ArmCode != "active" && p.ArmCode != "placebo") {
		t.Errorf("the administrator does not see the arm: %+v", p)
	}
	// An open study: the nurse sees the arm.
	c.enrol(t, "O-001", "2026-01-10")
	if p := c.patient(t, c.lund, "nurse-demo", "O-001"); p.ArmHidden || p.ArmCode != "active" || p.Blinded {
		t.Errorf("open study: the nurse does not see the arm: %+v", p)
	}
}

func TestSeesArmsByRole(t *testing.T) {
	c := newBlindClinic(t)
	open, err := c.store.Study(context.Background(), "nurse-demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		u          *registry.User
		blindedToo bool
	}{{c.lund, false}, {c.researcher, false}, {c.statistician, true}, {c.admin, true}, {nil, false}} {
		if !tc.u.SeesArms(open) {
			t.Errorf("%v: open study's arms hidden", tc.u)
		}
		if got := tc.u.SeesArms(c.blind); got != tc.blindedToo {
			t.Errorf("%v: sees the blinded study's arms = %v, want %v", tc.u, got, tc.blindedToo)
		}
	}
}

func TestBlindedEnrolmentLetsNoNurseChooseTheArm(t *testing.T) {
	c := newBlindClinic(t)
	ctx := context.Background()
	in := registry.NewPatient{Site: "lund", Number: "B-002", Sex: "M", BirthYear: "1970", EnrolledOn: "2026-01-10",
		TreatedOn: "2026-01-10", Allocation: "external", Arm: "active"}
	_, err := c.store.Enrol(ctx, actor(c.lund), c.lund, "blind-demo", in, date("2026-02-01"))
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID || e.Fields["allocation"] == "" {
		t.Fatalf("a nurse enters the arm of a blinded study: %v", err)
	}
	if n := c.count(t, `SELECT count(*) FROM patients`); n != 0 {
		t.Fatalf("refused enrolment left %d patients", n)
	}
	// An administrator (who sees arms) may enter it from the external list.
	if _, err := c.store.Enrol(ctx, actor(c.admin), c.admin, "blind-demo", in, date("2026-02-01")); err != nil {
		t.Fatalf("administrator, external list: %v", err)
	}
}

// auditKeys returns the JSON keys of every row's before and after, and whether any row was
// marked as redacted.
func auditKeys(t *testing.T, rows []registry.AuditRow) (map[string]bool, bool) {
	t.Helper()
	keys, redacted := map[string]bool{}, false
	for _, r := range rows {
		redacted = redacted || r.Redacted
		for _, doc := range []string{r.Before, r.After} {
			if doc == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(doc), &m); err != nil {
				t.Fatalf("audit %s %s: %v", r.Action, r.Entity, err)
			}
			for k := range m {
				keys[k] = true
			}
		}
	}
	return keys, redacted
}

func TestAuditTrailHidesArmAndAllocationBlockFromNurses(t *testing.T) {
	c := newBlindClinic(t)
	ctx := context.Background()
	p := c.enrolBlind(t, c.lund, "B-003")
	trail := func(u *registry.User, st *registry.Study, patientID int64) []registry.AuditRow {
		t.Helper()
		rows, err := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: st.ID, PatientID: patientID, Viewer: u})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 2 {
			t.Fatalf("%d audit rows, want the enrolment and the allocation", len(rows))
		}
		return rows
	}
	hidden := []string{"arm", "block", "block_size", "position"}
	for _, u := range []*registry.User{c.lund, c.lund2, nil} {
		keys, redacted := auditKeys(t, trail(u, c.blind, p.ID))
		for _, k := range hidden {
			if keys[k] {
				t.Errorf("%v reads %q in the audit trail of a blinded study", u, k)
			}
		}
		if !redacted {
			t.Errorf("%v: no row says that something was left out", u)
		}
	}
	keys, _ := auditKeys(t, trail(c.admin, c.blind, p.ID))
	for _, k := range hidden {
		if !keys[k] {
			t.Errorf("the administrator does not read %q", k)
		}
	}

	// After her code break the nurse reads the arm, never the block.
	if _, err := c.store.BreakCode(ctx, actor(c.lund), c.lund, "blind-demo", "B-003", "Anaphylaxis, treating physician asks"); err != nil {
		t.Fatal(err)
	}
	keys, _ = auditKeys(t, trail(c.lund, c.blind, p.ID))
	if !keys["arm"] || keys["block"] || keys["block_size"] || keys["position"] {
		t.Errorf("after the code break the nurse reads %v, want the arm and no block", keys)
	}
	keys, _ = auditKeys(t, trail(c.lund2, c.blind, p.ID))
	if keys["arm"] {
		t.Error("another nurse reads the arm after a colleague's code break")
	}

	// In an open study a nurse reads the arm but not the permuted block, which would let her
	// predict the next allocation at her site.
	open := c.study
	if _, err := c.store.Enrol(ctx, actor(c.lund), c.lund, "nurse-demo", registry.NewPatient{Site: "lund", Number: "O-002", Sex: "F",
		BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, date("2026-02-01")); err != nil {
		t.Fatal(err)
	}
	keys, _ = auditKeys(t, trail(c.lund, open, 0))
	if !keys["arm"] || keys["block"] || keys["block_size"] || keys["position"] {
		t.Errorf("open study, nurse reads %v: want the arm and no block", keys)
	}
}

func TestCodeBreak(t *testing.T) {
	c := newBlindClinic(t)
	ctx := context.Background()
	c.enrolBlind(t, c.lund, "B-004")
	c.enrol(t, "O-003", "2026-01-10")
	auditRows := func() int { return c.count(t, `SELECT count(*) FROM audit_log`) }
	before := auditRows()

	// Bad input: no reason, a nurse of another site, a researcher, an open study.
	for _, reason := range []string{"", "   "} {
		_, err := c.store.BreakCode(ctx, actor(c.lund), c.lund, "blind-demo", "B-004", reason)
		var e *registry.Error
		if !errors.As(err, &e) || e.Code != registry.EINVALID || e.Fields["reason"] == "" {
			t.Errorf("code break with reason %q: %v, want a message at the reason", reason, err)
		}
	}
	if _, err := c.store.BreakCode(ctx, actor(c.malmo), c.malmo, "blind-demo", "B-004", "curious"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("nurse of another site: %v, want not found", err)
	}
	if _, err := c.store.BreakCode(ctx, actor(c.researcher), c.researcher, "blind-demo", "B-004", "curious"); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Errorf("researcher: %v, want forbidden", err)
	}
	if _, err := c.store.BreakCode(ctx, actor(c.lund), c.lund, "nurse-demo", "O-003", "why not"); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("open study: %v, want conflict", err)
	}
	if n := c.count(t, `SELECT count(*) FROM code_breaks`); n != 0 || auditRows() != before {
		t.Fatalf("refused code breaks changed something: %d code breaks, %d new audit rows", n, auditRows()-before)
	}
	if p := c.patient(t, c.lund, "blind-demo", "B-004"); !p.ArmHidden {
		t.Fatal("a refused code break showed the arm")
	}

	p, err := c.store.BreakCode(ctx, actor(c.lund), c.lund, "blind-demo", "B-004", "Anaphylaxis, treating physician asks")
	if err != nil {
		t.Fatal(err)
	}
	admin := c.patient(t, c.admin, "blind-demo", "B-004")
	if p.ArmHidden || !p.CodeBroken || p.ArmCode != admin.ArmCode || p.ArmLabel != admin.ArmLabel {
		t.Fatalf("after the code break the nurse reads %+v, the arm is %s", p, admin.ArmCode)
	}
	if p := c.patient(t, c.lund, "blind-demo", "B-004"); p.ArmCode != admin.ArmCode {
		t.Errorf("the code break does not last: %+v", p)
	}
	if p := c.patient(t, c.lund2, "blind-demo", "B-004"); !p.ArmHidden {
		t.Error("the code break shows the arm to another nurse of the site")
	}
	breaks, err := c.store.CodeBreaks(ctx, c.blind.ID)
	if err != nil || len(breaks) != 1 {
		t.Fatalf("code breaks: %v %v", breaks, err)
	}
	if b := breaks[0]; b.Actor != c.lund.Email || b.Patient != "B-004" || b.Site != "lund" || b.Reason != "Anaphylaxis, treating physician asks" {
		t.Errorf("listed code break: %+v", b)
	}
	rows, err := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: c.blind.ID, Viewer: c.admin})
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Action != "code_break" || r.Actor != c.lund.Email || r.Reason != "Anaphylaxis, treating physician asks" ||
		strings.Contains(r.After, admin.ArmCode) {
		t.Errorf("audit row of the code break: %+v", r)
	}
}

func TestUnblindStudy(t *testing.T) {
	c := newBlindClinic(t)
	ctx := context.Background()
	c.enrolBlind(t, c.lund, "B-005")
	if err := c.store.Unblind(ctx, registry.CLI, "blind-demo", " "); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("unblind without a reason: %v", err)
	}
	if st, _ := c.store.Study(ctx, "blind-demo"); !st.IsBlinded() {
		t.Fatal("a refused unblinding unblinded")
	}
	for code, want := range map[string]string{"nurse-demo": registry.ECONFLICT, "nope": registry.ENOTFOUND} {
		if err := c.store.Unblind(ctx, registry.CLI, code, "trial over"); registry.ErrorCode(err) != want {
			t.Errorf("unblind %s: %v, want %s", code, err, want)
		}
	}
	if err := c.store.Unblind(ctx, actor(c.admin), "blind-demo", "Trial over, database locked"); err != nil {
		t.Fatal(err)
	}
	st, _ := c.store.Study(ctx, "blind-demo")
	if st.IsBlinded() || st.UnblindedAt == nil || st.UnblindedBy != c.admin.Email || !c.researcher.SeesArms(st) {
		t.Fatalf("after unblinding: %+v", st)
	}
	if p := c.patient(t, c.lund, "blind-demo", "B-005"); p.ArmHidden || p.ArmCode == "" {
		t.Error("after unblinding the nurse does not see the arm")
	}
	if err := c.store.Unblind(ctx, registry.CLI, "blind-demo", "again"); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("unblinding twice: %v", err)
	}
	rows, _ := c.store.AuditTrail(ctx, registry.AuditFilter{StudyID: st.ID, Viewer: c.admin})
	if r := rows[0]; r.Action != "unblind" || r.Entity != "study" || r.Reason != "Trial over, database locked" || r.Actor != c.admin.Email {
		t.Errorf("audit row of the unblinding: %+v", r)
	}
	// Applying the file again (still `blinded: true`) does not blind the study again.
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, blindedStudyYAML())); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.store.Study(ctx, "blind-demo"); st.IsBlinded() {
		t.Error("re-applying the file blinded an unblinded study")
	}
}

func TestStudyFileBlinding(t *testing.T) {
	c := newBlindClinic(t)
	ctx := context.Background()
	// A file cannot end the blinding: that is the audited unblinding.
	_, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, strings.Replace(nurseStudyYAML, "code: nurse-demo", "code: blind-demo", 1)))
	if registry.ErrorCode(err) != registry.ECONFLICT || !strings.Contains(err.Error(), "unblind") {
		t.Fatalf("file without blinded: %v, want a conflict naming unblind", err)
	}
	if st, _ := c.store.Study(ctx, "blind-demo"); !st.IsBlinded() {
		t.Fatal("the refused file ended the blinding")
	}
	// A file can blind an open study.
	if _, err := c.store.ApplyStudy(ctx, registry.CLI, parse(t, strings.Replace(nurseStudyYAML, "code: nurse-demo", "code: nurse-demo\nblinded: true", 1))); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.store.Study(ctx, "nurse-demo"); !st.IsBlinded() {
		t.Error("blinded: true did not blind the open study")
	}
}
