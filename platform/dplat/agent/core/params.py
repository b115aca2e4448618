"""Parameters declared on plugin classes, and turned into typed attributes.

A plugin says what it accepts once, on the class, the way Fluentd's
``config_param`` does::

    class FileOutput(Output):
        path = config_param("string", desc="Where files are written.")
        append = config_param("bool", default=False, desc="Append to one file per slice.")
        password = config_param("string", default=None, secret=True)
        buffer = config_section("buffer", desc="How events are chunked and flushed.")

From that one declaration come the type conversion and its errors (naming the
file, the line and the parameter), warnings for parameters nobody declared
(Fluentd warns rather than fails, so a config written for a plugin version
with more options still loads), the masking of secrets whenever a config is
dumped, and the reference docs.

Before ``configure()`` an attribute reads as its default; ``configure()``
stores the typed value on the instance, which shadows the declaration.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dplat.agent.config import types as _types
from dplat.agent.config.element import Element, Origin, Param
from dplat.agent.config.errors import ConfigError, ErrorCollector
from dplat.agent.core.masking import MASK

log = logging.getLogger("dplat.agent.config")


COMMON_KEYS = frozenset({"@type", "@id", "@label", "@log_level", "type", "id", "log_level"})
"""Keys every section may carry; the legacy spellings without ``@`` are still
accepted by Fluentd, so they are by us."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a parameter that must be written in the config."""

_CONVERTERS: dict[str, Callable[..., Any]] = {
    "string": lambda value, **_: value,
    "integer": _types.to_integer,
    "float": _types.to_float,
    "bool": _types.to_bool,
    "size": _types.to_size,
    "time": _types.to_time,
    "array": _types.to_array,
    "hash": _types.to_hash,
    "regexp": _types.to_regexp,
}
TYPES = (*_CONVERTERS, "enum")


@dataclass
class ParamSpec:
    """One declared parameter; a non-data descriptor on the plugin class."""

    type: str
    default: Any = REQUIRED
    desc: str = ""
    secret: bool = False
    alias: str | None = None
    choices: tuple[str, ...] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise TypeError(f"BUG: unknown parameter type {self.type!r}; one of {', '.join(TYPES)}")
        if (self.type == "enum") != (self.choices is not None):
            raise TypeError("BUG: an enum parameter needs choices, and only an enum has them")

    def __set_name__(self, owner: type, name: str) -> None:
        if not self.name:
            self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if self.default is REQUIRED:
            raise AttributeError(f"required parameter '{self.name}' read before configure()")
        return copy.copy(self.default)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def convert(self, value: str, *, name: str = "", origin: Origin | None = None) -> Any:
        """The typed value of a config string; ConfigValueError (from
        config/types.py) saying where and what a valid value looks like."""
        if self.type == "enum":
            assert self.choices is not None
            return _types.to_enum(value, self.choices, name=name, origin=origin)
        return _CONVERTERS[self.type](value, name=name, origin=origin)


def config_param(
    type: str,
    *,
    default: Any = REQUIRED,
    desc: str = "",
    secret: bool = False,
    alias: str | None = None,
    choices: tuple[str, ...] | list[str] | None = None,
    name: str = "",
) -> Any:
    """Declare a parameter. ``name`` is only needed when the config key is not
    a Python identifier (``@type`` style keys are handled by the bases)."""
    return ParamSpec(type, default, desc, secret, alias, tuple(choices) if choices else None, name)


@dataclass
class SectionSpec:
    """A declared child section such as ``<buffer>``, ``<format>`` or ``<store>``.

    With ``config_class`` the section is configured into an instance of that
    class (a list of them when ``multi``); without one the attribute holds the
    raw Element(s) and the plugin builds from them (a ``<store>`` is a whole
    output chosen by its ``@type``)."""

    section: str
    multi: bool = False
    required: bool = False
    desc: str = ""
    config_class: type[Configurable] | None = None
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        if not self.name:
            self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return [] if self.multi else None


def config_section(
    section: str,
    *,
    multi: bool = False,
    required: bool = False,
    desc: str = "",
    config_class: type[Configurable] | None = None,
) -> Any:
    """Declare a child section the plugin reads."""
    return SectionSpec(section, multi, required, desc, config_class)


def located(origin: Origin | None, message: str, fix: str = "") -> ConfigError:
    """A ConfigError that names ``file:line``."""
    return ConfigError(message, origin, fix)


def describe(element: Element) -> str:
    """``<match app.**>`` as a reader of the config file would spot it."""
    return f"<{element.name} {element.arg}>" if element.arg else f"<{element.name}>"


