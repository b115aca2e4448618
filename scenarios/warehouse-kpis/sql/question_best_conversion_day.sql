-- Which day converted best (the highest share of active users who paid)?
SELECT day, dau, pu, conversion, arpu, arppu
FROM mart.kpi_daily
ORDER BY conversion DESC, day
