"""Embedded Ruby in config values: the settings forms real configs use are
evaluated (config/ruby_expr.py), everything else refused, naming the line.

The forms come from Fluentd's docs (docs.fluentd.org/configuration/config-file,
"Embedded Ruby Code") and the fluentd-kubernetes-daemonset style of
``"#{ENV['X'] || 'default'}"`` settings, written here as our own cases."""

from __future__ import annotations

import json
import socket

import pytest

from dplat.agent.config import ConfigError, parse_config

ENV = {"SECRET": "s3cr3t", "QUOTED": 'a"b\\c', "EMPTY": ""}


def value(line: str, env: dict[str, str] | None = None) -> str | None:
    root = parse_config(line + "\n", "env.conf", env=ENV if env is None else env)
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
        ("k \"#{ENV['MISSING'] || 'dflt'}\"", "dflt"),
        ("k \"#{ENV['SECRET'] || 'dflt'}\"", "s3cr3t"),
        ("k \"#{ENV['EMPTY'] || 'dflt'}\"", ""),  # Ruby: "" is truthy
        ("k \"#{ENV['MISSING'] || ENV['SECRET']}\"", "s3cr3t"),
        ("k \"#{ENV.fetch('MISSING', 'dflt')}\"", "dflt"),
        ('k "#{ENV.fetch("SECRET", "dflt")}"', "s3cr3t"),
        ("k \"#{File.join(ENV['MISSING'] || '/var/log', 'app.log')}\"", "/var/log/app.log"),
        ("k \"#{File.join('/a/', '/b', 'c')}\"", "/a/b/c"),
        ("k \"#{ENV['MISSING'] || 24224}\"", "24224"),
        ("k \"#{ENV['MISSING'] || true}\"", "true"),
        ("k \"#{false}\"", "false"),
        ("k \"#{nil}\"", ""),
        ("k \"#{worker_id}\"", "0"),
        ("k \"#{(ENV['MISSING'] || '8').to_i}\"", "8"),
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


def test_hostname_forms_are_this_machines_name() -> None:
    assert value('k "#{Socket.gethostname}"') == socket.gethostname()
    assert value('k "h-#{hostname}"') == f"h-{socket.gethostname()}"


@pytest.mark.parametrize(("line", "names"), [
    ("k \"#{ENV['MISSING_ONE']}\"", "MISSING_ONE"),
    ("k \"#{ENV['MISSING_ONE'] || ENV['MISSING_TWO']}\"", "MISSING_ONE or MISSING_TWO"),
    ("k \"#{ENV.fetch('MISSING_ONE')}\"", "MISSING_ONE"),
    ("k \"#{File.join(ENV['MISSING_ONE'], 'x')}\"", "MISSING_ONE"),
])
def test_an_unset_variable_without_default_is_an_error_naming_it(line: str, names: str) -> None:
    """Fluentd would write "" (nil.to_s); the config then fails elsewhere with a
    misleading message, or runs with a wrong value. We name the variable."""
    with pytest.raises(ConfigError) as caught:
        value("a 1\n" + line)
    assert str(caught.value).startswith("env.conf:2: environment variable " + names)


@pytest.mark.parametrize("expression", [
    "1+1", "ENV[NAME]", "File.read('/etc/passwd')", "system('id')", "ENV['A'].upcase",
    "Socket.new", "use_nil", "`rm -rf /`", "",
])
def test_other_embedded_ruby_is_refused(expression: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('a 1\nk "x #{' + expression + '}"\n', "env.conf", env=ENV)
    error = caught.value
    assert error.origin is not None
    assert (error.origin.file, error.origin.line) == ("env.conf", 2)
    assert "#{" + expression + "}" in str(error)
    assert "ENV['X'] || 'default'" in str(error)


def test_other_embedded_ruby_in_json_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"#\{hostname\(\)\}"):
        value('k ["#{hostname()}"]')


def test_unclosed_embedded_code_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no closing"):
        value("k \"#{ENV['SECRET']\"")


def test_evaluate_reports_which_variables_it_read() -> None:
    from dplat.agent.config.ruby_expr import evaluate

    read: set[str] = set()
    assert evaluate("File.join(ENV.fetch('A', '/x'), ENV['SECRET'] || 'd')", ENV, read) == \
        "/x/s3cr3t"
    assert read == {"A", "SECRET"}
