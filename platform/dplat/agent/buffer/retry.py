"""When to retry a failing output, and when to give up or use ``<secondary>``.

The schedule is Fluentd's (plugin_helper/retry_state.rb), step for step,
because users tune ``retry_wait``/``retry_timeout`` from Fluentd's docs:

* The first failure creates the state; the first retry is at
  ``start + retry_wait`` (not randomized).
* Each later failure (once the planned time has come) is a *step*: the next
  retry is ``now + interval(steps)`` where, for exponential backoff,
  ``interval(k) = retry_wait * base**k`` capped at ``retry_max_interval``,
  randomized by ``±retry_randomize_width`` (12.5 %); periodic retries wait
  ``retry_wait`` every time.
* A planned time past ``start + retry_timeout`` is clamped to it; the step
  after reaching it (or step number ``retry_max_times``) is the limit: the
  queue is discarded. ``retry_forever`` never reaches a limit.
* With a ``<secondary>``, after ``retry_secondary_threshold`` of the timeout
  (or of the total time ``retry_max_times`` steps take, if shorter) writes go
  to the secondary; its own backoff restarts from step 0.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """The ``retry_*`` parameters of a ``<buffer>`` section."""

    kind: str = "exponential_backoff"
    wait: float = 1.0
    timeout: float = 72 * 3600.0
    forever: bool = False
    max_times: int | None = None
    backoff_base: float = 2.0
    max_interval: float | None = None
    randomize: bool = True
    randomize_width: float = 0.125
    secondary: bool = False
    secondary_threshold: float = 0.8

    def interval(self, step: int) -> float:
        """The un-randomized wait after ``step`` failures-after-the-first."""
        if self.kind == "periodic":
            return self.wait
        raw = _power_interval(self.wait, self.backoff_base, step)
        if self.max_interval is not None and raw > self.max_interval:
            return self.max_interval
        return raw

    def total_wait(self, steps: int) -> float:
        """Sum of the first ``steps`` intervals (``c*(b^k-1)/(b-1)``)."""
        return sum(self.interval(i) for i in range(steps))


def _power_interval(wait: float, base: float, step: int) -> float:
    while step >= 0:
        try:
            value = wait * base**step
        except OverflowError:
            value = math.inf
        if math.isfinite(value):
            return value
        step -= 1  # like Fluentd: the last finite value
    return wait


class RetryState:
    """One episode of failures, from the first failed write to success or limit."""

    def __init__(self, policy: RetryPolicy, *, clock: Callable[[], float] = time.time,
                 rand: Callable[[], float] = random.random) -> None:
        if not 0 <= policy.randomize_width <= 0.5:
            raise ValueError("randomize_width must be between 0 and 0.5")
        self.policy = policy
        self._clock = clock
        self._rand = rand
        self.start = clock()
        self.steps = 0
        self.timeout_at = self.start + policy.timeout
        self._reached_timeout = False
        self._timed_out = False
        self.current = "primary"
        self.secondary_transition_at: float | None = None
        self.secondary_transition_steps: int | None = None
        if policy.secondary and not policy.forever:
            if not 0 < policy.secondary_threshold < 1:
                raise ValueError("retry_secondary_threshold must be between 0 and 1")
            span = policy.timeout
            if policy.max_times is not None:
                span = min(span, policy.total_wait(policy.max_times))
            self.secondary_transition_at = self.start + span * policy.secondary_threshold
        self.next_time = self.start + policy.wait

    def _randomize(self, interval: float) -> float:
        if not self.policy.randomize:
            return interval
        return interval + interval * self.policy.randomize_width * (2 * self._rand() - 1.0)

    def _naive_next_time(self, step: int) -> float:
        return self._clock() + self._randomize(self.policy.interval(step))

    def _calc_next_time(self) -> float:
        if self.secondary_transition_at is None:
            naive = self._naive_next_time(self.steps)
            return naive if self.policy.forever else min(naive, self.timeout_at)
        if self.current == "primary":
            return min(self._naive_next_time(self.steps), self.secondary_transition_at)
        assert self.secondary_transition_steps is not None
        naive = self._naive_next_time(self.steps - self.secondary_transition_steps)
        return min(naive, self.timeout_at)

    def step(self) -> None:
        """Record one more failure and plan the next retry."""
        self.steps += 1
        if (self.secondary_transition_at is not None and self.current != "secondary"
                and self._clock() >= self.secondary_transition_at):
            self.current = "secondary"
            self.secondary_transition_steps = self.steps
        self.next_time = self._calc_next_time()
        if self._reached_timeout:
            self._timed_out = self.next_time >= self.timeout_at
        else:
            self._reached_timeout = self.next_time >= self.timeout_at

    def recalc_next_time(self) -> None:
        """A failure before the planned time (several flush workers): re-plan
        without counting a step, so they do not all retry at once."""
        self.next_time = self._calc_next_time()

    def secondary(self) -> bool:
        """Should the next write go to ``<secondary>``?"""
        if self.secondary_transition_at is None:
            return False
        return self.current == "secondary" or self._clock() >= self.secondary_transition_at

    def limit(self) -> bool:
        """Give up: discard the queue."""
        if self.policy.forever:
            return False
        max_times = self.policy.max_times
        return self._timed_out or (max_times is not None and self.steps >= max_times)

    def failed(self) -> None:
        """Account a failed write the way Fluentd's output does: a step only
        once the planned retry time has come."""
        if self._clock() >= self.next_time:
            self.step()
        else:
            self.recalc_next_time()
