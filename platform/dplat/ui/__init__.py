"""`dplat ui`: a local web console over the same core functions as the CLI.

Modules: :mod:`server` (routes, serving), :mod:`safety` (Host check, session
token, one long action at a time), :mod:`pages` (Overview, Lessons, Data),
:mod:`actions` (reveal, run a lesson, its live events), :mod:`runs` (a run's
events), :mod:`html` (layout and escaping), :mod:`state` (one server's state).
The console has no logic of its own: each page renders what a core function
returns, the one `dplat ... -o json` prints.
"""
