"""A whole page, or the part of one a page's script loads after its first paint.

Every page module answers through these two (kept apart from
:mod:`dplat.ui.pages` so that page modules can import them without importing
each other).
"""

from __future__ import annotations

from aiohttp import web

from dplat.ui import html
from dplat.ui.state import state


def page(request: web.Request, title: str, active: str, body: str) -> web.Response:
    return web.Response(
        text=html.layout(title, active, state(request).token, body), content_type="text/html"
    )


def fragment_or_page(request: web.Request, title: str, active: str, fragment: str) -> web.Response:
    """A part of a page that the page's script loads after the first paint
    (asked with ``X-Dplat-Fragment: 1``); opened alone, a page of its own."""
    if request.headers.get("X-Dplat-Fragment") == "1":
        return web.Response(text=fragment, content_type="text/html")
    return page(request, title, active, fragment)
