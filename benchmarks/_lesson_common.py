"""What the lesson benchmarks share: the user's running stack, not started here."""

from __future__ import annotations

from dplat.settings import Settings, resolve
from dplat.stack import lifecycle


def running_stack() -> Settings | None:
    """The settings of the stack `dplat status` sees, if every service is ready;
    else None, having said what to do (start-up is not what they measure)."""
    settings = resolve({}, env=None)
    not_ready = [s.name for s in lifecycle.status(settings) if not s.ready]
    if not_ready:
        print(f"the stack is not up ({', '.join(not_ready)}): run `dplat up` first")
        return None
    return settings
