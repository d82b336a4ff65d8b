package seed

// A profile says how a demo study's synthetic patients behave: where they are treated, how
// their values move after treatment by arm, which events and adverse events they have. The
// numbers are plausible, not taken from any real patient.
type profile struct {
	sites      []string // sites that enrol into the study
	prefix     string   // study number prefix
	ageFrom    int      // age at treatment, years
	ageTo      int
	femaleRate float64
	demoN      int     // patients in the demo data
	yearsBack  float64 // treatment dates spread over this many years before today
	measures   map[string]trajectory
	events     []eventRate
	aes        []aeRisk
}

// trajectory: baseline ~ N(base, baseSD); the change from baseline approaches effect[arm]
// (reached at 12 months, with a further drift per year after) plus patient and visit noise.
type trajectory struct {
	base, baseSD float64
	effect       map[string]float64 // by arm code: mean change at 12 months
	drift        float64            // mean change per year after 12 months
	patientSD    float64            // SD of a patient's own response
	noise        float64            // SD of visit-to-visit noise
	logNormal    bool               // lab values: noise is multiplicative
}

// eventRate is an event type's yearly hazard by arm (an empty arm key "" applies to all).
type eventRate struct {
	code   string
	perArm map[string]float64
	early  float64 // extra hazard in the first 100 days (e.g. transplant-related death)
}

// aeRisk is the chance that a patient has an adverse event with this term, by arm.
type aeRisk struct {
	term      string
	perArm    map[string]float64
	onsetDays [2]int    // onset between these days after treatment
	grades    []float64 // probability of grade 1..5
	lastsDays [2]int
}

func all(p float64) map[string]float64 { return map[string]float64{"": p} }

