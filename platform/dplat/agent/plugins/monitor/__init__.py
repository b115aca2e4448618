"""in_monitor_agent's parts: the per-plugin rows it serves (data.py) and
their Prometheus text (prometheus.py)."""
