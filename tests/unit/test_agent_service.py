"""The Agent service's helpers for lessons: flush-and-wait and an output's health.

The monitor's answers are scripted here (a sequence of plugin rows, as
/api/plugins.json returns them over time); what is under test is how the
helpers read them: waiting until every named output is empty, and saying in
words what is still held or failing.
"""

from __future__ import annotations

from typing import Any

import pytest

from dplat.stack.agent import Agent
from dplat.stack.credentials import Credentials


class ScriptedAgent(Agent):
    def __init__(self, answers: list[dict[str, dict[str, Any]]], flush_error: Exception | None = None):
        super().__init__(Credentials.generate(), {"agent": 1, "agent_http": 2, "agent_monitor": 3})
        self.answers, self.flush_error, self.flushed = answers, flush_error, 0

    def monitor(self, path: str = "/api/plugins.json", method: str = "GET", timeout: float = 5.0) -> Any:
        assert (path, method) == ("/api/flush", "POST")
        self.flushed += 1
        if self.flush_error:
            raise self.flush_error
        return {"ok": True}

    def plugins(self) -> dict[str, dict[str, Any]]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def row(staged: int = 0, queued: int = 0, **extra: Any) -> dict[str, Any]:
    return {"buffer_stage_length": staged, "buffer_queue_length": queued, **extra}


def test_flush_waits_until_every_named_output_is_empty() -> None:
    agent = ScriptedAgent([
        {"s3": row(1), "bq": row(0, 2)},
        {"s3": row(0), "bq": row(0, 1)},
        {"s3": row(0), "bq": row(0, 0), "other": row(5)},
    ])
    assert agent.flush(("s3", "bq"), timeout=5) is None
    assert agent.flushed == 1 and len(agent.answers) == 1


def test_flush_names_what_is_still_held_or_not_running() -> None:
    agent = ScriptedAgent([{"s3": row(0, 3)}])
    assert agent.flush(("s3", "bq"), timeout=0.3) == "outputs still buffering: s3: 3, bq: not running"


def test_a_failed_flush_is_the_answer() -> None:
    agent = ScriptedAgent([{"s3": row()}], flush_error=RuntimeError("POST /api/flush answered 500"))
    assert agent.flush(("s3",), timeout=1) == (
        "the flush failed: RuntimeError: POST /api/flush answered 500"
    )


@pytest.mark.parametrize(
    ("plugins", "expected"),
    [
        ({}, "the agent runs no output s3 (is the lesson's config loaded?)"),
        (
            {"s3": row(1, 1, emit_records=7)},
            "output s3: 7 records in, 2 chunks still buffered, 0 retries, 0 errors; `dplat logs agent`",
        ),
        (
            {"s3": row(0, 1, emit_records=7, retry_count=3)},
            "output s3: 7 records in, 1 chunks still buffered, 3 retries, 0 errors"
            " - it cannot write to its destination; `dplat logs agent`",
        ),
    ],
)
def test_output_health_in_words(plugins: dict[str, Any], expected: str) -> None:
    assert ScriptedAgent([plugins]).output_health("s3") == expected


def test_emitted_counts_records_or_none_when_not_running() -> None:
    agent = ScriptedAgent([{"tail": {"emit_records": 12}}])
    assert (agent.emitted("tail"), agent.emitted("gone")) == (12, None)
