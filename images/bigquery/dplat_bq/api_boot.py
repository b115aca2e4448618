"""Start-up hook of dplat's API behaviour layer over bqemulator (issue 11).

``dplat_bq_api.pth`` (in site-packages) imports this module in every Python
process of the image. It must stay cheap there: the healthcheck runs Python
every 30 s. So it imports nothing heavy; it only watches for the import of
``bqemulator.server`` (which happens in the emulator process alone) and, right
after that module has run, wraps its ``create_app`` so that our routes
(:mod:`dplat_bq.api_routes`) answer before bqemulator's own ones.

Why a hook and not patches: the changes are whole endpoints (insertAll, table
insert, load jobs' statistics), easier to read as Python beside bqemulator
than as diffs of it. The SQL translation fixes live elsewhere (bq-suite).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

TARGET = "bqemulator.server"


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds ``bqemulator.server`` through the other finders, patches it once loaded."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != TARGET:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original_exec(module)
            from dplat_bq.api_routes import install

            install(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _AfterImport())
