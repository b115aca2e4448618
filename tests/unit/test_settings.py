"""The resolver's precedence: flags > DPLAT_* env > config.toml > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from dplat.errors import SettingsError
from dplat.settings import DEFAULT_PORTS, resolve


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    s = resolve({"home": str(tmp_path)}, env={})
    assert s.project == "dplat"
    assert s.images == "local"
    assert s.port("mysql") == DEFAULT_PORTS["mysql"]
    assert s.memory["bigquery"] == "1g"
    assert s.work_dir == tmp_path / "work"


def test_home_comes_from_environment_when_no_flag(tmp_path: Path) -> None:
    assert resolve(env={"DPLAT_HOME": str(tmp_path)}).home == tmp_path


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    write_config(tmp_path, 'project = "fromfile"\nport_offset = 1\ntimeout = 5\n[ports]\nmysql = 4000\n')
    env = {"DPLAT_PORT_OFFSET": "2", "DPLAT_TIMEOUT": "7"}
    s = resolve({"home": str(tmp_path), "timeout": 9.0}, env=env)
    assert s.project == "fromfile"  # only the file sets it
    assert s.port_offset == 2  # env beats file
    assert s.timeout == 9.0  # flag beats env
    assert s.port("mysql") == 4002  # file port + env offset


def test_single_port_and_memory_from_environment(tmp_path: Path) -> None:
    env = {"DPLAT_PORT_S3": "19000", "DPLAT_MEMORY_AGENT": "1g"}
    s = resolve({"home": str(tmp_path), "port_offset": 5}, env=env)
    assert s.port("s3") == 19005
    assert s.memory["agent"] == "1g"


def test_none_flags_do_not_override(tmp_path: Path) -> None:
    s = resolve({"home": str(tmp_path), "timeout": None}, env={"DPLAT_TIMEOUT": "33"})
    assert s.timeout == 33.0


@pytest.mark.parametrize(
    ("config", "env", "needle"),
    [
        ("port_offset = 'ten'", {}, "port_offset must be int"),
        ("", {"DPLAT_PORT_OFFSET": "x"}, "the environment: port_offset"),
        ("[ports]\nredis = 1", {}, "unknown ports entry 'redis'"),
        ("images = 'cloud'", {}, "unknown image set"),
        ("not toml = = =", {}, "is not valid TOML"),
    ],
)
def test_bad_values_name_where_they_came_from(tmp_path: Path, config: str, env: dict, needle: str) -> None:
    write_config(tmp_path, config)
    with pytest.raises(SettingsError, match=needle):
        resolve({"home": str(tmp_path)}, env=env)
