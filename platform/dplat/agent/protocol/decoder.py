"""The per-connection forward decoder: bytes in, messages out (no I/O).

in_forward owns the socket and calls :meth:`ForwardDecoder.feed` from
``data_received``; the decoder owns everything about the byte stream:

- any number of objects per read, and objects split across reads (the Python
  logger re-sends a backlog of concatenated messages; Fluentd's out_forward
  sends multi-megabyte chunks), through one streaming ``msgpack.Unpacker``;
- the first byte of the connection choosing the framing: ``{`` or ``[`` means
  a JSON stream (the Go logger's ``MarshalAsJSON``), and replies must then be
  JSON too (:attr:`ForwardDecoder.is_json`), else msgpack;
- bounded memory: no single object may exceed ``chunk_size_limit`` bytes,
  enforced while it is still arriving (a header announcing more fails at
  once), gzip payloads inflate incrementally and stop past
  ``decompression_size_limit`` bytes (by default the same as
  ``chunk_size_limit``), no message yields more than ``entries_limit``
  events (decoding stops one entry past it), and, since a byte can become
  an 80-byte Python object, an object still arriving past 64 KiB is decoded by
  64 KiB slices with ``over_memory`` asked around each, a payload's entries
  past 1 MiB too, and a payload of 64 KiB to 1 MiB is weighed once (ten
  times its size) before it decodes: True drops it
  (:class:`StreamOverMemory`, :class:`MessageOverMemory`); see
  dplat.agent.memory.

``feed`` returns, in stream order, :class:`Message` items, a :class:`Ping`
(first object, when the server expects a ``<security>`` handshake) and
:class:`MessageRejected` items for unusable objects; it *raises* a
:class:`StreamError` when the stream itself is broken, after which the
connection must be closed once the exception's ``decoded`` items (completed
by the same call before the break) are handled; every later ``feed`` raises
again.
See errors.py for the whole policy.

Reply to every Message whose ``chunk`` is not None, in order, with
``encode_ack(message.chunk, decoder.is_json)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dplat.agent.event import EventTime
from dplat.agent.memory import json_cost
from dplat.agent.protocol.errors import (
    FrameTooLarge,
    MalformedMessage,
    MessageOverMemory,
    MessageRejected,
    StreamError,
    StreamOverMemory,
    UndecodableStream,
)
from dplat.agent.protocol.eventtime import MAX_SECONDS, new_unpacker
from dplat.agent.protocol.jsonframes import JsonFramer
from dplat.agent.protocol.message import (
    LARGE,
    EventMode,
    Limits,
    Message,
    Ping,
    absorb,
    interpret,
)
from dplat.agent.protocol.packed_frames import PackedFrame, parse_head

MiB = 1024 * 1024

DEFAULT_CHUNK_SIZE_LIMIT = 16 * MiB
"""Largest object accepted on a connection, as sent, and by default the
largest a compressed payload may inflate to. Fluentd's in_forward has no
limit by default (and inflates up to 256 MiB); the agent runs in a 512 MiB
container, where one decoded message may cost ten times its msgpack size.
16 MiB is twice out_forward's default chunk (8 MiB) and eight times Fluent
Bit's (2 MiB)."""

DEFAULT_DECOMPRESSION_SIZE_LIMIT = DEFAULT_CHUNK_SIZE_LIMIT
"""Inflated bytes of one payload, unless ``decompression_size_limit`` says."""

DEFAULT_ENTRIES_LIMIT = 250_000
"""Most events in one message (``chunk_entries_limit``; Fluentd has none).
An 8 MiB out_forward chunk holds this many events of 33 bytes; decoded, that
many tiny events take about 55 MiB of Python objects."""

Decoded = Message | Ping | MessageRejected
"""One item of :meth:`ForwardDecoder.feed`'s result."""

_JSON_FIRST_BYTES = b"{["
_MESSAGE = EventMode.MESSAGE
_new = tuple.__new__  # EventTime without its Python-level __new__ (see eventtime)
_NO_TIME = EventTime(0, 0)


