"""Plugin types by name, per category, found the way Fluentd finds them, and
the one place a plugin is built from its config section (``build()``).

Each plugin file registers its class with ``@register("name", "alias")``; the
category (input, output, buffer...) comes from the class's base. A lookup of a
name nobody registered yet imports ``plugins/<prefix>_<name>.py`` (Fluentd
searches ``in_<name>.rb`` the same way), so only the plugins a config uses are
imported; if that fails, every module of the category is imported so aliases
are found and the error can list all known types.

The plugin package is reached by name only (``PLUGIN_PACKAGE``), never
imported here: core/ stands below buffer/ and plugins/, which build on it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any, TypeVar

from dplat.agent.config.element import Element
from dplat.agent.config.errors import ConfigError
from dplat.agent.core.log import PluginLog
from dplat.agent.core.params import describe, located
from dplat.agent.core.unavailable import refusal

T = TypeVar("T", bound=type)

PLUGIN_PACKAGE = "dplat.agent.plugins"
"""Where plugin files live; discovery imports ``<PLUGIN_PACKAGE>.<prefix>_<name>``."""

PREFIXES = {
    "input": "in",
    "output": "out",
    "filter": "filter",
    "buffer": "buf",
    "formatter": "formatter",
    "parser": "parser",
}
"""Category -> file name prefix. ``formatters.py`` (plural) also counts."""

_registry: dict[str, dict[str, type]] = {category: {} for category in PREFIXES}


def register(name: str, *aliases: str) -> Callable[[T], T]:
    """Class decorator: make the plugin known as ``@type name`` (and aliases)."""

    def decorate(cls: T) -> T:
        category: str | None = getattr(cls, "plugin_category", None)
        if category not in _registry:
            raise TypeError(f"BUG: {cls.__name__} has no known plugin_category ({category!r})")
        for key in (name, *aliases):
            existing = _registry[category].get(key)
            if existing is not None and existing is not cls:
                raise TypeError(f"BUG: {category} type '{key}' registered twice "
                                f"({existing.__name__}, {cls.__name__})")
            _registry[category][key] = cls
        if "type_name" not in vars(cls):
            cls.type_name = name  # type: ignore[attr-defined]
        return cls

    return decorate


def lookup(category: str, name: str) -> Any:
    """The class registered as ``name``; ConfigError listing known types otherwise."""
    known = _registry[category]
    if name not in known:
        _import_quietly(f"{PLUGIN_PACKAGE}.{PREFIXES[category]}_{name}")
    if name not in known:
        _import_category(category)
    if name not in known:
        refused = refusal(category, name)
        if refused is not None:
            raise ConfigError(refused[0], None, refused[1])
        raise ConfigError(
            f"unknown {category} plugin type '{name}'; known types: {', '.join(sorted(known))}"
        )
    return known[name]


def build(category: str, element: Element, *, type_name: str | None = None,
          default_type: str | None = None, usage: str = "", hint: str = "",
          preset: dict[str, Any] | None = None, **configure_kwargs: Any) -> Any:
    """A configured plugin of ``category`` for ``element``: the one way every
    kind (input, filter, output, buffer, parser, formatter) is built.

    The type is ``type_name`` when given (a ``<buffer>``'s type is resolved
    with its defaults first), else the section's ``@type``, else
    ``default_type``; without any, the error names the section (``usage``
    says what it belongs to, ``hint`` how to fix it). ``preset`` attributes
    are set before ``configure()`` because configuring reads them (a
    ``<secondary>``'s ``primary``, ``root_dir`` for state paths). An unknown
    type's error points at the section's line.
    """
    name = type_name or element.get("@type") or element.get("type") or default_type
    if not name:
        owner = f" of {usage}" if usage else ""
        raise located(element.origin, f"{describe(element)}{owner}: missing '@type' parameter",
                      hint)
    try:
        cls = lookup(category, name)
    except ConfigError as exc:
        raise exc.with_origin(element.origin) from None
    plugin = cls()
    for attribute, value in (preset or {}).items():
        setattr(plugin, attribute, value)
    plugin_log = getattr(plugin, "log", None)
    if isinstance(plugin_log, PluginLog):  # configure-time warnings name the line
        plugin_log.origin = element.origin  # and the @id, even before configure() reads it
        plugin_id = element.get("@id") or element.get("id")
        if plugin_id:
            plugin_log.plugin_id, plugin_log.named = plugin_id, True
    plugin.configure(element, **configure_kwargs)
    return plugin


def known_types(category: str) -> list[str]:
    """Every name (aliases included) of the category, importing all its modules."""
    _import_category(category)
    return sorted(_registry[category])


def _import_category(category: str) -> None:
    prefix = PREFIXES[category]
    package = importlib.import_module(PLUGIN_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith(f"{prefix}_") or module.name == f"{prefix}s":
            _import_quietly(f"{package.__name__}.{module.name}")


def _import_quietly(module: str) -> None:
    """Import a plugin module; only *its own* absence is quiet, so a plugin
    that fails to import for another reason shows the real error."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
