"""Reading the text of one config file: positions, lines and literal values.

The structure of a config (sections, ``key value`` lines, ``@include``) lives
in :mod:`parser`; this module reads what Fluentd's v1 config calls literals,
with Fluentd's rules:

- unquoted: the rest of the line; a ``#`` after a space or tab starts a
  comment, a ``#`` inside a word (``color#1``) does not;
- ``'single'``: literal on one line; only ``\\'`` and ``\\\\`` are escapes;
- ``"double"``: may span lines; escapes ``\\" \\' \\\\ \\n \\r \\t \\f \\b \\0``,
  a backslash before a line break joins the lines, ``\\<other symbol>`` is the
  symbol, ``\\<letter or digit>`` is an error; ``#{...}`` is embedded Ruby;
- ``[...]`` / ``{...}``: a JSON array or hash that may span lines and hold
  ``#`` comments outside its strings; the value becomes compact JSON text.

Embedded Ruby: Fluentd evaluates ``#{...}`` in double-quoted strings and in
JSON strings. We are not Ruby: ruby_expr.py evaluates the forms configs use
for settings (``ENV['X'] || 'default'``, ``ENV.fetch``, ``File.join``,
``Socket.gethostname``, literals) from the mapping we are given (plugins never
read the environment), and refuses every other expression with an error naming
the line: a silently wrong value is worse than no start.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping

from dplat.agent.config.element import Origin
from dplat.agent.config.errors import ConfigError, ErrorCollector
from dplat.agent.config.ruby_expr import RubyExprError, evaluate

_ESCAPES = {
    '"': '"', "'": "'", "\\": "\\",
    "n": "\n", "r": "\r", "t": "\t", "f": "\f", "b": "\b", "0": "\0",
}
_PLAIN_DOUBLE = re.compile(r'[^"\\#]+')
_COMMENT_AFTER_SPACE = re.compile(r"[ \t]#")
UNCLOSED_FIX = "Close the embedded code with '}' on the same line."


def _embedded_end(text: str, start: int, stop: int) -> int:
    """Index of the ``}`` closing a ``#{`` whose code starts at ``start``, or -1.

    Braces and quotes inside the code are followed, so ``#{ENV["X"]}`` inside a
    double-quoted string does not end the string at its inner quote.
    """
    quote = ""
    depth = 0
    i = start
    while i < stop:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


class Scanner:
    """A cursor over one file's text that can name the line of any position."""

    def __init__(self, text: str, file: str, env: Mapping[str, str],
                 errors: ErrorCollector | None = None) -> None:
        """``errors``: where a wrong embedded expression is reported so the
        scan goes on (its value is then empty); without it, it is raised."""
        # Windows line ends and a byte-order mark would otherwise leak into values.
        self.text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.file = file
        self.pos = 0
        self.env = env
        self.errors = errors
        self.used_env = False
        """Set when an embedded expression read the environment (the parser
        resets it per value: such values are masked in config dumps)."""
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    # -- positions and errors -------------------------------------------------
    def origin(self, pos: int | None = None) -> Origin:
        return Origin(self.file, bisect_right(self._line_starts, self.pos if pos is None else pos))

    def error(self, message: str, fix: str = "", pos: int | None = None) -> ConfigError:
        return ConfigError(message, self.origin(pos), fix)

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def line_end(self, pos: int | None = None) -> int:
        """Index of the newline ending the line at ``pos`` (or the text's length)."""
        end = self.text.find("\n", self.pos if pos is None else pos)
        return len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Skip spaces and tabs, staying on the line."""
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def skip_space_and_comments(self) -> None:
        """Skip blank lines, indentation and whole-line comments."""
        while not self.eof():
            c = self.text[self.pos]
            if c in " \t\n":
                self.pos += 1
            elif c == "#":
                self.pos = self.line_end()
            else:
                return

    def at_value_end(self) -> bool:
        """True at the end of a line, of the text, or at a trailing comment.

        Fluentd would take ``key  # note`` as the value ``"# note"``; we take
        it as a flag with a comment, which is what its author meant. A value
        that starts with ``#{`` is still a value (left literal, as unquoted).
        """
        return self.peek() in ("", "\n") or (
            self.peek() == "#" and not self.text.startswith("#{", self.pos)
        )

    def expect_line_end(self, after: str) -> None:
        """Consume optional blanks and a ``# comment``, then the line break."""
        self.skip_blank()
        if self.peek() == "#":
            self.pos = self.line_end()
        if self.peek() not in ("", "\n"):
            rest = self.text[self.pos : self.line_end()]
            raise self.error(
                f"unexpected text {rest!r} after {after}",
                "Write one directive or `key value` per line; start a comment with ` #`.",
            )
        self.pos += 1

    # -- literals ---------------------------------------------------------------
    def read_value(self) -> str:
        """A parameter value in any of Fluentd's literal forms."""
        if self.peek() in ("[", "{"):
            return self.read_json()
        return self.read_string()

    def read_string(self) -> str:
        """A quoted or unquoted string (no JSON): include paths and values."""
        c = self.peek()
        if c == '"':
            return self.read_double_quoted()
        if c == "'":
            return self.read_single_quoted()
        end = self.line_end()
        comment = _COMMENT_AFTER_SPACE.search(self.text, self.pos, end)
        stop = comment.start() if comment else end
        value = self.text[self.pos : stop].rstrip(" \t")
        self.pos = stop
        return value

    def read_single_quoted(self) -> str:
        start, text = self.pos, self.text
        stop = self.line_end()
        out: list[str] = []
        i = start + 1
        while i < stop:
            c = text[i]
            if c == "'":
                self.pos = i + 1
                return "".join(out)
            if c == "\\" and text[i + 1 : i + 2] in ("'", "\\"):
                out.append(text[i + 1])
                i += 2
                continue
            out.append(c)
            i += 1
        raise self.error(
            "single-quoted string is not closed on its line",
            "Close it with '; use double quotes for a value that spans lines.",
            start,
        )

    def read_double_quoted(self) -> str:
        start, text = self.pos, self.text
        out: list[str] = []
        i = start + 1
        while i < len(text):
            plain = _PLAIN_DOUBLE.match(text, i)
            if plain:
                out.append(plain.group())
                i = plain.end()
                continue
            c = text[i]
            if c == '"':
                self.pos = i + 1
                return "".join(out)
            if c == "#":
                if text.startswith("#{", i):
                    value, i = self._embedded(text, i, self.line_end(i), i)
                    out.append(value)
                else:
                    out.append(c)
                    i += 1
                continue
            nxt = text[i + 1 : i + 2]  # c is a backslash
            if nxt.isascii() and nxt.isalnum() and nxt not in _ESCAPES:
                raise self.error(
                    f"unknown escape '\\{nxt}' in a double-quoted string",
                    "Write '\\\\' for a backslash, or use single quotes, where "
                    "backslashes are literal.",
                    i,
                )
            if nxt != "\n":  # a backslash before a line break joins the lines
                out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        raise self.error(
            "double-quoted string is never closed",
            'Close it with "; write \\" for a quote inside it.',
            start,
        )

    def read_json(self) -> str:
        """A JSON array or hash; ``#`` outside its strings starts a comment."""
        start, text = self.pos, self.text
        kind = "array" if text[start] == "[" else "hash"
        pieces: list[str] = []
        depth, in_string, segment, i = 0, False, start, start
        while i < len(text):
            c = text[i]
            if in_string:
                if c == "\\":
                    i += 1
                elif c == '"':
                    in_string = False
                elif text.startswith("#{", i):  # embedded Ruby inside a JSON string
                    pieces.append(text[segment:i])
                    value, i = self._embedded(text, i, self.line_end(i), i)
                    pieces.append(json.dumps(value, ensure_ascii=False)[1:-1])
                    segment = i
                    continue
            elif c == '"':
                in_string = True
            elif c == "#":
                pieces.append(text[segment:i])
                i = segment = self.line_end(i)
                continue
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    pieces.append(text[segment : i + 1])
                    self.pos = i + 1
                    return self._decode_json("".join(pieces), kind, start)
            i += 1
        raise self.error(
            f"JSON {kind} is never closed",
            "A value starting with [ or { must be complete JSON; quote it if it is not JSON.",
            start,
        )

    def _decode_json(self, source: str, kind: str, start: int) -> str:
        try:
            value = json.loads(source)
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        except json.JSONDecodeError as exc:
            line = self.origin(start).line + exc.lineno - 1
            raise ConfigError(
                f"invalid JSON {kind}: {exc.msg}",
                Origin(self.file, line),
                "A value starting with [ or { must be valid JSON; quote it if it is not JSON.",
            ) from exc
        except RecursionError as exc:
            raise self.error(f"JSON {kind} is nested too deeply", pos=start) from exc

    def _embedded(self, text: str, i: int, stop: int, at: int) -> tuple[str, int]:
        """Resolve the ``#{...}`` at ``text[i]``; return its value and the index after it."""
        end = _embedded_end(text, i + 2, stop)
        if end < 0:
            raise self.error("'#{' has no closing '}' on its line", UNCLOSED_FIX, at)
        code = text[i + 2 : end]
        read: set[str] = set()
        try:
            value = evaluate(code, self.env, read)
        except RubyExprError as exc:
            if self.errors is None:
                raise self.error(str(exc), exc.fix, at) from None
            self.errors.add(self.error(str(exc), exc.fix, at))
            value = ""
        if read:
            self.used_env = True
        return value, end + 1
