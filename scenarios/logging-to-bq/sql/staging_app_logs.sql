-- staging.app_logs: one row per request, whatever the delivery did.
--
-- The agent delivers at least once: when an insert's answer is lost it sends
-- the chunk again, so raw.app_logs may hold a request twice. BigQuery's
-- insertId de-duplication is best effort (dplat's emulator does it as BigQuery
-- does, for about a minute; the upstream one does none), so the
-- warehouse removes duplicates itself: keep the first row of each request_id.
CREATE OR REPLACE TABLE staging.app_logs
PARTITION BY DATE(event_time)
AS
SELECT * EXCEPT (copy_number)
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY request_id ORDER BY event_time) AS copy_number
  FROM raw.app_logs
)
WHERE copy_number = 1