var profiles = map[string]profile{
	"knee-oa": {
		sites: []string{"copenhagen", "aarhus"}, prefix: "KOA", ageFrom: 45, ageTo: 78, femaleRate: 0.6,
		demoN: 160, yearsBack: 3,
		measures: map[string]trajectory{
			// Both arms improve about equally: no effect beyond placebo.
			"pain_nrs":  {base: 6.4, baseSD: 1.3, effect: map[string]float64{"stem-cells": -2.1, "placebo": -2.0}, drift: 0.2, patientSD: 1.4, noise: 0.9},
			"koos_pain": {base: 46, baseSD: 12, effect: map[string]float64{"stem-cells": 13, "placebo": 12.5}, drift: -1, patientSD: 9, noise: 6},
			"koos_adl":  {base: 52, baseSD: 13, effect: map[string]float64{"stem-cells": 11, "placebo": 11}, drift: -1, patientSD: 9, noise: 6},
			"koos_qol":  {base: 30, baseSD: 11, effect: map[string]float64{"stem-cells": 10, "placebo": 9.5}, drift: -1, patientSD: 9, noise: 6},
		},
		events: []eventRate{{code: "knee_replacement", perArm: all(0.04)}},
		aes: []aeRisk{
			{term: "Injection-site inflammation", perArm: map[string]float64{"stem-cells": 0.42, "placebo": 0.18}, onsetDays: [2]int{0, 3}, grades: []float64{0.7, 0.27, 0.03}, lastsDays: [2]int{2, 14}},
			{term: "Injection-site pain", perArm: map[string]float64{"stem-cells": 0.3, "placebo": 0.25}, onsetDays: [2]int{0, 2}, grades: []float64{0.8, 0.2}, lastsDays: [2]int{1, 7}},
			{term: "Liposuction-site haematoma", perArm: map[string]float64{"stem-cells": 0.2, "placebo": 0.2}, onsetDays: [2]int{0, 2}, grades: []float64{0.85, 0.15}, lastsDays: [2]int{7, 21}},
			{term: "Knee effusion", perArm: all(0.08), onsetDays: [2]int{1, 60}, grades: []float64{0.6, 0.4}, lastsDays: [2]int{5, 30}},
			{term: "Infection", perArm: all(0.01), onsetDays: [2]int{2, 20}, grades: []float64{0, 0.3, 0.7}, lastsDays: [2]int{7, 30}},
		},
	},
	"ssc-ahsct": {
		sites: []string{"lund", "copenhagen"}, prefix: "SSC", ageFrom: 22, ageTo: 66, femaleRate: 0.75,
		demoN: 90, yearsBack: 9,
		measures: map[string]trajectory{
			// Clear improvement of skin and function after transplantation.
			"mrss":    {base: 26, baseSD: 7, effect: map[string]float64{"": -11.5}, drift: -1.2, patientSD: 4, noise: 2.5},
			"haq_di":  {base: 1.45, baseSD: 0.6, effect: map[string]float64{"": -0.55}, drift: -0.03, patientSD: 0.3, noise: 0.15},
			"fvc_pct": {base: 76, baseSD: 15, effect: map[string]float64{"": 3.5}, drift: 0.3, patientSD: 5, noise: 4},
		},
		events: []eventRate{
			{code: "relapse", perArm: all(0.06)},
			{code: "progression", perArm: all(0.03)},
			{code: "death", perArm: all(0.012), early: 0.08},
		},
		aes: []aeRisk{
			{term: "Febrile neutropenia", perArm: all(0.65), onsetDays: [2]int{5, 14}, grades: []float64{0, 0, 0.85, 0.15}, lastsDays: [2]int{3, 10}},
			{term: "Bacterial infection", perArm: all(0.35), onsetDays: [2]int{7, 90}, grades: []float64{0, 0.3, 0.55, 0.12, 0.03}, lastsDays: [2]int{5, 30}},
			{term: "CMV reactivation", perArm: all(0.25), onsetDays: [2]int{20, 100}, grades: []float64{0.2, 0.5, 0.3}, lastsDays: [2]int{10, 40}},
			{term: "Herpes zoster", perArm: all(0.12), onsetDays: [2]int{60, 400}, grades: []float64{0.2, 0.7, 0.1}, lastsDays: [2]int{10, 30}},
			{term: "Cardiac toxicity", perArm: all(0.05), onsetDays: [2]int{1, 30}, grades: []float64{0, 0.2, 0.5, 0.2, 0.1}, lastsDays: [2]int{5, 60}},
			{term: "Mucositis", perArm: all(0.5), onsetDays: [2]int{3, 10}, grades: []float64{0.3, 0.4, 0.3}, lastsDays: [2]int{5, 14}},
		},
	},
	"ms-ahsct": {
		sites: []string{"lund", "aarhus"}, prefix: "MS", ageFrom: 20, ageTo: 52, femaleRate: 0.68,
		demoN: 70, yearsBack: 5,
		measures: map[string]trajectory{
			"edss": {base: 4.0, baseSD: 1.3, effect: map[string]float64{"": -0.45}, drift: 0.02, patientSD: 0.5, noise: 0.35},
		},
		events: []eventRate{
			{code: "relapse", perArm: all(0.035)},
			{code: "new_mri_lesion", perArm: all(0.04)},
			{code: "death", perArm: all(0.002), early: 0.01},
		},
		aes: []aeRisk{
			{term: "Febrile neutropenia", perArm: all(0.6), onsetDays: [2]int{5, 14}, grades: []float64{0, 0, 0.9, 0.1}, lastsDays: [2]int{3, 10}},
			{term: "Bacterial infection", perArm: all(0.25), onsetDays: [2]int{7, 90}, grades: []float64{0, 0.4, 0.5, 0.1}, lastsDays: [2]int{5, 30}},
			{term: "EBV reactivation", perArm: all(0.2), onsetDays: [2]int{20, 100}, grades: []float64{0.4, 0.5, 0.1}, lastsDays: [2]int{10, 40}},
			{term: "Secondary autoimmunity (thyroid)", perArm: all(0.08), onsetDays: [2]int{200, 900}, grades: []float64{0.3, 0.7}, lastsDays: [2]int{60, 365}},
		},
	},
	"liver-msc": {
		sites: []string{"madrid"}, prefix: "LIV", ageFrom: 38, ageTo: 72, femaleRate: 0.35,
		demoN: 110, yearsBack: 2,
		measures: map[string]trajectory{
			// MELD improves modestly more with stem cells than with standard care.
			"meld":      {base: 16, baseSD: 3, effect: map[string]float64{"msc": -2.8, "standard-care": -1.0}, drift: 0.3, patientSD: 2, noise: 1.2},
			"bilirubin": {base: 48, baseSD: 0.45, effect: map[string]float64{"msc": -0.25, "standard-care": -0.08}, patientSD: 0.2, noise: 0.15, logNormal: true},
			"alt":       {base: 58, baseSD: 0.4, effect: map[string]float64{"msc": -0.2, "standard-care": -0.05}, patientSD: 0.2, noise: 0.2, logNormal: true},
			"ast":       {base: 72, baseSD: 0.4, effect: map[string]float64{"msc": -0.18, "standard-care": -0.05}, patientSD: 0.2, noise: 0.2, logNormal: true},
			"albumin":   {base: 30, baseSD: 4, effect: map[string]float64{"msc": 2.8, "standard-care": 0.9}, patientSD: 2, noise: 1.5},
			"ascites":   {base: 0.9, baseSD: 0.7, effect: map[string]float64{"msc": -0.4, "standard-care": -0.1}, patientSD: 0.3, noise: 0.3},
		},
		events: []eventRate{
			{code: "decompensation", perArm: map[string]float64{"msc": 0.16, "standard-care": 0.27}},
			{code: "transplant", perArm: all(0.05)},
			{code: "death", perArm: map[string]float64{"msc": 0.05, "standard-care": 0.08}},
		},
		aes: []aeRisk{
			{term: "Infusion reaction", perArm: map[string]float64{"msc": 0.15, "standard-care": 0}, onsetDays: [2]int{0, 1}, grades: []float64{0.7, 0.3}, lastsDays: [2]int{1, 3}},
			{term: "Fever", perArm: map[string]float64{"msc": 0.2, "standard-care": 0.06}, onsetDays: [2]int{0, 3}, grades: []float64{0.8, 0.2}, lastsDays: [2]int{1, 4}},
			{term: "Variceal bleeding", perArm: all(0.07), onsetDays: [2]int{10, 360}, grades: []float64{0, 0, 0.6, 0.3, 0.1}, lastsDays: [2]int{3, 14}},
			{term: "Hepatic encephalopathy", perArm: all(0.1), onsetDays: [2]int{10, 360}, grades: []float64{0, 0.4, 0.5, 0.1}, lastsDays: [2]int{3, 21}},
			{term: "Infection", perArm: all(0.12), onsetDays: [2]int{5, 360}, grades: []float64{0, 0.4, 0.5, 0.1}, lastsDays: [2]int{5, 21}},
		},
	},
}

// genericProfile serves a study defined later by an administrator, with no profile of its own:
// values wander around the middle of their range.
func genericProfile() profile {
	return profile{prefix: "P", ageFrom: 30, ageTo: 75, femaleRate: 0.5, demoN: 50, yearsBack: 3}
}
