"""Lessons: a scenario is a folder with scenario.py, README.md and its files.

A mentor writes::

    from dplat.scenario import Scenario

    scenario = Scenario(
        name="my-lesson",
        title="What it is about",
        teaches="One paragraph: what a newcomer learns.",
        services=("s3", "bigquery"),
    )

    @scenario.step("load", "Load the staged objects into BigQuery")
    def load(ctx):
        job = ctx.bigquery.load_table_from_uri(...)
        ctx.check("every row loaded", actual=table.num_rows, expected=ctx.state["rows"],
                  where="dplat sql bigquery 'SELECT COUNT(*) FROM raw.t'")

and `dplat run scenario my-lesson` runs it, shows progress and checks.

What steps use besides ``ctx``: ``wait_until`` (dplat.waiting: poll the real
signal, never sleep a fixed time), ``s3objects`` (list, read and delete
under a prefix), ``results`` (query rows as plain values and text tables);
checks are built in ``checks``.
"""

from dplat.scenario.model import Scenario, Step
from dplat.waiting import wait_until

__all__ = ["Scenario", "Step", "wait_until"]
