"""The parts out_bigquery_insert and out_bigquery_load share: the
google-cloud-bigquery calls (client.py), the common output options
(output.py), rows (rows.py) and the table schema (schema.py)."""
