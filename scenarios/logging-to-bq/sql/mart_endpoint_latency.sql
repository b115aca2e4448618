-- mart.endpoint_latency: latency percentiles per endpoint, by nearest rank.
--
-- Nearest rank: sort an endpoint's n latencies and take the k-th, with
-- k = CEIL(p * n / 100). The answer is always a logged value, so it matches
-- the generator's ground truth exactly (APPROX_QUANTILES is approximate and
-- PERCENTILE_CONT interpolates). 95 * n / 100 is exact in FLOAT64 whenever
-- it is a whole number, so CEIL never rounds the wrong way.
CREATE OR REPLACE TABLE mart.endpoint_latency AS
WITH ranked AS (
  SELECT
    endpoint,
    latency_ms,
    ROW_NUMBER() OVER (PARTITION BY endpoint ORDER BY latency_ms) AS position,
    COUNT(*) OVER (PARTITION BY endpoint) AS requests
  FROM staging.app_logs
)
SELECT
  endpoint,
  ANY_VALUE(requests) AS requests,
  MAX(IF(position = CAST(CEIL(50 * requests / 100) AS INT64), latency_ms, NULL)) AS p50_ms,
  MAX(IF(position = CAST(CEIL(95 * requests / 100) AS INT64), latency_ms, NULL)) AS p95_ms,
  MAX(IF(position = CAST(CEIL(99 * requests / 100) AS INT64), latency_ms, NULL)) AS p99_ms
FROM ranked
GROUP BY endpoint
