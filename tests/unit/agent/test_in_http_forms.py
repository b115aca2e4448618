"""in_http form bodies under hostile shapes (issue 10 B, review item 1).

A urlencoded body of 30 MiB of ``a=&`` took the agent from 72 to 1650 MiB
and 4 MiB of empty multipart parts cost 17 s of the event loop: forms are
now counted before they are parsed (413 past 1000 fields), weighed like JSON
bodies against memory_limit, and multipart is split in one linear pass.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from test_in_http import run, serving

from dplat.agent.plugins.http.bodies import BadRequest, body_params
from dplat.agent.plugins.http.forms import MAX_FIELDS, TooManyFields, parse_multipart

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MULTIPART = "multipart/form-data; boundary=XyZ"


def multipart(*parts: bytes, boundary: bytes = b"XyZ") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + (
        b"--" + boundary + b"--\r\n")


def empty_parts(size: int) -> bytes:
    part = b'Content-Disposition: form-data; name="a"\r\n\r\n'
    return multipart(*[part] * (size // (len(part) + 9)))


def test_a_flood_of_urlencoded_fields_gets_413_before_it_is_parsed() -> None:
    body = b"a=&" * (10 * 1024 * 1024)  # 30 MiB, 10 million fields

    async def scenario() -> None:
        async with serving() as client:
            started = time.monotonic()
            status, reason = await client.post("/t", body, FORM)
            assert status == 413 and f"more than {MAX_FIELDS}" in reason, reason
            assert time.monotonic() - started < 5
            assert client.plugin.counters()["too_large_requests"] == 1
            ok = "a=&" * (MAX_FIELDS - 1) + 'json={"n":1}'  # exactly MAX_FIELDS: read
            assert (await client.post("/t", ok, FORM))[0] == 200
        assert [r for _, _, r in client.router.events] == [{"n": 1}]

    run(scenario)


def test_a_flood_of_empty_multipart_parts_gets_413_fast() -> None:
    body = empty_parts(4 * 1024 * 1024)
    content_type = {"Content-Type": MULTIPART}

    async def scenario() -> None:
        async with serving() as client:
            started = time.process_time()
            status, reason = await client.post("/t", body, content_type)
            assert status == 413 and f"more than {MAX_FIELDS}" in reason, reason
            assert time.process_time() - started < 2

    run(scenario)


def test_a_thousand_multipart_parts_split_in_linear_time_and_memory() -> None:
    """Python's email parser took 1.2 s and ~20x the body for 1000 parts."""
    body = empty_parts(48 * 1024)
    tracemalloc.start()
    started = time.process_time()
    fields = parse_multipart(body, MULTIPART)
    seconds = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert fields == {"a": b""}
    assert seconds < 0.2 and peak < 4 * len(body), (seconds, peak)


def test_large_forms_are_weighed_against_memory_limit() -> None:
    value = "x" * 200_000
    body = f"pad={value}&json=%7B%22n%22%3A1%7D"

    async def scenario() -> None:
        async with serving("memory_limit 512k") as client:  # the parse alone passes it
            status, reason = await client.post("/t", body, FORM)
            assert status == 413 and "memory_limit" in reason, reason
        async with serving() as client:
            client.plugin.memory.over = lambda expected: expected > 0  # near the limit
            status, _ = await client.post("/t", body, FORM)
            assert status == 503
            parts = multipart(b'Content-Disposition: form-data; name="pad"\r\n\r\n'
                              + value.encode())
            status, _ = await client.post("/t", parts, {"Content-Type": MULTIPART})
            assert status == 503
            assert client.plugin.counters()["memory_limit_exceeded"] == 2
            assert (await client.post("/t", 'json={"small":1}', FORM))[0] == 200

    run(scenario)


def test_multipart_fields_as_webrick_reads_them() -> None:
    body = multipart(
        b'Content-Disposition: form-data; name="json"\r\nContent-Type: application/json'
        b'\r\n\r\n{"a": 1}\r\n',  # the data keeps its own last CRLF
        b"Content-Disposition: form-data; name=ndjson; filename=\"x.txt\"\r\n\r\nline",
        b'Content-Disposition: form-data; name="q\\"uoted"\r\n\r\n',
        b"Content-Type: text/plain\r\n\r\nno name: ignored",
        b'content-disposition: FORM-DATA; NAME="ndjson"\r\n\r\nlast wins',
        boundary=b"b-1")
    fields = parse_multipart(body, 'multipart/form-data; boundary="b-1"')
    assert fields == {"json": b'{"a": 1}\r\n', "ndjson": b"last wins", 'q"uoted': b""}


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nno end", MULTIPART,
     "no closing boundary"),
    (b"nothing", MULTIPART, "without parts"),
    (multipart(b"a"), "multipart/form-data", "without a boundary"),
])
def test_unreadable_multipart_is_a_bad_request(body: bytes, content_type: str,
                                               reason: str) -> None:
    with pytest.raises(BadRequest, match=reason):
        body_params(body, content_type)


def test_too_many_query_parameters_are_refused_too() -> None:
    with pytest.raises(TooManyFields):
        body_params(b"&" * MAX_FIELDS, "application/x-www-form-urlencoded")


def test_urlencoded_values_decode_as_urllib_does_in_bounded_memory() -> None:
    from urllib.parse import quote, unquote_to_bytes

    from dplat.agent.plugins.http.forms import UNQUOTE_SLICE, parse_query, unquote_plus

    for raw in (b"a%2", b"%zz%41", b"%", b"a+b%2Bc", b"%e2%82%AC", b"%%41", b""):
        assert unquote_plus(raw) == unquote_to_bytes(raw.replace(b"+", b" ")), raw
    value = quote('{"m": "h\u00e9 + 100%"}' * 50_000).encode()  # escapes across slices
    assert len(value) > 3 * UNQUOTE_SLICE
    assert unquote_plus(value) == unquote_to_bytes(value)
    assert parse_query(b"a=1&&b&a=2&c=%3D") == {"a": b"2", "b": b"", "c": b"="}
    escapes = b"json=" + b"%7B" * (2 * 1024 * 1024)  # 6 MiB, 2 million escapes
    tracemalloc.start()
    assert parse_query(escapes)["json"] == b"{" * (2 * 1024 * 1024)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * len(escapes), peak  # urllib's decoder: ~130 MiB of pieces
