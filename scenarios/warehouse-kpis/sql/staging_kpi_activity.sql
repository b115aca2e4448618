-- staging.kpi_activity: who was active on which (UTC) day, once per user and day.
-- Active = any activity event or purchase attempt that day. DAU and the user
-- dimension both read this table, so they cannot disagree on what "active" means.
CREATE OR REPLACE TABLE staging.kpi_activity AS
SELECT DATE(event_at) AS day, user_id FROM staging.kpi_events
UNION DISTINCT
SELECT DATE(purchased_at) AS day, user_id FROM staging.kpi_purchases
