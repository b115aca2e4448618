"""tests/conftest.py's rules, run on a small suite of their own in a child pytest:
under CI=true a skip fails the run with its reason; `upstream` tests are
deselected (not skipped) unless DPLAT_TEST_IMAGES=upstream."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SUITE = '''
import pytest

def test_runs():
    assert True

def test_skips():
    pytest.skip("no widget on this host")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False

@pytest.mark.upstream
def test_needs_a_registry():
    assert True
'''

MODULE_SKIP = 'import pytest\npytest.importorskip("no_such_module_here")\n'


def run(tmp_path: Path, files: dict[str, str], **env: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(Path(__file__).parents[1] / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    upstream: registry\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "DPLAT_TEST_IMAGES")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA",
                           str(tmp_path)], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_outside_ci_a_skip_is_reported_and_the_upstream_test_is_deselected(tmp_path) -> None:
    done = run(tmp_path, {"test_suite.py": SUITE})
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped, 1 deselected, 1 xfailed" in done.stdout
    assert "no widget on this host" in done.stdout


def test_under_ci_a_skip_fails_the_run_naming_its_reason(tmp_path) -> None:
    done = run(tmp_path, {"test_suite.py": SUITE}, CI="true")
    assert done.returncode == 1, done.stdout
    assert "1 failed, 1 passed, 1 deselected, 1 xfailed" in done.stdout
    assert "skipped under CI=true: no widget on this host" in done.stdout


def test_under_ci_a_module_skipped_at_collection_fails_too(tmp_path) -> None:
    done = run(tmp_path, {"test_gone.py": MODULE_SKIP, "test_ok.py": "def test_ok(): pass\n"},
               CI="true")
    assert done.returncode == 1, done.stdout
    assert "skipped at collection under CI=true" in done.stdout
    assert "no_such_module_here" in done.stdout


def test_the_upstream_tests_run_when_asked_for(tmp_path) -> None:
    done = run(tmp_path, {"test_suite.py": SUITE}, DPLAT_TEST_IMAGES="upstream")
    assert "2 passed, 1 skipped, 1 xfailed" in done.stdout, done.stdout
    assert "deselected" not in done.stdout
