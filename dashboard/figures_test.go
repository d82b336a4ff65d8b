package dashboard

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestSeriousAdverseEventsPerArm: patients with a serious adverse event, per arm, equal a
// count over the adverse-event rows, in every demo study and with a filter. (A group of
// cells without serious AEs once kept the previous group's count.)
func TestSeriousAdverseEventsPerArm(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	for _, code := range []string{"knee-oa", "ssc-ahsct", "ms-ahsct", "liver-msc"} {
		st, err := store.Study(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []Filter{{}, {Sex: "F"}} {
			d, err := LoadStudy(ctx, store.DB, st, f, Options{Today: demoToday, Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			for ai, a := range st.Arms {
				var serious, any, patients int
				if err := store.DB.QueryRow(ctx, `SELECT
						count(DISTINCT p.id) FILTER (WHERE ae.serious),
						count(DISTINCT p.id) FILTER (WHERE ae.id IS NOT NULL),
						count(DISTINCT p.id)
					FROM patients p LEFT JOIN adverse_events ae ON ae.patient_id = p.id
					WHERE p.arm_id = $1 AND ($2 = '' OR p.sex = $2)`, a.ID, f.Sex).Scan(&serious, &any, &patients); err != nil {
					t.Fatal(err)
				}
				got := d.Adverse.Arms[ai]
				if got.Serious.N != serious || got.AnyAE.N != any || got.Patients.N != patients {
					t.Errorf("%s %+v %s: serious %d, any %d of %d; the rows say %d, %d of %d",
						code, f, a.Code, got.Serious.N, got.AnyAE.N, got.Patients.N, serious, any, patients)
				}
				if got.Serious.N > got.Patients.N {
					t.Errorf("%s %s: %d patients with a serious AE of %d", code, a.Code, got.Serious.N, got.Patients.N)
				}
			}
		}
	}
}

// TestChoiceMeasuresCounted: a choice measure (liver ascites) is not averaged: per arm
// and visit it has the number of patients in each category, counted here from the rows,
// and treatment is compared with control by the Wilcoxon rank-sum test on the patients'
// values and the difference in the share with no ascites.
func TestChoiceMeasuresCounted(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	st, err := store.Study(ctx, "liver-msc")
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadStudy(ctx, store.DB, st, Filter{}, Options{Today: demoToday, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var m *MeasureOutcome
	for i := range d.Measures {
		if d.Measures[i].Code == "ascites" {
			m = &d.Measures[i]
		}
	}
	if m == nil || m.Type != "choice" || len(m.Choices) != 3 || m.Choices[0].Label != "None" {
		t.Fatalf("ascites: %+v", m)
	}
	tested := 0
	for _, v := range m.Visits {
		if v.VsControl != nil || v.RespondersVs != nil {
			t.Errorf("%s: a choice measure compared by its mean: %+v", v.Visit, v.VsControl)
		}
		values := map[string][]float64{}
		for ai, a := range v.Arms {
			if a.Value.Estimable || a.Value.Mean != 0 {
				t.Errorf("%s %s: a choice averaged: %+v", v.Visit, a.Arm, a.Value)
			}
			rows, err := store.DB.Query(ctx, `SELECT vv.value FROM visit_values vv
				JOIN visits x ON x.id = vv.visit_id AND x.state = 'done'
				JOIN scheduled_visits sv ON sv.id = x.scheduled_visit_id AND sv.code = $1
				JOIN measures me ON me.id = vv.measure_id AND me.code = 'ascites'
				JOIN patients p ON p.id = x.patient_id JOIN arms ar ON ar.id = p.arm_id AND ar.code = $2
				WHERE vv.study_id = $3 AND vv.value IS NOT NULL`, v.Visit, a.Arm, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var x float64
				rows.Scan(&x)
				values[a.Arm] = append(values[a.Arm], x)
			}
			want := make([]int, 3)
			for _, x := range values[a.Arm] {
				want[int(x)]++
			}
			cats := v.Categories[ai]
			if cats.N.N != len(values[a.Arm]) {
				t.Errorf("%s %s: n %d, the rows have %d", v.Visit, a.Arm, cats.N.N, len(values[a.Arm]))
			}
			for ci := range want {
				if cats.Counts[ci].N != want[ci] {
					t.Errorf("%s %s %s: %d patients, the rows have %d", v.Visit, a.Arm, m.Choices[ci].Label, cats.Counts[ci].N, want[ci])
				}
				if n := len(values[a.Arm]); n > 0 && (!cats.Shares[ci].Known || math.Abs(cats.Shares[ci].Proportion-float64(want[ci])/float64(n)) > 1e-12) {
					t.Errorf("%s %s: share %+v", v.Visit, a.Arm, cats.Shares[ci])
				}
			}
		}
		if v.OrdinalVs == nil {
			t.Fatalf("%s: no comparison with control", v.Visit)
		}
		want := WilcoxonRankSum(values["msc"], values["standard-care"])
		got := v.OrdinalVs.RankSum
		if got.Estimable != want.Estimable || got.W != want.W || math.Abs(got.P-want.P) > 1e-12 {
			t.Errorf("%s: Wilcoxon %+v, from the values %+v", v.Visit, got, want)
		}
		if got.Estimable {
			tested++
		}
	}
	if tested < 3 {
		t.Errorf("only %d visits compared", tested)
	}
}

// TestChoiceCategoriesSuppressedTogether: for a researcher, a suppressed category cannot
// be worked out from n less the other categories, or from a share.
func TestChoiceCategoriesSuppressedTogether(t *testing.T) {
	store := demoStore(t)
	ctx := context.Background()
	st, err := store.Study(ctx, "liver-msc")
	if err != nil {
		t.Fatal(err)
	}
	hidden := 0
	for _, f := range []Filter{{}, {Sex: "F"}, {Site: "lund"}} {
		d, err := LoadStudy(ctx, store.DB, st, f, Options{Today: demoToday, Lang: "en", SmallCell: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range d.Measures {
			for _, v := range m.Visits {
				for _, a := range v.Categories {
					for i, c := range a.Counts {
						if c.Suppressed {
							hidden++
							if !a.N.Suppressed || a.Shares[i].Known || slices.ContainsFunc(a.Shares, func(s Share) bool { return s.Known }) {
								t.Errorf("%+v %s %s %s: a category suppressed, but n %+v, shares %+v", f, m.Code, v.Visit, a.Arm, a.N, a.Shares)
							}
						}
					}
				}
			}
		}
	}
	if hidden == 0 {
		t.Error("no suppressed category was checked")
	}
}
