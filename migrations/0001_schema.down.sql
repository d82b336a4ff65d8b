DROP TABLE IF EXISTS audit_log, sessions, user_sites, users, adverse_events, events, visit_values,
    visits, patients, placebo_baselines, ae_terms, event_types, scheduled_visits, measures, arms,
    studies, sites CASCADE;
DROP FUNCTION IF EXISTS audit_log_is_append_only();
