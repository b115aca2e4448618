-- mart.requests_hourly: traffic and error rate per hour and endpoint.
--
-- An error is a server error (status >= 500; the app logs those at ERROR).
-- The rate is a float division, errors / requests, as the ground truth has it.
CREATE OR REPLACE TABLE mart.requests_hourly AS
SELECT
  TIMESTAMP_TRUNC(event_time, HOUR) AS hour,
  endpoint,
  COUNT(*) AS requests,
  COUNTIF(status >= 500) AS errors,
  COUNTIF(status >= 500) / COUNT(*) AS error_rate
FROM staging.app_logs
GROUP BY hour, endpoint
