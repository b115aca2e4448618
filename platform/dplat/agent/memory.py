"""How much memory the agent holds now, for inputs that must stop decoding in time.

Bytes on the wire do not bound memory: a msgpack or JSON byte can become an
80-byte Python object (an empty array, a map), so a 12 MiB message decodes
to almost 900 MiB, far past the agent's 512 MiB container, long before any
size limit is reached. No count of bytes or entries closes that gap for
every shape of input, so the inputs that decode large objects
(``in_forward``) ask a :class:`MemoryGuard` while they decode them: once the
process's resident memory passes the limit, the message is refused (no ack:
the client sends it again later) and what was decoded of it is freed.

The resident size comes from ``/proc/self/statm`` (Linux; read with one
``pread`` of a file kept open, ~5 us). Elsewhere the guard never refuses.
"""

from __future__ import annotations

import contextlib
import os

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


class MemoryGuard:
    """Answers "is the process over ``limit`` bytes resident?" cheaply."""

    def __init__(self, limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        self.limit = limit
        self._fd: int | None = None
        self._opened = False  # opened at the first question, not by `agent check`

    def resident(self) -> int | None:
        """Resident bytes now, or None where the system does not say."""
        if not self._opened:
            self._opened = True
            with contextlib.suppress(OSError):
                self._fd = os.open("/proc/self/statm", os.O_RDONLY)
        if self._fd is None:
            return None
        try:
            return int(os.pread(self._fd, 128, 0).split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return None

    def over(self, expected: int = 0) -> bool:
        """True when resident memory, plus ``expected`` bytes about to be
        allocated, is above the limit."""
        resident = self.resident()
        return resident is not None and resident + expected > self.limit

    def close(self) -> None:
        """Close the file; a later question opens it again."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self._opened = False
