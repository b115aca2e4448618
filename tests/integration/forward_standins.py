"""Senders standing in for Fluentd's out_forward and Fluent Bit's out_forward.

Neither Fluentd (Ruby) nor Fluent Bit (C) can be installed here, so these
small blocking clients reproduce what each puts on the wire, written from
their sources (reference doc, sections A and B) and deliberately not from
dplat's codec, so a mistake in the codec cannot hide itself:

* Fluentd ``lib/fluent/plugin/out_forward.rb`` (``send_data_actual``): a
  3-element array written piece by piece, the entries as a **str32** holding
  binary msgpack (gzip members when ``compress gzip``, one per buffered
  write), options ``{"size": events, "compressed": "text"|"gzip", "chunk":
  Base64.encode64(16-byte unique id)}`` (with its trailing newline); then it
  reads one msgpack ``{"ack": chunk}`` and compares. Its handshake salt is
  ``SecureRandom.hex(16)`` (32 hex characters).
* Fluent Bit ``plugins/out_forward`` (``forward_format.c``, ``forward.c``):
  Forward mode ``[tag, [entry, ...], options]`` whose entries carry the v2
  metadata ``[[EventTime, {}], record]``, options ``{"chunk": hex of the first
  16 bytes of SHA-512 of the entries, "size": events}``; its handshake salt
  is 16 random raw bytes packed as a msgpack *str*.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import socket
import struct
from typing import Any

import msgpack


def event_time(sec: int, nsec: int) -> msgpack.ExtType:
    """Fluentd's EventTime: ext 0, big-endian seconds and nanoseconds."""
    return msgpack.ExtType(0, struct.pack(">II", sec, nsec))


def _str8(raw: bytes) -> bytes:
    """A msgpack str8 holding arbitrary bytes (what C's msgpack_pack_str writes)."""
    return b"\xd9" + bytes([len(raw)]) + raw


class BlockingPeer:
    """A TCP connection that reads msgpack replies one object at a time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._unpacker = msgpack.Unpacker(raw=True, strict_map_key=False)

    def read(self) -> Any:
        while True:
            for obj in self._unpacker:
                return obj
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._unpacker.feed(data)

    def close(self) -> None:
        self.sock.close()

    def handshake(self, hostname: str, shared_key: str, salt: bytes, *,
                  salt_as_raw_str: bool) -> list[Any]:
        """HELO -> PING -> PONG; returns the PONG (fields as bytes)."""
        helo = self.read()
        assert helo[0] == b"HELO", helo
        nonce = helo[1][b"nonce"]
        digest = hashlib.sha512(salt + hostname.encode() + nonce + shared_key.encode()).hexdigest()
        salt_wire = _str8(salt) if salt_as_raw_str else msgpack.packb(salt.decode())
        ping = (b"\x96" + msgpack.packb("PING") + msgpack.packb(hostname) + salt_wire
                + msgpack.packb(digest) + msgpack.packb("") + msgpack.packb(""))
        self.sock.sendall(ping)
        pong = self.read()
        assert len(pong) == 5 and pong[0] == b"PONG", pong
        if pong[1] is True:
            server = pong[3]
            expected = hashlib.sha512(salt + server + nonce + shared_key.encode()).hexdigest()
            assert pong[4].decode() == expected, "the server's PONG digest is wrong"
        return pong


class FluentdForwardSender(BlockingPeer):
    """Fluentd's out_forward, ``require_ack_response true``."""

    def handshake_fluentd(self, hostname: str, shared_key: str) -> list[Any]:
        return self.handshake(hostname, shared_key, os.urandom(16).hex().encode(),
                              salt_as_raw_str=False)

    def send_chunk(self, tag: str, events: list[tuple[int, int, dict[str, Any]]], *,
                   compress: str = "text", writes: int = 1) -> str:
        """Send one buffer chunk of ``events`` (``writes`` buffered writes,
        each its own gzip member when compressed); returns the chunk id."""
        per_write = max(1, -(-len(events) // writes))
        pieces = []
        for start in range(0, len(events), per_write):
            raw = b"".join(msgpack.packb([event_time(sec, nsec), record])
                           for sec, nsec, record in events[start:start + per_write])
            pieces.append(gzip.compress(raw) if compress == "gzip" else raw)
        entries = b"".join(pieces)
        chunk_id = base64.encodebytes(os.urandom(16)).decode()  # Base64.encode64: ends in \n
        option = {"size": len(events), "compressed": compress, "chunk": chunk_id}
        self.sock.sendall(b"\x93" + msgpack.packb(tag) + b"\xdb" + struct.pack(">I", len(entries)))
        self.sock.sendall(entries)
        self.sock.sendall(msgpack.packb(option))
        return chunk_id

    def read_ack(self) -> str:
        reply = self.read()
        return reply[b"ack"].decode()


class FluentBitForwardSender(BlockingPeer):
    """Fluent Bit's out_forward with ``shared_key`` and ``require_ack_response``."""

    def handshake_fluent_bit(self, hostname: str, shared_key: str) -> list[Any]:
        return self.handshake(hostname, shared_key, os.urandom(16), salt_as_raw_str=True)

    def send_records(self, tag: str, events: list[tuple[int, int, dict[str, Any]]]) -> str:
        entries = b"".join(msgpack.packb([[event_time(sec, nsec), {}], record])
                           for sec, nsec, record in events)
        chunk = hashlib.sha512(entries).digest()[:16].hex()
        option = {"chunk": chunk, "size": len(events), "fluent_signal": 0}
        head = b"\x93" + msgpack.packb(tag)
        array = (b"\xdd" + struct.pack(">I", len(events)))  # array32 header, entries raw
        self.sock.sendall(head + array + entries + msgpack.packb(option))
        return chunk

    def read_ack(self) -> str:
        return self.read()[b"ack"].decode()
