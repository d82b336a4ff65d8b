package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"outcomereg/registry"
)

// Options say how a dashboard is built: the day it is computed for, the viewer's language
// for labels, and the small-cell threshold (0: nothing is suppressed).
type Options struct {
	Today     time.Time
	Lang      string
	SmallCell int
	// SurvivalTimes are the days at which survival is read off the curves; nil: 1, 2, 5
	// and 10 years.
	SurvivalTimes []float64
	// Reader is who reads the dashboard: a blinded study's arms are pooled for a reader
	// who may not see them (blinding.go). Nil for the registry's own use.
	Reader *registry.User
}

// A panel is one part of the study dashboard (panel_*.go): it queues its queries, and once
// they have run it builds its part of the model. Panels are built in the order LoadStudy
// lists them, so a panel may read what an earlier one built or kept.
type panel interface {
	queue(s *studyScope)
	build(s *studyScope, d *StudyDashboard)
}

// studyScope is what the panels of one study's dashboard share: the study as the reader sees
// it (a blinded study's arms pooled into one), where each arm, visit and measure id stands in
// the model, the SQL arguments, and the two batches the queries go on.
type studyScope struct {
	st  *registry.Study
	opt Options
	sc  smallCell
	// args are the named arguments of every query: @study, @today, @arms_pooled and the
	// filter's @site, @sex and @age_band.
	args                      pgx.NamedArgs
	arms, visits, measures    map[int64]int
	nArms, nVisits, nMeasures int
	// batch holds most queries; slow the time-to-event query, the one with the most rows
	// to add up, which runs beside the others on a second connection.
	batch, slow *pgx.Batch
	// survivalKey names the time-to-event counts of this view in a keptCache (the filter),
	// stamped with the version of the study's kept counts and the day; zero when the study
	// has no version.
	survivalKey keptKey
}

// armShown is the SQL of the arm a row of patients (or cells) aliased t is counted in: its
// own, or the one group of all arms when the reader sees them pooled (dashboard_arm_shown,
// migrations/functions.sql).
func armShown(t string) string { return `dashboard_arm_shown(` + t + `.arm_id, @arms_pooled)` }

// each runs fn for every row of a query's answer, scanned into dest.
func each(dest []any, fn func() error) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, dest, fn)
		return err
	}
}

// LoadStudy builds the dashboard of one study from its panels. All aggregation happens in
// PostgreSQL (on the summary cells, first brought up to date, where a study's rows are
// many); Go turns the sums into statistics.
func LoadStudy(ctx context.Context, db *pgxpool.Pool, st *registry.Study, f Filter, opt Options) (*StudyDashboard, error) {
	if _, err := registry.CatchUpDashboards(ctx, db); err != nil {
		return nil, err
	}
	today := registry.Day(opt.Today)
	d := &StudyDashboard{
		Study:  StudyInfo{Code: st.Code, Title: st.TitleIn(opt.Lang), Indication: st.Indication, IndicationLabel: st.IndicationIn(opt.Lang), Design: st.Design},
		Filter: f, Today: today.Format(time.DateOnly), SmallCell: opt.SmallCell, Suppressed: opt.SmallCell > 0,
	}
	st, pooledArmIDs := poolArms(st, opt)
	s := &studyScope{st: st, opt: opt, sc: smallCell{opt.SmallCell}, args: f.namedArgs(),
		arms: map[int64]int{}, visits: map[int64]int{}, measures: map[int64]int{},
		nArms: len(st.Arms), nVisits: len(st.Visits), nMeasures: len(st.Measures),
		batch: &pgx.Batch{}, slow: &pgx.Batch{}}
	s.args["study"], s.args["today"], s.args["arms_pooled"] = st.ID, today, pooledArmIDs != nil
	// The site by id: a code could be given to another site.
	var version *string
	var siteID *int64
	if err := db.QueryRow(ctx, `SELECT (`+survivalVersionSQL+`), (SELECT id FROM sites WHERE code = $2)`, st.ID, f.Site).Scan(&version, &siteID); err != nil {
		return nil, fmt.Errorf("dashboard %s: %w", st.Code, err)
	}
	if version != nil {
		site := int64(-1)
		if siteID != nil {
			site = *siteID
		}
		s.survivalKey = keptKey{fmt.Sprintf("%p|%d|%s=%d|%s|%s|%t", db, st.ID, f.Site, site, f.Sex, f.AgeBand, pooledArmIDs != nil),
			*version + "|" + today.Format(time.DateOnly)}
	}
	for i, a := range st.Arms {
		s.arms[a.ID] = i
		d.Arms = append(d.Arms, ArmInfo{Code: a.Code, Label: a.LabelIn(opt.Lang), Control: a.Control})
		if a.Control {
			d.Control = a.Code
		}
	}
	for i, v := range st.Visits {
		s.visits[v.ID] = i
	}
	for i, m := range st.Measures {
		s.measures[m.ID] = i
	}

	flow := &flowPanel{}
	outcomes := &outcomesPanel{}
	survival := &survivalPanel{}
	panels := []panel{
		flow,
		outcomes,
		&differencesPanel{outcomes: outcomes},
		&choicesPanel{},
		&mainResultPanel{outcomes: outcomes},
		survival,
		&adverseEventsPanel{flow: flow},
	}
	for _, p := range panels {
		p.queue(s)
	}
	// A researcher's suppression pattern (disclosure*.go) does not depend on the model: it
	// is read beside it, and applied to the finished model, a pass that only ever hides more.
	type loaded struct {
		dc  *disclosure
		err error
	}
	disclosed := make(chan loaded, 1)
	if opt.SmallCell > 0 {
		go func() {
			dc, err := loadDisclosure(ctx, db, st, pooledArmIDs, opt.Today, opt.SmallCell, allParts)
			disclosed <- loaded{dc, err}
		}()
	}
	errs := make(chan error, 2)
	for _, batch := range []*pgx.Batch{s.batch, s.slow} {
		if batch.Len() == 0 {
			errs <- nil
			continue
		}
		go func() { errs <- db.SendBatch(ctx, batch).Close() }()
	}
	var batchErr error
	for range 2 {
		if err := <-errs; err != nil && batchErr == nil {
			batchErr = fmt.Errorf("dashboard %s: %w", st.Code, err)
		}
	}
	var l loaded
	if opt.SmallCell > 0 {
		l = <-disclosed
	}
	if batchErr != nil {
		return nil, batchErr
	}
	for _, p := range panels {
		p.build(s, d)
	}

	if opt.SmallCell > 0 {
		if l.err != nil {
			return nil, l.err
		}
		l.dc.apply(st, d, survival.curves)
	}
	// Terms are labelled last: the disclosure pass knows them by their English text.
	for i, t := range d.Adverse.Terms {
		d.Adverse.Terms[i].Label = st.AETermIn(t.Term, opt.Lang)
	}
	return d, nil
}
