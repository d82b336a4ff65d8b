package dashboard

import (
	"context"
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
