"""An aiohttp application served by a plugin: in_http and in_monitor_agent.

Both need the same few things from aiohttp: listen on ``bind:port`` (port 0
picks a free one, which tests use), report the port actually bound, keep
aiohttp's access log out of the agent's log (a busy in_http would print a
line per request), and stop within a bounded time when the plugin closes.
"""

from __future__ import annotations

from aiohttp import web

SHUTDOWN_SECONDS = 5.0
"""How long a stopping listener lets requests in progress finish."""


class HttpListener:
    """One aiohttp application on one address, owned by a plugin."""

    def __init__(self, app: web.Application, bind: str, port: int, *,
                 keepalive_timeout: float = 75.0, auto_decompress: bool = True) -> None:
        """``auto_decompress=False`` hands handlers the body as sent, so they
        can bound the inflated size themselves (in_http's
        ``decompression_size_limit``)."""
        self.app = app
        self.bind = bind
        self.port = port
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     keepalive_timeout=keepalive_timeout,
                                     auto_decompress=auto_decompress,
                                     shutdown_timeout=SHUTDOWN_SECONDS)
        self.bound_port: int | None = None

    async def start(self) -> int:
        """Listen; returns the bound port."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.bind, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            raise
        address = self._runner.addresses[0]
        self.bound_port = int(address[1])
        return self.bound_port

    async def stop(self) -> None:
        await self._runner.cleanup()


def text(status: int, body: str = "", headers: dict[str, str] | None = None) -> web.Response:
    """A ``text/plain`` response, the content type Fluentd's plugins answer with."""
    return web.Response(status=status, text=body, content_type="text/plain", headers=headers)
