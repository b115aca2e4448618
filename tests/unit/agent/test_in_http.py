"""in_http on 127.0.0.1 (ephemeral port), driven with aiohttp's client."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import msgpack
import pytest
from forward_peers import GateRouter, with_memory_room

from dplat.agent.buffer.errors import BufferOverflowError
from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventTime
from dplat.agent.plugins.http.bodies import BadRequest, query_time, record_time, records_of
from dplat.agent.plugins.in_http import EMPTY_GIF, HttpInput
from dplat.agent.protocol import to_ext
from dplat.agent.testing import CollectingRouter, configured
from dplat.waiting import wait_until_async

JSON = {"Content-Type": "application/json"}


class Client:
    """Posts to a running in_http; ``router`` holds what it emitted."""

    def __init__(self, plugin: HttpInput, router: CollectingRouter,
                 session: aiohttp.ClientSession) -> None:
        self.plugin = plugin
        self.router = router
        self.session = session
        self.base = f"http://127.0.0.1:{plugin.bound_port}"

    async def request(self, method: str, path: str, body: bytes | str | None = None,
                      headers: dict[str, str] | None = None, **kwargs: Any
                      ) -> tuple[int, str, dict[str, str]]:
        if body is not None:
            kwargs["data"] = body.encode() if isinstance(body, str) else body
        async with self.session.request(method, self.base + path, headers=headers,
                                        **kwargs) as response:
            return response.status, await response.text(), dict(response.headers)

    async def post_raw(self, path: str, body: bytes, headers: dict[str, str]
                       ) -> tuple[int, str, bytes]:
        async with self.session.post(self.base + path, data=body, headers=headers) as response:
            return response.status, response.content_type, await response.read()

    async def post(self, path: str, body: bytes | str | None = None,
                   headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, str]:
        status, text, _ = await self.request("POST", path, body, headers, **kwargs)
        return status, text


@contextlib.asynccontextmanager
async def serving(conf: str = "", router: CollectingRouter | None = None
                  ) -> AsyncIterator[Client]:
    router = router if router is not None else CollectingRouter()
    plugin = configured(HttpInput, f"port 0\nbind 127.0.0.1\n{with_memory_room(conf)}", router, "source")
    await plugin.open()
    try:
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            yield Client(plugin, router, session)
    finally:
        await plugin.close()


def run(scenario: Any) -> None:
    asyncio.run(scenario())


# -- bodies ------------------------------------------------------------------------------


def test_json_object_with_time_field() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, body = await client.post("/app/log", '{"a": 1, "time": 1704164645.5}', JSON)
            assert (status, body) == (200, "")
        assert client.router.events == [("app.log", EventTime(1704164645, 500_000_000),
                                         {"a": 1})]

    run(scenario)


def test_json_array_is_a_batch_in_order() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, _ = await client.post("/batch", json.dumps([{"n": n} for n in range(5)]), JSON)
            assert status == 200
        assert [r["n"] for _, _, r in client.router.events] == list(range(5))
        assert client.plugin.metrics.emit_count == 1

    run(scenario)


def test_ndjson_lines_with_crlf_and_trailing_newline() -> None:
    async def scenario() -> None:
        async with serving() as client:
            body = '{"n": 1, "time": 1704164645}\r\n{"n": 2}\n\n'
            status, _ = await client.post("/nd", body, {"Content-Type": "application/x-ndjson"})
            assert status == 200
        events = client.router.events
        assert [r for _, _, r in events] == [{"n": 1}, {"n": 2}]
        assert events[0][1] == EventTime(1704164645)

    run(scenario)


def test_msgpack_map_array_and_concatenation_with_event_time() -> None:
    async def scenario() -> None:
        async with serving() as client:
            t = EventTime(1704164645, 7)
            body = (msgpack.packb({"n": 1, "time": to_ext(t)})
                    + msgpack.packb([{"n": 2}, {"n": 3, "time": 1704164646}]))
            status, _ = await client.post("/mp", body, {"Content-Type": "application/msgpack"})
            assert status == 200
        events = client.router.events
        assert [r for _, _, r in events] == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert events[0][1] == t and events[2][1] == EventTime(1704164646)

    run(scenario)


@pytest.mark.parametrize("field", ["json", "ndjson", "msgpack"])
def test_urlencoded_form_fields(field: str) -> None:
    value = msgpack.packb({"f": field}) if field == "msgpack" else json.dumps({"f": field})
    body = urlencode({field: value})  # what curl -d sends; msgpack bytes percent-encoded

    async def scenario() -> None:
        async with serving() as client:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            status, _ = await client.post("/form", body, form)
            assert status == 200
        assert client.router.events[0][2] == {"f": field}

    run(scenario)


def test_multipart_form() -> None:
    async def scenario() -> None:
        async with serving() as client:
            form = aiohttp.FormData()
            form.add_field("json", '{"m": 1}', content_type="application/json")
            status, _ = await client.post("/multi", None, None, data=form)
            assert status == 200
        assert client.router.events[0][2] == {"m": 1}

    run(scenario)


def test_json_in_the_query_string_and_time_parameter() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, _ = await client.post('/q?json={"q":1,"time":5}&time=1704164645.25')
            assert status == 200
        ((tag, when, record),) = client.router.events
        assert tag == "q" and when == EventTime(1704164645, 250_000_000)
        assert record == {"q": 1, "time": 5}, "with ?time= the record keeps its time field"

    run(scenario)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bodies(encoding: str) -> None:
    raw = json.dumps([{"z": i} for i in range(3)]).encode()
    body = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)

    async def scenario() -> None:
        async with serving() as client:
            status, _ = await client.post("/z", body, {**JSON, "Content-Encoding": encoding})
            assert status == 200
        assert [r["z"] for _, _, r in client.router.events] == [0, 1, 2]

    run(scenario)


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "headers", "reason"), [
    ('{"a": ', JSON, "json is not valid JSON"),
    ('[{"a": 1}, 3]', JSON, "json array element 1 is not an object"),
    ('"text"', JSON, "not an object or an array"),
    ("plain words", {"Content-Type": "text/plain"}, "'json', 'ndjson' or 'msgpack' parameter"),
    ('{"time": "yesterday"}', JSON, "record field 'time' is not a number"),
    ('{"a": 1}\nnot json\n', {"Content-Type": "application/x-ndjson"}, "ndjson line 2"),
    (b"\x81\xa1a", {"Content-Type": "application/msgpack"}, "middle of an object"),
    (b"\x1f\x8bnot gzip", {**JSON, "Content-Encoding": "gzip"}, "gzip body"),
    ('{"a": 1}', {**JSON, "Content-Encoding": "br"}, "'br' is not supported"),
])
def test_bad_requests_get_400_with_the_reason_and_emit_nothing(
        body: str | bytes, headers: dict[str, str], reason: str) -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, text = await client.post("/bad", body, headers)
            assert status == 400
            assert text.startswith("400 Bad Request\n") and reason in text
            assert client.plugin.counters()["bad_requests"] == 1
        assert client.router.events == []

    run(scenario)


def test_an_empty_path_has_no_tag() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, text = await client.post("/", '{"a": 1}', JSON)
            assert status == 400 and "names the tag" in text

    run(scenario)


def test_bad_time_parameter() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, text = await client.post("/t?time=noon", '{"a": 1}', JSON)
            assert status == 400 and "time parameter 'noon'" in text

    run(scenario)


def test_body_over_the_limit_gets_413() -> None:
    async def scenario() -> None:
        async with serving("body_size_limit 1k") as client:
            status, text = await client.post("/big", json.dumps({"x": "y" * 5000}), JSON)
            assert (status, text) == (413, "Too large")
            assert client.plugin.counters()["too_large_requests"] == 1
            status, _ = await client.post("/small", '{"x": 1}', JSON)
            assert status == 200

    run(scenario)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b'{"x": "' + b"0" * 1_000_000 + b'"}')

    async def scenario() -> None:
        async with serving("decompression_size_limit 64k") as client:
            status, text = await client.post("/bomb", bomb, {**JSON, "Content-Encoding": "gzip"})
            assert status == 400 and "inflates past" in text
        assert client.router.events == []

    run(scenario)


def test_a_refused_emit_gets_500_so_the_client_retries() -> None:
    async def scenario() -> None:
        router = CollectingRouter(refuse=BufferOverflowError("buffer space has too many data"))
        async with serving(router=router) as client:
            status, text = await client.post("/full", '{"a": 1}', JSON)
            assert status == 500
            assert text == "500 Internal Server Error\nbuffer space has too many data\n"
            assert client.plugin.counters()["refused_requests"] == 1
            router.refuse = None
            assert (await client.post("/full", '{"a": 1}', JSON))[0] == 200

    run(scenario)


# -- responses and options -------------------------------------------------------------------


def test_204_and_empty_image_responses() -> None:
    async def scenario() -> None:
        async with serving("use_204_response true") as client:
            assert (await client.post("/a", '{"a": 1}', JSON))[0] == 204
        async with serving("respond_with_empty_img true") as client:
            assert await client.post_raw("/a", b"{}", JSON) == (200, "image/gif", EMPTY_GIF)

    run(scenario)


def test_get_is_a_health_check() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, text, _ = await client.request("GET", "/anything")
            assert (status, text) == (200, "")
        assert client.router.events == []

    run(scenario)


def test_headers_query_params_remote_addr_and_tag_prefix() -> None:
    conf = "add_http_headers true\nadd_query_params true\nadd_remote_addr true\nadd_tag_prefix p"

    async def scenario() -> None:
        async with serving(conf) as client:
            status, _ = await client.post("/app?user-id=7", '{"a": 1}',
                                          {**JSON, "X-Request-Id": "abc"})
            assert status == 200
            await client.post("/app", '{"a": 2}', {**JSON, "X-Forwarded-For": "10.1.2.3, 10.0.0.1"})
        (tag, _, first), (_, _, second) = client.router.events
        assert tag == "p.app"
        assert first["HTTP_X_REQUEST_ID"] == "abc"
        assert first["HTTP_CONTENT_TYPE"] == "application/json"
        assert first["QUERY_USER_ID"] == "7"
        assert first["REMOTE_ADDR"] == "127.0.0.1"
        assert second["REMOTE_ADDR"] == "10.1.2.3"

    run(scenario)


def test_cors() -> None:
    conf = 'cors_allow_origins ["https://app.example", "https://*.dev.example"]'

    async def scenario() -> None:
        async with serving(conf) as client:
            preflight = {"Origin": "https://a.dev.example",
                         "Access-Control-Request-Method": "POST",
                         "Access-Control-Request-Headers": "content-type"}
            status, _, headers = await client.request("OPTIONS", "/c", headers=preflight)
            assert status == 200
            assert headers["Access-Control-Allow-Origin"] == "https://a.dev.example"
            assert headers["Access-Control-Allow-Methods"] == "POST"
            assert headers["Access-Control-Allow-Headers"] == "content-type"
            status, _, _ = await client.request("OPTIONS", "/c", headers={
                **preflight, "Origin": "https://evil.example"})
            assert status == 403
            status, _, headers = await client.request(
                "POST", "/c", b'{"a": 1}', {**JSON, "Origin": "https://app.example"})
            assert status == 200
            assert headers["Access-Control-Allow-Origin"] == "https://app.example"
            status, _, _ = await client.request(
                "POST", "/c", b'{"a": 2}', {**JSON, "Origin": "https://evil.example"})
            assert status == 403
            assert (await client.post("/c", '{"a": 3}', JSON))[0] == 200  # no Origin: server-side
        assert [r["a"] for _, _, r in client.router.events] == [1, 3]

    run(scenario)


def test_preflight_without_cors_config_is_forbidden() -> None:
    async def scenario() -> None:
        async with serving() as client:
            status, _, _ = await client.request("OPTIONS", "/c", headers={
                "Origin": "https://x", "Access-Control-Request-Method": "POST"})
            assert status == 403

    run(scenario)


def test_cors_credentials_need_specific_origins() -> None:
    with pytest.raises(ConfigError, match="cors_allow_credentials"):
        configured(HttpInput, 'cors_allow_credentials true\ncors_allow_origins ["*"]',
                   name="source")


def test_statistics() -> None:
    async def scenario() -> None:
        async with serving() as client:
            await client.post("/s", '[{"a": 1}, {"a": 2}]', JSON)
            await client.post("/s", "{", JSON)
            stats = client.plugin.statistics()
        assert stats["type"] == "http" and stats["emit_records"] == 2
        assert stats["requests"] == 2 and stats["bad_requests"] == 1

    run(scenario)


# -- the parsing functions alone -----------------------------------------------------------------


def test_time_rules() -> None:
    assert query_time(None) is None
    assert query_time(b"1704164645.5") == EventTime(1704164645, 500_000_000)
    assert abs(query_time(b"0").to_float() - time.time()) < 5  # type: ignore[union-attr]
    record = {"time": 1704164645, "k": 1}
    assert record_time(record) == EventTime(1704164645) and record == {"k": 1}
    with pytest.raises(BadRequest, match="out of range"):
        record_time({"time": -1})
    with pytest.raises(BadRequest, match="not a number"):
        record_time({"time": True})


def test_msgpack_precedes_json_precedes_ndjson() -> None:
    assert records_of({"json": b'{"j": 1}', "msgpack": msgpack.packb({"m": 1})}) == [{"m": 1}]
    assert records_of({"ndjson": b'{"n": 1}', "json": b'{"j": 1}'}) == [{"j": 1}]


def test_requests_beyond_max_concurrent_requests_wait_their_turn() -> None:
    """Bodies held and parsed at once are bounded: with one slot and the
    first emit stuck, the second request is not even read until it frees."""
    async def scenario() -> None:
        router = GateRouter()
        async with serving("max_concurrent_requests 1", router) as client:
            first = asyncio.ensure_future(client.post("/a", '{"n":1}',
                                                      {"Content-Type": "application/json"}))
            second = asyncio.ensure_future(client.post("/b", '{"n":2}',
                                                       {"Content-Type": "application/json"}))
            # The first emit begins (however loaded the machine), then the
            # second must not begin while the first holds the one slot.
            await wait_until_async(lambda: router.started == 1, 30, what="the first emit")
            await asyncio.sleep(0.3)  # room for a wrong second emit to begin
            assert router.started == 1  # the second waits for the slot
            router.gate.set()
            assert [await first, await second] == [(200, ""), (200, "")]
            assert router.started == 2

    run(scenario)


def test_gzip_bodies_inflate_up_to_body_size_limit_by_default() -> None:
    async def scenario() -> None:
        async with serving("body_size_limit 64k") as client:
            bomb = gzip.compress(b'{"z":"' + b"0" * 100_000 + b'"}')
            status, reason = await client.post("/t", bomb, {"Content-Type": "application/json",
                                                            "Content-Encoding": "gzip"})
            assert status == 400 and "inflates past 65536" in reason

    run(scenario)


def test_large_bodies_are_weighed_against_memory_limit() -> None:
    """A JSON body of empty objects costs ~25x its size once parsed."""
    body = "[" + ",".join(["{}"] * 50_000) + "]"  # 150 KB, ~4 MB of objects
    json_type = {"Content-Type": "application/json"}

    async def scenario() -> None:
        async with serving("memory_limit 1m") as client:  # the body alone passes it
            status, reason = await client.post("/t", body, json_type)
            assert status == 413 and "memory_limit" in reason
        async with serving() as client:
            client.plugin.memory.over = lambda expected: True  # the agent is near its limit
            status, reason, headers = await client.request("POST", "/t", body, json_type)
            assert status == 503 and headers["Retry-After"] == "1"
            packed = msgpack.packb([{"n": n} for n in range(30_000)])  # decoded by slices
            status, _ = await client.post("/t", packed, {"Content-Type": "application/msgpack"})
            assert status == 503
            assert client.plugin.counters()["memory_limit_exceeded"] == 2
            status, _ = await client.post("/t", '{"small": 1}', json_type)  # not weighed
            assert status == 200

    run(scenario)
