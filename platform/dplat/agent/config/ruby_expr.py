"""The embedded Ruby real configs use for settings, evaluated without Ruby.

Fluentd runs the code in ``"#{...}"`` with ``instance_eval``
(``lib/fluent/config/literal_parser.rb``); configs use it to read settings
from the environment. We parse and evaluate the few forms those settings take,
and refuse anything else, naming it: nothing is ever executed.

    ENV['X']  ENV["X"]                 the variable (unset: see below)
    ENV['X'] || 'default'              Ruby's ||: the right side when nil/false
    ENV.fetch('X', 'default')          the default when unset
    ENV.fetch('X')                     unset is an error, as Ruby's KeyError
    File.join(a, b, ...)               paths joined by one '/'
    Socket.gethostname  hostname       this machine's name
    worker_id                          "0": the agent runs one worker
    'text' "text" 42 1.5 true false nil (expr)  expr.to_s  expr.to_i

An expression whose value is nil because a variable is unset is an error
naming the variable (Fluentd would write an empty string, and the config then
fails somewhere else with a message about something else, or runs with a
wrong value).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = ("ENV['X'], ENV['X'] || 'default', ENV.fetch('X', 'default'), File.join(...), "
             "Socket.gethostname, hostname, worker_id and literals")
_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\#]|\\.|\#(?!\{))*")
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*[?!]?)
    | (?P<op>\|\||[\[\](),.])
    )""", re.VERBOSE)


class RubyExprError(Exception):
    """Code we do not evaluate, or a setting that is missing; ``fix`` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def evaluate(code: str, env: Mapping[str, str], read: set[str] | None = None) -> str:
    """The text ``"#{code}"`` stands for, as Ruby's ``to_s`` writes the value.
    ``read`` collects the names of the variables looked up (set or not), so a
    caller can treat a value that came from the environment as a secret."""
    parser = _Parser(code, _tokens(code), env, read if read is not None else set())
    value = parser.expression()
    if parser.pos != len(parser.tokens):
        raise _unsupported(code)
    if value is None and parser.missing:
        raise parser.missing_error()
    return to_s(value)


def to_s(value: Any) -> str:
    """Ruby's ``to_s`` of the values an expression can have."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tokens(code: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(code.rstrip()):
        match = _TOKEN.match(code, pos)
        if match is None or match.end() == pos:
            raise _unsupported(code)
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _unsupported(code: str) -> RubyExprError:
    return RubyExprError(f"embedded Ruby '#{{{code}}}' is not supported",
                         f"Supported: {SUPPORTED}. Put other values in an environment "
                         "variable or write them literally.")


@dataclass
class _Parser:
    """Recursive descent over the tokens; evaluates as it parses."""

    code: str
    tokens: list[tuple[str, str]]
    env: Mapping[str, str]
    read: set[str]
    pos: int = 0
    missing: list[str] = field(default_factory=list)

    def expression(self) -> Any:
        value = self.term()
        while self.accept("||"):
            right = self.term()
            value = right if value is None or value is False else value
        return value

    def term(self) -> Any:
        value = self.atom()
        while self.accept("."):
            method = self.expect_name()
            if method == "to_s":
                value = to_s(value)
            elif method == "to_i":
                found = re.match(r"\s*-?\d+", to_s(value))
                value = int(found.group()) if found else 0
            else:
                raise self.unsupported()
        return value

    def atom(self) -> Any:
        kind, text = self.next()
        if kind == "str":
            return _unquote(text)
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "(":
            value = self.expression()
            self.expect(")")
            return value
        literals = {"true": True, "false": False, "nil": None}
        if text in literals:
            return literals[text]
        if text in ("hostname", "Socket"):
            if text == "Socket":
                self.expect(".")
                if self.expect_name() != "gethostname":
                    raise self.unsupported()
            return socket.gethostname()
        if text == "worker_id":
            return "0"
        if text == "ENV":
            return self.env_lookup()
        if text == "File":
            self.expect(".")
            if self.expect_name() != "join":
                raise self.unsupported()
            parts = self.arguments()
            if None in parts and self.missing:
                raise self.missing_error()
            return _file_join(parts)
        raise self.unsupported()

    def env_lookup(self) -> Any:
        if self.accept("["):
            name = self.expect_string()
            self.expect("]")
            self.read.add(name)
            value = self.env.get(name)
            if value is None:
                self.missing.append(name)
            return value
        self.expect(".")
        if self.expect_name() != "fetch":
            raise self.unsupported()
        args = self.arguments()
        if not args or len(args) > 2 or not isinstance(args[0], str):
            raise self.unsupported()
        self.read.add(args[0])
        if args[0] in self.env:
            return self.env[args[0]]
        if len(args) == 2:
            return args[1]
        raise RubyExprError(f"environment variable {args[0]} is not set (ENV.fetch without "
                            "a default)", f"Set {args[0]}, or write ENV.fetch('{args[0]}', "
                            "'default').")

    def arguments(self) -> list[Any]:
        self.expect("(")
        args: list[Any] = []
        if self.accept(")"):
            return args
        args.append(self.expression())
        while self.accept(","):
            args.append(self.expression())
        self.expect(")")
        return args

    # -- tokens -------------------------------------------------------------------
    def next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.unsupported()
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, op: str) -> bool:
        if self.pos < len(self.tokens) and self.tokens[self.pos] == ("op", op):
            self.pos += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise self.unsupported()

    def expect_name(self) -> str:
        kind, text = self.next()
        if kind != "name":
            raise self.unsupported()
        return text

    def expect_string(self) -> str:
        kind, text = self.next()
        if kind != "str":
            raise self.unsupported()
        return _unquote(text)

    def unsupported(self) -> RubyExprError:
        return _unsupported(self.code)

    def missing_error(self) -> RubyExprError:
        names = " or ".join(dict.fromkeys(self.missing))
        return RubyExprError(f"environment variable {names} is not set",
                             f"Set {names} in the agent's environment, or give a default: "
                             f"#{{ENV['{self.missing[0]}'] || 'value'}}.")


def _unquote(text: str) -> str:
    body = text[1:-1]
    if text[0] == "'":
        return re.sub(r"\\([\\'])", r"\1", body)
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "s": " "}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _file_join(parts: list[Any]) -> str:
    """Ruby's ``File.join``: one '/' between parts, whatever their own slashes."""
    for part in parts:
        if not isinstance(part, str):
            raise RubyExprError(f"File.join got {to_s(part) or 'nil'}, not a string",
                                "Give File.join strings only.")
    if not parts:
        return ""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.rstrip("/") + "/" + part.lstrip("/")
    return joined
