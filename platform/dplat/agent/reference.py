"""The plugin reference (docs/agent-plugins.md), rendered from the declarations.

STYLE.md asks that a parameter is declared once and that config errors,
masking *and reference docs* come from that one declaration; this module is
the third. It walks the registry's plugins of every category and renders
Markdown: per plugin its ``@type`` name and aliases, a one-line purpose and a
table of its parameters (type, default, required, secret, description), then
its sections, nested tables included.

Where the purpose comes from: a plugin file's module docstring is written for
users ("``@type forward``: receive events from Fluentd-protocol peers.") and,
with one plugin per file (the house layout), it *is* the plugin's docstring;
a class docstring there is a note for maintainers. So the first sentence of
the module docstring is used when the module registers one plugin class, the
class docstring when it registers several (``formatters.py``).

Parameters every plugin of a category inherits from its base (``Output``'s
``<buffer>``, ``Parser``'s time keys...) are listed once, under the category.

Regenerate the file after changing a declaration (a unit test compares)::

    .venv/bin/python -m dplat.agent.reference > docs/agent-plugins.md
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dplat.agent.buffer.buffer import Buffer
from dplat.agent.buffer.config import BufferSection
from dplat.agent.config.errors import ConfigError
from dplat.agent.core import registry
from dplat.agent.core.params import Configurable, ParamSpec, SectionSpec
from dplat.agent.output import Output
from dplat.agent.plugins.inject import InjectSection
from dplat.agent.server import SystemConfig

REGENERATE = ".venv/bin/python -m dplat.agent.reference > docs/agent-plugins.md"

CATEGORIES = (
    ("input", "Inputs", "`<source>`"),
    ("filter", "Filters", "`<filter>`"),
    ("output", "Outputs", "`<match>` or `<store>`"),
    ("buffer", "Buffers", "`<buffer>`"),
    ("parser", "Parsers", "`<parse>`"),
    ("formatter", "Formatters", "`<format>`"),
)
"""Category, heading, and the config sections a plugin of it is written in."""

COMMON_SECTIONS: tuple[tuple[str, type[Configurable], str], ...] = (
    ("system", SystemConfig, "Agent-wide settings, at the top level of the config."),
    ("buffer", BufferSection,
     "Chunk keys, time keys, flushing, overflow and retries of a buffered output. The "
     "section's argument lists the chunk keys (`<buffer time,tag,$.user>`); `@type` picks "
     "a [buffer](#buffers), whose own parameters go in the same section."),
    ("inject", InjectSection, "Adds the tag, the event time or the host name to each "
     "record as an output formats it."),
)

SECTION_HOMES = {
    "buffer": "[`<buffer>`](#the-buffer-section)",
    "inject": "[`<inject>`](#the-inject-section)",
    "format": "[Formatters](#formatters)",
    "parse": "[Parsers](#parsers)",
    "store": "[Outputs](#outputs)",
    "secondary": "[Outputs](#outputs)",
}
"""Where a section declared without a config class is documented."""

_EXTRA = {"output": " (an output that buffers can also be another's `<secondary>`)"}
_PLUGIN_MODULES = f"{registry.PLUGIN_PACKAGE}."
_SIZE_UNITS = (("t", 1024**4), ("g", 1024**3), ("m", 1024**2), ("k", 1024))
_TIME_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_PREFIX = re.compile(r"^``[^`]+``(\s*\(alias[^)]*\))?:\s*")
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z])")


@dataclass(frozen=True)
class PluginEntry:
    """One registered plugin class: its category, ``@type`` and aliases."""

    category: str
    name: str
    aliases: tuple[str, ...]
    cls: type[Configurable]


def entries(category: str) -> list[PluginEntry]:
    """The category's plugins shipped with dplat (tests register their own
    helpers in the same registry; those are left out), sorted by name."""
    registry.known_types(category)
    by_class: dict[type[Configurable], list[str]] = {}
    for name, cls in registry._registry[category].items():
        if cls.__module__.startswith(_PLUGIN_MODULES):
            by_class.setdefault(cls, []).append(name)
    found = []
    for cls, names in by_class.items():
        primary = getattr(cls, "type_name", "") or names[0]
        aliases = tuple(sorted(n for n in names if n != primary))
        found.append(PluginEntry(category, primary, aliases, cls))
    return sorted(found, key=lambda entry: entry.name)


def all_entries() -> list[PluginEntry]:
    return [entry for category, _, _ in CATEGORIES for entry in entries(category)]


def purpose(cls: type) -> str:
    """The plugin's one-line purpose, or "" when it has no docstring."""
    module = sys.modules[cls.__module__]
    siblings = {other for names in registry._registry.values() for other in names.values()
                if other.__module__ == cls.__module__}
    doc = module.__doc__ if len(siblings) == 1 else vars(cls).get("__doc__")
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    sentence = _SENTENCE_END.split(_PREFIX.sub("", paragraph), maxsplit=1)[0]
    return (sentence[:1].upper() + sentence[1:]).replace("``", "`")


