package registry_test

import (
	"context"
	"testing"
	"time"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// nurseStudyYAML is a small study for the nurse's side: a leap-day visit, a choice and a
// stepped measure, and a death event.
const nurseStudyYAML = `code: nurse-demo
title: Nurse demo study
indication: knee osteoarthritis
design: randomised-double-blind
arms:
  - {code: active, label: Stem cells}
  - {code: placebo, label: Saline, control: true}
visits:
  - {code: baseline, label: Baseline, day: 0, window_before: 14, window_after: 0, baseline: true}
  - {code: d60, label: Day 60, day: 60, window_before: 7, window_after: 7}
  - {code: m12, label: 12 months, day: 365, window_before: 30, window_after: 30}
measures:
  - code: pain
    labels: {en: Pain, sv: Smärta, da: Smerte}
    type: integer
    unit: points
    min: 0
    max: 10
    direction: lower
  - code: weight
    labels: {en: Weight}
    type: number
    unit: kg
    min: 20
    max: 300
    step: 0.5
    direction: lower
  - code: mobility
    labels: {en: Mobility}
    type: choice
    choices:
      - {value: 1, labels: {en: Walks}}
      - {value: 2, labels: {en: Walks with help}}
    direction: lower
events:
  - {code: relapse, labels: {en: Relapse}}
  - {code: death, labels: {en: Death}, death: true}
adverse_event_terms: [Injection-site pain]
`

// clinic is a fresh database with the nurse study, two sites and a nurse at each.
type clinic struct {
	store       *registry.Store
	study       *registry.Study
	lund, malmo *registry.User // nurses
	admin       *registry.User
}

func newClinic(t *testing.T) *clinic {
	t.Helper()
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	c := &clinic{store: store}
	for _, site := range []string{"lund", "malmo"} {
		if err := store.UpsertSite(ctx, registry.CLI, site, "Hospital "+site); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.ApplyStudy(ctx, registry.CLI, parse(t, nurseStudyYAML+"sites: [lund, malmo]\n")); err != nil {
		t.Fatal(err)
	}
	user := func(email, role string, sites ...string) *registry.User {
		id, err := store.CreateUser(ctx, registry.CLI, registry.NewUser{Email: email, Role: role, Password: "long enough secret", Sites: sites})
		if err != nil {
			t.Fatal(err)
		}
		return &registry.User{ID: id, Email: email, Role: role, Sites: sites}
	}
	c.lund = user("nurse@lund.example", registry.RoleNurse, "lund")
	c.malmo = user("nurse@malmo.example", registry.RoleNurse, "malmo")
	c.admin = user("admin@example.org", registry.RoleAdmin)
	st, err := store.Study(ctx, "nurse-demo")
	if err != nil {
		t.Fatal(err)
	}
	c.study = st
	return c
}

func actor(u *registry.User) registry.Actor { return registry.Actor{UserID: u.ID, Name: u.Email} }

// enrol adds a patient at Lund treated on the given day, arm entered from an external list.
func (c *clinic) enrol(t *testing.T, number, treated string) *registry.Patient {
	t.Helper()
	p, err := c.store.Enrol(context.Background(), actor(c.lund), c.lund, "nurse-demo", registry.NewPatient{
		Site: "lund", Number: number, Sex: "F", BirthYear: "1960", EnrolledOn: treated, TreatedOn: treated,
		Allocation: "external", Arm: "active"}, date(treated).AddDate(2, 0, 0))
	if err != nil {
		t.Fatalf("enrol %s: %v", number, err)
	}
	return p
}

func (c *clinic) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := c.store.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestEnrolValidatesAndKeepsStudyNumbersUnique(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-01-10")
	today := date("2026-11-23")
	tests := []struct {
		name  string
		np    registry.NewPatient
		field string
	}{
		{"number used", registry.NewPatient{Site: "lund", Number: "ND-001", Sex: "F", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, "number"},
		{"other site", registry.NewPatient{Site: "malmo", Number: "ND-002", Sex: "F", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, "site"},
		{"bad number", registry.NewPatient{Site: "lund", Number: "ND 2", Sex: "F", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, "number"},
		{"treated before enrolled", registry.NewPatient{Site: "lund", Number: "ND-003", Sex: "M", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-09", Allocation: "registry"}, "treated_on"},
		{"enrolled in future", registry.NewPatient{Site: "lund", Number: "ND-004", Sex: "M", BirthYear: "1960", EnrolledOn: "2026-11-24", TreatedOn: "2026-11-24", Allocation: "registry"}, "enrolled_on"},
		{"unknown arm", registry.NewPatient{Site: "lund", Number: "ND-005", Sex: "M", BirthYear: "1960", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "external", Arm: "nope"}, "arm"},
		{"birth year", registry.NewPatient{Site: "lund", Number: "ND-006", Sex: "M", BirthYear: "19x", EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, "birth_year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.store.Enrol(ctx, actor(c.lund), c.lund, "nurse-demo", tt.np, today)
			e, ok := err.(*registry.Error)
			if !ok || e.Code != registry.EINVALID || e.Fields[tt.field] == "" {
				t.Fatalf("got %v, want a message at %s", err, tt.field)
			}
		})
	}
	if n := c.count(t, `SELECT count(*) FROM patients`); n != 1 {
		t.Fatalf("%d patients, want only the first", n)
	}
}

func TestAllocationUsesBalancedPermutedBlocks(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	for i := range 30 {
		_, err := c.store.Enrol(ctx, actor(c.lund), c.lund, "nurse-demo", registry.NewPatient{
			Site: "lund", Number: "AL-" + string(rune('A'+i%26)) + string(rune('0'+i/26)), Sex: "M", BirthYear: "1970",
			EnrolledOn: "2026-01-10", TreatedOn: "2026-01-10", Allocation: "registry"}, date("2026-11-23"))
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every full block holds each arm equally often, and patients follow their blocks.
	rows, err := c.store.DB.Query(ctx, `SELECT block_no, arm_ids, used FROM allocation_blocks ORDER BY block_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	total, sizes := 0, map[int]bool{}
	for rows.Next() {
		var no, used int
		var arms []int64
		if err := rows.Scan(&no, &arms, &used); err != nil {
			t.Fatal(err)
		}
		per := map[int64]int{}
		for _, a := range arms {
			per[a]++
		}
		if len(per) != 2 || per[c.study.Arms[0].ID] != per[c.study.Arms[1].ID] {
			t.Errorf("block %d is not balanced: %v", no, arms)
		}
		sizes[len(arms)] = true
		total += used
	}
	if total != 30 {
		t.Fatalf("blocks used %d times, want 30", total)
	}
	if len(sizes) < 2 {
		t.Errorf("block sizes %v: want random sizes", sizes)
	}
	if n := c.count(t, `SELECT count(*) FROM audit_log WHERE action = 'allocate'`); n != 30 {
		t.Fatalf("%d allocation audit rows, want 30", n)
	}
	if n := c.count(t, `SELECT count(*) FROM patients WHERE allocated_by = 'registry'`); n != 30 {
		t.Fatalf("%d patients allocated by the registry, want 30", n)
	}
}

func TestNurseOfAnotherSiteCannotSeeThePatient(t *testing.T) {
	c := newClinic(t)
	ctx := context.Background()
	c.enrol(t, "ND-001", "2026-01-10")
	if _, err := c.store.Patient(ctx, c.malmo, "nurse-demo", "ND-001"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("nurse of another site: %v, want not found", err)
	}
	_, err := c.store.SaveVisit(ctx, actor(c.malmo), c.malmo, "nurse-demo", "ND-001", "d60",
		registry.VisitInput{State: "missed", MissedReason: "ill"}, date("2026-11-23"))
	if registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("save by nurse of another site: %v, want not found", err)
	}
	if _, err := c.store.Patient(ctx, c.admin, "nurse-demo", "ND-001"); err != nil {
		t.Fatalf("admin: %v", err)
	}
	researcher := &registry.User{Role: registry.RoleResearcher}
	if _, err := c.store.Patient(ctx, researcher, "nurse-demo", "ND-001"); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Fatalf("researcher: %v, want forbidden", err)
	}
}
