"""Find and load lessons: every folder under scenarios/ with a scenario.py."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from dplat import resources
from dplat.errors import ScenarioError
from dplat.scenario.model import Scenario


def folders(root: Path | None = None) -> list[Path]:
    root = root or resources.scenarios_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "scenario.py").is_file())


def package_name(folder: Path) -> str:
    return "dplat_lessons." + folder.name.replace("-", "_")


def _package(folder: Path) -> ModuleType:
    """The lesson's folder as a package, so its scenario.py can write
    ``from . import app`` for the modules beside it (no __init__.py needed)."""
    for name, path in (("dplat_lessons", folder.parent), (package_name(folder), folder)):
        existing = sys.modules.get(name)
        if existing is None or list(getattr(existing, "__path__", [])) != [str(path)]:
            module = ModuleType(name)
            module.__path__ = [str(path)]
            module.__package__ = name
            sys.modules[name] = module
    return sys.modules[package_name(folder)]


def lesson_module(folder: Path, name: str) -> ModuleType:
    """A module of a lesson's folder (``scenario``, ``app``...), imported once."""
    _package(folder)
    return importlib.import_module(f"{package_name(folder)}.{name}")


def load(folder: Path) -> Scenario:
    """Import a lesson's scenario.py afresh and return its ``scenario`` object."""
    package = _package(folder)
    qualified = f"{package.__name__}.scenario"
    spec = importlib.util.spec_from_file_location(qualified, folder / "scenario.py")
    if spec is None or spec.loader is None:
        raise ScenarioError(f"cannot import {folder / 'scenario.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
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
