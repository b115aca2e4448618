"""What keeps the console safe on a shared desktop: who may talk to it, and
what may run at once.

The server binds 127.0.0.1 only, but any web page the user opens can still
make their browser send requests to it. Three checks close that door:

- **Host header** (every request): only ``127.0.0.1:PORT`` and
  ``localhost:PORT``. A DNS-rebinding page reaches us under its own host name
  (``evil.example:PORT``), so its requests are refused before any handler runs.
- **Session token** (every POST): a random value made when the server starts,
  written into each page (``<meta name="dplat-token">`` and the forms). Another
  site cannot read our pages, so it cannot know the token; a POST without it,
  in the ``X-Dplat-Token`` header or the ``token`` form field, is refused.
- **Origin** (every POST that carries one): must be this console's own.

Only POST changes anything (starts or stops the stack, runs or resets a
lesson, runs SQL, reveals credentials); GET and HEAD only read. Other
methods are refused.

A long action (a lesson run, which may start the stack; the stack's start or
stop; a lesson's reset) holds :class:`OneAtATime`: another one while it runs
gets 409 and the name of the one running.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

TOKEN_HEADER = "X-Dplat-Token"
TOKEN_FIELD = "token"
LOCAL_NAMES = ("127.0.0.1", "localhost")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def bound_port(request: web.Request) -> int | None:
    """The port this connection came in on (the socket's, not the header's)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if sockname else None


def allowed_hosts(port: int | None) -> set[str]:
    return {f"{name}:{port}" for name in LOCAL_NAMES}


def refuse(status: int, why: str, fix: str) -> web.Response:
    """A refusal in words (plain text: the caller may be a script)."""
    return web.Response(status=status, text=f"refused: {why}\nfix: {fix}\n")


async def _token_given(request: web.Request) -> str:
    given = request.headers.get(TOKEN_HEADER, "")
    if not given and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()  # cached by aiohttp: the handler reads it again
        value = form.get(TOKEN_FIELD, "")
        given = value if isinstance(value, str) else ""
    return given


def guard(token: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """The middleware that applies the three checks of the module docstring."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        hosts = allowed_hosts(bound_port(request))
        if request.headers.get("Host", "") not in hosts:
            return refuse(
                421,
                f"Host {request.headers.get('Host', '(none)')!r} is not this console",
                f"Open the console as http://{sorted(hosts)[0]}/.",
            )
        if request.method in ("GET", "HEAD"):
            return await handler(request)
        if request.method != "POST":
            return refuse(405, f"{request.method} is not used here", "Use the page's buttons.")
        origin = request.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in hosts}:
            return refuse(403, f"a request from {origin}", "Use the console's own page.")
        # As bytes: compare_digest refuses str with non-ASCII characters.
        if not hmac.compare_digest((await _token_given(request)).encode(), token.encode()):
            return refuse(
                403,
                "the session token is missing or wrong",
                "Reload the console's page (the token changes when `dplat ui` restarts).",
            )
        return await handler(request)

    return check


class Busy(Exception):
    """A long action was asked for while another one runs."""

    def __init__(self, running: str) -> None:
        super().__init__(f"{running} is running; wait until it ends")
        self.running = running


class OneAtATime:
    """At most one long action at a time, across the whole console."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running: str | None = None

    def claim(self, what: str) -> None:
        """Take the slot for ``what``; :class:`Busy` when it is taken."""
        with self._lock:
            if self.running is not None:
                raise Busy(self.running)
            self.running = what

    def release(self) -> None:
        with self._lock:
            self.running = None
