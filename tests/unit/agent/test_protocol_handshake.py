"""The <security> handshake: digests checked against hashlib directly, PINGs
shaped like Fluentd's and Fluent Bit's, and a full HELO -> PING -> PONG."""

from __future__ import annotations

import hashlib
import struct

import msgpack
import pytest

from dplat.agent.protocol import ForwardDecoder, HandshakeError, Ping, unpackb
from dplat.agent.protocol.handshake import (
    check_ping,
    check_pong,
    make_helo,
    make_ping,
    make_pong,
    new_salt,
    parse_helo,
)

NONCE = bytes(range(16))
AUTH = bytes(range(100, 116))
KEY = "s3cr3t"
SERVER = "dplat-agent"
CLIENT = "web-1"


def sha512_hex(*parts: bytes) -> str:
    return hashlib.sha512(b"".join(parts)).hexdigest()


def fluentd_ping(salt: str = "0123456789abcdef0123456789abcdef", key: str = KEY) -> list:
    """out_forward: salt = SecureRandom.hex(16) (32 hex chars), no user auth."""
    digest = sha512_hex(salt.encode(), CLIENT.encode(), NONCE, key.encode())
    return ["PING", CLIENT, salt, digest, "", ""]


def fluent_bit_ping_bytes(salt: bytes) -> bytes:
    """Fluent Bit packs 16 raw random bytes as a msgpack *str16*."""
    digest = sha512_hex(salt, CLIENT.encode(), NONCE, KEY.encode())
    return (
        b"\x96"
        + msgpack.packb("PING")
        + msgpack.packb(CLIENT)
        + b"\xda"
        + struct.pack(">H", len(salt))
        + salt
        + msgpack.packb(digest)
        + msgpack.packb("")
        + msgpack.packb("")
    )


def test_helo_carries_binary_nonce_and_auth() -> None:
    helo = msgpack.unpackb(make_helo(NONCE, AUTH), raw=False)
    assert helo == ["HELO", {"nonce": NONCE, "auth": AUTH, "keepalive": True}]
    assert msgpack.unpackb(make_helo(NONCE, b"", keepalive=False))[1]["keepalive"] is False


def test_fluentd_style_ping_is_accepted_and_pong_digest_matches() -> None:
    result = check_ping(fluentd_ping(), NONCE, AUTH, KEY)
    assert result.ok and result.reason == "" and result.client_hostname == CLIENT
    assert result.shared_key_salt == b"0123456789abcdef0123456789abcdef"
    pong = unpackb(make_pong(True, "", SERVER, result.shared_key_salt, NONCE, KEY))
    expected = sha512_hex(result.shared_key_salt, SERVER.encode(), NONCE, KEY.encode())
    assert pong == ["PONG", True, "", SERVER, expected]


def test_fluent_bit_raw_salt_in_a_str_survives_the_decoder() -> None:
    salt = b"\xff\x00\x80" + bytes(range(200, 213))  # not UTF-8
    decoder = ForwardDecoder(expect_ping=True)
    (ping,) = decoder.feed(fluent_bit_ping_bytes(salt))
    assert isinstance(ping, Ping)
    result = check_ping(ping.payload, NONCE, AUTH, KEY)
    assert result.ok and result.shared_key_salt == salt


@pytest.mark.parametrize(
    ("ping", "reason"),
    [
        (fluentd_ping(key="wrong"), "shared_key mismatch"),
        (fluentd_ping()[:5], "invalid ping message"),
        (["PONG", *fluentd_ping()[1:]], "invalid ping message"),
        (["PING", CLIENT, 12, "d", "", ""], "invalid ping message"),
        ({"PING": 1}, "invalid ping message"),
    ],
)
def test_bad_pings_are_refused(ping: object, reason: str) -> None:
    result = check_ping(ping, NONCE, AUTH, KEY)
    assert not result.ok and result.reason == reason and result.shared_key_salt == b""
    assert unpackb(make_pong(False, result.reason, SERVER, b"", NONCE, KEY)) == [
        "PONG",
        False,
        reason,
        "",
        "",
    ]


