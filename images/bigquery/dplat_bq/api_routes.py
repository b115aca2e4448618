"""The REST routes dplat answers itself, in front of bqemulator's (issue 11).

:func:`install` is called by :mod:`dplat_bq.api_boot` right after
``bqemulator.server`` is imported. It wraps the server's ``create_app`` so
that each app it builds gets our routes first: Starlette tries routes in
order, so ours answer and bqemulator's same-path ones are never reached.
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated, Any

from bqemulator.api.dependencies import AppContext, get_context
from bqemulator.domain.errors import ResourceRef, resource_not_found
from fastapi import APIRouter, Depends, FastAPI, Request

from dplat_bq import api_insert

router = APIRouter(prefix="/bigquery/v2", tags=["dplat"])
_Ctx = Annotated[AppContext, Depends(get_context)]


@router.post("/projects/{project_id}/datasets/{dataset_id}/tables/{table_id}/insertAll")
async def insert_all(project_id: str, dataset_id: str, table_id: str, request: Request, ctx: _Ctx) -> dict[str, Any]:
    """Streaming insert with per-row errors and insertId de-duplication (:mod:`dplat_bq.api_insert`)."""
    table_meta = ctx.catalog.get_table(project_id, dataset_id, table_id)
    if table_meta is None:
        raise resource_not_found(ResourceRef("table", project_id, dataset_id, table_id))
    return await api_insert.insert_all(ctx, project_id, dataset_id, table_meta, await request.json())


def routers() -> list[APIRouter]:
    """Every router of ours, in the order they are tried."""
    from dplat_bq import api_external

    return [router, api_external.router]


def add_routes_first(app: FastAPI) -> None:
    """Include our routers and move their routes in front of bqemulator's."""
    before = len(app.router.routes)
    for extra in routers():
        app.include_router(extra)
    ours = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = ours


def install(server: ModuleType) -> None:
    """Make ``server.create_app`` build apps with our routes first."""
    from dplat_bq import api_load

    api_load.install()
    create_app = server.create_app

    def create_app_with_dplat_routes(context: AppContext) -> FastAPI:
        app = create_app(context)
        add_routes_first(app)
        return app

    server.create_app = create_app_with_dplat_routes
