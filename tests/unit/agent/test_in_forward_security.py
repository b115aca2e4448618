"""in_forward's <security> handshake and its configuration, over loopback.

The client side is written here the way Fluent Bit (16 raw salt bytes packed
as a msgpack str) and Fluentd (32 hex characters) do it; the PONG is checked
with the codec's client helper.
"""

from __future__ import annotations

import asyncio

import pytest
from forward_peers import T1, Peer, message, running

from dplat.agent.config.errors import ConfigError
from dplat.agent.plugins.in_forward import ForwardInput
from dplat.agent.protocol.handshake import check_pong, make_ping, parse_helo
from dplat.agent.testing import configured


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


# -- <security> ----------------------------------------------------------------------------

SECURITY = """
<security>
  self_hostname server.example
  shared_key s3cret
  {extra}
</security>
"""


async def handshake(peer: Peer, key: str, *, salt: bytes = b"\x00\xff" * 8,
                    user: str = "", password: str = "") -> list[object]:
    """Fluent Bit's side: 16 raw salt bytes, then read the PONG."""
    helo = parse_helo(await peer.read_object())
    ping = make_ping("client.example", salt, helo.nonce, key, auth_salt=helo.auth_salt,
                     username=user, password=password)
    # Fluent Bit packs the salt as a *str* of raw bytes; rewrite bin8 -> str8.
    ping = ping.replace(b"\xc4\x10" + salt, b"\xd9\x10" + salt)
    await peer.send(ping)
    return await peer.read_object()


def test_shared_key_handshake_then_events() -> None:
    async def scenario() -> None:
        async with running(SECURITY.format(extra="")) as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            pong = await handshake(peer, "s3cret")
            assert pong[:4] == ["PONG", True, "", "server.example"]
            await peer.send(message("sec", T1, {"a": 1}, {"chunk": "s"}))
            assert await peer.read_object() == {"ack": "s"}
        assert router.events == [("sec", T1, {"a": 1})]

    run(scenario())


def test_pong_proves_the_server_knows_the_key() -> None:
    async def scenario() -> None:
        async with running(SECURITY.format(extra="")) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            helo = parse_helo(await peer.read_object())
            salt = "0123456789abcdef0123456789abcdef"  # Fluentd's hex salt
            await peer.send(make_ping("client.example", salt, helo.nonce, "s3cret"))
            pong = await peer.read_object()
            assert check_pong(pong, "client.example", salt, helo.nonce, "s3cret") == (True, "")

    run(scenario())


def test_wrong_shared_key_gets_a_failed_pong_and_is_closed() -> None:
    async def scenario() -> None:
        async with running(SECURITY.format(extra="")) as (plugin, router):
            peer = await Peer.connect(plugin.bound_port)
            pong = await handshake(peer, "wrong")
            assert pong == ["PONG", False, "shared_key mismatch", "", ""]
            assert await peer.closed_by_server()
            assert plugin.counters()["handshake_failures"] == 1
        assert router.events == []

    run(scenario())


def test_user_auth_checks_name_and_password() -> None:
    users = "user_auth true\n<user>\nusername alice\npassword pw\n</user>"
    async def scenario() -> None:
        async with running(SECURITY.format(extra=users)) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            assert (await handshake(peer, "s3cret", user="alice", password="pw"))[1] is True
            other = await Peer.connect(plugin.bound_port)
            pong = await handshake(other, "s3cret", user="alice", password="nope")
            assert pong[:3] == ["PONG", False, "username/password mismatch"]

    run(scenario())


def test_anonymous_sources_can_be_refused() -> None:
    clients = ("allow_anonymous_source false\n<client>\nnetwork 10.0.0.0/8\n</client>")
    async def scenario() -> None:
        async with running(SECURITY.format(extra=clients)) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            pong = await handshake(peer, "s3cret")
            assert pong[:3] == ["PONG", False, "anonymous source host '127.0.0.1' denied"]

    run(scenario())


def test_a_client_section_has_its_own_key() -> None:
    clients = "<client>\nnetwork 127.0.0.0/8\nshared_key local-key\n</client>"
    async def scenario() -> None:
        async with running(SECURITY.format(extra=clients)) as (plugin, _):
            peer = await Peer.connect(plugin.bound_port)
            assert (await handshake(peer, "local-key"))[1] is True

    run(scenario())


@pytest.mark.parametrize(("conf", "error"), [
    ("add_tag_prefix \"\"", "'add_tag_prefix' parameter must not be empty"),
    ("source_hostname_key h\nresolve_hostname false", "resolve_hostname must be true"),
    (SECURITY.format(extra="user_auth true"), "<user> sections required"),
    (SECURITY.format(extra="allow_anonymous_source false"), "<client> sections required"),
    (SECURITY.format(extra="<client>\nhost a\nnetwork 10.0.0.0/8\n</client>"), "exactly one"),
    (SECURITY.format(extra="<client>\nnetwork nonsense\n</client>"), "address format"),
    ("<transport tls>\n</transport>", "<transport tls> is not supported"),
])
def test_config_mistakes(conf: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        configured(ForwardInput, conf, name="source")


def test_secrets_are_masked_in_the_config_dump() -> None:
    users = "user_auth true\n<user>\nusername alice\npassword pw\n</user>"
    plugin = configured(ForwardInput, SECURITY.format(extra=users), name="source")
    dumped = plugin.masked_config()
    (security,) = dumped.sections("security")
    assert security.get("shared_key") == "xxxxxx"
    assert security.sections("user")[0].get("password") == "xxxxxx"
    assert security.get("self_hostname") == "server.example"
