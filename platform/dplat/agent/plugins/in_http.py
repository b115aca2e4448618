"""``@type http``: events over HTTP, the way Fluentd's in_http takes them.

``POST /app/log`` emits with tag ``app.log``. The body is JSON (an object or
an array of objects), NDJSON, msgpack (a map, an array of maps, or several
concatenated), or a form with a ``json``, ``ndjson`` or ``msgpack`` field
(http/bodies.py); ``Content-Encoding: gzip`` or ``deflate`` is undone first.
The event time is ``?time=<float seconds>``, else the record's ``time``
field (removed from the record), else now.

Answers, as Fluentd's: 200 with an empty ``text/plain`` body (204 with
``use_204_response``, a 1x1 GIF with ``respond_with_empty_img``) once the
events are in the buffer; ``400 Bad Request`` with the reason when the
request cannot be read; ``413`` past ``body_size_limit``; ``500`` when the
emit fails (the buffer is full), so the client retries; ``403`` for an
origin that ``cors_allow_origins`` does not list. ``GET`` and ``HEAD`` answer
200 (health checks), ``OPTIONS`` is the CORS preflight.

Bounded (issue 10 B): at most ``max_concurrent_requests`` requests are read,
parsed and emitted at once (the others wait before their body is read), a
body is read up to ``body_size_limit`` (413 past it) and inflates up to
``decompression_size_limit`` (default: ``body_size_limit``; Fluentd 256 MiB),
and a body past 64 KiB is weighed before it is parsed (JSON) or decoded by
slices (msgpack) against ``memory_limit``: 503 while the agent is near it,
413 when the body alone would pass it (see dplat.agent.memory). A body read
by a ``<parse>`` parser is weighed the same way (bodies.text_cost), and so
is a form (urlencoded or multipart), after its fields are counted: more than
1000 get 413 (http/forms.py).

Differences from Fluentd: invalid JSON and non-object array elements get a
400 instead of a silent 200, an unparsable ``time`` gets a 400 instead of
"now", and an empty path (no tag) gets a 400.

A ``<parse>`` section (other than ``@type in_http``, the default) reads the
whole body with that parser instead, as Fluentd does (``format none`` in a
v0.12 config becomes one): each record it yields is an event, timed by the
parser unless ``?time=`` is given; a body it does not match gets a 400
(Fluentd answers 200 and drops it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from dplat.agent.config.element import Element
from dplat.agent.core.base import Input
from dplat.agent.core.log import kv
from dplat.agent.core.params import config_param, config_section, located
from dplat.agent.core.registry import register
from dplat.agent.event import EventStream, EventTime
from dplat.agent.memory import DEFAULT_MEMORY_LIMIT, MemoryGuard
from dplat.agent.plugins.http.bodies import (
    LARGE,
    BadRequest,
    OverMemory,
    Params,
    body_params,
    inflate,
    query_time,
    record_time,
    records_of,
    text_cost,
    weigh,
)
from dplat.agent.plugins.http.common import HttpListener, text
from dplat.agent.plugins.http.forms import TooManyFields, parse_query
from dplat.agent.plugins.net_common import QuietLog
from dplat.agent.plugins.parser_base import Parser, new_parser

EMPTY_GIF = (b"GIF89a\x01\x00\x01\x00\x80\xff\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00"
             b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
COUNTER_NAMES = ("requests", "bad_requests", "too_large_requests", "forbidden_requests",
                 "refused_requests", "memory_limit_exceeded")


@register("http")
class HttpInput(Input):
    port = config_param("integer", default=9880, desc="Port to listen on.")
    bind = config_param("string", default="127.0.0.1", desc="Address to listen on (Fluentd: 0.0.0.0).")
    body_size_limit = config_param("size", default=32 * 1024 * 1024,
                                   desc="Largest request body (as sent); larger gets 413.")
    decompression_size_limit = config_param("size", default=None,
                                            desc="Largest body after Content-Encoding "
                                            "(default: body_size_limit; Fluentd: 256 MiB).")
    memory_limit = config_param("size", default=DEFAULT_MEMORY_LIMIT,
                                desc="Refuse large bodies (503, or 413 if alone too big) "
                                "while memory is near this (not in Fluentd).")
    max_concurrent_requests = config_param("integer", default=4,
                                           desc="Requests read and parsed at once; others "
                                           "wait (not in Fluentd).")
    keepalive_timeout = config_param("time", default=10.0, desc="Idle keep-alive seconds.")
    add_http_headers = config_param("bool", default=False,
                                    desc="Add each header as HTTP_<NAME> to the records.")
    add_query_params = config_param("bool", default=False,
                                    desc="Add each query parameter as QUERY_<NAME>.")
    add_remote_addr = config_param("bool", default=False,
                                   desc="Add REMOTE_ADDR (first X-Forwarded-For, else the peer).")
    add_tag_prefix = config_param("string", default=None, desc="Prefix every tag.")
    cors_allow_origins = config_param("array", default=None,
                                      desc="Origins allowed for CORS ('*' patterns allowed).")
    cors_allow_credentials = config_param("bool", default=False,
                                          desc="Send Access-Control-Allow-Credentials.")
    respond_with_empty_img = config_param("bool", default=False,
                                          desc="Answer with a 1x1 GIF instead of text.")
    use_204_response = config_param("bool", default=False, desc="Answer 204 instead of 200.")
    dump_error_log = config_param("bool", default=True, desc="Log requests that fail.")
    parse_config = config_section("parse", desc="Read the body with this parser instead.")

    def __init__(self) -> None:
        super().__init__()
        self.bound_port: int | None = None
        self.http_counters: dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)
        self.quiet = QuietLog(self.log)
        self._listener: HttpListener | None = None
        self._slots: asyncio.Semaphore | None = None
        self.memory = MemoryGuard()

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.cors_allow_credentials and (not self.cors_allow_origins
                                            or "*" in self.cors_allow_origins):
            raise located(element.origin, "Cannot enable cors_allow_credentials without "
                          "specific origins")
        if self.add_tag_prefix == "":
            raise located(element.origin, "'add_tag_prefix' parameter must not be empty")
        self.memory.limit = self.memory_limit
        if self.max_concurrent_requests < 1:
            raise located(element.origin, "'max_concurrent_requests' must be at least 1")
        self.parser: Parser | None = None
        if self.parse_config is not None and self.parse_config.get("@type") != "in_http":
            self.parser = new_parser(self.parse_config, usage="in_http")

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.max_concurrent_requests)
        app = web.Application(client_max_size=self.body_size_limit)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._listener = HttpListener(app, self.bind, self.port,
                                      keepalive_timeout=self.keepalive_timeout,
                                      auto_decompress=False)
        self.bound_port = await self._listener.start()
        self.log.info("listening http %s", kv(bind=self.bind, port=self.bound_port))

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.stop()
        self.memory.close()

    # -- requests ----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method in ("GET", "HEAD"):
            return text(200)
        if request.method == "OPTIONS":
            return self._preflight(request)
        self.http_counters["requests"] += 1
        origin = request.headers.get("Origin")
        if self.cors_allow_origins is not None and origin is not None and not self._allowed(
                origin):
            self.http_counters["forbidden_requests"] += 1
            return text(403, headers={"Connection": "close"})
        assert self._slots is not None
        async with self._slots:  # bodies held and parsed at once: bounded
            return await self._post(request)

    async def _post(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.http_counters["too_large_requests"] += 1
            self._log_failure("too large", request, f"body over {self.body_size_limit} bytes")
            return text(413, "Too large", {"Connection": "close"})
        try:
            tag, stream = self._events(request, body)
        except OverMemory as exc:
            self.http_counters["memory_limit_exceeded"] += 1
            self._log_failure("over memory", request, str(exc))
            status = 413 if exc.permanent else 503
            return self._cors(request, text(status, f"{status} {exc}\n",
                                            None if exc.permanent else {"Retry-After": "1"}))
        except TooManyFields as exc:
            self.http_counters["too_large_requests"] += 1
            self._log_failure("too large", request, str(exc))
            return self._cors(request, text(413, f"413 {exc}\n", {"Connection": "close"}))
        except BadRequest as exc:
            self.http_counters["bad_requests"] += 1
            self._log_failure("bad request", request, str(exc))
            return self._cors(request, text(400, f"400 Bad Request\n{exc}\n"))
        try:
            await self.emit_stream(tag, stream)
        except Exception as exc:
            self.http_counters["refused_requests"] += 1
            self._log_failure("emit failed", request, f"{type(exc).__name__}: {exc}")
            return self._cors(request, text(500, f"500 Internal Server Error\n{exc}\n"))
        self.quiet.reset("emit failed")
        return self._cors(request, self._success())

    def _events(self, request: web.Request, body: bytes) -> tuple[str, EventStream]:
        """The tag and events of a POST; BadRequest says why there are none."""
        parts = [part for part in request.path.split("/") if part]
        if not parts:
            raise BadRequest("the URL path names the tag, e.g. POST /app.log; it is empty")
        tag = ".".join(parts)
        if self.add_tag_prefix:
            tag = f"{self.add_tag_prefix}.{tag}"
        body = inflate(body, request.headers.get("Content-Encoding", ""),
                       self.decompression_size_limit or self.body_size_limit)
        query = parse_query(request.rel_url.raw_query_string)
        extra = self._extra_fields(request, query)
        if self.parser is not None:
            return tag, self._parsed(body, query_time(query.get("time")), extra)
        form = body_params(body, request.headers.get("Content-Type", ""), self.memory.over,
                           self.memory_limit)
        params: Params = {**query, **form}
        when = query_time(params.get("time"))
        stream: EventStream = []
        for record in records_of(params, self.memory.over, self.memory_limit):
            record.update(extra)
            stream.append((when or record_time(record), record))
        return tag, stream

    def _parsed(self, body: bytes, when: EventTime | None, extra: dict[str, str]
                ) -> EventStream:
        """The events the ``<parse>`` parser reads in the whole body."""
        assert self.parser is not None
        if len(body) > LARGE:
            weigh(text_cost(body), self.memory.over, self.memory_limit)
        try:
            entries, _ = self.parser.parse_text(body.decode("utf-8", "surrogateescape"))
        except ValueError as exc:  # ParserError, a time that does not read
            raise BadRequest(f"<parse>: {exc}") from exc
        if not entries:
            raise BadRequest(f"the body does not match <parse> @type {self.parser.type_name}")
        return [(when or time or EventTime.now(), {**record, **extra})
                for time, record in entries]

    def _extra_fields(self, request: web.Request, query: Params) -> dict[str, str]:
        """``HTTP_*``, ``QUERY_*`` and ``REMOTE_ADDR`` fields, as configured."""
        extra: dict[str, str] = {}
        if self.add_http_headers:
            for name, value in request.headers.items():
                extra[f"HTTP_{name.replace('-', '_').upper()}"] = value
        if self.add_query_params:
            for name, raw in query.items():
                extra[f"QUERY_{name.replace('-', '_').upper()}"] = raw.decode("utf-8", "replace")
        if self.add_remote_addr:
            forwarded = request.headers.get("X-Forwarded-For")
            extra["REMOTE_ADDR"] = (forwarded.split(",")[0].strip() if forwarded
                                    else request.remote or "")
        return extra

    def _success(self) -> web.Response:
        if self.respond_with_empty_img:
            return web.Response(status=200, body=EMPTY_GIF, content_type="image/gif")
        if self.use_204_response:
            return web.Response(status=204)
        return text(200)

    def _log_failure(self, kind: str, request: web.Request, reason: str) -> None:
        if self.dump_error_log:
            self.quiet.warning(kind, "http request failed (%s) %s", kind,
                               kv(peer=request.remote or "", path=request.path, reason=reason))

    # -- CORS (Fluentd's rules) ----------------------------------------------------------
    def _allowed(self, origin: str) -> bool:
        allowed = self.cors_allow_origins or []
        if "*" in allowed or origin in allowed:
            return True
        for pattern in allowed:
            if pattern and "*" in pattern:
                start, end = pattern.split("*", 1)
                if origin.startswith(start) and origin.endswith(end):
                    return True
        return False

    def _allow_origin_headers(self, origin: str | None) -> dict[str, str]:
        if self.cors_allow_origins is None:
            return {}
        if "*" in self.cors_allow_origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin is not None and self._allowed(origin):
            headers = {"Access-Control-Allow-Origin": origin}
            if self.cors_allow_credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
            return headers
        return {}

    def _cors(self, request: web.Request, response: web.Response) -> web.Response:
        response.headers.update(self._allow_origin_headers(request.headers.get("Origin")))
        return response

    def _preflight(self, request: web.Request) -> web.Response:
        if self.cors_allow_origins is None:
            return text(403)
        if request.headers.get("Access-Control-Request-Method") != "POST":
            return text(403)
        headers = self._allow_origin_headers(request.headers.get("Origin"))
        if not headers:
            return text(403)
        headers["Access-Control-Allow-Methods"] = "POST"
        headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "")
        return text(200, headers=headers)

    # -- monitoring ----------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        return dict(self.http_counters)

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), **self.counters()}
