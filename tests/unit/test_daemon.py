"""The daemon.json dplat writes for an engine it installs."""

from __future__ import annotations

from dplat.engine.daemon import daemon_config


def test_an_installed_engine_binds_loopback_without_the_userland_proxy() -> None:
    assert daemon_config({}) == {"ip": "127.0.0.1", "userland-proxy": False}


def test_what_a_user_set_stays_as_they_set_it() -> None:
    assert daemon_config({"userland-proxy": True, "ip": "0.0.0.0", "debug": True}) == {
        "ip": "0.0.0.0", "userland-proxy": True, "debug": True
    }


def test_doctor_judges_the_compose_version_for_on_demand_services() -> None:
    from dplat.doctor import compose_too_old

    assert compose_too_old("Docker Compose version 2.20.2")
    assert not compose_too_old("Docker Compose version v2.26.1")
    assert not compose_too_old("Docker Compose version 2.23.2")
    assert not compose_too_old("Docker Compose version dev")  # no number: not judged
