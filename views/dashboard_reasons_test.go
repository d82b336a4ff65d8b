package views

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dashboardReasons reads the dashboard package's source and returns every text it can give
// as a Reason (why a figure is not estimable): the string literals and constants assigned to
// a Reason field, the literal parts of a reason built with +, and the fallbacks given to
// reasonOr. Read from the source, so that a reason added later is checked too.
func dashboardReasons(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "dashboard", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	consts := map[string]string{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, file)
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[vs.Names[i].Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	var add func(e ast.Expr)
	add = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				s, _ := strconv.Unquote(e.Value)
				seen[s] = true
			}
		case *ast.Ident:
			if s, ok := consts[e.Name]; ok {
				seen[s] = true
			}
		case *ast.BinaryExpr:
			add(e.X)
			add(e.Y)
		case *ast.CallExpr:
			if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "reasonOr" {
				for _, a := range e.Args {
					add(a)
				}
			}
		}
	}
	isReason := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.Ident:
			return e.Name == "Reason"
		case *ast.SelectorExpr:
			return e.Sel.Name == "Reason"
		}
		return false
	}
	for _, file := range parsed {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if isReason(n.Key) {
					add(n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if isReason(l) && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// TestDashboardReasonsTranslated: every reason the dashboard can give for a figure it does
// not show has a Swedish and a Danish text, and reasonText gives it on sv and da pages.
func TestDashboardReasonsTranslated(t *testing.T) {
	reasons := dashboardReasons(t)
	if len(reasons) < 20 {
		t.Fatalf("found only %d reasons in the dashboard's source: %q", len(reasons), reasons)
	}
	for _, r := range reasons {
		key := strings.TrimSuffix(r, ": ")
		for _, arm := range []string{"treatment: ", "control: "} {
			key = strings.TrimPrefix(key, arm)
		}
		if key == "" {
			continue
		}
		if !Translated(key) {
			t.Errorf("reason %q has no sv and da text", key)
			continue
		}
		for _, lang := range []string{"sv", "da"} {
			if got := reasonText(WithLanguage(context.Background(), lang), r); got == r && !strings.HasSuffix(r, ": ") {
				t.Errorf("%s: reason %q shown in English", lang, r)
			}
		}
	}
	sv := WithLanguage(context.Background(), "sv")
	if got, want := reasonText(sv, "control: no patients"), "kontroll: inga patienter"; got != want {
		t.Errorf("a reason about an arm in Swedish: %q, want %q", got, want)
	}
	if got := reasonText(WithLanguage(context.Background(), "en"), "control: no patients"); got != "control: no patients" {
		t.Errorf("in English: %q", got)
	}
}
