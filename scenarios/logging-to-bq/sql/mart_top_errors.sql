-- mart.top_errors: the five most frequent server-error messages.
--
-- Ties are broken by the message text, so the order is the same on every run
-- (and the same as the ground truth's).
CREATE OR REPLACE TABLE mart.top_errors AS
SELECT position, message, errors
FROM (
  SELECT
    ROW_NUMBER() OVER (ORDER BY COUNT(*) DESC, message) AS position,
    message,
    COUNT(*) AS errors
  FROM staging.app_logs
  WHERE status >= 500
  GROUP BY message
)
WHERE position <= 5
