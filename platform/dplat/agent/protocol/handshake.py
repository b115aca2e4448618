"""The ``<security>`` shared-key handshake, both sides, without I/O.

    server                                   client
    HELO  ["HELO", {nonce, auth, keepalive}] ->
                                             <- ["PING", client_hostname, shared_key_salt,
                                                 hex(salt|client_hostname|nonce|key),
                                                 username, hex(auth|username|password)]
    PONG  ["PONG", True, "", server_hostname,
           hex(salt|server_hostname|nonce|key)] ->   (or ["PONG", False, reason, "", ""])

``hex`` is the lowercase SHA-512 hex digest of the raw byte concatenation.
Peers disagree on types: Fluentd's client salt is 32 hex characters, Fluent
Bit's is 16 random bytes packed as a msgpack *str* (invalid UTF-8), nonces
come as bin or str. So everything is hashed as bytes: a ``str`` is encoded
with ``surrogateescape``, which gives back exactly the bytes on the wire when
the unpacker used that error handler (``eventtime.new_unpacker`` does).

The server sends HELO in one write right after accepting (the Node logger
decodes the first 'data' event as one whole object) and PONG after checking
the PING; on failure it sends PONG and closes. Digests are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any, NamedTuple

from dplat.agent.protocol.errors import HandshakeError
from dplat.agent.protocol.eventtime import packer

Text = str | bytes


class PingResult(NamedTuple):
    """What the server learnt from a PING. On failure ``reason`` goes into the
    PONG; on success ``shared_key_salt`` is needed to build it."""

    ok: bool
    reason: str
    shared_key_salt: bytes
    client_hostname: str


class Helo(NamedTuple):
    """The server's greeting as a client reads it."""

    nonce: bytes
    auth_salt: bytes
    keepalive: bool


def new_salt() -> bytes:
    """16 random bytes: a nonce, a user-auth salt or a shared-key salt."""
    return os.urandom(16)


def _raw(value: Any) -> bytes | None:
    """Bytes of a str/bin protocol field; None when it is neither."""
    if type(value) is bytes:
        return value
    if type(value) is str:
        return value.encode("utf-8", "surrogateescape")
    return None


def hex_digest(*parts: Text) -> str:
    """Lowercase SHA-512 hex digest of the concatenated parts."""
    h = hashlib.sha512()
    for part in parts:
        h.update(part if type(part) is bytes else part.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _same_digest(expected: str, given: Any) -> bool:
    raw = _raw(given)
    return raw is not None and hmac.compare_digest(expected.encode("ascii"), raw)


def _encode(obj: list[Any], json_mode: bool) -> bytes:
    if json_mode:  # a JSON-framed connection; salts are text there
        return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogateescape")
    return packer().pack(obj)


# -- server side -------------------------------------------------------------


def make_helo(nonce: bytes, auth_salt: bytes, *, keepalive: bool = True) -> bytes:
    """``["HELO", {"nonce": bin, "auth": bin, "keepalive": bool}]`` in msgpack.

    Fluentd sends an ``auth`` salt whenever security is on, whether or not it
    checks users; ``keepalive`` is False under ``deny_keepalive``.
    """
    return packer().pack(["HELO", {"nonce": nonce, "auth": auth_salt, "keepalive": keepalive}])


def check_ping(
    ping: Any,
    nonce: bytes,
    auth_salt: bytes,
    shared_key: Text,
    users: dict[str, str] | None = None,
) -> PingResult:
    """Verify a client's PING against our nonce and shared key.

    ``users`` (username -> password) turns on user authentication, as
    ``<security><user>`` does in Fluentd; the caller passes the users allowed
    for this client. Choosing the shared key per client address (``<client>``)
    and refusing anonymous sources is also the caller's job.
    """
    if not (type(ping) is list and len(ping) == 6 and ping[0] == "PING"):
        return PingResult(False, "invalid ping message", b"", "")
    _, hostname, salt, key_digest, username, password_digest = ping
    host_raw, salt_raw = _raw(hostname), _raw(salt)
    if host_raw is None or salt_raw is None:
        return PingResult(False, "invalid ping message", b"", "")
    client = host_raw.decode("utf-8", "surrogateescape")
    if not _same_digest(hex_digest(salt_raw, host_raw, nonce, shared_key), key_digest):
        return PingResult(False, "shared_key mismatch", b"", client)
    if users is not None:
        name = _raw(username)
        password = None if name is None else users.get(name.decode("utf-8", "surrogateescape"))
        if (
            name is None
            or password is None
            or not _same_digest(hex_digest(auth_salt, name, password), password_digest)
        ):
            return PingResult(False, "username/password mismatch", b"", client)
    return PingResult(True, "", salt_raw, client)


def make_pong(
    ok: bool,
    reason: str,
    self_hostname: str,
    shared_key_salt: bytes,
    nonce: bytes,
    shared_key: Text,
    *,
    json_mode: bool = False,
) -> bytes:
    """The 5-element PONG: our hostname and digest on success, the reason on
    failure (then close the connection once it is written)."""
    if not ok:
        return _encode(["PONG", False, reason, "", ""], json_mode)
    digest = hex_digest(shared_key_salt, self_hostname, nonce, shared_key)
    return _encode(["PONG", True, "", self_hostname, digest], json_mode)


# -- client side (out_forward) -------------------------------------------------


def parse_helo(helo: Any) -> Helo:
    """Read the server's HELO; raises :class:`HandshakeError` if it is not one."""
    if not (type(helo) is list and len(helo) == 2 and helo[0] == "HELO"):
        raise HandshakeError("received an invalid HELO message")
    options = helo[1] if helo[1] is not None else {}
    if type(options) is not dict:
        raise HandshakeError("HELO options are not a map")
    nonce, auth = _raw(options.get("nonce") or b""), _raw(options.get("auth") or b"")
    if nonce is None or auth is None:
        raise HandshakeError("HELO nonce/auth are not strings")
    return Helo(nonce, auth, bool(options.get("keepalive", True)))


def make_ping(
    client_hostname: str,
    shared_key_salt: Text,
    nonce: bytes,
    shared_key: Text,
    *,
    auth_salt: bytes = b"",
    username: str = "",
    password: str = "",
) -> bytes:
    """The 6-element PING. Like Fluentd's out_forward, the user digest is sent
    whenever the server offered an ``auth`` salt (empty names included)."""
    key_digest = hex_digest(shared_key_salt, client_hostname, nonce, shared_key)
    user = [username, hex_digest(auth_salt, username, password)] if auth_salt else ["", ""]
    return packer().pack(["PING", client_hostname, shared_key_salt, key_digest, *user])


def check_pong(
    pong: Any, client_hostname: str, shared_key_salt: Text, nonce: bytes, shared_key: Text
) -> tuple[bool, str]:
    """``(True, "")`` when the server proved it knows the shared key."""
    if not (type(pong) is list and len(pong) == 5 and pong[0] == "PONG"):
        return False, "invalid format for PONG message"
    _, ok, reason, hostname, key_digest = pong
    if ok is not True:
        return False, f"authentication failed: {reason}"
    host_raw = _raw(hostname)
    if host_raw is None:
        return False, "invalid format for PONG message"
    if host_raw == _raw(client_hostname):
        return False, "same hostname between input and output: invalid configuration"
    if not _same_digest(hex_digest(shared_key_salt, host_raw, nonce, shared_key), key_digest):
        return False, "shared key mismatch"
    return True, ""
