"""Fluentd's RPC endpoint: ``<system> rpc_endpoint`` opens GET control paths.

Fluentd's supervisor (lib/fluent/supervisor.rb ``run_rpc_server``) serves,
only when ``rpc_endpoint host:port`` is set, GET paths that send itself a
signal. dplat serves the ones that mean something for one process:

    GET /api/plugins.flushBuffers   flush every buffer (SIGUSR1)
    GET /api/config.gracefulReload  graceful reload (SIGUSR2)
    GET /api/config.reload          the same here (Fluentd restarts workers)

Each answers ``{"ok": true}`` as Fluentd's servlet does. A GET that changes
state can be triggered by any web page (an ``<img src>``), which is why
these paths are opt-in and never on the monitor's port; the endpoint binds
127.0.0.1 unless ``rpc_endpoint`` names another address (``:24444`` or
``24444`` mean 127.0.0.1).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from dplat.agent.config.errors import ConfigError
from dplat.agent.plugins.http.common import HttpListener

log = logging.getLogger("dplat.agent.rpc")
_ENDPOINT = re.compile(r"\A(?:\[?(?P<host>[0-9A-Za-z:.\-]*?)\]?:)?(?P<port>[0-9]{1,5})\Z")


def parse_endpoint(text: str) -> tuple[str, int]:
    """``(host, port)`` of ``rpc_endpoint``; the host defaults to 127.0.0.1."""
    match = _ENDPOINT.match(text.strip())
    if match is None or int(match["port"]) > 65535:
        raise ConfigError(f"Invalid rpc_endpoint: {text!r}", None,
                          "write host:port, e.g. 127.0.0.1:24444")
    return match["host"] or "127.0.0.1", int(match["port"])


class RpcServer:
    """The GET control paths on their own listener (see the module docstring)."""

    def __init__(self, endpoint: str, agent: Any) -> None:
        self.host, self.port = parse_endpoint(endpoint)
        self.agent = agent
        app = web.Application()
        app.router.add_get("/api/plugins.flushBuffers", self._flush)
        app.router.add_get("/api/config.gracefulReload", self._reload)
        app.router.add_get("/api/config.reload", self._reload)
        self._listener = HttpListener(app, self.host, self.port)
        self.bound_port: int | None = None

    async def start(self) -> None:
        self.bound_port = await self._listener.start()
        log.info("rpc endpoint listening on %s:%s", self.host, self.bound_port)

    async def stop(self) -> None:
        await self._listener.stop()

    async def _flush(self, request: web.Request) -> web.Response:
        log.debug("rpc got /api/plugins.flushBuffers")
        await self.agent.flush()
        return _ok()

    async def _reload(self, request: web.Request) -> web.Response:
        log.debug("rpc got %s", request.path)
        self.agent.request_reload()
        return _ok()


def _ok() -> web.Response:
    return web.Response(text=json.dumps({"ok": True}), content_type="application/json")
