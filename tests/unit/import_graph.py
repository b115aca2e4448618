"""The import graph of a Python package, read from its source with ``ast``.

Used by test_import_cycles.py. What counts as an edge ``a -> b`` (``b`` a
module of the same package):

* every ``import`` / ``from ... import`` statement that runs, at module level
  *or inside a function*: a function-level import only defers the cycle to
  the first call, it does not remove it;
* ``from pkg import name`` gives an edge to ``pkg.name`` when that is a
  module, else to ``pkg`` (where ``name`` is defined);
* NOT imports under ``if TYPE_CHECKING:``: they never run, so they cannot
  leave a module half-initialised; they only name types in annotations;
* NOT the implicit import of a parent package's ``__init__``: Python has
  already started initialising the parent of any module it runs, so
  ``pkg/x.py`` importing ``pkg.y`` is not a cycle through ``pkg``.

Imports by string (``importlib.import_module``: the agent's plugin discovery)
are not statements and are not seen; that is the point of discovery by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

Graph = dict[str, set[str]]


def modules(root: Path) -> dict[str, Path]:
    """``dotted.name -> file`` for every module under the package dir ``root``."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of every node inside an ``if TYPE_CHECKING:`` body."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                hidden.update(id(inner) for inner in ast.walk(statement))
    return hidden


def _source(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of ``from <source> import ...``."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, known: Mapping[str, Path], *,
               type_checking: bool = False) -> set[str]:
    """The modules of ``known`` that ``module`` imports (``type_checking``:
    also those imported for annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    hidden = set() if type_checking else _type_checking_nodes(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            source = _source(node, module, path.name == "__init__.py")
            submodules = {f"{source}.{alias.name}" for alias in node.names} & known.keys()
            targets.update(submodules)
            if source in known and len(submodules) < len(node.names):
                targets.add(source)  # something defined in the package itself
    targets.discard(module)
    return targets


def build(root: Path, *, type_checking: bool = False) -> Graph:
    """The module graph of the package in ``root``."""
    known = modules(root)
    return {name: imports_of(name, path, known, type_checking=type_checking)
            for name, path in known.items()}


def collapse(graph: Graph, prefix: str, depth: int) -> Graph:
    """The graph between the parts of ``prefix`` named by their first
    ``depth`` dotted components (``dplat.agent.buffer.chunk`` at depth 3 is
    ``dplat.agent.buffer``); edges inside one part are dropped."""
    def part(name: str) -> str | None:
        if not name.startswith(prefix + "."):
            return None
        return ".".join(name.split(".")[:depth])

    collapsed: Graph = {}
    for source, targets in graph.items():
        owner = part(source)
        if owner is None:
            continue
        collapsed.setdefault(owner, set())
        collapsed[owner].update(t for t in map(part, targets) if t is not None and t != owner)
    return collapsed


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node,
    each as a path ``[a, b, ..., a]``; sorted, so messages are stable."""
    return sorted(_cycle_through(graph, sorted(component))
                  for component in _components(graph) if len(component) > 1)


def _components(graph: Graph) -> Iterator[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                yield component


def _cycle_through(graph: Graph, component: Iterable[str]) -> list[str]:
    """A shortest path from the component's first node back to itself."""
    members = set(component)
    start = min(members)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"BUG: {sorted(members)} is not a cycle")
