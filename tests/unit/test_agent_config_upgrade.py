"""An upgraded DPLAT_HOME gets the current default agent config in place of
an older dplat's default, and never loses a config someone wrote."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dplat import resources
from dplat.stack.agent import OLD_DEFAULT_CONFIGS, install_default_config

CURRENT = (resources.images_dir() / "agent" / "agent.conf").read_bytes()

DEFAULT_BEFORE_7CF7B1C = """\
# dplat's default agent configuration: accept events from any Fluentd client
# and print them. Lessons replace it (dplat run scenario writes their own
# config under DPLAT_HOME/work/agent/ and reloads the agent).
<system>
  log_level info
</system>

<source>
  @type forward
  @id forward
  port 24224
  bind 0.0.0.0
</source>

<source>
  @type http
  @id http
  port 9880
  bind 0.0.0.0
</source>

<source>
  @type monitor_agent
  @id monitor
  port 24220
  bind 0.0.0.0
</source>

<match **>
  @type stdout
  @id stdout
</match>
"""
"""images/agent/agent.conf as dplat shipped it until commit 7cf7b1c: every
event echoed to stdout, the container's log."""


def test_the_old_default_is_recognised_by_its_bytes() -> None:
    old = DEFAULT_BEFORE_7CF7B1C.encode()
    assert hashlib.sha256(old).hexdigest() in OLD_DEFAULT_CONFIGS
    assert hashlib.sha256(CURRENT).hexdigest() not in OLD_DEFAULT_CONFIGS


def test_first_use_copies_the_default(tmp_path: Path) -> None:
    install_default_config(tmp_path / "agent")
    assert (tmp_path / "agent" / "agent.conf").read_bytes() == CURRENT


def test_an_old_default_is_replaced(tmp_path: Path) -> None:
    config = tmp_path / "agent.conf"
    config.write_text(DEFAULT_BEFORE_7CF7B1C)
    install_default_config(tmp_path)
    assert config.read_bytes() == CURRENT
    assert b"@type stdout" not in config.read_bytes()


def test_an_edited_or_a_lessons_config_is_kept(tmp_path: Path) -> None:
    config = tmp_path / "agent.conf"
    edited = DEFAULT_BEFORE_7CF7B1C.replace("log_level info", "log_level debug")
    config.write_text(edited)
    install_default_config(tmp_path)
    assert config.read_text() == edited
    config.write_text(edited + "\n")
    install_default_config(tmp_path)
    assert config.read_text() == edited + "\n"
