"""in_tail's parts: which files a path pattern means (paths.py), the
pos_file (position.py), one watcher per followed file (watcher.py) and
turning read lines into events (events.py)."""
