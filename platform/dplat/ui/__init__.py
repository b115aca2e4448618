"""`dplat ui`: a local web console over the same core functions as the CLI.

Modules: :mod:`server` (routes, serving), :mod:`safety` (Host check, session
token, one long action at a time), :mod:`pages` (Overview, Lessons, Lineage,
a service's log), :mod:`datapage` (SQL box, tables, S3 listing, heads),
:mod:`agentpage` (the agent's live metrics), :mod:`actions` (reveal, run a
lesson, its live events), :mod:`control` (start and stop the stack, reset a
lesson), :mod:`runs` (a run's events), :mod:`html` (layout and escaping),
:mod:`state` (one server's state and the core calls behind its buttons),
:mod:`lean` (BigQuery's client without DataFrames, for memory).
The console has no logic of its own: each page renders what a core function
returns, the one `dplat ... -o json` prints.
"""
