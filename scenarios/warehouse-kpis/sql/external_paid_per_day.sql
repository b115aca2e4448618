-- Paying users and revenue per day, read from the staged files at query time
-- (the same definitions as sql/mart_kpi_daily.sql: paid purchases only).
SELECT
  DATE(purchased_at) AS day,
  COUNT(DISTINCT user_id) AS pu,
  SUM(amount_cents) AS revenue_cents
FROM raw.kpi_purchases_external
WHERE status = 'paid'
GROUP BY day
ORDER BY day
