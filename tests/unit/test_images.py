"""Image sources: what they are built from and how the cache key behaves."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dplat import resources
from dplat.settings import resolve
from dplat.stack import images

ROOT = Path(__file__).resolve().parents[2]


def _names(lines: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ]", line.strip(), maxsplit=1)[0].lower() for line in lines
            if line.strip() and not line.startswith("#")}


def test_agent_image_installs_exactly_the_agent_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["agent"]
    image = (resources.images_dir() / "agent" / "requirements.txt").read_text().splitlines()
    assert _names(image) == _names(extra)


@pytest.mark.parametrize("image", images.IMAGES, ids=lambda i: i.name)
def test_every_python_dependency_of_an_image_is_pinned(image: images.ImageSpec) -> None:
    constraints = image.folder / "constraints.txt"
    dockerfile = (image.folder / "Dockerfile").read_text()
    if not constraints.exists():
        assert "pip install" not in dockerfile and "make-venv" not in dockerfile
        return
    # One way to install them (images/shared/make-venv), from the shared context.
    assert "make-venv" in dockerfile and "pip install" not in dockerfile
    assert image.uses_shared
    for line in constraints.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"{constraints}: {line!r} is not pinned"


@pytest.mark.parametrize("image", images.IMAGES, ids=lambda i: i.name)
def test_images_start_from_our_debian_bases(image: images.ImageSpec) -> None:
    dockerfile = (image.folder / "Dockerfile").read_text()
    assert f"FROM dplat/base:{image.base}" in dockerfile


def test_hash_changes_with_the_folder_and_ignores_bytecode(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "images" / "mysql"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text("FROM dplat/base:sid\n")
    monkeypatch.setattr(resources, "images_dir", lambda: tmp_path / "images")
    spec = images.spec("mysql")
    first = images.source_hash(spec)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert images.source_hash(spec) == first
    (folder / "Dockerfile").write_text("FROM dplat/base:sid\nRUN true\n")
    assert images.source_hash(spec) != first


def test_build_command_passes_ca_as_secret_and_package_as_context(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    settings = resolve({"home": str(tmp_path), "ca_bundle": str(ca)}, env={})
    argv = images.build_command(images.spec("agent"), settings)
    assert argv[:3] == ["docker", "buildx", "build"]
    assert f"id=hostca,src={ca}" in argv
    assert f"dplat-package={resources.PACKAGE_DIR}" in argv
    assert f"dplat-shared={images.shared_dir()}" in argv
    assert not any("dplat-shared" in a for a in images.build_command(images.spec("mysql"), settings))
    assert not any(str(ca) in a for a in argv if not a.startswith("id=hostca"))


@pytest.mark.parametrize("rebuild_bases", [False, True])
def test_build_set_ensures_the_engine_then_bases_when_asked_then_images(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rebuild_bases: bool
) -> None:
    """`dplat images build`'s order (it used to live in the CLI); the engine,
    the base builds and the image builds are scripted, what is checked is the
    order and what each step is given."""
    from dplat.engine import bases, daemon

    calls: list[tuple[str, object]] = []
    engine = object()
    monkeypatch.setattr(daemon, "ensure", lambda report=print: calls.append(("engine", None)) or engine)
    monkeypatch.setattr(
        bases, "ensure", lambda e, suites=(), rebuild=False, report=print: calls.append(("bases", rebuild))
    )

    def build(e, settings, names=None, force=False, report=print):
        calls.append(("images", (e is engine, list(names or []), force)))
        return list(names or [])

    monkeypatch.setattr(images, "build", build)
    settings = resolve({"home": str(tmp_path)}, env={})
    built = images.build_set(settings, ["s3"], force=True, rebuild_bases=rebuild_bases, report=lambda m: None)
    assert built == ["s3"]
    expected = [("engine", None), *([("bases", True)] if rebuild_bases else []), ("images", (True, ["s3"], True))]
    assert calls == expected
