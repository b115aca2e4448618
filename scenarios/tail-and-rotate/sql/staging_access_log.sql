-- staging.access_log: one row per request, whatever the delivery did.
--
-- The tail delivers each line at least once: a line read again after a crash
-- (the pos_file was not yet advanced) or an insert retried after a lost answer
-- lands twice in raw.access_log. insertId de-duplication is best effort (only
-- for about a minute; the upstream emulator does none), so the warehouse keeps
-- one row per request id,
-- which the server wrote into the path (?rid=...).
CREATE OR REPLACE TABLE staging.access_log AS
SELECT * EXCEPT (copy_number)
FROM (
  SELECT
    REGEXP_EXTRACT(path, r'[?&]rid=([^&]+)') AS request_id,
    *,
    ROW_NUMBER() OVER (
      PARTITION BY REGEXP_EXTRACT(path, r'[?&]rid=([^&]+)') ORDER BY time
    ) AS copy_number
  FROM raw.access_log
)
WHERE copy_number = 1
