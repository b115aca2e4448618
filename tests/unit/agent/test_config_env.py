"""Embedded Ruby in config values: "#{ENV['NAME']}" resolved, everything else refused."""

from __future__ import annotations

import json

import pytest

from dplat.agent.config import ConfigError, parse_config

ENV = {"SECRET": "s3cr3t", "QUOTED": 'a"b\\c', "EMPTY": ""}


def value(line: str, env: dict[str, str] | None = None, **kwargs: bool) -> str | None:
    root = parse_config(line + "\n", "env.conf", env=ENV if env is None else env, **kwargs)
    return root.get("k")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("k \"#{ENV['SECRET']}\"", "s3cr3t"),
        ('k "#{ENV["SECRET"]}"', "s3cr3t"),
        ("k \"#{ ENV[ 'SECRET' ] }\"", "s3cr3t"),
        ("k \"pre-#{ENV['SECRET']}-#{ENV['SECRET']}-post\"", "pre-s3cr3t-s3cr3t-post"),
        ("k \"#{ENV['EMPTY']}x\"", "x"),
        ("k \"#{ENV['QUOTED']}\"", 'a"b\\c'),
        ("k \"#{ENV['MISSING']}\"", ""),  # Ruby: nil.to_s
        ("k \"a\\#{ENV['SECRET']}\"", "a#{ENV['SECRET']}"),  # escaped: literal
        # Fluentd evaluates only in double quotes: elsewhere the text stays as written.
        ("k '#{ENV[\"SECRET\"]}'", '#{ENV["SECRET"]}'),
        ("k #{ENV['SECRET']}", "#{ENV['SECRET']}"),
        ("k foo-\"#{ENV['SECRET']}\"", "foo-\"#{ENV['SECRET']}\""),
        ("k #{anything at all}", "#{anything at all}"),
    ],
)
def test_env_resolution(line: str, expected: str) -> None:
    assert value(line) == expected


def test_env_in_json_strings_is_resolved_and_escaped() -> None:
    raw = value('k {"key": "#{ENV["QUOTED"]}", "list": ["#{ENV[\'SECRET\']}"]}')
    assert json.loads(raw or "") == {"key": 'a"b\\c', "list": ["s3cr3t"]}


def test_env_in_section_argument_when_quoted() -> None:
    root = parse_config("<match \"#{ENV['SECRET']}.**\">\n</match>\n", env=ENV)
    assert root.elements[0].arg == "s3cr3t.**"


def test_default_env_is_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DPLAT_TEST_CONFIG_ENV", "from-os")
    root = parse_config("k \"#{ENV['DPLAT_TEST_CONFIG_ENV']}\"\n")
    assert root.get("k") == "from-os"


def test_strict_env_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        value("k \"#{ENV['MISSING_ONE']}\"", strict_env=True)
    assert "MISSING_ONE" in str(caught.value)
    assert str(caught.value).startswith("env.conf:1: ")
    assert value("k \"#{ENV['SECRET']}\"", strict_env=True) == "s3cr3t"


@pytest.mark.parametrize(
    "expression",
    [
        "hostname",
        "Socket.gethostname",
        "worker_id",
        "1+1",
        "ENV['A'] || 'default'",
        "ENV.fetch('A')",
        "ENV[NAME]",
        "use_nil",
        "`rm -rf /`",
        "",
    ],
)
def test_other_embedded_ruby_is_refused(expression: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('a 1\nk "x #{' + expression + '}"\n', "env.conf", env=ENV)
    error = caught.value
    assert error.origin is not None
    assert (error.origin.file, error.origin.line) == ("env.conf", 2)
    assert "#{" + expression + "}" in str(error)
    assert "#{ENV['NAME']}" in str(error)


def test_other_embedded_ruby_in_json_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"#\{hostname\}"):
        value('k ["#{hostname}"]')


def test_unclosed_embedded_code_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no closing"):
        value("k \"#{ENV['SECRET']\"")
