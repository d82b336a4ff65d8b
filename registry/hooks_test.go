package registry

import "context"

// SetPasswordChecks lets a test change how many passwords a store checks at once.
func SetPasswordChecks(s *Store, n int) { s.passwordChecks = make(chan struct{}, n) }

// HoldPasswordChecks takes every slot, as if that many sign-ins were being checked, until
// the returned function is called.
func HoldPasswordChecks(s *Store) (release func()) {
	n := cap(s.passwordChecks)
	for range n {
		s.passwordChecks <- struct{}{}
	}
	return func() {
		for range n {
			<-s.passwordChecks
		}
	}
}

// ExportSQL returns the COPY statement an export runs, for the benchmark that compares the
// export with PostgreSQL's own COPY of the same rows (test builds only). The codebook has none.
func ExportSQL(ctx context.Context, s *Store, o ExportOptions) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	st, err := s.Study(ctx, o.Study)
	if err != nil {
		return "", err
	}
	e := &exporter{st: st, delim: Delimiters[o.Delimiter], comma: o.Decimal == "comma"}
	query, err := e.query(o.Table)
	if err != nil {
		return "", err
	}
	return e.copySQL(query), nil
}
