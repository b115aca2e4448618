"""What stays refused, clearly: plugins for services the sandbox lacks (with
what to use instead), enable_ruby, workers > 1 (issue 10, "Still refused")."""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.agent.config import ConfigError
from dplat.agent.server import check_config


@pytest.mark.parametrize(("directive", "plugin", "instead"), [
    ("match", "elasticsearch", "s3"),
    ("match", "kafka2", "forward"),
    ("filter", "kubernetes_metadata", "record_transformer"),
    ("source", "systemd", "@type tail"),
    ("source", "prometheus", "monitor_agent"),
    ("source", "prometheus_output_monitor", "monitor_agent"),
])
def test_plugins_for_missing_services_name_plugin_line_and_alternative(
        tmp_path: Path, directive: str, plugin: str, instead: str) -> None:
    config = tmp_path / "td.conf"
    arg = "" if directive == "source" else " **"
    config.write_text(f"# a comment\n<{directive}{arg}>\n  @type {plugin}\n</{directive}>\n")
    with pytest.raises(ConfigError) as caught:
        check_config(config)
    text = str(caught.value)
    assert text.startswith(f"{config}:2: ") and f"'{plugin}' needs" in text
    assert instead in text


def test_enable_ruby_is_refused_at_its_line(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text("<filter **>\n  @type record_transformer\n  enable_ruby true\n"
                      "  <record>\n    a b\n  </record>\n</filter>\n")
    with pytest.raises(ConfigError, match=rf"{config}:3: enable_ruby is not supported"):
        check_config(config)


def test_workers_above_one_are_refused_with_the_fix(tmp_path: Path) -> None:
    config = tmp_path / "td.conf"
    config.write_text("<system>\n  workers 4\n</system>\n")
    with pytest.raises(ConfigError, match=rf"{config}:2: workers 4: the agent runs one "
                                          r"worker\. Remove 'workers'"):
        check_config(config)
