"""Rotating the log as logrotate does, and reading the agent's pos_file.

Both rotations use Debian's ``logrotate`` when it is installed (``apt-get
install -y logrotate``), run as the current user with its own state file, so
no root is needed. Without it the same file operations are done here, in the
order logrotate does them, and the lesson says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

KEEP = 4  # rotated files kept: access.log.1 ... access.log.4
BY_HAND = "the step itself"


def logrotate_config(log: Path, mode: str) -> str:
    """A logrotate config for ``log``: ``mode`` is ``create`` (rename the file,
    create an empty one) or ``copytruncate`` (copy it, then empty it in place)."""
    if mode not in ("create", "copytruncate"):
        raise ValueError(f"unknown rotation mode {mode!r}")
    return (f"{log} {{\n"
            f"    rotate {KEEP}\n"
            f"    {mode}\n"
            "    missingok\n"
            "    nocompress\n"
            "}\n")


@dataclass(frozen=True)
class Rotation:
    """What was done, for the lesson to show."""

    tool: str  # "logrotate 3.21.0", or BY_HAND
    command: str  # the command line, or the file operations done by hand
    config: str


def rotate(log: Path, mode: str) -> Rotation:
    """Rotate ``log`` once, in ``mode``, with logrotate when it is installed."""
    config = logrotate_config(log, mode)
    binary = shutil.which("logrotate")
    if binary is None:
        return Rotation(BY_HAND, by_hand(log, mode), config)
    conf = log.with_name(f"logrotate-{mode}.conf")
    conf.write_text(config)
    conf.chmod(0o644)  # logrotate ignores a config that others may write
    state = log.with_name("logrotate.status")
    command = [binary, "--force", "--state", str(state), str(conf)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[:300]}")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             check=False).stdout.split("\n")[0].strip()
    return Rotation(version or "logrotate", " ".join(command), config)


def by_hand(log: Path, mode: str) -> str:
    """logrotate's file operations for one rotation; returns them as shell text."""
    done = []
    for number in range(KEEP - 1, 0, -1):  # shift the old ones: .3 -> .4, ... .1 -> .2
        older = log.with_name(f"{log.name}.{number}")
        if older.exists():
            older.rename(log.with_name(f"{log.name}.{number + 1}"))
            done.append(f"mv {older.name} {log.name}.{number + 1}")
    first = log.with_name(f"{log.name}.1")
    if mode == "create":
        mode_bits = log.stat().st_mode & 0o777
        log.rename(first)
        log.touch(mode=mode_bits)
        done += [f"mv {log.name} {first.name}", f"touch {log.name}"]
    else:
        shutil.copy2(log, first)
        os.truncate(log, 0)
        done += [f"cp {log.name} {first.name}", f"truncate -s 0 {log.name}"]
    return "; ".join(done)


# -- the pos_file ---------------------------------------------------------------------
ENTRY = re.compile(r"^(?P<path>[^\t]+)\t(?P<pos>[0-9a-f]{16})\t(?P<inode>[0-9a-f]{16})$")
UNWATCHED = 0xFFFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class PosEntry:
    path: str
    pos: int
    inode: int


def read_pos_file(path: Path) -> tuple[list[PosEntry], list[str]]:
    """The entries of a pos_file, and the lines that are not in Fluentd's format
    (``path<TAB>16 hex digits: position<TAB>16 hex digits: inode``)."""
    entries: list[PosEntry] = []
    bad: list[str] = []
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for line in text.splitlines():
        found = ENTRY.match(line)
        if found is None:
            bad.append(line)
        else:
            entries.append(PosEntry(found["path"], int(found["pos"], 16),
                                    int(found["inode"], 16)))
    return entries, bad


def position_of(entries: list[PosEntry], inode: int) -> int | None:
    """The read position the pos_file holds for the file with ``inode``."""
    found = [e.pos for e in entries if e.inode == inode and e.pos != UNWATCHED]
    return found[-1] if found else None


def lines_after(log: Path, offset: int) -> int:
    """Lines in ``log`` from byte ``offset`` on: what a tail at ``offset`` has yet to read."""
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().count(b"\n")
