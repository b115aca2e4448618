"""``<parse>`` in in_http (https://docs.fluentd.org/input/http#parse-directive):
the body is read by the configured parser; our own bodies and parsers."""

from __future__ import annotations

from test_in_http import run, serving

from dplat.agent.event import EventTime

NONE = "<parse>\n  @type none\n</parse>"
REGEXP = ("<parse>\n  @type regexp\n  expression /^(?<level>\\w+) (?<msg>.*)$/\n"
          "  time_key t\n</parse>")


def test_parse_none_takes_the_whole_body_as_message() -> None:
    async def scenario() -> None:
        async with serving(NONE) as client:
            status, _ = await client.post("/app.raw", "plain text, not JSON",
                                          {"Content-Type": "text/plain"})
            assert status == 200
        [(tag, _, record)] = client.router.events
        assert (tag, record) == ("app.raw", {"message": "plain text, not JSON"})

    run(scenario)


def test_parse_regexp_with_time_param_and_a_body_that_does_not_match() -> None:
    async def scenario() -> None:
        async with serving(REGEXP) as client:
            status, _ = await client.post("/app?time=1704164645.5", "warn disk full")
            assert status == 200
            status, body = await client.post("/app", "!!")
            assert status == 400 and "does not match <parse> @type regexp" in body
        assert client.router.events == [
            ("app", EventTime(1704164645, 500_000_000), {"level": "warn", "msg": "disk full"})]

    run(scenario)


def test_parse_in_http_is_the_default_body_handling() -> None:
    async def scenario() -> None:
        async with serving("<parse>\n  @type in_http\n</parse>") as client:
            status, _ = await client.post("/app", '{"a": 1}', {"Content-Type": "application/json"})
            assert status == 200
        assert [record for *_, record in client.router.events] == [{"a": 1}]

    run(scenario)


def test_parse_bodies_are_weighed_against_memory_limit() -> None:
    """A body read by a ``<parse>`` parser counts against memory_limit as a
    JSON or msgpack body does (413 alone too big, 503 near the limit), and
    the refused request emits nothing; a real HTTP client (aiohttp) posts."""
    lines = "".join(f"info line {n}\n" for n in range(20_000))  # 270 KB, 20,000 records
    multiline = ("<parse>\n  @type multiline\n  format_firstline /^info/\n"
                 "  format1 /^(?<level>\\w+) (?<msg>.*)$/\n</parse>")

    async def scenario() -> None:
        async with serving(f"memory_limit 4m\n{multiline}") as client:  # alone: ~9.6 MB
            status, reason = await client.post("/app", lines)
            assert status == 413 and "memory_limit" in reason
            status, _ = await client.post("/app", "info small")  # under 64 KiB: not weighed
            assert status == 200
            assert client.plugin.counters()["memory_limit_exceeded"] == 1
        assert [r["msg"] for *_, r in client.router.events] == ["small"]
        async with serving(NONE) as client:
            client.plugin.memory.over = lambda expected: True  # the agent is near its limit
            status, reason, headers = await client.request("POST", "/app", "x" * 100_000)
            assert status == 503 and headers["Retry-After"] == "1"
            client.plugin.memory.over = lambda expected: False
            status, _ = await client.post("/app", "x" * 100_000)
            assert status == 200
        assert [len(r["message"]) for *_, r in client.router.events] == [100_000]

    run(scenario)
