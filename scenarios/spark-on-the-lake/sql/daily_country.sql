-- Paid orders per day and country, with each country's revenue to date.
-- `users` and `orders` are temporary views of the CSV export and the Parquet
-- partitions; `user` is backquoted wherever it names the column.
WITH per_day AS (
  SELECT o.dt,
         u.country,
         COUNT(*)                                AS orders,
         COUNT(DISTINCT o.user_id)               AS buyers,
         CAST(SUM(o.amount) AS DECIMAL(12, 2))   AS revenue
  FROM orders AS o
  JOIN users AS u ON u.user_id = o.user_id
  WHERE o.status = 'paid'
  GROUP BY o.dt, u.country
)
SELECT dt, country, orders, buyers, revenue,
       CAST(SUM(revenue) OVER (PARTITION BY country ORDER BY dt
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            AS DECIMAL(12, 2)) AS revenue_to_date
FROM per_day
ORDER BY dt, country
