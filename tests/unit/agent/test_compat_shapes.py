"""Real-world config shapes (compat_shapes.py) through ``dplat agent check``:
each accepted, or refused with the message it must give."""

from __future__ import annotations

from pathlib import Path

import pytest
from compat_shapes import SHAPES, Shape

from dplat.agent.config import ConfigError
from dplat.agent.server import check_config


def materialize(shape: Shape, folder: Path) -> Path:
    (folder / "containers").mkdir(exist_ok=True)
    config = folder / f"{shape.name}.conf"
    config.write_text(shape.text.replace("{tmp}", str(folder)))
    return config


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_shape(shape: Shape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DPLAT_SHAPE_USER", "DPLAT_SHAPE_LOG_LEVEL", "DPLAT_SHAPE_PORT",
                 "DPLAT_SHAPE_DIR", "DPLAT_SHAPE_SYSTEMD"):
        monkeypatch.delenv(name, raising=False)
    config = materialize(shape, tmp_path)
    if not shape.refused:
        check_config(config)
        return
    with pytest.raises(ConfigError, match=shape.refused) as caught:
        check_config(config)
    assert str(caught.value).startswith(f"{config}:")


def test_there_are_twenty_odd_shapes() -> None:
    assert len(SHAPES) >= 20 and len({s.name for s in SHAPES}) == len(SHAPES)
