-- The three users per country who spent most on paid orders. `user` is the
-- login handle column: without backquotes, under strict keywords
-- (spark.sql.ansi.enforceReservedKeywords), it is CURRENT_USER instead.
WITH spent AS (
  SELECT user_id, SUM(amount) AS spent
  FROM orders
  WHERE status = 'paid'
  GROUP BY user_id
),
ranked AS (
  SELECT u.country, s.user_id, u.`user`, s.spent,
         ROW_NUMBER() OVER (PARTITION BY u.country ORDER BY s.spent DESC, s.user_id) AS `rank`
  FROM spent AS s
  JOIN users AS u ON u.user_id = s.user_id
)
SELECT country, `rank`, user_id, `user`, spent
FROM ranked
WHERE `rank` <= 3
ORDER BY country, `rank`
