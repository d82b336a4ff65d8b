package registry_test

import (
	"strings"
	"testing"

	"outcomereg/registry"
)

// Each number a form, an import or a command takes, and each it refuses, with the message
// repeating what was typed.
func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		raw   string
		style registry.NumberStyle
		want  float64
		err   string // part of the message; "" when accepted
	}{
		{"12", registry.Typed, 12, ""},
		{"-3.5", registry.Typed, -3.5, ""},
		{" 3,5 ", registry.Typed, 3.5, ""},
		{"0,25", registry.Typed, 0.25, ""},
		{"1.000", registry.Typed, 1, ""},
		{"-0", registry.Typed, 0, ""},
		{"1,000", registry.Typed, 0, `"1,000" could be a thousand or a decimal`},
		{"1,000", registry.DecimalComma, 1, ""},
		{"45,5", registry.DecimalComma, 45.5, ""},
		{"45,5", registry.PointDecimal, 0, `"45,5" is not a number: use '.'`},
		{"1_0", registry.Typed, 0, `"1_0" is not a number`},
		{"0x1p2", registry.Typed, 0, `"0x1p2" is not a number`},
		{"1e-400", registry.Typed, 0, `"1e-400" is not a number`},
		{"1e3", registry.Typed, 0, `"1e3" is not a number`},
		{"Inf", registry.Typed, 0, `"Inf" is not a number`},
		{"NaN", registry.Typed, 0, `"NaN" is not a number`},
		{"+5", registry.Typed, 0, `"+5" is not a number`},
		{"1.2.3", registry.Typed, 0, `"1.2.3" is not a number`},
		{"1,5.2", registry.Typed, 0, `"1,5.2" is not a number`},
		{".5", registry.Typed, 0, `".5" is not a number`},
		{"5.", registry.Typed, 0, `"5." is not a number`},
		{"1 000", registry.Typed, 0, `"1 000" is not a number`},
		{"", registry.Typed, 0, `"" is not a number`},
		{"0." + strings.Repeat("0", 400) + "1", registry.Typed, 0, "too large or too small"},
		{"1" + strings.Repeat("0", 400), registry.Typed, 0, "too large or too small"},
	} {
		got, p := registry.ParseNumber(c.raw, c.style)
		switch {
		case c.err == "" && p != nil:
			t.Errorf("%q: refused: %s", c.raw, p)
		case c.err == "" && got != c.want:
			t.Errorf("%q = %v, want %v", c.raw, got, c.want)
		case c.err != "" && (p == nil || !strings.Contains(p.String(), c.err)):
			t.Errorf("%q: %v %v, want refused with %q", c.raw, got, p, c.err)
		}
	}
}

func TestCheckValueSteps(t *testing.T) {
	zero, ten, half := 0.0, 10.0, 0.5
	edss := registry.Measure{Code: "edss", Kind: registry.KindNumber, Min: &zero, Max: &ten, Step: &half}
	for raw, want := range map[string]string{
		"3.5": "", "3,5": "", "10": "", "0": "",
		"3.3": "3.3 does not fit the steps of 0.5 (from 0).", "10.5": "10.5 is outside the allowed range (0-10).",
		"-0.5": "-0.5 is outside the allowed range (0-10).",
	} {
		_, p := registry.CheckValue(edss, raw, "", registry.Typed)
		got := ""
		if p != nil {
			got = p.String()
		}
		if got != want {
			t.Errorf("EDSS %q: %q, want %q", raw, got, want)
		}
	}
}
