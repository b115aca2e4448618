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
