"""Helpers for the agent runtime tests.

* ``conf("match", "app.**", {"@type": "stdout"}, [conf("buffer", "tag")])``
  builds an Element without the parser (lines count up from 1 in file "t");
  tests get it as the ``conf`` fixture. Most tests parse real config text
  with ``dplat.agent.testing.parse`` instead.
* ``@type test_sink``: a buffered output that remembers what it wrote; tests
  get the class with ``registry.lookup("output", "test_sink")`` (test modules
  do not import this file: its module name depends on the tests' layout).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import pytest

from dplat.agent.buffer.chunk import Chunk
from dplat.agent.buffer.errors import UnrecoverableError
from dplat.agent.buffer.metadata import Metadata
from dplat.agent.config.element import Element, Origin, Param
from dplat.agent.core.params import config_param
from dplat.agent.core.registry import register
from dplat.agent.event import Record
from dplat.agent.output import Output

_lines = itertools.count(1)


def conf(name: str, arg: str = "", params: dict[str, str] | None = None,
         elements: Iterable[Element] = (), *, file: str = "t") -> Element:
    """An Element with params as plain strings; each gets its own line number."""
    origin = Origin(file, next(_lines))
    built = {key: Param(key, value, Origin(file, next(_lines)))
             for key, value in (params or {}).items()}
    return Element(name, arg, built, list(elements), origin)


@pytest.fixture(name="conf")
def conf_fixture() -> Callable[..., Element]:
    return conf


# -- a buffered output for buffer and retry tests -------------------------------------


@register("test_sink")
class Sink(Output):
    """Buffered only; remembers written chunks. ``fail_times`` makes the first
    N writes fail, ``unrecoverable`` makes every write fail for good."""

    fail_times = config_param("integer", default=0)
    unrecoverable = config_param("bool", default=False)
    fail_tag = config_param("string", default=None)  # chunks of this tag always fail

    def __init__(self) -> None:
        super().__init__()
        self.written: list[tuple[Metadata, list[Record]]] = []
        self.attempts = 0

    async def write(self, chunk: Chunk) -> None:
        self.attempts += 1
        if self.unrecoverable:
            raise UnrecoverableError("the destination rejects this for good")
        if self.fail_tag is not None and chunk.metadata.tag == self.fail_tag:
            raise RuntimeError(f"destination refuses tag {self.fail_tag}")
        if self.attempts <= self.fail_times:
            raise RuntimeError(f"destination down (attempt {self.attempts})")
        self.written.append((chunk.metadata, [record for _, record in chunk.events()]))
