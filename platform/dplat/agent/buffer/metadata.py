"""Chunk keys and chunk metadata: which events share a chunk.

``<buffer tag,time,$.user.id>`` makes the tag, the timekey (the event time
rounded down to ``timekey``) and the named record fields the *metadata* of an
event; events with equal metadata go into the same staged chunk, which is how
out_file gets one file per tag per day and out_s3 one object per hour.

Time zones: dplat does everything in UTC (DESIGN "Time"), so timekeys are
aligned to UTC by default (``timekey_use_utc true``), unlike Fluentd, whose
default is the machine's local zone. ``timekey_zone`` still picks another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dplat.agent.config.errors import ConfigError
from dplat.agent.event import EventStream, EventTime, Record

CHUNK_KEY_PATTERN = re.compile(r"^[-_.@a-zA-Z0-9]+$")
"""A record field usable as a chunk key (Fluentd's rule), besides ``$.a.b``."""

KNOWN_METADATA = 1024
"""Past this many (timekey, tag) pairs remembered, ChunkKeys forgets them all."""
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


class TimeZone:
    """A zone given as ``+0900``/``-07:00``/``UTC`` or an IANA name."""

    def __init__(self, spec: str | None = None) -> None:
        self.spec = spec or "+0000"
        match = _OFFSET.match(self.spec)
        if self.spec.upper() == "UTC" or self.spec in ("Z", "+0000", "+00:00"):
            self.tz: tzinfo = UTC
        elif match:
            sign = -1 if match.group(1) == "-" else 1
            minutes = int(match.group(2)) * 60 + int(match.group(3))
            self.tz = timezone(sign * timedelta(minutes=minutes))
        else:
            try:
                self.tz = ZoneInfo(self.spec)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ConfigError(f"unknown time zone '{self.spec}'") from exc

    @classmethod
    def local(cls) -> TimeZone:
        offset = datetime.now().astimezone().strftime("%z")
        return cls(offset)

    def offset(self, unix: float) -> int:
        """Seconds east of UTC at that instant."""
        if isinstance(self.tz, timezone):  # UTC or a fixed offset: no lookup per call
            return int(self.tz.utcoffset(None).total_seconds())
        delta = datetime.fromtimestamp(unix, self.tz).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    def strftime(self, template: str, unix: float) -> str:
        return datetime.fromtimestamp(unix, self.tz).strftime(template)


@dataclass(frozen=True)
class Metadata:
    """What the events of one chunk have in common.

    The key of the buffer's stage: every emit looks its chunk up by it, so
    the hash is computed once (a dataclass would hash the three fields on
    every lookup; ~7 % of an emit of one event, logging-to-bq's case)."""

    timekey: int | None = None
    tag: str | None = None
    variables: tuple[tuple[str, Hashable], ...] = ()
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.timekey, self.tag, self.variables)))

    def __hash__(self) -> int:
        return self._hash

    def variable(self, key: str) -> Any:
        for name, value in self.variables:
            if name == key:
                return value
        return None

    def sort_key(self) -> tuple[int, str, str]:
        return (self.timekey or 0, self.tag or "", repr(self.variables))


@dataclass(frozen=True)
class ChunkKeys:
    """The parsed argument of ``<buffer ...>`` plus the timekey settings."""

    time: bool = False
    tag: bool = False
    fields: tuple[str, ...] = ()
    timekey: int | None = None
    zone: TimeZone | None = None
    _known: dict[tuple[int, str | None], Metadata] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    """The Metadata of each (timekey, tag) seen: one object per chunk, so
    the stage's dict finds it by identity (no dataclass __eq__ per emit)."""

    @classmethod
    def parse(cls, arg: str, *, timekey: float | None = None,
              zone: TimeZone | None = None) -> ChunkKeys:
        """``"tag, time, $.user.id"``; ``""`` or ``"[]"`` mean no keys."""
        text = arg.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        names = [name.strip().strip("\"'") for name in text.split(",") if name.strip()]
        fields = []
        for name in names:
            if name in ("time", "tag"):
                continue
            if name.startswith("$["):
                raise ConfigError("in chunk_keys: bracket notation is not allowed")
            plain = name[2:] if name.startswith("$.") else name
            if not CHUNK_KEY_PATTERN.match(plain):
                raise ConfigError(f"chunk_keys specification includes invalid char: '{name}'")
            fields.append(name)
        has_time = "time" in names
        if has_time:
            if timekey is None:
                raise ConfigError("<buffer ...> argument includes 'time', but timekey is not "
                                  "configured")
            if timekey <= 0:
                raise ConfigError(f"timekey should be greater than 0. current timekey: {timekey}")
        return cls(has_time, "tag" in names, tuple(fields),
                   int(timekey) if has_time and timekey is not None else None, zone)

    @property
    def simple(self) -> bool:
        """No time and no fields: a whole stream shares one metadata."""
        return not self.time and not self.fields

    def timekey_of(self, unix: float) -> int:
        """The start of the timekey range holding ``unix``, in this zone."""
        assert self.timekey is not None
        sec = int(unix)
        offset = self.zone.offset(sec) if self.zone is not None else 0
        return sec - (sec + offset) % self.timekey

    def metadata(self, tag: str, time: EventTime, record: Record) -> Metadata:
        return Metadata(
            self.timekey_of(time.sec) if self.time else None,
            tag if self.tag else None,
            tuple((name, hashable(_field(record, name))) for name in self.fields),
        )

    def split(self, tag: str, stream: EventStream) -> dict[Metadata, EventStream]:
        """Group a stream by metadata, keeping event order inside each group."""
        if self.simple:
            return {Metadata(None, tag if self.tag else None, ()): stream}
        if not self.fields:
            return self._split_by_time(tag, stream)
        groups: dict[Metadata, EventStream] = {}
        for entry in stream:
            groups.setdefault(self.metadata(tag, entry[0], entry[1]), []).append(entry)
        return groups

    def _split_by_time(self, tag: str, stream: EventStream) -> dict[Metadata, EventStream]:
        """``split`` when time is the only per-event key (out_file's and
        out_s3's default). The hot path of every such output: the events of a
        stream mostly share their second, so the timekey is computed once per
        run of equal seconds (a zone lookup costs more than the rest of the
        loop), and a Metadata is built per group, not per event."""
        timekey_of = self.timekey_of
        by_key: dict[int, EventStream] = {}
        last_sec = -1
        group: EventStream = []
        for entry in stream:
            sec = entry[0][0]
            if sec != last_sec:
                last_sec = sec
                key = timekey_of(sec)
                group = by_key.get(key) or by_key.setdefault(key, [])
            group.append(entry)
        shown_tag = tag if self.tag else None
        known = self._known
        if len(known) > KNOWN_METADATA:
            known.clear()
        return {known.get((key, shown_tag)) or known.setdefault(
                    (key, shown_tag), Metadata(key, shown_tag, ())): events
                for key, events in by_key.items()}


def _field(record: Record, name: str) -> Any:
    if not name.startswith("$."):
        return record.get(name)
    value: Any = record
    for part in name[2:].split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def hashable(value: Any) -> Hashable:
    """A chunk key value usable in Metadata: maps and lists as canonical JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value  # type: ignore[no-any-return]
