-- Where do payers spend most? ARPPU over the whole window, per country:
-- the fact (revenue) sliced by an attribute of the user dimension.
SELECT
  country,
  COUNTIF(is_payer) AS payers,
  CAST(SUM(revenue_cents) AS INT64) AS revenue_cents,
  ROUND(SAFE_DIVIDE(CAST(SUM(revenue_cents) AS FLOAT64) * 100, COUNTIF(is_payer))) / 10000
    AS arppu
FROM mart.kpi_dim_users
GROUP BY country
ORDER BY arppu DESC, country
