"""Typed converters for parameter values, as Fluentd's config types."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from dplat.agent.config import ConfigError, ConfigValueError, Origin
from dplat.agent.config.types import (
    ruby_regex_to_python,
    to_array,
    to_bool,
    to_enum,
    to_float,
    to_hash,
    to_integer,
    to_regexp,
    to_size,
    to_time,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("yes", True), ("", True), ("false", False), ("no", False)],
)
def test_bool(text: str, expected: bool) -> None:
    assert to_bool(text) is expected


@pytest.mark.parametrize("text", ["True", "1", "on", "maybe"])
def test_bool_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError, match="true or false"):
        to_bool(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("24224", 24224), (" 7 ", 7), ("-3", -3), ("0x1f", 31), ("0o17", 15), ("0b101", 5),
     ("1_000", 1000), ("08080", 8080)],
)
def test_integer(text: str, expected: int) -> None:
    assert to_integer(text) == expected


@pytest.mark.parametrize("text", ["", "1.5", "10abc", "ten"])
def test_integer_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError, match="whole number"):
        to_integer(text)


@pytest.mark.parametrize(("text", "expected"), [("0.5", 0.5), ("1e3", 1000.0), ("-2", -2.0)])
def test_float(text: str, expected: float) -> None:
    assert to_float(text) == expected


@pytest.mark.parametrize("text", ["nan", "inf", "abc", ""])
def test_float_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError):
        to_float(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512", 512),
        ("100b", 100),
        ("1k", 1024),
        ("1K", 1024),
        ("8m", 8 * 1024**2),
        ("8MB", 8 * 1024**2),
        ("8MiB", 8 * 1024**2),
        ("256mb", 256 * 1024**2),
        ("2g", 2 * 1024**3),
        ("1t", 1024**4),
        (" 4k ", 4096),
    ],
)
def test_size(text: str, expected: int) -> None:
    assert to_size(text) == expected


@pytest.mark.parametrize("text", ["1.5m", "8x", "m", "", "-1k", "8 megabytes"])
def test_size_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError, match="k, m, g or t"):
        to_size(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("10sec", 10.0),
        ("5min", 300.0),
        ("2hours", 7200.0),
        ("3days", 259200.0),
        ("0.1", 0.1),
        ("60", 60.0),
    ],
)
def test_time(text: str, expected: float) -> None:
    assert to_time(text) == expected


@pytest.mark.parametrize("text", ["1.5h", "10ms", "1M", "1w", "soon", ""])
def test_time_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError, match="s, m, h or d"):
        to_time(text)


# Fluentd's lenient converters (fluent/fluentd lib/fluent/config/types.rb,
# time_value and size_value) search a unit anywhere in the text and fall back
# to Ruby's to_f/to_i. Where that gives what the author meant, dplat accepts
# the value with a warning; where it gives something else, dplat refuses.
@pytest.mark.parametrize(("convert", "text", "expected"), [
    (to_time, "= 15s", 15.0),      # "rotate_wait = 15s": Fluentd finds 15s
    (to_time, "15 s", 15.0),       # no \d+s; to_f gives 15.0
    (to_time, "30S", 30.0),        # case-sensitive units: to_f gives 30.0
    (to_time, "15 seconds", 15.0),
    (to_size, "= 8m", 8 * 1024**2),
    (to_size, ": 1k", 1024),
])
def test_sloppy_values_fluentd_reads_as_meant_are_accepted_with_a_warning(
        convert: Any, text: str, expected: float, caplog: pytest.LogCaptureFixture) -> None:
    origin = Origin("td.conf", 7)
    with caplog.at_level(logging.WARNING):
        assert convert(text, name="rotate_wait", origin=origin) == expected
    assert f"td.conf:7: rotate_wait: {'time' if convert is to_time else 'size'} {text!r} read " \
        "as" in caplog.text


@pytest.mark.parametrize(("convert", "text", "fluentd"), [
    (to_time, "0.1s", "1 seconds"),   # Fluentd finds "1s"
    (to_time, "1.5h", "18000 seconds"),  # Fluentd finds "5h"
    (to_time, "5M", "5 seconds"),
    (to_size, " 4 k ", "4 bytes"),
    (to_size, "8 MB", "8 bytes"),
])
def test_sloppy_values_fluentd_reads_otherwise_are_refused(
        convert: Any, text: str, fluentd: str) -> None:
    with pytest.raises(ConfigValueError, match=r"td.conf:7: .*Fluentd would read it as") as info:
        convert(text, name="p", origin=Origin("td.conf", 7))
    assert f"as {fluentd}," in str(info.value)


def test_enum() -> None:
    assert to_enum("gzip", ["text", "gzip"]) == "gzip"
    with pytest.raises(ConfigValueError, match="Valid options are text, gzip"):
        to_enum("zip", ("text", "gzip"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["a", 1, {"b": null}]', ["a", 1, {"b": None}]),
        ("a,b", ["a", "b"]),
        (" a , b ,c ", ["a", "b", "c"]),
        ("a,,b", ["a", "", "b"]),
        ("a,b,", ["a", "b"]),
        ("single", ["single"]),
        ("", []),
    ],
)
def test_array(text: str, expected: list[Any]) -> None:
    assert to_array(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "b": [true]}', {"a": 1, "b": [True]}),
        ("k1:v1,k2:v2", {"k1": "v1", "k2": "v2"}),
        ("url:http://x:80", {"url": "http://x:80"}),
        ("k1: v1 , k2:v2", {"k1": " v1", "k2": "v2"}),
        ("", {}),
    ],
)
def test_hash(text: str, expected: dict[str, Any]) -> None:
    assert to_hash(text) == expected


@pytest.mark.parametrize(
    ("converter", "text"),
    [(to_array, "[1,"), (to_array, '["a"'), (to_hash, "{x}"), (to_hash, "[1]"),
     (to_hash, "novalue"), (to_array, "[1] junk")],
)
def test_array_and_hash_reject(converter: Any, text: str) -> None:
    with pytest.raises(ConfigValueError):
        converter(text)


def test_errors_carry_name_origin_and_can_get_origin_later() -> None:
    origin = Origin("agent.conf", 12)
    with pytest.raises(ConfigValueError) as caught:
        to_size("lots", name="chunk_limit_size", origin=origin)
    assert str(caught.value).startswith("agent.conf:12: chunk_limit_size: invalid size 'lots'.")
    assert isinstance(caught.value, ConfigError)
    with pytest.raises(ConfigValueError) as caught:
        to_integer("x")
    assert caught.value.origin is None
    assert str(caught.value.with_origin(origin)).startswith("agent.conf:12: invalid integer")
    assert str(caught.value.args[0]).startswith("agent.conf:12: ")


# -- regexps --------------------------------------------------------------------


def test_regexp_with_ruby_named_groups() -> None:
    pattern = to_regexp(r"/^(?<host>[^ ]*) (?<code>\d{3})$/")
    match = pattern.search("web1 200")
    assert match is not None
    assert match.groupdict() == {"host": "web1", "code": "200"}


def test_regexp_bare_string_is_a_regexp_too() -> None:
    assert to_regexp("^ERROR").search("ERROR here") is not None


@pytest.mark.parametrize(
    ("text", "subject", "matches"),
    [
        ("/abc/i", "xABCx", True),
        ("/abc/", "xABCx", False),
        ("/a.b/", "a\nb", False),
        ("/a.b/m", "a\nb", True),  # Ruby's m is Python's DOTALL
        ("/a b # note\n c/x", "abc", True),
        ("/^two$/", "one\ntwo\nthree", True),  # Ruby's ^ $ are line anchors
        ("/one\\z/", "one\n", False),
        ("/one\\Z/", "one\n", True),
        ("/\\h+/", "zz", False),
        ("/^\\h+$/", "c0ffee", True),
        ("/^[\\h-]+$/", "dead-beef", True),
        ("/(?<w>a)\\k<w>/", "aa", True),
        ("/(?<=x)a/", "xa", True),
        ("/(?<!x)a/", "xa", False),
        ("/[(?<]/", "<", True),
        ("/(?m:a.b)/", "a\nb", True),
        ("/(?i-m:A)b/", "ab", True),
    ],
)
def test_regexp_ruby_semantics(text: str, subject: str, matches: bool) -> None:
    assert (to_regexp(text).search(subject) is not None) is matches


@pytest.mark.parametrize(
    "text", ["/abc", "/", "/abc/q", r"/\p{Alpha}/", "/(unclosed/", "/a/ii x", "/[a-z&&[^x]]/"]
)
def test_regexp_rejects(text: str) -> None:
    with pytest.raises(ConfigValueError, match="invalid regexp"):
        to_regexp(text)


def test_ruby_regex_translation() -> None:
    assert ruby_regex_to_python(r"(?<a>x)\k<a>(?<=y)(?<!z)") == r"(?P<a>x)(?P=a)(?<=y)(?<!z)"
    assert ruby_regex_to_python(r"\(?<notgroup>") == r"\(?<notgroup>"
    assert ruby_regex_to_python(r"[]a]\h") == r"[]a][0-9a-fA-F]"
    assert re.compile(ruby_regex_to_python(r"\\(?<n>x)")).match("\\x") is not None
