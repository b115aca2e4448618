"""What every plugin stands on, and what knows no plugin: the bases
(base.py: Plugin, Input, Filter), declared parameters (params.py), the
registry that finds and builds plugins by name (registry.py), their log
lines (log.py), counters (metrics.py) and tasks (tasks.py).

core/ imports neither buffer/ nor plugins/ (tests/unit/test_import_cycles.py
checks it): buffer/ builds on core, the Output base (agent/output.py) on
both, and plugins on all three; the router and the server reach plugins only
by name, through ``registry.build()``.
"""