class Configurable:
    """Something configured from an Element through its declarations."""

    config_element: Element

    _param_specs: ClassVar[dict[str, ParamSpec]] = {}
    _section_specs: ClassVar[dict[str, SectionSpec]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params: dict[str, ParamSpec] = {}
        sections: dict[str, SectionSpec] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, ParamSpec):
                    params = {k: v for k, v in params.items() if v.name != value.name}
                    params[attr] = value
                elif isinstance(value, SectionSpec):
                    sections[attr] = value
        cls._param_specs = params
        cls._section_specs = sections

    @classmethod
    def param_specs(cls) -> list[ParamSpec]:
        return list(cls._param_specs.values())

    @classmethod
    def section_specs(cls) -> list[SectionSpec]:
        return list(cls._section_specs.values())

    @classmethod
    def known_keys(cls) -> set[str]:
        keys = set(COMMON_KEYS)
        for spec in cls.param_specs():
            keys.add(spec.name)
            if spec.alias:
                keys.add(spec.alias)
        return keys

    def configure(
        self,
        element: Element,
        *,
        defaults: Mapping[str, Any] | None = None,
        warn_unknown: bool = True,
    ) -> None:
        """Set every declared parameter and section from ``element``.

        ``defaults`` overrides declared defaults with typed values (Fluentd's
        ``config_set_default``: out_file defaults its buffer to a one-day
        timekey). ``warn_unknown=False`` lets two configurables share one
        section (the ``<buffer>`` keys of the buffer and of the flusher).
        """
        self.config_element = element
        defaults = defaults or {}
        errors = ErrorCollector()  # every bad value of the section, not the first
        for attr, spec in self._param_specs.items():
            with errors.collecting():
                setattr(self, attr, self._value(element, spec, defaults))
        for attr, section in self._section_specs.items():
            with errors.collecting():
                setattr(self, attr, self._configure_section(element, section, errors))
        if warn_unknown:
            warn_unused(element, self.known_keys(), {s.section for s in self.section_specs()})
        errors.raise_if_any()

    def _value(self, element: Element, spec: ParamSpec, defaults: Mapping[str, Any]) -> Any:
        raw = element.params.get(spec.name)
        if raw is None and spec.alias:
            raw = element.params.get(spec.alias)
        if raw is not None:
            return self._convert(element, spec, raw)
        if spec.name in defaults:
            return defaults[spec.name]
        if spec.required:
            raise located(element.origin,
                          f"{describe(element)}: required parameter '{spec.name}' is missing")
        return copy.copy(spec.default)

    @staticmethod
    def _convert(element: Element, spec: ParamSpec, raw: Param) -> Any:
        name = f"parameter '{raw.key}' in {describe(element)}"
        return spec.convert(raw.value, name=name, origin=raw.origin)

    @staticmethod
    def _configure_section(element: Element, spec: SectionSpec, errors: ErrorCollector) -> Any:
        children = element.sections(spec.section)
        if spec.required and not children:
            raise located(
                element.origin, f"{describe(element)}: a <{spec.section}> section is required"
            )
        if not spec.multi and len(children) > 1:
            raise located(
                children[1].origin,
                f"{describe(element)}: only one <{spec.section}> section is allowed",
            )
        if spec.config_class is not None:
            built = []
            for child in children:
                instance = spec.config_class()
                with errors.collecting():
                    instance.configure(child)
                built.append(instance)
            children = built  # type: ignore[assignment]
        if spec.multi:
            return children
        return children[0] if children else None

    def config_dump(self) -> dict[str, Any]:
        """Effective parameter values with secrets masked (for the monitor API)."""
        dump: dict[str, Any] = {}
        for attr, spec in self._param_specs.items():
            value = getattr(self, attr, None)
            if spec.secret and value is not None:
                value = MASK
            elif hasattr(value, "pattern"):
                value = f"/{value.pattern}/"
            dump[spec.name] = value
        return dump


def warn_unused(element: Element, keys: set[str], sections: set[str]) -> None:
    """Log what the element holds that no declaration reads, as Fluentd does."""
    for key, param in element.params.items():
        if key not in keys and key not in element.used:
            log.warning("%s: parameter '%s' in %s is not used", param.origin, key,
                        describe(element))
    for child in element.elements:
        if child.name not in sections:
            log.warning("%s: section <%s> in %s is not used", child.origin, child.name,
                        describe(element))


@dataclass
class ParamDoc:
    """One row of generated reference docs."""

    name: str
    type: str
    default: Any
    desc: str
    secret: bool = False
    choices: tuple[str, ...] | None = field(default=None)


def document(cls: type[Configurable]) -> Iterator[ParamDoc]:
    """The declarations of ``cls`` as rows for reference docs."""
    for spec in cls.param_specs():
        yield ParamDoc(spec.name, spec.type, spec.default, spec.desc, spec.secret, spec.choices)
