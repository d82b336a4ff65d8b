package registry

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Generated study numbers. A study file may give a number_pattern such as
// "KOA-{site}-{seq:4}": letters, digits, '-' and '_', the site's code ({site}, or {SITE} in
// capitals) and exactly one {seq} or {seq:N}, the next number at that site in the study,
// zero-padded to N digits. When a nurse leaves the study number empty, the registry assigns
// the next one, under a lock per study and site (per study when the pattern has no site) so that two enrolments never get the same.

var numberPatternToken = regexp.MustCompile(`\{[^}]*\}`)

// numberPatternParts splits a pattern around its {seq}: the text before it and after it
// (with {site} still in them) and the width; ok is false for a malformed pattern.
func numberPatternParts(pattern string) (before, after string, width int, ok bool) {
	seqs := 0
	for _, loc := range numberPatternToken.FindAllStringIndex(pattern, -1) {
		tok := pattern[loc[0]:loc[1]]
		switch {
		case tok == "{site}" || tok == "{SITE}":
		case tok == "{seq}" || strings.HasPrefix(tok, "{seq:"):
			seqs++
			width = 0
			if tok != "{seq}" {
				n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(tok, "{seq:"), "}"))
				if err != nil || n < 1 || n > 9 {
					return "", "", 0, false
				}
				width = n
			}
			before, after = pattern[:loc[0]], pattern[loc[1]:]
		default:
			return "", "", 0, false
		}
	}
	literal := numberPatternToken.ReplaceAllString(pattern, "")
	if seqs != 1 || strings.ContainsAny(literal, "{}") || !regexp.MustCompile(`^[A-Za-z0-9_-]*$`).MatchString(literal) {
		return "", "", 0, false
	}
	return before, after, width, true
}

// validNumberPattern reports whether a study file's number_pattern can make study numbers.
func validNumberPattern(pattern string) bool {
	before, _, _, ok := numberPatternParts(pattern)
	if !ok {
		return false
	}
	// A study number starts with a letter or digit.
	first := siteIn(before, "s")
	return first == "" || (first[0] != '-' && first[0] != '_')
}

func siteIn(s, site string) string {
	return strings.NewReplacer("{site}", site, "{SITE}", strings.ToUpper(site)).Replace(s)
}

// nextStudyNumber assigns the next study number of a study at a site from the study's
// pattern, inside the enrolment's transaction: it takes a lock per study and site, held
// until the transaction ends, and counts on from the highest number of that form.
func nextStudyNumber(ctx context.Context, tx pgx.Tx, st *Study, siteID int64, site string) (string, error) {
	before, after, width, ok := numberPatternParts(st.NumberPattern)
	if !ok {
		return "", Errorf(EINVALID, "The study's number pattern %q cannot make study numbers.", st.NumberPattern)
	}
	lockSite := siteID // a pattern without the site counts over the whole study
	if siteIn(st.NumberPattern, "") == st.NumberPattern {
		lockSite = 0
	}
	before, after = siteIn(before, site), siteIn(after, site)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('study-number:' || $1::bigint), $2::int)`, st.ID, lockSite); err != nil {
		return "", fmt.Errorf("lock study numbers: %w", err)
	}
	re := "^" + regexp.QuoteMeta(before) + "([0-9]+)" + regexp.QuoteMeta(after) + "$"
	var last int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(substring(study_number from $2)::numeric), 0)::bigint
		FROM patients WHERE study_id = $1 AND study_number ~ $2`, st.ID, re).Scan(&last); err != nil {
		return "", fmt.Errorf("last study number: %w", err)
	}
	return fmt.Sprintf("%s%0*d%s", before, width, last+1, after), nil
}
