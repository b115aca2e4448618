"""The daemon.json dplat writes for an engine it installs."""

from __future__ import annotations

from dplat.engine.daemon import daemon_config


def test_an_installed_engine_binds_loopback_without_the_userland_proxy() -> None:
    assert daemon_config({}) == {"ip": "127.0.0.1", "userland-proxy": False}


def test_what_a_user_set_stays_as_they_set_it() -> None:
    assert daemon_config({"userland-proxy": True, "ip": "0.0.0.0", "debug": True}) == {
        "ip": "0.0.0.0", "userland-proxy": True, "debug": True
    }
