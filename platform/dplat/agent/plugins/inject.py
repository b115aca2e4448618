"""``<inject>``: add the tag, the event time or the hostname to each record.

Fluentd's inject helper, as outputs use it when they format an event (out_s3,
the BigQuery outputs)::

    <inject>
      time_key  time          # the event time, as time_type says
      time_type string        # float (default), unixtime, unixtime_millis,
      time_format %Y-%m-%dT%H:%M:%S%z   # unixtime_micros, unixtime_nanos, string
      tag_key   tag
      hostname_key host       # hostname defaults to this machine's name
    </inject>

The record is copied, never changed in place, because the same record object
may be going to other outputs (``copy``). ``float`` keeps microseconds, as
Fluentd does. A ``string`` time uses the formatters' time rules: UTC unless
``timezone`` says otherwise (DESIGN "Time").
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from dplat.agent.buffer.metadata import TimeZone
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.params import Configurable, config_param
from dplat.agent.event import EventStream, EventTime, Record
from dplat.agent.plugins.formatters import TimeFormatter

TIME_TYPES = ("float", "unixtime", "unixtime_millis", "unixtime_micros", "unixtime_nanos",
              "string")


class InjectSection(Configurable):
    """Declarations of the ``<inject>`` keys."""

    hostname_key = config_param("string", default=None, desc="Field that gets the hostname.")
    hostname = config_param("string", default=None, desc="Hostname to inject (default: ours).")
    worker_id_key = config_param("string", default=None, desc="Field that gets the worker id (0).")
    tag_key = config_param("string", default=None, desc="Field that gets the tag.")
    time_key = config_param("string", default=None, desc="Field that gets the event time.")
    time_type = config_param("enum", default="float", choices=TIME_TYPES,
                             desc="How the time is written.")
    time_format = config_param("string", default=None, desc="strftime for time_type string.")
    localtime = config_param("bool", default=True, desc="Local time (UTC in dplat).")
    utc = config_param("bool", default=False, desc="Render in UTC with the Z designator.")
    timezone = config_param("string", default=None, desc="Zone such as +0900 or Asia/Tokyo.")


def _time_writer(section: InjectSection) -> Callable[[EventTime], Any]:
    kind = section.time_type
    if kind == "float":
        return lambda t: t.sec + (t.nsec // 1000) / 1_000_000
    if kind == "unixtime":
        return lambda t: t.sec
    if kind == "unixtime_millis":
        return lambda t: t.sec * 1000 + t.nsec // 1_000_000
    if kind == "unixtime_micros":
        return lambda t: t.sec * 1_000_000 + t.nsec // 1000
    if kind == "unixtime_nanos":
        return lambda t: t.sec * 1_000_000_000 + t.nsec
    utc = (section.utc or not section.localtime) and section.timezone is None
    formatter = TimeFormatter(section.time_format, TimeZone(section.timezone),
                              utc_designator=utc)
    return formatter.format


class Injector:
    """The values an ``<inject>`` section adds; a no-op without one."""

    def __init__(self, element: Element | None, chunk_keys: tuple[str, ...] = ()) -> None:
        """``chunk_keys``: the output's record chunk keys; a hostname injected at
        format time cannot be one (the chunk is chosen before formatting)."""
        self.fields: list[tuple[str, Callable[[str, EventTime], Any]]] = []
        if element is None:
            return
        section = InjectSection()
        try:
            section.configure(element)
            self._build(section, chunk_keys)
        except ConfigError as exc:
            raise exc.with_origin(element.origin) from None

    def _build(self, section: InjectSection, chunk_keys: tuple[str, ...]) -> None:
        if section.hostname_key:
            if section.hostname_key in chunk_keys:
                raise ConfigError("the key specified by 'hostname_key' in <inject> cannot be "
                                  "used in buffering chunk key; inject it with a filter instead")
            hostname = section.hostname or socket.gethostname()
            self.fields.append((section.hostname_key, lambda tag, time: hostname))
        if section.worker_id_key:
            self.fields.append((section.worker_id_key, lambda tag, time: 0))
        if section.tag_key:
            self.fields.append((section.tag_key, lambda tag, time: tag))
        if section.time_key:
            write_time = _time_writer(section)
            self.fields.append((section.time_key, lambda tag, time: write_time(time)))

    @property
    def enabled(self) -> bool:
        return bool(self.fields)

    def inject(self, tag: str, time: EventTime, record: Record) -> Record:
        """A copy of ``record`` with the configured fields (the same object
        when nothing is configured)."""
        if not self.fields:
            return record
        result = dict(record)
        for key, value in self.fields:
            result[key] = value(tag, time)
        return result

    def inject_stream(self, tag: str, stream: EventStream) -> EventStream:
        """:meth:`inject` of each event (the same stream when nothing is
        configured), for outputs that format a stream at once."""
        if not self.fields:
            return stream
        return [(time, self.inject(tag, time, record)) for time, record in stream]
