"""HTTP for inputs: request bodies by content type (bodies.py) and the
small server bits in_http and in_monitor_agent share (common.py)."""
