-- dashboard_refresh (0003) rebuilt whole patient groups; since 0005 no trigger calls it, and
-- the one from-scratch recomputation is the rebuild behind `registry dashboard rebuild`
-- (registry.RebuildDashboards: cells and kept contributions emptied, every patient noted,
-- dashboard_catch_up). The tests compare the cells with that rebuild too.
DROP FUNCTION IF EXISTS dashboard_refresh(dashboard_group[]);
