package registry_test

import (
	"context"
	"sync"
	"testing"

	"outcomereg/registry"
	"outcomereg/registry/testdb"
)

// TestLinkThrottleConcurrentFreeRequests: requests from one address at the same moment (two
// tabs, a household behind one address) are all let through while under the free
// allowance. A transaction that waited for another's row lock saw that one's later
// last_at ahead of its own now() and was refused for the difference.
func TestLinkThrottleConcurrentFreeRequests(t *testing.T) {
	ctx := context.Background()
	store := registry.NewStore(testdb.New(t))
	for round := range 5 {
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = store.ClaimLinkRequest(ctx, "198.51.100.7")
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, request %d of %d at once (50 in all, under the 60 free): %v", round, i+1, n, err)
			}
		}
	}
}
