package registry_test

import (
	"context"
	"testing"

	"outcomereg/registry/testdb"
)

// BenchmarkAuditInsert is the cost of one audit row as a read's access log writes it (one
// INSERT in its own transaction, hash chain included), from one connection and from many
// at once, which take turns on the chain's head.
func BenchmarkAuditInsert(b *testing.B) {
	ctx := context.Background()
	_, server := testdb.Pools(b)
	insert := `INSERT INTO audit_log (actor, action, entity, entity_id) VALUES ('nurse@x.se', 'view', 'patient_page', '')`
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := server.Exec(ctx, insert); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := server.Exec(ctx, insert); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
