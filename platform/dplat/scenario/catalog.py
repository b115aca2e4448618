"""Find and load lessons: every folder under scenarios/ with a scenario.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dplat import resources
from dplat.errors import ScenarioError
from dplat.scenario.model import Scenario


def folders(root: Path | None = None) -> list[Path]:
    root = root or resources.scenarios_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "scenario.py").is_file())


def load(folder: Path) -> Scenario:
    """Import a lesson's scenario.py and return its ``scenario`` object."""
    module_name = f"dplat_scenario_{folder.name.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, folder / "scenario.py")
    if spec is None or spec.loader is None:
        raise ScenarioError(f"cannot import {folder / 'scenario.py'}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ScenarioError(
            f"{folder / 'scenario.py'} failed to import: {type(exc).__name__}: {exc}",
            fix="Fix the lesson's scenario.py (run with --debug for the traceback).",
        ) from exc
    found = getattr(module, "scenario", None)
    if not isinstance(found, Scenario):
        raise ScenarioError(
            f"{folder / 'scenario.py'} defines no `scenario = Scenario(...)`",
            fix="Declare the lesson as in `dplat scenario new NAME`'s template.",
        )
    found.folder = folder
    return found


def all_scenarios(root: Path | None = None) -> list[Scenario]:
    return sorted((load(f) for f in folders(root)), key=lambda s: (s.order, s.name))


def find(name: str, root: Path | None = None) -> Scenario:
    for folder in folders(root):
        if folder.name == name:
            return load(folder)
    known = ", ".join(f.name for f in folders(root)) or "none yet"
    raise ScenarioError(f"no scenario named {name!r}", fix=f"Known lessons: {known}.")
