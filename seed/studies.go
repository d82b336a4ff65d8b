// Package seed makes the registry's demo data: the four demo studies (as study definition
// files), the demo sites and users, and synthetic patients whose values behave like the
// studies they belong to. All of it is synthetic; the same seed number gives the same data.
package seed

import (
	"embed"
	"fmt"
	"io/fs"

	"outcomereg/registry"
)

//go:embed studies/*.yaml
var studyFiles embed.FS

// StudyFile returns a demo study's definition file by code (knee-oa, ssc-ahsct, ms-ahsct,
// liver-msc).
func StudyFile(code string) ([]byte, error) {
	return fs.ReadFile(studyFiles, "studies/"+code+".yaml")
}

// Studies parses the four demo study definitions.
func Studies() ([]*registry.Study, error) {
	names, err := fs.Glob(studyFiles, "studies/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*registry.Study
	for _, name := range names {
		data, err := fs.ReadFile(studyFiles, name)
		if err != nil {
			return nil, err
		}
		st, err := registry.ParseStudyFile(name, data)
		if err != nil {
			return nil, fmt.Errorf("demo study: %w", err)
		}
		out = append(out, st)
	}
	return out, nil
}

// Sites are the demo sites.
var Sites = []registry.Site{
	{Code: "lund", Name: "Skåne University Hospital, Lund", TimeZone: "Europe/Stockholm"},
	{Code: "copenhagen", Name: "Rigshospitalet, Copenhagen", TimeZone: "Europe/Copenhagen"},
	{Code: "aarhus", Name: "Aarhus University Hospital", TimeZone: "Europe/Copenhagen"},
	{Code: "madrid", Name: "Hospital Universitario, Madrid", TimeZone: "Europe/Madrid"},
}
