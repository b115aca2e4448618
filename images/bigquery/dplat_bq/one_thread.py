"""All of bqemulator's REST routes on one thread: its shared DuckDB connection allows no other.

bqemulator 1.4.0 serves every request with one DuckDB connection. Such a
connection holds one pending result: ``execute()`` sets it, ``fetch*()`` reads
it, and an ``execute()`` from another thread in between takes its place.
bqemulator runs queries on the event loop, but FastAPI runs a route written as
a plain ``def`` on its thread pool (https://fastapi.tiangolo.com/async/#path-operation-functions),
and many of bqemulator's are: ``/readyz`` (the image's healthcheck, every
30 s), ``tables.get``, ``jobs.get``, ``getQueryResults``, ``tabledata.list``.
A query that met one of them came back with the other's rows or with none:
two clients, one querying and one reading table metadata, got 34 wrong
answers in 417 queries (an empty result, or a row count in place of a SUM),
and CI once saw ``SELECT SUM(id)`` answer zero rows when the healthcheck
fired mid-query. So here those routes run on the event loop too, where every
engine call already runs one after another.

What it costs: a slow ``tabledata.list`` holds up other requests for as long
as it reads, as a slow query already did. What it does not change: routes
written as ``async def`` (queries, loads, insertAll) run as before. Not
covered: bqemulator's gRPC Storage Write API, whose AppendRows handler runs on
a thread of grpc's; it listens on the container's loopback only and dplat
does not use it.
"""

from __future__ import annotations

import inspect
from typing import Any


def install() -> None:
    """Make FastAPI call plain ``def`` routes on the event loop, not its thread pool."""
    from fastapi import routing

    run_endpoint = routing.run_endpoint_function
    # An upgrade that renamed the hook, or stopped calling it for every route,
    # fails the start, not every hundredth query.
    if set(inspect.signature(run_endpoint).parameters) != {"dependant", "values", "is_coroutine"} or (
        "run_endpoint_function(" not in inspect.getsource(routing.get_request_handler)
    ):
        raise RuntimeError("fastapi.routing.run_endpoint_function changed: dplat_bq.one_thread needs a look")

    async def run_endpoint_on_the_loop(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
        if is_coroutine:
            return await run_endpoint(dependant=dependant, values=values, is_coroutine=True)
        return dependant.call(**values)

    routing.run_endpoint_function = run_endpoint_on_the_loop
