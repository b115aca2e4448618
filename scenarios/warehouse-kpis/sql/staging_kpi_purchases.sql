-- staging.kpi_purchases: every purchase attempt, paid or failed.
-- The status stays: a failed payment still shows a user was active that day,
-- but only paid ones bring revenue (the mart filters on status = 'paid').
CREATE OR REPLACE TABLE staging.kpi_purchases AS
SELECT
  purchase_id,
  user_id,
  item,
  quantity,
  amount_cents,
  status,
  purchased_at
FROM raw.kpi_purchases
