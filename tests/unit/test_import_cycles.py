"""No import cycle in dplat, and the agent's parts stand in layers.

The graph is read from the source (import_graph.py says what counts as an
import: function-level imports do, ``if TYPE_CHECKING:`` ones do not, except
for core/, which must not even name a higher layer's types). A cycle makes
the order of imports matter, leaves modules half-initialised when the order
changes, and means two parts cannot be understood (or tested) one without
the other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dplat
from tests.unit import import_graph

ROOT = Path(dplat.__file__).parent
RUNTIME = import_graph.build(ROOT)
"""Every import that runs (module and function level)."""
ALL = import_graph.build(ROOT, type_checking=True)
"""... plus those for annotations only."""

def _render(found: list[list[str]]) -> str:
    return "\n".join(" -> ".join(cycle) for cycle in found)


def test_no_module_of_dplat_is_in_an_import_cycle() -> None:
    found = import_graph.cycles(RUNTIME)
    assert not found, f"import cycles (break each, see tests/unit/import_graph.py):\n" \
                      f"{_render(found)}"


def test_the_agents_parts_import_each_other_in_one_direction() -> None:
    found = import_graph.cycles(import_graph.collapse(RUNTIME, "dplat.agent", 3))
    assert not found, f"agent parts in a cycle:\n{_render(found)}"


STACK_DECLARATIONS = {
    "base", "declarations", "credentials", "faults", "mysql", "s3", "bigquery", "agent", "s3_iam",
    "airflow", "spark",
}
"""stack/ holds two layers: the service declarations (one class per service,
their credentials and client faults), which settings and the engine's image
builds read, so they sit at the bottom; and what drives the engine with them
(lifecycle, images, catalogue, browse), at the top. The package test sees
them as two parts, ``dplat.stackdeclared`` and ``dplat.stack``."""


def _two_layer_stack(graph: import_graph.Graph) -> import_graph.Graph:
    def rename(name: str) -> str:
        parts = name.split(".")
        if parts[:2] == ["dplat", "stack"] and len(parts) > 2 and parts[2] in STACK_DECLARATIONS:
            return "dplat.stackdeclared." + ".".join(parts[2:])
        return name

    return {rename(s): {rename(t) for t in ts} for s, ts in graph.items()}


def test_dplats_packages_have_no_cycle_not_even_for_types() -> None:
    """cli, stack, engine, scenario...: a package never leans on one that
    leans back on it (engine.compose names the stack's credentials through
    a protocol for that reason)."""
    found = import_graph.cycles(import_graph.collapse(_two_layer_stack(ALL), "dplat", 2))
    assert not found, f"package cycles:\n{_render(found)}"


def test_the_stacks_declarations_import_nothing_of_its_upper_layer() -> None:
    declared = import_graph.collapse(_two_layer_stack(ALL), "dplat", 2)["dplat.stackdeclared"]
    assert "dplat.stack" not in declared and "dplat.engine" not in declared


AGENT_LAYERS = [
    "memory", "config", "event", "protocol", "tagmatch", "core", "buffer", "output", "router",
    "plugins", "rpc", "server", "migrate", "reference", "testing", "hostile",
]
"""The agent's parts, bottom layer first, as docs/agent.md ("The code") lists
them: each imports only parts before it. The router and the buffer reach
plugins by name only (core/registry.py)."""


def test_the_agent_layers_are_the_documented_ones() -> None:
    parts = import_graph.collapse(RUNTIME, "dplat.agent", 3)
    assert sorted(parts) == sorted(f"dplat.agent.{name}" for name in AGENT_LAYERS), \
        "a part of the agent was added or removed: place it in AGENT_LAYERS and docs/agent.md"


@pytest.mark.parametrize("position", range(len(AGENT_LAYERS)), ids=AGENT_LAYERS)
def test_a_layer_imports_only_lower_ones(position: int) -> None:
    part = f"dplat.agent.{AGENT_LAYERS[position]}"
    higher = tuple(f"dplat.agent.{name}" for name in AGENT_LAYERS[position + 1:])
    graph = ALL if AGENT_LAYERS[position] == "core" else RUNTIME
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module == part or module.startswith(part + ".")
        for target in targets
        if any(target == name or target.startswith(name + ".") for name in higher)
    )
    assert not wrong, "\n".join(wrong)


# -- the walker itself finds what it must (so the tests above can fail) -------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name, text in files.items():
        (root / f"{name}.py").write_text(text)
    return root


def test_the_walker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "a": "import pkg.b\n",
        "b": "def late():\n    from pkg import a\n    return a\n",
        "c": "from . import d\n",
        "d": "from .c import X\n",
        "e": "import pkg.a\n",
    })
    found = import_graph.cycles(import_graph.build(root))
    assert found == [["pkg.a", "pkg.b", "pkg.a"], ["pkg.c", "pkg.d", "pkg.c"]]


def test_the_walker_leaves_type_checking_imports_out_unless_asked(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "a": "from pkg.b import B\n",
        "b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\n",
    })
    assert import_graph.cycles(import_graph.build(root)) == []
    assert import_graph.cycles(import_graph.build(root, type_checking=True)) == [
        ["pkg.a", "pkg.b", "pkg.a"]]


def test_packages_collapse_to_their_parts(tmp_path: Path) -> None:
    root = _package(tmp_path, {"low": "import pkg.high.x\n"})
    (root / "high").mkdir()
    (root / "high" / "__init__.py").write_text("")
    (root / "high" / "x.py").write_text("")
    (root / "high" / "y.py").write_text("def f():\n    import pkg.low\n")
    collapsed = import_graph.collapse(import_graph.build(root), "pkg", 2)
    assert collapsed == {"pkg.low": {"pkg.high"}, "pkg.high": {"pkg.low"}}
    assert import_graph.cycles(collapsed) == [["pkg.high", "pkg.low", "pkg.high"]]
