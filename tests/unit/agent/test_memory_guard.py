"""The memory guard where ``/proc/self/statm`` cannot be read (macOS, the
BSDs, Windows): it falls back to the peak resident size, or to never
refusing, and says so once."""

from __future__ import annotations

import logging
import sys

import pytest

from dplat.agent import memory
from dplat.agent.memory import MemoryGuard, peak_resident

MiB = 1024 * 1024
NO_PROC = "/nonexistent/statm"


def test_the_peak_is_read_in_bytes_on_this_system() -> None:
    peak = peak_resident()
    assert peak is not None and 10 * MiB < peak < 8 * 1024 * MiB  # a Python process
    if sys.platform.startswith("linux"):  # ru_maxrss counts KiB here: same order as statm
        resident = MemoryGuard().resident()  # the kernel updates the peak a little late
        assert resident is not None and resident - 4 * MiB <= peak


def test_without_statm_the_guard_refuses_only_while_the_peak_climbs_past_the_limit(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    peaks = iter([300, 300, 380, 390, 390, 395, 395])  # MiB, as getrusage would say
    monkeypatch.setattr(memory, "peak_resident", lambda: next(peaks) * MiB)
    with caplog.at_level(logging.WARNING, "dplat.agent.memory"):
        guard = MemoryGuard(limit=384 * MiB, statm=NO_PROC)
        assert guard.resident() is None and guard.source == "peak"  # read 300
        answers = [guard.over(), guard.over(), guard.over(), guard.over(),
                   guard.over(expected=10 * MiB), guard.over()]
    # 300 under; 380 climbing but under; 390 climbing past: over; 390 still:
    # memory may have gone down since; 395 climbing past; 395 still.
    assert answers == [False, False, True, False, True, False]
    assert [r.getMessage() for r in caplog.records] == [
        f"memory_limit: {NO_PROC} is not readable here, the limit is checked against "
        "the peak resident size only (refusing while the peak climbs past it)"]


def test_without_statm_the_guard_reads_this_process_peak() -> None:
    guard = MemoryGuard(limit=MiB, statm=NO_PROC)  # this process is far past 1 MiB
    assert guard.over()  # the first question: the peak climbed from nothing
    roomy = MemoryGuard(limit=2**40, statm=NO_PROC)
    assert not roomy.over() and not roomy.over(expected=2**30)
    assert MemoryGuard(limit=(peak_resident() or 0) + MiB, statm=NO_PROC).over(expected=2**31)


def test_without_statm_or_getrusage_the_guard_never_refuses_and_says_so(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(memory, "peak_resident", lambda: None)  # as on Windows
    with caplog.at_level(logging.WARNING, "dplat.agent.memory"):
        guard = MemoryGuard(limit=1, statm=NO_PROC)
        assert not guard.over(expected=2**40) and guard.source == "none"
    assert "memory_limit is not enforced" in caplog.text
