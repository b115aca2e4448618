"""The neutral tree a Fluentd-syntax config is parsed into.

Like Fluentd's ``Config::Element``, the tree knows nothing of plugins: a
section has a name (``source``, ``match``, ``buffer``...), an argument (the tag
pattern of ``<match app.**>``, the chunk keys of ``<buffer tag,time>``),
parameters as *strings*, and child sections. Plugins turn the strings into
typed values from their own declarations, which is why every parameter keeps
the file and line it came from: a type error must name where to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    """Where a directive or parameter was written."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Param:
    """One ``key value`` line; ``value`` is already unquoted and unescaped, with
    ``"#{ENV['X']}"`` resolved, but not yet converted to a type.
    ``from_env``: part of the value came from the environment, so dumps of
    the config (``/api/config.json``) mask it like a declared secret.
    ``written``: the value as the file wrote it (quotes, JSON, ``#{...}``),
    for ``check --v1``; None for a value a conversion made."""

    key: str
    value: str
    origin: Origin
    from_env: bool = False
    written: str | None = None


@dataclass
class Element:
    """One section: ``<name arg> params... children... </name>``."""

    name: str
    arg: str = ""
    params: dict[str, Param] = field(default_factory=dict)
    elements: list[Element] = field(default_factory=list)
    origin: Origin = field(default_factory=lambda: Origin("<config>", 0))
    used: set[str] = field(default_factory=set)
    """Keys a v0.12 conversion moved into a section (compat.py): read, so
    never warned about as unused, and left out of ``check --v1``."""
    generated: bool = False
    """True for a section compat.py made from v0.12 keys."""

    def get(self, key: str, default: str | None = None) -> str | None:
        param = self.params.get(key)
        return param.value if param is not None else default

    def sections(self, name: str) -> list[Element]:
        return [child for child in self.elements if child.name == name]
