-- When did errors spike? The hours with the most server errors, all endpoints
-- together, with their error rate.
SELECT
  hour,
  SUM(requests) AS requests,
  SUM(errors) AS errors,
  ROUND(SUM(errors) / SUM(requests), 4) AS error_rate
FROM mart.requests_hourly
GROUP BY hour
ORDER BY errors DESC, hour
LIMIT 5