def category_base(cls: type) -> type:
    """The class that names the category (``Output``, ``Parser``...)."""
    return next(klass for klass in reversed(cls.__mro__)
                if vars(klass).get("plugin_category"))


def own_params(cls: type[Configurable]) -> list[ParamSpec]:
    """Parameters not inherited unchanged from the category base; a base
    parameter whose default the plugin changes (``param_defaults``) counts."""
    base = category_base(cls)
    inherited = set(map(id, base.param_specs())) if issubclass(base, Configurable) else set()
    changed = getattr(cls, "param_defaults", {})
    return [spec for spec in cls.param_specs()
            if id(spec) not in inherited or spec.name in changed]


def own_sections(cls: type[Configurable]) -> list[SectionSpec]:
    base = category_base(cls)
    inherited = set(map(id, base.section_specs())) if issubclass(base, Configurable) else set()
    return [spec for spec in cls.section_specs() if id(spec) not in inherited]


# -- values -------------------------------------------------------------------


def _scaled(value: float, units: tuple[tuple[str, int], ...]) -> str | None:
    for suffix, factor in units:
        if value and value == int(value) and int(value) % factor == 0:
            return f"{int(value) // factor}{suffix}"
    return None


def format_value(value: Any, type_name: str) -> str:
    """A default as one would write it in a config file."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif hasattr(value, "pattern"):
        text = f"/{value.pattern}/"
    elif type_name == "size" and isinstance(value, int):
        text = _scaled(value, _SIZE_UNITS) or str(value)
    elif type_name == "time" and isinstance(value, int | float):
        text = _scaled(value, _TIME_UNITS) or f"{value:g}"
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, str):
        plain = value and value.isprintable() and value.strip() == value
        text = value if plain else json.dumps(value)
    elif isinstance(value, list | tuple | dict):
        text = json.dumps(value)
    else:
        text = str(value)
    return _code(text)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def prose(text: str) -> str:
    """Declaration text as Markdown: ``<user>`` outside code spans would be
    read as an HTML tag and vanish, so its ``<`` is escaped."""
    parts = text.split("`")
    return "`".join(part if index % 2 else part.replace("<", "&lt;")
                    for index, part in enumerate(parts))


def _type_cell(spec: ParamSpec) -> str:
    if spec.choices:
        return f"enum: {', '.join(_code(choice) for choice in spec.choices)}"
    return spec.type


# -- rendering ----------------------------------------------------------------


def param_table(specs: list[ParamSpec], defaults: dict[str, Any] | None = None) -> list[str]:
    """A Markdown table of parameters; ``defaults`` overrides declared ones."""
    if not specs:
        return ["No parameters of its own.", ""]
    rows = ["| Parameter | Type | Default | Required | Secret | Description |",
            "|---|---|---|---|---|---|"]
    defaults = defaults or {}
    for spec in specs:
        name = _code(spec.name) + (f" (alias {_code(spec.alias)})" if spec.alias else "")
        required = spec.required and spec.name not in defaults
        shown = "" if required else format_value(defaults.get(spec.name, spec.default),
                                                  spec.type)
        cells = [name, _type_cell(spec), shown, "yes" if required else "",
                 "yes" if spec.secret else "", prose(spec.desc)]
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return [*rows, ""]


def section_docs(specs: list[SectionSpec], path: str = "", level: int = 4,
                 shown: dict[type, str] | None = None) -> list[str]:
    """A bullet per section, then a table for each one declared by a class
    (once per plugin: grep's ``<regexp>`` recurs in ``<and>`` and ``<or>``)."""
    if not specs:
        return []
    shown = {} if shown is None else shown
    lines = []
    for spec in specs:
        how = ", required" if spec.required else ""
        how += ", repeatable" if spec.multi else ""
        home = SECTION_HOMES.get(spec.section)
        where = f" See {home}." if home and spec.config_class is None else ""
        lines.append(f"- `<{spec.section}>`{how}: {prose(spec.desc)}{where}")
    lines.append("")
    for spec in specs:
        cls = spec.config_class
        if cls is None:
            continue
        title = f"`<{spec.section}>` in {path}" if path else f"`<{spec.section}>`"
        lines += [f"{'#' * min(level, 6)} {title}", ""]
        if cls in shown:
            lines += [f"The same parameters as {shown[cls]}.", ""]
            continue
        shown[cls] = title
        lines += param_table(cls.param_specs())
        lines += section_docs(cls.section_specs(), f"`<{spec.section}>`", level + 1, shown)
    return lines


def buffering(cls: type[Output]) -> str:
    """How an output buffers, read from the hooks it implements (as output.py decides)."""
    can_write = cls.write is not Output.write
    can_process = cls.process is not Output.process
    if can_write and (cls.buffered_by_default or not can_process):
        mode = "buffered (`<buffer>`, `<secondary>`)"
    elif can_write:
        mode = "not buffered unless a `<buffer>` section is written"
    else:
        mode = "not buffered (`<buffer>` and `<secondary>` are refused)"
    changed = cls.buffer_defaults
    if not changed:
        return f"Buffering: {mode}."
    types = {spec.name: spec.type for spec in [*BufferSection.param_specs(),
                                               *Buffer.param_specs()]}
    shown = ", ".join(f"`{key}` {format_value(value, types.get(key, 'string'))}"
                      for key, value in changed.items())
    return f"Buffering: {mode}; its `<buffer>` defaults differ: {shown}."


def plugin_doc(entry: PluginEntry) -> list[str]:
    """The Markdown of one plugin."""
    cls = entry.cls
    label = dict((c, h) for c, h, _ in CATEGORIES)[entry.category].rstrip("s").lower()
    lines = [f"### `{entry.name}` ({label})", "", prose(purpose(cls)), ""]
    written_in = dict((c, w) for c, _, w in CATEGORIES)[entry.category]
    use = f"`@type {entry.name}` in {written_in}"
    if entry.aliases:
        use += "; also known as " + ", ".join(f"`{alias}`" for alias in entry.aliases)
    lines += [use + ".", ""]
    if entry.category == "output" and issubclass(cls, Output):
        lines += [buffering(cls), ""]
    lines += param_table(own_params(cls), getattr(cls, "param_defaults", None))
    lines += section_docs(own_sections(cls))
    base = category_base(cls)
    common = [spec.name for spec in base.param_specs()] if issubclass(base, Configurable) else []
    if common:
        heading = dict((c, h) for c, h, _ in CATEGORIES)[entry.category]
        lines += [f"Also takes the parameters every {label} takes "
                  f"({', '.join(f'`{name}`' for name in common)}): see "
                  f"[{heading}](#{heading.lower()}).", ""]
    return lines


def _category_doc(category: str, heading: str, written_in: str) -> Iterator[str]:
    found = entries(category)
    yield f"## {heading}"
    yield ""
    base = category_base(found[0].cls) if found else None
    if base is not None and issubclass(base, Configurable) and (
            base.param_specs() or base.section_specs()):
        yield (f"Written as `@type NAME` in {written_in}. "
               f"Every {heading.lower().rstrip('s')} takes these{_EXTRA.get(category, '')}:")
        yield ""
        yield from param_table(base.param_specs())
        yield from section_docs(base.section_specs())
    else:
        yield f"Written as `@type NAME` in {written_in}."
        yield ""
    for entry in found:
        yield from plugin_doc(entry)


def _contents() -> Iterator[str]:
    for category, heading, _ in CATEGORIES:
        label = heading.lower().rstrip("s")
        links = ", ".join(f"[`{entry.name}`](#{entry.name}-{label})"
                          for entry in entries(category))
        yield f"- [{heading}](#{heading.lower()}): {links}"


def render_reference() -> str:
    """The whole of docs/agent-plugins.md."""
    lines = [
        "# Agent plugin reference",
        "",
        "<!-- Generated from the plugins' parameter declarations; do not edit by hand.",
        f"     Regenerate: {REGENERATE} -->",
        "",
        "Every plugin dplat's agent ships, with the parameters it declares (see",
        "[the agent's guide](agent.md) for how to run it and how it differs from Fluentd).",
        "Every plugin section also takes `@id` (its name in logs and the monitor API; a",
        "file buffer's default directory needs it) and `@log_level`; inputs and `relabel`",
        "take `@label`. A parameter without a default must be written. Sizes are bytes with",
        "an optional `k`, `m`, `g` or `t` suffix (powers of 1024); times are seconds, or a",
        "whole number with `s`, `m`, `h` or `d`. Secret parameters are masked in every dump",
        "of the config. `dplat agent plugins NAME` prints one plugin's part of this page.",
        "",
        *_contents(),
        "- Sections used by many plugins: [`<system>`](#the-system-section), "
        "[`<buffer>`](#the-buffer-section), [`<inject>`](#the-inject-section)",
        "",
    ]
    for category, heading, written_in in CATEGORIES:
        lines += _category_doc(category, heading, written_in)
    for section, cls, text in COMMON_SECTIONS:
        lines += [f"## The `<{section}>` section", "", text, ""]
        lines += param_table(cls.param_specs())
    return "\n".join(lines).rstrip("\n") + "\n"


def plugin_reference(name: str | None = None) -> str:
    """The whole reference, or the part on plugins called ``name`` (several
    categories may share it: ``forward`` is an input and an output)."""
    if name is None:
        return render_reference()
    matches = [entry for entry in all_entries() if name in (entry.name, *entry.aliases)]
    if not matches:
        known = sorted({entry.name for entry in all_entries()})
        raise ConfigError(f"no plugin is called '{name}'; known: {', '.join(known)}",
                          fix="Run 'dplat agent plugins' for the whole reference.")
    lines = [line for entry in matches for line in plugin_doc(entry)]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> None:
    """``python -m dplat.agent.reference [NAME]``: print the reference."""
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(plugin_reference(args[0] if args else None))


if __name__ == "__main__":
    main()
