"""Parse Fluentd's v1 config syntax into the neutral :class:`Element` tree.

The grammar, as Fluentd's ``V1Parser`` reads it::

    <source>                      a section: name, then an optional argument
      @type forward               a parameter: key, blanks, value (see scanner)
      <security>                  sections nest to any depth
        shared_key "#{ENV['K']}"
      </security>
    </source>
    <match app.** {web,api}.*>    the argument is the rest of the header
    @include conf.d/*.conf        another file (or a sorted glob of files)

Every section is closed by ``</name>`` with the same name; a key alone on its
line has the empty value (flags such as ``read_from_head``); ``#`` starts a
comment. Parameters whose name starts with ``@`` are reserved for Fluentd in
the top-level directives (``@type @id @label @log_level``); the legacy
``type``/``id`` keys pass through untouched, for the plugin layer to map.

The parser keeps an explicit stack of open sections rather than recursing, so
a hostile or broken file can only ever produce an :class:`Element` or a
:class:`ConfigError`, never a ``RecursionError``.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from dplat.agent.config.element import Element, Origin, Param
from dplat.agent.config.errors import ConfigError, ErrorCollector
from dplat.agent.config.scanner import Scanner

log = logging.getLogger("dplat.agent.config")

ROOT = "ROOT"
RESERVED_PARAMS = frozenset({"@type", "@id", "@label", "@log_level"})
_TOP_DIRECTIVES = frozenset({ROOT, "source", "match", "filter", "system"})
_NAME = re.compile(r"[A-Za-z0-9_]+")
_GLOB_MAGIC = re.compile(r"[*?\[]")


def parse_config(
    text: str,
    filename: str = "<string>",
    env: Mapping[str, str] | None = None,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    allow_include: bool = True,
    errors: ErrorCollector | None = None,
) -> Element:
    """Parse config text into a tree whose root element is named ``ROOT``.

    ``env`` resolves ``"#{ENV['NAME']}"`` and the other settings forms of
    ruby_expr.py (default: the process environment); an unset variable with
    no default is an error naming it.
    Relative ``@include`` paths start at ``base_dir`` (default: the current
    directory); ``allow_include=False`` refuses includes, for text that must
    not reach the file system. ``errors``: as for :func:`load_config`.
    """
    parser = _Parser(os.environ if env is None else env, allow_include, errors)
    root = Element(ROOT, origin=Origin(filename, 1))
    try:
        parser.parse_into(root, text, filename, Path(base_dir or Path.cwd()), ())
    except ConfigError as exc:
        parser.errors.raise_if_any(exc)
    if errors is None:
        parser.errors.raise_if_any()
    return root


def load_config(
    path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    *,
    allow_include: bool = True,
    errors: ErrorCollector | None = None,
) -> Element:
    """Read and parse a config file; its includes are relative to its folder.

    With ``errors``, mistakes that do not stop the parse (a wrong embedded
    expression, a reserved key) are left there for the caller, which goes on
    to find the plugins' errors too (``dplat agent check`` reports them all);
    without it they are raised at the end."""
    parser = _Parser(os.environ if env is None else env, allow_include, errors)
    file = Path(path)
    root = Element(ROOT, origin=Origin(str(file), 1))
    try:
        text = parser.read_file(file, None)
        parser.parse_into(root, text, str(file), file.parent, (os.path.realpath(file),))
    except ConfigError as exc:
        parser.errors.raise_if_any(exc)
    if errors is None:
        parser.errors.raise_if_any()
    return root


class _Parser:
    """Builds elements from one file's text and recurses only into includes."""

    def __init__(self, env: Mapping[str, str], allow_include: bool,
                 errors: ErrorCollector | None) -> None:
        self.env = env
        self.errors = errors if errors is not None else ErrorCollector()
        """Errors that do not stop the parse (a value, a reserved key): all are
        reported at the end, with the first one that does stop it."""
        self.allow_include = allow_include

    def parse_into(
        self, into: Element, text: str, file: str, base_dir: Path, chain: tuple[str, ...]
    ) -> None:
        """Add the parameters and sections of ``text`` to ``into``.

        ``chain`` holds the real paths of the files being included, so that a
        file including itself (directly or not) is reported, not looped on.
        """
        sc = Scanner(text, file, self.env, self.errors)
        stack = [into]
        while True:
            sc.skip_space_and_comments()
            if sc.eof():
                break
            if sc.text.startswith("</", sc.pos):
                self._close_section(sc, stack)
            elif sc.peek() == "<":
                stack.append(self._open_section(sc, stack[-1]))
            else:
                self._param_line(sc, stack, base_dir, chain)
        if len(stack) > 1:
            open_el = stack[-1]
            raise ConfigError(
                f"<{open_el.name}> is never closed",
                open_el.origin,
                f"Add </{open_el.name}> after its last line.",
            )

    def _open_section(self, sc: Scanner, parent: Element) -> Element:
        start = sc.pos
        sc.pos += 1
        name_match = _NAME.match(sc.text, sc.pos)
        if name_match is None:
            raise sc.error(
                "expected a section name after '<'",
                "Write a section as <name argument> ... </name>, e.g. <match app.**>.",
            )
        name = name_match.group()
        sc.pos = name_match.end()
        sc.skip_blank()
        if sc.peek() in ('"', "'"):
            arg = sc.read_string()
            sc.skip_blank()
        else:
            stop = min(sc.line_end(), _find(sc.text, ">", sc.pos))
            arg = sc.text[sc.pos : stop].rstrip(" \t")
            sc.pos = stop
        if sc.peek() != ">":
            raise sc.error(f"<{name} has no closing '>'", f"End the header with '>': <{name} ...>.")
        sc.pos += 1
        sc.expect_line_end(f"<{name}>")
        element = Element(name, arg, origin=sc.origin(start))
        parent.elements.append(element)
        return element

    def _close_section(self, sc: Scanner, stack: list[Element]) -> None:
        start = sc.pos
        sc.pos += 2
        name_match = _NAME.match(sc.text, sc.pos)
        name = name_match.group() if name_match else ""
        sc.pos = name_match.end() if name_match else sc.pos
        sc.skip_blank()
        if sc.peek() != ">":
            raise sc.error(f"</{name} has no closing '>'", f"Write the end tag as </{name}>.")
        sc.pos += 1
        sc.expect_line_end(f"</{name}>")
        if len(stack) == 1:
            raise sc.error(
                f"</{name}> closes no open section",
                f"Remove it, or add the missing <{name}> above it.",
                start,
            )
        current = stack[-1]
        if name != current.name:
            raise sc.error(
                f"</{name}> does not close <{current.name}> opened at {current.origin}",
                f"Close <{current.name}> with </{current.name}> first.",
                start,
            )
        stack.pop()

    def _param_line(
        self, sc: Scanner, stack: list[Element], base_dir: Path, chain: tuple[str, ...]
    ) -> None:
        start = sc.pos
        end = start
        while end < len(sc.text) and sc.text[end] not in " \t\n":
            end += 1
        key = sc.text[start:end]
        sc.pos = end
        sc.skip_blank()
        element = stack[-1]
        if key == "@include" or (key == "include" and len(stack) == 1):
            self._include(sc, element, base_dir, chain)
            return
        sc.used_env = False
        value_start = sc.pos
        try:
            value = "" if sc.at_value_end() else sc.read_value()
            written = sc.text[value_start : sc.pos]
            sc.expect_line_end(f"the value of {key!r}")
        except ConfigError as exc:
            # A broken value (quote, escape, JSON) spoils only its line: note
            # it and go on, so one check finds the file's other errors too.
            self.errors.add(exc)
            sc.pos = sc.line_end(start) + 1
            return
        if key.startswith("@") and key not in RESERVED_PARAMS and element.name in _TOP_DIRECTIVES:
            self.errors.add(sc.error(
                f"'{key}': the '@' prefix is reserved for Fluentd's own parameters",
                "Remove the '@'; reserved names are " + ", ".join(sorted(RESERVED_PARAMS)) + ".",
                start,
            ))
        element.params[key] = Param(key, value, sc.origin(start), sc.used_env, written)

    def _include(self, sc: Scanner, into: Element, base_dir: Path, chain: tuple[str, ...]) -> None:
        start = sc.pos
        origin = sc.origin(start)
        spec = "" if sc.at_value_end() else sc.read_string()
        sc.expect_line_end("@include")
        if not self.allow_include:
            raise ConfigError("@include is not allowed here", origin, "Inline the file's content.")
        if not spec:
            fix = "E.g. @include conf.d/*.conf."
            raise ConfigError("@include needs a path or a glob", origin, fix)
        path = spec.removeprefix("file://")
        if "://" in path:
            raise ConfigError(
                f"@include {spec}: remote includes are not supported",
                origin,
                "Download the file and include it by path.",
            )
        pattern = os.path.join(base_dir, os.path.expanduser(path))
        if _GLOB_MAGIC.search(path):
            files = [f for f in sorted(glob.glob(pattern, recursive=True)) if os.path.isfile(f)]
        elif not os.path.lexists(pattern):
            # Fluentd globs every path, so a missing file includes nothing, silently
            # (v1_parser.rb eval_include); we skip it too, but say so.
            log.warning("%s: @include %s: no such file; skipped, as Fluentd skips it",
                        origin, spec)
            return
        else:
            files = [pattern]
        for file in files:
            real = os.path.realpath(file)
            if real in chain:
                cycle = " -> ".join([*chain, real])
                raise ConfigError(f"@include cycle: {cycle}", origin, "Remove one of the includes.")
            text = self.read_file(Path(file), origin)
            self.parse_into(into, text, file, Path(file).parent, (*chain, real))

    def read_file(self, path: Path, origin: Origin | None) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path} is not UTF-8 text", origin, "Save it as UTF-8.") from exc
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(
                f"cannot read config file {path}: {reason}",
                origin,
                "Check the path (relative includes start at the including file's folder).",
            ) from exc


def _find(text: str, char: str, start: int) -> int:
    found = text.find(char, start)
    return len(text) if found < 0 else found
