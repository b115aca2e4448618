-- raw.kpi_purchases_external: Hive's EXTERNAL TABLE in BigQuery's words.
-- Only a schema over the staged NDJSON files: nothing is loaded, every query
-- reads whatever objects match the URI at that moment, and DROP TABLE removes
-- this definition but leaves the files (they belong to whoever staged them).
CREATE OR REPLACE EXTERNAL TABLE raw.kpi_purchases_external (
  purchase_id INT64,
  user_id INT64,
  item STRING,
  quantity INT64,
  amount_cents INT64,
  status STRING,
  purchased_at TIMESTAMP
)
OPTIONS (
  format = 'NEWLINE_DELIMITED_JSON',
  uris = ['gs://datastaging/warehouse-kpis/kpi_purchases/*.json']
)
