package views

import (
	"context"
	"strings"
)

// auditWhat is the "What" of an audit row on the audit pages: its action, entity and id
// ("insert visit m6"), each word in the page's language. Words the catalog does not know
// (a newer action) are shown as stored.
func auditWhat(ctx context.Context, action, entity, id string) string {
	parts := []string{T(ctx, action), T(ctx, entity)}
	if id != "" {
		parts = append(parts, id)
	}
	return strings.Join(parts, " ")
}
