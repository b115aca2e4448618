"""`dplat doctor`'s image checks agree with what `dplat up` builds.

A plain `up` builds the everyday images only; an on-demand service's image
(s3-iam, airflow, spark) is built the first time the service is asked for.
So after a normal `up`, doctor must not fail on those.
"""

from __future__ import annotations

import pytest

from dplat import doctor
from dplat.engine import daemon
from dplat.stack import catalogue, images

ON_DEMAND = set(catalogue.on_demand_names())


def _engine_with(monkeypatch: pytest.MonkeyPatch, states: list[images.ImageState]) -> None:
    monkeypatch.setattr(daemon, "is_running", lambda: True)
    monkeypatch.setattr(daemon, "client", lambda timeout=300: object())
    monkeypatch.setattr(images, "states", lambda engine: states)


def test_after_a_plain_up_the_unbuilt_on_demand_images_are_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"s3-iam", "airflow", "spark"} <= ON_DEMAND
    states = [images.ImageState(i.name, i.tag, i.name not in ON_DEMAND, i.name not in ON_DEMAND, 1.0)
              for i in images.IMAGES]
    _engine_with(monkeypatch, states)
    checks = {c.name: c for c in doctor._images()}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert checks["image spark"].detail == "not built (on demand: built on first use)"
    assert checks["image mysql"].detail == "built and current"


def test_an_unbuilt_everyday_image_or_a_stale_on_demand_one_still_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    states = [
        images.ImageState("mysql", "dplat/mysql:local", False, False, 0.0),
        images.ImageState("spark", "dplat/spark:local", True, False, 1.0),
    ]
    _engine_with(monkeypatch, states)
    mysql, spark = doctor._images()
    assert (mysql.ok, mysql.detail) == (False, "not built")
    assert (spark.ok, spark.detail) == (False, "out of date")
    assert "dplat images build" in mysql.fix
