"""Rows of the BigQuery outputs: how chunks hold them, and how bad ones are found.

Chunk lines. Each buffered event is one line ``<sec>.<nsec>\\t<tag>\\t<json>``:
the record (after ``<inject>``) as compact JSON, with the event time and tag
kept so that a row BigQuery rejects can go to ``@ERROR`` as the event it was.
These are out_file lines with float times, which is also what a
``<secondary>`` writing the chunk as it is gets. JSON never holds a raw TAB.

Isolating bad rows. BigQuery answers a streaming insert with per-row
``insertErrors`` (``invalid`` for the bad row, ``stopped`` for the others when
``skip_invalid_rows`` is false); dplat's emulator instead refuses the whole
request with HTTP 500. Either way one bad row must not hold its chunk in retry
until the chunk is discarded, so :class:`Isolator` delivers what it can:

* per-row errors: ``invalid`` (and any non-retryable reason) rows are set
  aside, ``stopped`` rows are sent again without them;
* a refused request (:class:`RequestRejected`): the batch is split in halves
  and each half sent again, until the refused batches are single rows - those
  are the bad rows. k bad rows among n cost about 2·k·log2(n) requests;
* a retryable failure (connection, 503...) propagates: the chunk is retried
  later. The :class:`Outcome` filled so far says which rows were already
  delivered or set aside, so the retry sends only the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.bigquery.client import (
    RETRYABLE_REASONS,
    BigQueryError,
    RequestRejected,
    RowError,
)
from dplat.agent.plugins.formatters import to_json_roundtrip_bytes


@dataclass
class Row:
    """One buffered event: its place in the chunk, time, tag and record."""

    index: int
    time: EventTime
    tag: str
    record: Record


def encode_line(tag: str, time: EventTime, record: Record) -> bytes:
    return (f"{time.sec}.{time.nsec:09d}\t{tag}\t".encode("utf-8", "surrogateescape")
            + to_json_roundtrip_bytes(record) + b"\n")


def encode_lines(tag: str, stream: EventStream) -> list[bytes]:
    """:func:`encode_line` of each event, the time and tag columns made once
    per distinct time (Message-mode events of one second share it)."""
    lines: list[bytes] = []
    append, encode = lines.append, to_json_roundtrip_bytes
    last: EventTime | None = None
    prefix = b""
    for time, record in stream:
        if time != last:
            last = time
            prefix = f"{time.sec}.{time.nsec:09d}\t{tag}\t".encode("utf-8", "surrogateescape")
        append(prefix + encode(record) + b"\n")
    return lines


def decode_lines(data: bytes) -> tuple[list[Row], list[str]]:
    """The rows of a chunk body, plus a description of each line that does
    not decode (a damaged chunk: logged and counted by the caller)."""
    rows: list[Row] = []
    broken: list[str] = []
    # Split on "\n" only: JSON escapes it, but not U+2028, U+0085 and the
    # other characters str.splitlines() also breaks at, which a string in a
    # record may hold.
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    if lines[-1] == "":
        lines.pop()
    for index, line in enumerate(lines):
        try:
            stamp, tag, body = line.split("\t", 2)
            sec, _, nsec = stamp.partition(".")
            record = json.loads(body)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            rows.append(Row(index, EventTime(int(sec), int(nsec or 0)), tag, record))
        except ValueError as exc:
            broken.append(f"line {index}: {exc}")
    return rows, broken


@dataclass
class Outcome:
    """What became of the rows so far."""

    delivered: list[Row] = field(default_factory=list)
    invalid: list[tuple[Row, str]] = field(default_factory=list)
    requests: int = 0

    def settled(self) -> set[int]:
        """Indexes of rows that must not be sent again."""
        return {row.index for row in self.delivered} | {row.index for row, _ in self.invalid}


Sender = Callable[[list[Row]], list[RowError]]
"""Sends one batch; returns per-row errors (positions within the batch);
raises RequestRejected, BigQueryError (retry) or UnrecoverableError."""


class Isolator:
    """Delivers rows in batches, setting bad rows aside (see the module doc)."""

    def __init__(self, send: Sender, *, skip_invalid_rows: bool, batch_size: int = 500) -> None:
        self.send = send
        self.skip_invalid_rows = skip_invalid_rows
        self.batch_size = batch_size

    def deliver(self, rows: list[Row], outcome: Outcome) -> None:
        """Send every row; fills ``outcome`` as it goes, so it is meaningful
        even when a retryable error escapes."""
        pending = [rows[start:start + self.batch_size]
                   for start in range(0, len(rows), self.batch_size)]
        pending.reverse()  # a stack: the first batch is sent first
        while pending:
            batch = pending.pop()
            if not batch:
                continue
            outcome.requests += 1
            try:
                errors = self.send(batch)
            except RequestRejected as exc:
                if len(batch) == 1:
                    outcome.invalid.append((batch[0], str(exc)))
                else:
                    middle = len(batch) // 2
                    pending.extend([batch[middle:], batch[:middle]])
                continue
            resend = self._sort_out(batch, errors, outcome)
            if resend:
                pending.append(resend)

    def _sort_out(self, batch: list[Row], errors: list[RowError], outcome: Outcome) -> list[Row]:
        """Record delivered and invalid rows of an answered batch; return the
        rows to send again."""
        if not errors:
            outcome.delivered.extend(batch)
            return []
        marked = {e.position: e for e in errors if 0 <= e.position < len(batch)}
        resend: list[Row] = []
        for position, row in enumerate(batch):
            error = marked.get(position)
            if error is None:
                # with skip_invalid_rows the clean rows went in; without it none did
                (outcome.delivered if self.skip_invalid_rows else resend).append(row)
            elif error.reason == "stopped" or error.reason in RETRYABLE_REASONS:
                resend.append(row)
            else:
                outcome.invalid.append((row, f"{error.reason}: {error.message}"))
        if len(resend) == len(batch):
            reasons = sorted({e.reason for e in marked.values()}) or ["unknown"]
            raise BigQueryError(f"insert errors on every row ({', '.join(reasons)}); "
                                "retrying the chunk later")
        return resend


class InvalidRowError(Exception):
    """Why BigQuery refused a row (the error of its @ERROR event)."""
