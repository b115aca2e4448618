"""No module of dplat over 400 lines (the project's style rule).

A module that grows past it holds more than one idea; the test names each
one so the split happens when it is added, not at a later review.
"""

from __future__ import annotations

from pathlib import Path

import dplat

ROOT = Path(dplat.__file__).parent
LIMIT = 400


def test_no_module_is_over_400_lines() -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in ROOT.rglob("*.py")}
    assert len(sizes) > 50  # the walk found the package
    over = sorted(f"{p.relative_to(ROOT)}: {n}" for p, n in sizes.items() if n > LIMIT)
    assert not over, "modules over 400 lines (split them):\n" + "\n".join(over)
