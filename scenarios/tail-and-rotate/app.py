"""The shop's web server, as far as its access log goes.

``generate`` draws the lines it will write, deterministically from a seed, so
the lesson knows every line before it is written: each access line carries a
unique request id (``?rid=...`` in its path), and a few requests fail with a
stack trace that the server prints into the same file (three lines that are
not access-log lines: the agent's apache2 parser cannot match them).

``Writer`` is the running server: a thread that appends those lines at a
steady rate, can be paused (the copytruncate step needs it) and reopens its
file when told to (what ``postrotate`` does to Apache after logrotate renamed
the file).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from dplat.waiting import wait_until

WINDOW_START = datetime(2020, 11, 25, tzinfo=UTC)
PATHS = ("/", "/search", "/item/{n}", "/cart", "/checkout", "/static/app.js")
AGENTS = ("Mozilla/5.0 (X11; Linux x86_64) Firefox/83.0", "curl/7.74.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 14_2 like Mac OS X)")
TRACE = ("\tat shop.cart.Checkout.pay(Checkout.java:{n})",
         "\tat shop.http.Handler.serve(Handler.java:88)")


@dataclass(frozen=True)
class Line:
    """One line of the log, and what the lesson expects the agent to make of it."""

    text: str
    request_id: str | None  # None: not an access-log line (part of a stack trace)

    @property
    def matched(self) -> bool:
        return self.request_id is not None


def generate(events: int, seed: int = 30) -> list[Line]:
    """``events`` requests in time order over one synthetic day, with a stack
    trace after about one request in fifty that failed with a 500."""
    draw = random.Random(f"{seed}:{events}")
    lines: list[Line] = []
    at = WINDOW_START
    for number in range(events):
        at += timedelta(milliseconds=draw.randint(1, 2 * 86_400_000 // max(events, 1)))
        rid = f"r{seed:02d}-{number:07d}"
        path = draw.choice(PATHS).format(n=draw.randint(1, 500))
        failed = draw.random() < 0.02
        status = 500 if failed else draw.choice((200, 200, 200, 200, 304, 404))
        size = "-" if status == 304 else str(draw.randint(200, 40_000))
        user = f"u{draw.randint(1, 300):04d}" if draw.random() < 0.3 else "-"
        host = f"198.51.100.{draw.randint(1, 254)}"
        stamp = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        text = (f'{host} - {user} [{stamp}] "GET {path}?rid={rid} HTTP/1.1" {status} {size} '
                f'"-" "{draw.choice(AGENTS)}"')
        lines.append(Line(text, rid))
        if failed:
            lines.append(Line(f"java.lang.IllegalStateException: payment failed for {rid}",
                              None))
            lines += [Line(frame.format(n=draw.randint(40, 90)), None) for frame in TRACE]
    return lines


def segments(lines: Sequence[Line], parts: int) -> list[list[Line]]:
    """Cut the lines into ``parts`` runs of (nearly) equal length, one per step."""
    size, extra = divmod(len(lines), parts)
    cuts = [i * size + min(i, extra) for i in range(parts + 1)]
    return [list(lines[a:b]) for a, b in itertools.pairwise(cuts)]


class Writer(threading.Thread):
    """Appends lines to ``path`` at ``per_second``, one write and flush per line.

    Use it as a context manager: it starts on entry and, on exit, finishes
    writing its lines (or stops at once if the block raised).
    """

    def __init__(self, path: Path, lines: Sequence[str], per_second: float) -> None:
        super().__init__(name="access-log-writer", daemon=True)
        self.path, self.lines, self.interval = path, list(lines), 1.0 / per_second
        self.written = 0
        self.error: BaseException | None = None
        self._running = threading.Event()
        self._running.set()
        self._idle = threading.Event()  # set while paused between two lines
        self._reopen = threading.Event()
        self._abandon = threading.Event()

    def run(self) -> None:
        try:
            handle = self.path.open("a", encoding="utf-8")
            next_at = time.monotonic()
            for text in self.lines:
                if not self._running.is_set():
                    self._idle.set()
                    self._running.wait()
                    self._idle.clear()
                    next_at = time.monotonic()
                if self._abandon.is_set():
                    break
                if self._reopen.is_set():  # the server's reaction to postrotate
                    handle.close()
                    handle = self.path.open("a", encoding="utf-8")
                    self._reopen.clear()
                handle.write(text + "\n")
                handle.flush()
                self.written += 1
                next_at += self.interval
                time.sleep(max(0.0, next_at - time.monotonic()))
            handle.close()
        except BaseException as exc:  # reported by finish(), in the step's thread
            self.error = exc
        finally:
            self._idle.set()

    def wait_written(self, count: int, timeout: float = 60.0) -> None:
        """Return once ``count`` lines are written (or the writer ended)."""
        wait_until(lambda: self.written >= count, timeout, interval=0.005,
                   give_up=lambda: not self.is_alive())

    def pause(self) -> int:
        """Stop writing after the current line; return how many lines are written."""
        self._running.clear()
        self._idle.wait(timeout=10)
        return self.written

    def resume(self) -> None:
        self._running.set()

    def reopen(self) -> None:
        """Reopen the log by its path before the next line (after a rename)."""
        self._reopen.set()

    def finish(self, timeout: float = 120.0) -> int:
        """Wait until every line is written; return the count, or raise the writer's error."""
        self.resume()
        self.join(timeout)
        if self.error is not None:
            raise RuntimeError(f"the writer failed: {self.error}") from self.error
        return self.written

    def __enter__(self) -> Writer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is not None:
            self._abandon.set()
            self.resume()
        self.join(timeout=120)
