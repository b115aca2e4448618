"""The insertIds streamed lately, per table: insertAll's best-effort de-duplication.

BigQuery drops a row whose ``insertId`` it saw "on a best-effort basis", for
at least one minute
(https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency).
Kept apart from :mod:`dplat_bq.api_insert` (no bqemulator import) so that the
window's timing is unit-tested with a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable


class InsertIdWindow:
    """The insertIds seen lately, per table, kept for ``span`` to 2 x ``span`` seconds.

    Two generations of ``span`` seconds each: an id is found while it is in the
    current or the previous one, so it is remembered for at least ``span``
    seconds and at most twice that, traffic or not (every look rotates by the
    clock first; generations start at multiples of ``span``). Ids are kept as 64-bit hashes; when more than ``capacity``
    are held the older generation is dropped early (best effort, as BigQuery
    says: at ~20,000 rows/s, the most this emulator takes, that still covers
    ~50 s). Not thread-safe by itself: callers look and remember under the
    engine's write lock, so two concurrent retries cannot both insert.
    """

    def __init__(self, span: float = 60.0, capacity: int = 1_000_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.span = span
        self.capacity = capacity
        self._clock = clock
        self._current: set[int] = set()
        self._previous: set[int] = set()
        self._generation = self._generation_now()

    def _generation_now(self) -> int:
        """Generations are aligned to the clock: an id lives from its own to the end of the next one."""
        return int(self._clock() // self.span)

    def _turn(self) -> None:
        generation = self._generation_now()
        if generation - self._generation >= 2:  # both generations are over
            self._previous, self._current = set(), set()
        elif generation > self._generation or len(self._current) >= self.capacity:
            self._previous, self._current = self._current, set()
        self._generation = generation

    def seen(self, table: str, insert_id: str) -> bool:
        self._turn()
        key = hash((table, insert_id))
        return key in self._current or key in self._previous

    def remember(self, table: str, insert_ids: Iterable[str]) -> None:
        self._turn()
        self._current.update(hash((table, i)) for i in insert_ids)
