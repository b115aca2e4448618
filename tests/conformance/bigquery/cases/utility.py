"""Utility and debugging functions: GENERATE_UUID, ERROR.

https://cloud.google.com/bigquery/docs/reference/standard-sql/utility-functions
https://cloud.google.com/bigquery/docs/reference/standard-sql/debugging_functions

GENERATE_UUID is random (version 4): only its shape and uniqueness are checked.
"""

from ._model import Case, doc, one

PAGE = doc("utility-functions")
DEBUG = doc("debugging_functions")

UUID_V4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

CASES: list[Case] = [
    one("uuid_length", "SELECT LENGTH(GENERATE_UUID())", 36, PAGE + "#generate_uuid"),
    one("uuid_shape", f"SELECT REGEXP_CONTAINS(GENERATE_UUID(), r'{UUID_V4}')", True, PAGE + "#generate_uuid"),
    one("uuid_per_row", "SELECT COUNT(DISTINCT GENERATE_UUID()) FROM UNNEST(GENERATE_ARRAY(1, 50))", 50,
        PAGE + "#generate_uuid"),
    one("uuid_type", "SELECT GENERATE_UUID() IS NOT NULL", True, PAGE + "#generate_uuid"),
    Case("error_message", "SELECT ERROR('quota exceeded for tenant 7')", source=DEBUG + "#error",
         expect_error="quota exceeded for tenant 7"),
    Case("error_in_taken_branch", "SELECT IF(x > 0, x, ERROR(CONCAT('bad x: ', CAST(x AS STRING)))) FROM UNNEST([-2]) AS x",
         source=DEBUG + "#error", expect_error="bad x: -2"),
    one("error_in_branch_not_taken", "SELECT IF(x > 0, x, ERROR('never')) FROM UNNEST([3]) AS x", 3, DEBUG + "#error"),
]
