"""The conformance suite as pytest tests: one test per case, one emulator.

All cases run once per session, several at a time (a few seconds in all), and
each case's test then checks its own outcome against known_failures.txt: a
case listed there must still fail the listed way (a fix makes the test fail
until its line is deleted), any other case must pass (or, when marked
unsupported, fail with an error). So CI stays green on today's known gaps,
and every regression, including a new wrong answer, turns it red.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cases import load
from .endpoint import open_client
from .runner import Outcome, read_known_failures, run_all

pytestmark = pytest.mark.conformance

CASES = load()
KNOWN = read_known_failures()


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> Iterator[dict[str, Outcome]]:
    """Every selected case's outcome (all of them unless ``-k`` narrowed the run)."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "callspec", None) is not None and "name" in item.callspec.params
    }
    with open_client() as client:
        yield {o.name: o for o in run_all(client, [c for c in CASES if c.name in selected])}


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    known = KNOWN.get(name)
    if known is None:
        assert outcome.kind in ("pass", "unsupported-ok"), f"{outcome.kind}: {outcome.detail}"
    else:
        assert outcome.kind == known, (
            f"known_failures.txt says {known}, now {outcome.kind}: {outcome.detail or 'passes'}; "
            "update or delete its line"
        )


def test_known_failures_name_real_cases() -> None:
    """A line for a renamed or deleted case would hide nothing and rot."""
    names = {c.name for c in CASES}
    assert sorted(set(KNOWN) - names) == []
