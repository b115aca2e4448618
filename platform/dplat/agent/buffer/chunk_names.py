"""Chunk file names, as Fluentd's buf_file builds and reads them.

    <prefix>.b<32 hex id><suffix>        the body of a staged chunk
    <prefix>.q<32 hex id><suffix>        ... once queued (both files are renamed)
    <body name>.meta                     its meta file (file_meta.py)

A buffer ``path`` becomes a pattern (``path_pattern``, buf_file's rules)
holding ``.*.`` where the state letter and the chunk id go; a resume finds chunks again by the same rule, so the names are built
and parsed here, in one place.
"""

from __future__ import annotations

import glob
import os
import re

from dplat.agent.buffer.chunk import ChunkState
from dplat.agent.config.errors import ConfigError

META_SUFFIX = ".meta"
"""A body's meta file is the body's name plus this (file_meta.py: its content)."""

_NAME = re.compile(r"\.([bq])([0-9a-f]+)\.[^/]*\Z")
"""``.b<hex>.<rest>`` or ``.q<hex>.<rest>`` in the file name (Fluentd's rule)."""


def chunk_path(pattern: str, unique_id: bytes) -> str:
    """``dir/buffer.*.log`` -> ``dir/buffer.b<hex id>.log``: a staged chunk's body."""
    head, found, tail = pattern.partition(".*.")
    if not found:
        raise ValueError(f"BUG: buffer path pattern without '.*.': {pattern}")
    return f"{head}.b{unique_id.hex()}.{tail}"


def queued_path(path: str, unique_id: bytes) -> str:
    """The name of a staged body once queued: ``.b<id>.`` becomes ``.q<id>.``."""
    staged = f".b{unique_id.hex()}."
    if staged not in path:
        raise ValueError(f"BUG: {path} is not the staged file of chunk {unique_id.hex()}")
    return path.replace(staged, f".q{unique_id.hex()}.", 1)


def state_of(path: str) -> ChunkState | None:
    """STAGED for ``.b<id>.``, QUEUED for ``.q<id>.``, None for any other file."""
    match = _NAME.search(path)
    if match is None:
        return None
    return ChunkState.STAGED if match.group(1) == "b" else ChunkState.QUEUED


def id_from_path(path: str) -> bytes | None:
    match = _NAME.search(path)
    if match is None:
        return None
    try:
        return bytes.fromhex(match.group(2))
    except ValueError:
        return None


def path_pattern(path: str | None, suffix: str, plugin_root_dir: str | None) -> str:
    """The chunk file pattern with its one ``*`` (Fluentd's configure rules)."""
    if path is None:
        if plugin_root_dir is None:
            raise ConfigError("buffer path is not configured. specify 'path' in <buffer>",
                              fix="Or give the output an @id and set <system> root_dir.")
        return os.path.join(plugin_root_dir, "buffer", f"buffer.*{suffix}")
    if os.path.isdir(path) or (not os.path.exists(path) and ".*" not in path):
        pattern = os.path.join(path, f"buffer.*{suffix}")
    elif ".*." in os.path.basename(path):
        pattern = path
    elif path.endswith(".*"):
        pattern = path + suffix
    else:
        pattern = f"{path}.*{suffix}"
    if pattern.count("*") != 1 or ".*." not in os.path.basename(pattern):
        raise ConfigError(f"buffer path '{path}' must give file names with one '.*.' "
                          f"(got '{pattern}')",
                          fix="Use a directory, or a name like /var/buffer/app.*.log; "
                              "path_suffix must not be empty.")
    return pattern


def glob_of(pattern: str) -> str:
    """The pattern with only its ``*`` special (a ``[`` in a directory is literal)."""
    return glob.escape(pattern).replace("[*]", "*")
