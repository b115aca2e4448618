"""The case families: every module here not starting with ``_`` defines ``CASES``.

``load()`` imports them all and names each case ``<module>.<id>``; a family is
added by dropping a module in this folder, nothing to register.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from ._model import Case


@dataclass(frozen=True)
class NamedCase:
    """A case with its suite-wide name and its family (the module's name)."""

    name: str
    family: str
    case: Case


def load(families: set[str] | None = None) -> list[NamedCase]:
    """Every case of every family (or of ``families``), in module then list order.

    Raises ValueError on a module without ``CASES`` or a duplicated id, so a
    mistake in a case file stops the run instead of hiding cases.
    """
    named: list[NamedCase] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or (families and info.name not in families):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases = getattr(module, "CASES", None)
        if not isinstance(cases, list) or not all(isinstance(c, Case) for c in cases):
            raise ValueError(f"{module.__name__} must define CASES: list[Case]")
        seen: set[str] = set()
        for case in cases:
            if case.id in seen:
                raise ValueError(f"{module.__name__}: case id {case.id!r} is used twice")
            seen.add(case.id)
            named.append(NamedCase(f"{info.name}.{case.id}", info.name, case))
    return named
