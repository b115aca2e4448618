"""Port pre-flight: is each published port free, and if not, who holds it?

`up` checks before it starts anything, so a taken port is reported as
"port 3306 is held by mysqld (pid 812)" with the fix, instead of a compose
error halfway through. Ports already published by this project's own
containers are of course fine.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from dplat.errors import PortInUse


def is_free(port: int, host: str = "127.0.0.1", udp: bool = False) -> bool:
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as probe:
        # As servers do (docker-proxy included): otherwise the TIME_WAIT left by
        # a closed connection to the port would read as "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    # 0.0.0.0 is what a server bound to "all addresses" holds.
    if host != "0.0.0.0":
        return is_free(port, "0.0.0.0", udp)
    return True


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def holder(port: int) -> str | None:
    """Best effort "name (pid N)" of the process listening on ``port`` (Linux)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            for fd in fds:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                    return f"{name} (pid {pid})"
        except OSError:
            continue
    return "another process (not visible to this user)"


def check(ports: dict[str, int], ours: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Raise PortInUse naming every taken port that is not already ours."""
    taken = []
    for name, port in ports.items():
        if port in ours or is_free(port):
            continue
        who = holder(port)
        taken.append(f"{port} ({name}) is held by {who}" if who else f"{port} ({name}) is in use")
    if taken:
        raise PortInUse(
            "port " + "; port ".join(taken),
            fix="Stop what holds it, or start dplat elsewhere: `dplat up --port-offset 10000` "
            "or DPLAT_PORT_<NAME>=PORT (e.g. DPLAT_PORT_MYSQL=13306).",
        )
