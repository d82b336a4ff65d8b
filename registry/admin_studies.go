package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// StudyChange is one difference between a study definition file and the study as the
// registry holds it.
type StudyChange struct {
	Kind string // added, changed, removed
	What string // study, arm, visit, measure, event, adverse event term, placebo baseline, site
	Code string
}

// StudyPreview is what applying a definition file would do: its changes, or why it would
// be refused (then nothing would change).
type StudyPreview struct {
	Study   string
	New     bool
	Changes []StudyChange
	Refused string
}

// PreviewStudy works out what applying st would change, without changing anything: the
// differences from the study as it is, and whether applying it would be refused (it is
// applied in a transaction that is rolled back, so the refusal is the real one, such as
// removing a measure that has values).
func (s *Store) PreviewStudy(ctx context.Context, st *Study) (StudyPreview, error) {
	p := StudyPreview{Study: st.Code}
	current, err := s.Study(ctx, st.Code)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		p.New = true
		current = &Study{Code: st.Code}
	case err != nil:
		return p, err
	}
	p.Changes = studyDiff(current, st)

	tx, err := s.DB.Begin(ctx)
	if err != nil {
		return p, fmt.Errorf("preview study %s: %w", st.Code, err)
	}
	defer tx.Rollback(ctx)
	trial := *st
	if _, err := applyStudy(ctx, tx, &trial); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return p, fmt.Errorf("preview study %s: %w", st.Code, err)
		}
		p.Refused = e.Message
		for f, msg := range e.Fields {
			p.Refused += "; " + f + ": " + msg
		}
	}
	return p, nil
}

// studyDiff lists what differs between two definitions, element by element.
func studyDiff(old, new *Study) []StudyChange {
	var out []StudyChange
	if !old.sameHeader(new) && old.Title != "" {
		out = append(out, StudyChange{Kind: "changed", What: "study", Code: new.Code})
	}
	out = append(out, diffByCode("arm", old.Arms, new.Arms, func(a Arm) string { return a.Code })...)
	out = append(out, diffByCode("visit", old.Visits, new.Visits, func(v ScheduledVisit) string { return v.Code })...)
	out = append(out, diffByCode("measure", old.Measures, new.Measures, func(m Measure) string { return m.Code })...)
	out = append(out, diffByCode("event", old.EventTypes, new.EventTypes, func(e EventType) string { return e.Code })...)
	out = append(out, diffByCode("adverse event term", old.AETerms, new.AETerms, func(t string) string { return t })...)
	for _, t := range new.AETerms {
		if slices.Contains(old.AETerms, t) && canonical(old.AETermLabels[t]) != canonical(new.AETermLabels[t]) {
			out = append(out, StudyChange{Kind: "changed", What: "adverse event term", Code: t})
		}
	}
	out = append(out, diffByCode("placebo baseline", old.PlaceboBaselines, new.PlaceboBaselines,
		func(b PlaceboBaseline) string { return b.Measure + " at " + b.Visit })...)
	if new.Sites != nil { // a file without a sites list leaves the sites as they are
		out = append(out, diffByCode("site", old.Sites, new.Sites, func(c string) string { return c })...)
	}
	return out
}

func (s *Study) sameHeader(o *Study) bool {
	return s.Title == o.Title && canonical(s.TitleLabels) == canonical(o.TitleLabels) && s.Indication == o.Indication && canonical(s.IndicationLabels) == canonical(o.IndicationLabels) && s.Design == o.Design && s.MainMeasure == o.MainMeasure && s.MainVisit == o.MainVisit && s.NumberPattern == o.NumberPattern
}

func diffByCode[T any](what string, old, new []T, code func(T) string) []StudyChange {
	var out []StudyChange
	oldBy := map[string]string{}
	for _, o := range old {
		oldBy[code(o)] = canonical(o)
	}
	seen := map[string]bool{}
	for _, n := range new {
		c := code(n)
		seen[c] = true
		before, ok := oldBy[c]
		switch {
		case !ok:
			out = append(out, StudyChange{Kind: "added", What: what, Code: c})
		case before != canonical(n):
			out = append(out, StudyChange{Kind: "changed", What: what, Code: c})
		}
	}
	for _, o := range old {
		if c := code(o); !seen[c] {
			out = append(out, StudyChange{Kind: "removed", What: what, Code: c})
		}
	}
	return out
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// StudyDefinition is a study as a definition file, which applied again changes nothing.
func (s *Store) StudyDefinition(ctx context.Context, code string) ([]byte, error) {
	st, err := s.Study(ctx, code)
	if err != nil {
		return nil, err
	}
	// The English indication is written once, as indication, so that an administrator who
	// edits that line changes it rather than contradicting indication_labels.en.
	if st.IndicationLabels["en"] == st.Indication && len(st.IndicationLabels) > 1 {
		l := Labels{}
		for k, v := range st.IndicationLabels {
			if k != "en" {
				l[k] = v
			}
		}
		st.IndicationLabels = l
	}
	out, err := yaml.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("write the definition of %s: %w", code, err)
	}
	return append([]byte("# Study definition of "+code+", downloaded from the registry.\n"), out...), nil
}

// StudyOverview is a study as the administrators' list shows it.
type StudyOverview struct {
	Code, Title, Design string
	Titles              Labels // Title in every language the study file gives
	Blinded             bool
	Sites               []string
	Patients            int
}

// StudyOverviews lists every study with its sites and patients.
func (s *Store) StudyOverviews(ctx context.Context) ([]StudyOverview, error) {
	rows, err := s.DB.Query(ctx, `SELECT st.code, st.title, jsonb_build_object('en', st.title) || st.title_labels, st.design, st.blinded AND st.unblinded_at IS NULL,
		coalesce((SELECT array_agg(si.code ORDER BY si.code) FROM study_sites ss JOIN sites si ON si.id = ss.site_id WHERE ss.study_id = st.id), '{}'),
		(SELECT count(*) FROM patients p WHERE p.study_id = st.id)
		FROM studies st ORDER BY st.code`)
	if err != nil {
		return nil, fmt.Errorf("list studies: %w", err)
	}
	defer rows.Close()
	var out []StudyOverview
	for rows.Next() {
		var o StudyOverview
		if err := rows.Scan(&o.Code, &o.Title, &o.Titles, &o.Design, &o.Blinded, &o.Sites, &o.Patients); err != nil {
			return nil, fmt.Errorf("list studies: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AddStudySite and RemoveStudySite change one site of a study (SetStudySites checks and
// audits).
func (s *Store) AddStudySite(ctx context.Context, who Actor, study, site string) error {
	sites, err := s.StudySites(ctx, study)
	if err != nil {
		return err
	}
	if slices.Contains(sites, site) {
		return nil
	}
	return s.SetStudySites(ctx, who, study, append(sites, site))
}

func (s *Store) RemoveStudySite(ctx context.Context, who Actor, study, site string) error {
	sites, err := s.StudySites(ctx, study)
	if err != nil {
		return err
	}
	return s.SetStudySites(ctx, who, study, slices.DeleteFunc(sites, func(c string) bool { return c == site }))
}
