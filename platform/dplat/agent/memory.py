"""How much memory the agent holds now, for inputs that must stop decoding in time.

Bytes on the wire do not bound memory: a msgpack or JSON byte can become an
80-byte Python object (an empty array, a map), so a 12 MiB message decodes
to almost 900 MiB, far past the agent's 512 MiB container, long before any
size limit is reached. No count of bytes or entries closes that gap for
every shape of input, so the inputs that decode large objects
(``in_forward``) ask a :class:`MemoryGuard` while they decode them: once the
process's resident memory passes the limit, the message is refused (no ack:
the client sends it again later) and what was decoded of it is freed.

Where the numbers come from, best first (``MemoryGuard.source``):

* ``statm``: the resident size now, from ``/proc/self/statm`` (Linux, the
  agent's image; one ``pread`` of a file kept open, ~5 us).
* ``peak``: elsewhere (macOS, the BSDs: ``dplat agent run`` on such a
  host) only the *peak* resident size is known (``getrusage`` ``ru_maxrss``),
  and a peak never goes down. Under the limit it is exact enough (the size
  now is at most the peak). Past it, the guard refuses only while the peak is
  still climbing (the agent is passing the limit at that moment): refusing
  on the peak alone would refuse every large message for the rest of the
  run. So after one flood a second may get through where ``statm`` would
  refuse it.
* ``none``: no ``/proc`` and no ``resource`` module (Windows): the guard
  never refuses. The first question logs which source is used when it is
  not ``statm``.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from collections.abc import Callable

MiB = 1024 * 1024
DEFAULT_MEMORY_LIMIT = 384 * MiB
"""Resident memory above which decoding stops: 128 MiB under the agent
container's 512 MiB. Checks come before and after every 64 KiB of a large
object (~5 MiB of objects at worst); the hostile-input test peaks within a
few MiB of this limit."""

def json_cost(text: bytes) -> int:
    """An upper estimate of the bytes ``json.loads(text)`` allocates: each
    container ~80 bytes, each string ~60 plus its length, the rest as is.
    Brackets and quotes inside strings count too, so it errs high."""
    containers = text.count(b"{") + text.count(b"[")
    return 80 * containers + 30 * text.count(b'"') + 2 * len(text)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
STATM = "/proc/self/statm"
log = logging.getLogger("dplat.agent.memory")


def peak_resident() -> int | None:
    """The process's peak resident bytes (``getrusage``), or None without
    the ``resource`` module. ``ru_maxrss`` is in bytes on macOS and in
    KiB on Linux and the BSDs."""
    try:
        import resource  # not on Windows
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


class MemoryGuard:
    """Answers "is the process over ``limit`` bytes resident?" cheaply."""

    def __init__(self, limit: int = DEFAULT_MEMORY_LIMIT, statm: str = STATM) -> None:
        self.limit = limit
        self.statm = statm
        self.source: str | None = None
        """``statm``, ``peak`` or ``none`` once asked (see the module's doc)."""
        self._fd: int | None = None
        self._last_peak = 0

    def resident(self) -> int | None:
        """Resident bytes now, or None where the system does not say."""
        if self.source is None:
            self._open()
        if self._fd is None:
            return None
        try:
            return int(os.pread(self._fd, 128, 0).split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return None

    def _open(self) -> None:
        """Opened at the first question, not by ``agent check``."""
        with contextlib.suppress(OSError):
            self._fd = os.open(self.statm, os.O_RDONLY)
        if self._fd is not None:
            self.source = "statm"
            return
        self.source = "peak" if peak_resident() is not None else "none"
        log.warning("memory_limit: %s is not readable here, %s", self.statm,
                    "the limit is checked against the peak resident size only "
                    "(refusing while the peak climbs past it)" if self.source == "peak"
                    else "and the peak resident size neither: memory_limit is not enforced")

    def over(self, expected: int = 0) -> bool:
        """True when resident memory, plus ``expected`` bytes about to be
        allocated, is above the limit."""
        resident = self.resident()
        if resident is not None:
            return resident + expected > self.limit
        peak = peak_resident() if self.source == "peak" else None
        if peak is None:
            return False
        climbing, self._last_peak = peak > self._last_peak, peak
        return peak + expected > self.limit and climbing

    def close(self) -> None:
        """Close the file; a later question opens it again."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self.source = None


TRIM_EVERY = 32 * MiB
"""Hand free heap pages back after this many bytes of chunks were purged."""


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (musl, macOS, Windows have none)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim  # type: ignore[no-any-return]


class HeapTrimmer:
    """Hands memory the agent freed back to the system, where glibc allows.

    glibc keeps freed memory for reuse: the top of the main heap past
    ``M_TRIM_THRESHOLD``, and free pages inside it and inside the arenas of
    the threads that wrote chunks (``asyncio.to_thread``), stay resident.
    After a big run the agent's RSS then stays high, and a reload that builds
    a second pipeline beside the first can pass the container's limit (issue
    10). ``malloc_trim(0)`` returns those pages; it took 0.6-2.5 ms here on a
    heap of ~150 MiB, so it runs after every TRIM_EVERY bytes of purged
    chunks and after a reload, not per chunk. Measured on a logging-to-bq
    shaped run (600,000 events, out_s3 plus 500-row chunks decoded and
    JSON-encoded in threads; /proc/self/statm): 84 MiB resident once all was
    purged, 70 MiB after the trim, the process having started at 63 MiB.
    Without glibc it does nothing.
    """

    def __init__(self, every: int = TRIM_EVERY) -> None:
        self.every = every
        self.pending = 0
        """Bytes purged since the last trim."""
        self.trims = 0
        self._trim = _malloc_trim()

    @property
    def available(self) -> bool:
        return self._trim is not None

    def freed(self, nbytes: int) -> None:
        """Count ``nbytes`` of purged chunks; trim once TRIM_EVERY passed."""
        self.pending += nbytes
        if self.pending >= self.every:
            self.trim()

    def trim(self) -> bool:
        """``malloc_trim(0)`` now; True when memory was handed back."""
        self.pending = 0
        if self._trim is None:
            return False
        self.trims += 1
        return bool(self._trim(0))


heap = HeapTrimmer()
"""The process's one trimmer (the heap is the process's)."""
