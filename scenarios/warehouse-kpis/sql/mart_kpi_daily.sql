-- mart.kpi_daily: one row per day: DAU, paying users, revenue, and the ratios.
--
-- Ratios are rounded once, half away from zero, to 4 decimals:
-- ROUND(numerator * 10000 / denominator) / 10000 in FLOAT64 (ARPU and ARPPU
-- multiply cents by 100 instead: cents / 100 is the currency unit). The casts
-- are no-ops on BigQuery: a SUM over INT64 is stored as NUMERIC by dplat's
-- emulator (hence CAST(SUM(...) AS INT64)), and the upstream emulator may give
-- NUMERIC for INT64 / INT64 and misplace DIV (hence FLOAT64 numerators, no DIV).
-- README: "Emulator workarounds".
CREATE OR REPLACE TABLE mart.kpi_daily AS
WITH dau AS (
  SELECT day, COUNT(*) AS dau
  FROM staging.kpi_activity
  GROUP BY day
),
paid AS (
  SELECT
    DATE(purchased_at) AS day,
    COUNT(DISTINCT user_id) AS pu,
    CAST(SUM(amount_cents) AS INT64) AS revenue_cents
  FROM staging.kpi_purchases
  WHERE status = 'paid'
  GROUP BY day
),
days AS (
  SELECT d.day, d.dau, COALESCE(p.pu, 0) AS pu, COALESCE(p.revenue_cents, 0) AS revenue_cents
  FROM dau AS d
  LEFT JOIN paid AS p ON p.day = d.day
)
SELECT
  day,
  dau,
  pu,
  revenue_cents,
  ROUND(CAST(pu AS FLOAT64) * 10000 / dau) / 10000 AS conversion,
  ROUND(CAST(revenue_cents AS FLOAT64) * 100 / dau) / 10000 AS arpu,
  ROUND(SAFE_DIVIDE(CAST(revenue_cents AS FLOAT64) * 100, pu)) / 10000 AS arppu
FROM days
