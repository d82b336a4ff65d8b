package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"outcomereg/registry"
)

// Filter restricts a dashboard to the patients of one site, sex and age band. It travels
// in the query string (?site=aarhus&sex=F&age=60-69) so that a filtered view can be shared.
type Filter struct {
	Site    string `json:"site,omitempty"`     // site code; "" for every site
	Sex     string `json:"sex,omitempty"`      // "F", "M"; "" for both
	AgeBand string `json:"age_band,omitempty"` // one of AgeBands' codes; "" for every age
}

// AgeBand is a band of age at treatment; Low is the value dashboard_age_band() stores.
type AgeBand struct {
	Code  string
	Label string
	Low   int
}

// AgeBands are the bands a dashboard can be filtered by (age at treatment, in years).
var AgeBands = []AgeBand{
	{"under-40", "under 40", 30},
	{"40-49", "40-49", 40},
	{"50-59", "50-59", 50},
	{"60-69", "60-69", 60},
	{"70-plus", "70 and over", 70},
}

// ParseFilter reads the filter from a query string. Unknown values are refused with a
// message naming what is allowed; unknown parameters are ignored.
func ParseFilter(q url.Values, sites []registry.Site) (Filter, error) {
	f := Filter{Site: q.Get("site"), Sex: q.Get("sex"), AgeBand: q.Get("age")}
	errs := []string{}
	if f.Site != "" && !slices.ContainsFunc(sites, func(s registry.Site) bool { return s.Code == f.Site }) {
		codes := []string{}
		for _, s := range sites {
			codes = append(codes, s.Code)
		}
		errs = append(errs, fmt.Sprintf("site must be one of %s; got %q", strings.Join(codes, ", "), f.Site))
	}
	if f.Sex != "" && f.Sex != "F" && f.Sex != "M" {
		errs = append(errs, fmt.Sprintf("sex must be F or M; got %q", f.Sex))
	}
	if f.AgeBand != "" && f.band() == nil {
		codes := []string{}
		for _, b := range AgeBands {
			codes = append(codes, b.Code)
		}
		errs = append(errs, fmt.Sprintf("age must be one of %s; got %q", strings.Join(codes, ", "), f.AgeBand))
	}
	if len(errs) > 0 {
		return Filter{}, registry.Errorf(registry.EINVALID, "Bad filter: %s.", strings.Join(errs, "; "))
	}
	return f, nil
}

func (f Filter) band() *int {
	for _, b := range AgeBands {
		if b.Code == f.AgeBand {
			return &b.Low
		}
	}
	return nil
}

// Query returns the filter as a query string ("" when unfiltered), for links and the JSON link.
func (f Filter) Query() string {
	q := url.Values{}
	if f.Site != "" {
		q.Set("site", f.Site)
	}
	if f.Sex != "" {
		q.Set("sex", f.Sex)
	}
	if f.AgeBand != "" {
		q.Set("age", f.AgeBand)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// namedArgs are the filter's SQL arguments @site, @sex and @age_band (NULL when not
// filtered); the site is passed by code so that no lookup is needed.
func (f Filter) namedArgs() pgx.NamedArgs {
	var site, sex *string
	if f.Site != "" {
		site = &f.Site
	}
	if f.Sex != "" {
		sex = &f.Sex
	}
	return pgx.NamedArgs{"site": site, "sex": sex, "age_band": f.band()}
}

// patientFilter is the WHERE part for a patients table aliased p, arguments @site, @sex and
// @age_band (namedArgs).
const patientFilter = `(@site::text IS NULL OR p.site_id = (SELECT id FROM sites WHERE code = @site))
	AND (@sex::text IS NULL OR p.sex = @sex)
	AND (@age_band::int IS NULL OR dashboard_age_band(p.birth_year, p.treated_on, p.enrolled_on) = @age_band)`

// cellFilter is the same for a summary-cell table aliased c.
const cellFilter = `(@site::text IS NULL OR c.site_id = (SELECT id FROM sites WHERE code = @site))
	AND (@sex::text IS NULL OR c.sex = @sex)
	AND (@age_band::int IS NULL OR c.age_band = @age_band)`
