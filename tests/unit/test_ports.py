"""Port pre-flight names the port, who holds it, and the fix."""

from __future__ import annotations

import os
import socket

import pytest

from dplat.errors import PortInUse
from dplat.stack import ports


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_free_port_passes() -> None:
    ports.check({"mysql": free_port()})


def test_taken_port_names_port_process_and_fix(listener: int) -> None:
    with pytest.raises(PortInUse) as info:
        ports.check({"mysql": listener})
    assert str(listener) in info.value.message
    assert f"pid {os.getpid()}" in info.value.message
    assert "--port-offset" in info.value.fix


def test_port_held_by_our_own_stack_is_fine(listener: int) -> None:
    ports.check({"mysql": listener}, ours={listener})


def test_holder_finds_this_process(listener: int) -> None:
    assert ports.holder(listener) is not None
    assert str(os.getpid()) in ports.holder(listener)


def test_a_port_with_only_closed_connections_is_free() -> None:
    """A probe's finished connection leaves TIME_WAIT behind; a server can still bind."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end goes to TIME_WAIT
    client.close()
    server.close()
    assert ports.is_free(port)
