"""What the monitor and the RPC endpoint let through (issue 10 B).

Fluentd serves its control paths as GETs on a separate RPC server, only with
``<system> rpc_endpoint`` (lib/fluent/supervisor.rb ``run_rpc_server``,
lib/fluent/rpc.rb). A GET can be fired by any web page (an ``<img>``), and a
POST by any page's form, so the monitor's own state-changing paths are POSTs
that must come from this machine (Host an address or localhost, Origin the
same host), and the GETs exist only where Fluentd has them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from test_in_monitor import FakeAgent, pipeline, run

from dplat.agent.config import parse_config
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.masking import masked, render
from dplat.agent.router import Router
from dplat.agent.rpc import RpcServer, parse_endpoint
from dplat.agent.server import build
from dplat.agent.testing import parse


async def post(api: Any, path: str, headers: dict[str, str]) -> int:
    async with api.session.post(api.base + path, headers=headers) as response:
        return response.status


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),
    ({"Host": "localhost:24220"}, 200),
    ({"Host": "[::1]:24220", "Origin": "http://[::1]:24220"}, 200),
    ({"Origin": "http://evil.example"}, 403),  # a page on another site
    ({"Host": "evil.example:24220"}, 403),  # DNS rebinding: the page's own name
    ({"Host": "localhost:24220", "Origin": "http://localhost:9999"}, 403),
])
def test_state_changes_only_from_this_machine(headers: dict[str, str], status: int) -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            monitor = next(p for p in api.router.inputs if p.type_name == "monitor_agent")
            if "Origin" in headers and "Host" not in headers:
                headers["Host"] = f"127.0.0.1:{monitor.bound_port}"
            assert await post(api, "/api/flush", headers) == status
            assert await post(api, "/api/reload", headers) == status
            assert monitor.agent.reloads == (1 if status == 200 else 0)

    run(scenario)


def test_fluentd_rpc_gets_are_not_on_the_monitor() -> None:
    async def scenario() -> None:
        async with pipeline() as api:
            for path in ("/api/plugins.flushBuffers", "/api/config.gracefulReload"):
                status, _, _ = await api.get(path)
                assert status == 404
            status, _, _ = await api.get("/api/flush")  # a GET never flushes
            assert status == 404

    run(scenario)


def test_rpc_endpoint_serves_fluentds_gets_on_loopback() -> None:
    async def scenario() -> None:
        router = Router.build(parse("<match **>\n @type null\n</match>"))
        agent = FakeAgent(router)
        flushed: list[bool] = []

        async def flush() -> None:
            flushed.append(True)

        agent.flush = flush  # type: ignore[method-assign]
        rpc = RpcServer("0", agent)  # a port alone: 127.0.0.1
        await rpc.start()
        try:
            base = f"http://127.0.0.1:{rpc.bound_port}"
            async with aiohttp.ClientSession() as session:
                for path in ("/api/plugins.flushBuffers", "/api/config.gracefulReload",
                             "/api/config.reload"):
                    async with session.get(base + path) as response:
                        assert (response.status, await response.json()) == (200, {"ok": True})
        finally:
            await rpc.stop()
        assert rpc.host == "127.0.0.1" and flushed == [True] and agent.reloads == 2

    asyncio.run(scenario())


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:24444", ("127.0.0.1", 24444)), (":24444", ("127.0.0.1", 24444)),
    ("24444", ("127.0.0.1", 24444)), ("0.0.0.0:1", ("0.0.0.0", 1)),
    ("[::1]:24444", ("::1", 24444)), ("localhost:24444", ("localhost", 24444)),
])
def test_rpc_endpoint_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_endpoint(text) == expected


def test_a_bad_rpc_endpoint_is_refused_at_its_line() -> None:
    root = parse("<system>\n rpc_endpoint nonsense:port\n</system>\n"
                 "<match **>\n @type null\n</match>")
    with pytest.raises(ConfigError, match=r"test.conf:2: Invalid rpc_endpoint"):
        build(root)


def test_config_dumps_mask_env_values_and_secret_looking_names() -> None:
    root = parse_config(
        '<match **>\n @type null\n path "#{ENV[\'OUT\']}/x"\n api_key k1\n'
        " aws_key_id k2\n authorization Bearer-t\n time_key time\n tag_key tag\n</match>",
        "t.conf", env={"OUT": "/home/me"}, allow_include=False)
    shown = {k: p.value for k, p in masked(root.elements[0], None).params.items()}
    assert shown == {"@type": "null", "path": "xxxxxx", "api_key": "xxxxxx",
                     "aws_key_id": "xxxxxx", "authorization": "xxxxxx",
                     "time_key": "time", "tag_key": "tag"}


def test_a_declared_parameter_is_masked_only_when_declared_secret() -> None:
    """Fluentd marks its secrets (``secret: true``: out_forward's shared_key,
    out_s3's aws_key_id...); grep's ``key`` and bigquery's
    ``private_key_path`` name a field and a file. Names that look secret
    are hidden only where nothing declares them."""
    router, _ = build(parse(
        "<filter a>\n @type grep\n <regexp>\n  key message\n  pattern /x/\n </regexp>\n"
        "</filter>\n<match a>\n @type forward\n <security>\n  self_hostname h\n"
        "  shared_key k1\n </security>\n <server>\n  host 127.0.0.1\n  password p1\n"
        " </server>\n</match>\n<match b>\n @type null\n key k2\n</match>"))
    text = "\n".join(render(plugin.masked_config()) for plugin in router.plugins())
    assert "key message" in text and "self_hostname h" in text
    assert "k1" not in text and "p1" not in text and "k2" not in text
    assert "shared_key xxxxxx" in text and "password xxxxxx" in text and "key xxxxxx" in text
