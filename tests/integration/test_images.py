"""`dplat images save` / `load` carry a complete set, and refuse a partial one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docker
import pytest

from dplat.errors import ImageSetIncomplete
from dplat.stack import images

pytestmark = pytest.mark.integration


@pytest.fixture
def only_s3(monkeypatch):
    """Carry one image, to keep the round trip quick; the logic is the same for four."""
    monkeypatch.setattr(images, "IMAGES", (images.spec("s3"),))


def test_save_then_load_round_trip_restores_the_image(tmp_path: Path, only_s3) -> None:
    engine = docker.from_env()
    archive = tmp_path / "set.tar.gz"
    assert images.save(archive, engine) == ["dplat/s3:local"]
    assert images.archive_tags(archive) == {"dplat/s3:local"}
    before = engine.images.get("dplat/s3:local").id
    engine.images.get("dplat/s3:local").tag("dplat/s3", "kept-by-test")
    try:
        engine.images.remove("dplat/s3:local")
        assert images.load(archive) == ["dplat/s3:local"]
        assert engine.images.get("dplat/s3:local").id == before
    finally:
        engine.images.get("dplat/s3:kept-by-test").tag("dplat/s3", "local")
        engine.images.remove("dplat/s3:kept-by-test")


def test_load_refuses_an_archive_missing_an_image(tmp_path: Path) -> None:
    partial = tmp_path / "partial.tar"
    subprocess.run(["docker", "save", "-o", str(partial), "dplat/base:bookworm"], check=True)
    # Every declared image is named, sorted (on-demand ones too).
    expected = ", ".join(sorted(image.tag for image in images.IMAGES))
    with pytest.raises(ImageSetIncomplete, match=f"lacks {re.escape(expected)};"):
        images.load(partial)


def test_load_refuses_a_file_that_is_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_text("not a tar")
    with pytest.raises(ImageSetIncomplete, match="is not an image archive"):
        images.load(junk)