class ForwardDecoder:
    """Decode one connection's byte stream into forward messages."""

    def __init__(
        self,
        *,
        chunk_size_limit: int = DEFAULT_CHUNK_SIZE_LIMIT,
        decompression_size_limit: int | None = None,
        entries_limit: int = DEFAULT_ENTRIES_LIMIT,
        expect_ping: bool = False,
        coalesce: bool = False,
        over_memory: Callable[[int], bool] | None = None,
    ) -> None:
        """``expect_ping``: the server sent HELO, so the first object is the
        client's PING and is returned as a :class:`Ping`, not interpreted.
        ``coalesce``: consecutive Message-mode frames of one tag that one
        ``feed`` completes come out as one :class:`Message` (its ``frames``
        says how many), the last of them the only one that may carry a
        ``chunk``. A logger writes one frame per event, and a Message each
        costs more than decoding the event; see :meth:`_add`.
        ``decompression_size_limit`` None: the same as ``chunk_size_limit``.
        ``over_memory``: asked while large objects decode (module docstring)."""
        if decompression_size_limit is None:
            decompression_size_limit = chunk_size_limit
        if min(chunk_size_limit, decompression_size_limit, entries_limit) < 1:
            raise ValueError("size and entry limits must be positive")
        self._limits = Limits(chunk_size_limit, decompression_size_limit, entries_limit,
                              over_memory)
        self._over_memory = over_memory
        self._expect_ping = expect_ping
        self._coalesce = coalesce
        self._json: JsonFramer | None = None
        self._unpacker = new_unpacker(chunk_size_limit, entries_limit)
        self._framing_known = False
        self._packed: PackedFrame | None = None
        """A PackedForward frame being taken off the stream by the fast path."""
        self._fed = 0  # bytes given to the unpacker so far
        self._frame_start = 0  # stream offset where the unfinished object began
        self._error: StreamError | None = None

    @property
    def is_json(self) -> bool:
        """True once the first byte said JSON: replies must then be JSON."""
        return self._json is not None

    @property
    def error(self) -> StreamError | None:
        """The error that broke the stream, if any (the connection is done)."""
        return self._error

    @property
    def buffered(self) -> int:
        """Bytes of the object still arriving (for diagnostics)."""
        if self._json is not None:
            return self._json.buffered
        if self._packed is not None:
            return self._packed.buffered
        return self._fed - self._frame_start

    def release(self) -> None:
        """Let go of any half-decoded object now (the connection is done).
        Not left to the garbage collector: a connection's objects sit in
        reference cycles, and a half-decoded object can be hundreds of MiB."""
        self._unpacker = new_unpacker(1)
        self._packed = None
        if self._json is not None:
            self._json = JsonFramer(1)
        self._frame_start = self._fed

    def feed(self, data: bytes | bytearray | memoryview) -> list[Decoded]:
        """Everything that ``data`` completes, in order; see the module docstring.

        Raises :class:`StreamError` (``FrameTooLarge``, ``UndecodableStream``).
        """
        if self._error is not None:  # the same error again, with nothing decoded
            raise type(self._error)(self._error.reason, self._error.tag)
        out: list[Decoded] = []
        if not data:
            return out
        if not self._framing_known:
            self._framing_known = True
            if data[0] in _JSON_FIRST_BYTES:
                self._json = JsonFramer(self._limits.chunk_size_limit)
        try:
            if self._json is not None:
                self._feed_json(data, out)
            else:
                self._feed_msgpack(data, out)
        except StreamError as exc:
            exc.decoded = out
            self._error = exc
            self._unpacker = new_unpacker(1)  # let go of a half-decoded object at once
            self._packed = None
            raise
        return out

    def _feed_msgpack(self, data: bytes | bytearray | memoryview, out: list[Decoded]) -> None:
        unpacker = self._unpacker
        tell = unpacker.tell
        limits = self._limits
        limit = limits.chunk_size_limit
        add = self._add
        view = memoryview(data)
        offset = 0
        # The coalescing run (see _add) and its tag and append, as locals; and
        # the EventTime of the last integer second seen, reused while it lasts.
        run: Message | None = None
        run_tag: str | None = None
        run_append: Any = None
        second, second_time = 0, _NO_TIME
        # The unpacker parses partial objects eagerly and drops their bytes,
        # so its own buffer limit does not bound an object's size: we count
        # the bytes since the last complete object ourselves, and never feed
        # more than the room left under the limit.
        over_memory = self._over_memory
        while offset < len(view):
            if self._packed is not None or (self._fed == self._frame_start
                                            and not self._expect_ping):
                used, item = self._take_packed(view, offset)
                if used:  # PackedForward taken by the fast path (packed_frames.py)
                    offset += used
                    if item is not None:
                        run = add(item, out, run)  # a batch: ends any run
                    continue
            unfinished = self._fed - self._frame_start
            room = limit - unfinished
            piece = view[offset : offset + min(room, LARGE)]
            # Asked before decoding more of a large object too: other
            # connections may have taken the memory since our last slice.
            if (unfinished > LARGE and over_memory is not None and over_memory(0)):
                raise StreamOverMemory(f"the agent's memory passed memory_limit while a "
                                       f"{unfinished} bytes object was arriving")
            unpacker.feed(piece)
            self._fed += len(piece)
            offset += len(piece)
            start = self._frame_start
            try:
                for obj in unpacker:
                    end = tell()
                    nbytes = end - start
                    start = end
                    # The hot path: a ``[tag, time, record]`` frame (the Python
                    # logger's) that continues the run, appended to it in place
                    # of a Message of its own. Anything else takes the long way.
                    if (run is not None and type(obj) is list and len(obj) == 3
                            and obj[0] == run_tag and type(obj[2]) is dict):
                        t = obj[1]
                        if type(t) is int and 0 < t < MAX_SECONDS:
                            if t != second:
                                second, second_time = t, _new(EventTime, (t, 0))
                            t = second_time
                        if type(t) is EventTime and t.sec:
                            run_append((t, obj[2]))
                            run.frames += 1
                            if nbytes > run.nbytes:
                                run.nbytes = nbytes
                            continue
                    if self._expect_ping:
                        self._expect_ping = False
                        out.append(Ping(obj, nbytes))
                        continue
                    item = interpret(obj, nbytes, limits)
                    if item is not None:
                        run = add(item, out, run)
                        if run is not None:
                            run_tag, run_append = run.tag, run.entries.append
            except StreamError:
                raise
            except ValueError as exc:
                # FormatError and StackError are ValueErrors too; "exceeds
                # max_str_len" etc. come from a header announcing a huge object.
                if "exceeds max_" in str(exc):
                    raise FrameTooLarge(f"an object announces more than {limit} bytes or "
                                        f"{limits.entries_limit} items") from exc
                raise UndecodableStream(f"not a msgpack stream: {exc!r:.80}") from exc
            except Exception as exc:  # e.g. TypeError: a map key that is a list
                raise UndecodableStream(f"not a msgpack stream: {exc!r:.80}") from exc
            finally:
                self._frame_start = start
            unfinished = self._fed - start
            if unfinished >= limit:
                raise FrameTooLarge(f"an object is larger than chunk_size_limit {limit}")
            if unfinished > LARGE and over_memory is not None and over_memory(0):
                raise StreamOverMemory(f"the agent's memory passed memory_limit while a "
                                       f"{unfinished} bytes object was arriving")

    def _take_packed(self, view: memoryview, offset: int) -> tuple[int, Decoded | None]:
        """Bytes of a PackedForward frame taken from ``view[offset:]`` (0: not
        one here, the Unpacker's way then) and the frame's item once complete."""
        limit = self._limits.chunk_size_limit
        frame = self._packed
        used = 0
        if frame is None:
            head = parse_head(view, offset)
            if head is None or head.length + head.blob_length >= limit:
                return 0, None  # too large: the Unpacker's way says so as always
            frame = self._packed = PackedFrame(head, limit, self._limits.entries_limit)
            used = head.length
        elif frame.buffered > LARGE and self._over_memory is not None and self._over_memory(0):
            raise StreamOverMemory(f"the agent's memory passed memory_limit while a "
                                   f"{frame.buffered} bytes object was arriving")
        try:
            taken, obj, nbytes = frame.take(view, offset + used)
        except OverflowError as exc:
            raise FrameTooLarge(f"an object is larger than chunk_size_limit {limit}") from exc
        except ValueError as exc:  # the option's msgpack: FormatError, StackError...
            if "exceeds max_" in str(exc):
                raise FrameTooLarge(f"an object announces more than {limit} bytes") from exc
            raise UndecodableStream(f"not a msgpack stream: {exc!r:.80}") from exc
        except Exception as exc:  # e.g. TypeError: a map key that is a list
            raise UndecodableStream(f"not a msgpack stream: {exc!r:.80}") from exc
        if obj is None:
            return used + taken, None
        self._packed = None
        return used + taken, interpret(obj, nbytes, self._limits)

    def _add(self, item: Decoded, out: list[Decoded], run: Message | None) -> Message | None:
        """Append ``item`` to ``out``, or fold it into ``run`` when coalescing;
        the run that later frames may join (None: the next item starts anew).

        A run is a Message-mode Message at the end of ``out`` whose frames all
        had the same tag and no chunk; a frame with a chunk still joins, and
        ends the run, so its ack goes out once every event before it (and its
        own) is emitted, and never waits for a later frame.
        """
        if type(item) is not Message or item.mode is not _MESSAGE:
            out.append(item)
            return None
        if run is not None and item.tag == run.tag:
            absorb(run, item)
        else:
            out.append(item)
            run = item if self._coalesce else None
        return run if run is not None and run.chunk is None else None

    def _feed_json(self, data: bytes | bytearray | memoryview, out: list[Decoded]) -> None:
        assert self._json is not None
        frames, error = self._json.feed(data)
        run: Message | None = None
        over_memory = self._over_memory
        for frame in frames:
            if (len(frame) > LARGE and over_memory is not None
                    and over_memory(json_cost(frame))):  # json.loads cannot be stopped midway
                out.append(MessageOverMemory("a JSON message would take the agent's memory "
                                             "past memory_limit"))
                run = None
                continue
            try:
                obj = json.loads(frame.decode("utf-8", "surrogateescape"))
            except (ValueError, RecursionError) as exc:
                out.append(MalformedMessage(f"invalid JSON: {exc!s:.80}"))
                run = None
                continue
            if self._expect_ping:
                self._expect_ping = False
                out.append(Ping(obj, len(frame)))
                continue
            item = interpret(obj, len(frame), self._limits)
            if item is not None:
                run = self._add(item, out, run)
        if error is not None:
            raise error
