package dashboard

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// agrees is the agreement asked of every figure: 6 significant digits, or an
// absolute 1e-9 for values at or near zero.
func agrees(got, want float64) bool {
	diff := math.Abs(got - want)
	return diff <= 1e-9 || diff <= 1e-6*math.Abs(want)
}

// readCSV reads a testdata file with a header line.
func readCSV(t *testing.T, name string) (header []string, records [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(all) < 2 {
		t.Fatalf("%s: no data rows", name)
	}
	return all[0], all[1:]
}

// expected is one of R's expected_*.csv files. It records which columns a
// test read and fails the test if any column was never checked, so a new
// column in the reference cannot go silently untested.
type expected struct {
	t      *testing.T
	name   string
	header []string
	rows   [][]string
	used   map[string]bool
}

func readExpected(t *testing.T, name string) *expected {
	t.Helper()
	header, rows := readCSV(t, name)
	e := &expected{t: t, name: name, header: header, rows: rows, used: map[string]bool{}}
	t.Cleanup(func() {
		for _, col := range header {
			if !e.used[col] {
				t.Errorf("%s: column %q was never checked", name, col)
			}
		}
	})
	return e
}

// row is one line of an expected file; label names it in failure messages.
type row struct {
	e     *expected
	cells []string
	label string
}

func (e *expected) row(i int, label string) row {
	return row{e: e, cells: e.rows[i], label: label}
}

// text returns a cell and marks its column as checked.
func (r row) text(col string) string {
	r.e.t.Helper()
	i := slices.Index(r.e.header, col)
	if i < 0 {
		r.e.t.Fatalf("%s: no column %q", r.e.name, col)
	}
	r.e.used[col] = true
	return r.cells[i]
}

func (r row) number(col string) float64 {
	r.e.t.Helper()
	v, err := strconv.ParseFloat(r.text(col), 64)
	if err != nil {
		r.e.t.Fatalf("%s %s %s: %v", r.e.name, r.label, col, err)
	}
	return v
}

// want checks a figure R reported as a number.
func (r row) want(col string, got float64) {
	r.e.t.Helper()
	if w := r.number(col); !agrees(got, w) {
		r.e.t.Errorf("%s %s %s = %.15g, R says %.15g", r.e.name, r.label, col, got, w)
	}
}

func (r row) wantInt(col string, got int) {
	r.e.t.Helper()
	if w := r.number(col); float64(got) != w {
		r.e.t.Errorf("%s %s %s = %d, R says %g", r.e.name, r.label, col, got, w)
	}
}

// wantMaybe checks a figure R may report as NA or Inf, which this package
// must flag as not estimable instead.
func (r row) wantMaybe(col string, got float64, estimable bool) {
	r.e.t.Helper()
	switch cell := r.text(col); cell {
	case "NA", "Inf", "-Inf", "NaN":
		if estimable {
			r.e.t.Errorf("%s %s %s: R says %s, got estimable %.15g", r.e.name, r.label, col, cell, got)
		}
	default:
		if !estimable {
			r.e.t.Errorf("%s %s %s: R says %s, got not estimable", r.e.name, r.label, col, cell)
			return
		}
		r.want(col, got)
	}
}

// want checks a label column (arm, visit) against the value the test used.
func (r row) wantText(col, got string) {
	r.e.t.Helper()
	if w := r.text(col); w != got {
		r.e.t.Errorf("%s %s %s = %q, R says %q", r.e.name, r.label, col, got, w)
	}
}

// followups holds followups.csv as a dashboard would query it:
// pain[arm][visit][patient].
type followups map[string]map[string]map[string]float64

func readFollowups(t *testing.T) followups {
	t.Helper()
	header, records := readCSV(t, "followups.csv")
	if !slices.Equal(header, []string{"patient", "arm", "visit", "day", "pain_nrs"}) {
		t.Fatalf("followups.csv: unexpected header %q", header)
	}
	fu := followups{}
	for _, r := range records {
		patient, arm, visit := r[0], r[1], r[2]
		v, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatalf("followups.csv %s %s: %v", patient, visit, err)
		}
		if fu[arm] == nil {
			fu[arm] = map[string]map[string]float64{}
		}
		if fu[arm][visit] == nil {
			fu[arm][visit] = map[string]float64{}
		}
		fu[arm][visit][patient] = v
	}
	return fu
}

// values returns the outcome values of one arm at one visit.
func (fu followups) values(arm, visit string) []float64 {
	var out []float64
	for _, v := range fu[arm][visit] {
		out = append(out, v)
	}
	return out
}

// changes returns one arm's changes from baseline at a visit.
func (fu followups) changes(arm, visit string) []float64 {
	return ChangeFromBaseline(fu[arm]["baseline"], fu[arm][visit])
}

// readRelapse returns relapse.csv grouped by arm.
func readRelapse(t *testing.T) map[string][]SurvivalTime {
	t.Helper()
	header, records := readCSV(t, "relapse.csv")
	if !slices.Equal(header, []string{"patient", "arm", "days", "relapsed"}) {
		t.Fatalf("relapse.csv: unexpected header %q", header)
	}
	byArm := map[string][]SurvivalTime{}
	for _, r := range records {
		days, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			t.Fatalf("relapse.csv %s: %v", r[0], err)
		}
		byArm[r[1]] = append(byArm[r[1]], SurvivalTime{Time: days, Event: r[3] == "1"})
	}
	return byArm
}
