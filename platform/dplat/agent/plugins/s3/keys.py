"""out_s3's object keys: ``s3_object_key_format`` filled in for one chunk.

The default format is ``%{path}%{time_slice}_%{index}.%{file_extension}``, so
``path logs/${tag}/`` with a one-day timekey names the first object of a day
``logs/app.web/20240102_0.gz``. The pieces, as fluent-plugin-s3 fills them:

    %{path}            the ``path`` parameter; its own placeholders are expanded
    %{file_extension}  gz, json or txt, from ``store_as``
    %{time_slice}      the chunk's timekey in ``time_slice_format``, else in the
                       timekey's own resolution (%Y%m%d for a day, %Y%m%d%H for
                       an hour...); empty without the time chunk key
    %{index}           0, 1, 2...: the first index whose key is free
                       (``check_object``), formatted with ``index_format``
    %{hex_random}      the chunk id reversed, first ``hex_random_length`` chars:
                       stable across retries of one chunk
    %{uuid_flush}      a new UUID for every upload attempt
    %{hms_slice}       the upload time as %H%M%S (only with ``check_object false``)
    %{hostname}        this machine's name (deprecated in Fluentd)

and then the buffer placeholders of the whole key: ``${tag}``, ``${tag[N]}``,
``${field}`` of record chunk keys, ``${chunk_id}``, and strftime codes from the
timekey. An unknown ``%{...}`` is left as written, as Fluentd leaves it.

The format is split once into literal text and ``%{...}`` tokens; buffer
placeholders are expanded in the literal parts and in ``path`` only, so no
strftime call ever sees a ``%{`` and a value such as a UUID is never
mistaken for a placeholder.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import TimeZone
from dplat.agent.buffer.placeholders import Placeholders, timekey_format
from dplat.agent.config.errors import ConfigError

TOKEN = re.compile(r"%\{([^}]+)\}")
INDEX_FORMAT = re.compile(r"^%(0\d*)?[dxX]$")
MAX_HEX_RANDOM_LENGTH = 16
REMOVED = ("uuid", "uuid:random", "uuid:hostname", "uuid:timestamp")
DEFAULT_KEY_FORMAT = "%{path}%{time_slice}_%{index}.%{file_extension}"
NO_CHECK_KEY_FORMAT = "%{path}/%{time_slice}_%{hms_slice}.%{file_extension}"
"""Fluentd's default when ``check_object false`` and no format is written."""


@dataclass(frozen=True)
class KeySettings:
    """The out_s3 parameters that shape a key."""

    key_format: str = DEFAULT_KEY_FORMAT
    path: str = ""
    file_extension: str = "gz"
    index_format: str = "%d"
    hex_random_length: int = 4
    time_slice_format: str | None = None
    check_object: bool = True


class ObjectKeys:
    """Renders object keys for chunks of one output."""

    def __init__(self, settings: KeySettings, placeholders: Placeholders) -> None:
        self.settings = settings
        self.placeholders = placeholders
        self._check(settings)
        keys = placeholders.keys
        self.time_slice_format = settings.time_slice_format or timekey_format(
            keys.timekey if keys.time else None)
        self.zone = keys.zone or TimeZone()
        key_format = settings.key_format.replace("%{hostname}", socket.gethostname())
        self.parts: list[tuple[bool, str]] = []
        """(is_token, text): ``%{name}`` tokens hold just the name."""
        position = 0
        for match in TOKEN.finditer(key_format):
            self.parts.append((False, key_format[position:match.start()]))
            self.parts.append((True, match.group(1)))
            position = match.end()
        self.parts.append((False, key_format[position:]))
        self.uses_index = any(is_token and text == "index" for is_token, text in self.parts)
        self.placeholders.validate("s3_object_key_format", self.placeholder_text())

    @staticmethod
    def _check(settings: KeySettings) -> None:
        for name in REMOVED:
            if f"%{{{name}}}" in settings.key_format:
                raise ConfigError(f"%{{{name}}} placeholder in s3_object_key_format is removed",
                                  fix="Use %{uuid_flush}, %{hex_random} or ${chunk_id}.")
        if settings.hex_random_length > MAX_HEX_RANDOM_LENGTH:
            raise ConfigError("hex_random_length parameter must be less than or equal to "
                              f"{MAX_HEX_RANDOM_LENGTH}")
        if not INDEX_FORMAT.match(settings.index_format):
            raise ConfigError("index_format parameter should follow `%[flags][width]type`. `0` "
                              "is the only supported flag, and is mandatory if width is "
                              "specified. `d`, `x` and `X` are supported types")

    def placeholder_text(self) -> str:
        """The format with ``path`` in place and tokens dropped: what buffer
        placeholders must be able to fill (validated against chunk keys)."""
        return "".join(self.settings.path if is_token and text == "path" else
                       ("" if is_token else text) for is_token, text in self.parts)

    def time_slice(self, chunk: Chunk) -> str:
        timekey = chunk.metadata.timekey
        if timekey is None or not self.time_slice_format:
            return ""
        return self.zone.strftime(self.time_slice_format, timekey)

    def hex_random(self, chunk: Chunk) -> str:
        return chunk.dump_id[::-1][: self.settings.hex_random_length]

    def render(self, chunk: Chunk, index: int, *, now: float | None = None,
               flush_uuid: str | None = None) -> str:
        """The key for ``chunk`` with ``%{index}`` = ``index``. ``now`` (the
        upload time, for ``%{hms_slice}``) and ``flush_uuid`` are for tests."""
        settings = self.settings
        values = {
            "file_extension": settings.file_extension,
            "time_slice": self.time_slice(chunk),
            "index": settings.index_format % index,
            "hex_random": self.hex_random(chunk),
        }
        if not settings.check_object:
            values["hms_slice"] = datetime.fromtimestamp(
                datetime.now(UTC).timestamp() if now is None else now, self.zone.tz
            ).strftime("%H%M%S")
            values["date_slice"] = values["time_slice"]
        out: list[str] = []
        for is_token, text in self.parts:
            if not is_token:
                out.append(self.placeholders.expand(text, chunk) if text else "")
            elif text == "path":
                out.append(self.placeholders.expand(settings.path, chunk))
            elif text == "uuid_flush":
                out.append(flush_uuid or str(uuid.uuid4()))
            else:
                out.append(values.get(text, f"%{{{text}}}"))
        return "".join(out)

    def free_key(self, chunk: Chunk, exists: Callable[[str], bool], *,
                 overwrite: bool = False, flush_uuid: str | None = None) -> str:
        """The first key not taken yet (``check_object``): index 0, 1, 2...
        asking ``exists`` (a HEAD request) each time. A format whose key does
        not change with the index can only be written once: UnrecoverableError
        (retrying cannot free the key), or the taken key with ``overwrite``."""
        previous: str | None = None
        index = 0
        while True:
            key = self.render(chunk, index, flush_uuid=flush_uuid)
            if key == previous:
                if overwrite:
                    return key
                raise UnrecoverableError(f"duplicated path is generated. use %{{index}} in "
                                         f"s3_object_key_format: path = {key}")
            if not exists(key):
                return key
            previous = key
            index += 1
