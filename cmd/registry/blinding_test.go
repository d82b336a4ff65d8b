package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

func init() {
	decide("GET /studies/{code}/patients/{number}/code-break", "admin", "nurse")
	decide("POST /studies/{code}/patients/{number}/code-break", "admin", "nurse")
	decide("GET /studies/{code}/blinding", "admin")
	decide("POST /studies/{code}/unblind", "admin")
}

// kneeArms are the labels and codes of the knee-oa arms: none may reach a nurse's page while
// the study is blinded.
var kneeArms = []string{"Adipose-derived stem cells", "Placebo (saline)", "stem-cells", `"placebo"`, "&#34;placebo&#34;", ">placebo<"}

func leaksArm(body string) string {
	for _, s := range kneeArms {
		if strings.Contains(body, s) {
			return s
		}
	}
	return ""
}

// nurseEnrolsBlinded enrols a knee-oa patient at Copenhagen over HTTP with the registry's
// allocation and returns its page's path.
func nurseEnrolsBlinded(t *testing.T, tr *testRegistry, nurse *http.Client, number string) string {
	t.Helper()
	status, body, loc := post(t, nurse, tr.URL+"/studies/knee-oa/patients", url.Values{"site": {"copenhagen"}, "number": {number},
		"sex": {"F"}, "birth_year": {"1961"}, "enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-20"}, "allocation": {"registry"}})
	if status != http.StatusSeeOther {
		t.Fatalf("enrol %s: %d %s", number, status, body)
	}
	loc, _, _ = strings.Cut(loc, "?") // the patient's page, without its "saved" confirmation
	return loc
}

