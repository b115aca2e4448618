"""dplat.waiting: the one polling loop, sync and async, and what its timeout says."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from dplat.waiting import WaitTimeout, wait_until, wait_until_async


def counter(ready_at: int):
    """A condition that answers the call number from ``ready_at`` on, else 0."""
    calls = itertools.count(1)
    return lambda: (lambda n: n if n >= ready_at else 0)(next(calls))


def test_returns_the_first_truthy_value() -> None:
    assert wait_until(counter(3), timeout=10, interval=0) == 3


def test_without_what_a_timeout_returns_the_last_value_for_the_callers_check() -> None:
    assert wait_until(lambda: [], timeout=0.05, interval=0.01) == []


def test_with_what_a_timeout_names_it_and_the_last_thing_seen() -> None:
    seen = iter([None, [], {}])
    with pytest.raises(WaitTimeout, match=r"timed out after 0.05 s waiting for the server; "
                                          r"last seen: ''$") as caught:
        wait_until(lambda: next(seen, ""), timeout=0.05, interval=0.01, what="the server")
    assert caught.value.last == "" and isinstance(caught.value, TimeoutError)


def test_ignored_exceptions_mean_not_yet_and_the_last_one_is_reported() -> None:
    calls = itertools.count(1)

    def probe() -> str:
        if next(calls) < 3:
            raise ConnectionRefusedError("port 1 closed")
        return "up"

    assert wait_until(probe, timeout=10, interval=0, ignore=(OSError,)) == "up"

    def never() -> str:
        raise ConnectionRefusedError("port 1 closed")

    with pytest.raises(WaitTimeout, match="last seen: ConnectionRefusedError: port 1 closed") as e:
        wait_until(never, timeout=0.05, interval=0.01, ignore=(OSError,), what="the probe")
    assert isinstance(e.value.__cause__, ConnectionRefusedError)
    with pytest.raises(ConnectionRefusedError):  # without `what`, the error itself
        wait_until(never, timeout=0.05, interval=0.01, ignore=(OSError,))


def test_other_exceptions_propagate_at_once() -> None:
    with pytest.raises(KeyError):
        wait_until(lambda: {}["x"], timeout=10, ignore=(OSError,))


def test_give_up_stops_before_the_timeout_and_says_why() -> None:
    with pytest.raises(WaitTimeout, match=r"gave up after .* s \(exited with 3\) waiting for"):
        wait_until(lambda: False, timeout=600, interval=0, what="a line",
                   give_up=lambda: "exited with 3")


def test_async_form_awaits_coroutine_conditions_and_raises_the_same_way() -> None:
    state = {"n": 0}

    async def grows() -> int:
        state["n"] += 1
        return state["n"] if state["n"] >= 4 else 0

    assert asyncio.run(wait_until_async(grows, timeout=10, interval=0)) == 4
    with pytest.raises(WaitTimeout, match="waiting for rows; last seen: 0"):
        asyncio.run(wait_until_async(lambda: 0, timeout=0.05, interval=0.01, what="rows"))


def test_a_service_probe_timeout_names_the_service_and_the_clients_last_error() -> None:
    """Service.wait_ready waits with it: a real boto3 client against a closed port."""
    from dplat.stack.credentials import Credentials
    from dplat.stack.s3 import S3

    closed = S3(Credentials.generate(), {"s3": 1})
    with pytest.raises(TimeoutError, match=r"waiting for s3 to answer its probe; last seen: "
                                           r"EndpointConnectionError") as caught:
        closed.wait_ready(0.3)
    assert type(caught.value.__cause__).__name__ == "EndpointConnectionError"
    with pytest.raises(TimeoutError, match=r"gave up .*\(its container stopped\)"):
        closed.wait_ready(600, still_running=lambda: False)
