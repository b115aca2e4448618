"""``@type monitor_agent``: the agent's HTTP API on port 24220.

Fluentd's in_monitor_agent endpoints, same paths and shapes (reference doc,
section K):

    GET  /api/plugins.json   {"plugins": [...]}; ?tag= ?@id= ?@type= filter,
                             ?pretty_json indents
    GET  /api/plugins        the same rows as LTSV
    GET  /api/config.json    pid, version, config path and the running
    GET  /api/config         config with secrets masked (LTSV without it)

and dplat's additions:

    GET  /metrics            Prometheus text (monitor/prometheus.py)
    POST /api/flush          flush every buffer, answer when done (SIGUSR1)
    POST /api/reload         start a graceful reload (SIGUSR2) and answer
                             at once: the reload replaces this very plugin

The two POSTs change state, so they answer 403 unless the request comes
from a client of this machine rather than a web page the user visits:
``Host`` must be an IP address or ``localhost`` (a DNS-rebinding page sends
its own name), and an ``Origin``, when sent, must name that same host.
Fluentd's GET paths ``/api/plugins.flushBuffers`` and
``/api/config.gracefulReload`` are not here: they exist only on the RPC
endpoint that ``<system> rpc_endpoint`` opens (rpc.py), as in Fluentd. With
``tag``, the plugin rows are also emitted as events every ``emit_interval``
seconds.

The monitor needs the pipeline it belongs to and the server running it; the
server hands them over with :func:`attach` each time it builds a pipeline.
Until then every endpoint answers 503.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web

import dplat
from dplat.agent.core.base import Input
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.event import EventTime
from dplat.agent.plugins.http.common import HttpListener, text
from dplat.agent.plugins.monitor.data import config_text, plugin_row, select, to_json, to_ltsv
from dplat.agent.plugins.monitor.prometheus import CONTENT_TYPE, exposition
from dplat.agent.router import Router


class AgentHandle(Protocol):
    """What the monitor asks of the running agent (``server.AgentServer``)."""

    config_path: Any

    async def flush(self) -> None:
        """Write every buffered chunk now; return when done."""

    def request_reload(self) -> None:
        """Start a graceful reload in the background and return at once."""


def attach(router: Router, agent: AgentHandle | None) -> None:
    """Tell every monitor of ``router`` which pipeline it reports on and
    which agent runs it (call it for each pipeline built, before it starts)."""
    for plugin in router.inputs:
        if isinstance(plugin, MonitorAgentInput):
            plugin.pipeline = router
            plugin.agent = agent


@register("monitor_agent")
class MonitorAgentInput(Input):
    bind = config_param("string", default="127.0.0.1", desc="Address to listen on (Fluentd: 0.0.0.0).")
    port = config_param("integer", default=24220, desc="Port to listen on.")
    tag = config_param("string", default=None, desc="Emit the plugin rows as events "
                       "with this tag.")
    emit_interval = config_param("time", default=60.0, desc="Seconds between emitted rows.")
    include_config = config_param("bool", default=False,
                                  desc="Add each plugin's (masked) parameters to its row.")
    include_retry = config_param("bool", default=False,
                                 desc="Add each output's retry state to its row.")

    def __init__(self) -> None:
        super().__init__()
        self.pipeline: Router | None = None
        self.agent: AgentHandle | None = None
        self.bound_port: int | None = None
        self._listener: HttpListener | None = None

    async def start(self) -> None:
        app = web.Application()
        routes = [
            ("GET", "/api/plugins.json", self._plugins_json),
            ("GET", "/api/plugins", self._plugins_ltsv),
            ("GET", "/api/config.json", self._config_json),
            ("GET", "/api/config", self._config_ltsv),
            ("GET", "/metrics", self._metrics),
            ("POST", "/api/flush", self._flush),
            ("POST", "/api/reload", self._reload),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._listener = HttpListener(app, self.bind, self.port)
        self.bound_port = await self._listener.start()
        self.log.info("listening monitoring http server %s",
                      kv(url=f"http://{self.bind}:{self.bound_port}/api/plugins"))
        if self.tag:
            self.every(self.emit_interval, self._emit_rows, name="emit plugin rows")

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()

    # -- the data -----------------------------------------------------------------------
    def _running(self) -> Router:
        if self.pipeline is None:
            raise web.HTTPServiceUnavailable(
                text=to_json({"message": "the monitor is not attached to a running pipeline "
                              "(the server calls in_monitor_agent.attach)"}),
                content_type="application/json")
        return self.pipeline

    def _rows(self, request: web.Request) -> list[dict[str, Any]]:
        return [plugin_row(plugin, with_config=self.include_config,
                           with_retry=self.include_retry)
                for plugin in select(self._running(), request.query)]

    async def _emit_rows(self) -> None:
        if self.pipeline is None or self.tag is None:
            return
        now = EventTime.now()
        await self.emit_stream(self.tag, [(now, plugin_row(p)) for p in self.pipeline.plugins()])

    def _about(self) -> dict[str, Any]:
        path = getattr(self.agent, "config_path", None)
        return {"pid": os.getpid(), "ppid": os.getppid(), "version": dplat.__version__,
                "config_path": str(path) if path is not None else None}

    # -- handlers --------------------------------------------------------------------------
    async def _plugins_json(self, request: web.Request) -> web.Response:
        pretty = "pretty_json" in request.query
        return _json({"plugins": self._rows(request)}, pretty=pretty)

    async def _plugins_ltsv(self, request: web.Request) -> web.Response:
        return text(200, to_ltsv(self._rows(request)))

    async def _config_json(self, request: web.Request) -> web.Response:
        about = {**self._about(), "config": config_text(self._running())}
        return _json(about, pretty="pretty_json" in request.query)

    async def _config_ltsv(self, request: web.Request) -> web.Response:
        self._running()
        return text(200, to_ltsv([self._about()]))

    async def _metrics(self, request: web.Request) -> web.Response:
        body = exposition(self._running())
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def _flush(self, request: web.Request) -> web.Response:
        refused = same_machine(request)
        if refused is not None:
            return refused
        agent = self._agent()
        try:
            await agent.flush()
        except Exception as exc:
            self.log.error("flush requested over HTTP failed %s", kv(error=exc))
            return _json({"ok": False, "message": f"flush failed: {exc}"}, status=500)
        return _json({"ok": True})

    async def _reload(self, request: web.Request) -> web.Response:
        refused = same_machine(request)
        if refused is not None:
            return refused
        self._agent().request_reload()
        return _json({"ok": True, "message": "graceful reload started"})

    async def _not_found(self, request: web.Request) -> web.Response:
        return _json({"message": "Not found"}, status=404)

    def _agent(self) -> AgentHandle:
        self._running()
        if self.agent is None:
            raise web.HTTPNotImplemented(
                text=to_json({"ok": False, "message": "no agent server runs this pipeline; "
                              "flush and reload need one"}),
                content_type="application/json")
        return self.agent


def same_machine(request: web.Request) -> web.Response | None:
    """None when a state-changing request may go ahead, else the 403 to send
    (see the module docstring: Host an address or localhost, Origin the same)."""
    host = request.headers.get("Host", "")
    name = urlsplit(f"//{host}").hostname or ""
    if name != "localhost":
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return _json({"ok": False, "message": f"Host '{host:.80}' is not an address of "
                          "this machine; use http://127.0.0.1:<port>"}, status=403)
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return _json({"ok": False, "message": f"cross-origin request from '{origin:.80}' "
                      "refused"}, status=403)
    return None


def _json(obj: Any, *, status: int = 200, pretty: bool = False) -> web.Response:
    return web.Response(status=status, text=to_json(obj, pretty=pretty),
                        content_type="application/json")
