"""The replica server's own tasks (`impl/net/server.py`): a failure of its disk stops it.

A write or fsync of the log that fails (a full disk, an I/O error) leaves the process unable to
promise anything durable, and after a failed fsync not even sure what reached the disk; it must
not go on as if nothing happened, and it must not hang either, alive to its peers and clients
but never answering. As ZooKeeper's SyncRequestProcessor exits on an IOException, the server
logs what failed and stops, with the error for `run_server` to raise (the `server` command then
exits 1, saying why), so that a supervisor restarts it from its log.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from impl.cli import server as server_command
from impl.net.config import load_config
from impl.net.local_configs import write_cluster_configs
from impl.net.server import ReplicaServer, ServerFailure, run_server
from impl.paxos.replica import Role
from impl.paxos.types import Command
from impl.storage import ReplicaStore


async def _leading(server: ReplicaServer) -> None:
    for _ in range(500):  # a one-node cluster elects itself within a few ticks
        if server.core.role is Role.LEADER:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the one replica did not lead within 5 s")


def _full_disk(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_log_write_that_fails_stops_the_server_with_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    [path] = write_cluster_configs(tmp_path, 1, extra={"tickTime": "20"})
    config = load_config(path)

    async def scenario() -> ReplicaServer:
        server = ReplicaServer(config)
        await server.start()
        try:
            await _leading(server)
            assert server.store is not None
            monkeypatch.setattr(server.store, "persist", _full_disk)
            applied = server.core.applied_slot
            server.submit(Command(7, 1, 0, b"a write"))
            # It stops by itself: nothing else will stop it.
            await asyncio.wait_for(server.serve_until_stopped(), 10)
            assert server.core.applied_slot == applied  # nothing applied, nor answered
            return server
        finally:
            await server.close()

    with caplog.at_level(logging.CRITICAL, logger="paxoscope.server"):
        server = asyncio.run(scenario())
    assert server.failure is not None
    cause = server.failure.__cause__
    assert isinstance(cause, OSError) and cause.errno == errno.ENOSPC
    assert any("No space left on device" in r.getMessage() for r in caplog.records), caplog.text


def _disk_fills_once_started(monkeypatch: pytest.MonkeyPatch) -> list[ReplicaServer]:
    started: list[ReplicaServer] = []
    original = ReplicaServer.start

    async def start(self: ReplicaServer) -> None:
        await original(self)
        started.append(self)
        monkeypatch.setattr(self.store, "persist", _full_disk)
        self.submit(Command(7, 1, 0, b"a write"))

    monkeypatch.setattr(ReplicaServer, "start", start)
    return started


def test_run_server_raises_the_failure_once_it_has_shut_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run_server` ends with the failure, after a clean close (the store closed: a restart
    can lock it again)."""
    [path] = write_cluster_configs(tmp_path, 1, extra={"tickTime": "20"})
    config = load_config(path)
    started = _disk_fills_once_started(monkeypatch)
    with pytest.raises(ServerFailure, match=r"n1 stopped: .* No space left on device"):
        asyncio.run(asyncio.wait_for(run_server(config), 10))
    assert len(started) == 1
    store, _, _ = ReplicaStore.open(config.data_dir, fsync=False)  # not locked any more
    store.close()


def test_the_server_command_exits_1_saying_what_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [path] = write_cluster_configs(tmp_path, 1, extra={"tickTime": "20"})
    _disk_fills_once_started(monkeypatch)
    result = CliRunner().invoke(server_command, ["--config", str(path)])
    assert result.exit_code == 1, result.output
    assert "error: n1 stopped:" in result.output
    assert "No space left on device" in result.output
    assert "Traceback" not in result.output
