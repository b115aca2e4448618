"""``dplat agent check --v1`` prints a config a user can migrate to (review item 2).

The converted file must keep what the original means: its ``<system>``, its
labels, the order of its filters and matches (a filter after a match
of the same tag is never reached), and values as written (``"#{ENV['X']}"``
stays an expression). The test: the output passes ``check`` and builds the
same routes with the same effective parameters as the original.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dplat.agent.config import load_config
from dplat.agent.migrate import converted_config
from dplat.agent.router import Router
from dplat.agent.server import build
from dplat.cli import app

# Shaped after Fluentd's docker-image default config (a source routed to
# <label @mainstream> holding v0.12 file outputs), written here from
# https://docs.fluentd.org/configuration/config-file and /configuration/routing-examples.
CONFIG = """\
<system>
  log_level warn
</system>
<source>
  type forward
  @id in_fwd
  @label @mainstream
  port "#{ENV['V1_TEST_PORT']}"
  bind 127.0.0.1
</source>
<source>
  @type http
  port 0
  format json
</source>
<filter web.**>
  @type record_transformer
  <record>
    host "#{Socket.gethostname}"
    note 'a # inside quotes'
  </record>
</filter>
<match web.skip>
  @type null
</match>
<filter web.**>
  @type grep
  <regexp>
    key message
    pattern /^ok/
  </regexp>
</filter>
<match web.**>
  @type forward
  <security>
    self_hostname client
    shared_key s3cr3t
  </security>
  <server>
    host 127.0.0.1
    port 24299
  </server>
</match>
<label @mainstream>
  <match docker.**>
    type file
    path {out}/docker.*.log
    time_slice_format %Y%m%d%H
    time_slice_wait 1m
    buffer_type memory
    include_time_key true
  </match>
  <match **>
    @type stdout
  </match>
</label>
"""


def routes(router: Router) -> list[Any]:
    """Every label's rules in order, each plugin with its effective values."""
    def dump(plugin: Any) -> tuple[str, str, dict[str, Any]]:
        return type(plugin).__name__, plugin.label or "", plugin.config_dump()

    labels = [(name, [(rule.pattern.source if hasattr(rule.pattern, "source") else
                       str(rule.pattern), *dump(rule.plugin)) for rule in label.rules])
              for name, label in router.labels.items()]
    return [[dump(plugin) for plugin in router.inputs], labels]


def test_check_v1_output_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("V1_TEST_PORT", "24231")
    original = tmp_path / "td-agent.conf"
    original.write_text(CONFIG.replace("{out}", str(tmp_path / "out")))
    text = converted_config(original)

    assert "<label @mainstream>" in text and "<system>\n  log_level warn\n</system>" in text
    assert "port \"#{ENV['V1_TEST_PORT']}\"" in text and "24231" not in text
    assert 'host "#{Socket.gethostname}"' in text and "note 'a # inside quotes'" in text
    assert "shared_key xxxxxx" in text and "key message" in text
    assert "time_slice_format" not in text and "<buffer time>" in text
    order = [text.index(piece) for piece in ("<filter web.**>\n  @type record_transformer",
                                            "<match web.skip>", "@type grep", "<match web.**>",
                                            "<label @mainstream>")]
    assert order == sorted(order), text

    migrated = tmp_path / "v1.conf"
    migrated.write_text(text.replace("xxxxxx", "s3cr3t"))  # the user puts the secret back
    result = CliRunner().invoke(app, ["agent", "check", "-c", str(migrated)])
    assert result.exit_code == 0, result.output
    before, system_before = build(load_config(original))
    caplog.clear()
    after, system_after = build(load_config(migrated))
    assert not caplog.records, "the migrated file warns about nothing"
    assert system_after.log_level == system_before.log_level == "warn"
    assert routes(after) == routes(before)


def test_values_a_conversion_made_are_quoted_where_the_parser_needs_it(tmp_path: Path
                                                                       ) -> None:
    config = tmp_path / "a.conf"
    config.write_text("<source>\n  @type tail\n  path /tmp/x.log\n  tag t\n"
                      "  format '/^(?<a>\\S+) #(?<n>\\d+)$/'\n  types n:integer\n</source>\n")
    text = converted_config(config)
    assert r'expression "^(?<a>\\S+) #(?<n>\\d+)$"' in text, text
    migrated = tmp_path / "v1.conf"
    migrated.write_text(text)
    (parse,) = load_config(migrated).elements[0].sections("parse")
    assert parse.get("expression") == r"^(?<a>\S+) #(?<n>\d+)$"
    assert parse.get("types") == '{"n":"integer"}' and 'types {"n": "integer"}' in text
