package views

import (
	"context"
	"strings"

	"outcomereg/registry"
)

// Pages write numbers with the language's decimal mark: a point in English, a comma in
// Swedish, Danish and Spanish (the patients' pages). CSV files keep their own rule (the export's --decimal option); HTML
// attributes and chart data, which browsers and ECharts read, keep the point.

// decimalComma reports whether the page's language writes a decimal comma.
func decimalComma(ctx context.Context) bool {
	switch Lang(ctx) {
	case "sv", "da", "es":
		return true
	}
	return false
}

// localNumber rewrites a number written with a decimal point (as strconv writes it) with
// the language's decimal mark.
func localNumber(ctx context.Context, s string) string {
	if !decimalComma(ctx) {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// FormNumber is a recorded number as a form shows it again to be corrected: with the
// language's decimal mark, except a number with exactly three decimals, which the form
// would refuse as a possible thousands separator ("1,500"): that one keeps its point,
// which the form reads in every language.
func FormNumber(ctx context.Context, s string) string {
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 == 3 {
		return s
	}
	return localNumber(ctx, s)
}

// localArgs writes the figures among a rule's message arguments (registry.Figure: a step, an
// allowed range) with the language's decimal mark; what was typed stays as typed.
func localArgs(ctx context.Context, args []any) []any {
	if !decimalComma(ctx) {
		return args
	}
	out := make([]any, len(args))
	for i, a := range args {
		if f, ok := a.(registry.Figure); ok {
			a = strings.ReplaceAll(string(f), ".", ",")
		}
		out[i] = a
	}
	return out
}
