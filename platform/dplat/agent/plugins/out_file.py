"""``@type file``: write each chunk to a file, named as Fluentd's out_file names it.

The final name comes from ``path`` (reference doc, section J):

* ``path`` with a ``*``: the ``*`` becomes ``<time_slice>_<N>`` (or just
  the time slice with ``append true``);
* else with the time chunk key: ``<path>.<time_slice>_<N><suffix>`` where the
  time slice follows the timekey (``%Y%m%d`` for a day, ``%Y%m%d%H`` for an
  hour...), unless ``path`` already holds those strftime codes;
* ``_<N>`` is the first index not taken yet (0, 1, 2...), because a timekey
  can be flushed more than once; ``append true`` writes one file per slice;
* ``<suffix>`` is ``path_suffix`` (``.log``) and ``.gz`` with ``compress gzip``.

Default buffer: time chunk key with a one-day timekey, like Fluentd (which also
defaults to a file buffer; dplat to memory: write ``<buffer @type file>``). A
file buffer without its own ``path`` keeps chunks under the output's ``path``,
as Fluentd's does. Formatting happens when events are buffered, so a chunk is
the file's bytes already.
"""

from __future__ import annotations

import asyncio
import gzip
import os
from typing import Any, ClassVar

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.buffer.placeholders import keys_used, tag_parts_used, timekey_format
from dplat.agent.config.element import Element, Param
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.params import config_param, config_section, describe, located
from dplat.agent.core.registry import register
from dplat.agent.output import Output
from dplat.agent.plugins.formatters import new_formatter
from dplat.agent.plugins.inject import Injector
from dplat.agent.plugins.text_output import TextFormatting

DEFAULT_TIMEKEY = 86400.0
INDEX = "_**"


def generate_path_template(path: str, timekey: float | None, *, append: bool,
                           gzip_suffix: bool, path_suffix: str) -> str:
    """The path with placeholders for time slice and index (out_file's rules)."""
    compress = ".gz" if gzip_suffix else ""
    index = "" if append else INDEX
    if "*" in path:
        if timekey is None:
            raise ConfigError("path including '*' must be used with buffer chunk key 'time'")
        return path.replace("*", timekey_format(timekey) + index) + compress
    if timekey is None:
        return f"{path}{index}{path_suffix}{compress}"
    slice_format = timekey_format(timekey)
    codes = [slice_format[i:i + 2] for i in range(0, len(slice_format), 2)]
    if any(code in path for code in codes):
        if not all(code in path for code in codes):
            raise ConfigError("insufficient timestamp placeholders in path")
        return f"{path}{index}{path_suffix}{compress}"
    return f"{path}.{slice_format}{index}{path_suffix}{compress}"


@register("file")
class FileOutput(TextFormatting, Output):
    buffer_defaults: ClassVar[dict[str, Any]] = {"chunk_keys": "time", "timekey": DEFAULT_TIMEKEY}
    names_paths_by_placeholders: ClassVar[bool] = True
    """Chunk-key values become path segments: climbing ones are refused (controller.py)."""

    path = config_param("string", desc="Base path of the files; placeholders allowed.")
    append = config_param("bool", default=False,
                          desc="Append to one file per time slice instead of new files.")
    add_path_suffix = config_param("bool", default=True, desc="Add path_suffix to the name.")
    path_suffix = config_param("string", default=".log", desc="Suffix of the file name.")
    compress = config_param("enum", default="text", choices=("text", "gz", "gzip"),
                            desc="gzip writes gzip members (.gz).")
    format_config = config_section("format", desc="Line format (default: out_file).")
    inject_config = config_section("inject", desc="Add time, tag or hostname to records.")

    def __init__(self) -> None:
        super().__init__()
        self.last_written_path: str | None = None

    def configure(self, element: Element, **kwargs: Any) -> None:
        if not element.sections("buffer") and element.name != "secondary":
            self.log.warning("default timekey interval (1d) will be used because of missing "
                             "<buffer> section. To change the output frequency, please modify "
                             "the timekey value")
        self._default_buffer_path(element)
        super().configure(element, **kwargs)
        keys = self.placeholders.keys
        try:
            self.path_template = generate_path_template(
                self.path, keys.timekey if keys.time else None, append=self.append,
                gzip_suffix=self.compress != "text",
                path_suffix=self.path_suffix if self.add_path_suffix else "")
            self.placeholders.validate("path", self.path_template.replace(INDEX, ""),
                                       strict=self.primary is None)
        except ConfigError as exc:
            raise exc.with_origin(element.params["path"].origin) from None
        self.formatter = new_formatter(self.format_config, "out_file")
        self.injector = Injector(self.inject_config, keys.fields)
        self._check_writable(element)

    def _default_buffer_path(self, element: Element) -> None:
        """A file ``<buffer>`` without ``path`` keeps its chunks at the output's
        ``path`` (a folder there, or the pattern when it has a ``*``), unless
        ``@id`` with ``<system> root_dir`` gives it a home: out_file.rb's rule."""
        buffers = element.sections("buffer")
        if not buffers or (buffers[0].get("@type") or buffers[0].get("type")) != "file":
            return
        has_id = element.get("@id") is not None or element.get("id") is not None
        path = element.params.get("path")
        if "path" not in buffers[0].params and not (has_id and self.root_dir) and path:
            buffers[0].params["path"] = Param("path", path.value, path.origin)

    def _check_writable(self, element: Element) -> None:
        """Fail at start, not at the first flush, when the directory is not ours."""
        template = self.path_template.replace(INDEX, "_0")
        parts = max([*tag_parts_used(template), 0]) + 1
        metadata = Metadata(0, ".".join(["a"] * parts),
                            tuple((key, "data") for key in keys_used(template)))
        directory = os.path.dirname(os.path.abspath(self.placeholders.expand(template, metadata)))
        while not os.path.exists(directory):
            directory = os.path.dirname(directory)
        if not os.path.isdir(directory) or not os.access(directory, os.W_OK | os.X_OK):
            raise located(element.params["path"].origin,
                          f"{describe(element)}: '{directory}' is not writable")

    async def write(self, chunk: Chunk) -> None:
        path = self.placeholders.expand(self.path_template, chunk)
        # Reading the chunk (megabytes) happens in the thread too, so the
        # event loop, which acks inputs, never waits for it. The chunk is in
        # flight: nothing else reads or changes it until write() returns.
        self.last_written_path = await asyncio.to_thread(self._write_chunk, path, chunk)

    def _write_chunk(self, template: str, chunk: Chunk) -> str:
        return self._write_file(template, self.formatted(chunk))

    def _write_file(self, template: str, data: bytes) -> str:
        os.makedirs(os.path.dirname(os.path.abspath(template)), exist_ok=True)
        if self.compress != "text":
            data = gzip.compress(data)
        path = template if self.append else _first_free(template)
        with open(path, "ab") as file:
            file.write(data)
        return path


def _first_free(template: str) -> str:
    index = 0
    while True:
        path = template.replace(INDEX, f"_{index}", 1)
        if not os.path.exists(path):
            return path
        index += 1
