-- The disclosure control's adverse-event terms (dashboard/disclosure_tables.go) kept as
-- cells: patients by site, sex, age band and arm and by the set of their adverse events'
-- terms, each term as lower(btrim(term)), every term once. From these the disclosure counts
-- each listed term's patients and the patients with any other text, each once, without
-- reading every adverse event after each write. The catch-up (functions.sql) keeps them.
CREATE TABLE dashboard_ae_term_set_cells (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL,
    terms text[] NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, terms)
);

-- From the kept contributions (the patients' distinct terms): the same sets.
INSERT INTO dashboard_ae_term_set_cells
SELECT study_id, arm_id, site_id, sex, age_band, t.terms, count(*)
FROM dashboard_patient_state s
CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT lower(btrim(x)) FROM unnest(s.terms) x ORDER BY 1) AS terms) t
WHERE cardinality(s.terms) > 0
GROUP BY 1, 2, 3, 4, 5, 6;
