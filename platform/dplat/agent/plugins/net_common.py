"""Small pieces the network inputs share: quiet warnings and peer names.

A network input meets the same trouble many times over: a misconfigured
client sends the same malformed frame every second, a full buffer refuses
every emit until a flush frees room. Logging each occurrence would bury the
one line that says what is wrong, so :class:`QuietLog` warns at the first
occurrence of a kind of trouble, stays quiet (DEBUG) for a while, and then
says how many it kept quiet. The counters the monitor shows still count every
occurrence: the log is for reading, the counters are for graphs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

QUIET_SECONDS = 60.0
"""How long a kind of trouble stays quiet after it was warned about."""

MAX_KEYS = 1024
"""Kinds remembered at once; keys often include a peer address, and a scan of
many addresses must not grow this without bound."""


class QuietLog:
    """Warn about a kind of trouble once per ``quiet`` seconds.

    ``key`` names the kind (``"refused"``, ``"malformed 10.0.0.7"``): two
    different keys are warned about independently. :meth:`reset` ends an
    episode early, so the next occurrence warns again at once (the buffer
    accepted events again, so a new refusal is news).
    """

    def __init__(self, log: logging.Logger | logging.LoggerAdapter[Any],
                 quiet: float = QUIET_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self._quiet = quiet
        self._clock = clock
        self._since: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, key: str, msg: str, *args: Any) -> bool:
        """Log ``msg % args`` at WARNING unless ``key`` was warned about
        recently (then at DEBUG). Returns True when it warned."""
        now = self._clock()
        since = self._since.get(key)
        if since is not None and now - since < self._quiet:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            self._log.debug(msg, *args)
            return False
        if len(self._since) >= MAX_KEYS and key not in self._since:
            self._since.clear()
            self._suppressed.clear()
        kept = self._suppressed.pop(key, 0)
        if kept:
            msg = f"{msg} ({kept} similar kept quiet since the last warning)"
        self._since[key] = now
        self._log.warning(msg, *args)
        return True

    def reset(self, key: str) -> None:
        """End the episode of ``key``: its next occurrence warns at once."""
        self._since.pop(key, None)
        self._suppressed.pop(key, None)


def format_peer(peername: Any) -> tuple[str, str]:
    """``(address, "address:port")`` of a socket's peer name, IPv6 in
    brackets; ``("", "unknown")`` when the transport does not know it."""
    if isinstance(peername, tuple) and len(peername) >= 2:
        address, port = str(peername[0]), peername[1]
        shown = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        return address, shown
    if isinstance(peername, str) and peername:  # a unix socket path
        return peername, peername
    return "", "unknown"
