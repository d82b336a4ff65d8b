package registry

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
