"""Rules for every tier: in CI nothing is skipped, and registry runs are opt-in.

A skip hides a test that did not run behind a green result. Locally a skip
still says why (no root for a tmpfs mount, no node on PATH); under ``CI=true``
(``.ci/run``, which runs ``scripts/test.sh``, whose set-up installs what the
tests need) a skipped test fails the run with its reason, so a set-up that
stopped providing something shows at once.

Tests that need a container registry (the ``upstream`` image set: official
images that cannot be pulled on hosts without one) carry the ``upstream``
marker and are deselected at collection, not skipped, unless the run asks
for them with ``DPLAT_TEST_IMAGES=upstream``.
"""

from __future__ import annotations

import os

import pytest

CI_FIX = ("CI runs every test: make scripts/setup.sh provide what it needs, or make "
          "the test opt-in (deselected at collection, like the `upstream` marker)")


def in_ci() -> bool:
    """True where CI runs us (CI=true, as GitHub Actions and GitLab set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def wants_upstream() -> bool:
    return os.environ.get("DPLAT_TEST_IMAGES", "local") == "upstream"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the registry-bound tests unless DPLAT_TEST_IMAGES=upstream."""
    if wants_upstream():
        return
    kept = [item for item in items if item.get_closest_marker("upstream") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _skip_reason(longrepr: object) -> str:
    # A skip's longrepr is (path, line, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under CI, a skipped test (in any phase) becomes a failure naming the reason."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and in_ci():
        report.outcome = "failed"
        report.longrepr = (f"skipped under CI=true: {_skip_reason(report.longrepr)}\n"
                           f"{CI_FIX}")


# Modules skipped at collection in this session (the hook gets no config to stash on).
_collect_skips: list[str] = []


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Remember modules skipped at collection (importorskip, allow_module_level)."""
    if report.skipped:
        _collect_skips.append(f"{report.nodeid}: {_skip_reason(report.longrepr)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a module skipped at collection fails the run (its tests never ran)."""
    if in_ci() and _collect_skips and exitstatus in (0, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if in_ci() and _collect_skips:
        terminalreporter.section("skipped at collection under CI=true", red=True)
        for line in _collect_skips:
            terminalreporter.line(line)
        terminalreporter.line(CI_FIX)
