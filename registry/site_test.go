package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

func TestSiteTimeZones(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	if err := store.UpsertSite(ctx, registry.CLI, "lund", "Lund"); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSite(ctx, registry.CLI, registry.Site{Code: "madrid", Name: "Madrid", TimeZone: "Europe/Madrid"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Europe/Lund", "Local", "CET; DROP TABLE sites"} {
		err := store.SaveSite(ctx, registry.CLI, registry.Site{Code: "lund", Name: "Lund", TimeZone: bad})
		if registry.ErrorCode(err) != registry.EINVALID || !strings.Contains(fieldsText(err), bad) {
			t.Errorf("zone %q: %v, want invalid naming it", bad, err)
		}
	}
	// The database refuses an unknown zone too, whoever writes it.
	if _, err := store.DB.Exec(ctx, `UPDATE sites SET time_zone = 'Mars/Olympus' WHERE code = 'lund'`); err == nil {
		t.Error("the database took an unknown time zone")
	}
	// Renaming keeps the zone.
	if err := store.UpsertSite(ctx, registry.CLI, "madrid", "Hospital Madrid"); err != nil {
		t.Fatal(err)
	}
	sites, err := store.Sites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range sites {
		got[s.Code] = s.TimeZone
	}
	if got["lund"] != "Europe/Stockholm" || got["madrid"] != "Europe/Madrid" {
		t.Fatalf("zones = %v", got)
	}

	// 00:30 in Madrid on 1 June is still 31 May in UTC.
	madrid, _ := registry.LoadTimeZone("Europe/Madrid")
	now := time.Date(2025, 6, 1, 0, 30, 0, 0, madrid)
	if d := registry.DayIn(now, madrid); d.Format("2006-01-02") != "2025-06-01" {
		t.Errorf("day in Madrid = %s", d.Format("2006-01-02"))
	}
	if d := registry.DayIn(now, time.UTC); d.Format("2006-01-02") != "2025-05-31" {
		t.Errorf("day in UTC = %s", d.Format("2006-01-02"))
	}
}

func TestStudyFileSites(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	for _, c := range []string{"lund", "aarhus", "copenhagen"} {
		if err := store.UpsertSite(ctx, registry.CLI, c, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := registry.ParseStudyFile("demo.yaml", []byte(studyYAML+"sites: [aarhus, aarhus]\n")); err == nil ||
		!strings.Contains(err.Error(), "listed twice") {
		t.Errorf("a site listed twice: %v", err)
	}
	if _, err := store.ApplyStudy(ctx, registry.CLI, parse(t, studyYAML+"sites: [aarhus, oslo]\n")); err == nil ||
		!strings.Contains(err.Error(), `"oslo"`) {
		t.Errorf("an unknown site: %v", err)
	}
	if _, err := store.ApplyStudy(ctx, registry.CLI, parse(t, studyYAML+"sites: [aarhus, copenhagen]\n")); err != nil {
		t.Fatal(err)
	}
	sites, err := store.StudySites(ctx, "demo")
	if err != nil || strings.Join(sites, ",") != "aarhus,copenhagen" {
		t.Fatalf("sites = %v, %v", sites, err)
	}
	// A file without a sites list leaves them; the study's definition lists them.
	res, err := store.ApplyStudy(ctx, registry.CLI, parse(t, studyYAML))
	if err != nil || res.Changes != 0 {
		t.Fatalf("apply without sites: %+v %v", res, err)
	}
	st, err := store.Study(ctx, "demo")
	if err != nil || strings.Join(st.Sites, ",") != "aarhus,copenhagen" {
		t.Fatalf("study sites = %v, %v", st.Sites, err)
	}
	// A site with patients cannot leave.
	if _, err := store.DB.Exec(ctx, `INSERT INTO patients (study_id, site_id, study_number, arm_id, sex, birth_year, enrolled_on, treated_on)
		SELECT st.id, si.id, 'P1', (SELECT id FROM arms WHERE study_id = st.id LIMIT 1), 'F', 1960, '2025-01-01', '2025-01-01'
		FROM studies st, sites si WHERE st.code = 'demo' AND si.code = 'aarhus'`); err != nil {
		t.Fatal(err)
	}
	err = store.SetStudySites(ctx, registry.CLI, "demo", []string{"copenhagen", "lund"})
	if registry.ErrorCode(err) != registry.ECONFLICT || !strings.Contains(err.Error(), "aarhus") {
		t.Fatalf("removing a site with patients: %v", err)
	}
	if err := store.SetStudySites(ctx, registry.CLI, "demo", []string{"aarhus", "lund"}); err != nil {
		t.Fatal(err)
	}
	if sites, _ := store.StudySites(ctx, "demo"); strings.Join(sites, ",") != "aarhus,lund" {
		t.Fatalf("sites after set = %v", sites)
	}
}

func fieldsText(err error) string {
	var e *registry.Error
	if errors.As(err, &e) {
		s := e.Message
		for k, v := range e.Fields {
			s += " " + k + ": " + v
		}
		return s
	}
	return fmt.Sprint(err)
}

// TestSiteDateAtHalfPastMidnight: at 00:30 in Madrid (22:30 UTC the day before) "today" is
// Madrid's date: a visit dated that day is accepted, the next day is refused as after today,
// and the worklist and the patient page count from Madrid's date. A Lund nurse's worklist
// at 00:30 Lund time does the same with Lund's date.
func TestSiteDateAtHalfPastMidnight(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	if err := c.store.SaveSite(ctx, registry.CLI, registry.Site{Code: "malmo", Name: "Malmö", TimeZone: "Europe/Madrid"}); err != nil {
		t.Fatal(err)
	}
	madrid, _ := registry.LoadTimeZone("Europe/Madrid")
	now := time.Date(2026, 6, 2, 0, 30, 0, 0, madrid) // 2026-06-01 22:30 UTC
	if now.UTC().Format(time.DateOnly) != "2026-06-01" {
		t.Fatal("the test's instant is not the day before in UTC")
	}
	// Treated so that visit d60 (window 53..67 days) opens on 2 June.
	treated := date("2026-06-02").AddDate(0, 0, -53)
	p, err := c.store.Enrol(ctx, actor(c.malmo), c.malmo, "nurse-demo", registry.NewPatient{
		Site: "malmo", Number: "MAD-1", Sex: "F", BirthYear: "1960", EnrolledOn: treated.Format(time.DateOnly),
		TreatedOn: treated.Format(time.DateOnly), Allocation: "external", Arm: "active"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Today(now).Format(time.DateOnly); got != "2026-06-02" {
		t.Fatalf("the patient's today = %s, want Madrid's 2026-06-02", got)
	}
	wl, err := c.store.Worklist(ctx, c.malmo, now, "MAD-1")
	if err != nil {
		t.Fatal(err)
	}
	state := ""
	for _, e := range wl.Entries {
		if e.VisitCode == "d60" {
			state = e.State
		}
	}
	if state != registry.StateDue || wl.Today.Format(time.DateOnly) != "2026-06-02" {
		t.Fatalf("worklist at 00:30 Madrid: d60 %q, today %s; want due on 2026-06-02", state, wl.Today.Format(time.DateOnly))
	}
	rec, err := c.store.PatientRecord(ctx, c.malmo, "nurse-demo", "MAD-1", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.Schedule {
		if e.Visit.Code == "d60" && e.State != registry.StateDue {
			t.Errorf("patient page: d60 %s, want due", e.State)
		}
	}
	visit := func(d string) error {
		_, err := c.store.SaveVisit(ctx, actor(c.malmo), c.malmo, "nurse-demo", "MAD-1", "d60", registry.VisitInput{
			State: registry.StateDone, Date: d, Values: map[string]registry.ValueInput{
				"pain": {Raw: "3"}, "weight": {Raw: "70,5"}, "mobility": {Raw: "1"}}}, now)
		return err
	}
	if err := visit("2026-06-03"); registry.FieldText(err, "visit_date") != "2026-06-03 is after today (2026-06-02)." {
		t.Errorf("a visit the day after Madrid's today: %v %q", err, registry.FieldText(err, "visit_date"))
	}
	if err := visit("2026-06-02"); err != nil {
		t.Fatalf("a visit dated today in Madrid at 00:30: %v", err)
	}
	// Lund (Europe/Stockholm) at 00:30 its time.
	stockholm, _ := registry.LoadTimeZone("Europe/Stockholm")
	c.enrol(t, "LUN-1", treated.Format(time.DateOnly))
	wl, err = c.store.Worklist(ctx, c.lund, time.Date(2026, 6, 2, 0, 30, 0, 0, stockholm), "LUN-1")
	if err != nil {
		t.Fatal(err)
	}
	state = ""
	for _, e := range wl.Entries {
		if e.VisitCode == "d60" {
			state = e.State
		}
	}
	if state != registry.StateDue {
		t.Errorf("Lund worklist at 00:30: d60 %q, want due", state)
	}
}
