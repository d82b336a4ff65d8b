package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// Stata and SPSS read the export too: a do-file and a syntax file in the ZIP beside the R
// script, each reading every CSV with its types, labels, value labels of choices and
// dates as dates. Missing values are empty cells (Stata ".", SPSS system-missing); their
// reasons stay in the companion columns, described in the labels.

// stataString quotes a text for Stata: compound quotes hold any text but a line break.
func stataString(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ", "`", "'").Replace(s)
	return "`\"" + s + "\"'"
}

// spssString quotes a text for SPSS: apostrophes doubled.
func spssString(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// choiceMeasures are the study's choice measures by column name, for value labels.
func choiceMeasures(st *Study) map[string]Measure {
	out := map[string]Measure{}
	for _, m := range st.Measures {
		if m.Kind == KindChoice && len(m.Choices) > 0 {
			out[m.Code] = m
		}
		for _, it := range itemsOf(m) {
			out[ItemColumn(m.Code, it.Code)] = Measure{Code: ItemColumn(m.Code, it.Code), Kind: KindChoice, Choices: it.Choices}
		}
	}
	return out
}

// stataScript returns a do-file that reads every CSV of a ZIP export.
func stataScript(st *Study, o ExportOptions, names []string) string {
	delim := map[string]string{"comma": `delimiter(",")`, "semicolon": `delimiter(";")`, "tab": `delimiter(tab)`}[o.Delimiter]
	if o.Decimal == "comma" {
		delim += ` decimalseparator(",")`
	}
	byTable := map[string][]Column{}
	for _, c := range Columns(st) {
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	choices := choiceMeasures(st)
	var b strings.Builder
	fmt.Fprintf(&b, "* Reads the %s export into Stata, one .dta file per table. Run it in the folder of the CSV files.\n", st.Code)
	fmt.Fprintf(&b, "* Empty cells are missing (.); the reasons for missing values are in the companion columns.\n")
	fmt.Fprintf(&b, "version 16\n\n")
	for _, n := range names {
		cols := byTable[n]
		var text, numeric []string
		for i, c := range cols {
			switch c.Type {
			case "integer", "number":
				numeric = append(numeric, strconv.Itoa(i+1))
			default:
				text = append(text, strconv.Itoa(i+1))
			}
		}
		fmt.Fprintf(&b, "* %s.csv\n", n)
		fmt.Fprintf(&b, "import delimited using \"%s.csv\", %s varnames(1) case(preserve) encoding(\"utf-8\") bindquote(strict)", n, delim)
		if len(text) > 0 {
			fmt.Fprintf(&b, " stringcols(%s)", strings.Join(text, " "))
		}
		if len(numeric) > 0 {
			fmt.Fprintf(&b, " numericcols(%s)", strings.Join(numeric, " "))
		}
		fmt.Fprintf(&b, " clear\n")
		for _, c := range cols {
			switch c.Type {
			case "date":
				fmt.Fprintf(&b, "generate double %s_d = date(%s, \"YMD\")\nformat %s_d %%td\ndrop %s\nrename %s_d %s\n",
					c.Name, c.Name, c.Name, c.Name, c.Name, c.Name)
			case "boolean":
				fmt.Fprintf(&b, "generate byte %s_b = cond(%s == \"true\", 1, cond(%s == \"false\", 0, .))\ndrop %s\nrename %s_b %s\n",
					c.Name, c.Name, c.Name, c.Name, c.Name, c.Name)
				fmt.Fprintf(&b, "label define yesno 0 \"false\" 1 \"true\", replace\nlabel values %s yesno\n", c.Name)
			}
			label := c.Label
			if c.Unit != "" {
				label += " (" + c.Unit + ")"
			}
			if len(label) > 80 {
				label = label[:80]
			}
			fmt.Fprintf(&b, "label variable %s %s\n", c.Name, stataString(label))
			if m, ok := choices[c.Name]; ok && n == TableWide {
				fmt.Fprintf(&b, "label define %s_lbl", c.Name)
				for _, ch := range m.Choices {
					fmt.Fprintf(&b, " %s %s", num(ch.Value), stataString(ch.Labels.In("en")))
				}
				fmt.Fprintf(&b, ", replace\nlabel values %s %s_lbl\n", c.Name, c.Name)
			}
		}
		fmt.Fprintf(&b, "save \"%s.dta\", replace\n\n", n)
	}
	return b.String()
}

// spssScript returns an SPSS syntax file that reads every CSV of a ZIP export.
func spssScript(st *Study, o ExportOptions, names []string) string {
	delim := map[string]string{"comma": `","`, "semicolon": `";"`, "tab": `"\t"`}[o.Delimiter]
	byTable := map[string][]Column{}
	for _, c := range Columns(st) {
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	choices := choiceMeasures(st)
	var b strings.Builder
	fmt.Fprintf(&b, "* Reads the %s export into SPSS, one .sav file per table. Run it in the folder of the CSV files.\n", st.Code)
	fmt.Fprintf(&b, "* Empty cells are system-missing; the reasons for missing values are in the companion columns.\n")
	if o.Decimal == "comma" {
		fmt.Fprintf(&b, "SET DECIMAL=COMMA.\n")
	} else {
		fmt.Fprintf(&b, "SET DECIMAL=DOT.\n")
	}
	fmt.Fprintf(&b, "SET UNICODE=ON.\n\n")
	for _, n := range names {
		cols := byTable[n]
		fmt.Fprintf(&b, "GET DATA /TYPE=TXT /FILE='%s.csv' /ENCODING='UTF8' /DELCASE=LINE /DELIMITERS=%s /QUALIFIER='\"'\n", n, delim)
		fmt.Fprintf(&b, "  /ARRANGEMENT=DELIMITED /FIRSTCASE=2 /VARIABLES=\n")
		for _, c := range cols {
			fmt.Fprintf(&b, "  %s %s\n", c.Name, spssFormat(c))
		}
		fmt.Fprintf(&b, ".\nVARIABLE LABELS\n")
		for i, c := range cols {
			label := c.Label
			if c.Unit != "" {
				label += " (" + c.Unit + ")"
			}
			end := "\n"
			if i == len(cols)-1 {
				end = ".\n"
			}
			fmt.Fprintf(&b, "  %s %s%s", c.Name, spssString(label), end)
		}
		if n == TableWide {
			for _, c := range cols {
				m, ok := choices[c.Name]
				if !ok {
					continue
				}
				fmt.Fprintf(&b, "VALUE LABELS %s", c.Name)
				for _, ch := range m.Choices {
					fmt.Fprintf(&b, " %s %s", num(ch.Value), spssString(ch.Labels.In("en")))
				}
				fmt.Fprintf(&b, ".\n")
			}
		}
		fmt.Fprintf(&b, "SAVE OUTFILE='%s.sav'.\n\n", n)
	}
	fmt.Fprintf(&b, "EXECUTE.\n")
	return b.String()
}

// spssFormat is the input format of a column.
func spssFormat(c Column) string {
	switch c.Type {
	case "integer":
		return "F10.0"
	case "number":
		return "F16.6"
	case "date":
		return "SDATE10"
	case "boolean":
		return "A5"
	case "json":
		return "A32767"
	}
	if c.Name == "notes" || c.Name == "term" || c.Name == "reason" || c.Name == "missed_reason" || c.Name == "label" || c.Name == "allowed" {
		return "A4000"
	}
	return "A255"
}
