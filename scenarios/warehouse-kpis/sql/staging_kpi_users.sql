-- staging.kpi_users: one row per user, typed and tidied.
-- The raw table is what the export delivered; staging is what later SQL may trust.
CREATE OR REPLACE TABLE staging.kpi_users AS
SELECT
  user_id,
  LOWER(email) AS email,
  UPPER(country) AS country,
  channel,
  signup_at
FROM raw.kpi_users
