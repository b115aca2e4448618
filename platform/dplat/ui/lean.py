"""Keep `dplat ui` small: google-cloud-bigquery loaded without pandas and pyarrow.

The console's memory goal is 200 MiB once every page has been opened. Its
modules and the clients are imported on first use, but one import weighs more
than all the rest: google-cloud-bigquery imports pandas and pyarrow (and with
them numpy) whenever they are installed, only to offer ``to_dataframe()`` and
``to_arrow()``; measured here that is ~80 of its ~140 MiB. The console never
asks BigQuery for a DataFrame: it reads rows (``result()``, ``list_rows()``).

So :func:`install` puts a finder on ``sys.meta_path`` that, the one time
``google.cloud.bigquery`` is imported in this process, hides pandas and
pyarrow while its modules run (``sys.modules[name] = None`` makes an import
raise ImportError, which the library takes as "not installed") and puts them
back at once. pandas and pyarrow stay importable for everything else: a
Parquet head imports pyarrow itself when one is opened, and a lesson that
uses pandas imports it as usual. What is lost, in this process only, is
BigQuery's ``to_dataframe()``/``to_arrow()``; no lesson uses them. Two cases
keep the full library: pandas or pyarrow already imported before BigQuery
is (nothing is hidden then), and any process other than `dplat ui`.

Import hooks are documented in https://docs.python.org/3/reference/import.html#the-meta-path.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

TARGET = "google.cloud.bigquery"
HIDDEN = ("pandas", "pyarrow")


class _HidingLoader(importlib.abc.Loader):
    """The real loader of ``TARGET``, run with ``HIDDEN`` hidden."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        hidden = [name for name in HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            self.real.exec_module(module)
        finally:
            for name in hidden:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]

    def __getattr__(self, name: str) -> Any:  # get_resource_reader and kin
        return getattr(self.real, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``TARGET`` with the other finders and wraps its loader, once."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _HidingLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Hide pandas and pyarrow from google-cloud-bigquery's first import."""
    if TARGET not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
