"""Acknowledgements: ``{"ack": <chunk>}`` in the connection's own encoding.

A client that puts ``chunk`` in a message's option waits for exactly one
reply carrying the same value (the Go logger reads one object per write and
compares strings), so the id is echoed byte for byte: a chunk that arrived
as invalid UTF-8 (held as a surrogate-escaped ``str``) goes back as the same
bytes, in msgpack and in JSON alike. Send it only once the events are safely
buffered: the ack is the at-least-once promise.
"""

from __future__ import annotations

import json

from dplat.agent.protocol.eventtime import packer


def encode_ack(chunk: str, json_mode: bool = False) -> bytes:
    """The reply to a message whose option carried ``chunk``.

    ``json_mode`` is :attr:`ForwardDecoder.is_json`: a JSON-framed connection
    gets ``{"ack":"..."}``, every other one a msgpack map.
    """
    if json_mode:
        text = json.dumps({"ack": chunk}, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogateescape")
    return packer().pack({"ack": chunk})