def user_ping(username: str, password: str) -> list:
    salt = "ab" * 16
    key_digest = sha512_hex(salt.encode(), CLIENT.encode(), NONCE, KEY.encode())
    user_digest = sha512_hex(AUTH, username.encode(), password.encode())
    return ["PING", CLIENT, salt, key_digest, username, user_digest]


@pytest.mark.parametrize(
    ("username", "password", "ok"),
    [("alice", "pw-a", True), ("alice", "pw-b", False), ("mallory", "pw-a", False)],
)
def test_user_authentication(username: str, password: str, ok: bool) -> None:
    users = {"alice": "pw-a", "bob": "pw-b"}
    result = check_ping(user_ping(username, password), NONCE, AUTH, KEY, users)
    assert result.ok is ok
    assert result.reason == ("" if ok else "username/password mismatch")
    # Without user auth configured the same PINGs pass on the shared key alone.
    assert check_ping(user_ping(username, password), NONCE, AUTH, KEY).ok


def handshake(client_key: str, server_key: str, *, user: tuple[str, str] = ("", "")):
    """Both halves talking through bytes, the way the sockets would carry them."""
    nonce, auth = new_salt(), new_salt()
    helo = parse_helo(unpackb(make_helo(nonce, auth)))
    salt = new_salt().hex()
    ping_bytes = make_ping(
        CLIENT, salt, helo.nonce, client_key, auth_salt=helo.auth_salt,
        username=user[0], password=user[1],
    )  # fmt: skip
    (ping,) = ForwardDecoder(expect_ping=True).feed(ping_bytes)
    result = check_ping(ping.payload, nonce, auth, server_key, {"alice": "pw"})
    pong = make_pong(result.ok, result.reason, SERVER, result.shared_key_salt, nonce, server_key)
    return result, check_pong(unpackb(pong), CLIENT, salt, helo.nonce, client_key)


def test_full_round_trip_with_both_sides() -> None:
    result, client_view = handshake(KEY, KEY, user=("alice", "pw"))
    assert result.ok and result.client_hostname == CLIENT
    assert client_view == (True, "")


def test_round_trip_with_wrong_key_fails_on_both_sides() -> None:
    result, client_view = handshake("other", KEY, user=("alice", "pw"))
    assert not result.ok
    assert client_view == (False, "authentication failed: shared_key mismatch")


def test_client_refuses_a_server_that_does_not_know_the_key() -> None:
    salt = "c" * 32
    forged = make_pong(True, "", SERVER, salt.encode(), NONCE, "guess")
    assert check_pong(unpackb(forged), CLIENT, salt, NONCE, KEY) == (False, "shared key mismatch")


def test_client_refuses_its_own_hostname() -> None:
    salt = "c" * 32
    pong = make_pong(True, "", CLIENT, salt.encode(), NONCE, KEY)
    ok, reason = check_pong(unpackb(pong), CLIENT, salt, NONCE, KEY)
    assert not ok and reason.startswith("same hostname")


def test_ping_layout_matches_fluentds_client() -> None:
    salt = "f" * 32
    ping = unpackb(make_ping(CLIENT, salt, NONCE, KEY, auth_salt=AUTH, username="u", password="p"))
    assert ping == [
        "PING",
        CLIENT,
        salt,
        sha512_hex(salt.encode(), CLIENT.encode(), NONCE, KEY.encode()),
        "u",
        sha512_hex(AUTH, b"u", b"p"),
    ]
    assert unpackb(make_ping(CLIENT, salt, NONCE, KEY))[4:] == ["", ""]


@pytest.mark.parametrize("helo", [["HELO"], ["HI", {}], ["HELO", "opts"], ["HELO", {"nonce": 5}]])
def test_invalid_helo_raises(helo: object) -> None:
    with pytest.raises(HandshakeError):
        parse_helo(helo)
