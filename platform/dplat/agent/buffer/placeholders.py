"""Placeholders in output parameters, filled per chunk from its metadata.

``path /data/${tag}/%Y%m%d/${$.team}-${chunk_id}`` becomes a real path for a
chunk: strftime codes from the chunk's timekey (only with the ``time`` chunk
key), ``${tag}`` and ``${tag[N]}`` (negative N counts from the end) with the
``tag`` chunk key, ``${field}`` for record chunk keys and ``${chunk_id}``
always. Using a placeholder whose chunk key is not configured is a config
error, as in Fluentd, found when the output is configured, not at 3 a.m.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import ChunkKeys, Metadata, TimeZone
from dplat.agent.config.errors import ConfigError

KEY_PLACEHOLDER = re.compile(r"\$\{([-_.@$a-zA-Z0-9]+)\}")
TAG_PLACEHOLDER = re.compile(r"\$\{(tag(?:\[-?\d+\])?)\}")
CHUNK_ID_PLACEHOLDER = "${chunk_id}"
_PATH_SEPARATORS = re.compile(r"[/\\]")


def unsafe_path_value(value: str) -> str | None:
    """Why ``value`` (a tag or chunk-key value) may not go into a path or
    key prefix, or None when it may: a ``..`` segment would climb out of the
    output's folder or prefix, a leading separator would make it absolute,
    and a NUL cuts a file name short (the OS refuses it)."""
    if "\0" in value:
        return "it holds a NUL byte"
    if value[:1] in ("/", "\\"):
        return "it is an absolute path"
    if ".." in value and ".." in _PATH_SEPARATORS.split(value):
        return "it has a '..' segment"
    return None


_BASE = datetime(2016, 1, 1, tzinfo=UTC).timestamp()
_TIME_UNITS = ((1, "second", "%S"), (60, "minute", "%M"), (3600, "hour", "%H"),
               (86400, "day", "%d"))


def time_resolution(template: str) -> tuple[int, str, str] | None:
    """The finest time unit a template's strftime codes distinguish (Fluentd's
    trick: format a base time and base+unit and see what changes)."""
    base = datetime.fromtimestamp(_BASE, UTC)
    reference = base.strftime(template)
    for seconds, title, example in _TIME_UNITS:
        if datetime.fromtimestamp(_BASE + seconds, UTC).strftime(template) != reference:
            return seconds, title, example
    return None


def timekey_format(timekey: float | None) -> str:
    """Fluentd's time slice for a timekey width: ``%Y%m%d%H%M%S`` below a
    minute, ``%Y%m%d%H%M`` below an hour, ``%Y%m%d%H`` below a day, else
    ``%Y%m%d`` (out_file and out_s3 name files with it)."""
    if timekey is None:
        return ""
    if timekey < 60:
        return "%Y%m%d%H%M%S"
    if timekey < 3600:
        return "%Y%m%d%H%M"
    if timekey < 86400:
        return "%Y%m%d%H"
    return "%Y%m%d"


def tag_parts_used(template: str) -> list[int]:
    """Indexes of ``${tag[N]}`` used (-1 stands for a whole ``${tag}``)."""
    parts = []
    for name in TAG_PLACEHOLDER.findall(template):
        parts.append(-1 if name == "tag" else int(name[4:-1]))
    return sorted(parts)


def keys_used(template: str) -> list[str]:
    return sorted({k for k in KEY_PLACEHOLDER.findall(template) if k not in ("tag", "chunk_id")})


class Placeholders:
    """Validation and expansion for one output's chunk keys."""

    def __init__(self, keys: ChunkKeys) -> None:
        self.keys = keys

    def validate(self, name: str, template: str, *, strict: bool = False) -> None:
        """ConfigError if ``template`` uses a placeholder its chunk keys cannot
        fill. ``strict`` (Fluentd's ``placeholder_validate!``, used by outputs
        whose chunks must not collide, like out_file) also requires every
        chunk key to appear and the strftime codes to be as fine as timekey."""
        where = f"parameter '{name}: {template}'"
        resolution = time_resolution(template)
        if resolution and not self.keys.time:
            raise ConfigError(f"{where} has timestamp placeholders, but chunk key 'time' is "
                              "not configured")
        if tag_parts_used(template) and not self.keys.tag:
            raise ConfigError(f"{where} has tag placeholders, but chunk key 'tag' is not "
                              "configured")
        missing = sorted(set(keys_used(template)) - set(self.keys.fields))
        if missing:
            raise ConfigError(f"{where} has placeholders, but chunk keys doesn't have keys "
                              f"{','.join(missing)}")
        if not strict:
            return
        if self.keys.time:
            assert self.keys.timekey is not None
            if resolution is None:
                raise ConfigError(f"{where} doesn't have timestamp placeholders for timekey "
                                  f"{self.keys.timekey}")
            seconds, title, example = resolution
            if self.keys.timekey < seconds:
                raise ConfigError(f"{where} doesn't have timestamp placeholder for {title}"
                                  f"('{example}') for timekey {self.keys.timekey}")
        if self.keys.tag and not tag_parts_used(template):
            raise ConfigError(f"{where} doesn't have tag placeholder")
        unused = sorted(set(self.keys.fields) - set(keys_used(template)))
        if unused:
            raise ConfigError(f"{where} doesn't have enough placeholders for keys "
                              f"{','.join(unused)}")

    def expand(self, template: str, chunk: Chunk | Metadata) -> str:
        """The template filled for a chunk (``${chunk_id}`` needs a Chunk)."""
        metadata = chunk.metadata if isinstance(chunk, Chunk) else chunk
        value = template
        if self.keys.time and metadata.timekey is not None:
            value = (self.keys.zone or TimeZone()).strftime(value, metadata.timekey)
        if self.keys.tag and metadata.tag is not None:
            value = self._expand_tag(value, metadata.tag)
        if isinstance(chunk, Chunk):
            value = value.replace(CHUNK_ID_PLACEHOLDER, chunk.dump_id)
        if self.keys.fields:
            value = KEY_PLACEHOLDER.sub(lambda m: self._field(m.group(1), metadata), value)
        return value

    @staticmethod
    def _expand_tag(value: str, tag: str) -> str:
        if "${tag" not in value:
            return value
        _check_path_component("tag", tag)
        parts = tag.split(".")

        def part(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "tag":
                return tag
            index = int(name[4:-1])
            if -len(parts) <= index < len(parts):
                return parts[index]
            return match.group(0)  # left as written, like Fluentd (which warns)

        return TAG_PLACEHOLDER.sub(part, value)

    def _field(self, name: str, metadata: Metadata) -> str:
        if name not in self.keys.fields:
            return "${" + name + "}"
        value = metadata.variable(name)
        text = "" if value is None else str(value)
        _check_path_component(name, text)
        return text


def _check_path_component(name: str, value: str) -> None:
    """The last line of defence at write time (emit refuses such events
    first, see controller.Buffering.emit)."""
    reason = unsafe_path_value(value)
    if reason is not None:
        raise UnrecoverableError(f"invalid path component in ${{{name}}}: {value!r:.80} "
                                 f"({reason})")
