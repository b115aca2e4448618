-- mart.kpi_dim_users: the user dimension, one row per user, with what the
-- analyst wants to slice KPIs by (country, channel, signup day) and a few
-- lifetime facts (active days, paid purchases, revenue in cents).
CREATE OR REPLACE TABLE mart.kpi_dim_users AS
WITH activity AS (
  SELECT user_id, COUNT(*) AS active_days
  FROM staging.kpi_activity
  GROUP BY user_id
),
paid AS (
  SELECT
    user_id,
    COUNT(*) AS paid_purchases,
    CAST(SUM(amount_cents) AS INT64) AS revenue_cents,
    MIN(DATE(purchased_at)) AS first_paid_on
  FROM staging.kpi_purchases
  WHERE status = 'paid'
  GROUP BY user_id
)
SELECT
  u.user_id,
  u.country,
  u.channel,
  DATE(u.signup_at) AS signup_on,
  COALESCE(a.active_days, 0) AS active_days,
  COALESCE(p.paid_purchases, 0) AS paid_purchases,
  COALESCE(p.revenue_cents, 0) AS revenue_cents,
  p.first_paid_on,
  p.first_paid_on IS NOT NULL AS is_payer
FROM staging.kpi_users AS u
LEFT JOIN activity AS a ON a.user_id = u.user_id
LEFT JOIN paid AS p ON p.user_id = u.user_id
