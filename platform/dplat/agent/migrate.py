"""``dplat agent check --v1 FILE``: the config converted to v1 syntax, to migrate.

The output is the file's own tree after config/compat.py moved its v0.12
keys into ``<buffer>``, ``<parse>``, ``<format>`` and ``<inject>``, in the
file's order, with its ``<system>`` and its labels, and the files it
includes inlined. What the user wrote stays as written: ``"#{ENV['X']}"``
and the other embedded expressions, quotes, JSON values (render
``as_written``).
Keys a conversion moved are left out unless the plugin also declares them
itself (out_s3 reads ``time_slice_format`` for its key names). Only declared
secrets are masked, and an expression naming where a secret comes from is
not a secret (masking.masked ``declared_only``). So the output passes
``dplat agent check`` and builds the same routes as the original.
"""

from __future__ import annotations

import os

from dplat.agent.config import load_config
from dplat.agent.config.element import Element
from dplat.agent.config.errors import ErrorCollector
from dplat.agent.core.base import Plugin
from dplat.agent.core.masking import masked, render
from dplat.agent.server import build


def converted_config(path: str | os.PathLike[str]) -> str:
    """The v1 text of the config at ``path``; ConfigError if it is wrong."""
    errors = ErrorCollector()
    root = load_config(path, errors=errors)
    router, _ = build(root, errors)
    plugins = {id(plugin.config_element): plugin for plugin in router.plugins()}
    header = f"# {path} in Fluentd v1 syntax (declared secrets are masked)\n"
    return header + render(_v1(root, plugins), as_written=True) + "\n"


def _v1(node: Element, plugins: dict[int, Plugin]) -> Element:
    """``node`` (a plugin's element: without the keys a conversion moved,
    unless the plugin declares them; its declared secrets masked)."""
    plugin = plugins.get(id(node))
    params = dict(node.params)
    if plugin is not None:  # a generated section keeps all it was given
        keep = type(plugin).known_keys()
        params = {key: param for key, param in params.items()
                  if key not in node.used or key in keep}
    children = [_v1(child, plugins) for child in node.elements]
    copy = Element(node.name, node.arg, params, children, node.origin)
    if plugin is None:
        return copy
    cls = type(plugin)
    return masked(copy, cls, cls.resolve_section, declared_only=True)
