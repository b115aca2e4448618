"""jobs.query answers a failed query with an error, as BigQuery does.

bqemulator's synchronous ``jobs.query`` (POST /projects/{p}/queries) put a
failed query's error in the body of an HTTP 200 with no rows, and
google-cloud-bigquery's ``Client.query_and_wait()`` (which uses that call)
then returned zero rows and no error: ``SELECT 1/0`` looked like an empty
result. BigQuery answers such a call with the error itself (an HTTP error
whose body is the error, which the client raises as e.g. ``BadRequest``:
https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/query and
https://cloud.google.com/bigquery/docs/error-messages). This route runs
bqemulator's own and turns such a body into the matching domain error, which
bqemulator's error handler writes in BigQuery's shape (reason, location,
message). The failed job stays recorded, as bqemulator left it.
"""

from __future__ import annotations

from typing import Annotated, Any

from bqemulator.api.dependencies import AppContext, get_caller, get_context
from bqemulator.api.routes import jobs
from bqemulator.domain.errors import DomainError, InvalidQueryError
from bqemulator.row_access.identity import CallerIdentity
from fastapi import APIRouter, Depends, Request

router = APIRouter(prefix="/bigquery/v2", tags=["dplat"])
_Ctx = Annotated[AppContext, Depends(get_context)]
_Caller = Annotated[CallerIdentity, Depends(get_caller)]


def domain_error(error: dict[str, Any]) -> DomainError:
    """The domain error of bqemulator's whose BigQuery reason is ``error['reason']``."""
    kinds = {kind.bq_reason: kind for kind in jobs._SQL_EXECUTION_DOMAIN_ERRORS}
    kind = kinds.get(error.get("reason", ""), InvalidQueryError)
    return kind(error.get("message") or "Query failed", location=error.get("location"))


@router.post("/projects/{project_id}/queries")
async def query(project_id: str, request: Request, ctx: _Ctx, caller: _Caller) -> dict[str, Any]:
    """bqemulator's jobs.query; a query that failed raises its error."""
    response: dict[str, Any] = await jobs.query(project_id, request, ctx, caller)
    errors = response.get("errors")
    if response.get("jobComplete") and errors:
        raise domain_error(errors[0])
    return response
