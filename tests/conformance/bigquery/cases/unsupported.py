"""Functions BigQuery runs and this sandbox will not: each must fail with an error saying so.

Every case is marked ``unsupported`` with the reason (the runner then wants an
error, never a value); images/bigquery/ext/dplat_bqext/unsupported.py words
the refusals. Values and pages: BigQuery's function reference, one case a
group. SESSION_USER is here too: BigQuery documents it as the email of the
user running the query; the sandbox has no users, and answers bqemulator's
stand-in ``anonymous`` (docs/differences.md), which the case checks only as
a STRING that is not NULL.
"""

from __future__ import annotations

from ._model import Case, doc, one

ENCRYPTION = "no Tink keysets or Cloud KMS in the sandbox"

CASES: list[Case] = [
    Case("aead_new_keyset", "SELECT KEYS.NEW_KEYSET('AEAD_AES_GCM_256') IS NOT NULL", [(True,)],
         doc("aead_encryption_functions") + "#keysnew_keyset", unsupported=ENCRYPTION),
    Case("aead_encrypt", "SELECT AEAD.ENCRYPT(KEYS.NEW_KEYSET('AEAD_AES_GCM_256'), 'p', 'a') IS NOT NULL",
         [(True,)], doc("aead_encryption_functions") + "#aeadencrypt", unsupported=ENCRYPTION),
    Case("deterministic_encrypt",
         "SELECT DETERMINISTIC_ENCRYPT(KEYS.NEW_KEYSET('DETERMINISTIC_AEAD_AES_SIV_CMAC_256'), 'p', 'a') IS NOT NULL",
         [(True,)], doc("aead_encryption_functions") + "#deterministic_encrypt", unsupported=ENCRYPTION),
    Case("kll_init_extract",
         "SELECT KLL_QUANTILES.EXTRACT_INT64(KLL_QUANTILES.INIT_INT64(x, 10), 2) FROM UNNEST([1, 2, 3]) AS x",
         [([1, 2, 3],)], doc("kll_functions") + "#kll_quantilesextract_int64",
         unsupported="KLL sketches are BigQuery's binary format"),
    Case("s2_cell_id", "SELECT S2_CELLIDFROMPOINT(ST_GEOGPOINT(0, 0), 0) IS NOT NULL", [(True,)],
         doc("geography_functions") + "#s2_cellidfrompoint", unsupported="no S2 geometry library in the image"),
    Case("st_buffer_meters", "SELECT ST_AREA(ST_BUFFER(ST_GEOGPOINT(0, 0), 1)) < 4", [(True,)],
         doc("geography_functions") + "#st_buffer", unsupported="the sandbox's GEOGRAPHY is planar"),
    Case("st_simplify_meters",
         "SELECT ST_NUMPOINTS(ST_SIMPLIFY(ST_GEOGFROMTEXT('LINESTRING(0 0, 0.5 0.0001, 1 0)'), 5))", [(3,)],
         doc("geography_functions") + "#st_simplify", unsupported="the sandbox's GEOGRAPHY is planar"),
    Case("external_query", "SELECT * FROM EXTERNAL_QUERY('us.conn', 'SELECT 1 AS one')", [(1,)],
         doc("federated_query_functions") + "#external_query",
         unsupported="no Cloud SQL or Spanner connections in the sandbox"),
    Case("ml_distance", "SELECT ML.DISTANCE([0.0, 0.0], [3.0, 4.0], 'EUCLIDEAN')", [(5.0,)],
         "https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-distance",
         unsupported="BigQuery ML is not part of the sandbox"),
    Case("project_id_variable", "SELECT @@project_id IS NOT NULL", [(True,)],
         doc("scripting") + "#system_variables", unsupported="the sandbox has no system variables"),
    one("session_user_is_a_string", "SELECT SESSION_USER() IS NOT NULL", True,
        doc("security_functions") + "#session_user"),
]
