-- staging.kpi_events: one row per activity event.
-- The export delivers at least once, so raw.kpi_events may hold an event twice:
-- keep the first copy of each event_id.
CREATE OR REPLACE TABLE staging.kpi_events AS
SELECT * EXCEPT (copy_number)
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY event_at) AS copy_number
  FROM raw.kpi_events
)
WHERE copy_number = 1
