"""The memory guard where ``/proc/self/statm`` cannot be read (macOS, the
BSDs, Windows): it falls back to the peak resident size, or to never
refusing, and says so once. And the heap trimmer: memory freed inside
glibc's heaps goes back to the system."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

from dplat.agent import memory
from dplat.agent.memory import HeapTrimmer, MemoryGuard, peak_resident

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


TRIM_CHILD = textwrap.dedent("""
    import threading
    from dplat.agent.memory import HeapTrimmer, MemoryGuard
    held = []
    def work():  # a flush thread's arena, as asyncio.to_thread gives
        blobs = [bytes(2000) for _ in range(100_000)]  # 200 MB of malloc'd blocks
        held.append(blobs[-1])  # pins the top of its heap: free() alone keeps the rest
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    guard = MemoryGuard()
    before = guard.resident()
    trimmed = HeapTrimmer().trim()
    print(before, guard.resident(), trimmed)
""")


@pytest.mark.skipif(not HeapTrimmer().available, reason="malloc_trim is glibc's (not musl, macOS)")
def test_a_trim_hands_freed_heap_memory_back() -> None:
    """In a fresh interpreter (this one's heap is the whole session's)."""
    result = subprocess.run([sys.executable, "-c", TRIM_CHILD], capture_output=True, text=True,
                            check=True, env={"PYTHONPATH": memory.__file__.rsplit("/dplat/", 1)[0]})
    before, after, trimmed = result.stdout.split()
    assert trimmed == "True"
    assert int(before) - int(after) > 150 * MiB, (int(before) >> 20, int(after) >> 20)


def test_the_trimmer_trims_after_every_so_many_purged_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: lambda pad: calls.append(pad) or 1)
    trimmer = HeapTrimmer(every=100)
    trimmer.freed(60)
    assert (calls, trimmer.pending) == ([], 60)
    trimmer.freed(50)
    assert (calls, trimmer.pending, trimmer.trims) == ([0], 0, 1)
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)  # musl, macOS, Windows
    assert not HeapTrimmer().available and not HeapTrimmer().trim()
