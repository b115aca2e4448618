"""A lesson's checks: a real result compared with an expectation, in words.

Steps call ``ctx.check`` (equality) and ``ctx.check_that`` (any other test,
e.g. "at least N rows"); both build a :class:`CheckResult` here. A failed
check fails its step, and its message says what was expected, what was
found and where to look, so a newcomer can follow it to the cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class CheckResult:
    """A real result compared with an expectation, explained in words."""

    name: str
    passed: bool
    expected: Any
    actual: Any
    where: str = ""

    @property
    def message(self) -> str:
        if self.passed:
            return f"{self.name}: {self.actual!r}"
        hint = f"; look at: {self.where}" if self.where else ""
        return f"{self.name}: expected {self.expected!r}, found {self.actual!r}{hint}"


def equal(name: str, actual: Any, expected: Any, where: str = "") -> CheckResult:
    """Passed when ``actual == expected``."""
    return CheckResult(name, actual == expected, expected, actual, where)


def that(name: str, passed: object, actual: Any, expected: str, where: str = "") -> CheckResult:
    """Passed when ``passed`` is truthy; ``expected`` says in words what was wanted."""
    return CheckResult(name, bool(passed), expected, actual, where)