// In the blinded knee-oa study a nurse reaches no page that names a patient's arm: not the
// patient page, the audit trail (no arm, no allocation block), the forms, the worklist or the
// study list; she cannot take the arm from the external list either.
func TestBlindedNursePagesShowNoArm(t *testing.T) {
	tr := newTestRegistry(t)
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := nurseEnrolsBlinded(t, tr, nurse, "KOA-BLIND-1")
	pages := []string{patient, patient + "/audit", patient + "/status", patient + "/events/new", patient + "/adverse-events/new",
		patient + "/visits/baseline", patient + "/code-break", "/worklist", "/worklist?q=KOA-BLIND-1", "/studies",
		"/studies/knee-oa/enrol", "/studies/knee-oa/patients/" + nursePatient, "/studies/knee-oa/patients/" + nursePatient + "/audit"}
	for _, p := range pages {
		status, body := get(t, nurse, tr.URL+p)
		if status != http.StatusOK {
			t.Errorf("%s: %d", p, status)
		}
		if s := leaksArm(body); s != "" {
			t.Errorf("%s shows %q to a nurse of a blinded study", p, s)
		}
		for _, k := range []string{"block_size", "&#34;block&#34;", "&#34;position&#34;", "&#34;arm&#34;"} {
			if strings.Contains(body, k) {
				t.Errorf("%s shows %s to a nurse", p, k)
			}
		}
	}
	if _, body := get(t, nurse, tr.URL+patient+"/audit"); !strings.Contains(body, "allocate") || !strings.Contains(body, "(arm or allocation hidden)") {
		t.Error("the audit trail does not show the allocation row with its details hidden")
	}
	if _, body := get(t, nurse, tr.URL+patient); !strings.Contains(body, `id="code-break"`) {
		t.Error("the patient page offers no code break")
	}
	// An administrator sees the arm and the block.
	admin := tr.client(t, "admin@demo.registry")
	if _, body := get(t, admin, tr.URL+patient+"/audit"); leaksArm(body) == "" || !strings.Contains(body, "block_size") {
		t.Error("the administrator does not see the arm and block in the audit trail")
	}
	// Bad input: the arm from the external list is refused, nothing is enrolled.
	before := auditCount(t, tr)
	status, body, _ := post(t, nurse, tr.URL+"/studies/knee-oa/patients", url.Values{"site": {"copenhagen"}, "number": {"KOA-BLIND-2"},
		"sex": {"F"}, "birth_year": {"1961"}, "enrolled_on": {"2026-11-20"}, "treated_on": {"2026-11-20"}, "allocation": {"external"}, "arm": {"placebo"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "This study is blinded: the registry allocates the arm.") || auditCount(t, tr) != before {
		t.Errorf("external arm in a blinded study: %d, changed %v", status, auditCount(t, tr) != before)
	}
}

// A code break: refused without a reason (nothing changes), then with one it shows that
// patient's arm to that nurse, is audited, and is listed on the study's blinding page.
func TestCodeBreakOverHTTP(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	patient := nurseEnrolsBlinded(t, tr, nurse, "KOA-BLIND-3")
	before := auditCount(t, tr)
	for _, reason := range []string{"", "  "} {
		status, body, _ := post(t, nurse, tr.URL+patient+"/code-break", url.Values{"reason": {reason}})
		if status != http.StatusBadRequest || !strings.Contains(body, "Give the reason for breaking the code.") || leaksArm(body) != "" {
			t.Errorf("code break with reason %q: %d", reason, status)
		}
	}
	var breaks int
	tr.store.DB.QueryRow(ctx, `SELECT count(*) FROM code_breaks`).Scan(&breaks)
	if breaks != 0 || auditCount(t, tr) != before {
		t.Fatalf("a refused code break changed something: %d code breaks", breaks)
	}
	// In Swedish the message is Swedish.
	sv := tr.client(t, "nurse.copenhagen@demo.registry")
	post(t, sv, tr.URL+"/language", url.Values{"lang": {"sv"}})
	if _, body, _ := post(t, sv, tr.URL+patient+"/code-break", url.Values{"reason": {""}}); !strings.Contains(body, "Ange skälet att bryta koden.") {
		t.Error("the message is not in Swedish")
	}

	status, _, loc := post(t, nurse, tr.URL+patient+"/code-break", url.Values{"reason": {"Anaphylaxis; emergency physician asks"}})
	if status != http.StatusSeeOther || loc != patient {
		t.Fatalf("code break: %d to %q", status, loc)
	}
	var en string
	var labels registry.Labels
	if err := tr.store.DB.QueryRow(ctx, `SELECT a.label, a.labels FROM patients p JOIN arms a ON a.id = p.arm_id WHERE p.study_number = 'KOA-BLIND-3'`).Scan(&en, &labels); err != nil {
		t.Fatal(err)
	}
	_, page := get(t, nurse, tr.URL+patient)
	lang := regexp.MustCompile(`<html lang="([a-z]+)">`).FindStringSubmatch(page)
	if lang == nil {
		t.Fatal("the patient page names no language")
	}
	if label := labels.Or(en).In(lang[1]); !strings.Contains(page, label) {
		t.Errorf("after the code break the nurse does not see the arm %q", label)
	}
	// Other patients stay blinded.
	if _, body := get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+nursePatient); leaksArm(body) != "" {
		t.Error("the code break of one patient shows another's arm")
	}
	admin := tr.client(t, "admin@demo.registry")
	status, body := get(t, admin, tr.URL+"/studies/knee-oa/blinding")
	if status != http.StatusOK || !strings.Contains(body, "KOA-BLIND-3") || !strings.Contains(body, "Anaphylaxis; emergency physician asks") ||
		!strings.Contains(body, "nurse.copenhagen@demo.registry") {
		t.Errorf("the blinding page does not list the code break: %d", status)
	}
	if _, body := get(t, admin, tr.URL+"/studies/knee-oa/audit"); !strings.Contains(body, "code_break") {
		t.Error("the code break is not in the study's audit trail")
	}
}

// dashboardArms returns the arm codes of a study dashboard's JSON, as user.
func dashboardArms(t *testing.T, c *http.Client, u string) []string {
	t.Helper()
	status, body := get(t, c, u)
	if status != http.StatusOK {
		t.Fatalf("%s: %d", u, status)
	}
	var d struct {
		Arms []struct {
			Code string `json:"code"`
		} `json:"arms"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, a := range d.Arms {
		codes = append(codes, a.Code)
	}
	return codes
}

// Researchers see a blinded study pooled (one group, no comparison, nothing by arm in the
// cross-study answer); statisticians and administrators see the arms; after the admin's
// unblinding (refused without a reason) researchers see the arms too.
func TestResearchersSeeBlindedStudyPooledUntilUnblinded(t *testing.T) {
	tr := newTestRegistry(t)
	researcher := tr.client(t, "researcher@demo.registry")
	statistician := tr.client(t, "statistician@demo.registry")
	admin := tr.client(t, "admin@demo.registry")
	study := tr.URL + "/studies/knee-oa/dashboard.json"
	if got := dashboardArms(t, researcher, study); len(got) != 1 || got[0] != "all" {
		t.Errorf("researcher's arms: %v, want the pooled group only", got)
	}
	for _, p := range []string{"/studies/knee-oa/dashboard.json", "/studies/knee-oa/dashboard", "/dashboard.json", "/dashboard"} {
		_, body := get(t, researcher, tr.URL+p)
		if s := leaksArm(body); s != "" {
			t.Errorf("%s shows %q to a researcher while blinded", p, s)
		}
	}
	for name, c := range map[string]*http.Client{"statistician": statistician, "admin": admin} {
		if got := dashboardArms(t, c, study); len(got) != 2 {
			t.Errorf("%s's arms: %v, want both", name, got)
		}
	}
	// An open study is not pooled.
	if got := dashboardArms(t, researcher, tr.URL+"/studies/liver-msc/dashboard.json"); len(got) != 2 {
		t.Errorf("open study, researcher's arms: %v", got)
	}

	if status, body, _ := post(t, admin, tr.URL+"/studies/knee-oa/unblind", url.Values{"reason": {""}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "Give the reason for ending the blinding.") {
		t.Errorf("unblinding without a reason: %d", status)
	}
	if got := dashboardArms(t, researcher, study); len(got) != 1 {
		t.Fatal("a refused unblinding unblinded")
	}
	if status, _, _ := post(t, admin, tr.URL+"/studies/knee-oa/unblind", url.Values{"reason": {"Trial over, database locked"}}); status != http.StatusSeeOther {
		t.Fatalf("unblind: %d", status)
	}
	if got := dashboardArms(t, researcher, study); len(got) != 2 {
		t.Errorf("after unblinding the researcher's arms: %v", got)
	}
	if _, body := get(t, admin, tr.URL+"/studies/knee-oa/blinding"); !strings.Contains(body, "unblinded") || strings.Contains(body, `id="unblind"`) {
		t.Error("the blinding page does not say the study is unblinded")
	}
	nurse := tr.client(t, "nurse.copenhagen@demo.registry")
	if _, body := get(t, nurse, tr.URL+"/studies/knee-oa/patients/"+nursePatient); leaksArm(body) == "" {
		t.Error("after unblinding the nurse does not see the arm")
	}
	if status, _, _ := post(t, admin, tr.URL+"/studies/knee-oa/unblind", url.Values{"reason": {"again"}}); status != http.StatusConflict {
		t.Errorf("unblinding twice: %d, want 409", status)
	}
}

// `registry study unblind CODE` ends the blinding, audited; an open or unknown study is a
// message, not a change.
func TestStudyUnblindCommand(t *testing.T) {
	env := map[string]string{"REGISTRY_DATABASE_URL": testdb.URL(t)}
	file := filepath.Join(t.TempDir(), "blind.yaml")
	os.WriteFile(file, []byte("code: blind\ntitle: Blind\nindication: x\ndesign: randomised-double-blind\nblinded: true\n"+
		"arms: [{code: a, label: A}, {code: b, label: B, control: true}]\n"+
		"visits: [{code: baseline, label: B, day: 0, window_before: 0, window_after: 0, baseline: true}]\n"+
		"measures:\n  - {code: x, labels: {en: X}, type: number, direction: higher}\n"), 0o644)
	if _, _, err := runCmd(t, env, "", "study", "apply", file); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, env, "", "study", "unblind"); err == nil {
		t.Error("unblind without a study code succeeded")
	}
	if _, _, err := runCmd(t, env, "", "study", "unblind", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown study: %v", err)
	}
	// The same bad input as the button's: an empty reason is refused and changes nothing.
	if _, _, err := runCmd(t, env, "", "study", "unblind", "blind", "--reason", " "); err == nil || !strings.Contains(err.Error(), "give the reason") {
		t.Errorf("empty reason: %v", err)
	}
	out, _, err := runCmd(t, env, "", "study", "unblind", "blind", "--reason", "Trial over")
	if err != nil || !strings.Contains(out, "unblinded") {
		t.Fatalf("unblind: %q %v", out, err)
	}
	if _, _, err := runCmd(t, env, "", "study", "unblind", "blind"); err == nil || !strings.Contains(err.Error(), "already unblinded") {
		t.Errorf("unblinding twice: %v", err)
	}
	pool, err := pgxpool.New(context.Background(), env["REGISTRY_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var actor, reason string
	if err := pool.QueryRow(context.Background(), `SELECT actor, reason FROM audit_log WHERE action = 'unblind' AND entity_id = 'blind'`).
		Scan(&actor, &reason); err != nil || actor != "cli" || reason != "Trial over" {
		t.Errorf("audit row: %q %q %v", actor, reason, err)
	}
}
