"""The REST routes dplat answers itself, in front of bqemulator's (issue 11).

:func:`install` is called by :mod:`dplat_bq.api_boot` right after
``bqemulator.server`` is imported. It wraps the server's ``create_app`` so
that each app it builds gets our routes in place of bqemulator's for the
same path and method (:func:`replace_routes`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated, Any

from bqemulator.api.dependencies import AppContext, get_context
from bqemulator.domain.errors import ResourceRef, resource_not_found
from dplat_bq import api_insert
from fastapi import APIRouter, Depends, FastAPI, Request

router = APIRouter(prefix="/bigquery/v2", tags=["dplat"])
_Ctx = Annotated[AppContext, Depends(get_context)]


@router.post("/projects/{project_id}/datasets/{dataset_id}/tables/{table_id}/insertAll")
async def insert_all(project_id: str, dataset_id: str, table_id: str, request: Request, ctx: _Ctx) -> dict[str, Any]:
    """Streaming insert with per-row errors and insertId de-duplication (:mod:`dplat_bq.api_insert`)."""
    table_meta = ctx.catalog.get_table(project_id, dataset_id, table_id)
    if table_meta is None:
        raise resource_not_found(ResourceRef("table", project_id, dataset_id, table_id))
    return await api_insert.insert_all(ctx, project_id, dataset_id, table_meta, await request.json())


def replace_routes() -> None:
    """Put our routes in place of bqemulator's for the same path and method.

    Done in bqemulator's own routers, before ``create_app`` includes them:
    FastAPI includes routers lazily and caches their routes, so routes added
    to or moved in an app afterwards are not reliably tried first.
    """
    from bqemulator.api.routes import datasets, jobs, tabledata, tables
    from dplat_bq import api_external, api_query

    routes = [*router.routes, *api_external.router.routes, *api_query.router.routes]
    ours = {(r.path, frozenset(r.methods)): r for r in routes}
    replaced = 0
    for bq_router in (tabledata.router, tables.router, jobs.router, datasets.router):
        for index, route in enumerate(bq_router.routes):
            mine = ours.get((getattr(route, "path", None), frozenset(getattr(route, "methods", None) or ())))
            if mine is not None:
                bq_router.routes[index] = mine
                replaced += 1
    if replaced != len(ours):  # an upgrade moved a route: fail at start, not silently
        raise RuntimeError(f"dplat_bq replaced {replaced} of bqemulator's routes, expected {len(ours)}")


def install(server: ModuleType) -> None:
    """Make ``server.create_app`` build apps with our routes first."""
    from dplat_bq import (
        api_errors,
        api_external,
        api_js,
        api_load,
        api_s3,
        catalog_rows,
        one_thread,
    )

    one_thread.install()
    api_errors.install()
    catalog_rows.install()
    api_js.install()
    api_load.install()
    api_external.install_ddl()
    replace_routes()
    create_app = server.create_app

    def create_app_with_dplat_routes(context: AppContext) -> FastAPI:
        app = create_app(context)
        # Views of external tables read s3:// paths: they need the S3 secret
        # from the first query on, so it is made now, but only when one exists.
        if api_s3.endpoint() is not None and api_external.any_external(context):
            api_s3.configure(context.engine.connection)
        return app

    server.create_app = create_app_with_dplat_routes
