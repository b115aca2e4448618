"""Which files in_tail follows: ``path`` and ``exclude_path`` expanded now.

Each path may hold strftime directives (``/logs/app.%Y%m%d.log``, expanded
with the current time, in UTC unless ``path_timezone``) and glob patterns.
Whether a path is a glob follows Fluentd's ``glob_policy``:
``backward_compatible`` only with ``*``, ``extended`` also with ``?`` and
``[...]``, ``always`` also with ``{a,b}``. Directories and unreadable files
are skipped; with ``limit_recently_modified`` so are glob matches not
modified within that many seconds.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")


def tag_of_path(prefix: str, suffix: str, path: str) -> str:
    """``tag app.*`` for ``/var/log/web.log``: ``app.var.log.web.log`` (the
    path with / as ., runs of dots squeezed, no leading dot), as Fluentd."""
    return prefix + re.sub(r"\.+", ".", path.replace("/", ".")).lstrip(".") + suffix


def use_glob(path: str, policy: str) -> bool:
    extended = "*" in path or "?" in path or re.search(r"\[.*\]", path) is not None
    if policy == "always":
        return extended or _BRACES.search(path) is not None
    if policy == "extended":
        return extended
    return "*" in path


def expand_braces(pattern: str) -> list[str]:
    """``a.{x,y}.log`` -> ``a.x.log``, ``a.y.log`` (Python's glob has no braces)."""
    found = _BRACES.search(pattern)
    if found is None:
        return [pattern]
    head, tail = pattern[:found.start()], pattern[found.end():]
    return [expanded for option in found.group(1).split(",")
            for expanded in expand_braces(head + option + tail)]


@dataclass
class PathExpander:
    """Expands the configured paths into ``{path: inode}`` of existing files."""

    paths: list[str]
    exclude: list[str] = field(default_factory=list)
    policy: str = "backward_compatible"
    zone: tzinfo | None = None
    limit_recently_modified: float | None = None
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] = field(
        default_factory=lambda: logging.getLogger(__name__))
    _warned: set[str] = field(default_factory=set)

    def expand(self) -> dict[str, os.stat_result]:
        """Existing, readable, non-directory files now matched, with their stat."""
        now = time.time()
        excluded = set(self._matches(self.exclude, now, check=False))
        found: dict[str, os.stat_result] = {}
        for path in self._matches(self.paths, now, check=True):
            if path in excluded or path in found:
                continue
            try:
                found[path] = os.stat(path)
            except OSError:
                continue
        return found

    def _matches(self, patterns: Iterable[str], now: float, *, check: bool) -> list[str]:
        result: list[str] = []
        stamp = datetime.fromtimestamp(now, self.zone) if self.zone is not None else None
        for raw in patterns:
            path = self._strftime(raw, now, stamp)
            if not use_glob(path, self.policy):
                result.append(path)
                continue
            matches: list[str] = []
            for pattern in expand_braces(path) if self.policy == "always" else [path]:
                matches.extend(sorted(glob.glob(pattern)))
            result.extend(m for m in matches if not check or self._wanted(m, now))
        return result

    @staticmethod
    def _strftime(path: str, now: float, stamp: datetime | None) -> str:
        if "%" not in path:
            return path
        return stamp.strftime(path) if stamp is not None else time.strftime(path,
                                                                             time.gmtime(now))

    def _wanted(self, path: str, now: float) -> bool:
        try:
            if os.path.isdir(path):
                return False
            if not os.access(path, os.R_OK):
                if path not in self._warned:
                    self._warned.add(path)
                    self.log.warning("%s unreadable. It is excluded and would be examined "
                                     "next time.", path)
                return False
            limit = self.limit_recently_modified
            return not (limit is not None and os.path.getmtime(path) < now - limit)
        except OSError:
            return False
