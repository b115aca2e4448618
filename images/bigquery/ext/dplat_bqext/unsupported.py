"""Functions and system variables this sandbox will not run, refused by name with the reason.

Issue 11's rule: a query BigQuery runs gives BigQuery's answer here, or an
error that says this sandbox does not support it. Without this module these
reached the user as "Function not found: dplat__aead__encrypt" (bqemulator
read ``AEAD.ENCRYPT`` as a user function in a dataset ``aead``) or as
DuckDB's "unterminated dollar-quoted string" for ``@@project_id``. Each
refusal names the function and why; docs/differences.md lists them, and
tests/conformance/bigquery/cases/unsupported.py holds a case for each group.
"""

from __future__ import annotations

from sqlglot import exp

from dplat_bqext.errors import RewriteError

_ENCRYPTION = "BigQuery's encryption functions use Tink keysets and Cloud KMS, which this sandbox does not have"
# Function namespaces (NAMESPACE.FUNCTION(...)) and plain names, with the reason.
NAMESPACES = {
    "AEAD": _ENCRYPTION,
    "KEYS": _ENCRYPTION,
    "KLL_QUANTILES": "KLL sketches are a binary format of BigQuery's; use APPROX_QUANTILES",
    "ML": "BigQuery ML's functions are not part of this sandbox",
    "AI": "BigQuery's AI functions call Vertex AI, which this sandbox does not have",
    "OBJ": "ObjectRef values refer to Cloud Storage objects, which this sandbox does not have",
}
_METERS = (
    "its distance is in meters on the sphere, and the sandbox's GEOGRAPHY is planar (DuckDB's"
    " spatial extension), which would read the meters as degrees and answer a different shape"
)
FUNCTIONS = {
    "ST_BUFFER": _METERS,
    "ST_BUFFERWITHTOLERANCE": _METERS,
    "ST_SIMPLIFY": _METERS,
    "DETERMINISTIC_ENCRYPT": _ENCRYPTION,
    "DETERMINISTIC_DECRYPT_BYTES": _ENCRYPTION,
    "DETERMINISTIC_DECRYPT_STRING": _ENCRYPTION,
    "S2_CELLIDFROMPOINT": "S2 cell ids need Google's S2 geometry library, which the image does not have",
    "S2_COVERINGCELLIDS": "S2 cell ids need Google's S2 geometry library, which the image does not have",
    "EXTERNAL_QUERY": (
        "federated queries need a Cloud SQL or Spanner connection; query the sandbox's MySQL"
        " directly (`dplat sql mysql '...'`) or load its tables first"
    ),
}
SYSTEM_VARIABLES = (
    "project_id",
    "dataset_id",
    "dataset_project_id",
    "session_id",
    "current_job_id",
    "last_job_id",
    "location",
    "query_label",
    "time_zone",
)


class Unsupported(RewriteError):
    """BigQuery runs this; this sandbox does not (the message says why)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"{name} is not supported by this sandbox: {reason} (docs/differences.md)."
        )


def _function_name(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.this)
    return node.sql_name() if isinstance(node, exp.Func) else None


def refuse_unsupported(node: exp.Expression) -> exp.Expression | None:
    """Raise Unsupported for the functions and variables above; never changes a query."""
    if isinstance(node, exp.Dot) and isinstance(node.this, exp.Identifier):
        namespace = node.this.name.upper()
        name = _function_name(node.expression)
        if namespace in NAMESPACES and name is not None:
            name = name.upper().removeprefix(
                f"{namespace}_"
            )  # SQLGlot's AI.GENERATE is AI_GENERATE
            raise Unsupported(f"{namespace}.{name}", NAMESPACES[namespace])
    if isinstance(node, exp.Anonymous) and str(node.this).upper() in FUNCTIONS:
        raise Unsupported(str(node.this).upper(), FUNCTIONS[str(node.this).upper()])
    inner = node.this if isinstance(node, exp.Parameter) else None
    if isinstance(inner, exp.Parameter) and isinstance(inner.this, exp.Var):
        variable = inner.this.name.lower()
        if variable in SYSTEM_VARIABLES:
            raise Unsupported(
                f"The system variable @@{variable}",
                "write the value itself (the sandbox's project is the one in your client, dplat by default)",
            )
    return None
