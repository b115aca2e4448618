"""``@type secondary_file``: where a primary output's chunks go when it gives up,
as raw chunk bytes, Fluentd's ``lib/fluent/plugin/out_secondary_file.rb``::

    <match app.**>
      @type forward
      ...
      <secondary>
        @type secondary_file
        directory /var/log/agent/failed
        basename dump.${tag}.${chunk_id}   # placeholders of the primary's chunk keys
        append false                       # false: dump.<...>.0, .1, ... one file a chunk
        compress text                      # or gzip (.gz)
      </secondary>
    </match>

The bytes are the chunk as the primary buffered it: formatted text for
outputs that format (file, s3, stdout), msgpack ``[time, record]`` entries
otherwise (Fluentd's ``fluent-binlog-reader`` reads them; so does
``msgpack.Unpacker``). Only allowed as a ``<secondary>``.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import time
from typing import Any

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.params import config_param, describe, located
from dplat.agent.core.registry import register
from dplat.agent.output import Output

PLACEHOLDER = re.compile(r"\$\{(tag(\[\d+\])?|[\w.@-]+)\}")


@register("secondary_file")
class SecondaryFileOutput(Output):
    directory = config_param("string", desc="Folder of the dump files.")
    basename = config_param("string", default="dump.bin", desc="File name (placeholders ok).")
    append = config_param("bool", default=False, desc="Append to one file instead of .0, .1...")
    compress = config_param("enum", default="text", choices=("text", "gzip"),
                            desc="gzip appends a gzip member per chunk (.gz).")

    def configure(self, element: Element, **kwargs: Any) -> None:
        super().configure(element, **kwargs)
        if self.primary is None:
            raise located(element.origin, f"{describe(element)}: secondary_file can only be "
                          "used in the <secondary> section", "Use @type file in a <match>.")
        if "/" in self.basename:
            raise located(element.params["basename"].origin, "basename should not include '/'",
                          "Put folders in 'directory'.")
        self.template = os.path.join(self.directory, self.basename)
        keys = self.placeholders.keys
        if not keys.time and self.template != time.strftime(self.template):
            raise located(element.origin, "out_secondary_file: basename or directory has an "
                          "incompatible placeholder, remove time formats, like `%Y%m%d`")
        try:
            self.placeholders.validate("basename", self.template)
        except ConfigError as exc:
            raise exc.with_origin(element.origin) from None
        self.suffix = ".gz" if self.compress == "gzip" else ""
        _check_writable(self.directory, element)

    async def write(self, chunk: Chunk) -> None:
        base = self.placeholders.expand(self.template, chunk)
        await asyncio.to_thread(self._write, base, chunk.read())

    def _write(self, base: str, data: bytes) -> str:
        os.makedirs(os.path.dirname(os.path.abspath(base)), exist_ok=True)
        if self.compress == "gzip":
            data = gzip.compress(data)
        if self.append:
            path = base + self.suffix
        else:
            index = 0
            while os.path.exists(path := f"{base}.{index}{self.suffix}"):
                index += 1
        with open(path, "ab") as file:
            file.write(data)
        return path


def _check_writable(directory: str, element: Element) -> None:
    existing = os.path.abspath(directory)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
        raise located(element.params["directory"].origin,
                      f"out_secondary_file: `{directory}` should be writable")
